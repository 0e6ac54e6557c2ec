#!/bin/bash
# contrib_hook.sh: the Claude Code hook (and the Codex notify program) hand a
# session transcript to the inbox of a mount, or to recallfs ingest when no
# inbox is there; they always exit 0 at once.
. tests/lib.sh
HOOK=$PWD/contrib/hooks/claude-code-hook.sh
NOTIFY=$PWD/contrib/hooks/codex-notify.sh
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
export XDG_STATE_HOME=$TMP/state HOME=$TMP/home RECALLFS_BIN=$R
export RECALLFS_HOOK_INTERVAL=0   # every event hands over (tested below)
mkdir -p "$HOME"
nexch() { sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges' 2>/dev/null || echo none; }
inproj() {
	sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges e JOIN projects p
		ON p.id = e.project_id WHERE p.name = '$1'" 2>/dev/null || echo none
}
# payload SESSION TRANSCRIPT CWD EVENT: what Claude Code writes on stdin
payload() {
	printf '{"session_id":"%s","transcript_path":"%s","cwd":"%s","permission_mode":"default","hook_event_name":"%s","stop_hook_active":false}\n' "$@"
}

tr=$TMP/sess-1.jsonl
"$GEN" sess-1 "/home/u/My App" 1 3 >"$tr"

# into the inbox, under inbox/<project>/, a whole copy; no ingest
mkdir -p "$TMP/inbox"
export RECALLFS_INBOX=$TMP/inbox
start=$(date +%s%N)
payload sess-1 "$tr" "/home/u/My App" Stop | "$HOOK"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "hook exit" "$rc" 0
check "hook is quick (${ms} ms)" test "$ms" -lt 2000
copies=("$TMP/inbox/My App"/sess-1-*.jsonl)
check_eq "one copy in inbox/My App/" "${#copies[@]}" 1
check "the copy is the transcript" cmp -s "$tr" "${copies[0]}"
check_eq "no hidden part left" "$(ls -A "$TMP/inbox/My App" | grep -c '^\.')" 0
check_eq "nothing ingested directly" "$(nexch)" none
check_contains "logged" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "Stop sess-1: copied to $TMP/inbox/My App/"

# a line still being written is not copied (the inbox ingests on close)
cp "$tr" "$TMP/partial.jsonl"
printf '{"parentUuid":"sess-1-a3","type":"user","message":{"role":"us' >>"$TMP/partial.jsonl"
rm -rf "$TMP/inbox"/*
payload sess-1 "$TMP/partial.jsonl" "/home/u/My App" SessionEnd | "$HOOK"
copies=("$TMP/inbox/My App"/sess-1-*.jsonl)
check "partial last line left out" cmp -s "$tr" "${copies[0]}"

# a later event writes a new name: a copy still queued is never overwritten
sleep 1
payload sess-1 "$tr" "/home/u/My App" SessionEnd | "$HOOK"
n=$(ls "$TMP/inbox/My App" | wc -l)
check_eq "second copy beside the first" "$n" 2

# project names made safe as recallfs makes them
rm -rf "$TMP/inbox"/*
payload sess-1 "$tr" '/home/u/tab\there/' Stop | "$HOOK"
check "control characters become _" test -d "$TMP/inbox/tab_here"
payload sess-1 "$tr" '/' Stop | "$HOOK"
check "no name: default" test -d "$TMP/inbox/default"
# a path with an escaped quote and backslash in the payload
mkdir -p "$TMP/we\"ird\\dir"
cp "$tr" "$TMP/we\"ird\\dir/t.jsonl"
payload sess-q "$TMP/we\\\"ird\\\\dir/t.jsonl" /w/quoted Stop | "$HOOK"
check "escaped path read" test -n "$(ls "$TMP/inbox/quoted" 2>/dev/null)"

# no inbox: recallfs ingest --project P, here in the foreground
export RECALLFS_INBOX=$TMP/no-mount
payload sess-1 "$tr" "/home/u/My App" SessionEnd | RECALLFS_HOOK_SYNC=1 "$HOOK"; rc=$?
check_eq "fallback exit" "$rc" 0
check_eq "ingested into My App" "$(inproj 'My App')" 3
check_contains "fallback logged" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "sess-1: ingested into My App"

# ... and by default in the background, without making the agent wait
"$GEN" sess-1 "/home/u/My App" 1 5 >"$tr"
start=$(date +%s%N)
payload sess-1 "$tr" "/home/u/My App" Stop | "$HOOK"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "background exit" "$rc" 0
check "background hook is quick (${ms} ms)" test "$ms" -lt 2000
for _ in $(seq 100); do [ "$(inproj 'My App')" = 5 ] && break; sleep 0.1; done
check_eq "grown session: two more exchanges" "$(inproj 'My App')" 5
for _ in $(seq 50); do ls "$TMP"/recallfs-hook.* >/dev/null 2>&1 || break; sleep 0.1; done

# on Stop, a session is handed over at most once per interval; SessionEnd
# always hands it over
export RECALLFS_INBOX=$TMP/inbox
rm -rf "$TMP/inbox"/*
ncopies() { ls "$TMP/inbox/deb" 2>/dev/null | wc -l; }
payload sess-d "$tr" /w/deb Stop | RECALLFS_HOOK_INTERVAL=30 "$HOOK"
payload sess-d "$tr" /w/deb Stop | RECALLFS_HOOK_INTERVAL=30 "$HOOK"
check_eq "second Stop within the interval skipped" "$(ncopies)" 1
check_contains "skip logged" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "Stop sess-d: handed over 0s ago; skipped"
payload sess-d "$tr" /w/deb SessionEnd | RECALLFS_HOOK_INTERVAL=30 "$HOOK"
check_eq "SessionEnd always hands over" "$(ncopies)" 2
payload sess-d "$tr" /w/deb Stop | RECALLFS_HOOK_INTERVAL=30 "$HOOK"
check_eq "after SessionEnd a Stop is not held back" "$(ncopies)" 3
touch -d '-31 seconds' "$XDG_STATE_HOME/recallfs/hook-sess-d.last"
payload sess-d "$tr" /w/deb Stop | RECALLFS_HOOK_INTERVAL=30 "$HOOK"
check_eq "after the interval a Stop hands over" "$(ncopies)" 4
export RECALLFS_INBOX=$TMP/no-mount

# bad payloads: exit 0, nothing done, a line in the log
payload sess-x "$TMP/absent.jsonl" /w/x Stop | "$HOOK"; rc=$?
check_eq "missing transcript exit" "$rc" 0
check_contains "missing transcript logged" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "no readable transcript at '$TMP/absent.jsonl'"
echo 'not json' | "$HOOK"; rc=$?
check_eq "garbage payload exit" "$rc" 0
"$HOOK" </dev/null; rc=$?
check_eq "empty payload exit" "$rc" 0
# a broken recallfs is logged, not shown
payload sess-1 "$tr" /w/broken Stop | RECALLFS_BIN=/bin/false RECALLFS_HOOK_SYNC=1 "$HOOK"; rc=$?
check_eq "broken recallfs exit" "$rc" 0
check_contains "broken recallfs logged" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "recallfs ingest failed"

# Codex: notify program with the JSON as its argument
export RECALLFS_INBOX=$TMP/inbox CODEX_HOME=$TMP/codex
rm -rf "$TMP/inbox"/*
tid=0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000
d=$CODEX_HOME/sessions/2025/01/02
mkdir -p "$d"
printf '{"timestamp":"2025-01-02T10:00:00.000Z","type":"session_meta","payload":{"id":"%s","cwd":"/work/codexapp"}}\n' "$tid" >"$d/rollout-2025-01-02T10-00-00-$tid.jsonl"
"$NOTIFY" '{"type":"agent-turn-complete","thread-id":"'"$tid"'","turn-id":"1","cwd":"/work/codexapp","input-messages":["say \"cwd\": \"/etc\""],"last-assistant-message":"done"}'; rc=$?
check_eq "notify exit" "$rc" 0
copies=("$TMP/inbox/codexapp"/*.jsonl)
check "rollout copied into inbox/codexapp/" cmp -s "$d/rollout-2025-01-02T10-00-00-$tid.jsonl" "${copies[0]}"
"$NOTIFY" '{"type":"something-else","thread-id":"'"$tid"'"}'; rc=$?
check_eq "other notification ignored" "$rc" 0
check_eq "nothing more copied" "$(ls "$TMP/inbox/codexapp" | wc -l)" 1
"$NOTIFY"; rc=$?
check_eq "no argument exit" "$rc" 0
finish

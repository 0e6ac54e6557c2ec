#!/bin/bash
# contrib_mounted.sh: the hook and the feeder against a real mount at
# ~/recallfs, found without RECALLFS_INBOX: what they hand to the inbox comes
# out as exchanges under projects/.  Skipped where FUSE is unavailable.
. tests/lib.sh
HOOK=$PWD/contrib/hooks/claude-code-hook.sh
FEED=$PWD/contrib/recallfs-feed
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	skip_all "no /dev/fuse or fusermount3"
fi
unset RECALLFS_INBOX
export HOME=$TMP/home XDG_STATE_HOME=$TMP/state RECALLFS_BIN=$R
M=$HOME/recallfs
mkdir -p "$M"
"$R" mount -f "$M" 2>"$TMP/daemon.log" &
pid=$!
# never leave a mount behind, whatever happens below
trap 'mountpoint -q "$M" && fusermount3 -u -z "$M"; kill "$pid" 2>/dev/null' EXIT
for _ in $(seq 100); do mountpoint -q "$M" && break; sleep 0.1; done
check "mounted" mountpoint -q "$M"
# nexch P: exchanges of project P shown by the mount
nexch() { ls "$M/projects/$1/exchanges" 2>/dev/null | wc -l; }
wait_for() { for _ in $(seq 100); do [ "$(nexch "$1")" = "$2" ] && break; sleep 0.1; done; }

# the hook: a Stop event, then SessionEnd of the grown session
"$GEN" e2e /w/hookapp 1 3 >"$TMP/e2e.jsonl"
printf '{"session_id":"e2e","transcript_path":"%s","cwd":"/w/hookapp","hook_event_name":"Stop"}' \
	"$TMP/e2e.jsonl" | "$HOOK"
wait_for hookapp 3
check_eq "hook: three exchanges in the mount" "$(nexch hookapp)" 3
check_contains "hook used the mount's inbox" "$(cat "$XDG_STATE_HOME/recallfs/hook.log")" "copied to $M/inbox/hookapp/"
"$GEN" e2e /w/hookapp 1 4 >"$TMP/e2e.jsonl"
printf '{"session_id":"e2e","transcript_path":"%s","cwd":"/w/hookapp","hook_event_name":"SessionEnd"}' \
	"$TMP/e2e.jsonl" | "$HOOK"
wait_for hookapp 4
check_eq "hook: grown session adds one" "$(nexch hookapp)" 4
out=$(cat "$M/query/topic4 marker4")
check_contains "searchable" "$out" "projects/hookapp/exchanges/"

# the feeder: through the inbox while the mount owns the database
mkdir -p "$HOME/.claude/projects/-w-feedapp"
"$GEN" f1 /w/feedapp 1 2 >"$HOME/.claude/projects/-w-feedapp/f1.jsonl"
touch -d '-5 minutes' "$HOME/.claude/projects/-w-feedapp/f1.jsonl"
out=$("$FEED" 2>&1)
check_contains "feeder used the inbox" "$out" "1 fed, 0 unchanged, 0 still being written, 0 failed (inbox $M/inbox)"
wait_for feedapp 2
check_eq "feeder: two exchanges in the mount" "$(nexch feedapp)" 2
out=$("$FEED" 2>&1)
check_contains "feeder: nothing the second time" "$out" "0 fed, 1 unchanged"
check_eq "nothing failed in the inbox" "$(ls "$M/inbox/failed")" ""

"$R" umount "$M"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check_fail "daemon gone after umount" kill -0 "$pid" 2>/dev/null
mountpoint -q "$M" && fusermount3 -u -z "$M"
wait "$pid"
check_eq "daemon exit status" "$?" 0
check_eq "no sanitizer report from the daemon" \
	"$(grep -E 'Sanitizer|runtime error' "$TMP/daemon.log")" ""
finish

#!/bin/bash
# forget.sh: a forgotten exchange stays forgotten (issue 12.2) when its
# transcript comes again, as it was or grown: through `recallfs ingest`,
# through the inbox of a mount (forgotten by the CLI and by rm -r in the
# mount), and through the Claude Code hook (its ingest fallback and its
# inbox copy).  The tombstone holds no text; `forget --undo` takes it back
# and the next ingest restores the exchange.
. tests/lib.sh
. tests/mount/mount.bash
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
HOOK=$PWD/contrib/hooks/claude-code-hook.sh
"$GEN" s1 /w/app 1 3 >"$TMP/half.jsonl"
"$GEN" s1 /w/app 1 6 >"$TMP/full.jsonl"
head -n 11 "$TMP/full.jsonl" >"$TMP/open.jsonl"   # turn 6 not answered yet

db() { sqlite3 "$RECALLFS_DB" "$1"; }
nexch() { db 'SELECT count(*) FROM exchanges'; }
# id of the exchange whose verbatim holds marker $1 (the answer of turn $1)
xid() { db "SELECT id FROM exchanges WHERE verbatim LIKE '%topic$1:%'"; }
hits() { "$R" query "marker$1" --mode verbatim --json | grep -o '"rank"' | wc -l; }

# 1. the CLI: ingest half; forget; ingest the grown session
"$R" ingest "$TMP/half.jsonl" >/dev/null
id=$(xid 1)
check "exchange 1 stored" test -n "$id"
out=$("$R" forget "$id")
check_contains "forget says how to undo" "$out" "recallfs forget --undo $id"
out=$("$R" ingest "$TMP/full.jsonl")
check_eq "grown session: 5 exchanges, not 6" "$(nexch)" 5
check_eq "the forgotten one is not back" "$(xid 1)" ""
check_eq "no search finds it" "$(hits 1)" 0
check_contains "the summary says one was kept out" "$out" "1 forgotten exchanges kept out"
check_contains "... and the others were added" "$out" "3 exchanges added"
out=$("$R" ingest "$TMP/full.jsonl")
check_contains "the same again adds nothing" "$out" "0 exchanges added"
touch "$TMP/full.jsonl"; "$R" ingest "$TMP/half.jsonl" "$TMP/full.jsonl" >/dev/null
check_eq "half and full again: still 5" "$(nexch)" 5
list=$("$R" forget --list)
check_contains "--list shows it" "$list" "$(printf '%06d\tapp\ts1\tply 0' "$id")"
all=$(db 'SELECT * FROM forgotten')
for w in topic1 marker1 upload retry; do
	case $all in *"$w"*) bad "tombstone holds text '$w': $all" ;; *) ok ;; esac
done
check_eq "integrity" "$(db 'PRAGMA integrity_check')" ok

# undo: the next ingest brings it back, under a new id
out=$("$R" forget --undo "$id")
check_contains "undo says what happens next" "$out" "the next ingest of its transcript brings it back"
check_contains "undo names the transcript" "$out" "$TMP/full.jsonl"
check_eq "undo leaves it out until then" "$(nexch)" 5
out=$("$R" ingest "$TMP/full.jsonl")
check_contains "the next ingest restores it" "$out" "1 exchanges added"
check_eq "6 exchanges" "$(nexch)" 6
nid=$(xid 1)
check "under a new id" test -n "$nid" -a "$nid" != "$id"
check_eq "searchable again" "$(hits 1)" 1
check_eq "the list is empty" "$("$R" forget --list)" ""
err=$("$R" forget --undo "$id" 2>&1); rc=$?
check_eq "undo of what is not forgotten: exit 1" "$rc" 1
check_contains "... one line saying so" "$err" "not a forgotten exchange"
"$R" forget --undo 2>/dev/null; check_eq "--undo without ID: usage" $? 2

# an unanswered last turn, forgotten, then answered: still forgotten
export RECALLFS_DB=$TMP/open.db
"$R" ingest "$TMP/open.jsonl" >/dev/null
"$R" forget "$(xid 6)" >/dev/null
"$R" ingest "$TMP/full.jsonl" >/dev/null
check_eq "the grown last exchange stays forgotten" "$(xid 6)" ""
check_eq "the others are there" "$(nexch)" 5

# 2. the Claude Code hook, falling back to recallfs ingest
export RECALLFS_DB=$TMP/hook.db XDG_STATE_HOME=$TMP/state HOME=$TMP/home
export RECALLFS_BIN=$R RECALLFS_HOOK_INTERVAL=0 RECALLFS_INBOX=$TMP/no-inbox
mkdir -p "$HOME"
payload() {
	printf '{"session_id":"s1","transcript_path":"%s","cwd":"/w/app","hook_event_name":"Stop"}\n' "$1"
}
payload "$TMP/half.jsonl" | RECALLFS_HOOK_SYNC=1 "$HOOK"
check_eq "hook: half ingested" "$(nexch)" 3
"$R" forget "$(xid 2)" >/dev/null
payload "$TMP/full.jsonl" | RECALLFS_HOOK_SYNC=1 "$HOOK"
check_eq "hook: grown session, forgotten one kept out" "$(nexch)" 5
check_eq "hook: exchange 2 not back" "$(xid 2)" ""

# 3. through the inbox of a mount
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	skip "forget through the inbox" "no /dev/fuse or fusermount3"
	mfinish
	exit
fi
export RECALLFS_DB=$TMP/inbox.db
"$R" ingest "$TMP/half.jsonl" >/dev/null
M=$TMP/m
mnt "$M" || { bad "mount"; mfinish; exit; }
"$R" forget "$(xid 1)" >/dev/null                       # by the CLI
x2=$(ls "$M/projects/app/exchanges" | grep "^$(printf %06d "$(xid 2)")-")
check "rm -r of one exchange directory ($x2)" rm -r "$M/projects/app/exchanges/$x2"
# (the mount commits that forget after its grace period, fs/forget.c)
for _ in $(seq 80); do [ "$(db 'SELECT count(*) FROM forgotten')" = 2 ] && break; sleep 0.1; done
check_eq "two forgotten" "$(db 'SELECT count(*) FROM forgotten')" 2
cp "$TMP/full.jsonl" "$M/inbox/"
check "inbox drained" inbox_drained "$M"
check_eq "inbox: grown session, both forgotten kept out" "$(nexch)" 4
check_eq "inbox: exchange 1 not back" "$(xid 1)" ""
check_eq "inbox: exchange 2 not back" "$(xid 2)" ""
check_eq "nothing failed" "$(ls "$M/inbox/failed" 2>/dev/null | wc -l)" 0
n=$(grep -rl -e marker1 -e marker2 "$M/projects" 2>/dev/null | wc -l)
check_eq "grep -r over the mount finds neither" "$n" 0
# the hook, into the inbox
payload "$TMP/full.jsonl" | RECALLFS_INBOX=$M/inbox "$HOOK"
check "hook copy drained" inbox_drained "$M"
check_eq "hook into the inbox: still 4" "$(nexch)" 4
# undo while mounted: the next inbox copy restores it
"$R" forget --undo "$x2" >/dev/null
cp "$TMP/full.jsonl" "$M/inbox/again.jsonl"
check "inbox drained again" inbox_drained "$M"
check_eq "undone exchange restored through the inbox" "$(nexch)" 5
check "exchange 2 back" test -n "$(xid 2)"
unmnt "$M"
check_eq "integrity" "$(db 'PRAGMA integrity_check')" ok
mfinish

#!/bin/bash
# forget.sh: forgetting through the mount needs intent (issue 12.3).
# `rm -r projects/P/exchanges/ID` forgets that one exchange (hidden at
# once, forgotten after the grace period); a recursive removal of more --
# rm -rf of a project, of exchanges/, of the root's entries, find -delete,
# rsync --delete, two rm -r one after the other -- forgets nothing, fails,
# and status says why.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m
"$R" ingest "$FIX/claude_webapp.jsonl" "$FIX/chat_notes.json" >/dev/null
"$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null
count() { sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges'; }
N=$(count)
check "some exchanges" test "$N" -gt 5
# a grace period longer than the gaps between the removals below
mnt "$M"

# waits (8 s) until the store holds $1 exchanges
holds() { for _ in $(seq 80); do [ "$(count)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
# nothing forgotten: the store after a grace period, and the tree
kept() {
	sleep 3
	check_eq "$1: nothing forgotten" "$(count)" "$N"
	check_eq "$1: every exchange still listed" \
		"$(find "$M/projects" -mindepth 3 -maxdepth 3 -path '*/exchanges/*' | wc -l)" "$N"
	check_contains "$1: status says it was refused" "$(cat "$M/status")" "forget_refused"
}

# 1. rm -rf of a project
check_fail "rm -rf projects/webapp fails" rm -rf "$M/projects/webapp" 2>"$TMP/err"
check_contains "rm says why" "$(cat "$TMP/err")" "Directory not empty"
kept "rm -rf of a project"

# 2. rm -rf of exchanges/
check_fail "rm -rf projects/notes/exchanges fails" rm -rf "$M/projects/notes/exchanges" 2>/dev/null
kept "rm -rf of exchanges/"

# 3. rm -rf MOUNT/* (inbox/ included: queued transcripts are the inbox's)
check_fail "rm -rf MOUNT/* fails" sh -c "rm -rf '$M'/*" 2>/dev/null
kept "rm -rf of the root's entries"

# 4. find -delete
check_fail "find MOUNT/projects -delete fails" find "$M/projects" -delete 2>/dev/null
kept "find -delete"

# 5. rsync --delete of an empty directory onto exchanges/
mkdir -p "$TMP/empty"
check_fail "rsync --delete fails" rsync -a --delete "$TMP/empty/" "$M/projects/webapp/exchanges/" 2>/dev/null
kept "rsync -a --delete"

# 6. two exchanges removed one after the other by two processes
sleep 3         # the refusals above have passed
a=$(ls "$M/projects/webapp/exchanges" | sed -n 1p)
b=$(ls "$M/projects/webapp/exchanges" | sed -n 2p)
check "the first rm -r is taken" rm -r "$M/projects/webapp/exchanges/$a"
check_fail "the second within the grace period is refused" rm -r "$M/projects/webapp/exchanges/$b" 2>/dev/null
kept "two rm -r in a row"
check "both back" test -d "$M/projects/webapp/exchanges/$a" -a -d "$M/projects/webapp/exchanges/$b"

# 7. one rm -r forgets one exchange
sleep 3
victim=$(ls "$M/projects/notes/exchanges" | tail -n 1)
check "rm -r of one exchange" rm -r "$M/projects/notes/exchanges/$victim"
check_fail "hidden at once" test -e "$M/projects/notes/exchanges/$victim"
check_fail "not listed" grep -qx "$victim" <<<"$(ls "$M/projects/notes/exchanges")"
check "forgotten after the grace period" holds $((N - 1))
check_fail "recallfs show no longer finds it" "$R" show "$victim" 2>/dev/null
check_fail "still gone" test -e "$M/projects/notes/exchanges/$victim"
check_contains "status counts it" "$(cat "$M/status")" "forgotten	1"
unmnt "$M"
mfinish

#!/bin/bash
# inbox.sh: cp, cat > and tee of each format into inbox/ give the exchanges
# a CLI ingest gives; the same file again adds nothing; inbox/P/ names the
# project; a hidden temp file renamed into place is ingested (rsync,
# editors); garbage ends in inbox/failed/ with a one-line .error; files
# stay listed while queued, and a daemon killed with kill -9 while files
# are queued loses none of them after remount.  Folders below a project
# folder hold what a tree brings (rsync of ~/.claude/projects/).
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m
CLI_DB=$TMP/cli.db
RECALLFS_DB=$CLI_DB "$R" ingest "$FIX/claude_webapp.jsonl" >/dev/null
RECALLFS_DB=$CLI_DB "$R" ingest "$FIX/chat_notes.json" >/dev/null
RECALLFS_DB=$CLI_DB "$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null
RECALLFS_DB=$CLI_DB "$R" export "$TMP/cli-export"

mnt "$M"
check "cp of Claude JSONL" cp "$FIX/claude_webapp.jsonl" "$M/inbox/"
check "drained" inbox_drained "$M"
check "cat > of chat JSON" sh -c "cat '$FIX/chat_notes.json' > '$M/inbox/notes.json'"
check "drained" inbox_drained "$M"
check "mkdir inbox/bikes (a new project)" mkdir "$M/inbox/bikes"
check "tee of text into inbox/bikes/" sh -c "tee '$M/inbox/bikes/chain.txt' < '$FIX/plain_bikes.txt' >/dev/null"
check "drained" inbox_drained "$M"
check_eq "inbox empty once ingested" "$(ls "$M/inbox" | grep -v -x -e failed -e bikes -e notes -e webapp | wc -l)" 0
check "export" "$R" export "$TMP/inbox-export"
check "inbox gives what CLI ingest gives" diff -r "$TMP/cli-export/projects" "$TMP/inbox-export/projects"
count() { find "$1"/projects/*/exchanges -mindepth 1 -maxdepth 1 | wc -l; }
n_before=$(count "$M")
check "some exchanges" test "$n_before" -gt 3
check_eq "as many exchanges as the CLI made" "$n_before" "$(count "$TMP/cli-export")"

# the same file again adds nothing
check "cp again" cp "$FIX/claude_webapp.jsonl" "$M/inbox/again.jsonl"
check "drained" inbox_drained "$M"
check_eq "same file adds nothing" "$(count "$M")" "$n_before"

# a hidden temp file is held until renamed (what rsync does)
cat >"$TMP/kettle.json" <<'EOF'
{"project": "notes", "conversation": "notes-pasta-1", "messages": [
 {"role": "user", "id": "p1", "content": "How much salt goes into the pasta water?"},
 {"role": "assistant", "id": "p2", "content": "About 10 grams of salt per litre of water, added once it boils."},
 {"role": "user", "id": "p3", "content": "And how long for spaghetti number 5?"},
 {"role": "assistant", "id": "p4", "content": "Nine minutes for al dente; taste one strand a minute earlier."}]}
EOF
check "write a hidden temp file" cp "$TMP/kettle.json" "$M/inbox/.kettle.json.XyZ12"
sleep 1.5
check "hidden file stays pending" test -f "$M/inbox/.kettle.json.XyZ12"
check "rename it into place" mv "$M/inbox/.kettle.json.XyZ12" "$M/inbox/kettle.json"
check "drained" inbox_drained "$M"
check "renamed file ingested" test "$(count "$M")" -gt "$n_before"

# inbox/P/ names the project; mkdir makes a new one
check "mkdir inbox/garage" mkdir "$M/inbox/garage"
printf 'User: What tyre pressure for a 28 mm road tyre at 75 kg?\n\nAssistant: Around 5.5 bar front and 6 bar rear; lower it by 0.3 bar in the wet.\n\nUser: And for 32 mm gravel tyres?\n\nAssistant: Start at 3.5 bar and drop to 3 bar on loose gravel.\n' >"$TMP/tyres.txt"
check "cp into it" cp "$TMP/tyres.txt" "$M/inbox/garage/tyres.txt"
check "drained" inbox_drained "$M"
check_eq "project garage exists" "$(ls "$M/projects" | tr '\n' ' ')" "bikes garage notes webapp "
check_fail "cp into a missing project dir fails" cp "$FIX/plain_bikes.txt" "$M/inbox/nope/x.txt" 2>/dev/null
check "folders below a project folder" mkdir -p "$M/inbox/garage/sub/subagents"
check_fail "but not deeper than 8" mkdir -p "$M/inbox/garage/1/2/3/4/5/6/7/8" 2>/dev/null
check_fail "no folders at the top but projects" mkdir "$M/inbox/failed/x" 2>/dev/null

# garbage: failed/NAME + NAME.error, one line; nothing else affected
n_before=$(count "$M")
check "cp garbage" cp "$FIX/garbage.bin" "$M/inbox/"
check "drained" inbox_drained "$M"
check "garbage in failed/" cmp "$FIX/garbage.bin" "$M/inbox/failed/garbage.bin"
check_eq "error is one line" "$(wc -l <"$M/inbox/failed/garbage.bin.error")" 1
check "error says something" test -s "$M/inbox/failed/garbage.bin.error"
check_contains "status shows the failure" "$(cat "$M/status")" "garbage.bin"
check "failed files can be removed" rm "$M/inbox/failed/garbage.bin" "$M/inbox/failed/garbage.bin.error"
check_eq "exchanges unchanged by garbage" "$(count "$M")" "$n_before"

# queued while the database is locked by another process; listed; then
# kill -9 and remount: nothing lost
python3 - "$RECALLFS_DB" "$TMP/locked" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(6)
EOF
LOCKER=$!
for _ in $(seq 100); do [ -e "$TMP/locked" ] && break; sleep 0.1; done
check "the database is locked" test -e "$TMP/locked"
for i in 1 2 3; do
	sed "s/notes-pasta-1/queued-$i/; s/\"notes\"/\"queue\"/" "$TMP/kettle.json" >"$TMP/q$i.json"
	cp "$TMP/q$i.json" "$M/inbox/q$i.json"
done
check_eq "queued files are listed" "$(ls "$M/inbox" | grep -c '^q[123].json$')" 3
check_contains "status shows the queue" "$(cat "$M/status")" "inbox_queued	3"
check "queued bytes readable" cmp "$TMP/q2.json" "$M/inbox/q2.json"
kill9 "$M"
wait "$LOCKER"
check_fail "nothing ingested before the kill" test -d "$M/projects/queue" 2>/dev/null
mnt "$M"
check "drained after remount" inbox_drained "$M"
RECALLFS_DB=$TMP/q.db "$R" ingest "$TMP"/q[123].json >/dev/null
check_eq "all queued files ingested" "$(ls "$M/projects/queue/exchanges" 2>/dev/null | wc -l)" \
	"$(RECALLFS_DB=$TMP/q.db "$R" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["exchanges"])')"
check "queue project not empty" test "$(ls "$M/projects/queue/exchanges" | wc -l)" -gt 2
check "store is sound" sqlite3 "$RECALLFS_DB" "PRAGMA integrity_check" >/dev/null
unmnt "$M"
mfinish

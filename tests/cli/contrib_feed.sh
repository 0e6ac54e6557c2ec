#!/bin/bash
# contrib_feed.sh: contrib/recallfs-feed feeds only what changed, never a file
# still being written, never in two runs at once; through recallfs ingest
# (the real binary, $R) or through an inbox.
. tests/lib.sh
FEED=$PWD/contrib/recallfs-feed
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
export XDG_STATE_HOME=$TMP/state HOME=$TMP/home
unset RECALLFS_INBOX
mkdir -p "$HOME"
proj=$HOME/.claude/projects/-work-shop
mkdir -p "$proj"

# every call of the binary is logged, then runs the real one
cat >"$TMP/rfs" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/calls"
exec "$R" "\$@"
EOF
chmod +x "$TMP/rfs"
export RECALLFS_BIN=$TMP/rfs
calls() { [ -f "$TMP/calls" ] && grep -c '^ingest' "$TMP/calls" || echo 0; }
nexch() { sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges' 2>/dev/null || echo none; }
old() { touch -d '-10 minutes' "$@"; }

"$GEN" s-one /work/shop 1 3 >"$proj/s-one.jsonl"
"$GEN" s-two /work/shop 1 2 >"$proj/s-two.jsonl"
mkdir -p "$proj/s-two/subagents"
echo '{"agentType":"x"}' >"$proj/s-two/subagents/agent-1.meta.json"
old "$proj"/*.jsonl

# first run: both sessions, through recallfs ingest (no mount here)
out=$("$FEED" 2>&1); rc=$?
check_eq "first run exit" "$rc" 0
check_contains "first run feeds two" "$out" "2 fed, 0 unchanged, 0 still being written, 0 failed (recallfs ingest)"
check_eq "one ingest call for both" "$(calls)" 1
check_eq "five exchanges stored" "$(nexch)" 5
check "state file written" test -s "$XDG_STATE_HOME/recallfs/feed.state"

# second run: nothing changed, nothing fed, recallfs not even run
out=$("$FEED" 2>&1); rc=$?
check_eq "second run exit" "$rc" 0
check_contains "second run feeds nothing" "$out" "0 fed, 2 unchanged"
check_eq "no new ingest call" "$(calls)" 1
check_eq "still five exchanges" "$(nexch)" 5

# a file still being written (modified just now) is left for later
"$GEN" s-three /work/shop 1 2 >"$proj/s-three.jsonl"
out=$("$FEED" 2>&1)
check_contains "recent file skipped" "$out" "0 fed, 2 unchanged, 1 still being written"
check_eq "recent file not ingested" "$(calls)" 1
out=$("$FEED" -v 2>&1)
check_contains "verbose names it" "$out" "still being written, left for later: $proj/s-three.jsonl"
# the settle time is configurable
out=$(RECALLFS_FEED_SETTLE=100000 "$FEED" 2>&1)
check_contains "settle from the environment" "$out" "0 fed"
old "$proj/s-three.jsonl"
out=$("$FEED" 2>&1)
check_contains "settled file fed" "$out" "1 fed, 2 unchanged, 0 still being written"
check_eq "seven exchanges" "$(nexch)" 7

# a session that grew is fed again and adds only its new exchanges
"$GEN" s-one /work/shop 1 5 >"$proj/s-one.jsonl"
old "$proj/s-one.jsonl"
out=$("$FEED" 2>&1)
check_contains "grown session fed" "$out" "1 fed, 2 unchanged"
check_eq "two more exchanges" "$(nexch)" 9
out=$("$FEED" 2>&1)
check_contains "then nothing again" "$out" "0 fed, 3 unchanged"

# --settle 0 takes a fresh file at once; the project comes from the cwd
"$GEN" s-four /work/other 1 1 >"$proj/s-four.jsonl"
out=$("$FEED" --settle 0 2>&1)
check_contains "--settle 0" "$out" "1 fed"
check_eq "project from cwd" \
	"$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM projects WHERE name='other'")" 1

# a folder argument, --project, and a file that is no transcript
mkdir -p "$TMP/more"
"$GEN" s-five /work/x 1 2 >"$TMP/more/a.jsonl"
echo "no transcript in here" >"$TMP/more/notes.txt"
echo "binary" >"$TMP/more/skip.bin"
old "$TMP/more"/*
out=$("$FEED" --project named "$TMP/more" 2>&1); rc=$?
check_eq "a failed file makes exit 1" "$rc" 1
check_contains "one fed one failed" "$out" "1 fed, 0 unchanged, 0 still being written, 1 failed"
check_contains "failure names the file" "$out" "$TMP/more/notes.txt"
check_eq "--project used" \
	"$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='named'")" 2
out=$("$FEED" --project named "$TMP/more" 2>&1); rc=$?
check_eq "failed file not retried while unchanged" "$rc" 0
check_contains "nothing again" "$out" "0 fed, 2 unchanged"
out=$("$FEED" --project named --retry-failed "$TMP/more" 2>&1)
check_contains "--retry-failed retries it" "$out" "1 failed"

# two runs never overlap: while the lock is held a run does nothing
touch "$proj/s-four.jsonl"; old "$proj/s-four.jsonl"
exec 7>"$XDG_STATE_HOME/recallfs/feed.state.lock"
flock 7
n=$(calls)
out=$("$FEED" 2>&1); rc=$?
check_eq "locked run exits 0" "$rc" 0
check_contains "locked run says so" "$out" "another run holds"
check_eq "locked run feeds nothing" "$(calls)" "$n"
exec 7>&-
out=$("$FEED" 2>&1)
check_contains "after the lock is free it runs" "$out" "1 fed"

# --dry-run lists without feeding or recording
touch "$proj/s-two.jsonl"; old "$proj/s-two.jsonl"
n=$(calls)
out=$("$FEED" -n 2>&1)
check_contains "dry run lists" "$out" "would feed: $proj/s-two.jsonl"
check_eq "dry run feeds nothing" "$(calls)" "$n"
out=$("$FEED" -n 2>&1)
check_contains "dry run recorded nothing" "$out" "would feed: $proj/s-two.jsonl"

# through an inbox: a copy lands there, recallfs is not run
mkdir -p "$TMP/inbox"
n=$(calls)
out=$(RECALLFS_INBOX=$TMP/inbox "$FEED" 2>&1)
check_contains "fed through the inbox" "$out" "1 fed"
check_contains "says inbox" "$out" "(inbox $TMP/inbox)"
check "copy in the inbox" cmp -s "$proj/s-two.jsonl" "$TMP/inbox/s-two.jsonl"
check_eq "no hidden part left" "$(ls -A "$TMP/inbox" | grep -c '^\.')" 0
check_eq "no ingest call with an inbox" "$(calls)" "$n"
touch "$proj/s-two.jsonl"; old "$proj/s-two.jsonl"
"$FEED" --inbox "$TMP/inbox" --project shop >/dev/null 2>&1
check "into inbox/<project>/" cmp -s "$proj/s-two.jsonl" "$TMP/inbox/shop/s-two.jsonl"
touch "$proj/s-two.jsonl"; old "$proj/s-two.jsonl"
"$FEED" --inbox "$TMP/inbox" --project shop >/dev/null 2>&1
check "a queued copy is not overwritten" test -f "$TMP/inbox/shop/s-two-1.jsonl"
out=$("$FEED" --inbox "$TMP/nowhere" 2>&1); rc=$?
check_eq "missing inbox fails" "$rc" 1
check_contains "missing inbox named" "$out" "$TMP/nowhere: no such inbox"

# a failure that names no file (here: no recallfs at all) records nothing:
# the files are tried again next run
"$GEN" s-six /work/shop 1 1 >"$proj/s-six.jsonl"; old "$proj/s-six.jsonl"
out=$(RECALLFS_BIN=/bin/false "$FEED" --direct 2>&1); rc=$?
check_eq "global failure exit" "$rc" 1
check_contains "global failure said" "$out" "tried again next run"
out=$("$FEED" --direct 2>&1)
check_contains "then fed" "$out" "1 fed"

# many files: ingested in batches of 100
mkdir -p "$TMP/many"
# two exchanges each: recallfs drops a one-shot (one question, one answer)
for i in $(seq 150); do "$GEN" m$i /work/many 1 2 >"$TMP/many/m$i.jsonl"; done
old "$TMP/many"/*
n=$(calls)
out=$("$FEED" --direct "$TMP/many" 2>&1)
check_contains "150 fed" "$out" "150 fed, 0 unchanged"
check_eq "in two ingest calls" "$(calls)" $((n + 2))
check_eq "300 exchanges of project many" \
	"$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='many'")" 300

# bad usage
"$FEED" --settle soon >/dev/null 2>&1; rc=$?
check_eq "bad --settle is usage" "$rc" 2
"$FEED" --project a/b >/dev/null 2>&1; rc=$?
check_eq "bad --project is usage" "$rc" 2
out=$("$FEED" "$TMP/absent" 2>&1); rc=$?
check_eq "missing path fails" "$rc" 1
check_contains "missing path named" "$out" "$TMP/absent: no such file"
check "help" "$FEED" --help
finish

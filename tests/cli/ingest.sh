#!/bin/bash
# ingest.sh: `recallfs ingest`, `show`, `forget`, `stats` end to end on
# transcripts this test writes itself: idempotency, a session that grows,
# bad input (one line naming the file, others still ingested, exit 1).
. "$(dirname "$0")/../lib.sh"

# A Claude Code session with $1 human turns (each answered with text).
session() {
	local n=$1 i parent=null
	for i in $(seq 1 "$n"); do
		printf '{"type":"user","uuid":"u%d","parentUuid":%s,"sessionId":"sess-1","cwd":"/home/dev/shop","timestamp":"2026-03-0%dT10:00:00Z","message":{"role":"user","content":"Turn %d: the checkout page throws a timeout error in payment_gateway.py after 30 seconds, please investigate"}}\n' "$i" "$parent" $(( (i % 9) + 1 )) "$i"
		printf '{"type":"assistant","uuid":"a%d","parentUuid":"u%d","sessionId":"sess-1","cwd":"/home/dev/shop","timestamp":"2026-03-0%dT10:01:00Z","message":{"id":"msg_%d","role":"assistant","content":[{"type":"text","text":"Turn %d fixed: raised the gateway timeout to 60 seconds in payment_gateway.py and added a retry with backoff."}]}}\n' "$i" "$i" $(( (i % 9) + 1 )) "$i" "$i"
		parent="\"a$i\""
	done
}

mkdir -p "$TMP/tree/sub"
session 6 > "$TMP/tree/full.jsonl"
head -n 7 "$TMP/tree/full.jsonl" > "$TMP/half.jsonl"  # ends on an unanswered turn
# two turns: a one-shot run (one user, one assistant message) is not memory
printf 'User: how do I rotate the nginx logs every day?\nAssistant: Use logrotate with a daily stanza in /etc/logrotate.d/nginx and copytruncate.\nUser: and keep two weeks of them compressed?\nAssistant: Add rotate 14 and compress to the same stanza.\n' > "$TMP/tree/sub/notes.md"
echo "MIT License, not a transcript" > "$TMP/tree/LICENSE"

out=$("$R" ingest "$TMP/tree" 2>&1)
check "ingest of a tree succeeds" [ $? = 0 ]
check_contains "summary counts files" "$out" "2 files"
n1=$("$R" stats --json | sed 's/.*"exchanges":\([0-9]*\),"projects".*/\1/')
check "exchanges ingested" [ "$n1" -ge 7 ]

out=$("$R" ingest "$TMP/tree" 2>&1)
check_contains "same tree again adds nothing" "$out" "0 exchanges added"

# Half a session, then the whole: the same exchanges as a direct ingest.
export RECALLFS_DB=$TMP/grow.db
"$R" ingest "$TMP/half.jsonl" >/dev/null
"$R" ingest "$TMP/tree/full.jsonl" >/dev/null
grown=$(sqlite3 "$RECALLFS_DB" "SELECT ply_start||'-'||ply_end||':'||hash FROM exchanges ORDER BY ply_start")
export RECALLFS_DB=$TMP/direct.db
"$R" ingest "$TMP/tree/full.jsonl" >/dev/null
direct=$(sqlite3 "$RECALLFS_DB" "SELECT ply_start||'-'||ply_end||':'||hash FROM exchanges ORDER BY ply_start")
check_eq "grown session equals direct ingest" "$grown" "$direct"
check "6 exchanges" [ "$(echo "$direct" | wc -l)" = 6 ]

# show and forget
id=$(sqlite3 "$RECALLFS_DB" "SELECT id FROM exchanges ORDER BY id LIMIT 1")
out=$("$R" show "$id" --verbatim)
check_contains "show prints core" "$out" "core:"
check_contains "show prints files" "$out" "payment_gateway.py"
check_contains "show prints verbatim" "$out" "user: Turn 1"
check "forget succeeds" "$R" forget "$id" >/dev/null
check_eq "forgotten exchange gone" "$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges WHERE id=$id")" 0
check_eq "forgotten from FTS" "$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM fts_verbatim WHERE fts_verbatim MATCH '\"Turn 1:\"'")" 0
err=$("$R" forget "$id" 2>&1)
check_eq "forget again fails with one line" "$(echo "$err" | wc -l)" 1
check_fail "show unknown id fails" "$R" show 999999 2>/dev/null
"$R" show nonsense 2>/dev/null; check_eq "show bad id exit 1" $? 1

# Bad input: one line per file naming it; the good file still goes in.
export RECALLFS_DB=$TMP/bad.db
: > "$TMP/empty.jsonl"
head -c 4096 /dev/urandom > "$TMP/binary.bin"
session 2 > "$TMP/trunc.jsonl"; printf '{"type":"user","uuid":"x' >> "$TMP/trunc.jsonl"
echo '{"hello": "world"}' > "$TMP/shape.json"
err=$("$R" ingest "$TMP/empty.jsonl" "$TMP/binary.bin" "$TMP/trunc.jsonl" "$TMP/shape.json" "$TMP/missing.jsonl" "$TMP/tree/full.jsonl" 2>&1 >/dev/null)
rc=$?
check_eq "bad input exits 1" "$rc" 1
for f in empty.jsonl binary.bin trunc.jsonl shape.json missing.jsonl; do
	check_eq "one line names $f" "$(echo "$err" | grep -c "$f")" 1
done
check_contains "truncated line is named" "$(echo "$err" | grep trunc.jsonl)" "line 5"
check "good file of the same run ingested" [ "$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges')" -ge 6 ]
check_eq "integrity after bad input" "$(sqlite3 "$RECALLFS_DB" 'PRAGMA integrity_check')" ok

"$R" ingest 2>/dev/null; check_eq "no args is usage (2)" $? 2
"$R" ingest --format nope x 2>/dev/null; check_eq "bad format is usage (2)" $? 2
"$R" ingest --project ../x "$TMP/tree/full.jsonl" 2>/dev/null; check_eq "bad project exit 1" $? 1
out=$(printf 'User: what port does the staging redis listen on?\nAssistant: It listens on 6380, configured in deploy/redis.conf.\nUser: and the password file?\nAssistant: It is read from deploy/redis.secret at start.\n' | "$R" ingest --project ops -)
check_contains "stdin ingest" "$out" "2 exchanges added"
check_contains "stats shows project" "$("$R" stats)" "ops"
finish

#!/bin/bash
# llm.sh: `ingest --distiller llm` and `redistill` end to end against the
# loopback fake_llm server (tests/helpers/fake_llm.c): each exchange ends
# filled or marked, stays searchable throughout, redistill fills only the
# marked ones and never pays twice for a cached exchange, and the API key
# shows up in no output and no database file.
. "$(dirname "$0")/../lib.sh"

FAKE=${RECALLFS_TEST_BUILD:-$PWD/build}/tests/fake_llm
KEY=sk-shell-secret-9
export FAKE_LLM_KEY=$KEY RECALLFS_LLM_KEY=$KEY
export RECALLFS_LLM_TIMEOUT_MS=1500 RECALLFS_LLM_CONNECT_TIMEOUT_MS=1000
export RECALLFS_LLM_BACKOFF_MS=50 RECALLFS_LLM_ATTEMPTS=3
export RECALLFS_CONFIG=$TMP/no-config
unset RECALLFS_DISTILLER RECALLFS_LLM_MODEL
fake_pid=

fake_start() {
	: > "$TMP/port"
	"$FAKE" --log "$TMP/fake.log" --lifetime 120 > "$TMP/port" &
	fake_pid=$!
	for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
	export RECALLFS_LLM_URL=http://127.0.0.1:$(cat "$TMP/port")/v1
}
fake_stop() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=; }
trap fake_stop EXIT
requests() { grep -c '^req=' "$TMP/fake.log" 2>/dev/null || true; }
q() { sqlite3 "$RECALLFS_DB" "$1"; }
# state|distiller of the exchange whose text holds word $1
row() { q "SELECT state||'|'||distiller FROM exchanges WHERE verbatim LIKE '%$1 %'"; }
hits() { q "SELECT count(*) FROM fts_verbatim WHERE fts_verbatim MATCH '$1'"; }

# A plain-text transcript: one exchange per "word marker" argument pair.
transcript() {
	while [ $# -gt 0 ]; do
		printf 'User: please check %s %s in the upload retry path of core/upload.c\n' "$1" "$2"
		printf 'Assistant: Checked %s: raised RETRY_MAX from 3 to 5 in core/upload.c and reran the tests.\n\n' "$1"
		shift 2
	done
}

# 1. Every behaviour through `ingest --distiller llm`.
fake_start
transcript zqgood fakellm:good.s1 zqfenced fakellm:fenced zqschema fakellm:schema \
	zqfive fakellm:r500.s zqmany fakellm:r429.s > "$TMP/a.md"
transcript zqhang fakellm:hang zqmal fakellm:malformed zqhuge fakellm:huge \
	zqplain plain > "$TMP/b.md"
start=$(date +%s)
"$R" ingest --project mix --distiller llm "$TMP/a.md" "$TMP/b.md" > "$TMP/out" 2> "$TMP/err"
check "ingest --distiller llm exits 0 though some failed" [ $? = 0 ]
took=$(( $(date +%s) - start ))
check "the run is bounded by the short timeout ($took s)" [ "$took" -le 10 ]
check_contains "summary line" "$(cat "$TMP/out")" "llm: 5 exchanges distilled"
check_contains "failures point to redistill" "$(cat "$TMP/err")" "recallfs redistill"
check_eq "one stderr line" "$(wc -l < "$TMP/err")" 1
for w in zqgood zqfenced zqfive zqmany zqplain; do
	check_eq "$w filled by the llm" "$(row $w)" "0|llm"
done
for w in zqschema zqhang zqmal zqhuge; do
	check_eq "$w marked failed, heuristic kept" "$(row $w)" "2|heuristic"
done
for w in zqgood zqschema zqhang zqmal zqhuge zqplain; do
	check_eq "$w searchable" "$(hits $w)" 1
done
check_contains "llm core stored" "$(q "SELECT core FROM exchanges WHERE verbatim LIKE '%zqgood %'")" "Fake LLM distilled"
check_eq "llm fields reach the distilled FTS" \
	"$(q "SELECT count(*) FROM fts_distilled WHERE fts_distilled MATCH '\"Fake LLM distilled\"'")" 5
check_eq "files_touched never from the llm" \
	"$(q "SELECT count(*) FROM exchanges e WHERE distiller='llm' AND NOT EXISTS (SELECT 1 FROM exchange_files f WHERE f.exchange_id=e.id AND f.path='core/upload.c')")" 0
check_eq "r500 retried once" "$(grep -c 'marker=fakellm:r500.s ' "$TMP/fake.log")" 2
check_eq "r429 retried once" "$(grep -c 'marker=fakellm:r429.s ' "$TMP/fake.log")" 2
check_eq "schema failure not retried" "$(grep -c 'marker=fakellm:schema ' "$TMP/fake.log")" 1
check_eq "key sent as bearer on every request" "$(grep -c 'auth=ok' "$TMP/fake.log")" "$(requests)"
check_contains "stats shows failed" "$("$R" stats)" "failed"
check_eq "no key in output" "$(cat "$TMP/out" "$TMP/err" | grep -c "$KEY")" 0
check_eq "no key in the database files" "$(cat "$RECALLFS_DB"* | grep -c "$KEY")" 0
fake_stop

# 2. Server down: everything marked; redistill fills only the marked ones.
export RECALLFS_DB=$TMP/redo.db
transcript zqm1 x zqm2 y zqm3 z > "$TMP/memo.md"
transcript zqw1 x zqw2 y zqw3 z zqw4 w > "$TMP/work.md"
"$R" ingest --project memo "$TMP/memo.md" > /dev/null
memo_before=$(q "SELECT e.id, core, context, distiller, state, tokens_distilled FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='memo' ORDER BY e.id")
check_eq "memo has 3 heuristic exchanges" "$(echo "$memo_before" | grep -c '|heuristic|0|')" 3
export RECALLFS_LLM_URL=http://127.0.0.1:9/v1
"$R" ingest --project work --distiller llm "$TMP/work.md" > /dev/null 2> "$TMP/err"
check "refused connection: ingest still exits 0" [ $? = 0 ]
check_contains "refusal reported" "$(cat "$TMP/err")" "redistill"
check_eq "all work exchanges marked" "$(q "SELECT count(*) FROM exchanges WHERE state=2")" 4
check_eq "marked ones searchable" "$(hits zqw3)" 1
: > "$TMP/fake.log"
fake_start
"$R" redistill > "$TMP/out" 2>&1
check "redistill exits 0" [ $? = 0 ]
check_contains "redistill picked llm and filled 4" "$(cat "$TMP/out")" "4 distilled by llm"
check_eq "one request per marked exchange" "$(requests)" 4
check_eq "work now llm" "$(q "SELECT group_concat(DISTINCT state||distiller) FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='work'")" "0llm"
check_eq "memo rows untouched" "$(q "SELECT e.id, core, context, distiller, state, tokens_distilled FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='memo' ORDER BY e.id")" "$memo_before"
"$R" redistill > "$TMP/out" 2>&1
check_contains "second redistill finds nothing" "$(cat "$TMP/out")" "0 exchanges"
check_eq "second redistill sends nothing" "$(requests)" 4

# Back to heuristic fields, then llm again: all four from the cache.
"$R" redistill --distiller heuristic --all --project work > "$TMP/out" 2>&1
check "redistill --distiller heuristic exits 0" [ $? = 0 ]
check_eq "work heuristic again" "$(q "SELECT group_concat(DISTINCT state||distiller) FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='work'")" "0heuristic"
"$R" redistill --all --project work > "$TMP/out" 2>&1
check_contains "all from the cache" "$(cat "$TMP/out")" "4 from the cache, 0 requests"
check_eq "no second request for cached exchanges" "$(requests)" 4
check_eq "memo still untouched" "$(q "SELECT e.id, core, context, distiller, state, tokens_distilled FROM exchanges e JOIN projects p ON p.id=e.project_id WHERE p.name='memo' ORDER BY e.id")" "$memo_before"
check "integrity" [ "$(q 'PRAGMA integrity_check')" = ok ]

# 3. Bad configuration: one line, nothing ingested.
"$R" ingest --distiller gpt "$TMP/memo.md" 2> "$TMP/err"
check_eq "unknown distiller is bad usage" $? 2
check_eq "one line" "$(wc -l < "$TMP/err")" 1
RECALLFS_LLM_URL= "$R" ingest --distiller llm "$TMP/memo.md" 2> "$TMP/err"
check_eq "llm without a URL fails" $? 1
check_contains "says what to set" "$(cat "$TMP/err")" "RECALLFS_LLM_URL"
printf 'llm_url=http://127.0.0.1:9/v1\nllm_key=%s\n' "$KEY" > "$RECALLFS_CONFIG"
chmod 644 "$RECALLFS_CONFIG"
RECALLFS_LLM_URL= RECALLFS_LLM_KEY= "$R" redistill --distiller llm 2> "$TMP/err"
check_eq "config readable by others refused" $? 1
check_contains "says chmod" "$(cat "$TMP/err")" "chmod 600"
check_eq "key not echoed" "$(grep -c "$KEY" "$TMP/err")" 0

# 4. TLS is verified: a self-signed server is refused (when openssl exists).
rm -f "$RECALLFS_CONFIG"
if command -v openssl > /dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj /CN=127.0.0.1 -days 1 -keyout "$TMP/k.pem" -out "$TMP/c.pem" 2> /dev/null
	tls_pid=
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		openssl s_server -quiet -www -accept "127.0.0.1:$port" \
			-cert "$TMP/c.pem" -key "$TMP/k.pem" > /dev/null 2>&1 &
		tls_pid=$!
		for _ in $(seq 30); do
			(exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break 2
			kill -0 "$tls_pid" 2> /dev/null || break
			sleep 0.1
		done
		kill "$tls_pid" 2> /dev/null; wait "$tls_pid" 2> /dev/null; tls_pid=
	done
	export RECALLFS_DB=$TMP/tls.db
	RECALLFS_LLM_URL=https://127.0.0.1:$port/v1 "$R" ingest --distiller llm "$TMP/memo.md" > /dev/null 2> "$TMP/err"
	check_contains "self-signed certificate refused" "$(cat "$TMP/err")" "certificate"
	check_eq "exchanges kept and marked" "$(q "SELECT count(*) FROM exchanges WHERE state=2")" 3
	[ -n "$tls_pid" ] && { kill "$tls_pid" 2> /dev/null; wait "$tls_pid" 2> /dev/null; }
else
	skip "llm TLS check" "openssl not installed"
fi
finish

#!/bin/bash
# embed_http.sh: `recallfs ingest` and `recallfs query --mode vector` with
# an HTTP embedder (RECALLFS_EMBED_URL) served by the loopback fake server
# build/tests/fake_embed_server: vectors are stored under the server's
# model name; a server that fails leaves the exchanges searchable by words
# with one clear line; changing the model re-embeds.
. "$(dirname "$0")/../lib.sh"
SRV=${RECALLFS_TEST_BUILD:-$PWD/build}/tests/fake_embed_server
quiet() { "$@" >/dev/null 2>&1; }
vectors() { sqlite3 "$RECALLFS_DB" "SELECT model || ':' || count(*) FROM vectors GROUP BY model ORDER BY model" | tr '\n' ' '; }

start() {       # start MODE: runs the server, sets PORT and SPID
	coproc SRVP { exec "$SRV" "$1"; }
	SPID=$SRVP_PID
	read -r PORT <&"${SRVP[0]}"
}
stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }

cat > "$TMP/a.json" <<'JSON'
{"project": "app", "conversation": "c1", "messages": [
 {"role": "user", "id": "m1", "content": "Uploads keep timing out on slow links"},
 {"role": "assistant", "id": "m2", "content": "I raised the retry cap to 5."},
 {"role": "user", "id": "m3", "content": "The login test is flaky on CI"},
 {"role": "assistant", "id": "m4", "content": "I mocked the clock in the test."}
]}
JSON

if ! command -v sqlite3 >/dev/null || [ ! -x "$SRV" ]; then
	skip_all "needs sqlite3 and $SRV"
fi

# A server that answers 500: ingest keeps the exchanges, says why once.
export RECALLFS_EMBED_RETRIES=1 RECALLFS_EMBED_BACKOFF_MS=10
start status500
out=$(RECALLFS_EMBED_URL=http://127.0.0.1:$PORT RECALLFS_EMBED_MODEL=m1 \
	"$R" ingest "$TMP/a.json" 2>&1)
check_contains "ingest names the embedder failure" "$out" "HTTP 500"
check_eq "one line about it" "$(printf '%s\n' "$out" | grep -c 'HTTP 500')" 1
check_contains "exchanges kept" "$out" "2 exchanges added"
check_eq "no vectors" "$(vectors)" ""
check "still searchable by words" quiet "$R" query --mode verbatim retry
stop

# A working server: the next ingest fills the missing vectors.
start ok
export RECALLFS_EMBED_URL=http://127.0.0.1:$PORT RECALLFS_EMBED_MODEL=m1
# the fake server wants the key "sekrit-key"; without it: 401, one line
out=$("$R" ingest "$TMP/a.json" 2>&1)
check_contains "401 without the key" "$out" "HTTP 401"
export RECALLFS_EMBED_KEY=sekrit-key
out=$("$R" ingest "$TMP/a.json" 2>&1)
check_contains "vectors made by vec_sync" "$out" "4 vectors made (m1)"
check_eq "both layers stored under the model name" "$(vectors)" "m1:4 "
out=$("$R" query --mode vector "uploads" 2>&1)
check "vector query with the HTTP embedder" test -n "$out"
check_fail "key never printed" grep -q sekrit <<<"$out"
# Another model: everything is embedded again.
export RECALLFS_EMBED_MODEL=m2
out=$("$R" ingest "$TMP/a.json" 2>&1)
check_contains "changed model re-embeds" "$out" "4 vectors made (m2)"
check_eq "only the new model's vectors" "$(vectors)" "m2:4 "
stop

# Configuration errors are one line and exit 1.
out=$(RECALLFS_EMBED_URL=ftp://x "$R" ingest "$TMP/a.json" 2>&1)
check_contains "bad URL refused" "$out" "RECALLFS_EMBED_URL"
out=$(RECALLFS_EMBED_MODEL= "$R" ingest "$TMP/a.json" 2>&1)
check_contains "missing model refused" "$out" "RECALLFS_EMBED_MODEL"
finish

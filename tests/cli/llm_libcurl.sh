#!/bin/bash
# llm_libcurl.sh: libcurl is loaded only when HTTP is used (issue 14):
# recallfs does not link it, commands that never speak HTTP never load it,
# the LLM distiller and the HTTP embedder load it at their first request;
# and without it (hidden in a private mount namespace) they say so in one
# line while the exchanges are kept, searchable and marked for redistill.
. "$(dirname "$0")/../lib.sh"

FAKE=${RECALLFS_TEST_BUILD:-$PWD/build}/tests/fake_llm
export RECALLFS_CONFIG=$TMP/no-config RECALLFS_LLM_ATTEMPTS=1
export RECALLFS_EMBED_RETRIES=0
unset RECALLFS_DISTILLER RECALLFS_LLM_URL RECALLFS_EMBED_URL RECALLFS_LLM_KEY
# libraries the dynamic loader opened, one per line (LD_DEBUG=files says
# "file=NAME [0];  needed by ..." or "...dynamically loaded by ...")
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sed 's|.*/||' | sort -u; }
q() { sqlite3 "$RECALLFS_DB" "$1"; }
cat > "$TMP/a.md" <<'EOF'
User: the upload zqfirst times out after 30 s in core/upload.c
Assistant: Raised RETRY_MAX from 3 to 5 in core/upload.c.

User: and the login zqsecond test is flaky on CI
Assistant: Mocked the clock in the login test.

EOF

if command -v ldd > /dev/null; then
	check_fail "recallfs is not linked with libcurl" grep -q libcurl <<<"$(ldd "$R")"
else
	skip "ldd check" "ldd not installed"
fi
"$R" ingest --project p "$TMP/a.md" > /dev/null
check_eq "ingest without HTTP loads no libcurl" "$(loaded "$R" ingest --project p "$TMP/a.md" | grep -c libcurl)" 0
check_eq "--help loads no libcurl" "$(loaded "$R" --help | grep -c libcurl)" 0
check_eq "stats loads no libcurl" "$(loaded "$R" stats | grep -c libcurl)" 0
check_eq "query loads no libcurl" "$(loaded "$R" query upload | grep -c libcurl)" 0

# The LLM distiller loads it at its first request.
"$FAKE" --log "$TMP/fake.log" --lifetime 60 > "$TMP/port" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$TMP/port")/v1
export RECALLFS_DB=$TMP/llm.db
check_eq "ingest --distiller llm loads libcurl" "$(RECALLFS_LLM_URL=$url loaded "$R" ingest --distiller llm "$TMP/a.md" | grep -c 'libcurl\.so\.4')" 1
check_eq "and distilled both exchanges" "$(q "SELECT count(*) FROM exchanges WHERE distiller='llm'")" 2
export RECALLFS_DB=$TMP/emb.db
check_eq "the HTTP embedder loads libcurl" "$(RECALLFS_EMBED_URL=$url RECALLFS_EMBED_MODEL=m loaded "$R" ingest "$TMP/a.md" | grep -c 'libcurl\.so\.4')" 1
check_eq "and embedded both exchanges" "$(q "SELECT count(DISTINCT exchange_id) FROM vectors WHERE model='m'")" 2

# Without libcurl: one line, nothing lost.
lib=$(ldconfig -p 2>/dev/null | awk '/libcurl\.so\.4 /{print $NF; exit}')
[ -n "$lib" ] && lib=$(readlink -f "$lib")
if [ -z "$lib" ] || ! unshare -m true 2>/dev/null; then
	skip "without libcurl" "needs ldconfig and unshare -m (root)"
	finish
	exit
fi
# hidecurl CMD...: runs CMD with libcurl.so.4 replaced by an empty file,
# in a mount namespace of its own (nothing else sees it)
hidecurl() { unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$lib" "$@"; }
export RECALLFS_DB=$TMP/nocurl.db
RECALLFS_LLM_URL=$url hidecurl "$R" ingest --project p --distiller llm "$TMP/a.md" > "$TMP/out" 2> "$TMP/err"
check_eq "llm without libcurl: ingest exits 0" $? 0
check_eq "one line" "$(wc -l < "$TMP/err")" 1
check_contains "it names libcurl" "$(cat "$TMP/err")" "HTTP needs libcurl (install libcurl4)"
check_eq "exchanges kept, marked for redistill" "$(q "SELECT group_concat(state||distiller) FROM exchanges")" "2heuristic,2heuristic"
check_eq "and searchable" "$(q "SELECT count(*) FROM fts_verbatim WHERE fts_verbatim MATCH 'zqsecond'")" 1
export RECALLFS_DB=$TMP/nocurl-emb.db
RECALLFS_EMBED_URL=$url RECALLFS_EMBED_MODEL=m hidecurl "$R" ingest "$TMP/a.md" > "$TMP/out" 2> "$TMP/err"
check_eq "embedder without libcurl: ingest exits 0" $? 0
check_contains "it names libcurl" "$(cat "$TMP/out" "$TMP/err")" "HTTP needs libcurl (install libcurl4)"
check_eq "said once" "$(cat "$TMP/out" "$TMP/err" | grep -c libcurl)" 1
check_eq "exchanges kept" "$(q "SELECT count(*) FROM exchanges")" 2
check "stats works without libcurl" hidecurl "$R" stats > /dev/null
finish

#!/bin/bash
# llm_real.sh: the LLM distiller against a real OpenAI-compatible server
# (llama.cpp's llama-server, Ollama, ...) when RECALLFS_TEST_LLM_URL is set,
# e.g.  llama-server -m model.gguf --port 8080  and
#       RECALLFS_TEST_LLM_URL=http://127.0.0.1:8080/v1 make test
# (RECALLFS_TEST_LLM_MODEL and RECALLFS_TEST_LLM_KEY are passed on when
# set).  Without it the test says it is skipped and counts nothing.
. "$(dirname "$0")/../lib.sh"

if [ -z "${RECALLFS_TEST_LLM_URL:-}" ]; then
	skip_all "set RECALLFS_TEST_LLM_URL to a running llama-server (e.g. http://127.0.0.1:8080/v1)"
fi
export RECALLFS_LLM_URL=$RECALLFS_TEST_LLM_URL
export RECALLFS_LLM_MODEL=${RECALLFS_TEST_LLM_MODEL:-}
export RECALLFS_LLM_KEY=${RECALLFS_TEST_LLM_KEY:-}
export RECALLFS_CONFIG=$TMP/no-config
unset RECALLFS_DISTILLER
q() { sqlite3 "$RECALLFS_DB" "$1"; }

cat > "$TMP/session.md" <<'EOF'
User: The nightly export job dies with "sqlite3.OperationalError: database is locked" after about 5 seconds. It runs export_orders.py while the web app keeps writing.
Assistant: The default busy timeout is 5 seconds. I set PRAGMA busy_timeout=30000 in db/connect.py and switched the database to WAL mode, so readers no longer block the writer. The export finished in 41 s on the staging copy.

User: Now make the CI run the export test too; it is skipped on GitHub Actions right now.
Assistant: Removed the skip marker from tests/test_export.py and added an "export" job to .github/workflows/ci.yml that runs pytest -k export against a seeded database. The new job passes in 2m10s.
EOF

"$R" ingest --project real --distiller llm "$TMP/session.md" > "$TMP/out" 2> "$TMP/err"
check "ingest with the real server exits 0" [ $? = 0 ]
cat "$TMP/out" "$TMP/err"
n=$(q "SELECT count(*) FROM exchanges")
check "two exchanges" [ "$n" = 2 ]
check_eq "all distilled by the llm" "$(q "SELECT count(*) FROM exchanges WHERE distiller='llm' AND state=0")" "$n"
check_eq "context copied from the text" "$(q "SELECT count(*) FROM exchanges WHERE instr(verbatim, context) = 0")" 0
check_eq "core 1..600 bytes" "$(q "SELECT count(*) FROM exchanges WHERE length(core) BETWEEN 1 AND 600")" "$n"
check_eq "1-3 rooms each" "$(q "SELECT count(*) FROM (SELECT exchange_id, count(*) c FROM exchange_rooms GROUP BY exchange_id) WHERE c BETWEEN 1 AND 3")" "$n"
check_eq "room types from the enum" "$(q "SELECT count(*) FROM rooms WHERE type NOT IN ('file','concept','workflow')")" 0
q "SELECT '--- ' || id || ': ' || core || ' | ' || context FROM exchanges"
q "SELECT type || ':' || key || ' (' || label || ')' FROM rooms"
"$R" redistill --distiller heuristic --all --project real > /dev/null 2>&1
"$R" redistill --all --project real > "$TMP/out" 2>&1
check_contains "a second pass is answered from the cache" "$(cat "$TMP/out")" "$n from the cache, 0 requests"
finish

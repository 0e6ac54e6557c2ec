#!/bin/bash
# secrets.sh: a transcript with planted secrets of every kind redact.h
# names (tests/cli/secrets.bash).  None may reach the distilled fields
# (core, context, rooms, files, the distilled text), exchange ids, MEMORY.md,
# `show`, or query output (text and JSON); the verbatim layer keeps them
# (that is what makes this test able to fail), and `export --redact` masks
# them in every file and name.  The mount's --redact: tests/mount/secrets.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/secrets.bash"

secrets_session >"$TMP/secrets.jsonl"
check "ingest" "$R" ingest "$TMP/secrets.jsonl" >/dev/null
check_eq "9 exchanges" "$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges')" 9

# The verbatim layer holds every planted secret (the test can fail).
sqlite3 "$RECALLFS_DB" 'SELECT verbatim FROM exchanges' >"$TMP/verbatim.txt"
check_eq "verbatim keeps all 17 secrets" "$(secrets_in "$TMP/verbatim.txt" | wc -l)" 17

# The distilled layer, as stored.
sqlite3 "$RECALLFS_DB" "SELECT slug, core, context, distilled FROM exchanges;
	SELECT type, key, label FROM rooms; SELECT path FROM exchange_files" >"$TMP/distilled.txt"
check "distilled fields are not empty" test "$(wc -c <"$TMP/distilled.txt")" -gt 500
check_eq "no secret in distilled fields, rooms, files or ids" "$(secrets_in "$TMP/distilled.txt")" ""

# show (without --verbatim)
for id in $(sqlite3 "$RECALLFS_DB" 'SELECT id FROM exchanges'); do
	"$R" show "$id"
done >"$TMP/show.txt" 2>&1
check_contains "show prints the exchanges" "$(cat "$TMP/show.txt")" "core:"
check_eq "no secret in show" "$(secrets_in "$TMP/show.txt")" ""

# Query output: text and JSON, every mode, for words that find each turn
# (and for the secrets themselves, which the verbatim index knows).  The
# first line of text output and JSON's "query" echo what was asked.
: >"$TMP/query.txt"
for q in AccessDenied 'netrc 403' 'revoked 401' rotation 'JWT exp' \
	 'pg_hba subnet' 'loader rejects' 'ssh CRLF' deploy key token password \
	 'maps billing GitLab' 'rotated vault' \
	 $SECRETS; do
	for m in verbatim distilled hybrid cross; do
		"$R" query --mode "$m" --limit 8 -- "$q" | sed 1d >>"$TMP/query.txt"
		"$R" query --json --mode "$m" --limit 8 -- "$q" |
			sed 's/^{"query":"[^"]*",//' >>"$TMP/query.txt"
	done
done
check "queries found exchanges" grep -q 'exchanges/' "$TMP/query.txt"
check_eq "no secret in query output" "$(secrets_in "$TMP/query.txt")" ""

# export: MEMORY.md and every distilled file clean; verbatim not (no
# --redact); names clean.
check "export" "$R" export "$TMP/plain" >/dev/null
check "MEMORY.md exported" test -s "$TMP/plain/projects/vault/MEMORY.md"
check_eq "no secret in MEMORY.md" "$(secrets_in "$TMP/plain/projects/vault/MEMORY.md")" ""
check_eq "no secret in exported names" "$(secrets_in_names "$TMP/plain")" ""
check_eq "no secret outside verbatim" \
	"$(secrets_in "$TMP/plain" | grep -v '/verbatim$' | grep -v '/README.md$')" ""
check "secrets are in exported verbatim (no --redact)" test -n "$(secrets_in "$TMP/plain")"

# export --redact: nothing anywhere.
check "export --redact" "$R" export --redact "$TMP/red" >/dev/null
check_eq "no secret in any file with --redact" "$(secrets_in "$TMP/red")" ""
check_eq "no secret in any name with --redact" "$(secrets_in_names "$TMP/red")" ""
check "--redact masks the verbatim" grep -rq '\[REDACTED\]' "$TMP/red/projects/vault/exchanges"
check_eq "--redact keeps every exchange" "$(ls "$TMP/red/projects/vault/exchanges" | wc -l)" 9

# redistill with the heuristic distiller recomputes the fields: still clean.
check "redistill --all" "$R" redistill --all --distiller heuristic >/dev/null 2>&1
sqlite3 "$RECALLFS_DB" "SELECT slug, core, context, distilled FROM exchanges;
	SELECT type, key, label FROM rooms" >"$TMP/redistilled.txt"
check_eq "no secret after redistill" "$(secrets_in "$TMP/redistilled.txt")" ""
finish

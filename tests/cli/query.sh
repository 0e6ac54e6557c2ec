#!/bin/bash
# query.sh: `recallfs query` end to end on chat transcripts this test
# writes: text and JSON output (SPEC section 4), every mode, options and
# in-query filters, errors (one line, exit status), forget.
. "$(dirname "$0")/../lib.sh"
quiet() { "$@" >/dev/null 2>&1; }

# chat FILE PROJECT CONV DATE USER1 ASSISTANT1 USER2 ASSISTANT2
chat() {
	cat > "$1" <<JSON
{"project": "$2", "conversation": "$3", "messages": [
 {"role": "user", "id": "$3-1", "timestamp": "${4}T10:00:00Z", "content": "$5"},
 {"role": "assistant", "id": "$3-2", "timestamp": "${4}T10:01:00Z", "content": "$6"},
 {"role": "user", "id": "$3-3", "timestamp": "${4}T10:02:00Z", "content": "$7"},
 {"role": "assistant", "id": "$3-4", "timestamp": "${4}T10:03:00Z", "content": "$8"}
]}
JSON
}
chat "$TMP/a.json" app app-1 2026-01-10 \
	"Uploads to the bucket keep timing out on slow links, see src/upload.c" \
	"I raised the upload retry cap to 5 and added jittered backoff in src/upload.c." \
	"Now the login test is flaky on CI, it fails every other run." \
	"It depended on the wall clock; I mocked the clock in tests/test_login.py."
chat "$TMP/b.json" web web-1 2026-03-01 \
	"The sidebar overlaps the header on phones in web/style.css." \
	"I moved the page layout from floats to a flexbox column in web/style.css." \
	"Add a dark theme toggle to the settings page please." \
	"The toggle now stores the chosen theme in local storage."
check "ingest fixtures" quiet "$R" ingest "$TMP/a.json" "$TMP/b.json"

out=$("$R" query upload retry)
check "query succeeds" [ $? = 0 ]
check_contains "header" "$(echo "$out" | head -n 1)" "# query: upload retry  mode: "
check_contains "result line: rank, score, path" "$out" "$(printf '1\t')"
check_contains "path under projects/app" "$(echo "$out" | sed -n 2p)" "projects/app/exchanges/"
check "distilled text indented" [ "$(echo "$out" | sed -n 3p | cut -c1)" = "$(printf '\t')" ]

for m in verbatim distilled vector hybrid cross; do
	out=$("$R" query flexbox sidebar layout --mode $m --limit 1)
	check_contains "mode $m runs" "$(echo "$out" | head -n 1)" "mode: $m  results: 1"
	check_contains "mode $m finds the layout exchange" "$out" "projects/web/exchanges/"
done
out=$("$R" query 'flexbox mode:verbatim')
check_contains "mode: in the terms" "$out" "mode: verbatim"
out=$("$R" query 'flexbox mode:distilled' --mode verbatim)
check_contains "--mode overrides mode:" "$out" "mode: verbatim"

out=$("$R" query the --mode verbatim --project web --limit 10)
check "--project narrows" [ -z "$(echo "$out" | grep 'projects/app/')" ]
check_contains "--project keeps web" "$out" "projects/web/"
out=$("$R" query the project:app --mode verbatim)
check "project: narrows" [ -z "$(echo "$out" | grep 'projects/web/')" ]
out=$("$R" query the --mode verbatim 'until:2026-01-31')
check "until: narrows" [ -z "$(echo "$out" | grep 'projects/web/')" ]
out=$("$R" query the --mode verbatim 'since:2026-02-01')
check "since: narrows" [ -z "$(echo "$out" | grep 'projects/app/')" ]
out=$("$R" query upload file:upload.c)
check_contains "file: basename" "$out" "results: 1"
out=$("$R" query the --mode verbatim --limit 1)
check_contains "--limit" "$out" "results: 1"

out=$("$R" query upload retry --json)
check "json output" [ $? = 0 ]
if command -v python3 >/dev/null; then
	check "json parses with the SPEC keys" python3 -c '
import json, sys
o = json.loads(sys.argv[1])
r = o["results"][0]
assert o["query"] == "upload retry" and o["mode"]
for k in ("rank", "score", "id", "project", "path", "core", "context", "rooms", "files", "scores"):
    assert k in r, k
assert r["path"].endswith(r["id"])
' "$out"
	id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["id"])' "$out")
	check "show takes the result id" quiet "$R" show "$id"
fi

# Errors: one line on stderr, exit 1 (bad query) or 2 (bad usage).
err=$("$R" query 'x limit:ten' 2>&1 >/dev/null); rc=$?
check_eq "bad limit: exit 1" $rc 1
check_eq "bad limit: one line" "$(echo "$err" | wc -l)" 1
check_contains "bad limit: says what" "$err" "limit:ten is not a number"
err=$("$R" query 'x since:2026-02-30' 2>&1 >/dev/null)
check_contains "bad date" "$err" "since:2026-02-30 is not a date"
out=$("$R" query 'x mode:fast' --json 2>&1)
check_contains "json error object" "$out" '"error":'
"$R" query >/dev/null 2>&1; check_eq "no terms: exit 2" $? 2
"$R" query x --mode fast >/dev/null 2>&1; check_eq "--mode bad: exit 2" $? 2
"$R" query x --limit 0 >/dev/null 2>&1; check_eq "--limit 0: exit 2" $? 2
for q in '"' 'NEAR(' '*' '^x' 'col:val' 'AND' 'OR NOT' '(' '🎉' '日本語' 'the of and'; do
	out=$("$R" query "$q" 2>&1)
	case "$out" in
	"# query: "*|"# error: "*) ok ;;
	*) bad "hostile query '$q' gave: $out" ;;
	esac
done
out=$("$R" query "$(head -c 12000 /dev/zero | tr '\0' 'a')" 2>&1)
check_contains "long query: one clear line" "$out" "longer than 4096 bytes"

# forget removes it from every mode
id=$("$R" query upload retry --mode verbatim --limit 1 | sed -n 2p | sed 's|.*/||')
check "forget" quiet "$R" forget "$id"
for m in verbatim distilled vector hybrid cross; do
	out=$("$R" query upload retry --mode $m --limit 50)
	check "forgotten in $m" [ -z "$(echo "$out" | grep "/$id\$")" ]
done
finish

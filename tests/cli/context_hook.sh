#!/bin/bash
# context_hook.sh: contrib/hooks/claude-session-start.sh, the Claude Code
# SessionStart hook.  Its output parses as the documented schema,
#   {"hookSpecificOutput": {"hookEventName": "SessionStart",
#                           "additionalContext": "<text>"}}
# with the text exactly what `recallfs context` prints in the payload's cwd
# (quotes, backslashes and UTF-8 survive the escaping); and whatever goes
# wrong (recallfs or the database missing, no project here, recallfs too
# slow or failing, stdin never closed, a garbage payload) it prints nothing
# and exits 0 within its time limit.  Also: the settings snippet installs it.
. tests/lib.sh
. "$(dirname "$0")/context.bash"
HOOK=$PWD/contrib/hooks/claude-session-start.sh
SETTINGS=$PWD/contrib/hooks/claude-settings.json
export HOME=$TMP/home RECALLFS_BIN=$R RECALLFS_MOUNT= RECALLFS_CONTEXT_TIMEOUT=1
mkdir -p "$HOME" "$TMP/work/shop/src" "$TMP/work/unknown" "$TMP/tx"
ctx_shop "$TMP/tx" "$TMP/work/shop"
check "ingest" "$R" ingest "$TMP/tx" >/dev/null
# a stored core with what JSON must escape, and UTF-8
sqlite3 "$RECALLFS_DB" "UPDATE exchanges SET core = 'Quote \"this\", back\\slash C:\\temp\\x, a' || char(9) || 'tab, caf' || char(233) || ' 技術' WHERE id = (SELECT max(id) FROM exchanges)"

# payload CWD: what Claude Code writes on stdin at a session start
payload() {
	printf '{"session_id":"s1","transcript_path":"/nonexistent/s1.jsonl","cwd":"%s","hook_event_name":"SessionStart","source":"startup","model":"x"}\n' "$1"
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# quiet NAME: the hook printed nothing and exited 0 within its limits
# (reading stdin and running recallfs: at most 1 s each here, plus 1 s to
# kill, plus slack for a loaded machine)
quiet() {
	check_eq "$1: exit 0" "$rc" 0
	check_eq "$1: prints nothing" "$out" ""
	check "$1: within the limit ($t ms)" test "$t" -lt 6000
}

expected=$(cd "$TMP/work/shop" && "$R" context)
check_contains "recallfs context prints the planted core" "$expected" 'Quote "this", back\slash C:\temp\x, a tab'
t0=$(date +%s%N)
out=$(payload "$TMP/work/shop" | "$HOOK"); rc=$?
t=$(ms "$t0")
check_eq "exit 0" "$rc" 0
check_eq "one line" "$(wc -l <<<"$out")" 1
check "within the limit ($t ms)" test "$t" -lt 6000
printf '%s' "$expected" >"$TMP/expected.txt"
if command -v python3 >/dev/null; then
	got=$(python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
print(sorted(d) == ["hookSpecificOutput"])
h = d["hookSpecificOutput"]
print(sorted(h) == ["additionalContext", "hookEventName"])
print(h["hookEventName"] == "SessionStart")
print(isinstance(h["additionalContext"], str))
print(h["additionalContext"] == open(sys.argv[1], encoding="utf-8").read())
s = json.load(open(sys.argv[2]))["hooks"]["SessionStart"]
print(len(s) == 1 and "startup" in s[0]["matcher"].split("|"))
c = s[0]["hooks"][0]
print(c["type"] == "command" and c["command"].endswith("/claude-session-start.sh"))
print(2 * 1 + 1 < c["timeout"] <= 60)' "$TMP/expected.txt" "$SETTINGS" <<<"$out" 2>&1)
	check_eq "output is one JSON object with only hookSpecificOutput" "$(sed -n 1p <<<"$got")" True
	check_eq "hookSpecificOutput has hookEventName and additionalContext" "$(sed -n 2p <<<"$got")" True
	check_eq "hookEventName is SessionStart" "$(sed -n 3p <<<"$got")" True
	check_eq "additionalContext is a string" "$(sed -n 4p <<<"$got")" True
	check_eq "additionalContext is exactly recallfs context's text" "$(sed -n 5p <<<"$got")" True
	check_eq "settings: a SessionStart entry for startup" "$(sed -n 6p <<<"$got")" True
	check_eq "settings: runs the hook" "$(sed -n 7p <<<"$got")" True
	check_eq "settings: a timeout above the hook's own limits" "$(sed -n 8p <<<"$got")" True
else
	skip "hook schema" "python3 missing"
fi
check_contains "the Stop hook is still there" "$(cat "$SETTINGS")" '"Stop"'
out2=$(payload "$TMP/work/shop/src" | RECALLFS_CONTEXT_BUDGET=300 "$HOOK")
check_contains "a folder below the project, with a budget" "$out2" '"additionalContext":"# Memory of project shop (recallfs)'
check "a smaller budget, a shorter context" test "${#out2}" -lt "${#out}"

# ---- whatever goes wrong: nothing, at once --------------------------------
t0=$(date +%s%N); out=$(payload "$TMP/work/shop" | RECALLFS_BIN=$TMP/nope "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "recallfs missing"
t0=$(date +%s%N); out=$(payload "$TMP/work/shop" | RECALLFS_BIN= PATH=/usr/bin:/bin "$HOOK"); rc=$?; t=$(ms "$t0")
[ -x /usr/local/bin/recallfs ] && skip "recallfs not in PATH" "/usr/local/bin/recallfs exists here" ||
	quiet "recallfs not in PATH"
t0=$(date +%s%N); out=$(payload "$TMP/work/shop" | RECALLFS_DB=$TMP/none.db "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "database missing"
check "database missing: not created" test ! -e "$TMP/none.db"
t0=$(date +%s%N); out=$(payload "$TMP/work/unknown" | "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "no project for this directory"
# a project recorded here whose exchanges are all gone (forgotten)
mkdir -p "$TMP/work/empty"
ctx_session e-1 "$TMP/work/empty" 2026-01-01 "Say hi to the empty project|Hi there, empty project.|a.c" >"$TMP/empty.jsonl"
"$R" ingest "$TMP/empty.jsonl" >/dev/null
"$R" forget "$(sqlite3 "$RECALLFS_DB" "SELECT e.id FROM exchanges e JOIN projects p ON p.id = e.project_id WHERE p.name = 'empty'")" >/dev/null
check_contains "recallfs context of it: a bare header" "$(cd "$TMP/work/empty" && "$R" context)" "0 exchanges."
t0=$(date +%s%N); out=$(payload "$TMP/work/empty" | "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "a project with nothing in it"
printf '#!/bin/sh\nexit 1\n' >"$TMP/failing"; chmod +x "$TMP/failing"
t0=$(date +%s%N); out=$(payload "$TMP/work/shop" | RECALLFS_BIN=$TMP/failing "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "recallfs failing"
printf '#!/bin/sh\necho "$$" >"%s/slow.pid"\necho partial output\nexec sleep 30\n' "$TMP" >"$TMP/slow"
chmod +x "$TMP/slow"
t0=$(date +%s%N); out=$(payload "$TMP/work/shop" | RECALLFS_BIN=$TMP/slow "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "recallfs too slow"
check "too slow: it was started" test -s "$TMP/slow.pid"
check_fail "too slow: and is gone" kill -0 "$(cat "$TMP/slow.pid")" 2>/dev/null
# a FIFO held open for writing by this shell: reads block, nothing comes
mkfifo "$TMP/stdin"
exec 7<>"$TMP/stdin"
t0=$(date +%s%N); out=$(cd "$TMP/work/shop" && "$HOOK" <"$TMP/stdin"); rc=$?; t=$(ms "$t0")
exec 7>&-
check_contains "stdin never closed: still the context, after the limit" "$out" '"additionalContext":"# Memory of project shop (recallfs)'
check "stdin never closed: within twice the limit ($t ms)" test "$t" -lt 7000
t0=$(date +%s%N); out=$(cd "$TMP/work/unknown" && echo 'not json' | "$HOOK"); rc=$?; t=$(ms "$t0")
quiet "garbage payload"
t0=$(date +%s%N); out=$(cd "$TMP/work/unknown" && "$HOOK" </dev/null); rc=$?; t=$(ms "$t0")
quiet "empty payload"
# no cwd in the payload: the hook's own directory (Claude Code runs hooks
# in the project) is used
out=$(cd "$TMP/work/shop" && echo '{"hook_event_name":"SessionStart"}' | "$HOOK")
check_contains "no cwd: the current directory" "$out" '"additionalContext":"# Memory of project shop (recallfs)'
finish

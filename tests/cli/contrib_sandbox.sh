#!/bin/bash
# contrib_sandbox.sh: contrib/sandbox/recallfs-sandbox with an export (no
# FUSE needed): inside bwrap the command sees one project read-only at
# /memory, is told so, and sees neither other projects nor the database.
# tests/mount/sandbox.sh does the same against a live mount.
. tests/lib.sh
SB=$PWD/contrib/sandbox/recallfs-sandbox
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
if ! command -v bwrap >/dev/null || ! bwrap --ro-bind / / true 2>/dev/null; then
	skip_all "bwrap missing or not usable here"
fi
export RECALLFS_BIN=$R HOME=$TMP/home TMPDIR=$TMP/t
mkdir -p "$HOME" "$TMPDIR"
"$GEN" shop-1 /work/shop 1 3 >"$TMP/shop.jsonl"
"$GEN" priv-1 /work/secret 1 2 | sed 's/marker/hidden/g' >"$TMP/secret.jsonl"
check "ingest fixtures" "$R" ingest "$TMP/shop.jsonl" "$TMP/secret.jsonl" >/dev/null

run() { "$SB" --export --project shop -- "$@"; }
out=$(run sh -c 'ls /memory/projects' 2>/dev/null)
check_eq "only the one project" "$out" "shop"
out=$(run sh -c 'grep -rl marker2 /memory' 2>/dev/null)
check_contains "grep -r finds the exchange" "$out" "/memory/projects/shop/exchanges/"
out=$(run sh -c 'grep -r hidden1 /memory; echo "rc=$?"' 2>/dev/null)
check_eq "nothing of another project" "$out" "rc=1"
out=$(run sh -c 'echo x >/memory/x 2>/dev/null && echo wrote; touch /memory/projects/shop/MEMORY.md 2>/dev/null && echo touched; echo done' 2>/dev/null)
check_eq "read-only" "$out" "done"
out=$(run sh -c 'test -e "$0" && echo visible; ls "${0%/*}" 2>/dev/null | grep -c memory.db' "$RECALLFS_DB" 2>/dev/null)
check_eq "database not visible" "$out" "0"
out=$(run sh -c 'echo "$RECALLFS_MEMORY|$RECALLFS_HINT|${RECALLFS_DB:-unset}"' 2>"$TMP/err")
check_contains "hint in the environment" "$out" "/memory|Your memory of project shop is at /memory"
check_contains "RECALLFS_DB not passed in" "$out" "|unset"
check_contains "hint printed" "$(cat "$TMP/err")" "recallfs-sandbox: Your memory of project shop is at /memory"
out=$(run sh -c 'pwd' 2>/dev/null)
check_eq "runs in the current directory" "$out" "$PWD"
run sh -c 'exit 3' 2>/dev/null; rc=$?
check_eq "exit status passed on" "$rc" 3
out=$("$SB" -q --export -p shop -- true 2>&1)
check_eq "-q is quiet" "$out" ""
check_eq "nothing left behind" "$(ls "$TMPDIR")" ""

# what the agent reads at start, in the sandbox's own (empty) home
out=$(run sh -c 'cat ~/.claude/CLAUDE.md; echo ===; cmp ~/.claude/CLAUDE.md ~/.codex/AGENTS.md && echo same' 2>/dev/null)
check_contains "CLAUDE.md: how to search /memory" "$out" "grep -ril 'NAME' /memory/projects/shop/exchanges/*/distilled"
check_contains "CLAUDE.md: how to read an exchange" "$out" "cat PATH/verbatim"
check_contains "CLAUDE.md: then recent context" "$out" "# Memory of project shop (recallfs)"
check_contains "context paths are under /memory" "$out" "- /memory/projects/shop/exchanges/0000"
check_fail "a snapshot has no query/: not offered" grep -q "query/" <<<"$out"
check_fail "nothing of another project" grep -q "hidden" <<<"$out"
check_eq "Codex's AGENTS.md is the same" "$(tail -n 2 <<<"$out" | tr "\n" " ")" "=== same "
out=$(run sh -c 'for p in ~/.claude/CLAUDE.md ~/.codex/AGENTS.md; do test -w "$p" && echo writable; done; ls -A' 2>/dev/null)
check_eq "read-only, and nothing written into the project's folder" "$out" "$(ls -A)"
out=$("$SB" --export -p shop --context-budget 0 -- sh -c 'cat ~/.codex/AGENTS.md' 2>/dev/null)
check_contains "--context-budget 0: the instructions" "$out" "/memory/projects/shop"
check_fail "--context-budget 0: no context" grep -q "# Memory of project" <<<"$out"
"$SB" --export -p shop --context-budget x -- true >/dev/null 2>&1; rc=$?
check_eq "bad --context-budget is usage" "$rc" 2

# refusals
out=$("$SB" --export -p shop --bind "$TMP" -- true 2>&1); rc=$?
check_eq "binding the database's folder refused" "$rc" 1
check_contains "says why" "$out" "would show the whole memory database"
"$SB" -p shop >/dev/null 2>&1; rc=$?
check_eq "no command is usage" "$rc" 2
"$SB" -p a/b -- true >/dev/null 2>&1; rc=$?
check_eq "bad project is usage" "$rc" 2
finish

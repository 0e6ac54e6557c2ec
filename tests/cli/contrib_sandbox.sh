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

# refusals
out=$("$SB" --export -p shop --bind "$TMP" -- true 2>&1); rc=$?
check_eq "binding the database's folder refused" "$rc" 1
check_contains "says why" "$out" "would show the whole memory database"
"$SB" -p shop >/dev/null 2>&1; rc=$?
check_eq "no command is usage" "$rc" 2
"$SB" -p a/b -- true >/dev/null 2>&1; rc=$?
check_eq "bad project is usage" "$rc" 2
finish

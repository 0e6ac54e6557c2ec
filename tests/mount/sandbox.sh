#!/bin/bash
# sandbox.sh: contrib/sandbox/recallfs-sandbox against a real mount: inside
# bwrap, `cat /memory/query/...` searches the one project, read-only, and
# nothing is left mounted afterwards.
. tests/lib.sh
SB=$PWD/contrib/sandbox/recallfs-sandbox
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	skip_all "no /dev/fuse or fusermount3"
fi
if ! command -v bwrap >/dev/null || ! bwrap --ro-bind / / true 2>/dev/null; then
	skip_all "bwrap missing or not usable here (apt-get install bubblewrap)"
fi
export RECALLFS_BIN=$R HOME=$TMP/home TMPDIR=$TMP/t
export RECALLFS_SANDBOX_LOG=$TMP/daemon.log
mkdir -p "$HOME" "$TMPDIR"
mounted() { grep -c " $TMPDIR/" /proc/mounts; }
"$GEN" shop-1 /work/shop 1 3 >"$TMP/shop.jsonl"
"$GEN" priv-1 /work/secret 1 2 | sed 's/marker/hidden/g' >"$TMP/secret.jsonl"
check "ingest fixtures" "$R" ingest "$TMP/shop.jsonl" "$TMP/secret.jsonl" >/dev/null

run() { "$SB" --mount --project shop -- "$@"; }
out=$(run sh -c 'cat "/memory/query/topic2 marker2"' 2>"$TMP/err")
check_contains "a query runs inside" "$out" "# query: topic2 marker2"
check_contains "and finds the exchange" "$out" "projects/shop/exchanges/"
check_contains "hint says query" "$(cat "$TMP/err")" "cat '/memory/query/<words>' searches it"
out=$(run sh -c 'cat "/memory/query/hidden1"; cat "/memory/query/hidden1 project:secret"; ls /memory/projects' 2>/dev/null)
check_contains "a query ran" "$out" "# query: hidden1"
check_fail "queries reach no other project" grep -q "hidden1\|secret/exchanges" <<<"$(sed 1d <<<"$out" | grep -v '^# ')"
check_eq "only the one project listed" "$(tail -n 1 <<<"$out")" "shop"
out=$(run sh -c 'grep -rl marker2 /memory/projects/shop/exchanges | head -n 1' 2>/dev/null)
check_contains "grep -r works" "$out" "/memory/projects/shop/exchanges/"
out=$(run sh -c 'grep -r hidden /memory; echo "rc=$?"' 2>/dev/null)
check_eq "grep -r finds nothing of another project" "$out" "rc=1"
out=$(run sh -c 'echo x >/memory/x 2>/dev/null && echo wrote; ls /memory | grep -x inbox; echo x >/memory/inbox/x.txt 2>/dev/null && echo inbox; echo done' 2>/dev/null)
check_eq "read-only, no inbox" "$out" "done"
run sh -c 'exit 4' 2>/dev/null; rc=$?
check_eq "exit status passed on" "$rc" 4
check_eq "nothing left mounted" "$(mounted)" 0
check_eq "nothing left behind" "$(ls "$TMPDIR")" ""
check_eq "no sanitizer report from the daemon" \
	"$(grep -E 'Sanitizer|runtime error' "$RECALLFS_SANDBOX_LOG")" ""
finish

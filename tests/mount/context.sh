#!/bin/bash
# context.sh: `recallfs context` with the memory mounted at ~/recallfs: the
# paths it prints are under the mount and `cat PATH/verbatim` reads each
# exchange through it; the query the header offers runs; and it finds the
# mount without touching it, so a stopped daemon does not hold it up; in a
# live sandbox the agent's instructions offer query/ too.
. tests/lib.sh
. tests/mount/mount.bash
. "$(dirname "$0")/../cli/context.bash"
need_fuse
export HOME=$TMP/home
unset RECALLFS_MOUNT
M=$HOME/recallfs
mkdir -p "$HOME" "$TMP/work/shop" "$TMP/tx"
ctx_shop "$TMP/tx" "$TMP/work/shop"
check "ingest" "$R" ingest "$TMP/tx" >/dev/null

before=$("$R" context --project shop)
check_contains "without a mount: relative paths" "$before" "- projects/shop/exchanges/"
check "mount at ~/recallfs" mnt "$M"
out=$("$R" context --project shop)
check_contains "paths under the mount" "$out" "- $M/projects/shop/exchanges/0000"
check_contains "header says cat" "$out" "Full text: cat PATH/verbatim. Search: cat '$M/projects/shop/query/WORDS'."
n=0
for p in $(sed -n 's/^- \([^ ]*\) (.*/\1/p' <<<"$out"); do
	n=$((n + 1))
	id=${p##*/}
	check_eq "cat $id/verbatim is its text" "$(cat "$p/verbatim")" "$("$R" show --verbatim "$id" | sed '1,/^verbatim:$/d')"
done
check_eq "every exchange read through the mount" "$n" 10
check_contains "the offered search runs" "$(cat "$M/projects/shop/query/coupon cart")" "# query: coupon cart"

# a stopped daemon: context reads /proc/self/mountinfo, never the mount
kill -STOP "${MPID[$M]}"
t0=$(date +%s%N)
out2=$(timeout 10 "$R" context --project shop); rc=$?
t=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "${MPID[$M]}"
check_eq "stopped daemon: context still answers" "$rc" 0
check_eq "stopped daemon: the same text" "$out2" "$out"
check "stopped daemon: not held up ($t ms)" test "$t" -lt 5000

# a live sandbox: the agent's instructions offer query/
if command -v bwrap >/dev/null && bwrap --ro-bind / / true 2>/dev/null; then
	export RECALLFS_BIN=$R TMPDIR=$TMP/t RECALLFS_SANDBOX_LOG=$MLOG
	mkdir -p "$TMPDIR"
	out=$(contrib/sandbox/recallfs-sandbox --mount -p shop -- sh -c 'cat ~/.claude/CLAUDE.md' 2>/dev/null)
	check_contains "sandbox: query offered" "$out" "cat '/memory/projects/shop/query/WORDS'"
	check_contains "sandbox: context under /memory" "$out" "- /memory/projects/shop/exchanges/0000"
else
	skip "sandbox" "bwrap missing or not usable here"
fi
unmnt "$M"
mfinish

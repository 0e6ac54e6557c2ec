#!/bin/bash
# run.sh: runs every unit test binary ($B/tests/test_*) and every shell test
# (tests/mount/*.sh, tests/cli/*.sh), then prints the grand total as the
# last line, "N passed, N failed, N skipped" (a test that cannot run says
# "SKIP name: reason" and is counted as skipped).  ONLY=unit|cli|mount
# limits the run.
set -u
B=${B:-build}
export RECALLFS_BIN=${RECALLFS_BIN:-$PWD/$B/recallfs}
export RECALLFS_TEST_BUILD=$PWD/$B
tmp=$(mktemp -d /tmp/recallfs-test.XXXXXX)
export RECALLFS_TEST_TMP=$tmp
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0 broken=""

run_one() {
	local name=$1; shift
	local out="$tmp/out.$$" rc line p f k
	"$@" >"$out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		cat "$out"
		echo "BROKEN $name: exit $rc with no result line"
		failed=$((failed + 1)); broken="$broken $name"
		return
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	k=0
	case $line in *skipped*) k=${line#*failed, }; k=${k%% skipped*} ;; esac
	grep '^SKIP ' "$out"
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		cat "$out"
		[ "$f" = 0 ] && f=1
		broken="$broken $name"
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
	printf '%-28s %s\n' "$name" "$line"
}

if [ "${ONLY:-unit}" = unit ] || [ -z "${ONLY:-}" ]; then
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "$(basename "$t")" "$t"
	done
fi
for kind in cli mount; do
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$kind" ] && continue
	for t in tests/"$kind"/*.sh; do
		[ -f "$t" ] || continue
		run_one "$kind/$(basename "$t" .sh)" bash "$t"
	done
done
[ -n "$broken" ] && echo "failing:$broken"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

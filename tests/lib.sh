# lib.sh: shared helpers for the shell tests (tests/cli, tests/mount).
# Source it; use check/check_eq/...; call finish at the end, which prints
# "N passed, N failed, N skipped".  A check or a group of checks that cannot
# run here calls `skip NAME REASON` (one line "SKIP NAME: REASON", counted);
# a whole test that cannot run calls `skip_all REASON` (skip, finish, exit).
# $RECALLFS_BIN is the binary under test.
set -u
T_PASSED=0
T_FAILED=0
T_SKIPPED=0
R=${RECALLFS_BIN:-$PWD/build/recallfs}
TMP=$(mktemp -d "${RECALLFS_TEST_TMP:-/tmp}/sh.XXXXXX")
export RECALLFS_DB=$TMP/memory.db

ok() { T_PASSED=$((T_PASSED + 1)); }
bad() { T_FAILED=$((T_FAILED + 1)); echo "FAIL ${BASH_SOURCE[1]}:${BASH_LINENO[0]}: $*" >&2; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok; else bad "$d"; fi; }
# check_fail DESCRIPTION COMMAND...: passes when the command fails.
check_fail() { local d=$1; shift; if "$@"; then bad "$d"; else ok; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: '$2' != '$3'"; fi; }
check_contains() { case "$2" in *"$3"*) ok;; *) bad "$1: no '$3' in: $2";; esac; }
skip() { T_SKIPPED=$((T_SKIPPED + 1)); echo "SKIP $1: $2"; }
skip_all() {
	skip "$(basename "${BASH_SOURCE[1]}" .sh)" "$1"
	finish
	exit 0
}
finish() {
	echo "$T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
	rm -rf "$TMP"
	[ "$T_FAILED" = 0 ]
}

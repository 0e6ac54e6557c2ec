#!/bin/bash
# run.sh: builds the libFuzzer targets (clang, ASan + UBSan, coverage) into
# build-fuzz/ and runs each for SECONDS (default 10), one after the other,
# printing per target: executions, coverage (edges), corpus size, crashes.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      (make fuzz FUZZ_SECONDS=N)
#   FUZZ_JOBS=N    libFuzzer fork jobs per target (default 1)
#   FUZZ_BUILD_ONLY=1   build, replay the regression inputs, do not fuzz
#   FUZZ_OUT=DIR   build and corpus directory (default build-fuzz)
#
# Corpora: build-fuzz/corpus/TARGET (grows across runs, never committed),
# seeded from the project's fixtures (tests/fixtures) and tests/fuzz/seeds;
# every input in tests/fuzz/regress/TARGET-* is replayed first.  Crashing
# inputs land in build-fuzz/crashes/TARGET/ (copy one into
# tests/fuzz/regress/TARGET-NAME to keep it as a regression test).
# Exit status 1 when any target crashed or a regression input fails.
set -u
cd "$(dirname "$0")/../.."
SECS=${1:-10}
[ $# -gt 0 ] && shift
ALL="claude codex chat text detect pipeline query llm files redact"
TARGETS=${*:-$ALL}
OUT=${FUZZ_OUT:-build-fuzz}
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
SAN="$SAN -fno-omit-frame-pointer"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt install clang)" >&2; exit 1; }
# The library (core/ and index/ only: the parsers), built by the
# Makefile's own rules with clang and coverage.
OBJS=$(ls core/*.c index/*.c | sed "s|^|$OUT/|; s|\.c$|.o|")
make -s B=$OUT CC="$CC" OPT="-O1 -g" CFLAGS="-Wno-error" \
	SAN="-fsanitize=fuzzer-no-link $SAN" $OBJS >&2 || exit 1
LIB=$OUT/libfuzz.a
if [ ! -f $LIB ] || [ -n "$(find $OBJS -newer $LIB)" ]; then
	rm -f $LIB && ar rcs $LIB $OBJS || exit 1
fi
PKG_CFLAGS=$(pkg-config --cflags fuse3 sqlite3 libcurl libcjson libpcre2-8)
PKG_LIBS=$(pkg-config --libs sqlite3 libcurl libcjson libpcre2-8)
mkdir -p $OUT/fuzz
for t in $TARGETS; do
	src=tests/fuzz/fuzz_$t.c bin=$OUT/fuzz/fuzz_$t
	[ -f "$src" ] || { echo "fuzz: no target $t" >&2; exit 2; }
	if [ ! -x "$bin" ] || [ -n "$(find "$src" tests/fuzz/*.h \
		$LIB -newer "$bin" 2>/dev/null)" ]; then
		$CC -std=gnu11 -O1 -g -Wall -Wextra -Werror \
			-DPCRE2_CODE_UNIT_WIDTH=8 -Icore -Iindex -Itests/fuzz \
			$PKG_CFLAGS -fsanitize=fuzzer $SAN -o "$bin" "$src" \
			$LIB $PKG_LIBS -lm -lpthread || exit 1
	fi
done

# Seeds: which fixtures suit which target.
seed() {
	local t=$1 c=$OUT/corpus/$1
	mkdir -p "$c"
	case $t in
	claude) cp tests/fixtures/tx/claude_session.jsonl tests/fixtures/mount/claude_webapp.jsonl "$c/" ;;
	codex) cp tests/fixtures/tx/codex_rollout.jsonl "$c/" ;;
	chat) cp tests/fixtures/tx/chat_* tests/fixtures/tx/chatgpt_export.json tests/fixtures/mount/chat_notes.json "$c/" ;;
	text) cp tests/fixtures/tx/notes.md tests/fixtures/tx/aider.chat.history.md tests/fixtures/mount/plain_bikes.txt "$c/" ;;
	detect|pipeline|files|redact)
		find tests/fixtures -type f -size -64k -exec cp {} "$c/" \; ;;
	esac
	[ -d tests/fuzz/seeds/$t ] && cp tests/fuzz/seeds/$t/* "$c/"
	true
}

maxlen() {
	case $1 in
	query) echo 8192 ;;
	*) echo 32768 ;;
	esac
}

status=0
# 1. every kept crash input, replayed (must not crash any more)
for f in tests/fuzz/regress/*; do
	[ -f "$f" ] || continue
	t=${f##*/}; t=${t%%-*}
	case " $TARGETS " in *" $t "*) ;; *) continue ;; esac
	if ! $OUT/fuzz/fuzz_$t "$f" >$OUT/fuzz/replay.log 2>&1; then
		echo "REGRESSION $f crashes fuzz_$t again:" >&2
		tail -n 30 $OUT/fuzz/replay.log >&2
		status=1
	fi
done
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit $status

# 2. fuzz each target for SECS seconds
printf '%-10s %12s %8s %8s %8s %8s\n' target execs exec/s cov corpus crashes
for t in $TARGETS; do
	seed "$t"
	mkdir -p $OUT/crashes/$t
	before=$(ls $OUT/crashes/$t | wc -l)
	log=$OUT/fuzz/$t.log
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	$OUT/fuzz/fuzz_$t -fork=${FUZZ_JOBS:-1} -ignore_crashes=1 \
		-ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$SECS" \
		-max_len="$(maxlen "$t")" -timeout=20 -rss_limit_mb=2560 \
		-artifact_prefix=$OUT/crashes/$t/ -print_final_stats=1 \
		$OUT/corpus/$t >"$log" 2>&1
	# fork mode: "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c"
	last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1)
	execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
	corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
	rate=$(sed -nE 's/.* exec\/s:? ?([0-9]+).*/\1/p' <<<"$last")
	crashes=$(( $(ls $OUT/crashes/$t | wc -l) - before ))
	printf '%-10s %12s %8s %8s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${corp:-?}" "$crashes"
	if [ "$crashes" != 0 ]; then
		status=1
		for f in $(ls -t $OUT/crashes/$t | head -n "$crashes"); do
			echo "  crash input: $OUT/crashes/$t/$f"
		done
		grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error|invariant failed|deadly signal' "$log" | sed 's/^/  /'
	fi
done
exit $status

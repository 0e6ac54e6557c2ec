#!/bin/sh
# setup-deps.sh: install the Debian packages recallfs needs, if missing.
#   setup-deps.sh build   what building and using recallfs needs
#   setup-deps.sh test    that, plus what `make test` uses (bubblewrap,
#                         ripgrep, rsync, ...); those are optional: the
#                         tests that need one say SKIP when it is missing
#   setup-deps.sh all     that, plus what the benchmarks and fuzzing use
# As root it runs apt-get; otherwise it prints the exact command to run and,
# for build packages (or `all`), exits 1.
set -eu
build="build-essential pkg-config libfuse3-dev fuse3 libsqlite3-dev sqlite3 \
libcurl4-openssl-dev libcjson-dev libpcre2-dev"
tests="bubblewrap ripgrep rsync python3 man-db groff-base openssl"
bench="clang libclang-rt-14-dev gnuplot-nox hyperfine valgrind"
mode=${1:-build}
case $mode in
build) want=$build optional="" ;;
test) want=$build optional=$tests ;;
all) want="$build $tests $bench" optional="" ;;
*) echo "usage: setup-deps.sh build|test|all" >&2; exit 2 ;;
esac

missing() {
	m=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || m="$m $p"
	done
	printf '%s' "$m"
}

updated=0
install() {
	export DEBIAN_FRONTEND=noninteractive
	if [ "$updated" = 0 ]; then
		apt-get update -qq >/dev/null || return 1
		updated=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# shellcheck disable=SC2086
need=$(missing $want)
# shellcheck disable=SC2086
opt=$(missing $optional)
[ -z "$need$opt" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "recallfs: missing packages; run:" >&2
	echo "  sudo apt-get install -y$need$opt" >&2
	if [ -n "$need" ]; then
		exit 1
	fi
	echo "recallfs: (until then the tests that need them say SKIP)" >&2
	exit 0
fi
if [ -n "$need" ]; then
	echo "recallfs: installing:$need" >&2
	# shellcheck disable=SC2086
	install $need
fi
if [ -n "$opt" ]; then
	echo "recallfs: installing for the tests:$opt" >&2
	# shellcheck disable=SC2086
	install $opt || echo "recallfs: could not install$opt; the tests" \
		"that need them say SKIP" >&2
fi
exit 0

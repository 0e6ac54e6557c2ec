#!/bin/bash
# fs.sh: the mounted tree against the same tree on disk (`recallfs export`)
# and against a previous daemon, for one corpus (called by run.sh for each
# size of `make bench`; or alone, reusing a database and its export):
#
#   tests/bench/fs.sh N DB EXPORT_DIR QUERIES
#
# Environment: R (the recallfs measured), OLD_RECALLFS (a previous build to
# measure beside it; its rows are skipped when unset), OLD_DB (the same
# memory for it, when DB's schema is newer than it reads), B (where lat and
# evict are built; build/bench), WARM (later walks whose median is "warm",
# default 2), QROUNDS (rounds of the 50 queries, default 3).
#
# Rows (Markdown, | section | measure | recallfs | alternative | ratio |):
#   grep -r WORD, cold      the first walk after mounting, with the
#                           database's pages (export: the files' pages)
#                           evicted from the page cache (dentries stay)
#   grep -r WORD, 2nd       the next walk (files read once have their atime
#                           invalidated by the kernel: one getattr each)
#   grep -r WORD, warm      median of WARM later walks
#   find | wc -l, warm      after the walks
#   FUSE requests           per file and per directory of the tree, cold and
#                           warm grep -r, from the daemon's own counters
#                           (RECALLFS_FUSE_COUNTERS=1 puts them in status)
#   daemon peak RSS         VmHWM after all of the above
#   query files             cat MNT/query/<q>, p50 / p99 over the queries
set -u
N=$1 DB=$2 EXP=$3 QF=$4
B=${B:-build/bench}
R=${R:-build/recallfs}
OLD=${OLD_RECALLFS:-}
OLD_DB=${OLD_DB:-$DB}
WARM=${WARM:-2}
QROUNDS=${QROUNDS:-3}
MNT=$(mktemp -d "${TMPDIR:-/tmp}/recallfs-fsbench.XXXXXX")/m
DAEMON="" MOUNTED=""
mkdir -p "$MNT"

log() { printf '%s\n' "$*" >&2; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2fx", a / b; else print "n/a" }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "") { print "n/a"; exit } printf (x >= 100 ? "%.0f" : "%.1f"), x }'; }
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

stop() {
	if [ -n "$MOUNTED" ]; then
		"$R" umount "$MNT" >/dev/null 2>&1 || fusermount3 -u -z "$MNT"
	fi
	[ -n "$DAEMON" ] && wait "$DAEMON" 2>/dev/null
	DAEMON="" MOUNTED=""
}
trap 'stop; rmdir "$MNT" "${MNT%/m}" 2>/dev/null' EXIT

# mount BIN [DB]: a foreground daemon of BIN, request counters on
start() {
	RECALLFS_FUSE_COUNTERS=1 "$1" mount -f "$MNT" --db "${2:-$DB}" 2>>"$B/fs-daemon.log" &
	DAEMON=$!
	for _ in $(seq 300); do
		mountpoint -q "$MNT" && { MOUNTED=1; return 0; }
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.1
	done
	log "fs.sh: mount of $1 failed: $(tail -n 1 "$B/fs-daemon.log")"
	return 1
}

word=$(head -n 1 "$QF" | cut -d' ' -f1)
walk() { # DIR [SETUP]
	local setup=()
	[ $# -gt 1 ] && setup=(-s "$2")
	"$B/lat" repeat 1 "${setup[@]}" -- grep -r "$word" "$1"
}
ms() { field med "$1"; }
# request counters of the mounted daemon ("op n" lines)
counts() { awk -F'\t' '$1 ~ /^fuse_/ && $1 !~ /inbox|requests/ { sub(/^fuse_/, "", $1); print $1, $2 }' "$MNT/status"; }
delta() { join -a 2 -e 0 -o 0,1.2,2.2 <(sort "$1") <(sort "$2") | awk '{ print $1, $3 - $2 }'; }
getc() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

files=$(find "$EXP" -type f | wc -l)
dirs=$(find "$EXP" -type d | wc -l)
links=$(find "$EXP" -type l | wc -l)

# walks BIN LABEL DB: cold, 2nd, warm grep -r; find; RSS; request counts
walks() {
	local bin=$1 who=$2 db=$3 c s w f hwm i
	sync -f "$db"
	"$B/evict" "$db" "$db-wal" >/dev/null 2>&1
	start "$bin" "$db" || return 1
	[ "$who" = new ] && counts >"$B/fs-c0"
	c=$(walk "$MNT")
	[ "$who" = new ] && counts >"$B/fs-c1"
	s=$(walk "$MNT")
	[ "$who" = new ] && counts >"$B/fs-c2"
	w=$(for i in $(seq "$WARM"); do ms "$(walk "$MNT")"; done | med)
	[ "$who" = new ] && counts >"$B/fs-c3"
	f=$("$B/lat" repeat "$WARM" -- sh -c "find '$MNT' | wc -l")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON/status")
	stop
	printf '%s %s %s %s %s\n' "$(ms "$c")" "$(ms "$s")" "$w" "$(ms "$f")" "$hwm"
}

log "fs.sh: export walks..."
# (an export just written is dirty in the page cache: written back first,
# or the eviction keeps it)
ec=$(ms "$(walk "$EXP" "sync -f '$EXP'; $B/evict '$EXP' >/dev/null")")
es=$(ms "$(walk "$EXP")")
ew=$(for i in $(seq "$WARM"); do ms "$(walk "$EXP")"; done | med)
ef=$(ms "$("$B/lat" repeat "$WARM" -- sh -c "find '$EXP' | wc -l")")

log "fs.sh: this daemon's walks..."
read -r nc ns nw nf nrss <<<"$(walks "$R" new "$DB")"
if [ -n "$OLD" ]; then
	log "fs.sh: the previous daemon's walks..."
	read -r oc os ow of orss <<<"$(walks "$OLD" old "$OLD_DB")"
else
	oc="" os="" ow="" of="" orss=""
fi

cell() { # this, old, export: "this ms (old: X ms)"
	local s="$(fmt "$1") ms"
	[ -n "$2" ] && s="$s (previous: $(fmt "$2") ms, $(ratio "$2" "$3") of the export)"
	echo "$s"
}
row "tree" "grep -r $word, cold (target <= 3x)" "$(cell "$nc" "$oc" "$ec")" "export: $(fmt "$ec") ms" "$(ratio "$nc" "$ec")"
row "tree" "grep -r $word, 2nd walk" "$(cell "$ns" "$os" "$es")" "export: $(fmt "$es") ms" "$(ratio "$ns" "$es")"
row "tree" "grep -r $word, warm: median of $WARM later walks (target <= 1.5x)" "$(cell "$nw" "$ow" "$ew")" "export: $(fmt "$ew") ms" "$(ratio "$nw" "$ew")"
row "tree" "find \\| wc -l, warm (target <= 2x)" "$(cell "$nf" "$of" "$ef")" "export: $(fmt "$ef") ms" "$(ratio "$nf" "$ef")"
row "memory" "daemon peak RSS after the walks (target <= 200 MB)" "$(fmt "$(awk -v k="$nrss" 'BEGIN { print k / 1024 }')") MB" \
	"previous daemon: $(fmt "$(awk -v k="${orss:-0}" 'BEGIN { if (k) print k / 1024 }')") MB" ""

# requests per file and per directory ($files files, $dirs dirs, $links links)
delta "$B/fs-c0" "$B/fs-c1" >"$B/fs-cold"
delta "$B/fs-c1" "$B/fs-c2" >"$B/fs-2nd"
delta "$B/fs-c2" "$B/fs-c3" >"$B/fs-warm"
per() { # file: "total; read/file, readdirplus/dir, lookup, getattr"
	local t=$(awk '{ s += $2 } END { print s + 0 }' "$1") w=$WARM
	[ "$1" = "$B/fs-warm" ] || w=1
	awk -v t="$t" -v w="$w" -v f="$files" -v d="$dirs" \
		-v r="$(getc read "$1")" -v p="$(getc readdirplus "$1")" \
		-v l="$(getc lookup "$1")" -v g="$(getc getattr "$1")" 'BEGIN {
		printf "%d requests per walk: read %.3f per file, readdirplus %.3f per directory, lookup %d, getattr %d (%.3f per file+dir)",
			t / w, r / w / f, p / w / d, l / w, g / w, g / w / (f + d) }'
}
row "FUSE requests" "grep -r, cold ($files files, $dirs dirs, $links links)" "$(per "$B/fs-cold")" "" ""
row "FUSE requests" "grep -r, 2nd walk" "$(per "$B/fs-2nd")" "" ""
row "FUSE requests" "grep -r, warm (per walk)" "$(per "$B/fs-warm")" "" ""
log "fs.sh: cold: $(tr '\n' ' ' <"$B/fs-cold")"
log "fs.sh: 2nd walk: $(tr '\n' ' ' <"$B/fs-2nd")"
log "fs.sh: warm ($WARM walks): $(tr '\n' ' ' <"$B/fs-warm")"

# query files: this daemon beside the previous one
qfiles() {
	start "$1" "$2" || return 1
	"$B/lat" queries "$QROUNDS" "$QF" -- cat "$MNT/query/{}" 2>/dev/null
	stop
}
qn=$(qfiles "$R" "$DB")
qo=$([ -n "$OLD" ] && qfiles "$OLD" "$OLD_DB")
row "query files" "cat query/<q>, p50 / p99 ms (50 queries x $QROUNDS)" \
	"$(fmt "$(field p50 "$qn")") / $(fmt "$(field p99 "$qn")")" \
	"previous daemon: $(fmt "$(field p50 "$qo")") / $(fmt "$(field p99 "$qo")")" \
	"$(ratio "$(field p50 "$qn")" "$(field p50 "$qo")")"

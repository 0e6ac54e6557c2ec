#!/bin/bash
# profile.sh: where the time goes, with perf (cpu-clock: this VM has no
# hardware counters) and DWARF call graphs; run after `make bench SIZE=N`
# so build/bench/corpus-N and build/bench/run-N/memory.db exist.
#
#   tests/bench/profile.sh ingest N     recallfs ingest of corpus-N, fresh DB
#   tests/bench/profile.sh query N [M]  the 50 queries of corpus-N, mode M
#   tests/bench/profile.sh mount N      the daemon while grep -r runs twice;
#                                       also counts FUSE ops with uprobes
# Prints inclusive shares of the main functions, the CPU split by library,
# and the callers of sqlite3_prepare_v2.  Data stays in build/bench/prof/.
set -u
cd "$(dirname "$0")/../.."
B=$PWD/build/bench
P=$B/prof
what=${1:-}
n=${2:-1000}
mkdir -p "$P"
command -v perf >/dev/null || { echo "profile.sh: perf not installed" >&2; exit 1; }
[ -x "$B/recallfs" ] || { echo "profile.sh: run make bench first" >&2; exit 1; }
cp "$B/recallfs" "$P/recallfs"    # symbols stay valid if build/ changes
fold() { python3 tests/bench/perf_fold.py "$P/$1.txt" "${@:2}"; }
record() {    # name, command...
	local name=$1; shift
	perf record -q -e cpu-clock --call-graph dwarf,16384 -F 2000 \
		-o "$P/$name.data" -- "$@" >/dev/null 2>"$P/$name.err"
	perf script -i "$P/$name.data" >"$P/$name.txt" 2>/dev/null
	perf report -i "$P/$name.data" --no-children --sort dso --stdio \
		2>/dev/null | grep -E '^ +[0-9]' | head -n 8
}

case $what in
ingest)
	rm -f "$P"/ingest.db*
	RECALLFS_DB=$P/ingest.db record ingest "$P/recallfs" ingest \
		"$B/corpus-$n/projects"
	fold ingest ingest_data tx_read seg_split distill_heuristic \
		idx_embed_hook emb_builtin_embed store_put_exchange put_rooms \
		put_files store_commit sqlite3_prepare_v2 sqlite3_step \
		sqlite3VtabSavepoint --callers sqlite3_prepare_v2
	;;
query)
	mode=${3:-hybrid}
	cp "$B/run-$n/memory.db" "$P/query.db"
	cat >"$P/qloop.sh" <<EOF
while read -r q; do
	RECALLFS_DB=$P/query.db $P/recallfs query --mode $mode \$q >/dev/null
done <$B/corpus-$n/queries.txt
EOF
	record query sh "$P/qloop.sh"
	fold query _dl_relocate_object cmd_query store_open idx_search \
		vec_search emb_builtin_embed sqlite3_prepare_v2 sqlite3_step \
		--callers sqlite3_prepare_v2
	;;
mount)
	mnt=$P/mnt
	mkdir -p "$mnt"
	RECALLFS_DB=$B/run-$n/memory.db "$P/recallfs" mount "$mnt" -f \
		2>"$P/daemon.log" &
	pid=$!
	trap 'fusermount3 -u "$mnt" 2>/dev/null; wait $pid 2>/dev/null' EXIT
	for i in $(seq 50); do mountpoint -q "$mnt" && break; sleep 0.1; done
	word=$(head -n 1 "$B/corpus-$n/queries.txt" | cut -d' ' -f1)
	grep -r "$word" "$mnt" | wc -l >/dev/null    # cold run, not profiled
	perf record -q -e cpu-clock --call-graph dwarf,32768 -F 1000 -p "$pid" \
		-o "$P/mount.data" >/dev/null 2>&1 &
	rec=$!
	sleep 0.5
	/usr/bin/time -f "grep -r x2 (warm): %e s" sh -c \
		"grep -r '$word' '$mnt' | wc -l; grep -r '$word' '$mnt' | wc -l"
	kill -INT "$rec"; wait "$rec"
	perf script -i "$P/mount.data" >"$P/mount.txt" 2>/dev/null
	fold mount fs_view_read fs_view_stat fs_view_list store_get_exchange \
		fs_content_exchange sqlite3_prepare_v2 sqlite3_step \
		finish_task_switch.isra.0 --callers sqlite3_prepare_v2
	ops=""
	for f in op_open op_getattr op_readdir op_read op_release; do
		perf probe -q -x "$P/recallfs" --add "$f" 2>/dev/null &&
			ops="$ops${ops:+,}probe_recallfs:$f"
	done
	if [ -n "$ops" ]; then
		echo "FUSE operations during one warm grep -r:"
		# output into a pipe: GNU grep stops at the first match
		# when stdout is /dev/null
		perf stat -e "$ops" -p "$pid" -- sh -c \
			"grep -r '$word' '$mnt' | wc -l >/dev/null" 2>&1 |
			grep probe_
		perf probe -q -d 'probe_recallfs:*'
	fi
	;;
*)
	echo "usage: profile.sh ingest|query|mount N [MODE]" >&2
	exit 2
	;;
esac

#!/bin/bash
# concurrency.sh: 8 writers feed inbox/ while 4 readers run queries,
# grep -r, cat and find, for RECALLFS_SOAK seconds (default 20; the issue's
# soak is RECALLFS_SOAK=60), bounded and self-stopping.  Checks: no call
# fails (every cp, cat, grep, query); no torn read (readcheck: bytes read
# equal the size fstat gives, a second read is the same, and for exchange
# files stat(2) agrees); query files are whole; at the end the database is
# sound and its exchange set equals a serial CLI ingest of the same files.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse

SOAK=${RECALLFS_SOAK:-20}
RC=${RECALLFS_TEST_BUILD:-$PWD/build}/tests/readcheck
check "readcheck helper built" test -x "$RC"
M=$TMP/m SRC=$TMP/src FAIL=$TMP/fail
mkdir -p "$FAIL"
make_corpus "$SRC" 64 nogrow
# chat and text transcripts go to inbox/notes/ (project "notes")
notes=("$SRC"/*.json "$SRC"/*.md)
others=("$SRC"/*.jsonl)

RECALLFS_DB=$TMP/serial.db "$R" ingest "${others[@]}" >/dev/null &&
	RECALLFS_DB=$TMP/serial.db "$R" ingest --project notes "${notes[@]}" >/dev/null
check_eq "serial reference ingest" "$?" 0
REF=$(exchange_set "$TMP/serial.db")

# One transcript already in, so readers have something from the start.
check "seed ingest" "$R" ingest "${others[0]}" >/dev/null
mnt "$M"
mkdir -p "$M/inbox/notes" 2>/dev/null
END=$((SECONDS + SOAK))

writer() {  # writer N: its share of the corpus, fed again and again
	local w=$1 i=0 f dest
	local mine=("$SRC"/*)
	while [ $SECONDS -lt $END ]; do
		for ((i = w; i < ${#mine[@]}; i += 8)); do
			f=${mine[$i]}
			case $f in *.jsonl) dest=$M/inbox ;; *) dest=$M/inbox/notes ;; esac
			if [ $((RANDOM % 2)) = 0 ]; then
				cp "$f" "$dest/" 2>>"$FAIL/w$w" || echo "cp $f failed" >>"$FAIL/w$w"
			else
				cat "$f" >"$dest/${f##*/}" 2>>"$FAIL/w$w" ||
					echo "cat >$dest/${f##*/} failed" >>"$FAIL/w$w"
			fi
			[ $SECONDS -lt $END ] || break
		done
	done
}

reader_query() {  # queries through the mount: whole text and JSON
	local q n=0
	while [ $SECONDS -lt $END ]; do
		for q in 'export job retries' 'cache TTL' 'logrotate' 'E42 error' 'nightly export'; do
			out=$(cat "$M/query/$q" 2>>"$FAIL/rq") || echo "cat query/$q failed" >>"$FAIL/rq"
			case $out in "# query: $q"*) ;; *) echo "query/$q: bad text: ${out:0:80}" >>"$FAIL/rq" ;; esac
			out=$(cat "$M/query.json/$q" 2>>"$FAIL/rq") || echo "cat query.json/$q failed" >>"$FAIL/rq"
			case $out in '{'*'}') ;; *) echo "query.json/$q: not whole: ${out:0:80}" >>"$FAIL/rq" ;; esac
			"$RC" --snapshot "$M/query/$q" >/dev/null 2>>"$FAIL/gen"
			n=$((n + 1))
		done
	done
	echo "$n" >"$TMP/n.rq"
}

reader_grep() {  # grep -r over everything served
	local n=0 rc
	while [ $SECONDS -lt $END ]; do
		grep -r -c 'export' "$M/projects" >/dev/null 2>>"$FAIL/rg"; rc=$?
		[ "$rc" -le 1 ] || echo "grep -r exit $rc" >>"$FAIL/rg"
		n=$((n + 1))
	done
	echo "$n" >"$TMP/n.rg"
}

reader_cat() {  # every file: cat and the torn-read check
	local n=0 f
	while [ $SECONDS -lt $END ]; do
		find "$M/projects" -path '*/exchanges/*' -type f 2>>"$FAIL/rc" >"$TMP/files"
		mapfile -t fs <"$TMP/files"
		[ ${#fs[@]} -gt 0 ] && { "$RC" --stat "${fs[@]}" >/dev/null 2>>"$FAIL/rc" || echo "readcheck failed" >>"$FAIL/rc"; }
		"$RC" --snapshot "$M"/projects/*/MEMORY.md "$M/status" "$M/README.md" >/dev/null 2>>"$FAIL/gen"
		n=$((n + ${#fs[@]}))
	done
	echo "$n" >"$TMP/n.rc"
}

reader_find() {  # listings and symlinks
	local n=0 bad
	while [ $SECONDS -lt $END ]; do
		# (inbox/ is a queue: its files leave as they are ingested)
		find "$M" -path "$M/query" -prune -o -path "$M/inbox" -prune -o \
			-print >/dev/null 2>>"$FAIL/rf" || echo "find failed" >>"$FAIL/rf"
		bad=$(find -L "$M/projects" -path '*/query' -prune -o -type l -print 2>>"$FAIL/rf")
		[ -z "$bad" ] || echo "dangling symlinks: ${bad:0:200}" >>"$FAIL/rf"
		ls -A "$M/inbox" "$M/inbox/notes" >/dev/null 2>>"$FAIL/rf" ||
			echo "ls inbox failed" >>"$FAIL/rf"
		n=$((n + 1))
	done
	echo "$n" >"$TMP/n.rf"
}

pids=()
for w in 0 1 2 3 4 5 6 7; do writer $w & pids+=($!); done
reader_query & pids+=($!)
reader_grep & pids+=($!)
reader_cat & pids+=($!)
reader_find & pids+=($!)
wait "${pids[@]}"

check "inbox drains" wait_drained "$M" 180
for f in "$FAIL"/*; do
	[ -s "$f" ] || continue
	[ "${f##*/}" = gen ] && continue
	bad "failed calls in ${f##*/}: $(head -n 5 "$f")"
done
ok
# generated files (status, MEMORY.md, query/) change while ingesting; each
# open reads one whole rendering, the same twice (readcheck --snapshot)
check_eq "generated files: each open reads one whole rendering" \
	"$(cat "$FAIL/gen" 2>/dev/null | grep -c .)" 0
[ -s "$FAIL/gen" ] && head -n 3 "$FAIL/gen" >&2
# once the inbox is idle, fstat gives exactly the size an open reads
check "generated files when idle: fstat size equals what the open reads" \
	"$RC" "$M"/projects/*/MEMORY.md "$M/status" "$M/README.md" \
	"$M/query/export job retries" "$M/query.json/cache TTL" >/dev/null
check_eq "nothing failed in the inbox" "$(ls -A "$M/inbox/failed")" ""
echo "concurrency: ${SOAK}s, 8 writers, queries $(cat "$TMP/n.rq") x5," \
	"grep -r $(cat "$TMP/n.rg") times, $(cat "$TMP/n.rc") exchange files read" \
	"twice, find $(cat "$TMP/n.rf") times" >&2
unmnt "$M"
check "sound" sound "$RECALLFS_DB"
check_eq "final state equals a serial ingest" "$(exchange_set "$RECALLFS_DB")" "$REF"
[ "$(exchange_set "$RECALLFS_DB")" = "$REF" ] ||
	diff <(echo "$REF") <(exchange_set "$RECALLFS_DB") | head -20 >&2
mfinish

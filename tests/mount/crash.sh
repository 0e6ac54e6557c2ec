#!/bin/bash
# crash.sh: kill -9 at random moments (SPEC section 9).  50 transcripts are
# fed through inbox/ over 10 rounds; in each round the daemon is killed with
# SIGKILL at a random moment (RANDOM seeded by CRASH_SEED, default 7) while
# writers copy and the worker ingests.  After each kill: the database is
# sound (SQLite and FTS5 integrity checks) and no conversation is half
# ingested.  A copy the writer saw fail is fed again (as a hook would); a
# copy it saw succeed never is: the daemon must have kept it.  At the end
# the exchange set equals a clean CLI ingest of the same files, nothing is
# in inbox/failed, and nothing was ingested twice.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse

SEED=${CRASH_SEED:-7}
RANDOM=$SEED
M=$TMP/m SRC=$TMP/src
make_corpus "$SRC" 50
files=("$SRC"/*)
check_eq "50 transcripts" "${#files[@]}" 50

# The reference: a clean CLI ingest of the same files, in the same order;
# and of the grown sessions' prefixes alone (a valid state in between).
RECALLFS_DB=$TMP/ref.db "$R" ingest "${files[@]}" >/dev/null
check_eq "reference ingest" "$?" 0
RECALLFS_DB=$TMP/prefix.db "$R" ingest "$SRC"/t?9.* >/dev/null
REF=$(exchange_set "$TMP/ref.db")
check "reference has exchanges" test "$(wc -l <<<"$REF")" -ge 100

next=0 retry=() acked=0 kills=0 queued=0 writing=0  # retry: copies a writer saw fail
for round in $(seq 1 10); do
	mnt "$M" || break
	# this round's writers: 5 new files, and the ones the last kill refused
	batch=("${retry[@]}" "${files[@]:$next:5}")
	next=$((next + 5))
	: >"$TMP/ok.$round"
	(
		for f in "${batch[@]}"; do
			if [ $((RANDOM % 2)) = 0 ]; then
				cp "$f" "$M/inbox/" 2>/dev/null
			else
				{ cat "$f" >"$M/inbox/${f##*/}"; } 2>/dev/null
			fi && echo "$f" >>"$TMP/ok.$round"
		done
	) &
	writer=$!
	# the random moment: 0 to 0.6 s in, mid-copy or mid-ingest
	sleep "$(printf '0.%03d' $((RANDOM % 600)))"
	kill9 "$M"
	kills=$((kills + 1))
	wait "$writer"
	# what the kill interrupted: files still queued, one half written
	q=$(find "$RECALLFS_DB.inbox/queue" -type f 2>/dev/null | wc -l)
	w=$(find "$RECALLFS_DB.inbox/tmp" -type f 2>/dev/null | wc -l)
	queued=$((queued + q)) writing=$((writing + w))
	# acknowledged copies are done; the rest go round again
	acked=$((acked + $(wc -l <"$TMP/ok.$round")))
	retry=()
	for f in "${batch[@]}"; do
		grep -qxF -- "$f" "$TMP/ok.$round" || retry+=("$f")
	done
	check "round $round: sound after kill -9" sound "$RECALLFS_DB"
	check_eq "round $round: no half-ingested conversation" \
		"$(half_ingested "$RECALLFS_DB" "$TMP/ref.db" "$TMP/prefix.db")" ""
done
check_eq "10 kills" "$kills" 10

# Remount: queued files resume; feed what no writer saw succeed.
mnt "$M"
for f in "${retry[@]}"; do
	check "feed again ${f##*/}" cp "$f" "$M/inbox/"
done
check "inbox drains" wait_drained "$M" 180
# inbox/failed may only hold copies a kill cut short (a strict prefix of
# the transcript, which its writer saw fail and fed again); a whole copy
# there would be an acknowledged transcript that failed.
torn=0 whole=0
for f in "$RECALLFS_DB.inbox/failed"/*; do
	[ -f "$f" ] || continue
	case $f in *.error) continue ;; esac
	src=$SRC/${f##*/}; src=${src%.[0-9]}
	n=$(stat -c %s "$f")
	if [ "$n" -lt "$(stat -c %s "$src")" ] && cmp -s -n "$n" "$f" "$src"; then
		torn=$((torn + 1))
	else
		whole=$((whole + 1)); echo "failed: ${f##*/}: $(cat "$f.error")" >&2
	fi
done
check_eq "no whole transcript failed" "$whole" 0
unmnt "$M"
echo "crash: seed $SEED, $kills kills; at the kills $queued files queued" \
	"and $writing half written; $acked copies acknowledged, ${#retry[@]} fed again;" \
	"$torn cut-short copies in inbox/failed" >&2

check "sound at the end" sound "$RECALLFS_DB"
check_eq "exchange set equals a clean CLI ingest" "$(exchange_set "$RECALLFS_DB")" "$REF"
[ "$(exchange_set "$RECALLFS_DB")" = "$REF" ] ||
	diff <(echo "$REF") <(exchange_set "$RECALLFS_DB") | head -20 >&2
check_eq "every conversation once" \
	"$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM conversations')" \
	"$(sqlite3 "$TMP/ref.db" 'SELECT count(*) FROM conversations')"
check_eq "no exchange twice" \
	"$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM (SELECT hash FROM exchanges GROUP BY conversation_id, hash HAVING count(*) > 1)')" 0
mfinish

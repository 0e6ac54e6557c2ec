#!/bin/bash
# diskfull.sh: ingest into a memory on a disk that fills up (issue 12.5),
# a small tmpfs: the run stops with one line naming ENOSPC, the summary
# counts only what was stored, and no conversation is stored in part.
. tests/lib.sh
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a tmpfs"
mkdir -p "$TMP/corpus" "$TMP/small"
for i in $(seq -w 1 40); do
	"$GEN" "sess$i" "/w/proj$((10#$i % 3))" 1 15 >"$TMP/corpus/s$i.jsonl"
done
mount -t tmpfs -o size=1m tmpfs "$TMP/small" 2>/dev/null ||
	skip_all "cannot mount a tmpfs here"
trap 'umount "$TMP/small" 2>/dev/null; rm -rf "$TMP"' EXIT
db=$TMP/small/m.db
"$R" ingest --db "$db" "$TMP/corpus" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq "a full disk: exit 1" "$rc" 1
check_eq "one line on stderr" "$(wc -l <"$TMP/err")" 1
check_contains "it names ENOSPC and the database" "$(cat "$TMP/err")" "$db: the disk is full (ENOSPC): stopped at"
sum=$(head -n 1 "$TMP/out")
added=$(printf '%s' "$sum" | sed -nE 's/.* ([0-9]+) exchanges added.*/\1/p')
convs=$(printf '%s' "$sum" | sed -nE 's/.* ([0-9]+) conversations updated.*/\1/p')
stored=$(sqlite3 "$db" 'SELECT count(*) FROM exchanges')
check "some were stored before the disk filled ($stored)" test "$stored" -gt 0
check "not all were ($stored of 600)" test "$stored" -lt 600
check_eq "exchanges added = exchanges stored" "$added" "$stored"
check_eq "conversations updated = conversations stored" "$convs" \
	"$(sqlite3 "$db" 'SELECT count(*) FROM conversations')"
check_eq "no conversation stored in part (15 exchanges each)" \
	"$(sqlite3 "$db" 'SELECT count(*) FROM (SELECT count(*) n FROM exchanges GROUP BY conversation_id) WHERE n <> 15')" 0
check_contains "the file that did not fit is counted as failed" "$sum" "1 files failed"
check_eq "integrity" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
# with room again (the disk grown), the same run completes what is missing
mount -o remount,size=16m "$TMP/small"
out=$("$R" ingest --db "$db" "$TMP/corpus" 2>&1); rc=$?
check_eq "with room: exit 0" "$rc" 0
check_eq "all 600 stored" "$(sqlite3 "$db" 'SELECT count(*) FROM exchanges')" 600
check_contains "the rest was added" "$out" "$((600 - stored)) exchanges added"
umount "$TMP/small"
finish

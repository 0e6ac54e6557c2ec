#!/bin/bash
# inbox_enospc.sh: a full disk is reported, not hidden (issue 12 item 5,
# the mount's side).  The database and its spool live on a 4 MB tmpfs.
# cp (and `cat >`) of a file larger than the space left gets ENOSPC; the
# partial file is neither queued nor failed, and its space comes back.  A
# transcript that fits the spool but not the database waits in the queue
# (status says why) with none of its exchanges stored, and is ingested
# whole once space is freed.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse

SMALL=$TMP/small M=$TMP/m
mkdir -p "$SMALL"
mount -t tmpfs -o size=4m tmpfs "$SMALL" 2>/dev/null ||
	skip_all "cannot mount a 4 MB tmpfs here (needs root)"
# the FUSE mount first (its daemon holds the database), then the tmpfs
trap 'cleanup_mounts; umount "$SMALL" 2>/dev/null; grep -q " ${TMP}/" /proc/mounts || rm -rf "$TMP"' EXIT
export RECALLFS_DB=$SMALL/memory.db
SPOOL=$RECALLFS_DB.inbox
status_of() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$M/status"; }
avail_kb() { df -k --output=avail "$SMALL" | tail -n 1 | tr -d ' '; }
spooled() { find "$SPOOL/tmp" "$SPOOL/queue" -type f | wc -l; }

check "a first ingest" "$R" ingest "$FIX/chat_notes.json" >/dev/null
mnt "$M"
free0=$(avail_kb)
head -c 6000000 /dev/urandom | base64 -w 100 >"$TMP/big.txt"

# cp: the writer gets ENOSPC; nothing is queued, nothing fails
out=$(cp "$TMP/big.txt" "$M/inbox/" 2>&1)
check_eq "cp of 8 MB into 4 MB fails" "$?" 1
check_contains "cp says why" "$out" "No space left on device"
out=$(sh -c "cat '$TMP/big.txt' > '$M/inbox/big2.txt'" 2>&1)
check_fail "cat > of 8 MB into 4 MB fails" test "$?" = 0
check_contains "cat > says why" "$out" "No space left on device"
sleep 2
check_eq "nothing listed" "$(ls "$M/inbox" | grep -c '^big')" 0
check_eq "nothing failed" "$(ls -A "$M/inbox/failed")" ""
check_eq "status: nothing failed" "$(status_of inbox_failed)" 0
check_eq "status: nothing queued" "$(status_of inbox_queued)" 0
check_eq "nothing left in the spool" "$(spooled)" 0
check "the space came back" test "$(avail_kb)" -ge $((free0 - 64))

# a transcript that fits the spool but not the database: it waits
crash_claude full1 /home/dev/fullproj 40 1000 >"$TMP/full1.jsonl"
RECALLFS_DB=$TMP/ref.db "$R" ingest "$TMP/full1.jsonl" >/dev/null
want=$(sqlite3 "$TMP/ref.db" "SELECT count(*) FROM exchanges")
check "the reference has exchanges" test "$want" -gt 10
head -c $((($(avail_kb) - 600) * 1024)) /dev/zero >"$SMALL/filler"
check "cp that fits the spool" cp "$TMP/full1.jsonl" "$M/inbox/"
sleep 3
check "still listed: queued" test -f "$M/inbox/full1.jsonl"
check_eq "not failed" "$(ls -A "$M/inbox/failed")" ""
check_contains "status says why" "$(cat "$M/status")" "No space left on device (will retry)"
check_eq "none of its exchanges stored" "$(sqlite3 "$RECALLFS_DB" \
	"SELECT count(*) FROM exchanges e JOIN conversations c ON c.id = e.conversation_id WHERE c.key = 'full1'")" 0
rm -f "$SMALL/filler"
check "ingested once space is freed" wait_drained "$M" 40
check_eq "all of its exchanges stored" "$(sqlite3 "$RECALLFS_DB" \
	"SELECT count(*) FROM exchanges e JOIN conversations c ON c.id = e.conversation_id WHERE c.key = 'full1'")" "$want"
check_eq "nothing failed" "$(ls -A "$M/inbox/failed")" ""
unmnt "$M"
check "store is sound" sound "$RECALLFS_DB"
umount "$SMALL"
mfinish

#!/bin/bash
# inbox_list.sh: what inbox/ shows while it works (issue 11 item 5).
# `ls -l inbox` during an ingest never shows a name it cannot stat (no
# "??????????" entry, no "cannot access"); status counts as queued only
# what will be ingested: hidden temp files (rsync's, editors') and empty
# files are "held" until renamed or written, and an empty file never
# lands in inbox/failed/.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m S=$TMP/src
mkdir -p "$S"
for i in $(seq -w 1 40); do
	printf 'User: what does the lamp switch %s do?\n\nAssistant: switch %s dims the lamp to %s percent.\n\nUser: and button %s?\n\nAssistant: button %s turns the lamp off after %s minutes.\n' \
		"$i" "$i" "$i" "$i" "$i" "$i" >"$S/f$i.txt"
done
status_of() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$M/status"; }

mnt "$M"

# ls -l while 40 files are copied in and ingested: every listed name stats
cp "$S"/*.txt "$M/inbox/" &
CP=$!
bad_ls=0 runs=0
while kill -0 "$CP" 2>/dev/null || [ $runs -lt 5 ]; do
	out=$(ls -l "$M/inbox" 2>&1) || { bad_ls=$((bad_ls + 1)); echo "$out" | grep -m 2 -e '?' -e 'cannot' >&2; }
	case $out in *'?????????'*) bad_ls=$((bad_ls + 1)) ;; esac
	runs=$((runs + 1))
done
wait "$CP"
check_eq "cp of 40 files" "$?" 0
for _ in $(seq 20); do
	out=$(ls -l "$M/inbox" 2>&1) || { bad_ls=$((bad_ls + 1)); echo "$out" | grep -m 2 -e '?' -e 'cannot' >&2; }
	runs=$((runs + 1))
	find "$M/inbox" -path "$M/inbox/failed" -prune -o -type f -print | grep -q . || break
	sleep 0.05
done
check_eq "ls -l during the ingest: every listed name stats ($runs runs)" "$bad_ls" 0
check "drained" inbox_drained "$M"
check_eq "all 40 ingested" "$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM conversations")" 40

# status while the database is locked: two files queued, a hidden .part
# and an empty file held (not queued)
python3 - "$RECALLFS_DB" "$TMP/locked" "$TMP/unlock" <<'EOF' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
for _ in range(300):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
EOF
LOCKER=$!
for _ in $(seq 100); do [ -e "$TMP/locked" ] && break; sleep 0.1; done
check "the database is locked" test -e "$TMP/locked"
sed 's/lamp/kettle/g' "$S/f01.txt" >"$TMP/k1.txt"
sed 's/lamp/stove/g' "$S/f02.txt" >"$TMP/k2.txt"
sed 's/lamp/fridge/g' "$S/f03.txt" >"$TMP/k3.txt"
check "cp k1" cp "$TMP/k1.txt" "$M/inbox/"
check "cp k2" cp "$TMP/k2.txt" "$M/inbox/"
check "a hidden .part file" sh -c "cat '$TMP/k3.txt' > '$M/inbox/.k3.txt.part'"
check "an empty file" touch "$M/inbox/empty.txt"
sleep 1.5
check_eq "status: queued counts what will be ingested" "$(status_of inbox_queued)" 2
check_eq "status: the .part and the empty file are held" "$(status_of inbox_held)" 2
check_eq "status: nothing being written" "$(status_of inbox_writing)" 0
check_eq "all four listed" "$(ls -A "$M/inbox" | grep -c -e '^k[12].txt$' -e '^.k3.txt.part$' -e '^empty.txt$')" 4
touch "$TMP/unlock"
wait "$LOCKER"
check "drained but for the held" sh -c "for i in \$(seq 100); do [ \"\$(ls '$M/inbox' | grep -c '^k')\" = 0 ] && exit 0; sleep 0.1; done; exit 1"
check_eq "status: held stay held" "$(status_of inbox_held)" 2
check_eq "status: nothing queued" "$(status_of inbox_queued)" 0
check "the .part renamed" mv "$M/inbox/.k3.txt.part" "$M/inbox/k3.txt"
check "rm the empty file" rm "$M/inbox/empty.txt"
check "drained" inbox_drained "$M"
check_eq "status: nothing held" "$(status_of inbox_held)" 0
check_eq "the three ingested" "$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges WHERE verbatim LIKE '%kettle%' OR verbatim LIKE '%stove%' OR verbatim LIKE '%fridge%'")" 6
check_eq "nothing in inbox/failed" "$(ls -A "$M/inbox/failed")" ""
unmnt "$M"
mfinish

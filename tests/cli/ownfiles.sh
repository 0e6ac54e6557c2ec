#!/bin/bash
# ownfiles.sh: the memory never swallows itself (issue 12.6): ingesting a
# folder that holds a recallfs export or a recallfs mount skips each with
# one line; named on the command line they are refused; only the real
# transcripts beside them are ingested.
. tests/lib.sh
. tests/mount/mount.bash
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
"$GEN" app-1 /w/app 1 4 >"$TMP/app.jsonl"
"$R" ingest "$TMP/app.jsonl" >/dev/null
T=$TMP/tree
mkdir -p "$T/real"
"$R" export "$T/exp"
check "the export carries its marker" test -f "$T/exp/.recallfs-export"
"$GEN" new-1 /w/newapp 1 2 >"$T/real/new.jsonl"
fuse=1
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	fuse=0
	skip "a mount inside the folder" "no /dev/fuse or fusermount3"
else
	mnt "$T/mnt" --read-only || fuse=0
fi
projects() { sqlite3 "$RECALLFS_DB" 'SELECT group_concat(name, " ") FROM (SELECT name FROM projects ORDER BY name)'; }

"$R" ingest "$T" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq "exit 0" "$rc" 0
err=$(cat "$TMP/err")
check_eq "the export skipped with one line" "$(grep -c "$T/exp: skipped: in a recallfs export (the memory's own files)" "$TMP/err")" 1
if [ "$fuse" = 1 ]; then
	check_eq "the mount skipped with one line" "$(grep -c "$T/mnt: skipped: in a recallfs mount (the memory's own files)" "$TMP/err")" 1
	check_eq "nothing else said" "$(wc -l <"$TMP/err")" 2
fi
check_contains "only the real transcript" "$(cat "$TMP/out")" "1 files, 1 conversations updated, 2 exchanges added"
check_eq "no project default, no copy" "$(projects)" "app newapp"
check_eq "6 exchanges" "$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges')" 6

# named on the command line: refused, exit 1, one line each
x=$(ls "$T/exp/projects/app/exchanges" | head -n 1)
for p in "$T/exp" "$T/exp/projects/app" "$T/exp/projects/app/exchanges/$x/verbatim"; do
	err=$("$R" ingest "$p" 2>&1 >/dev/null); rc=$?
	check_eq "$p: exit 1" "$rc" 1
	check_eq "$p: one line" "$err" "recallfs: $p: not ingested: in a recallfs export (the memory's own files)"
done
if [ "$fuse" = 1 ]; then
	for p in "$T/mnt" "$T/mnt/projects/app/exchanges/$x/verbatim"; do
		err=$("$R" ingest "$p" 2>&1 >/dev/null); rc=$?
		check_eq "$p: exit 1" "$rc" 1
		check_eq "$p: one line" "$err" "recallfs: $p: not ingested: in a recallfs mount (the memory's own files)"
	done
	unmnt "$T/mnt"
fi
check_eq "still 6 exchanges" "$(sqlite3 "$RECALLFS_DB" 'SELECT count(*) FROM exchanges')" 6
# a folder that merely holds a file of that name elsewhere is not an export
mkdir -p "$TMP/other/deep"
cp "$TMP/app.jsonl" "$TMP/other/deep/"
out=$("$R" ingest --db "$TMP/other.db" "$TMP/other" 2>&1)
check_contains "an ordinary folder is ingested" "$out" "4 exchanges added"
mfinish

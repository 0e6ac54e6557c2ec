#!/bin/bash
# refusals.sh: mounts that cannot work are refused with one line that says
# why, before anything is daemonised (issue 11.3), and relative paths work
# (issue 12.1): a second mount at the same place (names the pid), a
# non-empty directory (unless -o nonempty), --project naming no project
# (lists those that exist), a missing directory; a mount left by a killed
# daemon is recognised and cleared; a busy umount says what to do; a
# relative mount point and --db, daemonised or not, with SIGTERM and
# SIGINT; a plain fusermount3 -u once inbox/ is idle.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m
"$R" ingest "$FIX/chat_notes.json" >/dev/null
"$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null

# a second mount at the same place
mnt "$M"
pid=${MPID[$M]}
out=$("$R" mount "$M" 2>&1); rc=$?
check_eq "a second mount is refused" "$rc" 1
check_contains "it names the daemon" "$out" "already mounted (recallfs pid $pid)"
check_eq "one mount there" "$(grep -c " $M " /proc/mounts)" 1
unmnt "$M"

# a non-empty directory, and -o nonempty
mkdir -p "$TMP/full"
echo keep >"$TMP/full/mine.txt"
out=$("$R" mount "$TMP/full" 2>&1); rc=$?
check_eq "a non-empty directory is refused" "$rc" 1
check_contains "it says how to mount anyway" "$out" "-o nonempty"
check_fail "nothing mounted there" mountpoint -q "$TMP/full"
check "-o nonempty mounts over it" "$R" mount "$TMP/full" -o nonempty
check "the tree is there" test -d "$TMP/full/projects/notes"
check "recallfs umount" "$R" umount "$TMP/full"
check_eq "the file is still there" "$(cat "$TMP/full/mine.txt")" keep

# --project naming no project
out=$("$R" mount "$M" --project nosuchproj 2>&1); rc=$?
check_eq "--project nosuchproj is refused" "$rc" 1
check_contains "it names the project" "$out" "project 'nosuchproj': no such project"
check_contains "it lists the projects" "$out" "bikes, notes"
check_fail "nothing mounted" mountpoint -q "$M"

# a missing directory
out=$("$R" mount "$TMP/nowhere" 2>&1)
check_contains "a missing directory: no such directory" "$out" "no such directory"

# a mount left by a daemon killed with SIGKILL
mnt "$M"
kill -9 "${MPID[$M]}"; wait "${MPID[$M]}" 2>/dev/null; unset "MPID[$M]"
check_fail "the dead mount is there" stat "$M" 2>/dev/null
out=$("$R" mount "$M" 2>&1); rc=$?
check_eq "remounting over it works" "$rc" 0
check_contains "it says it cleared the dead mount" "$out" "cleared"
check "the new mount serves" test -s "$M/README.md"
check_eq "one mount there" "$(grep -c " $M " /proc/mounts)" 1

# a busy umount says what to do
exec 7<"$M/README.md"
out=$("$R" umount "$M" 2>&1); rc=$?
check_eq "a busy umount fails" "$rc" 1
check_contains "it says to close the files" "$out" "close the files"
check_contains "or to detach lazily" "$out" "fusermount3 -uz"
exec 7<&-
check "umount once closed" "$R" umount "$M"

# relative mount point and database, daemonised (the daemon works from /)
mkdir -p "$TMP/rel/sub" "$TMP/rel/m3"
cp "$RECALLFS_DB" "$TMP/rel/sub/r.db"
(cd "$TMP/rel/sub" && RECALLFS_DB= "$R" mount ../m3 --db r.db)
check "relative mount point and --db" test -d "$TMP/rel/m3/projects/notes"
check_fail "no database made in /" test -e /r.db
check "umount by relative path" sh -c "cd '$TMP/rel' && '$R' umount m3"
check_fail "unmounted" mountpoint -q "$TMP/rel/m3"

# a foreground daemon on a relative mount point stops cleanly on SIGTERM
# and on SIGINT
for sig in TERM INT; do
	(cd "$TMP/rel" && exec "$R" mount -f m3 --db sub/r.db 2>>"$MLOG") &
	fg=$!
	for _ in $(seq 100); do mountpoint -q "$TMP/rel/m3" && break; sleep 0.1; done
	check "foreground mount ($sig)" test -d "$TMP/rel/m3/projects"
	kill -$sig "$fg"
	wait "$fg"; rc=$?
	check_eq "SIG$sig: the daemon exits 0" "$rc" 0
	check_fail "SIG$sig: nothing left mounted" grep -q " $TMP/rel/m3" /proc/mounts
done
check_fail "no 'failed to unmount'" grep -q "failed to unmount" "$MLOG"

# a plain fusermount3 -u works once inbox/ is idle (it is mounted on
# demand and unmounted when idle)
mnt "$M"
check "feed the inbox" cp "$FIX/claude_webapp.jsonl" "$M/inbox/"
check "drained" inbox_drained "$M"
idle() { for _ in $(seq 100); do grep -q "inbox_mounted	no" "$M/status" && return 0; sleep 0.1; done; return 1; }
check "inbox/ unmounted when idle" idle
check "fusermount3 -u" fusermount3 -u "$M"
wait "${MPID[$M]}"; rc=$?; unset "MPID[$M]"
check_eq "the daemon exits 0" "$rc" 0
mfinish

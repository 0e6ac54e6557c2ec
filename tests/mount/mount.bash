# mount.bash: shared by the mount tests (sourced after tests/lib.sh).
# Mounts run in the foreground (-f) in the background of the test so the
# daemon's stderr lands in a log that is checked for sanitizer reports;
# every mount is unmounted on exit, whatever happened.
#
#   need_fuse                       skips the whole test when FUSE is unusable
#   mnt DIR [mount options...]      mounts and waits until it is ready
#   unmnt DIR                       unmounts and waits for the daemon
#   mfinish                         unmounts all, checks logs, then finish
FIX=$PWD/tests/fixtures/mount
MLOG=$TMP/daemon.log
: >"$MLOG"
declare -A MPID=()

need_fuse() {
	local why=""
	[ -c /dev/fuse ] || why="/dev/fuse is missing"
	[ -z "$why" ] && ! [ -r /dev/fuse -a -w /dev/fuse ] && why="/dev/fuse is not usable by $(id -un)"
	command -v fusermount3 >/dev/null || why="${why:-fusermount3 is not installed}"
	[ -n "$why" ] && skip_all "$why"
}

cleanup_mounts() {
	local d
	for d in "${!MPID[@]}"; do
		fusermount3 -u -z "$d" 2>/dev/null
		kill "${MPID[$d]}" 2>/dev/null
		wait "${MPID[$d]}" 2>/dev/null
	done
	MPID=()
	# daemonised mounts (recallfs mount without -f) under $TMP too
	for d in $(awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts); do
		fusermount3 -u -z "$d" 2>/dev/null
	done
}
# never rm -r through a mount that is still there: it would forget exchanges
trap 'cleanup_mounts; grep -q " ${TMP}/" /proc/mounts || rm -rf "$TMP"' EXIT

mnt() {
	local d=$1; shift
	mkdir -p "$d"
	"$R" mount -f "$d" "$@" 2>>"$MLOG" &
	MPID[$d]=$!
	for _ in $(seq 100); do
		mountpoint -q "$d" && return 0
		kill -0 "${MPID[$d]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "mount of $d did not come up:" >&2
	cat "$MLOG" >&2
	return 1
}

unmnt() {
	local d=$1
	"$R" umount "$d" || fusermount3 -u -z "$d"
	wait "${MPID[$d]}" 2>/dev/null
	unset "MPID[$d]"
}

# kill -9 of a mount's daemon (the kernel mount stays until unmounted).
kill9() {
	local d=$1
	kill -9 "${MPID[$d]}"
	wait "${MPID[$d]}" 2>/dev/null
	unset "MPID[$d]"
	fusermount3 -u -z "$d" 2>/dev/null
}

# Waits (up to 20 s) until inbox/ of mount $1 holds no pending file.
inbox_drained() {
	local d=$1
	for _ in $(seq 200); do
		if ! find "$d/inbox" -path "$d/inbox/failed" -prune -o -type f \
			-print 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

mfinish() {
	cleanup_mounts
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ThreadSanitizer' "$MLOG"; then
		bad "sanitizer report in the daemon's stderr"
		cat "$MLOG" >&2
	else
		ok
	fi
	grep -q " ${TMP}/" /proc/mounts && { bad "a mount outlived the test"; TMP=/nonexistent; }
	finish
}

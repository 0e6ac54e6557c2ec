#!/bin/sh
# claude-code-hook.sh: a Claude Code hook (SessionEnd, Stop) that hands the
# session transcript to recallfs.  Install with claude-settings.json.
#
# Claude Code writes the hook payload as JSON on stdin; we use session_id,
# transcript_path, cwd and hook_event_name.  The transcript goes to
#   - the inbox of a running mount ($RECALLFS_INBOX, else ~/recallfs/inbox
#     when ~/recallfs is a mount point), as inbox/<project>/<session>-....jsonl:
#     a private snapshot of the whole lines, copied under a hidden name and
#     renamed, so the inbox never ingests a half-written transcript;
#   - else `recallfs ingest --project P TRANSCRIPT`, in the background.
# project = basename of cwd made safe, as recallfs itself names projects.
#
# It always exits 0 at once and prints nothing: a hook must never block or
# disturb the agent.  What it did goes to $RECALLFS_HOOK_LOG (default
# $XDG_STATE_HOME/recallfs/hook.log).
#
# Environment: RECALLFS_INBOX, RECALLFS_BIN (default: recallfs in PATH),
# RECALLFS_DB (passed on to recallfs), RECALLFS_HOOK_LOG,
# RECALLFS_HOOK_INTERVAL (seconds between two hand-overs on Stop; 30),
# RECALLFS_HOOK_SYNC=1 (ingest in the foreground: for tests and debugging).
set -u
umask 077

state=${XDG_STATE_HOME:-${HOME:-/tmp}/.local/state}/recallfs
logf=${RECALLFS_HOOK_LOG:-$state/hook.log}
# the binary: $RECALLFS_BIN, else recallfs in PATH, else where make install put it
bin=${RECALLFS_BIN:-recallfs}
[ -z "${RECALLFS_BIN:-}" ] && ! command -v recallfs >/dev/null 2>&1 &&
	bin=/usr/local/bin/recallfs

log() {
	mkdir -p "$(dirname "$logf")" 2>/dev/null || return 0
	# keep the log small: start over past 1 MB
	if [ -f "$logf" ] && [ "$(wc -c <"$logf")" -gt 1048576 ]; then
		mv -f "$logf" "$logf.old" 2>/dev/null
	fi
	printf '%s claude-code-hook: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S')" \
		"$*" >>"$logf" 2>/dev/null
	return 0
}

# field NAME: the string value of a top-level key of the payload, unescaped.
# Hook payloads are flat objects; a quote inside a value is escaped, so
# '"NAME":' only matches a real key.
field() {
	printf '%s' "$payload" | tr -d '\n' |
		sed -nE 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)".*/\1/p' |
		awk '{
			out = ""; n = length($0)
			for (i = 1; i <= n; i++) {
				c = substr($0, i, 1)
				if (c != "\\") { out = out c; continue }
				d = substr($0, ++i, 1)
				if (d == "n") out = out "\n"
				else if (d == "t") out = out "\t"
				else if (d == "u") { out = out "?"; i += 4 }
				else out = out d
			}
			printf "%s", out
		}'
}

# safe_project CWD: its last component; "/" and control characters become
# "_"; "default" when empty, "." or "..".  The same rule as recallfs's own
# (ingest_project_name), so the hook and the feeder agree on names.
safe_project() {
	p=$(printf '%s' "$1" | sed -e 's:/*$::' -e 's:.*/::' |
		LC_ALL=C tr '\001-\037\177' '_' | cut -c1-200)
	case $p in ''|.|..) p=default ;; esac
	printf '%s' "$p"
}

# find_inbox: prints the inbox directory of a running mount, or nothing.
find_inbox() {
	if [ -n "${RECALLFS_INBOX:-}" ]; then
		[ -d "$RECALLFS_INBOX" ] && [ -w "$RECALLFS_INBOX" ] &&
			printf '%s' "$RECALLFS_INBOX"
		return 0
	fi
	m=${HOME:-/nonexistent}/recallfs
	mountpoint -q "$m" 2>/dev/null && [ -d "$m/inbox" ] && printf '%s' "$m/inbox"
	return 0
}

# snapshot SRC DST: copies the whole lines of SRC as they are now; sets
# trimmed=1 when a last line still being written was left out.
trimmed=0
snapshot() {
	size=$(wc -c <"$1") || return 1
	head -c "$size" "$1" >"$2" || return 1
	if [ "$size" -gt 0 ] && [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" != '\n' ]; then
		# a line still being written: leave it for the next event
		sed '$d' "$2" >"$2.t" && mv -f "$2.t" "$2" && trimmed=1
	fi
}

# ingest SID P FILE [TMPDIR]: recallfs ingest, at most one waiting per session,
# serialised with every other recallfs feeder through ingest.lock.
ingest() {
	sid=$1
	shift
	mkdir -p "$state" 2>/dev/null
	(
		exec 8>"$state/hook-$sid.queue" 9>"$state/ingest.lock" || exit 0
		if command -v flock >/dev/null 2>&1; then
			# one queued run per session is enough: it reads the file
			# after the running one finished, so it sees every line
			flock -n 8 || exit 0
			flock -w 600 9 || { log "$sid: gave up waiting for ingest.lock"; exit 0; }
			flock -u 8
		fi
		if out=$("$bin" ingest --project "$1" -- "$2" 2>&1); then
			log "$sid: ingested into $1: $(printf '%s' "$out" | tail -n 1)"
		else
			log "$sid: recallfs ingest failed: $(printf '%s' "$out" | tail -n 1)"
		fi
		rm -f "$state/hook-$sid.queue"
		[ -n "${3:-}" ] && rm -rf "$3"
	) </dev/null >/dev/null 2>&1
}

if [ "${1:-}" = --ingest ]; then
	# the detached second half (see the end of this file)
	shift
	ingest "$@"
	exit 0
fi
[ -t 0 ] && {
	echo "usage: claude-code-hook.sh < HOOK-PAYLOAD.json (run by Claude Code)" >&2
	exit 0
}
payload=$(head -c 1048576)
tp=$(field transcript_path)
sid=$(field session_id)
cwd=$(field cwd)
ev=$(field hook_event_name)
sid=$(printf '%s' "${sid:-session}" | LC_ALL=C tr -c 'A-Za-z0-9._-' '_')

if [ -z "$tp" ] || [ ! -f "$tp" ] || [ ! -r "$tp" ]; then
	log "$ev $sid: no readable transcript at '${tp}'"
	exit 0
fi
# Stop comes after every agent response: hand a session over at most once
# every RECALLFS_HOOK_INTERVAL seconds (default 30) on Stop, and always on
# any other event (SessionEnd).  Each hand-over is the whole transcript, so a
# skipped Stop loses nothing: the next event (or recallfs-feed) carries it.
interval=${RECALLFS_HOOK_INTERVAL:-30}
case $interval in ''|*[!0-9]*) interval=30 ;; esac
mark=$state/hook-$sid.last
if [ "$ev" = Stop ] && [ "$interval" -gt 0 ] && [ -f "$mark" ]; then
	age=$(( $(date +%s) - $(stat -c %Y "$mark" 2>/dev/null || echo 0) ))
	if [ "$age" -ge 0 ] && [ "$age" -lt "$interval" ]; then
		log "Stop $sid: handed over ${age}s ago; skipped"
		exit 0
	fi
fi
# handed_over: remember when, for the Stop interval (SessionEnd forgets)
handed_over() {
	if [ "$ev" = Stop ]; then
		mkdir -p "$state" 2>/dev/null && : >"$mark" 2>/dev/null
	else
		rm -f "$mark"
	fi
	return 0
}

[ -n "$cwd" ] || cwd=$(sed -nE 's/.*"cwd":"(([^"\\]|\\.)*)".*/\1/p' "$tp" | tail -n 1)
project=$(safe_project "$cwd")

tmpd=$(mktemp -d "${TMPDIR:-/tmp}/recallfs-hook.XXXXXX") || exit 0
snap=$tmpd/$sid.jsonl
if ! snapshot "$tp" "$snap"; then
	log "$ev $sid: cannot read $tp"
	rm -rf "$tmpd"
	exit 0
fi

inbox=$(find_inbox)
if [ -n "$inbox" ]; then
	dir=$inbox/$project
	name=$sid-$(date +%Y%m%dT%H%M%S)-$$.jsonl
	# a hidden name is not ingested until renamed: even a copy cut short
	# (the agent killed us) is never ingested
	if { [ -d "$dir" ] || mkdir "$dir" 2>/dev/null; } &&
		cp "$snap" "$dir/.$name.part" 2>/dev/null &&
		mv -f "$dir/.$name.part" "$dir/$name" 2>/dev/null; then
		log "$ev $sid: copied to $dir/$name"
		handed_over
		rm -rf "$tmpd"
		exit 0
	fi
	rm -f "$dir/.$name.part" 2>/dev/null
	log "$ev $sid: cannot write into $dir; ingesting directly"
fi

# the original when it is all whole lines, so recallfs records where the
# conversation came from; else the snapshot
src=$tp
[ "$trimmed" = 1 ] && src=$snap
handed_over
if [ "${RECALLFS_HOOK_SYNC:-0}" = 1 ]; then
	ingest "$sid" "$project" "$src" "$tmpd"
elif command -v setsid >/dev/null 2>&1 && [ -x "$0" ]; then
	# detached: the agent must not wait for it, nor take it down on exit
	setsid "$0" --ingest "$sid" "$project" "$src" "$tmpd" \
		</dev/null >/dev/null 2>&1 &
else
	(trap '' HUP; ingest "$sid" "$project" "$src" "$tmpd") \
		</dev/null >/dev/null 2>&1 &
fi
exit 0

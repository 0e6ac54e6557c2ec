#!/bin/bash
# readonly.sh: a memory in a directory that cannot be written (issue 11.3):
# the commands that do not write (stats, query, show, export, eval) open it
# read-only and work, also when its WAL files are absent and cannot be
# created; a command that writes says why it cannot.  Two ways: a read-only
# bind mount (root ignores modes), and chmod 555 for a non-root user.
. "$(dirname "$0")/../lib.sh"

# 3 turns of a Claude Code session
session() {
	local i parent=null
	for i in 1 2 3; do
		printf '{"type":"user","uuid":"u%d","parentUuid":%s,"sessionId":"ro-1","cwd":"/home/dev/shop","timestamp":"2026-03-0%dT10:00:00Z","message":{"role":"user","content":"Turn %d: the checkout page throws a gateway timeout in payment_gateway.py"}}\n' "$i" "$parent" "$i" "$i"
		printf '{"type":"assistant","uuid":"a%d","parentUuid":"u%d","sessionId":"ro-1","cwd":"/home/dev/shop","timestamp":"2026-03-0%dT10:01:00Z","message":{"id":"msg_%d","role":"assistant","content":[{"type":"text","text":"Turn %d: raised the gateway timeout to 60 seconds and added a retry."}]}}\n' "$i" "$i" "$i" "$i" "$i"
		parent="\"a$i\""
	done
}
session >"$TMP/s.jsonl"
printf '{"query": "gateway timeout", "project": "shop", "relevant": ["u2"]}\n' >"$TMP/q.jsonl"

# the read commands, as user $1 ("" for the current one), against $2
reads() {
	local as=$1 db=$2 d=$3 out
	run() { if [ -n "$as" ]; then setpriv --reuid="$as" --regid="$as" --clear-groups "$@"; else "$@"; fi; }
	out=$(run "$R" stats --db "$db" 2>&1); check_contains "$d: stats" "$out" "shop"
	out=$(run "$R" query gateway timeout --db "$db" 2>&1); check_contains "$d: query" "$out" "projects/shop/exchanges/"
	out=$(run "$R" show 1 --db "$db" 2>&1); check_contains "$d: show" "$out" "project:      shop"
	out=$(run "$R" eval "$TMP/q.jsonl" --mode verbatim --db "$db" 2>&1); check_contains "$d: eval" "$out" "queries: 1"
	out=$(run "$R" export "$EXP/$d" --db "$db" 2>&1); check "$d: export ($out)" test -f "$EXP/$d/projects/shop/MEMORY.md"
	out=$(run "$R" forget 1 --db "$db" 2>&1); rc=$?
	check_eq "$d: forget cannot write: exit 1" "$rc" 1
	check_contains "$d: forget says why, in one line" "$out" "cannot write there"
}

# 1. a read-only bind mount, as root
if [ "$(id -u)" = 0 ] && mkdir -p "$TMP/rw" "$TMP/ro" &&
	"$R" ingest "$TMP/s.jsonl" --db "$TMP/rw/m.db" >/dev/null &&
	mount --bind "$TMP/rw" "$TMP/ro" 2>/dev/null; then
	if mount -o remount,bind,ro "$TMP/ro" 2>/dev/null; then
		EXP=$TMP/exp; mkdir -p "$EXP"
		check "no WAL files beside it" test ! -e "$TMP/rw/m.db-wal" -a ! -e "$TMP/rw/m.db-shm"
		check_fail "the mount is read-only" touch "$TMP/ro/x" 2>/dev/null
		reads "" "$TMP/ro/m.db" robind
		check "nothing written beside it" test ! -e "$TMP/rw/m.db-shm"
		# and mount --read-only of it
		if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null; then
			mkdir -p "$TMP/m"
			"$R" mount --read-only --db "$TMP/ro/m.db" "$TMP/m" 2>"$TMP/m.err"
			for _ in $(seq 50); do mountpoint -q "$TMP/m" && break; sleep 0.1; done
			check_eq "mount --read-only: the exchanges" "$(ls "$TMP/m/projects/shop/exchanges" 2>/dev/null | wc -l)" 3
			check_contains "mount --read-only: a query" "$(cat "$TMP/m/query/gateway timeout" 2>&1)" "projects/shop/exchanges/"
			fusermount3 -u "$TMP/m" 2>/dev/null
			check_eq "mount --read-only: nothing said" "$(cat "$TMP/m.err")" ""
		else
			skip "mount --read-only of it" "no /dev/fuse or fusermount3"
		fi
	else
		skip "read-only bind mount" "remount,ro not permitted here"
	fi
	umount "$TMP/ro"
else
	skip "read-only bind mount" "needs root and mount --bind"
fi

# 2. chmod 555 and a user the modes apply to
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	top=$(mktemp -d /tmp/recallfs-ro.XXXXXX)
	chmod 755 "$top"
	mkdir "$top/mem" "$top/exp"
	chown nobody "$top/mem" "$top/exp"
	cp "$TMP/s.jsonl" "$TMP/q.jsonl" "$top/"
	chmod 644 "$top/s.jsonl" "$top/q.jsonl"
	if setpriv --reuid=nobody --regid=nogroup --clear-groups "$R" ingest "$top/s.jsonl" --db "$top/mem/m.db" >/dev/null 2>&1; then
		chmod 555 "$top/mem"
		TMPQ=$TMP; TMP=$top; EXP=$top/exp
		nob=$(id -u nobody)
		reads "$nob" "$top/mem/m.db" chmod555
		TMP=$TMPQ
		check_eq "nothing written beside it" "$(ls "$top/mem")" "m.db"
	else
		skip "chmod 555" "user nobody cannot run $R here"
	fi
	chmod 755 "$top/mem"
	rm -rf "$top"
else
	skip "chmod 555 as another user" "needs root, setpriv and user nobody"
fi
finish

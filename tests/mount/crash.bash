# crash.bash: transcripts and checks shared by the crash and concurrency
# tests (sourced after tests/lib.sh and tests/mount/mount.bash).
#
#   make_corpus DIR N [nogrow]  N transcripts (Claude JSONL, chat JSON,
#                         text), all different; every 10th is a shorter
#                         prefix of the next (a session that grew) unless
#                         nogrow; some are 100+ KB
#   exchange_set DB       the exchanges as "project conv plies hash" lines
#   sound DB              PRAGMA integrity_check and FTS5 integrity-check
#   wait_drained M SECS   until inbox/ of mount M holds no queued file
#   half_ingested DB REF...  conversations of DB whose exchanges equal
#                         those of the same conversation in none of the REF
#                         databases (a conversation is all in or not at all)

# A Claude Code session: id, cwd, turns, words of padding per answer.
crash_claude() {
	local sid=$1 cwd=$2 n=$3 pad=$4 i parent=null filler=""
	[ "$pad" -gt 0 ] && filler=$(seq -s ' ' 1 "$pad")
	for i in $(seq 1 "$n"); do
		printf '{"type":"user","uuid":"%s-u%d","parentUuid":%s,"sessionId":"%s","cwd":"%s","timestamp":"2026-05-01T09:%02d:00Z","message":{"role":"user","content":"%s turn %d: the nightly export job of %s fails with error code E%d%d after %d retries"}}\n' \
			"$sid" "$i" "$parent" "$sid" "$cwd" "$i" "$sid" "$i" "$sid" "$i" "$n" "$((i + 2))"
		printf '{"type":"assistant","uuid":"%s-a%d","parentUuid":"%s-u%d","sessionId":"%s","cwd":"%s","timestamp":"2026-05-01T09:%02d:30Z","message":{"id":"msg-%s-%d","role":"assistant","content":[{"type":"text","text":"For %s turn %d the export job now waits %d seconds between retries in export_%d.py. %s"}]}}\n' \
			"$sid" "$i" "$sid" "$i" "$sid" "$cwd" "$i" "$sid" "$i" "$sid" "$i" "$((i * 7))" "$i" "$filler"
		parent="\"$sid-a$i\""
	done
}

crash_chat() {
	local id=$1 n=$2 i sep=""
	printf '{"conversation":"%s","messages":[' "$id"
	for i in $(seq 1 "$n"); do
		printf '%s{"role":"user","content":"%s question %d: why does the cache of %s miss after %d minutes"},' "$sep" "$id" "$i" "$id" "$((i * 5))"
		printf '{"role":"assistant","content":"%s answer %d: the TTL of the %s cache was %d seconds; raised it in cache_%d.toml"}' "$id" "$i" "$id" "$((i * 60))" "$i"
		sep=","
	done
	printf ']}\n'
}

crash_text() {
	local id=$1 n=$2 i
	for i in $(seq 1 "$n"); do
		printf 'User: %s note %d: how do I rotate the %s logs every %d days?\n' "$id" "$i" "$id" "$i"
		printf 'Assistant: %s reply %d: use logrotate with rotate %d in /etc/logrotate.d/%s-%d.\n\n' "$id" "$i" "$((i + 3))" "$id" "$i"
	done
}

make_corpus() {
	local dir=$1 n=$2 grow=${3:-grow} k turns kind
	mkdir -p "$dir"
	for k in $(seq -w 1 "$n"); do
		turns=$((2 + 10#$k % 5))
		kind=$((10#$k % 10))
		[ "$grow" = nogrow ] && [ "$kind" = 9 -o "$kind" = 0 ] && kind=1
		case $kind in
		9)  # a session that grows: this one is a prefix of the next
			crash_claude "grow-$k" "/home/dev/proj$((10#$k % 3))" 2 0 \
				>"$dir/t$k.jsonl" ;;
		0)  crash_claude "grow-$(printf '%02d' $((10#$k - 1)))" \
				"/home/dev/proj$(((10#$k - 1) % 3))" 5 0 >"$dir/t$k.jsonl" ;;
		3)  crash_chat "chat-$k" "$turns" >"$dir/t$k.json" ;;
		6)  crash_text "text-$k" "$turns" >"$dir/t$k.md" ;;
		4)  crash_claude "big-$k" "/home/dev/proj$((10#$k % 3))" "$turns" 4000 \
				>"$dir/t$k.jsonl" ;;
		*)  crash_claude "sess-$k" "/home/dev/proj$((10#$k % 3))" "$turns" 0 \
				>"$dir/t$k.jsonl" ;;
		esac
	done
}

exchange_set() {
	sqlite3 "$1" "SELECT p.name, c.key, e.ply_start, e.ply_end, e.hash
		FROM exchanges e JOIN conversations c ON c.id = e.conversation_id
		JOIN projects p ON p.id = e.project_id ORDER BY 1, 2, 3, 4"
}

sound() {
	local out
	out=$(sqlite3 "$1" "PRAGMA integrity_check;
		INSERT INTO fts_verbatim(fts_verbatim) VALUES('integrity-check');
		INSERT INTO fts_distilled(fts_distilled) VALUES('integrity-check');
		SELECT count(*) = (SELECT count(*) FROM fts_verbatim) FROM exchanges;" 2>&1)
	[ "$out" = $'ok\n1' ] || { echo "unsound $1: $out" >&2; return 1; }
}

wait_drained() {
	local m=$1 secs=${2:-120} i
	for i in $(seq $((secs * 10))); do
		if ! find "$m/inbox" -path "$m/inbox/failed" -prune -o -type f \
			-print 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	echo "inbox of $m not drained after $secs s:" >&2
	find "$m/inbox" >&2
	return 1
}

half_ingested() {
	local db=$1 c r mine ok i=0
	shift
	exchange_set "$db" >"$TMP/hi.db"
	rm -f "$TMP"/hi.ref*
	for r in "$@"; do exchange_set "$r" >"$TMP/hi.ref$i"; i=$((i + 1)); done
	for c in $(cut -d'|' -f2 "$TMP/hi.db" | sort -u); do
		mine=$(awk -F'|' -v c="$c" '$2 == c' "$TMP/hi.db") ok=0
		for r in "$TMP"/hi.ref*; do
			[ "$mine" = "$(awk -F'|' -v c="$c" '$2 == c' "$r")" ] && ok=1
		done
		[ $ok = 1 ] || echo "$c"
	done
}

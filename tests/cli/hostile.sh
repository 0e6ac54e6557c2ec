#!/bin/bash
# hostile.sh: the hostile-input suite (issue 7).  Every input here is built
# at test time in $TMP (big ones too, never committed).  For each case the
# CLI must give a clear one-line error (exit 1, one stderr line naming the
# input) or a correct result, never a crash or a hang, and the memory must
# not change: a fingerprint of the database (every exchange's project,
# conversation, plies, hash and fields, the row counts of every table, and
# SQLite's and FTS5's integrity checks) is compared before and after.
#
# Cases: empty, whitespace, binary, NUL bytes, invalid UTF-8 (file and
# text), a 100 MB single line (text and JSONL), a transcript past 256 MB,
# JSON nested 100,000 deep (document and JSONL), huge numbers, every field
# of the wrong type (Claude, Codex, chat), duplicate / cyclic / self
# parentUuid chains, missing parents, a million one-byte lines, a million
# plies, a bad line in the middle, a cut-short last line, lines that are
# JSON but not objects, file names with a newline, 255 bytes, non-UTF-8,
# `..` and `/` in project names (option and cwd), FTS5 syntax, `..` and `/`
# in queries, over-long and malformed queries.  Mount-level cases (inbox
# files deleted or truncated while read) are in tests/mount/hostile.sh.
. "$(dirname "$0")/../lib.sh"

DB=$RECALLFS_DB
STDERR=$TMP/stderr

# The database as text: content, counts, integrity.  Equal before and after
# means nothing in the memory changed.
fingerprint() {
	local db=${1:-$DB}
	sqlite3 "$db" "
		SELECT p.name, c.key, c.nplies, e.ply_start, e.ply_end, e.hash,
		       e.slug, e.core, e.context, e.state, e.distiller
		FROM exchanges e JOIN conversations c ON c.id = e.conversation_id
		JOIN projects p ON p.id = e.project_id ORDER BY e.id;
		SELECT 'projects', count(*) FROM projects;
		SELECT 'conversations', count(*) FROM conversations;
		SELECT 'rooms', count(*) FROM rooms;
		SELECT 'exchange_rooms', count(*) FROM exchange_rooms;
		SELECT 'files', count(*) FROM exchange_files;
		SELECT 'vectors', count(*) FROM vectors;
		PRAGMA integrity_check;
		INSERT INTO fts_verbatim(fts_verbatim) VALUES('integrity-check');
		INSERT INTO fts_distilled(fts_distilled) VALUES('integrity-check');
		SELECT 'fts ok';" 2>&1 | md5sum
}

# A Claude Code session: $1 session id, $2 cwd, $3 turns.
claude() {
	local sid=$1 cwd=$2 n=$3 i parent=null
	for i in $(seq 1 "$n"); do
		printf '{"type":"user","uuid":"%s-u%d","parentUuid":%s,"sessionId":"%s","cwd":"%s","timestamp":"2026-03-01T10:%02d:00Z","message":{"role":"user","content":"Turn %d: the upload job hits a timeout in uploader.c after 30 seconds, please find out why"}}\n' "$sid" "$i" "$parent" "$sid" "$cwd" "$i" "$i"
		printf '{"type":"assistant","uuid":"%s-a%d","parentUuid":"%s-u%d","sessionId":"%s","cwd":"%s","timestamp":"2026-03-01T10:%02d:30Z","message":{"id":"msg_%s_%d","role":"assistant","content":[{"type":"text","text":"Turn %d: raised the upload timeout to 90 seconds in uploader.c and added a retry with backoff."}]}}\n' "$sid" "$i" "$sid" "$i" "$sid" "$cwd" "$i" "$sid" "$i" "$i"
		parent="\"$sid-a$i\""
	done
}

# The baseline memory every failing case must leave untouched.
claude base-1 /home/dev/uploader 3 >"$TMP/base.jsonl"
printf 'User: how do I rotate the nginx logs every day on the web host?\nAssistant: Use logrotate with a daily stanza in /etc/logrotate.d/nginx and copytruncate.\nUser: and keep two weeks of them, compressed?\nAssistant: Add rotate 14 and compress to the same stanza and reload.\n' >"$TMP/base.md"
check "baseline ingest" "$R" ingest "$TMP/base.jsonl" "$TMP/base.md" >/dev/null
BASE=$(fingerprint)
check "baseline has exchanges" test "$(sqlite3 "$DB" 'SELECT count(*) FROM exchanges')" -ge 4

no_sanitizer() { ! grep -qE 'Sanitizer|runtime error:|^ *#[0-9]+ 0x' "$STDERR"; }

# refused DESC SHOWN-NAME [ingest args...]: exit 1, exactly one stderr line
# "recallfs: SHOWN-NAME: why", the memory unchanged.
refused() {
	local d=$1 shown=$2 rc; shift 2
	timeout 120 "$R" ingest "$@" >/dev/null 2>"$STDERR"; rc=$?
	check_eq "$d: exit 1" "$rc" 1
	check_eq "$d: one stderr line" "$(wc -l <"$STDERR")" 1
	check_contains "$d: names the input" "$(head -n 1 "$STDERR")" "recallfs: $shown: "
	check "$d: no sanitizer report" no_sanitizer
	check_eq "$d: memory unchanged" "$(fingerprint)" "$BASE"
	[ "$rc" = 1 ] || cat "$STDERR" >&2
}

# accepted DESC N FILE [ingest args...]: exit 0, nothing on stderr, N
# exchanges added, into a fresh database (the baseline stays as it is).
accepted() {
	local d=$1 n=$2 out rc; shift 2
	out=$(RECALLFS_DB=$TMP/accepted.db timeout 120 "$R" ingest "$@" 2>"$STDERR"); rc=$?
	check_eq "$d: exit 0" "$rc" 0
	check_eq "$d: quiet" "$(cat "$STDERR")" ""
	check_contains "$d: $n exchanges" "$out" ", $n exchanges added"
	check "$d: integrity" test "$(sqlite3 "$TMP/accepted.db" 'PRAGMA integrity_check')" = ok
	rm -f "$TMP"/accepted.db*
}

# 1-3. empty, whitespace only, binary
: >"$TMP/empty.jsonl"
refused "empty file" "$TMP/empty.jsonl" "$TMP/empty.jsonl"
printf ' \n\t\r\n  \n' >"$TMP/blank.jsonl"
refused "whitespace only" "$TMP/blank.jsonl" "$TMP/blank.jsonl"
seq 1 20000 | gzip -n >"$TMP/binary.jsonl"
refused "binary" "$TMP/binary.jsonl" "$TMP/binary.jsonl"
check_contains "binary: says binary" "$(cat "$STDERR")" "binary"

# 4. NUL bytes inside an otherwise valid session: refused as binary
claude nul-1 /home/dev/nul 2 | sed '2s/upload/up\x00load/' >"$TMP/nul.jsonl"
check "NUL fixture holds a NUL" test "$(tr -dc '\000' <"$TMP/nul.jsonl" | wc -c)" -ge 1
refused "NUL bytes" "$TMP/nul.jsonl" "$TMP/nul.jsonl"

# 5. invalid UTF-8 in message text: read, stored as valid UTF-8 (U+FFFD)
claude utf-1 /home/dev/utf 2 | sed 's/upload job/upload \xff\xfe\xc3 job/' >"$TMP/badutf.jsonl"
RECALLFS_DB=$TMP/utf.db "$R" ingest "$TMP/badutf.jsonl" >/dev/null 2>"$STDERR"
check_eq "invalid UTF-8 text: ingested" "$?" 0
check_eq "invalid UTF-8 text: stored as UTF-8" "$(sqlite3 "$TMP/utf.db" 'SELECT verbatim FROM exchanges' | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; echo $?)" 0
check_contains "invalid UTF-8 text: U+FFFD" "$(sqlite3 "$TMP/utf.db" 'SELECT verbatim FROM exchanges')" $'\xef\xbf\xbd'

# 6. a whole Latin-1 text transcript (not UTF-8): read, cleaned
printf 'User: the caf\xe9 menu page shows garbage for cr\xe8me br\xfbl\xe9e in the browser\nAssistant: The page is Latin-1; I set charset=utf-8 in the template header.\nUser: and the PDF export of the same menu?\nAssistant: Same fix in pdf_export.py, it now writes UTF-8 too.\n' >"$TMP/latin1.txt"
accepted "Latin-1 text" 2 "$TMP/latin1.txt"

# 7. a 100 MB single line: JSONL (past the 64 MB line limit) and text
{ printf '{"type":"user","sessionId":"big","uuid":"u1","message":{"role":"user","content":"'
  head -c 100000000 /dev/zero | tr '\0' a; printf '"}}\n'; } >"$TMP/line100.jsonl"
refused "100 MB JSONL line" "$TMP/line100.jsonl" "$TMP/line100.jsonl"
check_contains "100 MB JSONL line: names the limit" "$(cat "$STDERR")" "64 MB line limit"
rm -f "$TMP/line100.jsonl"
head -c 100000000 /dev/zero | tr '\0' a >"$TMP/line100.txt"
refused "100 MB text line" "$TMP/line100.txt" "$TMP/line100.txt"
rm -f "$TMP/line100.txt"

# 7b. one exchange past the 64 MB exchange-text limit (a 70 MB turn)
{ printf 'User: '; head -c 70000000 /dev/zero | tr '\0' a
  printf '\nAssistant: a long line of the letter a, nothing to fix in it here\n'
  printf 'User: and the retry cap of the nightly upload job, what is it now?\n'
  printf 'Assistant: the retry cap is five with two seconds of jittered backoff\n'; } >"$TMP/turn70.txt"
refused "a 70 MB turn" "$TMP/turn70.txt" "$TMP/turn70.txt"
rm -f "$TMP/turn70.txt"

# 8. a transcript past the 256 MB limit (sparse: costs no disk)
truncate -s 300M "$TMP/huge.jsonl"
refused "300 MB transcript" "$TMP/huge.jsonl" "$TMP/huge.jsonl"
check_contains "300 MB transcript: names the limit" "$(cat "$STDERR")" "256 MB"
rm -f "$TMP/huge.jsonl"

# 9-10. JSON nested 100,000 deep: a document, and inside a Claude line
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$TMP/deep.json"
refused "nested 100000 deep" "$TMP/deep.json" "$TMP/deep.json"
check_contains "nested: names the limit" "$(cat "$STDERR")" "nested deeper than 512"
{ claude deep-1 /home/dev/deep 2
  printf '{"type":"user","uuid":"x","sessionId":"deep-1","message":{"role":"user","content":'
  head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}}\n'
  claude deep-1 /home/dev/deep 1 | head -n 1; } >"$TMP/deep.jsonl"
refused "nested line in JSONL" "$TMP/deep.jsonl" "$TMP/deep.jsonl"
printf '{"messages": %s%s}\n' "$(head -c 100000 /dev/zero | tr '\0' '[')" "$(head -c 100000 /dev/zero | tr '\0' ']')" >"$TMP/deepchat.json"
refused "nested chat document" "$TMP/deepchat.json" "$TMP/deepchat.json"

# 11. huge numbers: times of 1e999, -1e999, 10^26, a date of 9999-99-99
claude num-1 /home/dev/num 2 | sed -e '1s/"2026-03-01T10:01:00Z"/1e999/' \
	-e '2s/"2026-03-01T10:01:30Z"/-1e999/' \
	-e '3s/"2026-03-01T10:02:00Z"/99999999999999999999999999/' \
	-e '4s/"2026-03-01T10:02:30Z"/"9999-99-99T99:99:99Z"/' \
	-e 's/"parentUuid":null/"parentUuid":1e308/' >"$TMP/numbers.jsonl"
accepted "huge numbers" 2 "$TMP/numbers.jsonl"

# 12-14. every field of the wrong type: a template per format whose every
# value is a placeholder @X@; one file per placeholder and wrong value (the
# other placeholders good).  Each is read (the field ignored) or refused
# with one line; never a crash, never more than one line.
# wt FMT TEMPLATE GOOD: GOOD holds one "@X@|good value" per line.  All the
# files go to one ingest: exit 0 or 1, at most one stderr line per file and
# each naming its file.
wt() {
	local fmt=$1 tpl=$2 good=$3 n=0 p v rc
	local dir=$TMP/wt-$fmt
	sed 's/^\(@[A-Z0-9]*@\)|\(.*\)$/s|\1|\2|g/' "$good" >"$TMP/all.sed"
	sed -f "$TMP/all.sed" "$tpl" >"$TMP/$fmt.good"
	accepted "$fmt template is a good transcript" 2 "$TMP/$fmt.good"
	mkdir -p "$dir"
	for p in $(cut -d'|' -f1 "$good"); do
		grep -v "^s|$p|" "$TMP/all.sed" >"$TMP/other.sed"
		for v in '{}' '[]' '0' '-1' '1e400' 'true' 'null' '"x"' '""' \
			 '[[[{}]]]' '{"text":{"text":[1]}}' '"\\u0000\\ud800"'; do
			n=$((n + 1))
			sed -f "$TMP/other.sed" "$tpl" | sed "s|$p|$v|g" >"$dir/$n.json"
		done
	done
	RECALLFS_DB=$TMP/wt.db timeout 300 "$R" ingest "$dir"/*.json >/dev/null 2>"$STDERR"; rc=$?
	check "$fmt: every field of the wrong type ($n files): exit 0 or 1" test "$rc" -le 1
	check "$fmt: wrong types: no sanitizer report" no_sanitizer
	check "$fmt: wrong types: at most one line per file" test "$(wc -l <"$STDERR")" -le "$n"
	check_eq "$fmt: wrong types: every line names its file" \
		"$(grep -vc "^recallfs: $dir/[0-9]*.json: [^ ]" "$STDERR")" 0
	[ "$rc" -le 1 ] || tail -n 20 "$STDERR" >&2
	check_eq "$fmt: wrong types leave a sound database" "$(sqlite3 "$TMP/wt.db" 'PRAGMA integrity_check')" ok
	rm -rf "$TMP"/wt.db* "$dir"
}
cat >"$TMP/claude.tpl" <<'EOF'
{"type":@T1@,"uuid":@U1@,"parentUuid":@P1@,"sessionId":@S@,"cwd":@CWD@,"timestamp":@TS@,"isSidechain":@SC@,"isMeta":@META@,"agentId":@AG@,"message":{"role":@R1@,"content":@C1@}}
{"type":"assistant","uuid":"a1","parentUuid":"u1","sessionId":"wt-1","cwd":"/w","timestamp":"2026-03-01T10:00:30Z","message":{"id":@MID@,"role":"assistant","model":@MODEL@,"content":[{"type":@BT@,"text":@BX@},{"type":"tool_use","id":@TID@,"name":@TN@,"input":@TIN@}]}}
{"type":"user","uuid":"u2","parentUuid":"a1","sessionId":"wt-1","toolUseResult":@TUR@,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":@TRID@,"is_error":@TERR@,"content":@TRC@}]}}
{"type":"user","uuid":"u3","parentUuid":"u2","sessionId":"wt-1","message":{"role":"user","content":"and now also check the retry path of the upload job please"}}
{"type":"assistant","uuid":"a3","parentUuid":"u3","sessionId":"wt-1","message":{"id":"m3","role":"assistant","content":[{"type":"text","text":"The retry path now waits 2 seconds, doubling up to 5 tries."}]}}
{"type":"summary","summary":@SUM@,"leafUuid":@LEAF@}
EOF
cat >"$TMP/claude.val" <<'EOF'
@T1@|"user"
@U1@|"u1"
@P1@|null
@S@|"wt-1"
@CWD@|"/w"
@TS@|"2026-03-01T10:00:00Z"
@SC@|false
@META@|false
@AG@|"x1"
@R1@|"user"
@C1@|"the upload job times out in uploader.c after 30 seconds"
@MID@|"m1"
@MODEL@|"m"
@BT@|"text"
@BX@|"I will read uploader.c first and then run the tests."
@TID@|"t1"
@TN@|"Read"
@TIN@|{"file_path":"/w/uploader.c","command":"make test"}
@TUR@|{}
@TRID@|"t1"
@TERR@|false
@TRC@|"ok"
@SUM@|"s"
@LEAF@|"a3"
EOF
wt claude "$TMP/claude.tpl" "$TMP/claude.val"

cat >"$TMP/codex.tpl" <<'EOF'
{"timestamp":@TS@,"type":@T0@,"payload":{"id":@ID@,"timestamp":"2026-03-01T10:00:00Z","cwd":@CWD@,"originator":"codex_cli_rs","cli_version":"0.1"}}
{"timestamp":"2026-03-01T10:00:01Z","type":"response_item","payload":{"type":@PT@,"role":@ROLE@,"content":[{"type":@CT@,"text":@TEXT@}]}}
{"timestamp":"2026-03-01T10:00:02Z","type":"response_item","payload":{"type":"function_call","name":@FN@,"arguments":@ARGS@,"call_id":@CID@}}
{"timestamp":"2026-03-01T10:00:03Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":@OUT@}}
{"timestamp":"2026-03-01T10:00:04Z","type":"response_item","payload":{"type":"message","role":"assistant","content":@AC@}}
{"timestamp":"2026-03-01T10:00:05Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"and the retry path of the upload job, please check it too"}]}}
{"timestamp":"2026-03-01T10:00:06Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"The retry path now waits 2 seconds, doubling up to 5 tries."}]}}
{"timestamp":"2026-03-01T10:00:07Z","type":"event_msg","payload":@EV@}
EOF
cat >"$TMP/codex.val" <<'EOF'
@TS@|"2026-03-01T10:00:00Z"
@T0@|"session_meta"
@ID@|"0199-wt"
@CWD@|"/w/uploader"
@PT@|"message"
@ROLE@|"user"
@CT@|"input_text"
@TEXT@|"the upload job times out in uploader.c after 30 seconds"
@FN@|"shell"
@ARGS@|"{\\"command\\":[\\"make\\",\\"test\\"]}"
@CID@|"c1"
@OUT@|"{\\"output\\":\\"ok\\",\\"metadata\\":{\\"exit_code\\":0}}"
@AC@|[{"type":"output_text","text":"Raised the upload timeout to 90 seconds in uploader.c."}]
@EV@|{"type":"token_count"}
EOF
wt codex "$TMP/codex.tpl" "$TMP/codex.val"

cat >"$TMP/chat.tpl" <<'EOF'
{"conversation":@CONV@,"title":@TITLE@,"project":@PROJ@,"messages":[
 {"role":@R1@,"content":@C1@,"timestamp":@TS@,"id":@MID@},
 {"role":"assistant","content":[{"type":@BT@,"text":@BX@}]},
 {"role":"user","content":"and the retry path of the upload job, please check it too"},
 {"role":"assistant","content":"The retry path now waits 2 seconds, doubling up to 5 tries."}]}
EOF
cat >"$TMP/chat.val" <<'EOF'
@CONV@|"wt-chat"
@TITLE@|"uploads"
@PROJ@|"uploader"
@R1@|"user"
@C1@|"the upload job times out in uploader.c after 30 seconds"
@TS@|"2026-03-01T10:00:00Z"
@MID@|"m1"
@BT@|"text"
@BX@|"Raised the upload timeout to 90 seconds in uploader.c."
EOF
wt chat "$TMP/chat.tpl" "$TMP/chat.val"

# 15-18. parentUuid chains: duplicate uuids, a cycle, a self-parent, parents
# that are missing.  Each reads in bounded time, each exchange once.
claude dup-1 /home/dev/dup 2 >"$TMP/dup.jsonl"
cat "$TMP/dup.jsonl" "$TMP/dup.jsonl" >"$TMP/dup2.jsonl"      # every line twice
accepted "duplicate uuids" 2 "$TMP/dup2.jsonl"
claude cyc-1 /home/dev/cyc 2 | sed '1s/"parentUuid":null/"parentUuid":"cyc-1-a2"/' >"$TMP/cycle.jsonl"
accepted "cyclic parentUuid chain" 2 "$TMP/cycle.jsonl"
claude self-1 /home/dev/self 2 | sed 's/"parentUuid":"[^"]*"/"parentUuid":"self-1-u1"/; 1s/"parentUuid":null/"parentUuid":"self-1-u1"/' >"$TMP/self.jsonl"
accepted "self-parent chain" 2 "$TMP/self.jsonl"
claude miss-1 /home/dev/miss 2 | sed 's/"parentUuid":"[^"]*"/"parentUuid":"nowhere"/' >"$TMP/missing.jsonl"
accepted "missing parents" 2 "$TMP/missing.jsonl"

# 19. a million one-byte lines (each "a"): no speaker turns
yes a | head -n 1000000 >"$TMP/million.txt"
refused "a million one-byte lines" "$TMP/million.txt" "$TMP/million.txt"
# 20. a million plies (past the 200,000 plies limit of one conversation)
yes $'User: why\nAssistant: because' | head -n 1000000 >"$TMP/plies.txt"
refused "a million plies" "$TMP/plies.txt" "$TMP/plies.txt"
check_contains "a million plies: names the limit" "$(cat "$STDERR")" "200000 messages"
rm -f "$TMP/million.txt" "$TMP/plies.txt"
# 21. a million one-byte JSONL lines "1": JSON, but not a transcript
yes 1 | head -n 1000000 >"$TMP/million.jsonl"
refused "a million JSON scalars" "$TMP/million.jsonl" "$TMP/million.jsonl"
rm -f "$TMP/million.jsonl"

# 22. a bad line in the middle: refused whole, the line named
claude mid-1 /home/dev/mid 3 | sed '3s/.*/{"type":"user", oops/' >"$TMP/midbad.jsonl"
refused "bad line in the middle" "$TMP/midbad.jsonl" "$TMP/midbad.jsonl"
check_contains "bad line in the middle: line 3" "$(cat "$STDERR")" "line 3"
# 23. a cut-short last line: what precedes it is ingested, exit 1, one line
claude cut-1 /home/dev/cut 3 | head -c -40 >"$TMP/cut.jsonl"
out=$(RECALLFS_DB=$TMP/cut.db "$R" ingest "$TMP/cut.jsonl" 2>"$STDERR")
check_eq "cut-short last line: exit 1" "$?" 1
check_eq "cut-short last line: one line" "$(wc -l <"$STDERR")" 1
check_contains "cut-short last line: says so" "$(cat "$STDERR")" "truncated JSON"
# turns 1-2, and turn 3's question (its answer was the cut line)
check_contains "cut-short last line: the rest is in" "$out" "3 exchanges added"
# 24. JSONL lines that are JSON but no objects
printf '[1,2]\n"text"\nnull\n3.5\n' >"$TMP/scalars.jsonl"
refused "JSON lines that are not objects" "$TMP/scalars.jsonl" "$TMP/scalars.jsonl"

# 25-27. file names: a newline (the error line escapes it), 255 bytes,
# not UTF-8
nl="$TMP/a"$'\n'"b.jsonl"
: >"$nl"
refused "file name with a newline" "$TMP/a\\nb.jsonl" "$nl"
claude nl-1 /home/dev/nl 2 >"$nl"
accepted "good file with a newline in its name" 2 "$nl"
long=$(printf 'n%.0s' $(seq 1 249)).jsonl
check_eq "255-byte name" "${#long}" 255
claude long-1 /home/dev/long 2 >"$TMP/$long"
accepted "255-byte file name" 2 "$TMP/$long"
: >"$TMP/$long"
refused "255-byte file name, empty" "$TMP/$long" "$TMP/$long"
raw="$TMP/caf"$'\xe9'".jsonl"
claude raw-1 /home/dev/raw 2 >"$raw"
accepted "non-UTF-8 file name" 2 "$raw"
mkdir -p "$TMP/dir"$'\n'"x"
claude dir-1 /home/dev/dir 2 >"$TMP/dir"$'\n'"x/s.jsonl"
accepted "directory with a newline in its name" 2 "$TMP/dir"$'\n'"x"

# 28-32. project names with '..' and '/': refused as options; from a
# transcript's cwd they become a safe name
for p in .. . ../etc a/b /abs "" $'a\nb'; do
	"$R" ingest --project "$p" "$TMP/base.md" >/dev/null 2>"$STDERR"
	check_eq "project '$p' refused" "$?" 1
	check_eq "project '$p': one line" "$(wc -l <"$STDERR")" 1
	check_eq "project '$p': memory unchanged" "$(fingerprint)" "$BASE"
done
for cwd in /home/dev/.. / /.. '../../etc' '/x/.\/' '/home/dev/a\nb'; do
	claude cwd-1 "$cwd" 2 >"$TMP/cwd.jsonl"
	RECALLFS_DB=$TMP/cwd.db "$R" ingest "$TMP/cwd.jsonl" >/dev/null 2>"$STDERR"
	check_eq "cwd '$cwd': ingested" "$?" 0
	name=$(sqlite3 "$TMP/cwd.db" 'SELECT name FROM projects')
	case $name in
	""|.|..|*/*|*$'\n'*) bad "cwd '$cwd' gave project name '$name'" ;;
	*) ok ;;
	esac
	rm -f "$TMP"/cwd.db*
done

# 33. a path that is not there, a directory of non-transcripts
"$R" ingest "$TMP/nothing-here" >/dev/null 2>"$STDERR"
check_eq "missing path: exit 1" "$?" 1
check_eq "missing path: one line" "$(wc -l <"$STDERR")" 1
mkdir -p "$TMP/junk"; seq 1 100 >"$TMP/junk/numbers"; cp "$TMP/binary.jsonl" "$TMP/junk/"
mkfifo "$TMP/junk/fifo"; ln -s "$TMP/junk" "$TMP/junk/loop"
out=$(timeout 60 "$R" ingest "$TMP/junk" 2>"$STDERR")
check_eq "directory of junk, a FIFO, a symlink loop: exit 0" "$?" 0
check_contains "directory of junk: nothing added" "$out" "0 exchanges added"
check_eq "directory of junk: memory unchanged" "$(fingerprint)" "$BASE"

# 34-40. queries: FTS5 syntax is only words; '..' and '/' are only words;
# malformed queries give one line on stderr and exit 1
for q in 'NEAR(timeout upload)' 'timeout*' '^timeout' 'verbatim:timeout' \
	 'timeout AND' 'OR timeout' 'NOT timeout' '(timeout' 'timeout)' \
	 '"timeout' '{verbatim}: timeout' 'timeout + upload' \
	 'time"out' "timeout'" 'timeout;DROP TABLE exchanges' \
	 '../../etc/passwd timeout' '/ timeout' 'project:../x timeout' \
	 'project:/ timeout' 'room:../.. timeout' 'file:../../x timeout'; do
	out=$("$R" query -- "$q" 2>"$STDERR"); rc=$?
	check_eq "query '$q': exit 0" "$rc" 0
	check_eq "query '$q': nothing on stderr" "$(cat "$STDERR")" ""
	check_contains "query '$q': a result header" "$(head -n 1 <<<"$out")" "# query: "
done
check_contains "FTS5 syntax still finds" "$("$R" query -- 'NEAR(timeout upload)')" "exchanges/"
check_eq "queries change nothing" "$(fingerprint)" "$BASE"
for q in "$(head -c 5000 /dev/zero | tr '\0' a)" $'time\xffout' '' '   ' \
	 '"""' '"" ""' 'limit:0 x' 'limit:99999999999999999999 x' 'limit:-1 x' \
	 'since:2026-02-30 x' 'until:99999-01-01 x' 'mode:nope x' 'project: x' \
	 "$(printf 'w%d ' $(seq 1 100))"; do
	"$R" query -- "$q" >/dev/null 2>"$STDERR"; rc=$?
	check_eq "bad query '${q:0:40}': exit 1" "$rc" 1
	check_eq "bad query '${q:0:40}': one line" "$(wc -l <"$STDERR")" 1
done
out=$("$R" query --json -- 'mode:nope x' 2>&1 >/dev/null)
check_contains "bad query as JSON: an error object on stderr" "$out" '{"error":'

check_eq "memory unchanged at the end" "$(fingerprint)" "$BASE"
finish

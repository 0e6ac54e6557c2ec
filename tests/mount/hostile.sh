#!/bin/bash
# hostile.sh: hostile input at the mount (the CLI cases are in
# tests/cli/hostile.sh).  Through inbox/: empty (held, not failed), binary, NUL bytes, JSON
# nested 100,000 deep, a 65 MB line, a bad middle line, odd names (a
# newline, 255 bytes, not UTF-8, too long); an inbox file deleted while it
# is ingested and while it is written; truncated while queued and while
# written.  Query names: malformed, FTS5 syntax, '/', 255 bytes, and a
# --project mount's query naming another project.  Each failure lands in
# inbox/failed/ with a one-line .error (or a call fails with an errno), the
# daemon keeps serving, no conversation is half ingested, and the memory
# outside what was fed is unchanged.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse

M=$TMP/m
crash_claude base-1 /home/dev/base 3 0 >"$TMP/base.jsonl"
check "baseline ingest" "$R" ingest "$TMP/base.jsonl" >/dev/null
BASE=$(exchange_set "$RECALLFS_DB")

# waits until inbox/failed/$1.error exists (60 s)
failed_soon() {
	for _ in $(seq 600); do
		[ -e "$M/inbox/failed/$1.error" ] && return 0
		sleep 0.1
	done
	return 1
}
# fail_in NAME DESC: feeding $TMP/in as inbox/NAME lands in failed/ with a
# one-line .error
fail_in() {
	local name=$1 d=$2 err
	check "$d: written" cp "$TMP/in" "$M/inbox/$name"
	check "$d: lands in inbox/failed" failed_soon "$name"
	err=$(cat "$M/inbox/failed/$name.error" 2>/dev/null)
	check_eq "$d: a one-line .error" "$(printf '%s\n' "$err" | wc -l)" 1
	check "$d: the .error says something" test -n "$err"
	check_contains "$d: the bytes are kept" "$(cmp "$TMP/in" "$M/inbox/failed/$name" && echo same)" same
}

mnt "$M"
# 1-6. bad transcripts through the inbox; an empty file is no transcript
# to fail: it waits, listed, until written or removed (an editor's probe)
: >"$TMP/in"
check "empty: written" cp "$TMP/in" "$M/inbox/empty.jsonl"
sleep 1.5
check "empty: held, still listed" test -f "$M/inbox/empty.jsonl"
check_fail "empty: not failed" test -e "$M/inbox/failed/empty.jsonl"
check "empty: removable" rm "$M/inbox/empty.jsonl"
seq 1 20000 | gzip -n >"$TMP/in"; fail_in binary.jsonl "binary"
crash_claude nul-1 /home/dev/nul 2 0 | sed '2s/export/ex\x00port/' >"$TMP/in"; fail_in nul.jsonl "NUL bytes"
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$TMP/in"
fail_in deep.json "nested 100000 deep"
check_contains "nested: names the limit" "$(cat "$M/inbox/failed/deep.json.error")" "nested deeper"
{ printf '{"type":"user","sessionId":"big","uuid":"u1","message":{"role":"user","content":"'
  head -c 70000000 /dev/zero | tr '\0' a; printf '"}}\n'; } >"$TMP/in"
fail_in line.jsonl "a 70 MB line"
check_contains "70 MB line: names the limit" "$(cat "$M/inbox/failed/line.jsonl.error")" "64 MB line limit"
crash_claude mid-1 /home/dev/mid 3 0 | sed '3s/.*/{"type":"user", oops/' >"$TMP/in"
fail_in mid.jsonl "a bad middle line"
rm -f "$TMP/in"

# 7-10. names: a newline, 255 bytes, not UTF-8, 256 bytes
seq 1 100 | gzip -n >"$TMP/in"; fail_in $'new\nline.jsonl' "a newline in the name"
# (the spool keeps "SEQ.NAME": names up to 234 bytes, longer ones are
# refused with ENAMETOOLONG when created)
long=$(printf 'n%.0s' $(seq 1 228)).jsonl
crash_claude long-1 /home/dev/long 2 0 >"$TMP/long"
check "a 234-byte name is written" cp "$TMP/long" "$M/inbox/$long"
check_fail "a 235-byte name is refused" cp "$TMP/long" "$M/inbox/x$long" 2>/dev/null
long=$(printf 'n%.0s' $(seq 1 249)).jsonl
crash_claude raw-1 /home/dev/raw 2 0 >"$TMP/raw"
check "a non-UTF-8 name is written" cp "$TMP/raw" "$M/inbox/caf"$'\xe9'".jsonl"
check_fail "a 256-byte name is refused (kernel)" cp "$TMP/raw" "$M/inbox/x$long" 2>/dev/null
check_fail "no project dir with a newline" mkdir "$M/inbox/a"$'\n'"b" 2>/dev/null
check_fail "no folders deeper than 8" mkdir -p "$M/inbox/p/1/2/3/4/5/6/7/8" 2>/dev/null
check_fail "no write into failed/" cp "$TMP/raw" "$M/inbox/failed/x.jsonl" 2>/dev/null
check_fail "no write outside the inbox" cp "$TMP/raw" "$M/projects/x.jsonl" 2>/dev/null
check "the good ones drain" wait_drained "$M" 60

# 11. deleted while being ingested: all in or nothing, never half
{ printf 'User: '; head -c 20000000 /dev/zero | tr '\0' a
  printf ' end\nAssistant: a long line of the letter a, nothing to fix in it here\n'
  printf 'User: and the retry cap of the nightly upload job, what is it now?\n'
  printf 'Assistant: the retry cap is five with two seconds of jittered backoff\n'; } >"$TMP/big.txt"
check "big transcript written" cp "$TMP/big.txt" "$M/inbox/"
for _ in $(seq 50); do grep -q 'inbox_ingesting.*big.txt' "$M/status" && break; sleep 0.1; done
rm -f "$M/inbox/big.txt" 2>/dev/null
check "deleted while ingested: drains" wait_drained "$M" 120
# 12. deleted while being written: refused (EBUSY) or done; never a crash
exec 3>"$M/inbox/half.jsonl"
crash_claude half-1 /home/dev/half 1 0 | head -n 1 >&3
rm "$M/inbox/half.jsonl" 2>/dev/null; rmrc=$?
crash_claude half-1 /home/dev/half 2 0 | tail -n +2 >&3
exec 3>&-
echo "deleted while written: rm exit $rmrc" >&2
check "deleted while written: drains" wait_drained "$M" 60
# 13. truncated while queued: O_TRUNC makes a new, empty copy, which waits
# (held); the first copy is ingested whole
crash_claude trunc-1 /home/dev/trunc 4 3000 >"$TMP/trunc.jsonl"
check "truncate: written" cp "$TMP/trunc.jsonl" "$M/inbox/"
: >"$M/inbox/trunc.jsonl"
for _ in $(seq 600); do grep -q '^inbox_queued	0' "$M/status" && break; sleep 0.1; done
check_eq "truncated while queued: the empty copy waits" "$(stat -c %s "$M/inbox/trunc.jsonl")" 0
check "truncated while queued: removable" rm "$M/inbox/trunc.jsonl"
check "truncated while queued: drains" wait_drained "$M" 60
# 14. truncated (truncate -s) while another writer writes
exec 3>"$M/inbox/cut.jsonl"
crash_claude cut-1 /home/dev/cut 3 0 >&3
truncate -s 100 "$M/inbox/cut.jsonl"; echo "truncate -s while written: exit $?" >&2
crash_claude cut-1 /home/dev/cut 3 0 | tail -n 1 >&3
exec 3>&-
check "truncated while written: drains" wait_drained "$M" 60
for e in "$M"/inbox/failed/*.error; do
	check_eq "${e##*/} is one line" "$(wc -l <"$e")" 1
done
check "the daemon still serves" test -s "$M/status"

# 15-20. query names
out=$(cat "$M/query/limit:0 x"); check_eq "malformed query: read" "$?" 0
check_contains "malformed query: first line says why" "$(head -n 1 <<<"$out")" "# error:"
out=$(cat "$M/query.json/mode:nope x"); check_eq "malformed JSON query: read" "$?" 0
check_contains "malformed JSON query: an error object" "$out" '"error"'
check_contains "FTS5 syntax is only words" "$(cat "$M/query/NEAR(export retries) OR *")" "# query: "
check_contains "FTS5 syntax finds" "$(cat "$M/query/NEAR(export retries) OR *")" "exchanges/"
check_fail "a query name with '/' is no file" cat "$M/query/a/b" 2>/dev/null
# (FUSE allows names past NAME_MAX: 1024 bytes, or 4095 on newer kernels)
q=$(printf 'q%.0s' $(seq 1 1024))
check_contains "a 1024-byte query name" "$(cat "$M/query/$q")" "# query: "
check_contains "a query of '..' words" "$(cat "$M/query/export .. ...")" "# query: "
check_fail "a query name starting with '.' is no file" cat "$M/query/.. ... export" 2>/dev/null
unmnt "$M"

# 21. --project: nothing reaches another project
mnt "$M" --read-only --project base
check_eq "scoped: one project" "$(ls "$M/projects")" base
check_fail "scoped: another project is no path" ls "$M/projects/long" 2>/dev/null
out=$(cat "$M/query/project:long export"; cat "$M/query/project:.. export"
      cat "$M/query.json/project:long export")
check_eq "scoped: a query naming another project finds nothing of it" \
	"$(grep -c 'projects/long\|"project":"long"' <<<"$out")" 0
check_fail "scoped: '/' in a query name is no file" cat "$M/query/project:../long export" 2>/dev/null
check_eq "scoped: symlinks stay inside" \
	"$(find "$M/projects" -type l -exec readlink -f {} + | grep -vc "^$M/projects/base/")" 0
unmnt "$M"

# What is in: the baseline untouched, every conversation all or nothing.
check "sound" sound "$RECALLFS_DB"
check_eq "baseline untouched" "$(exchange_set "$RECALLFS_DB" | grep '|base-1|')" "$BASE"
for f in "$TMP/long" "$TMP/raw" "$TMP/trunc.jsonl"; do
	RECALLFS_DB=$TMP/one.db "$R" ingest "$f" >/dev/null
	check_eq "${f##*/} ingested whole" \
		"$(exchange_set "$RECALLFS_DB" | grep -F "$(exchange_set "$TMP/one.db" | head -n 1 | cut -d'|' -f2)")" \
		"$(exchange_set "$TMP/one.db")"
	rm -f "$TMP"/one.db*
done
big=$(sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges e JOIN conversations c ON c.id = e.conversation_id WHERE c.key LIKE 'text-%'")
check "deleted while ingested: all or nothing ($big exchanges)" test "$big" = 0 -o "$big" = 2
mfinish

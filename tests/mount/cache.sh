#!/bin/bash
# cache.sh: the kernel caches the tree for long and is told of every change
# (issue 15; 12.4; 12.8; 11.5).
#   - a walk again is answered from the kernel's caches (request counts);
#   - an exchange forgotten by the CLI while mounted is gone at once, a CLI
#     ingest shows up, MEMORY.md and status follow, stat equals read;
#   - an open status or MEMORY.md keeps reading one rendering: fstat and
#     read agree on it across a change, a new open sees the new one;
#   - two appends to one inbox name a second apart (the first consumed
#     meanwhile) are ingested as written: no NUL bytes;
#   - mmap works on every kind of file (python, rg --mmap);
#   - names starting with '.' under query/ answer ENOENT and run no query;
#     grep -r, find and rg over the mount run none (status: searches);
#   - a redistill by another process while mounted (against the loopback
#     fake LLM) shows in the files the kernel had cached.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m
"$R" ingest "$FIX/claude_webapp.jsonl" "$FIX/chat_notes.json" >/dev/null
"$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null
for k in r1 r2; do
	printf 'User: please check fakellm:good.%s in the upload retry path of core/upload.c\n' $k
	printf 'Assistant: Checked fakellm:good.%s: raised RETRY_MAX from 3 to 5 in core/upload.c and reran the tests.\n\n' $k
done >"$TMP/llm.txt"
"$R" ingest --project llm "$TMP/llm.txt" >/dev/null
RECALLFS_FUSE_COUNTERS=1 mnt "$M"
st() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$M/status"; }
reqs() { st fuse_requests; }
# (reading status costs requests too: what two reads in a row cost)
a=$(reqs); b=$(reqs); self=$((b - a))

# 1. a walk again costs (almost) nothing
a=$(reqs); grep -r -c x "$M/projects" >/dev/null; b=$(reqs)
grep -r -c x "$M/projects" >/dev/null; grep -r -c x "$M/projects" >/dev/null; c=$(reqs)
grep -r -c x "$M/projects" >/dev/null; d=$(reqs)
echo "grep -r: first walk $((b - a - self)) requests, a later one $((d - c - self))" >&2
check "the first walk asks the daemon" test $((b - a - self)) -gt 50
check "a later walk is answered by the kernel (< 3 requests)" test $((d - c - self)) -lt 3
a=$(reqs); find "$M/projects" >/dev/null; b=$(reqs)
check "find after grep -r: from the kernel's caches (< 3 requests)" test $((b - a - self)) -lt 3

# 2. what another process changes shows up
X=$(ls "$M/projects/notes/exchanges" | head -n 1)
check "an exchange to forget" test -d "$M/projects/notes/exchanges/$X/"
cat "$M/projects/notes/exchanges/$X/core" >/dev/null
check "recallfs forget while mounted" "$R" forget "$X" >/dev/null
gone() { for _ in $(seq 30); do test -e "$1" || return 0; sleep 0.1; done; return 1; }
check "the forgotten exchange is gone within 3 s" gone "$M/projects/notes/exchanges/$X"
check_fail "and its files" test -e "$M/projects/notes/exchanges/$X/core"
check_fail "not listed" grep -qx "$X" <<<"$(ls "$M/projects/notes/exchanges")"
check_eq "no link to it is left" "$(find -L "$M/projects/notes" -type l 2>/dev/null | wc -l)" 0

# 3. an open rendering stays what it was; a new open sees the change
python3 - "$M/status" "$M/projects/webapp/MEMORY.md" 3<"$M/status" 4<"$M/projects/webapp/MEMORY.md" \
	>"$TMP/before" <<'EOF'
import os, sys
for fd in (3, 4):
    print(os.fstat(fd).st_size, len(os.pread(fd, 1 << 24, 0)))
EOF
exec 3<"$M/status" 4<"$M/projects/webapp/MEMORY.md"
cat >"$TMP/more.json" <<'EOF'
{"project": "webapp", "conversation": "webapp-more-1", "messages": [
 {"role": "user", "id": "w1", "content": "Add a healthcheck endpoint at /healthz returning 204."},
 {"role": "assistant", "id": "w2", "content": "Added GET /healthz returning 204 No Content in server/routes.go."},
 {"role": "user", "id": "w3", "content": "Also log every failed healthcheck with its latency."},
 {"role": "assistant", "id": "w4", "content": "Failed healthchecks now log latency_ms at warn level."}]}
EOF
check "ingest while mounted" "$R" ingest "$TMP/more.json" >/dev/null
grown() { for _ in $(seq 30); do grep -q healthz "$M/projects/webapp/MEMORY.md" && return 0; sleep 0.1; done; return 1; }
check "MEMORY.md shows the new exchange" grown
agree() { python3 -c 'import os,sys; fd=int(sys.argv[1]); print(os.fstat(fd).st_size == len(os.pread(fd, 1 << 24, 0)))' "$1"; }
check_eq "an open status: fstat = read" "$(agree 3)" True
check_eq "an open MEMORY.md: fstat = read" "$(agree 4)" True
check_fail "the open MEMORY.md is the rendering it opened" grep -q healthz /dev/fd/4
exec 3<&- 4<&-
# (status itself changes at every read here: it counts requests)
for f in "$M/projects/webapp/MEMORY.md" "$M/README.md"; do
	check_eq "stat = read: ${f#$M/}" "$(stat -c %s "$f")" "$(wc -c <"$f")"
done
check_contains "status counts the new exchanges" "$(cat "$M/status")" "exchanges	10"

# 4. an inbox name consumed between two appends
printf 'User: where do the nightly backups of the wiki go?\n\nAssistant: to s3://wiki-backups, kept for thirty days.\n' >"$TMP/t1"
printf 'User: and the staging database dumps?\n\nAssistant: to s3://db-dumps, rotated weekly by the dump job.\n' >"$TMP/t2"
check "first >>" sh -c "cat '$TMP/t1' >> '$M/inbox/t1.txt'"
check "drained" inbox_drained "$M"
sleep 1
check "second >> to the same name" sh -c "cat '$TMP/t2' >> '$M/inbox/t1.txt'"
check "drained" inbox_drained "$M"
check_eq "nothing failed" "$(ls "$M/inbox/failed" | wc -l)" 0
check_contains "the second append was ingested" "$(cat "$M/query/db-dumps rotated")" "db-dumps"

# 5. mmap of every kind of file
files=("$M/README.md" "$M/status" "$M/projects/webapp/MEMORY.md" "$M/query/retry cap"
       "$M/query.json/retry cap" "$(ls -d "$M"/projects/webapp/exchanges/*/ | head -n 1)verbatim")
check "python mmap reads what read reads" python3 - "${files[@]}" <<'EOF'
import mmap, sys
for p in sys.argv[1:]:
    with open(p, 'rb') as f:
        data = f.read()
        f.seek(0)
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            assert m[:] == data and len(data) > 0, p
EOF
if command -v rg >/dev/null; then
	check "rg --mmap over status" rg -q --mmap exchanges "$M/status"
	check "rg --mmap over MEMORY.md" rg -q --mmap healthz "$M/projects/webapp/MEMORY.md"
	check "rg --mmap over a query file" rg -q --mmap query "$M/query/retry cap"
else
	skip "rg --mmap" "ripgrep is not installed"
fi

# 6. probes never run a query
# (git looks for HEAD, objects and refs in query/ too: queries, but it
# says what it says anywhere else)
out=$(cd "$M/query" && git status 2>&1)
check_contains "git status in query/: not a repository" "$out" "not a git repository"
s0=$(st searches)
check_fail "query/.gitignore: ENOENT" cat "$M/query/.gitignore" 2>/dev/null
check_fail "query/.git: ENOENT" test -e "$M/query/.git"
check_fail "projects/P/query.json/.ignore: ENOENT" test -e "$M/projects/webapp/query.json/.ignore"
grep -r -q healthz "$M" 2>/dev/null
find "$M" >/dev/null
if command -v rg >/dev/null; then
	rg -q healthz "$M" 2>"$TMP/rg.err"
	check_eq "rg over the mount: no error" "$(cat "$TMP/rg.err")" ""
fi
check_eq "grep -r, find, rg and probes ran no query" "$(st searches)" "$s0"
cat "$M/query/healthz" >/dev/null
check_eq "a query file runs one" "$(st searches)" "$((s0 + 1))"

# 7. a redistill by another process while mounted
FAKE=${RECALLFS_TEST_BUILD:-$PWD/build}/tests/fake_llm
if [ -x "$FAKE" ]; then
	X=$(ls -d "$M"/projects/llm/exchanges/*/ | head -n 1)
	old=$(cat "$X/core")
	check_contains "heuristic first" "$(cat "$X/meta.json")" '"distiller":	"heuristic"'
	sleep 6         # the daemon's reference fingerprints, 5 s after mounting
	"$FAKE" --lifetime 60 >"$TMP/port" &
	fake=$!
	for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
	FAKE_LLM_KEY=k RECALLFS_LLM_KEY=k RECALLFS_CONFIG=$TMP/no-config \
		RECALLFS_LLM_URL=http://127.0.0.1:$(cat "$TMP/port")/v1 \
		"$R" redistill --all --distiller llm --project llm >"$TMP/redistill" 2>&1
	kill "$fake"; wait "$fake" 2>/dev/null
	check_contains "redistilled by llm" "$(cat "$TMP/redistill")" "2 distilled by llm"
	llm() { for _ in $(seq 30); do grep -q '"distiller":	"llm"' "$X/meta.json" && return 0; sleep 0.1; done; return 1; }
	check "meta.json shows the redistill" llm
	check "core changed" test "$(cat "$X/core")" != "$old"
	check_contains "core is the LLM's" "$(cat "$X/core")" "Fake LLM distilled"
	check_eq "stat = read after the redistill" "$(stat -c %s "$X/core")" "$(wc -c <"$X/core")"
else
	skip "redistill while mounted" "tests/fake_llm is not built (make test builds it)"
fi
unmnt "$M"
mfinish

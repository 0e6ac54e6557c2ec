#!/bin/bash
# tree.sh: the mounted tree read with real tools equals the export: grep -r,
# find, tar of the content; stat sizes equal what reads return; tail, head,
# cp -r, du; grep -r visits every exchange exactly once; symlinks resolve
# at every depth; query files equal `recallfs query` (query/ as text,
# query.json/ as JSON); ls query/ is empty; a new exchange shows up at once;
# rm -r of an exchange forgets it.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m E=$TMP/export
check "ingest fixtures" "$R" ingest "$FIX/claude_webapp.jsonl" "$FIX/chat_notes.json" >/dev/null
check "ingest text" "$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null
check "export" "$R" export "$E"
check_fail "export refuses a non-empty dir" "$R" export "$E" 2>/dev/null
check "export --project" "$R" export --project notes "$TMP/export-notes"
check_eq "only that project exported" "$(ls "$TMP/export-notes/projects")" "notes"
check "exported views resolve" test -f "$(find "$TMP/export-notes/projects/notes/rooms" -type l | head -1)/core"
check_fail "export of a missing project fails" "$R" export --project nope "$TMP/export-nope" 2>/dev/null
mnt "$M"

check_eq "root" "$(ls "$M" | tr '\n' ' ')" "README.md inbox projects query query.json status "
check_eq "projects" "$(ls "$M/projects" | tr '\n' ' ')" "bikes notes webapp "
check_eq "ls query/ lists nothing" "$(ls -A "$M/query" | wc -l)" 0
check_eq "ls projects/P/query/ lists nothing" "$(ls -A "$M/projects/webapp/query" | wc -l)" 0
check_eq "ls query.json/ lists nothing" "$(ls -A "$M/query.json" "$M/projects/webapp/query.json" | grep -vc ':$\|^$')" 0

# 1. the same content as the export (the export has no status/inbox/query)
# (README.md differs: the mount's also explains status, query/ and inbox/)
NOQ=(-path 'projects/*/query' -prune -o -path 'projects/*/query.json' -prune -o)
ex() { (cd "$1" && find projects "${NOQ[@]}" -print | LC_ALL=C sort); }
check_eq "find equals export" "$(ex "$M")" "$(ex "$E")"
g() { (cd "$1" && grep -r -n -i 'retry\|descale\|chain' projects | LC_ALL=C sort); }
check_eq "grep -r equals export" "$(g "$M")" "$(g "$E")"
check "grep -r finds something" test -n "$(g "$M")"
t() { (cd "$1" && tar --sort=name --owner=0 --group=0 --numeric-owner \
	--mode=u+w,go-w,a+rX --exclude='projects/*/query' --exclude='projects/*/query.json' -cf - projects | md5sum); }
tv() { (cd "$1" && tar --sort=name --owner=0 --group=0 --numeric-owner --full-time \
	--mode=u+w,go-w,a+rX --exclude='projects/*/query' --exclude='projects/*/query.json' -cvf /dev/null projects); }
check_eq "tar of the content equals export" "$(t "$M")" "$(t "$E")"
[ "$(t "$M")" = "$(t "$E")" ] || diff <(tv "$M") <(tv "$E") >&2
check "cp -r copies it" cp -r "$M/projects" "$TMP/copy"
check "cp -r equals export" diff -r -x query -x query.json "$TMP/copy" "$E/projects"
check "du works" du -s "$M/projects"
check "du -b sees the bytes" test "$(du -sb --apparent-size "$M/projects" | cut -f1)" -gt 1000

# stat size == bytes read, for every regular file (exchange files, MEMORY.md,
# README, status, query files)
bad_sizes=0
while IFS= read -r -d '' f; do
	s=$(stat -c %s "$f"); w=$(wc -c <"$f")
	[ "$s" = "$w" ] || { bad_sizes=$((bad_sizes + 1)); echo "size $f: stat $s read $w" >&2; }
done < <(find "$M/projects" "$M/README.md" "$M/status" -type f -print0)
check_eq "stat sizes equal wc -c" "$bad_sizes" 0
X=$(ls -d "$M"/projects/webapp/exchanges/* | head -1)
check_eq "tail -c 100" "$(tail -c 100 "$X/verbatim" | md5sum)" "$(tail -c 100 "$E/projects/webapp/exchanges/$(basename "$X")/verbatim" | md5sum)"
check_eq "head -n 2" "$(head -n 2 "$X/verbatim")" "$(head -n 2 "$E/projects/webapp/exchanges/$(basename "$X")/verbatim")"
check_eq "exchange files" "$(ls "$X" | tr '\n' ' ')" "context core distilled files meta.json rooms verbatim "
check "meta.json is JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$X/meta.json"
check_eq "distilled = core + context" "$(cat "$X/distilled")" "$(cat "$X/core" "$X/context")"
check_eq "mtime is the exchange's" "$(stat -c %Y "$X/core")" \
	"$(python3 -c "import json,sys,datetime; t=json.load(open(sys.argv[1]))['time_end']; print(int(datetime.datetime.strptime(t,'%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc).timestamp()))" "$X/meta.json")"

# grep -r visits each exchange once: views are symlinks grep -r skips
nx=$(find "$M/projects" -path '*/exchanges/*' -name verbatim | wc -l)
check_eq "7 exchanges" "$nx" 7
hits=$(grep -r -l '' "$M/projects" | grep -c '/verbatim$')
check_eq "grep -r reads each verbatim once" "$hits" "$nx"
check_eq "find does not follow views" "$(find "$M/projects" -name verbatim | wc -l)" "$nx"

# symlinks: relative, resolving at every depth, to exchanges of the same project
nl=0 broken=0
while IFS= read -r -d '' l; do
	nl=$((nl + 1))
	tgt=$(readlink "$l")
	case $tgt in /*) broken=$((broken + 1)); echo "absolute: $l" >&2;; esac
	[ -f "$l/core" ] || { broken=$((broken + 1)); echo "broken: $l -> $tgt" >&2; }
	p=${l#"$M"/projects/}; p=${p%%/*}
	case $(realpath "$l") in "$M/projects/$p/exchanges/"*) ;; *) broken=$((broken + 1));; esac
done < <(find "$M/projects" -type l -print0)
check "there are symlink views" test "$nl" -gt 10
check_eq "every view resolves inside its project" "$broken" 0
check "deep file view resolves" test -f "$M/projects/webapp/files/lib/cache/thumbs.py/$(ls "$M/projects/webapp/files/lib/cache/thumbs.py")/verbatim"
check_eq "conversation in ply order" "$(ls "$M/projects/webapp/conversations/mnt-sess-0001" | head -1)" "$(ls "$M/projects/webapp/exchanges" | head -1)"
check_fail "no such exchange" test -e "$M/projects/webapp/exchanges/000099-nope"
check_fail "no such project" test -e "$M/projects/nope"
check_fail "no such file" test -e "$M/projects/webapp/exchanges/$(basename "$X")/other"

# 3. query files
q='retry cap'
check_eq "query text equals recallfs query" "$(cat "$M/query/$q")" "$("$R" query "$q")"
check_eq "query.json/ equals recallfs query --json" "$(cat "$M/query.json/$q")" "$("$R" query --json "$q")"
check_eq "project query.json/ equals --project --json" "$(cat "$M/projects/notes/query.json/descale kettle")" \
	"$("$R" query --json --project notes descale kettle)"
check_eq "query/X.json is a text query for X.json" "$(head -n 1 "$M/query/file:upload.c.json")" \
	"$("$R" query file:upload.c.json | head -n 1)"
check_eq "%2F in a query name is '/'" "$(cat "$M/query/file:src%2Fupload.c")" "$("$R" query file:src/upload.c)"
check_contains "%2F finds the file" "$(cat "$M/query/file:src%2Fupload.c")" "000001-"
check_eq "project query equals --project" "$(cat "$M/projects/notes/query/descale kettle")" \
	"$("$R" query --project notes descale kettle)"
check_eq "query stat size = read" "$(stat -c %s "$M/query/$q")" "$(wc -c <"$M/query/$q")"
check_eq "query tail -c" "$(tail -c 50 "$M/query/$q")" "$("$R" query "$q" | tail -c 50)"
check_contains "query finds the upload fix" "$(cat "$M/query/$q")" "projects/webapp/exchanges/000001-"
bad_q=$(head -n 1 "$M/query/since:notadate retry")
check_contains "malformed query: first line explains" "$bad_q" "# error"
check "malformed query .json is an error object" python3 -c \
	"import json,sys; assert 'error' in json.load(open(sys.argv[1]))" "$M/query.json/since:notadate retry"
s=$(date +%s%N); ls "$M/query" >/dev/null; e=$(date +%s%N)
check "ls query/ is instant (<1 s even on a loaded machine)" test $(((e - s) / 1000000)) -lt 1000

# a newly ingested exchange shows up at once, MEMORY.md and status follow
before=$(wc -c <"$M/projects/webapp/MEMORY.md")
cat >"$TMP/more.json" <<'EOF'
{"project": "webapp", "conversation": "webapp-more-1", "messages": [
 {"role": "user", "id": "w1", "content": "Add a healthcheck endpoint at /healthz returning 204."},
 {"role": "assistant", "id": "w2", "content": "Added GET /healthz returning 204 No Content in server/routes.go."},
 {"role": "user", "id": "w3", "content": "Also log every failed healthcheck with its latency."},
 {"role": "assistant", "id": "w4", "content": "Failed healthchecks now log latency_ms at warn level."}]}
EOF
check "ingest while mounted" "$R" ingest "$TMP/more.json" >/dev/null
# (another process's commit is seen at once through inotify; allow a moment)
nx() { for _ in $(seq 30); do [ "$(ls "$M/projects/webapp/exchanges" | wc -l)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
check "new exchanges listed within moments" nx 5
sleep 1.5   # the daemon notices another process's commit within a second
after=$(stat -c %s "$M/projects/webapp/MEMORY.md")
check "MEMORY.md grew" test "$after" -gt "$before"
check_eq "MEMORY.md stat = read after change" "$after" "$(wc -c <"$M/projects/webapp/MEMORY.md")"
check_contains "MEMORY.md has it" "$(cat "$M/projects/webapp/MEMORY.md")" "healthz"
check_contains "status counts it" "$(cat "$M/status")" "exchanges	9"

# rm -r of an exchange forgets it (as recallfs forget)
victim=$(ls "$M/projects/webapp/exchanges" | tail -1)
check "rm -r forgets an exchange" rm -r "$M/projects/webapp/exchanges/$victim"
check_fail "it is gone" test -e "$M/projects/webapp/exchanges/$victim"
gone() { for _ in $(seq 50); do "$R" show "$1" >/dev/null 2>&1 || return 0; sleep 0.1; done; return 1; }
check "forgotten once the grace period is over" gone "$victim"
check_fail "still gone after the forget" test -e "$M/projects/webapp/exchanges/$victim"
check_fail "rm of a view is refused" rm "$(find "$M/projects/webapp/rooms" -type l | head -1)" 2>/dev/null
check_fail "mkdir outside the inbox is refused" mkdir "$M/projects/x" 2>/dev/null
check_fail "write outside the inbox is refused" sh -c "echo x > '$M/projects/webapp/MEMORY.md'" 2>/dev/null
unmnt "$M"
check_fail "unmounted" mountpoint -q "$M"

# daemon mode: recallfs mount returns, recallfs umount stops it
check "mount daemonises" "$R" mount "$M"
check "it is mounted" mountpoint -q "$M"
check "README readable" test -s "$M/README.md"
check "recallfs umount" "$R" umount "$M"
check_fail "unmounted again" mountpoint -q "$M"
check_fail "mount on a missing dir fails" "$R" mount "$TMP/none" 2>/dev/null
mfinish

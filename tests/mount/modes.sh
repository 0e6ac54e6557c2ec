#!/bin/bash
# modes.sh: --read-only (every write EROFS, no inbox), --project (nothing of
# another project reachable by path, symlink or query), --redact (secrets
# masked in every file), owner-only by default (another user cannot enter),
# -o allow_other with kernel permission checks, and a real sandbox: bwrap
# with the mount bound read-only at /memory.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse

M=$TMP/m
"$R" ingest "$FIX/claude_webapp.jsonl" "$FIX/chat_notes.json" >/dev/null
"$R" ingest --project bikes "$FIX/plain_bikes.txt" >/dev/null

# --read-only: every write answers EROFS
mnt "$M" --read-only
X=$(ls -d "$M"/projects/webapp/exchanges/* | head -1)
erofs() { # DESCRIPTION COMMAND...: fails, and says "Read-only file system"
	local out
	if out=$("$@" 2>&1); then bad "$1 succeeded"; return; fi
	check_contains "$1: EROFS" "$out" "Read-only file system"
}
check_eq "root without inbox" "$(ls "$M" | tr '\n' ' ')" "README.md projects query query.json status "
erofs cp "$FIX/plain_bikes.txt" "$M/inbox/"
erofs sh -c "echo 'User: hi' > '$M/inbox/x.txt'"
erofs mkdir "$M/inbox/p"
erofs touch "$M/projects/webapp/new"
erofs touch "$X/core"
erofs mkdir "$M/projects/webapp/d"
erofs rm -r "$X"
erofs rm "$X/core"
erofs mv "$X/core" "$X/core2"
erofs ln -s core "$X/link"
erofs chmod 600 "$X/core"
erofs truncate -s 0 "$X/core"
erofs sh -c "echo x >> '$X/core'"
erofs sh -c "echo x > '$M/query/retry'"
check "reading still works" test -s "$X/verbatim"
check_contains "queries still work" "$(cat "$M/query/retry cap")" "# query: retry cap"
unmnt "$M"

# --project webapp: only webapp exists
mnt "$M" --project webapp
check_eq "only the project" "$(ls "$M/projects")" "webapp"
check_fail "another project by path" test -e "$M/projects/notes"
check_fail "another project's exchange by path" ls "$M/projects/notes/exchanges" 2>/dev/null
check_eq "no link leaves the project" "$(find "$M/projects" -type l -exec realpath {} + | grep -vc "^$M/projects/webapp/")" 0
check_fail "grep -r finds nothing of notes" grep -rq "citric" "$M"
check_fail "root query: no other project" grep -q "projects/notes\|projects/bikes" "$M/query/descale kettle chain"
check_fail "project: filter cannot reach notes" grep -q "projects/notes" "$M/query/project:notes descale"
check_contains "project: filter on another project explains" "$(head -n 1 "$M/query/project:notes descale")" "#"
check_fail "json query: no other project" grep -q '"project": *"notes"' "$M/query/descale kettle.json"
check_fail "status names no other project" grep -q "notes\|bikes" "$M/status"
check_fail "MEMORY.md of another project" test -e "$M/projects/notes/MEMORY.md"
check_eq "inbox shows only the project" "$(ls "$M/inbox" | tr '\n' ' ')" "failed webapp "
check_fail "cannot make another project in the inbox" mkdir "$M/inbox/other" 2>/dev/null
unmnt "$M"

# --redact: secrets masked in verbatim and everywhere else
mnt "$M" --redact
check "plain mount of the secret exchange" true
check_fail "no password in verbatim" grep -rq "hunter2secret" "$M/projects"
check_fail "no sk- key anywhere" grep -rq "sk-live1234567890" "$M/projects" "$M/README.md"
check_contains "masked" "$(cat "$M"/projects/webapp/exchanges/000002-*/verbatim)" "[REDACTED]"
check_eq "redacted sizes exact" "$(stat -c %s "$M"/projects/webapp/exchanges/000002-*/verbatim)" \
	"$(wc -c < "$M"/projects/webapp/exchanges/000002-*/verbatim)"
unmnt "$M"
mnt "$M"
check "without --redact the verbatim has it" grep -rq "hunter2secret" "$M/projects"

# owner-only by default: another user cannot enter
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	check_fail "nobody cannot list a default mount" as_nobody ls "$M/projects" 2>/dev/null
	check_fail "nobody cannot read a default mount" as_nobody cat "$M/README.md" 2>/dev/null
	unmnt "$M"
	# a mount point others can reach ($TMP may sit in a private dir)
	AO=$(mktemp -d /tmp/recallfs-ao.XXXXXX)
	chmod 755 "$AO"
	mnt "$AO/m" -o allow_other
	check "nobody can read with allow_other" as_nobody cat "$AO/m/README.md" >/dev/null
	check "nobody can search with allow_other" as_nobody grep -rq ETIMEDOUT "$AO/m/projects"
	check_fail "nobody cannot write the inbox (kernel checks)" as_nobody sh -c "echo 'User: hi' > '$AO/m/inbox/x.txt'" 2>/dev/null
	check_fail "nobody cannot forget (kernel checks)" as_nobody rm -r "$(ls -d "$AO"/m/projects/notes/exchanges/* | head -1)" 2>/dev/null
	check_eq "notes intact" "$(ls "$AO/m/projects/notes/exchanges" | wc -l)" 2
	unmnt "$AO/m"
	rmdir "$AO/m" "$AO"
	mnt "$M"
else
	skip "other-user checks" "setpriv or user nobody missing"
fi
unmnt "$M"

# a real sandbox: bwrap with the mount bound read-only at /memory
if command -v bwrap >/dev/null && bwrap --ro-bind / / true 2>/dev/null; then
	mnt "$M"
	sb() { bwrap --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
		--symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \
		--ro-bind "$M" /memory --unshare-all --die-with-parent "$@"; }
	check_eq "sandbox: cat /memory/query" "$(sb cat '/memory/query/retry cap')" "$("$R" query retry cap)"
	check "sandbox: grep -r /memory" sb grep -rq ETIMEDOUT /memory/projects
	check "sandbox: MEMORY.md" sb test -s /memory/projects/webapp/MEMORY.md
	check_fail "sandbox: cannot write the inbox" sb sh -c "cat /memory/README.md > /memory/inbox/x.txt" 2>/dev/null
	check_fail "sandbox: cannot forget" sb rm -r "/memory/projects/notes/exchanges/$(ls "$M/projects/notes/exchanges" | head -1)" 2>/dev/null
	check_eq "sandbox changed nothing" "$(ls "$M/projects/notes/exchanges" | wc -l)" 2
	unmnt "$M"
else
	skip "bwrap checks" "bubblewrap missing or unusable here (apt-get install bubblewrap)"
fi
mfinish

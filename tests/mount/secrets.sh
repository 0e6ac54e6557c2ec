#!/bin/bash
# secrets.sh: the planted-secret transcript (tests/cli/secrets.bash) through
# the mount.  Without --redact: no secret in any served file but an
# exchange's verbatim (and the inbox, which serves what was written), nor
# in any name, MEMORY.md or query file.  With --redact: grep -r over the
# whole mount finds none, query files and find included; so with
# --read-only --project P (the sandbox mount).
. tests/lib.sh
. tests/mount/mount.bash
. tests/cli/secrets.bash
need_fuse

M=$TMP/m
secrets_session >"$TMP/secrets.jsonl"
check "ingest" "$R" ingest "$TMP/secrets.jsonl" >/dev/null
# a second project, fed through the inbox below
mnt "$M"
check "feed through the inbox" cp "$TMP/secrets.jsonl" "$M/inbox/"
sed 's/sec-1/sec-2/g; s#/home/dev/vault#/home/dev/vault2#g' "$TMP/secrets.jsonl" >"$TMP/secrets2.jsonl"
check "feed a second session" cp "$TMP/secrets2.jsonl" "$M/inbox/"
for _ in $(seq 100); do
	[ -d "$M/projects/vault2" ] && [ -z "$(ls "$M/inbox" | grep -v -e failed -e vault)" ] && break
	sleep 0.1
done
check_eq "two projects" "$(ls "$M/projects" | tr '\n' ' ')" "vault vault2 "
check_eq "9 exchanges each" "$(ls "$M/projects/vault2/exchanges" | wc -l)" 9

queries() {  # cat some query files of mount $1 into $2
	local q
	for q in AccessDenied 'netrc 403' 'revoked 401' rotation 'JWT exp' \
		 'pg_hba subnet' 'loader rejects' 'ssh CRLF' 'deploy key' token password \
		 'maps billing GitLab' 'rotated vault'; do
		cat "$1/query/$q" "$1/query.json/$q" 2>/dev/null
		cat "$1"/projects/*/query/"$q" 2>/dev/null
	done >"$2"
}

# 1. plain mount: secrets only in verbatim
check "verbatim holds the secrets (the test can fail)" test -n "$(secrets_in "$M/projects")"
check_eq "no secret outside verbatim" \
	"$(secrets_in "$M/projects" "$M/README.md" "$M/status" | grep -v '/verbatim$')" ""
check_eq "no secret in MEMORY.md" "$(secrets_in "$M"/projects/*/MEMORY.md)" ""
check_eq "no secret in names" "$(secrets_in_names "$M/projects")" ""
queries "$M" "$TMP/q.plain"
check "query files found results" grep -q 'exchanges/' "$TMP/q.plain"
check_eq "no secret in query files" "$(secrets_in "$TMP/q.plain")" ""
unmnt "$M"

# 2. --redact: nothing anywhere, a transcript that failed in inbox/ too
mnt "$M" --redact
sed '5s/.*/{"type":"user", oops/' "$TMP/secrets.jsonl" >"$TMP/broken.jsonl"
check "--redact: feed a broken transcript" cp "$TMP/broken.jsonl" "$M/inbox/"
for _ in $(seq 100); do
	[ -e "$M/inbox/failed/broken.jsonl.error" ] && break
	sleep 0.1
done
check "--redact: it failed" test -e "$M/inbox/failed/broken.jsonl"
check_eq "--redact: grep -r over the mount finds none" \
	"$(secrets_in "$M" 2>/dev/null)" ""
check_eq "--redact: no secret in names" "$(secrets_in_names "$M")" ""
check "--redact: verbatim is masked" grep -rq '\[REDACTED\]' "$M/projects/vault/exchanges"
queries "$M" "$TMP/q.red"
check "--redact: query files found results" grep -q 'exchanges/' "$TMP/q.red"
check_eq "--redact: no secret in query files" "$(secrets_in "$TMP/q.red")" ""
# sizes still exact after masking
bad_sizes=0
while IFS= read -r -d '' f; do
	[ "$(stat -c %s "$f")" = "$(wc -c <"$f")" ] || bad_sizes=$((bad_sizes + 1))
done < <(find "$M/projects" -type f -print0)
check_eq "--redact: stat sizes equal what is read" "$bad_sizes" 0
unmnt "$M"

# 3. the sandbox mount: --read-only --project vault --redact
mnt "$M" --read-only --project vault --redact
check_eq "sandbox: grep -r finds no secret" "$(secrets_in "$M" 2>/dev/null)" ""
check_eq "sandbox: only vault" "$(ls "$M/projects" | tr '\n' ' ')" "vault "
check_fail "sandbox: no inbox listed" grep -qx inbox <<<"$(ls "$M")"
check_fail "sandbox: nothing can be written into inbox/" cp "$TMP/secrets.jsonl" "$M/inbox/" 2>/dev/null
unmnt "$M"
mfinish

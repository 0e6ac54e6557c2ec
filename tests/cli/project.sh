#!/bin/bash
# project.sh: the same transcript lands in the same project by the CLI and
# by the inbox (issue 12.7): the project is the one the transcript names
# (its cwd, or a project field), then the folder it came from (the first
# folder below the directory ingested; inbox/<P>/), then "default".
. tests/lib.sh
. tests/mount/mount.bash
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
T=$TMP/tree
mkdir -p "$T/-home-dev-src-webshop" "$T/shop/2025" "$T/bikes"
"$GEN" web-1 /home/dev/src/webshop 1 2 >"$T/-home-dev-src-webshop/web-1.jsonl"
chat() {   # chat ID [PROJECT]: generic chat JSON without a cwd
	printf '{"conversation": "%s", %s"messages": [
 {"role": "user", "content": "Why does the %s build fail on the arm runner?"},
 {"role": "assistant", "content": "The %s cache key omits the architecture; I added it."},
 {"role": "user", "content": "And the %s flaky test?"},
 {"role": "assistant", "content": "It waited on a fixed sleep; it now polls the port."}]}\n' \
		"$1" "${2:+\"project\": \"$2\", }" "$1" "$1" "$1"
}
chat shopchat >"$T/shop/chat.json"
chat deepchat >"$T/shop/2025/deep.json"
chat named named >"$T/bikes/named.json"
chat rootchat >"$T/root.json"

proj() {   # the project of the conversation whose text has word $1
	sqlite3 "$RECALLFS_DB" "SELECT DISTINCT p.name FROM exchanges e JOIN projects p ON p.id = e.project_id WHERE e.verbatim LIKE '%$1%'"
}
"$R" ingest "$T" >/dev/null
check_eq "a transcript's own cwd first" "$(proj topic1:)" webshop
check_eq "no cwd: the folder it came from" "$(proj shopchat)" shop
check_eq "deeper: the first folder below the one ingested" "$(proj deepchat)" shop
check_eq "a project field in the transcript beats the folder" "$(proj named)" named
check_eq "at the top: default" "$(proj rootchat)" default
export RECALLFS_DB=$TMP/p.db
"$R" ingest --project mine "$T" >/dev/null
check_eq "--project wins over all" "$(sqlite3 "$RECALLFS_DB" 'SELECT group_concat(name) FROM projects')" mine
export RECALLFS_DB=$TMP/one.db
"$R" ingest "$T/shop/chat.json" >/dev/null
check_eq "a file named on the command line has no folder project" "$(proj shopchat)" default

# the inbox: the same files copied into inbox/<folder>/ land where the CLI
# put them
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	skip "the same through the inbox" "no /dev/fuse or fusermount3"
	mfinish
	exit
fi
export RECALLFS_DB=$TMP/inbox.db
M=$TMP/m
mnt "$M" || { bad "mount"; mfinish; exit; }
for d in -home-dev-src-webshop shop bikes; do
	mkdir -p "$M/inbox/$d"
	cp "$T/$d"/*.j* "$M/inbox/$d/"
done
cp "$T/root.json" "$M/inbox/"
check "inbox drained" inbox_drained "$M"
check_eq "inbox: a transcript's own cwd first" "$(proj topic1:)" webshop
check_eq "inbox: no cwd: the folder" "$(proj shopchat)" shop
check_eq "inbox: a project field beats the folder" "$(proj named)" named
check_eq "inbox: at the top: default" "$(proj rootchat)" default
check "no project named after the folder of a cwd transcript" test ! -e "$M/projects/-home-dev-src-webshop"
unmnt "$M"
mfinish

#!/bin/bash
# messages.sh: what a newcomer meets first (issue 11.2): commands before any
# ingest say there is no memory yet and how to make one, and create
# nothing; --db works before the command as after it; `recallfs CMD --help`
# lists every option of the command, one line each; a folder walk says how
# many files it skipped; the man page's examples expand ~.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
export RECALLFS_DB=$TMP/none/memory.db
for cmd in "stats" "query retry" "show 1" "export $TMP/exp" "forget 1" \
	"forget --undo 1" "redistill"; do
	# shellcheck disable=SC2086
	err=$("$R" $cmd 2>&1 >/dev/null); rc=$?
	check_eq "$cmd before any ingest: exit 1" "$rc" 1
	check_eq "$cmd: one line" "$(printf '%s\n' "$err" | wc -l)" 1
	check_contains "$cmd: says there is no memory yet" "$err" \
		"no memory yet at $TMP/none/memory.db; make one with: recallfs ingest --db $TMP/none/memory.db PATH..."
done
check "no database created by those commands" test ! -e "$TMP/none"
err=$(HOME=$TMP/home XDG_DATA_HOME= RECALLFS_DB= "$R" stats 2>&1)
check_contains "the default path is named, no --db in the hint" "$err" \
	"no memory yet at $TMP/home/.local/share/recallfs/memory.db; make one with: recallfs ingest PATH..."
check "nor at the default path" test ! -e "$TMP/home"

# --db before the command (as git -C, sshfs -o) and after it
unset RECALLFS_DB
printf 'User: how do I rotate the nginx logs every day?\nAssistant: Use logrotate with a daily stanza and copytruncate.\nUser: and keep two weeks?\nAssistant: Add rotate 14 and compress.\n' >"$TMP/t.md"
out=$("$R" --db "$TMP/a.db" ingest "$TMP/t.md" 2>&1); rc=$?
check_eq "recallfs --db F ingest: exit 0" "$rc" 0
check_contains "recallfs --db F ingest: stored" "$out" "1 conversations updated"
check "into F" test -s "$TMP/a.db"
check_contains "--db=F before stats" "$("$R" --db="$TMP/a.db" stats)" "default"
check_contains "--db after the command" "$("$R" stats --db "$TMP/a.db")" "default"
out=$("$R" --db "$TMP/a.db" stats --db "$TMP/none.db" 2>&1)
check_contains "the command's own --db wins" "$out" "no memory yet at $TMP/none.db"
out=$("$R" --db rel.db ingest "$TMP/t.md" 2>&1)
check "a relative --db before the command is the cwd's" test -s "$TMP/rel.db"
"$R" --bogus stats >/dev/null 2>&1; check_eq "unknown option before the command: usage (2)" $? 2
"$R" --db >/dev/null 2>&1; check_eq "--db without a file: usage (2)" $? 2
check_contains "--help names the global --db" "$("$R" --help)" "usage: recallfs [--db FILE] COMMAND"
check_contains "--version before a command" "$("$R" --version)" "recallfs "

# every option of every command, one line each, in its --help
src=$(dirname "$R")/../cli
[ -d "$src" ] || src=$OLDPWD/cli
for f in "$src"/cmd_*.c; do
	cmd=$(basename "$f" .c); cmd=${cmd#cmd_}
	help=$("$R" "$cmd" --help 2>&1); rc=$?
	check_eq "$cmd --help: exit 0" "$rc" 0
	check_contains "$cmd --help: usage line" "$help" "usage: recallfs $cmd"
	for o in $(grep -oE '\{ "[a-z-]+", (required|no|optional)_argument' "$f" |
		sed -E 's/\{ "([a-z-]+)".*/\1/'); do
		n=$(printf '%s\n' "$help" | grep -cE -- "^ +(-[a-zA-Z], )?--$o( |$)")
		check_eq "$cmd --help lists --$o on one line" "$n" 1
	done
	check_eq "$cmd help: the same" "$("$R" help "$cmd")" "$help"
done
n=$("$R" ingest --help | grep -c '^  .*--')
check "ingest --help: more than a usage line" test "$n" -ge 5
check_eq "--help after other arguments" "$("$R" ingest x y --help)" "$("$R" ingest --help)"
"$R" help nosuch >/dev/null 2>&1; check_eq "help of no command: 2" $? 2

# a folder walk says how many files were not transcripts
mkdir -p "$TMP/tree/sub"
cp "$TMP/t.md" "$TMP/tree/sub/t.md"
echo "MIT License" >"$TMP/tree/LICENSE"
head -c 300 /dev/urandom >"$TMP/tree/sub/blob.bin"
echo '{"name": "pkg", "version": "1.0"}' >"$TMP/tree/package.json"
out=$("$R" ingest --db "$TMP/walk.db" "$TMP/tree" 2>&1); rc=$?
check_eq "walk with non-transcripts: exit 0" "$rc" 0
check_contains "walk counts the skipped files" "$out" "3 skipped: not transcripts"
out=$("$R" ingest --db "$TMP/walk.db" "$TMP/tree/sub/t.md" 2>&1)
case $out in *skipped*) bad "no skip line when nothing was skipped: $out" ;; *) ok ;; esac

# the man page's examples leave ~ outside quotes, so the shell expands it
man=$(dirname "$src")/contrib/recallfs.1
check "man page found" test -f "$man"
check_eq "no quoted ~ in the man page" "$(grep -cE "\\\\\(aq\\\\\(ti|'~" "$man")" 0
finish

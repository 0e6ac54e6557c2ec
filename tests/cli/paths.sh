#!/bin/bash
# paths.sh: relative paths name what they name in the caller's directory
# (issue 12.1), also after `recallfs mount` daemonises (and changes to /):
# --db FILE, --db SUB/FILE, $RECALLFS_DB, the mountpoint (a clean exit on
# SIGTERM), and recallfs-sandbox --db ../FILE (a live mount, no fallback).
. tests/lib.sh
. tests/mount/mount.bash
need_fuse
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
SB=$PWD/contrib/sandbox/recallfs-sandbox
mkdir -p "$TMP/x"
"$GEN" app-1 /w/app 1 3 >"$TMP/app.jsonl"
n=r-$$.db
"$R" ingest --db "$TMP/x/$n" "$TMP/app.jsonl" >/dev/null
unset RECALLFS_DB
had_root_db=0; [ -e "/$n" ] && had_root_db=1
nexch() { ls "$1/projects/app/exchanges" 2>/dev/null | wc -l; }
waitmnt() { for _ in $(seq 100); do mountpoint -q "$1" && return 0; sleep 0.1; done; return 1; }

# daemonised mounts, started from $TMP/x
mkdir -p "$TMP/m1" "$TMP/m2" "$TMP/m3" "$TMP/m4"
(cd "$TMP/x" && "$R" mount ../m1 --db "$n")
check "mount ../m1 --db $n" waitmnt "$TMP/m1"
check_eq "it serves the database in the caller's directory" "$(nexch "$TMP/m1")" 3
(cd "$TMP/x" && RECALLFS_DB=$n "$R" mount ../m3)
check "RECALLFS_DB=$n mount ../m3" waitmnt "$TMP/m3"
check_eq "RECALLFS_DB relative: the same database" "$(nexch "$TMP/m3")" 3
(cd "$TMP/x" && "$R" mount ../m2 --db "sub-$$/new.db")
check "mount --db sub-$$/new.db (a new memory)" waitmnt "$TMP/m2"
cp "$TMP/app.jsonl" "$TMP/m2/inbox/"
check "inbox drained" inbox_drained "$TMP/m2"
check_eq "the inbox wrote into the caller's sub-$$/new.db" \
	"$(sqlite3 "$TMP/x/sub-$$/new.db" 'SELECT count(*) FROM exchanges')" 3
check "nothing made at /sub-$$" test ! -e "/sub-$$"
for m in m1 m2 m3; do fusermount3 -u "$TMP/$m"; done
check_eq "nothing made at /$n" "$([ -e "/$n" ] && echo 1 || echo 0)" "$had_root_db"
check_eq "no other database left in the caller's directory" "$(ls "$TMP/x" | grep -c '\.db$')" 1

# a relative mountpoint, foreground: SIGTERM unmounts it cleanly
(cd "$TMP" && exec "$R" mount -f m4 --db "x/$n" 2>"$TMP/m4.err") &
pid=$!
check "mount -f m4 (relative)" waitmnt "$TMP/m4"
kill -TERM "$pid"; wait "$pid"
check_fail "SIGTERM: unmounted" mountpoint -q "$TMP/m4"
check "SIGTERM: no dead mount left" ls "$TMP/m4"
check_eq "SIGTERM: nothing said" "$(cat "$TMP/m4.err")" ""

# recallfs-sandbox --db ../FILE: a live mount, not a snapshot
if command -v bwrap >/dev/null && bwrap --ro-bind / / true 2>/dev/null; then
	mkdir -p "$TMP/work/app" "$TMP/t"
	out=$(cd "$TMP/work/app" && RECALLFS_BIN=$R TMPDIR=../../t "$SB" --db "../../x/$n" -- \
		sh -c 'cat "/memory/query/marker2"' 2>"$TMP/sb.err"); rc=$?
	check_eq "sandbox --db ../..: exit 0" "$rc" 0
	check_contains "sandbox: live (query/ answers)" "$out" "projects/app/exchanges/"
	check_contains "sandbox: the project is the directory's name" "$(cat "$TMP/sb.err")" "Your memory of project app is at /memory"
	check_contains "sandbox: the hint says live" "$(cat "$TMP/sb.err")" "cat '/memory/query/<words>' searches it"
	case $(cat "$TMP/sb.err") in *"mount failed"*|*snapshot*) bad "sandbox fell back: $(cat "$TMP/sb.err")" ;; *) ok ;; esac
	check_eq "sandbox: nothing left in its TMPDIR" "$(ls "$TMP/t")" ""
else
	skip "recallfs-sandbox --db ../FILE" "bwrap missing or not usable here"
fi
mfinish

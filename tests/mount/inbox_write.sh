#!/bin/bash
# inbox_write.sh: every way of writing into inbox/ ingests the writer's
# bytes exactly once (issue 12 item 4): cp, `>`, `>>` twice (a second
# apart, and onto a name just consumed), tee and tee -a, rsync, a temp file
# renamed into place (hidden or not, into a project folder too), a slow
# chunked writer (with and without fsync between chunks), and editor probe
# files (vim's 4913, touch then rm, an empty file left alone), which are
# not transcripts and never land in inbox/failed/.  Each transcript's
# questions carry their own tokens; "once" counts the stored exchanges
# holding a token.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse

M=$TMP/m S=$TMP/src
mkdir -p "$S"

# tx TOKEN: a text transcript of two exchanges, questions TOKEN-q1, -q2.
tx() {
	printf 'User: what does the %s-q1 switch on the lamp do?\n\nAssistant: the %s-q1 switch dims the lamp to half brightness.\n\nUser: and the %s-q2 button?\n\nAssistant: the %s-q2 button turns the lamp off after ten minutes.\n' \
		"$1" "$1" "$1" "$1"
}
# stored TOKEN: how many stored exchanges hold TOKEN.
stored() {
	sqlite3 "$RECALLFS_DB" "SELECT count(*) FROM exchanges WHERE verbatim LIKE '%$1 %'"
}
# once TOKEN...: each transcript TOKEN is stored, each exchange once.
once() {
	local t
	for t in "$@"; do
		check_eq "$t-q1 stored once" "$(stored "$t-q1")" 1
		check_eq "$t-q2 stored once" "$(stored "$t-q2")" 1
	done
}
nothing_failed() { check_eq "nothing in inbox/failed ($1)" "$(ls -A "$M/inbox/failed")" ""; }
for t in cp1 cp2 gt1 gt2 app1 app2 app3 app4 tee1 teea1 teea2 rs1 rs2 rs3 \
	hid1 vis1 proj1 held1; do
	tx "$t" >"$S/$t.txt"
done

mnt "$M"

# cp, and cp of new bytes onto the name once the first is consumed
check "cp" cp "$S/cp1.txt" "$M/inbox/c.txt"
check "drained" inbox_drained "$M"
check "cp onto the consumed name" cp "$S/cp2.txt" "$M/inbox/c.txt"
check "drained" inbox_drained "$M"
once cp1 cp2

# > , twice
check "cat >" sh -c "cat '$S/gt1.txt' > '$M/inbox/g.txt'"
check "drained" inbox_drained "$M"
check "cat > onto the consumed name" sh -c "cat '$S/gt2.txt' > '$M/inbox/g.txt'"
check "drained" inbox_drained "$M"
once gt1 gt2

# >> twice a second apart (the second used to start with NUL bytes: the
# kernel still held the consumed name's size and appended past it; cat
# would hide that, it fstats its output first, so printf, as a hook would),
# and >> onto a name the worker has just consumed
check ">> first" tx app1 >>"$M/inbox/t1.txt"
sleep 1
check ">> a second later" tx app2 >>"$M/inbox/t1.txt"
check "drained" inbox_drained "$M"
check ">> first" tx app3 >>"$M/inbox/t2.txt"
check "drained" inbox_drained "$M"
check ">> onto the consumed name" tx app4 >>"$M/inbox/t2.txt"
check "drained" inbox_drained "$M"
once app1 app2 app3 app4
nothing_failed ">>"

# tee, tee -a twice
check "tee" sh -c "tee '$M/inbox/tee.txt' < '$S/tee1.txt' >/dev/null"
check "tee -a" sh -c "tee -a '$M/inbox/teea.txt' < '$S/teea1.txt' >/dev/null"
check "drained" inbox_drained "$M"
check "tee -a onto the consumed name" sh -c "tee -a '$M/inbox/teea.txt' < '$S/teea2.txt' >/dev/null"
check "drained" inbox_drained "$M"
once tee1 teea1 teea2

# rsync (a hidden temp file per file, renamed into place), then again
# with one file changed and one new
if command -v rsync >/dev/null; then
	mkdir -p "$TMP/rs"
	cp "$S/rs1.txt" "$S/rs2.txt" "$TMP/rs/"
	check "rsync" rsync -a "$TMP/rs/" "$M/inbox/"
	check "drained" inbox_drained "$M"
	tx rs4 >>"$TMP/rs/rs2.txt"
	cp "$S/rs3.txt" "$TMP/rs/rs3b.txt"
	check "rsync again" rsync -a "$TMP/rs/" "$M/inbox/"
	check "drained" inbox_drained "$M"
	once rs1 rs2 rs3 rs4
else
	skip "rsync into inbox/" "rsync is not installed"
fi

# a temp file renamed into place: hidden (held until renamed), visible
# (the worker may take it before the mv: the mv must still succeed), and
# into a project folder
check "write a hidden temp" sh -c "cat '$S/hid1.txt' > '$M/inbox/.h.txt.tmp'"
check "mv it into place" mv "$M/inbox/.h.txt.tmp" "$M/inbox/h.txt"
check "write a visible temp, mv at once" sh -c \
	"cat '$S/vis1.txt' > '$M/inbox/v.txt.tmp' && mv '$M/inbox/v.txt.tmp' '$M/inbox/v.txt'"
check "mkdir inbox/garage" mkdir "$M/inbox/garage"
check "write a hidden temp" sh -c "cat '$S/proj1.txt' > '$M/inbox/.p.tmp'"
check "mv it into inbox/garage/" mv "$M/inbox/.p.tmp" "$M/inbox/garage/p.txt"
check "drained" inbox_drained "$M"
once hid1 vis1 proj1
check_eq "the renamed file names its project" "$(sqlite3 "$RECALLFS_DB" \
	"SELECT DISTINCT p.name FROM exchanges e JOIN projects p ON p.id = e.project_id WHERE e.verbatim LIKE '%proj1-q1 %'")" garage

# slow chunked writers: one line every 0.3 s through one open file; and
# chunks with fsync between them (each fsync makes the bytes so far
# durable, but the file is not taken before its last close)
crash_claude slow1 /home/dev/slowproj 3 0 >"$S/slow1.jsonl"
crash_claude slow2 /home/dev/slowproj 3 0 >"$S/slow2.jsonl"
check "slow writer" sh -c "while IFS= read -r l; do printf '%s\n' \"\$l\"; sleep 0.3; done < '$S/slow1.jsonl' > '$M/inbox/slow1.jsonl'"
check "slow writer with fsync" python3 - "$S/slow2.jsonl" "$M/inbox/slow2.jsonl" <<'EOF'
import os, sys, time
data = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for i in range(0, len(data), 200):
    os.write(fd, data[i:i + 200])
    os.fsync(fd)
    time.sleep(0.1)
os.close(fd)
EOF
check "drained" inbox_drained "$M"
for s in slow1 slow2; do
	check_eq "$s: whole session, each turn once" "$(sqlite3 "$RECALLFS_DB" \
		"SELECT count(*), count(DISTINCT ply_start) FROM exchanges e JOIN conversations c ON c.id = e.conversation_id WHERE c.key = '$s'")" "3|3"
done

# editor probe files: vim's 4913 (O_CREAT|O_EXCL, fchown, close, unlink),
# touch then rm; an empty file left alone stays, held, until written
check "vim's probe file" python3 - "$M/inbox/4913" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY, 0o600)
os.fchown(fd, os.getuid(), os.getgid())
os.close(fd)
os.unlink(sys.argv[1])
EOF
check "touch" touch "$M/inbox/probe.txt"
check "rm" rm "$M/inbox/probe.txt"
check "touch and leave it" touch "$M/inbox/held.txt"
sleep 2
nothing_failed "probe files"
check_fail "the probe file is gone" test -e "$M/inbox/4913"
check "the empty file stays" test -f "$M/inbox/held.txt"
check_eq "still empty" "$(stat -c %s "$M/inbox/held.txt")" 0
check ">> into the empty file" sh -c "cat '$S/held1.txt' >> '$M/inbox/held.txt'"
check "drained" inbox_drained "$M"
once held1
nothing_failed "at the end"
unmnt "$M"
check "store is sound" sound "$RECALLFS_DB"
mfinish

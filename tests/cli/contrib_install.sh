#!/bin/bash
# contrib_install.sh: `make install DESTDIR=... PREFIX=...` installs exactly
# the listed files, with paths inside them pointing at the install, and
# `make uninstall` removes them all.
. tests/lib.sh
unset MAKEFLAGS MFLAGS MAKELEVEL
B=$(dirname "$R")
# -o: never rebuild the binary under test from inside the test
mk() { make -s --no-print-directory B="$B" -o "$B/recallfs" "$@"; }
listing() { (cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n' | sort); }

d=$TMP/dest
check "make install" mk install DESTDIR="$d" PREFIX=/usr >"$TMP/install.log" 2>&1
expected="644 usr/lib/systemd/user/recallfs-feed.service
644 usr/lib/systemd/user/recallfs-feed.timer
644 usr/lib/systemd/user/recallfs.service
644 usr/share/bash-completion/completions/recallfs
644 usr/share/man/man1/recallfs.1
644 usr/share/recallfs/AGENTS.recallfs.md
644 usr/share/recallfs/claude-settings.json
644 usr/share/recallfs/skill/recallfs/SKILL.md
755 usr/bin/recallfs
755 usr/share/recallfs/claude-code-hook.sh
755 usr/share/recallfs/claude-session-start.sh
755 usr/share/recallfs/codex-notify.sh
755 usr/share/recallfs/recallfs-feed
755 usr/share/recallfs/recallfs-sandbox"
check_eq "exactly the listed files" "$(listing "$d")" "$expected"
check "the binary under test" cmp -s "$R" "$d/usr/bin/recallfs"
check "installed binary runs" "$d/usr/bin/recallfs" --version >/dev/null
check_eq "no /usr/local left in installed files" \
	"$(grep -rl /usr/local "$d" --exclude=recallfs --exclude-dir=bin)" ""
check "unit runs the installed binary" \
	grep -qx 'ExecStart=/usr/bin/recallfs mount -f %h/recallfs' "$d/usr/lib/systemd/user/recallfs.service"
check "feed unit runs the installed feeder" \
	grep -qx 'ExecStart=/usr/share/recallfs/recallfs-feed' "$d/usr/lib/systemd/user/recallfs-feed.service"
check "settings name the installed hook" \
	grep -q '"/usr/share/recallfs/claude-code-hook.sh"' "$d/usr/share/recallfs/claude-settings.json"
check "settings name the installed SessionStart hook" \
	grep -q '"/usr/share/recallfs/claude-session-start.sh"' "$d/usr/share/recallfs/claude-settings.json"
check "SessionStart hook falls back to the installed binary" \
	grep -q 'bin=/usr/bin/recallfs' "$d/usr/share/recallfs/claude-session-start.sh"
# the skill is a folder Claude Code takes as it is: link or copy it into
# ~/.claude/skills/ (the name in its frontmatter is the folder's)
skill=$d/usr/share/recallfs/skill/recallfs
check "skill folder holds SKILL.md" cmp -s contrib/skill/recallfs/SKILL.md "$skill/SKILL.md"
check_eq "skill frontmatter opens the file" "$(head -n 1 "$skill/SKILL.md")" "---"
check_eq "skill name is its folder's" \
	"$(sed -n '2,/^---$/s/^name: *//p' "$skill/SKILL.md")" "$(basename "$skill")"
check "skill has a description" grep -q '^description: .\{40,\}' "$skill/SKILL.md"
mkdir -p "$TMP/home/.claude/skills"
check "linking the installed skill works" ln -s "$skill" "$TMP/home/.claude/skills/recallfs"
check "Claude Code's path to it resolves" test -f "$TMP/home/.claude/skills/recallfs/SKILL.md"
rm -f "$TMP/home/.claude/skills/recallfs"
command -v python3 >/dev/null && check "settings are JSON" python3 -m json.tool "$d/usr/share/recallfs/claude-settings.json" >/dev/null
check "hook falls back to the installed binary" \
	grep -q 'bin=/usr/bin/recallfs' "$d/usr/share/recallfs/claude-code-hook.sh"
check "installed feeder runs" "$d/usr/share/recallfs/recallfs-feed" --help >/dev/null

check "make uninstall" mk uninstall DESTDIR="$d" PREFIX=/usr >"$TMP/uninstall.log" 2>&1
check_eq "uninstall leaves no file" "$(listing "$d")" ""
check "contrib folder removed" test ! -e "$d/usr/share/recallfs"

# the default prefix, and a separate MANDIR
d=$TMP/dest2
mk install DESTDIR="$d" MANDIR=/usr/local/man >/dev/null 2>&1
check "default prefix /usr/local" test -x "$d/usr/local/bin/recallfs"
check "MANDIR honoured" test -f "$d/usr/local/man/man1/recallfs.1"
check "units under PREFIX/lib/systemd/user" test -f "$d/usr/local/lib/systemd/user/recallfs.service"
check_eq "fourteen files" "$(listing "$d" | wc -l)" 14
mk uninstall DESTDIR="$d" MANDIR=/usr/local/man >/dev/null 2>&1
check_eq "all gone" "$(listing "$d")" ""
finish

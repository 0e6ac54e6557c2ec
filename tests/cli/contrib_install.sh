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
644 usr/share/recallfs/claude-settings.json
755 usr/bin/recallfs
755 usr/share/recallfs/claude-code-hook.sh
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
check_eq "eleven files" "$(listing "$d" | wc -l)" 11
mk uninstall DESTDIR="$d" MANDIR=/usr/local/man >/dev/null 2>&1
check_eq "all gone" "$(listing "$d")" ""
finish

#!/bin/bash
# quickstart.sh: contrib/quickstart.sh gets a new user a mounted memory:
# of their own Claude Code history when ~/.claude/projects exists, else of
# the example it writes itself; and it says what to try next.
. tests/lib.sh
. tests/mount/mount.bash
need_fuse
export RECALLFS_BIN=$R
unset RECALLFS_DB

# no history: the example, in its own database
export HOME=$TMP/h1 XDG_DATA_HOME=
mkdir -p "$HOME"
out=$(sh contrib/quickstart.sh "$TMP/m1" 2>&1)
check "mounted (example)" mountpoint -q "$TMP/m1"
check_contains "says what to try" "$out" "query/"
check_contains "says how to unmount" "$out" "umount $TMP/m1"
check_eq "example project" "$(ls "$TMP/m1/projects")" "example"
check_contains "example is searchable" "$(cat "$TMP/m1/query/retry timeout")" "projects/example/exchanges/"
check "example db kept apart" test -f "$HOME/.local/share/recallfs/example.db"
check_fail "default db untouched" test -e "$HOME/.local/share/recallfs/memory.db"
check_fail "a second run refuses a mounted dir" sh contrib/quickstart.sh "$TMP/m1" >/dev/null 2>&1
check "umount" "$R" umount "$TMP/m1"

# with Claude Code history: that is what gets mounted
export HOME=$TMP/h2
mkdir -p "$HOME/.claude/projects/-home-dev-webapp"
cp "$FIX/claude_webapp.jsonl" "$HOME/.claude/projects/-home-dev-webapp/"
sh contrib/quickstart.sh "$TMP/m2" >/dev/null 2>&1
check "mounted (history)" mountpoint -q "$TMP/m2"
check_eq "the user's project" "$(ls "$TMP/m2/projects")" "webapp"
check "default db used" test -f "$HOME/.local/share/recallfs/memory.db"
check "umount" "$R" umount "$TMP/m2"
mfinish

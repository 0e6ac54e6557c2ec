#!/bin/sh
# claude-session-start.sh: a Claude Code SessionStart hook that gives the
# agent what recallfs remembers of this project.  Install with
# claude-settings.json.
#
# Claude Code writes the hook payload as JSON on stdin; we use its cwd (the
# session's working directory) and run `recallfs context` there, which finds
# the project recorded for that directory and prints the recent exchanges
# and those sharing their files and topics, within a token budget.  The
# result goes to stdout in the form Claude Code reads as added context:
#   {"hookSpecificOutput":{"hookEventName":"SessionStart",
#    "additionalContext":"..."}}
#
# A session start must never wait on memory: recallfs runs under timeout(1)
# (RECALLFS_CONTEXT_TIMEOUT seconds, default 2), reads the database
# read-only, and on anything wrong (recallfs or the database missing, no
# project for this directory or nothing in it, an error, too slow) this
# prints nothing and exits 0.
#
# Environment: RECALLFS_BIN (default: recallfs in PATH, else the installed
# one), RECALLFS_DB (passed on), RECALLFS_CONTEXT_BUDGET (cl100k tokens,
# default 2000), RECALLFS_CONTEXT_TIMEOUT (seconds, default 2).
set -u

limit=${RECALLFS_CONTEXT_TIMEOUT:-2}
case $limit in ''|*[!0-9]*|0) limit=2 ;; esac
budget=${RECALLFS_CONTEXT_BUDGET:-2000}
case $budget in ''|*[!0-9]*|0) budget=2000 ;; esac
bin=${RECALLFS_BIN:-recallfs}
[ -z "${RECALLFS_BIN:-}" ] && ! command -v recallfs >/dev/null 2>&1 &&
	bin=/usr/local/bin/recallfs
command -v "$bin" >/dev/null 2>&1 || exit 0
command -v timeout >/dev/null 2>&1 || exit 0

payload=
[ -t 0 ] || payload=$(timeout "$limit" head -c 1048576 2>/dev/null)
# the payload's cwd (a flat object: '"cwd":' only matches the key); a
# path with an escaped quote or backslash is unescaped
cwd=$(printf '%s' "$payload" | tr -d '\n' |
	sed -nE 's/.*"cwd"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)".*/\1/p' |
	sed -e 's/\\"/"/g' -e 's/\\\\/\\/g')
[ -n "$cwd" ] && [ -d "$cwd" ] && cd "$cwd" 2>/dev/null

out=$(timeout -k 1 "$limit" "$bin" context --budget "$budget" \
	</dev/null 2>/dev/null) || exit 0
# a header without a single exchange under it tells the agent nothing
case $out in *'
## '*) ;; *) exit 0 ;; esac

# JSON string body: control characters other than tab and newline are
# dropped (recallfs prints none), \ " tab newline escaped, invalid UTF-8
# dropped where iconv can
tab=$(printf '\t')
text=$(printf '%s\n' "$out" | LC_ALL=C tr -d '\001-\010\013-\037')
command -v iconv >/dev/null 2>&1 &&
	text=$(printf '%s\n' "$text" | iconv -f UTF-8 -t UTF-8 -c 2>/dev/null)
body=$(printf '%s\n' "$text" | LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
	-e "s/$tab/\\\\t/g" | LC_ALL=C awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }')
printf '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"%s"}}\n' \
	"$body"
exit 0

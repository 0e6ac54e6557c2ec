#!/bin/sh
# codex-notify.sh: a `notify` program for the OpenAI Codex CLI that hands the
# session's rollout transcript to recallfs after every agent turn.
#
# Install: in ~/.codex/config.toml (top level, before any [table]):
#   notify = ["/usr/local/share/recallfs/codex-notify.sh"]
# Codex runs it with one JSON argument, e.g.
#   {"type":"agent-turn-complete","thread-id":"...","turn-id":"...",
#    "cwd":"/home/me/app","input-messages":[...],"last-assistant-message":"..."}
# The rollout is $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread-id>.jsonl
# (CODEX_HOME defaults to ~/.codex).  We find it and pass it on to
# claude-code-hook.sh (beside this file), which does the inbox-or-ingest work
# for both agents.  Other notification types are ignored.  Always exits 0.
#
# Codex runs only one notify program: to keep another one (a desktop
# notifier, say), set RECALLFS_NOTIFY_NEXT to it; it gets the same argument.
set -u
json=${1:-}
[ -n "${RECALLFS_NOTIFY_NEXT:-}" ] &&
	("$RECALLFS_NOTIFY_NEXT" "$json" </dev/null >/dev/null 2>&1 &)

# field NAME: a top-level string value of the notification, still escaped
field() {
	printf '%s' "$json" | tr -d '\n' |
		sed -nE 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)".*/\1/p'
}

[ "$(field type)" = agent-turn-complete ] || exit 0
tid=$(field thread-id | LC_ALL=C tr -cd 'A-Za-z0-9-')
[ -n "$tid" ] || exit 0
sessions=${CODEX_HOME:-${HOME:-/nonexistent}/.codex}/sessions
[ -d "$sessions" ] || exit 0
# newest first: a resumed thread may have more than one rollout
rollout=$(find "$sessions" -type f -name "rollout-*$tid.jsonl" \
	-printf '%T@ %p\n' 2>/dev/null | sort -rn | head -n 1 | cut -d' ' -f2-)
[ -n "$rollout" ] || exit 0

# JSON-escape the path for the hook's payload
path=$(printf '%s' "$rollout" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
printf '{"session_id":"%s","transcript_path":"%s","cwd":"%s","hook_event_name":"codex-agent-turn-complete"}\n' \
	"$tid" "$path" "$(field cwd)" |
	"$(dirname "$0")/claude-code-hook.sh"
exit 0

#!/bin/bash
# contrib_man.sh: contrib/recallfs.1 renders without a warning and documents
# every command, every option each command's --help names, the environment
# and the sections SPEC asks for.
. tests/lib.sh
PAGE=contrib/recallfs.1
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	skip_all "man-db / groff-base not installed (contrib/setup-deps.sh all)"
fi
warn=$(MANWIDTH=80 LC_ALL=C man --warnings -l "$PAGE" 2>&1 >/dev/null)
check_eq "man --warnings is silent" "$warn" ""
warn=$(groff -man -ww -z "$PAGE" 2>&1)
check_eq "groff -ww is silent" "$warn" ""
text=$(MANWIDTH=80 LC_ALL=C man -l "$PAGE" 2>/dev/null | sed 's/.\x08//g')
check "renders" test -n "$text"

for s in NAME SYNOPSIS DESCRIPTION COMMANDS "THE MOUNTED TREE" QUERIES INBOX \
	DISTILLERS "SEARCH MODES" "SANDBOXES, PERMISSIONS AND SECRETS" \
	"DURABILITY AND CONCURRENCY" ENVIRONMENT FILES "EXIT STATUS" EXAMPLES; do
	check "section $s" grep -qx "$s" <<<"$text"
done

# every command of the binary has its own subsection
cmds=$("$R" --help | awk '/^  [a-z]/ { print $1 }')
check "binary lists commands" test -n "$cmds"
for c in $cmds mount umount ingest query show stats export eval redistill forget; do
	check "command $c documented" grep -q "^   recallfs $c" <<<"$text"
done

# the options SPEC section 2 gives each command, and whatever its --help names
declare -A spec=(
	[mount]="-f --read-only --project --redact -o --distiller"
	[umount]="" [ingest]="--project --format --distiller"
	[query]="--mode --project --limit --json" [show]="--verbatim"
	[stats]="--json" [export]="--project" [eval]="--mode --json"
	[redistill]="--project --distiller" [forget]="")
for c in "${!spec[@]}"; do
	help=$("$R" "$c" --help 2>&1)
	opts=$( { echo "${spec[$c]} --db"; grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help"; } |
		tr ' ' '\n' | grep -v '^$' | sort -u)
	# the command's own subsection, up to the next one
	sub=$(awk -v c="recallfs $c" 'index($0, "   " c) == 1 { on = 1; next }
		/^   [a-zA-Z]/ || /^[A-Z]/ { on = 0 } on' <<<"$text")
	for o in $opts; do
		case $o in
		--db|--help) check "$o documented" grep -qe "$o" <<<"$text" ;;
		*) check "$c $o documented" grep -qe "$o" <<<"$sub" ;;
		esac
	done
done

for v in RECALLFS_DISTILLER RECALLFS_LLM_URL RECALLFS_LLM_MODEL RECALLFS_LLM_KEY \
	RECALLFS_EMBED_URL RECALLFS_EMBED_MODEL RECALLFS_DB XDG_DATA_HOME \
	XDG_STATE_HOME RECALLFS_INBOX; do
	check "environment $v" grep -q "^       $v" <<<"$text"
done
for w in "project:" "room:" "file:" "since:" "until:" "mode:" "limit:" \
	verbatim distilled vector hybrid cross heuristic llm inbox/failed \
	MEMORY.md meta.json allow_other; do
	check_contains "mentions $w" "$text" "$w"
done
finish

#!/bin/bash
# contrib_completion.sh: contrib/bash-completion/recallfs loads in bash and
# completes subcommands, options, option values and paths.
. tests/lib.sh
F=$PWD/contrib/bash-completion/recallfs
# comp WORD...: what completing the last word of "WORD..." offers
comp() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_recallfs recallfs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$F" "$@"
}
check "loads in bash" bash --norc --noprofile -c ". '$F' && complete -p recallfs" >/dev/null
check_eq "in -> ingest" "$(comp recallfs in)" "ingest "
check_eq "all commands" "$(comp recallfs '')" \
	"context eval export forget help ingest mount query redistill show stats umount "
check_eq "after --db" "$(comp recallfs --db x.db q)" "query "
check_eq "ingest options" "$(comp recallfs ingest --)" \
	"--db --distiller --format --help --project "
check_eq "formats" "$(comp recallfs ingest --format c)" "chat claude codex "
check_eq "query modes" "$(comp recallfs query x --mode '')" \
	"cross distilled hybrid vector verbatim "
check_eq "eval has all" "$(comp recallfs eval q.jsonl --mode a)" "all "
check_eq "distillers" "$(comp recallfs redistill --distiller '')" "heuristic llm "
check_eq "mount options" "$(comp recallfs mount --re)" "--read-only --redact "
mkdir -p "$TMP/dir-a" && touch "$TMP/file-b"
check_eq "mount takes directories" "$(comp recallfs mount "$TMP/")" "$TMP/dir-a "
check_eq "ingest takes files" "$(comp recallfs ingest "$TMP/f")" "$TMP/file-b "
mkdir -p "$TMP/home/recallfs/projects/shop" "$TMP/home/recallfs/projects/site"
check_eq "projects from the mount" \
	"$(HOME=$TMP/home comp recallfs query x --project s)" "shop site "
check_eq "fusions" "$(comp recallfs eval q --fusion '')" "rrf weighted "
check_eq "context options" "$(comp recallfs context --)" \
	"--budget --db --help --json --project --since "
check_eq "context projects from the mount" \
	"$(HOME=$TMP/home comp recallfs context --project s)" "shop site "
check_eq "no completion for a budget" "$(comp recallfs context --budget '')" " "

# every long option a command's --help names is offered
for c in mount umount ingest query show context stats export eval redistill forget; do
	offered=" $(comp recallfs "$c" --) "
	for o in $("$R" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		check_contains "$c offers $o" "$offered" " $o "
	done
done
finish

#!/bin/bash
# inbox_rsync.sh: `rsync -a ~/.claude/projects/ MOUNT/inbox/` files every
# session under the project a CLI ingest of the same tree gives (issue 12
# item 7): the transcript's own working directory first, then the folder
# it came from; never the folder name "-home-dev-src-webshop" when the
# transcript says "webshop".  The tree has the v2.1 layout: a session's
# subagents in SESSION/subagents/ beside a .meta.json, which is no
# transcript and is skipped as a CLI walk skips it (not failed).  rsync
# itself succeeds, again after the sessions grew, with nothing failed.
. tests/lib.sh
. tests/mount/mount.bash
. tests/mount/crash.bash
need_fuse
command -v rsync >/dev/null || skip_all "rsync is not installed"

M=$TMP/m P=$TMP/claude/projects
mkdir -p "$P/-home-dev-src-webshop" "$P/-home-dev-src-bikes/sess3/subagents" \
	"$P/notes"
crash_claude sess1 /home/dev/src/webshop 3 0 >"$P/-home-dev-src-webshop/sess1.jsonl"
crash_claude sess2 /home/dev/src/webshop 2 0 >"$P/-home-dev-src-webshop/sess2.jsonl"
crash_claude sess3 /home/dev/src/bikes 3 0 >"$P/-home-dev-src-bikes/sess3.jsonl"
# a subagent of sess3 (v2.1: its own file, every line a side chain)
for i in 1 2; do
	parent=null; [ $i = 2 ] && parent='"sa1"'
	printf '{"parentUuid":%s,"isSidechain":true,"cwd":"/home/dev/src/bikes","sessionId":"agent-aa11","agentId":"aa11","type":"user","message":{"role":"user","content":"subagent question %d: find the brake pads of model %d"},"uuid":"su%d","timestamp":"2026-05-01T10:0%d:00Z"}\n' \
		"$parent" $i $i $i $i
	printf '{"parentUuid":"su%d","isSidechain":true,"cwd":"/home/dev/src/bikes","sessionId":"agent-aa11","agentId":"aa11","type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"subagent answer %d: the pads of model %d are in drawer %d"}]},"uuid":"sa%d","timestamp":"2026-05-01T10:0%d:30Z"}\n' \
		$i $i $i $i $i $i
done >"$P/-home-dev-src-bikes/sess3/subagents/agent-aa11.jsonl"
printf '{"agentType":"general-purpose","description":"find brake pads"}\n' \
	>"$P/-home-dev-src-bikes/sess3/subagents/agent-aa11.meta.json"
# a transcript that names no project and no working directory
crash_chat chat-notes 3 >"$P/notes/n1.json"

# projects of each conversation, as "project conversation" lines
convs() {
	sqlite3 "$1" "SELECT p.name, c.key FROM conversations c
		JOIN projects p ON p.id = c.project_id ORDER BY 2"
}
RECALLFS_DB=$TMP/cli.db "$R" ingest "$P/" >/dev/null
check_eq "the CLI ingests the 5 conversations" "$(convs "$TMP/cli.db" | wc -l)" 5

mnt "$M"
check "rsync -a of the tree" rsync -a "$P/" "$M/inbox/"
check "drained" wait_drained "$M" 60
check_eq "the same projects as a CLI ingest" "$(convs "$RECALLFS_DB")" "$(convs "$TMP/cli.db")"
check_eq "no project named after a folder of ~/.claude/projects" \
	"$(ls "$M/projects" | grep -c '^-home-dev')" 0
check_eq "nothing failed" "$(ls -A "$M/inbox/failed")" ""
check_contains "the .meta.json is skipped" "$(cat "$M/status")" "inbox_skipped	1"

# the sessions grow; rsync again: only the new exchanges are added
crash_claude sess1 /home/dev/src/webshop 5 0 >"$P/-home-dev-src-webshop/sess1.jsonl"
check "rsync -a again" rsync -a "$P/" "$M/inbox/"
check "drained" wait_drained "$M" 60
RECALLFS_DB=$TMP/cli.db "$R" ingest "$P/" >/dev/null
check_eq "the same exchanges as a CLI ingest" "$(exchange_set "$RECALLFS_DB")" "$(exchange_set "$TMP/cli.db")"
check_eq "nothing failed" "$(ls -A "$M/inbox/failed")" ""
unmnt "$M"
check "store is sound" sound "$RECALLFS_DB"
mfinish

#!/bin/bash
# context.sh: `recallfs context`: what an agent should know at the start of
# a session.  Never over budget, counted with the real cl100k tokenizer
# (tests/cli/cl100k.bash) over many budgets and projects (plain, large,
# odd text, planted secrets, the shared transcripts when present); no
# secret in text or JSON even when one was planted in a stored field; the
# same output every time; the project of the current directory (recorded
# cwd, a folder below it, not a sibling, through a symlink, by name in a
# database from before cwd was recorded); recent work first, then what
# shares its files; every path readable with `recallfs show`; read-only.
. tests/lib.sh
. "$(dirname "$0")/secrets.bash"
. "$(dirname "$0")/context.bash"
. "$(dirname "$0")/cl100k.bash"
GEN=$PWD/tests/fixtures/contrib/claude-session.sh
W=$TMP/work
mkdir -p "$W/shop/src" "$W/blog" "$W/big" "$W/odd" "$W/shopping" "$TMP/tx"
export HOME=$TMP/home RECALLFS_MOUNT=
mkdir -p "$HOME"
ctx() { "$R" context "$@"; }

ctx_shop "$TMP/tx" "$W/shop"
ctx_session blog-1 "$W/blog" 2026-02-01 \
	"Move the blog to a static generator|The posts now build with make site into public/.|Makefile" \
	>"$TMP/tx/blog.jsonl"
"$GEN" big-1 "$W/big" 1 80 >"$TMP/tx/big.jsonl"
ctx_session odd-1 "$W/odd" 2026-01-05 \
	"支払いゲートウェイのタイムアウトを修正してください|リトライを追加しました。ゲートウェイのタイムアウトは5秒です 🚀|src/支払い.c" \
	"The blob Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpL breaks the parser|Decoded Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpL with base64 -d; hash 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc.|src/blob.c" \
	"Tabs\tand \"quotes\" and back\\\\slashes in C:\\\\temp\\\\x|Escaped them: \\\"a\\\\tb\\\" is now printed as is, see QuOtE_HaNdLiNg_V2.|src/quote.c" \
	>"$TMP/tx/odd.jsonl"
secrets_session >"$TMP/tx/secrets.jsonl"
check "ingest" "$R" ingest "$TMP/tx" >/dev/null

# ---- what it shows --------------------------------------------------
out=$(ctx --project shop)
check_contains "header names the project" "$out" "# Memory of project shop (recallfs)"
check_contains "counts the exchanges" "$out" "10 exchanges, the latest on 2026-03-10"
check_contains "recent section" "$out" "## Recent"
check_contains "related section" "$out" "## Related to recent work"
check_contains "newest first" "$(grep -m1 '^- ' <<<"$out")" "retry-payments-502"
check_contains "core shown" "$out" "pay_send() retries on 502 with exponential backoff"
check_contains "context shown" "$out" "  > 5 s"
check_contains "related says what it shares" "$out" "(2026-03-01; shares src/cart.c"
# every path names an exchange `recallfs show` reads in full
paths=$(sed -n 's/^- \([^ ]*\) (.*/\1/p' <<<"$out")
check_eq "ten paths" "$(wc -l <<<"$paths")" 10
for p in $paths; do
	check "show --verbatim $p" "$R" show --verbatim "$p" >/dev/null
done
check_contains "header says how to read one" "$out" "recallfs show --verbatim PATH"
out=$(RECALLFS_MOUNT=/memory/ ctx --project shop)
check_contains "with a mount root, paths are under it" "$out" "- /memory/projects/shop/exchanges/0000"
check_contains "and the header says cat" "$out" "Full text: cat PATH/verbatim. Search: cat '/memory/projects/shop/query/WORDS'."

# recent work first, then what shares its files, then older ones: for
# every budget, a3 (search) or a4 (deploy) only once a1, a2, b1 are in
has() { grep -q -- "$2" <<<"$1"; }
seen_subset=0
for b in $(seq 150 50 900); do
	out=$(ctx --project shop --budget "$b" 2>/dev/null) || continue
	rel=0
	for k in checkout-total coupon-codes payment-gateway-times; do
		has "$out" "$k" && rel=$((rel + 1))
	done
	if has "$out" search-slow || has "$out" write-down-deploy; then
		check_eq "budget $b: unrelated old ones only after the related" "$rel" 3
	elif [ "$rel" = 3 ]; then
		seen_subset=1
	fi
done
check_eq "some budget shows the related old ones and not the unrelated" "$seen_subset" 1
out=$(ctx --project shop --budget 400)
check_contains "a small budget still has the latest" "$out" "retry-payments-502"
check_contains "and something related" "$out" "## Related to recent work"

# --since: only that window
out=$(ctx --project shop --since 2026-03-05)
check_contains "since: header" "$out" "6 exchanges since 2026-03-05"
check_fail "since: nothing older" has "$out" "checkout-total"

# ---- JSON ----------------------------------------------------------------
if command -v python3 >/dev/null; then
	# one python3 run (it starts slowly): a line per field checked
	got=$(ctx --project shop --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
it = d["items"]
print(d["project"], d["budget"], d["exchanges"], len(it), it[0]["why"])
print(all(i["shares"] and i["score"] > 0 for i in it if i["why"] == "related"))
print(all(i["core"] and i["path"].endswith(i["id"]) for i in it))
print(d["tokens"] <= 2000, d["root"], d["since"])
print(" ".join(i["path"] for i in it))')
	check_eq "json: project budget exchanges items first" "$(sed -n 1p <<<"$got")" "shop 2000 10 10 recent"
	check_eq "json: related have shares and a score" "$(sed -n 2p <<<"$got")" True
	check_eq "json: each has core and path" "$(sed -n 3p <<<"$got")" True
	check_eq "json: tokens within budget, no root, no window" "$(sed -n 4p <<<"$got")" "True None None"
	check_eq "json: the same items as the text" "$(sed -n 5p <<<"$got")" \
		"$(echo $(sed -n 's/^- \([^ ]*\) (.*/\1/p' <<<"$(ctx --project shop)"))"
else
	skip "json" "python3 missing"
fi

# ---- never over budget: the real cl100k count ------------------------------
projects="shop big odd vault blog"
shared=${RECALLFS_SHARED_DATA:-../shared/data}/transcripts
if [ -d "$shared" ]; then
	check "ingest shared transcripts" "$R" ingest "$shared" >/dev/null
	projects="$projects $(sqlite3 "$RECALLFS_DB" "SELECT p.name FROM projects p WHERE EXISTS (SELECT 1 FROM exchanges e WHERE e.project_id = p.id)" | grep -v -x -e shop -e big -e odd -e vault -e blog | tr '\n' ' ')"
else
	skip "shared transcripts" "$shared absent"
fi
if cl100k_setup; then
	# every (project, budget): the text NUL-separated for one cl100k run,
	# budget and the JSON's estimate beside it
	: >"$TMP/outs.nul"; : >"$TMP/outs.tab"
	for p in $projects; do
		for b in 90 130 200 300 500 900 2000 4000; do
			ctx --project "$p" --budget "$b" >"$TMP/out.txt" 2>/dev/null || continue
			cat "$TMP/out.txt" >>"$TMP/outs.nul"; printf '\0' >>"$TMP/outs.nul"
			printf '%s\t%s\t%s\n' "$p" "$b" "$(ctx --project "$p" --budget "$b" --json |
				grep -o '"tokens":[0-9]*' | head -n 1 | cut -d: -f2)" >>"$TMP/outs.tab"
		done
	done
	"$TMP/cl100k" "$CL100K_RANKS" nul "$TMP/outs.nul" >"$TMP/outs.real"
	paste "$TMP/outs.tab" "$TMP/outs.real" >"$TMP/outs.all"
	check "budgets ran ($(wc -l <"$TMP/outs.all"))" test "$(wc -l <"$TMP/outs.all")" -gt 30
	check_eq "never over budget (cl100k)" "$(awk -F'\t' '$4 > $2' "$TMP/outs.all")" ""
	check_eq "the estimate is never under the real count" "$(awk -F'\t' '$4 > $3' "$TMP/outs.all")" ""
	ctx --project big >"$TMP/big.txt"
	real=$(cl100k_count "$TMP/big.txt")
	check "the default budget is used, not wasted ($real of 2000)" test "$real" -gt 1000 -a "$real" -le 2000
else
	skip "cl100k budget checks" "$CL100K_WHY"
fi

# ---- secrets ----------------------------------------------------------------
# the distilled fields hold none (ingest masks them); plant some in stored
# fields, as an older or an LLM distiller might have written them
sqlite3 "$RECALLFS_DB" "UPDATE exchanges SET core = core || ' uses $s_ghp',
	context = 'key $s_aws' WHERE project_id = (SELECT id FROM projects WHERE name = 'vault');
	INSERT INTO exchange_files(exchange_id, ord, path) SELECT id, 99,
	'conf/$s_sk/env' FROM exchanges WHERE project_id = (SELECT id FROM projects WHERE name = 'vault')"
: >"$TMP/secret-out.txt"
for b in 200 500 2000 8000; do
	ctx --project vault --budget "$b" >>"$TMP/secret-out.txt" 2>&1
	ctx --project vault --budget "$b" --json >>"$TMP/secret-out.txt" 2>&1
	RECALLFS_MOUNT=/memory ctx --project vault --budget "$b" >>"$TMP/secret-out.txt" 2>&1
done
check_contains "vault exchanges shown" "$(cat "$TMP/secret-out.txt")" "projects/vault/exchanges/"
check_contains "planted secrets were masked" "$(cat "$TMP/secret-out.txt")" "[REDACTED]"
check_contains "shared planted file shown masked" "$(cat "$TMP/secret-out.txt")" "shares"
check_eq "no secret in context output" "$(secrets_in "$TMP/secret-out.txt")" ""

# ---- deterministic ----------------------------------------------------------
for p in shop big odd vault; do
	a=$(ctx --project "$p"; ctx --project "$p" --json; ctx --project "$p" --budget 300)
	b=$(cd "$W" && ctx --project "$p"; ctx --project "$p" --json; ctx --project "$p" --budget 300)
	check_eq "$p: the same output every time" "$(md5sum <<<"$a")" "$(md5sum <<<"$b")"
done

# ---- the project of the current directory ----------------------------------
here() { (cd "$1" && ctx 2>&1 | head -n 1); }
check_eq "recorded cwd" "$(here "$W/shop")" "# Memory of project shop (recallfs)"
check_eq "a folder below it" "$(here "$W/shop/src")" "# Memory of project shop (recallfs)"
check_eq "another project's folder" "$(here "$W/blog")" "# Memory of project blog (recallfs)"
out=$(cd "$W/shopping" && ctx 2>&1); rc=$?
check_eq "a sibling sharing a prefix is not it" "$rc" 1
check_eq "says so in one line" "$out" "recallfs: $W/shopping: no project recorded for this directory; name one with --project"
mkdir -p "$TMP/elsewhere/blog"
check_eq "by name where nothing was recorded" "$(here "$TMP/elsewhere/blog")" "# Memory of project blog (recallfs)"
# recorded through a symlink: getcwd gives the real path, $PWD the link
mkdir -p "$TMP/real/linked-app"
ln -s "$TMP/real/linked-app" "$TMP/app-link"
ctx_session link-1 "$TMP/app-link" 2026-01-01 "Hello there from the link|Hi, noted the link setup.|a.c" >"$TMP/link.jsonl"
"$R" ingest --project viaLink "$TMP/link.jsonl" >/dev/null
check_eq "recorded through a symlink" "$(here "$TMP/app-link")" "# Memory of project viaLink (recallfs)"
out=$(ctx --project shop)
check_eq "--project wins over the directory" "$(cd "$W/blog" && ctx --project shop)" "$out"

# a database from before cwd was recorded: by the directory's name
cp "$RECALLFS_DB" "$TMP/old.db"
sqlite3 "$TMP/old.db" "ALTER TABLE conversations DROP COLUMN cwd; PRAGMA user_version = 2"
check_eq "old database: by name" "$(cd "$W/shop" && ctx --db "$TMP/old.db" | head -n 1)" "# Memory of project shop (recallfs)"
check_eq "old database left as it was" "$(sqlite3 "$TMP/old.db" 'PRAGMA user_version')" 2

# ---- read-only, bad input ----------------------------------------------------
sum=$(md5sum <"$RECALLFS_DB")
ls "$TMP" >"$TMP/before.ls"
ctx --project shop >/dev/null
check_eq "database unchanged" "$(md5sum <"$RECALLFS_DB")" "$sum"
check_eq "no file created beside it" "$(ls "$TMP" | grep -v -x before.ls)" "$(grep -v -x before.ls "$TMP/before.ls")"
out=$(ctx --db "$TMP/none.db" --project shop 2>&1); rc=$?
check_eq "missing database: exit 1" "$rc" 1
check_eq "missing database: one line" "$(wc -l <<<"$out")" 1
check "missing database not created" test ! -e "$TMP/none.db"
out=$(ctx --project nosuch 2>&1); rc=$?
check_eq "unknown project: exit 1" "$rc" 1
check_eq "unknown project: says so" "$out" "recallfs: nosuch: no such project"
out=$(ctx --project shop --budget 20 2>&1); rc=$?
check_eq "budget below the header: exit 1" "$rc" 1
check_contains "budget below the header: says how much" "$out" "recallfs: --budget 20 is too small: the header alone needs"
for bad in "--budget 0" "--budget 12x" "--budget 2000000" "--since 2026-02-30" "--since yesterday" "extra"; do
	# shellcheck disable=SC2086
	ctx --project shop $bad >/dev/null 2>&1; rc=$?
	check_eq "bad usage ($bad): exit 2" "$rc" 2
done
help=$(ctx --help)
for o in --project --budget --since --json --db; do
	check_contains "--help lists $o on its own line" "$(grep -E -e "^ +(-[a-z], )?$o " <<<"$help")" "$o"
done
finish

/* test_distill.c: the heuristic distiller on small known exchanges, one
 * test per rule of distill.h: the core made of whole clauses copied from
 * the exchange (request, outcome, narration skipped, negations kept, "…"
 * for a clause cut short, a later chunk naming its request), the context
 * from the places that carry a disambiguator, rooms, files, determinism;
 * token counting. */
#include "tx_fixture.h"
#include "t.h"
#include "distill.h"
#include "segment.h"
#include "words.h"

#include <ctype.h>
#include <pthread.h>

#define WS(s) (s), strlen(s)

static void show(const char *name, const struct distill *d)
{
	if (!getenv("DISTILL_SHOW"))
		return;
	fprintf(stderr, "== %s\ncore: %s\ncontext: %s\n", name, d->core,
		d->context);
	for (int i = 0; i < d->nrooms; i++)
		fprintf(stderr, "room: %s\t%s\t%s\t%.2f\n",
			room_type_name(d->rooms[i].type), d->rooms[i].key,
			d->rooms[i].label, d->rooms[i].relevance);
	for (size_t i = 0; i < d->files.n; i++)
		fprintf(stderr, "file: %s\n", d->files.v[i]);
}

static int run(struct tx_conv *c, struct buf *v, struct distill *d)
{
	buf_reset(v);
	if (seg_verbatim(c, 0, c->nmsg - 1, v))
		return -1;
	struct distill_input in = { c, 0, c->nmsg - 1, buf_str(v) };

	return distill_heuristic(&in, d);
}

#define ELLIPSIS "\xe2\x80\xa6"

/* Every word of s (edge punctuation and a trailing "…" removed) occurs in
 * the verbatim. */
static int extractive(const char *s, const char *verbatim)
{
	char w[256];

	while (*s) {
		size_t n = 0;
		const char *a, *e;

		while (*s && isspace((unsigned char)*s))
			s++;
		a = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		e = s;
		if (e - a >= 3 && !memcmp(e - 3, ELLIPSIS, 3))
			e -= 3;
		while (a < e && ispunct((unsigned char)*a))
			a++;
		while (e > a && ispunct((unsigned char)e[-1]))
			e--;
		if (e == a)
			continue;
		n = (size_t)(e - a) < sizeof(w) - 1 ? (size_t)(e - a) :
			sizeof(w) - 1;
		memcpy(w, a, n);
		w[n] = 0;
		if (!strstr(verbatim, w)) {
			fprintf(stderr, "not in verbatim: \"%s\"\n", w);
			return 0;
		}
	}
	return 1;
}

/* [a-z0-9_./-]; a file room's key is a path and keeps its case. */
static int key_ok(const char *k, enum room_type type)
{
	if (!k || !*k)
		return 0;
	for (; *k; k++)
		if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) &&
		    !strchr("_./-", *k) && !(type == ROOM_FILE &&
					     isupper((unsigned char)*k)))
			return 0;
	return 1;
}

/* The verbatim with white space folded and markdown marks (` **) dropped,
 * as the core copies it. */
static char *folded(const char *v)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	int sp = 0;

	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			sp = 1;
			continue;
		}
		if (*v == '`' || *v == '*')
			continue;
		if (sp && b.len)
			buf_addc(&b, ' ');
		sp = 0;
		buf_addc(&b, *v);
	}
	return buf_detach(&b);
}

/* Every piece of the core (ended by ". ", "? " or "…") is one span of the
 * folded verbatim: whole clauses, never loose words. */
static int spans_copied(const char *core, const char *verbatim)
{
	char *f = folded(verbatim), *c = xstrdup(core), *p = c;
	int ok = 1;

	while (*p && ok) {
		char *e = p, *next;

		while (*e && !((e[0] == '.' || e[0] == '?') &&
			       (!e[1] || e[1] == ' ')) &&
		       strncmp(e, ELLIPSIS, 3))
			e++;
		next = *e ? e + (!strncmp(e, ELLIPSIS, 3) ? 3 : 1) : e;
		*e = 0;
		/* a piece may run over "x. y" inside its sentence: split */
		if (*p && !strstr(f, p)) {
			fprintf(stderr, "not a span of the verbatim: \"%s\"\n",
				p);
			ok = 0;
		}
		p = next;
		while (*p == ' ')
			p++;
	}
	free(c);
	free(f);
	return ok;
}

static void check_common(const struct distill *d, const char *verbatim)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	T_CHECK(d->core && d->core[0]);
	T_CHECK(d->context != NULL);
	T_STREQ(d->distiller, "heuristic");
	T_CHECK(extractive(d->core, verbatim));
	T_CHECK(spans_copied(d->core, verbatim));
	T_CHECK(extractive(d->context, verbatim));
	T_CHECK(d->nrooms >= 1 && d->nrooms <= DISTILL_MAX_ROOMS);
	for (int i = 0; i < d->nrooms; i++) {
		T_CHECK(key_ok(d->rooms[i].key, d->rooms[i].type));
		T_CHECK(d->rooms[i].label && d->rooms[i].label[0]);
		T_CHECK(d->rooms[i].relevance > 0 &&
			d->rooms[i].relevance <= 1);
		for (int k = 0; k < i; k++)
			T_CHECK(strcmp(d->rooms[i].key, d->rooms[k].key));
	}
	buf_addf(&b, "%s\n%s", d->core, d->context);
	T_CHECK(distill_count_tokens(b.p) <= 150);
	buf_release(&b);
}

static void coding_conv(struct tx_conv *c)
{
	fx_init(c, "code");
	c->cwd = xstrdup("/home/ann/proj/app");
	FX_U(c, "The nightly upload job keeps dying. The log says "
	     "\"Error: ETIMEDOUT after 30s\" in src/upload.c, can you make "
	     "the retry smarter?");
	FX_T(c, "Let me look at the retry loop.",
	     "Read: /home/ann/proj/app/src/upload.c\nBash: make test");
	strv_push(&c->msg[1].paths, "/home/ann/proj/app/src/upload.c");
	FX_T(c, "", "Edit: /home/ann/proj/app/src/upload.c");
	strv_push(&c->msg[2].paths, "/home/ann/proj/app/src/upload.c");
	FX_T(c, "Raised the upload retry cap to 5 and added jittered backoff "
	     "in retry_with_backoff(); make test passes.", "Bash: make test");
}

static void test_coding_exchange(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	coding_conv(&c);
	T_EQ(run(&c, &v, &d), 0);
	show("coding", &d);
	check_common(&d, v.p);
	/* the request (its asking clause) and the outcome, in their words */
	T_CONTAINS(d.core, "can you make the retry smarter?");
	T_CONTAINS(d.core, "Raised the upload retry cap to 5 and added "
		   "jittered backoff");
	T_CHECK(distill_count_tokens(d.core) <= 34);
	/* the detail is the exact error */
	T_CONTAINS(d.context, "ETIMEDOUT after 30s");
	/* files: relative to the project, once */
	T_EQ(d.files.n, 1);
	T_STREQ(d.files.v[0], "src/upload.c");
	/* rooms: the file by its repo-relative path, the identifier, the
	 * workflow */
	T_EQ(d.nrooms, 3);
	T_EQ(d.rooms[0].type, ROOM_FILE);
	T_STREQ(d.rooms[0].key, "src/upload.c");
	T_STREQ(d.rooms[0].label, "src/upload.c");
	int concept = -1, flow = -1;

	for (int i = 0; i < d.nrooms; i++) {
		if (d.rooms[i].type == ROOM_CONCEPT)
			concept = i;
		if (d.rooms[i].type == ROOM_WORKFLOW)
			flow = i;
	}
	T_CHECK(concept >= 0 && !strcmp(d.rooms[concept].key,
					 "retry_with_backoff"));
	T_CHECK(flow >= 0 && !strcmp(d.rooms[flow].key, "make_test"));
	distill_release(&d);
	buf_release(&v);
	fx_release(&c);
}

static void test_deterministic(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill a, b;

	coding_conv(&c);
	T_EQ(run(&c, &v, &a), 0);
	T_EQ(run(&c, &v, &b), 0);
	T_STREQ(a.core, b.core);
	T_STREQ(a.context, b.context);
	T_EQ(a.nrooms, b.nrooms);
	for (int i = 0; i < a.nrooms && i < b.nrooms; i++) {
		T_STREQ(a.rooms[i].key, b.rooms[i].key);
		T_STREQ(a.rooms[i].label, b.rooms[i].label);
		T_CHECK(a.rooms[i].relevance == b.rooms[i].relevance);
	}
	distill_release(&a);
	distill_release(&b);
	buf_release(&v);
	fx_release(&c);
}

/* Two people talking: short exchanges keep most content words, names and
 * numbers. */
static void test_chat_exchange(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "chat");
	FX_U(&c, "Hey Mel! I went to the LGBTQ support group yesterday and it "
	     "was so powerful.");
	FX_A(&c, "That's great, Caroline! What did you like most about the "
	     "support group?");
	T_EQ(run(&c, &v, &d), 0);
	show("chat", &d);
	check_common(&d, v.p);
	buf_reset(&v);
	buf_addf(&v, "%s\n%s", d.core, d.context);
	T_CONTAINS(v.p, "LGBTQ");
	T_CONTAINS(v.p, "support");
	T_CONTAINS(v.p, "group");
	T_CONTAINS(v.p, "yesterday");
	T_CONTAINS(v.p, "powerful");
	T_CONTAINS(v.p, "Caroline");
	T_CONTAINS(v.p, "Mel");
	/* the people spoken to are in every exchange: not the detail, no room */
	T_CHECK(strcmp(d.context, "Caroline") && strcmp(d.context, "Mel"));
	for (int i = 0; i < d.nrooms; i++)
		T_CHECK(strcmp(d.rooms[i].key, "caroline") &&
			strcmp(d.rooms[i].key, "mel"));
	distill_release(&d);
	buf_release(&v);
	fx_release(&c);
}

/* A long exchange compresses hard; the detail is a number with its unit. */
static void test_long_exchange(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT), t = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "long");
	FX_U(&c, "Why is the search endpoint so slow on the staging cluster?");
	for (int i = 0; i < 12; i++)
		FX_T(&c, "I am reading the query planner output and the "
		     "handler code to see where the time goes, step by step.",
		     "Bash: curl -s localhost:8080/search?q=x");
	FX_A(&c, "The search handler ran one SQL query per result; batching "
	     "them into one IN query cut p95 latency from 870 ms to 95 ms.");
	T_EQ(run(&c, &v, &d), 0);
	show("long", &d);
	check_common(&d, v.p);
	buf_addf(&t, "%s\n%s", d.core, d.context);
	T_CHECK(distill_count_tokens(t.p) * 5 < distill_count_tokens(v.p));
	/* the question, and the outcome's first clause (the second does not
	 * fit: the sentence is cut at its clause end, not in a clause) */
	T_CONTAINS(d.core, "Why is the search endpoint so slow on the staging "
		   "cluster?");
	T_CONTAINS(d.core, "The search handler ran one SQL query per result.");
	T_CHECK(strstr(d.context, "870 ms") || strstr(d.context, "95 ms"));
	distill_release(&d);
	buf_release(&t);
	buf_release(&v);
	fx_release(&c);
}

/* Never the project root as a detail; never a secret anywhere. */
static void test_no_root_no_secret(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "sec");
	c.cwd = xstrdup("/home/ann/proj/app");
	FX_U(&c, "Set the deploy key to sk-live1234567890abcdefABCDEF and "
	     "push from /home/ann/proj/app please.");
	FX_T(&c, "Configured the deploy key for the staging remote.",
	     "Bash: git push staging");
	T_EQ(run(&c, &v, &d), 0);
	show("secret", &d);
	check_common(&d, v.p);
	T_CHECK(!strstr(d.core, "sk-live"));
	T_CHECK(!strstr(d.context, "sk-live"));
	T_CHECK(strcmp(d.context, "/home/ann/proj/app"));
	for (int i = 0; i < d.nrooms; i++)
		T_CHECK(!strstr(d.rooms[i].key, "sk-live"));
	int push = 0;

	for (int i = 0; i < d.nrooms; i++)
		push |= !strcmp(d.rooms[i].key, "git_push");
	T_CHECK(push);
	distill_release(&d);
	buf_release(&v);
	fx_release(&c);
}


/* Distils a one-request exchange: the user's text, then the agent at work
 * (a tool call) and its final text.  The caller releases d. */
static void distil_pair(const char *user, const char *work, const char *last,
			struct distill *d, struct buf *v)
{
	struct tx_conv c;

	fx_init(&c, "pair");
	FX_U(&c, user);
	FX_T(&c, work, "Bash: mix test");
	FX_T(&c, last, NULL);
	T_EQ(run(&c, v, d), 0);
	show(user, d);
	check_common(d, v->p);
	fx_release(&c);
}

/* The four reversals issue 13 found in the first edition's cores, each
 * kept as it is: negators are never dropped from a clause. */
static void test_negations(void)
{
	static const char *const said[][2] = {
		{ "The CSS isn't built via esbuild \xe2\x80\x94 xterm.css is in "
		  "priv/static/assets/ which is gitignored",
		  "The CSS isn't built via esbuild" },
		{ "Credo: no issues", "Credo: no issues" },
		{ "scrolling back in xterm.js still does not work (maybe "
		  "because outer web catches it)?",
		  "scrolling back in xterm.js still does not work" },
		{ "mix phx.server doesnt seem to start",
		  "mix phx.server doesnt seem to start" },
	};
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	/* as the agent's result, then as the user's request */
	distil_pair("Why is the terminal unstyled on the review page?",
		    "Let me look at the asset pipeline.", said[0][0], &d, &v);
	T_CONTAINS(d.core, said[0][1]);
	distill_release(&d);
	distil_pair("Run credo on the whole project please.",
		    "Let me run it.", said[1][0], &d, &v);
	T_CONTAINS(d.core, said[1][1]);
	distill_release(&d);
	for (int i = 2; i < 4; i++) {
		distil_pair(said[i][0], "Let me check.",
			    "Fixed it by forwarding wheel events.", &d, &v);
		T_CONTAINS(d.core, said[i][1]);
		distill_release(&d);
	}
	T_CHECK(!words_is_stop(WS("not")));
	T_CHECK(!words_is_stop(WS("no")));
	T_CHECK(!words_is_stop(WS("nor")));
	T_CHECK(!words_is_stop(WS("isn't")));
	T_CHECK(!words_is_stop(WS("doesn't")));
	T_CHECK(!words_is_stop(WS("cannot")));
	T_CHECK(!words_is_stop(WS("won't")));
	buf_release(&v);
}

/* The outcome is the concluding statement with a result; narration
 * ("Let me ...", "Now ...", "Perfect!") is never part of the core. */
static void test_narration_skipped(void)
{
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	distil_pair("Add the state field to annotations and run the tests.",
		    "Let me read the resource first. Now I'll write the "
		    "migration.",
		    "Perfect! All 18 resource tests pass. Now let me commit.",
		    &d, &v);
	T_CONTAINS(d.core, "Add the state field to annotations and run the "
		   "tests.");
	T_CONTAINS(d.core, "All 18 resource tests pass.");
	T_CHECK(!strstr(d.core, "Let me"));
	T_CHECK(!strstr(d.core, "Now"));
	T_CHECK(!strstr(d.core, "Perfect"));
	distill_release(&d);
	buf_release(&v);
}

/* A clause too long for the budget is cut, and ends with "…"; the core
 * stays near its budget. */
static void test_cut_clause(void)
{
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	distil_pair("Rewrite the review page so that the session list the "
		    "annotation panel the transcript view and the launch "
		    "button all share one layout component with the same "
		    "spacing and the same colour scheme as the pane list",
		    "Let me look.", "Done.", &d, &v);
	T_CHECK(strstr(d.core, "Rewrite the review page so that") == d.core);
	T_CHECK(strstr(d.core, ELLIPSIS) != NULL);
	T_CHECK(distill_count_tokens(d.core) <= 34);
	distill_release(&d);
	buf_release(&v);
}

/* A later chunk of a long exchange names the request it continues. */
static void test_continuation_chunk(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "chunk");
	FX_T(&c, "The migration uses ALTER TABLE, which SQLite does not "
	     "support, so I rewrote it as a table copy.", "Edit: m.exs");
	FX_T(&c, "All 18 resource tests pass.", "Bash: mix test");
	T_EQ(seg_verbatim(&c, 0, 1, &v), 0);
	struct distill_input in = { &c, 0, 1, buf_str(&v),
				    "Implement spotter-gqc\n\nthen push", 3, 8 };

	T_EQ(distill_heuristic(&in, &d), 0);
	show("chunk", &d);
	T_CHECK(strstr(d.core, "Implement spotter-gqc (3/8): ") == d.core);
	T_CONTAINS(d.core, "All 18 resource tests pass.");
	distill_release(&d);
	buf_release(&v);
	fx_release(&c);
}

/* A word of the context may be in the core too: the two are picked
 * independently. */
static void test_context_may_repeat(void)
{
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	distil_pair("Fix the `retry_timeout` handling in the uploader.",
		    "Let me look.", "The retry_timeout is now read in "
		    "seconds.", &d, &v);
	T_STREQ(d.context, "retry_timeout");
	T_CONTAINS(d.core, "retry_timeout");
	distill_release(&d);
	buf_release(&v);
}

/* The context comes from the places that carry a disambiguator: an error
 * line of a tool result, a backticked or quoted span, a specific token;
 * never a table row or narration. */
static void test_context_places(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	/* a tool's error line with its specific token */
	fx_init(&c, "err");
	FX_U(&c, "The importer crashes on the March export, please fix it.");
	FX_T(&c, "Let me run it.", "Bash: python import.py\nerror: "
	     "KeyError: 'user_id' in rows.py line 88");
	FX_A(&c, "Rows without an owner are now skipped.");
	T_EQ(run(&c, &v, &d), 0);
	show("error line", &d);
	T_CONTAINS(d.context, "KeyError");
	distill_release(&d);
	fx_release(&c);

	/* a table row and narration hold numbers and code: not used; the
	 * backticked span is */
	fx_init(&c, "table");
	FX_U(&c, "Make the cache eviction cheaper.");
	FX_T(&c, "Let me see why eviction takes 870 ms in `evict_all`.",
	     "Read: src/cache.c");
	FX_A(&c, "| step | before | after |\n|---|---|---|\n"
	     "| evict | 870 ms | 95 ms |\n\nEviction now walks the LRU list "
	     "from `cache_tail` only.");
	T_EQ(run(&c, &v, &d), 0);
	show("table", &d);
	T_STREQ(d.context, "cache_tail");
	distill_release(&d);
	fx_release(&c);

	/* specific tokens: a hex id, a flag, a number with its unit */
	static const char *const tokens[][2] = {
		{ "It was introduced by commit 9a881c7e and reverted.",
		  "9a881c7e" },
		{ "The hook ran because nobody passed --no-verify here.",
		  "--no-verify" },
		{ "Uploads now give up after 30 seconds instead.",
		  "30 seconds" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++) {
		distil_pair("What changed in the upload hook?", "Let me look.",
			    tokens[i][0], &d, &v);
		T_STREQ(d.context, tokens[i][1]);
		distill_release(&d);
	}
	buf_release(&v);
}

/* A detail the neighbouring exchanges share (the branch everything is
 * pushed to) tells this exchange apart from nothing: the next best one. */
static void test_context_not_recurring(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "recur");
	for (int i = 0; i < 4; i++) {
		FX_U(&c, "Next bead please.");
		FX_T(&c, "Done, pushed to `origin/epic-42` as usual.",
		     "Bash: git push");
	}
	FX_U(&c, "Make the cart total round half up.");
	FX_T(&c, "Let me look.", "Read: cart.ex");
	FX_A(&c, "Pushed to `origin/epic-42`: totals now use "
	     "`Decimal.round(:half_up)`.");
	T_EQ(seg_verbatim(&c, 8, 10, &v), 0);
	struct distill_input in = { &c, 8, 10, buf_str(&v), NULL, 0, 0,
				    NULL, 0 };

	T_EQ(distill_heuristic(&in, &d), 0);
	show("recurring", &d);
	T_STREQ(d.context, "Decimal.round(:half_up)");
	distill_release(&d);
	/* alone, the branch is this exchange's best detail */
	in.conv = &c;
	in.ply_start = 8;
	fx_release(&c);
	fx_init(&c, "alone");
	FX_U(&c, "Make the cart total round half up.");
	FX_T(&c, "Let me look.", "Read: cart.ex");
	FX_A(&c, "Pushed to `origin/epic-42`: totals now use "
	     "`Decimal.round(:half_up)`.");
	T_EQ(run(&c, &v, &d), 0);
	T_CHECK(d.context[0] != 0);
	distill_release(&d);
	buf_release(&v);
	fx_release(&c);
}

static int has_room(const struct distill *d, enum room_type type,
		    const char *key)
{
	for (int i = 0; i < d->nrooms; i++)
		if (d->rooms[i].type == type && !strcmp(d->rooms[i].key, key))
			return 1;
	return 0;
}

/* File rooms by repo-relative path, never snake-cased, never for /tmp or
 * tool output files; workflow rooms prefer tests over git inspection;
 * concept keys are specific. */
static void test_rooms(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "rooms");
	c.cwd = xstrdup("/home/ann/todo");
	FX_U(&c, "The TypeScript testing setup breaks the todo hook, fix "
	     "the hook.");
	FX_T(&c, "Let me look.", "Bash: git status\nBash: git log -3\n"
	     "Bash: git add -A\nBash: git status\nBash: npm test\n"
	     "Read: /tmp/claude-1000/tasks/b0be39e.output");
	strv_push(&c.msg[1].paths, "/tmp/claude-1000/tasks/b0be39e.output");
	FX_T(&c, "The hook in src/hooks/useTodos.ts kept a stale closure; "
	     "it reads the latest list now.",
	     "Edit: /home/ann/todo/src/hooks/useTodos.ts");
	strv_push(&c.msg[2].paths, "/home/ann/todo/src/hooks/useTodos.ts");
	T_EQ(run(&c, &v, &d), 0);
	show("rooms", &d);
	check_common(&d, v.p);
	T_CHECK(has_room(&d, ROOM_FILE, "src/hooks/useTodos.ts"));
	T_CHECK(has_room(&d, ROOM_WORKFLOW, "npm_test"));
	for (int i = 0; i < d.nrooms; i++) {
		T_CHECK(!strstr(d.rooms[i].key, "tmp"));
		T_CHECK(!strstr(d.rooms[i].key, "output"));
		T_CHECK(strcmp(d.rooms[i].key, "use_todos.ts"));
		T_CHECK(strcmp(d.rooms[i].key, "typescript"));
		T_CHECK(strcmp(d.rooms[i].key, "testing"));
		T_CHECK(strcmp(d.rooms[i].key, "git_status"));
	}
	distill_release(&d);
	fx_release(&c);
	buf_release(&v);
}

/* files_touched: no bare name when its path is listed; an extension
 * recognised by rule after a directory (.hrl). */
static void test_files_touched(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "files");
	FX_U(&c, "The selection hook in app.js fires twice, and "
	     "include/records.hrl has the old record.");
	FX_T(&c, "Both fixed.", "Edit: assets/js/app.js");
	strv_push(&c.msg[1].paths, "assets/js/app.js");
	T_EQ(run(&c, &v, &d), 0);
	show("files", &d);
	T_EQ(d.files.n, 2);
	T_CHECK(strv_has(&d.files, "assets/js/app.js"));
	T_CHECK(strv_has(&d.files, "include/records.hrl"));
	T_CHECK(!strv_has(&d.files, "app.js"));
	distill_release(&d);
	fx_release(&c);
	buf_release(&v);
}

static void test_workflow_keys(void)
{
	static const char *const cases[][2] = {
		{ "Bash: cd build && make test", "make_test" },
		{ "Bash: git rebase -i HEAD~3\nBash: git rebase --continue",
		  "git_rebase" },
		{ "Bash: FOO=1 npm run build 2>&1 | tail", "npm_run_build" },
		{ "Bash: python3 -m pytest -x tests/", "pytest" },
		{ "Bash: sudo /usr/bin/docker compose up -d", "docker_compose" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tx_conv c;
		struct buf v = BUF_INIT(BUF_MAX_TEXT);
		struct distill d;
		int found = 0;

		fx_init(&c, "wf");
		FX_U(&c, "Please get the thing in shape for the release.");
		FX_T(&c, "It is done and everything is in good shape now.",
		     cases[i][0]);
		T_EQ(run(&c, &v, &d), 0);
		for (int k = 0; k < d.nrooms; k++)
			found |= d.rooms[k].type == ROOM_WORKFLOW &&
				!strcmp(d.rooms[k].key, cases[i][1]);
		if (!found)
			show(cases[i][1], &d);
		T_CHECK(found);
		distill_release(&d);
		buf_release(&v);
		fx_release(&c);
	}
}

static void test_words(void)
{
	T_CHECK(words_is_stop(WS("the")));
	T_CHECK(words_is_stop(WS("The")));
	T_CHECK(words_is_stop(WS("yourselves")));
	T_CHECK(words_is_stop(WS("e.g")));
	T_CHECK(!words_is_stop(WS("upload")));
	T_CHECK(!words_is_stop(WS("th")));
	T_CHECK(!words_is_stop(WS("")));
	T_CHECK(words_is_stop("them", 3));      /* "the" */
	T_CHECK(words_is_weak(WS("let")));
	T_CHECK(words_is_weak(WS("Okay")));
	T_CHECK(words_is_weak(WS("all")));      /* in both lists */
	T_CHECK(words_is_stop(WS("all")));
	T_CHECK(!words_is_weak(WS("the")));
	T_CHECK(!words_is_weak(WS("retry")));
	T_CHECK(words_secretish(WS("sk-live1234567890abcdef")));
	T_CHECK(words_secretish(WS("ghp_abcdefghijklmnopqrstuvwxyz0123")));
	T_CHECK(words_secretish(WS("https://bob:hunter2@db.example.com/x")));
	T_CHECK(words_secretish(WS("PASSWORD=hunter2")));
	T_CHECK(words_secretish(WS("aB3dE5gH7jK9mN1pQ3sT5vW7")));
	T_CHECK(!words_secretish(WS("retry_with_backoff")));
	T_CHECK(!words_secretish(WS("https://example.com/x")));
	/* a git hash is an id, not a secret */
	T_CHECK(!words_secretish(WS("9a881c7d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b")));
	T_CHECK(!words_secretish(WS("ETIMEDOUT")));
}

static void test_room_types(void)
{
	T_STREQ(room_type_name(ROOM_FILE), "file");
	T_STREQ(room_type_name(ROOM_CONCEPT), "concept");
	T_STREQ(room_type_name(ROOM_WORKFLOW), "workflow");
	T_EQ(room_type_parse("file"), ROOM_FILE);
	T_EQ(room_type_parse("concept"), ROOM_CONCEPT);
	T_EQ(room_type_parse("workflow"), ROOM_WORKFLOW);
	T_EQ(room_type_parse("File"), -1);
	T_EQ(room_type_parse(""), -1);
	T_EQ(room_type_parse(NULL), -1);
}

static void test_bad_input(void)
{
	struct tx_conv c;
	struct distill d;

	fx_init(&c, "bad");
	FX_U(&c, "hello there");
	struct distill_input in = { &c, 0, 3, "" };

	T_EQ(distill_heuristic(&in, &d), -EINVAL);
	distill_release(&d);
	/* release twice is harmless */
	distill_release(&d);
	fx_release(&c);
}

/* A huge paste is read only in part: bounded time and memory. */
static void test_huge(void)
{
	struct tx_conv c;
	struct buf v = BUF_INIT(BUF_MAX_TEXT), big = BUF_INIT(BUF_MAX_TEXT);
	struct distill d;

	fx_init(&c, "huge");
	buf_adds(&big, "Why does the parser crash on this log?\n");
	for (int i = 0; i < 200000; i++)
		buf_addf(&big, "line %d value_%d ok\n", i, i % 97);
	buf_adds(&big, "/");
	for (int i = 0; i < 100000; i++)
		buf_adds(&big, "ab/");
	FX_U(&c, big.p);
	FX_T(&c, "The parser overflowed its 64 KB line buffer; it now grows.",
	     "Edit: src/parse.c");
	T_EQ(run(&c, &v, &d), 0);
	show("huge", &d);
	T_CONTAINS(d.core, "parser");
	T_CHECK(distill_count_tokens(d.core) <= 40);
	distill_release(&d);
	buf_release(&big);
	buf_release(&v);
	fx_release(&c);
}

static void test_count_tokens(void)
{
	T_EQ(distill_count_tokens(""), 0);
	T_EQ(distill_count_tokens(NULL), 0);
	T_EQ(distill_count_tokens("hello"), 1);
	T_EQ(distill_count_tokens("hello world"), 2);      /* "hello", " world" */
	T_EQ(distill_count_tokens("Hello, world!"), 4);    /* , and ! */
	T_EQ(distill_count_tokens("12345"), 2);            /* 123 45 */
	T_EQ(distill_count_tokens("don't"), 2);            /* don 't */
	T_EQ(distill_count_tokens("a  b"), 3);             /* a, " ", " b" */
	T_EQ(distill_count_tokens("a\n\nb"), 3);           /* a, \n\n, b */
	T_EQ(distill_count_tokens("upload.c:212"), 4);     /* upload .c : 212 */
	T_EQ(distill_count_tokens("retry_timeout"), 2);    /* retry _timeout */
	T_EQ(distill_count_tokens("caf\xc3\xa9 ok"), 2);   /* UTF-8 letters */
	T_EQ(distill_count_tokens("x = 1 "), 5);           /* x, " =", " ", 1, " " */
}

static void *distill_worker(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 50; i++) {
		struct tx_conv c;
		struct buf v = BUF_INIT(BUF_MAX_TEXT);
		struct distill d;

		coding_conv(&c);
		if (run(&c, &v, &d) || !strstr(d.context, "ETIMEDOUT"))
			bad++;
		distill_release(&d);
		buf_release(&v);
		fx_release(&c);
	}
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t th[3];
	long bad = 0;

	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, distill_worker, NULL);
	for (int i = 0; i < 3; i++) {
		void *r;

		pthread_join(th[i], &r);
		bad += (long)r;
	}
	T_EQ(bad, 0);
}

T_MAIN(test_coding_exchange, test_deterministic, test_chat_exchange,
       test_long_exchange, test_no_root_no_secret, test_negations,
       test_narration_skipped, test_cut_clause, test_continuation_chunk,
       test_context_may_repeat, test_context_places,
       test_context_not_recurring, test_rooms,
       test_files_touched, test_workflow_keys,
       test_words, test_room_types, test_bad_input, test_huge, test_count_tokens, test_threads)

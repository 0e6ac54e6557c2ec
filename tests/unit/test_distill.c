/* test_distill.c: the heuristic distiller on small known exchanges: the
 * request and outcome words in the core, the exact detail as context,
 * extractiveness, rooms, files, determinism; token counting. */
#include "tx_fixture.h"
#include "t.h"
#include "distill.h"
#include "segment.h"
#include "words.h"

#include <ctype.h>
#include <pthread.h>

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

/* Every word of s (edge punctuation removed) occurs in the verbatim. */
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

static int key_ok(const char *k)
{
	if (!k || !*k)
		return 0;
	for (; *k; k++)
		if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) &&
		    !strchr("_./-", *k))
			return 0;
	return 1;
}

static void check_common(const struct distill *d, const char *verbatim)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	T_CHECK(d->core && d->core[0]);
	T_CHECK(d->context != NULL);
	T_STREQ(d->distiller, "heuristic");
	T_CHECK(extractive(d->core, verbatim));
	T_CHECK(extractive(d->context, verbatim));
	T_CHECK(d->nrooms >= 1 && d->nrooms <= DISTILL_MAX_ROOMS);
	for (int i = 0; i < d->nrooms; i++) {
		T_CHECK(key_ok(d->rooms[i].key));
		T_CHECK(d->rooms[i].label && d->rooms[i].label[0]);
		T_CHECK(d->rooms[i].relevance > 0 &&
			d->rooms[i].relevance <= 1);
		for (int k = 0; k < i; k++)
			T_CHECK(strcmp(d->rooms[i].key, d->rooms[k].key));
	}
	buf_addf(&b, "%s\n%s", d->core, d->context);
	T_CHECK(distill_count_tokens(b.p) <= 60);
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
	/* the request and the outcome, in their own words */
	T_CONTAINS(d.core, "upload");
	T_CONTAINS(d.core, "retry");
	T_CONTAINS(d.core, "jittered");
	/* the detail is the exact error */
	T_CONTAINS(d.context, "ETIMEDOUT after 30s");
	/* files: relative to the project, once */
	T_EQ(d.files.n, 1);
	T_STREQ(d.files.v[0], "src/upload.c");
	/* rooms: the file, the identifier, the workflow */
	T_EQ(d.nrooms, 3);
	T_EQ(d.rooms[0].type, ROOM_FILE);
	T_STREQ(d.rooms[0].key, "upload.c");
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
	T_CONTAINS(d.core, "search");
	T_CONTAINS(d.core, "batching");
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

#define WS(s) (s), strlen(s)

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
       test_long_exchange, test_no_root_no_secret, test_workflow_keys,
       test_words, test_room_types, test_bad_input, test_huge, test_count_tokens, test_threads)

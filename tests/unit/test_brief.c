/* test_brief.c: choosing what `recallfs context` shows (core/brief.c): the
 * project of a directory (recorded cwd, folders below it, not a sibling
 * sharing a prefix, the basename as a fallback), the order of priority
 * (recent ones up to half the budget, then what shares their rooms and
 * files, then older ones), the budget, the window, determinism; dates; and
 * the upper token estimate (core/tokens.c). */
#include "common.h"
#include "brief.h"
#include "distill.h"
#include "store.h"
#include "tokens.h"

#include <errno.h>
#include <unistd.h>

#include "t.h"

static struct store st;
static int64_t pid, a[5], old_file, old_none, old_both;

static int64_t put(int64_t cid, size_t ply, int64_t t, const char *slug,
		   const char *room, const char *file)
{
	struct store_exchange x;
	int64_t id = 0;

	memset(&x, 0, sizeof(x));
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = ply;
	x.ply_end = ply;
	x.t_start = t;
	x.t_end = t + 5;
	x.slug = (char *)slug;
	x.verbatim = "user: hi\n";
	x.d.core = (char *)slug;
	x.d.context = "ctx";
	if (room) {
		x.d.nrooms = 1;
		x.d.rooms[0].type = ROOM_CONCEPT;
		x.d.rooms[0].key = (char *)room;
		x.d.rooms[0].label = (char *)room;
		x.d.rooms[0].relevance = 0.8;
	}
	if (file)
		strv_push(&x.d.files, file);
	x.hash = "h";
	T_EQ(store_put_exchange(&st, &x, &id), 0);
	strv_clear(&x.d.files);
	return id;
}

static int64_t conv(int64_t project, const char *key, const char *cwd,
		    int64_t t)
{
	int64_t cid = 0;

	T_EQ(store_conv_put(&st, project, key, NULL, NULL, "f", 10, t, t,
			    &cid), 0);
	T_EQ(store_conv_set_cwd(&st, cid, cwd), 0);
	return cid;
}

static void setup(void)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);
	int64_t p2, p3, c1, c2, c3, c4, c5, c6;

	buf_addf(&path, "%s/brief.db", t_tmpdir());
	unlink(path.p);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	T_EQ(store_begin(&st), 0);
	T_EQ(store_project(&st, "app", 1, &pid), 0);
	T_EQ(store_project(&st, "apple", 1, &p2), 0);
	T_EQ(store_project(&st, "fork", 1, &p3), 0);
	c1 = conv(pid, "s1", "/w/app", 100);
	c2 = conv(p2, "s2", "/w/apple/", 100);
	c3 = conv(p3, "s3", "/w/shared", 100);
	c4 = conv(pid, "s4", "/w/shared", 100);
	c5 = conv(p2, "s5", "/w", 100);          /* one deep: too wide */
	c6 = conv(p2, "s6", "/home/u", 100);     /* $HOME: too wide */
	old_file = put(c1, 0, 100, "old-file", NULL, "src/upload.c");
	old_none = put(c1, 1, 200, "old-none", "parser", "src/parse.c");
	old_both = put(c1, 2, 300, "old-both", "retry", "src/upload.c");
	for (int i = 0; i < 5; i++)
		a[i] = put(c1, (size_t)(3 + i), 1000 * (i + 1), "anchor",
			   i == 2 ? "retry" : "ui", i == 2 ? "src/upload.c" :
			   "web/app.js");
	pid = p2;
	put(c2, 0, 50, "apple-one", NULL, NULL);
	put(c5, 0, 50, "apple-wide", NULL, NULL);
	put(c6, 0, 50, "apple-home", NULL, NULL);
	pid = p3;
	put(c3, 0, 9000, "fork-late", NULL, NULL);   /* the latest in /w/shared */
	T_EQ(store_project(&st, "app", 0, &pid), 0);
	put(c4, 0, 10, "app-shared", NULL, NULL);
	T_EQ(store_commit(&st), 0);
	buf_release(&path);
	buf_release(&err);
}

static void expect_project(const char *dir, const char *want)
{
	char *name = NULL;
	int rc = brief_project_for_dir(&st, dir, &name);

	if (want) {
		T_EQ(rc, 0);
		T_STREQ(name, want);
	} else {
		T_EQ(rc, -ENOENT);
		T_CHECK(name == NULL);
	}
	free(name);
}

static void test_project_for_dir(void)
{
	expect_project("/w/app", "app");
	expect_project("/w/app/", "app");
	expect_project("/w/app/src/deep", "app");
	expect_project("/w/apple", "apple");          /* not app: a sibling */
	expect_project("/w/apple/x", "apple");
	expect_project("/w/shared", "fork");         /* the latest active */
	expect_project("/elsewhere/app", "app");     /* by its name */
	expect_project("/w/ap", NULL);
	expect_project("/nowhere/zzz", NULL);
	/* a recording in a folder too wide to stand for a project covers
	 * only that folder */
	setenv("HOME", "/home/u/", 1);
	expect_project("/w", "apple");
	expect_project("/w/other", NULL);
	expect_project("/home/u", "apple");
	expect_project("/home/u/new", NULL);
	setenv("HOME", "/home/u/sub", 1);
	expect_project("/home/u/new", NULL);    /* above $HOME: too */
	unsetenv("HOME");
	expect_project("/home/u/new", "apple"); /* two deep, no $HOME */
}

static size_t ten(const struct brief_item *it, void *ctx)
{
	(void)it;
	(void)ctx;
	return 10;
}

/* The ids of a brief of project app with the given budget and window. */
static void choose(size_t budget, int64_t since, int64_t *ids, size_t *n,
		   int *related)
{
	struct brief b;

	T_EQ(brief_open(&st, "app", since, &b), 0);
	T_EQ(brief_select(&st, &b, budget, ten, NULL), 0);
	T_CHECK(b.tokens <= budget);
	T_EQ(b.tokens, 10 * b.n);
	*n = b.n;
	for (size_t i = 0; i < b.n; i++) {
		ids[i] = b.v[i].id;
		related[i] = b.v[i].related;
		T_CHECK(b.v[i].core && b.v[i].slug && b.v[i].time);
	}
	brief_release(&b);
}

static void test_select_all(void)
{
	int64_t ids[16];
	int rel[16];
	size_t n;

	choose(1000, 0, ids, &n, rel);
	T_EQ(n, 9);
	/* recent ones newest first (old-none and app-shared fill in last) */
	for (int i = 0; i < 5; i++) {
		T_EQ(ids[i], a[4 - i]);
		T_EQ(rel[i], 0);
	}
	T_EQ(ids[5], old_none);
	T_EQ(rel[5], 0);
	/* then related, strongest first: a room and a file beat a file */
	T_EQ(ids[7], old_both);
	T_EQ(rel[7], 1);
	T_EQ(ids[8], old_file);
	T_EQ(rel[8], 1);
}

static void test_select_budget(void)
{
	int64_t ids[16], again[16];
	int rel[16];
	size_t n, n2;

	/* 70: three recent ones fill half, the two related, then the rest
	 * of the recent ones; the unrelated old one is left out */
	choose(70, 0, ids, &n, rel);
	T_EQ(n, 7);
	for (size_t i = 0; i < n; i++)
		T_CHECK(ids[i] != old_none);
	T_EQ(ids[5], old_both);
	T_EQ(ids[6], old_file);
	/* 40: two recent ones, two related */
	choose(40, 0, ids, &n, rel);
	T_EQ(n, 4);
	T_EQ(ids[0], a[4]);
	T_EQ(ids[1], a[3]);
	T_EQ(ids[2], old_both);
	T_EQ(ids[3], old_file);
	/* 5: nothing fits */
	choose(5, 0, ids, &n, rel);
	T_EQ(n, 0);
	/* the same store, the same brief */
	choose(70, 0, ids, &n, rel);
	choose(70, 0, again, &n2, rel);
	T_EQ(n, n2);
	T_CHECK(!memcmp(ids, again, n * sizeof(*ids)));
}

static void test_window(void)
{
	struct brief b;
	int64_t ids[16];
	int rel[16];
	size_t n;

	T_EQ(brief_open(&st, "app", 2500, &b), 0);
	T_EQ(b.total, 3);
	T_EQ(b.latest, 5005);
	brief_release(&b);
	choose(1000, 2500, ids, &n, rel);
	T_EQ(n, 3);
	for (size_t i = 0; i < n; i++)
		T_CHECK(ids[i] == a[2] || ids[i] == a[3] || ids[i] == a[4]);
	T_EQ(brief_open(&st, "nosuch", 0, &b), -ENOENT);
	brief_release(&b);
}

static void test_parse_date(void)
{
	int64_t t = 0;

	T_EQ(brief_parse_date("2026-02-11", &t), 0);
	T_EQ(t, 1770768000);
	T_EQ(brief_parse_date("2024-02-29", &t), 0);
	T_EQ(brief_parse_date("2026-02-29", &t), -EINVAL);
	T_EQ(brief_parse_date("2026-13-01", &t), -EINVAL);
	T_EQ(brief_parse_date("2026-1-01", &t), -EINVAL);
	T_EQ(brief_parse_date("2026-01-01x", &t), -EINVAL);
	T_EQ(brief_parse_date("1969-12-31", &t), -EINVAL);
	T_EQ(brief_parse_date("", &t), -EINVAL);
}

static size_t est(const char *s)
{
	return tokens_cl100k_max(s, strlen(s));
}

static void test_tokens_max(void)
{
	static const char *const texts[] = {
		"Raised the upload retry cap to 5 and added jittered backoff.",
		"ETIMEDOUT after 30s in upload.c:212",
		"    if (buf_grow(&b, 4096) < 0) { return -ENOMEM; }",
		"ProjectReviewLive HTTPServer getHTTPResponseCode",
		"caf\xc3\xa9 na\xc3\xafve \xe6\x8a\x80\xe8\xa1\x93",
	};

	T_EQ(est(""), 0);
	T_EQ(est("hello world"), 2);
	T_EQ(est("        "), 1);
	T_EQ(est("\n\n\n"), 1);
	T_EQ(est("1234567"), 3);               /* digits go by three */
	/* base64-like: a token a letter, as BPE may give */
	T_EQ(est("TqDZoUxKpLmQ"), 12);
	/* never below the piece count */
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		T_CHECK(est(texts[i]) >= distill_count_tokens(texts[i]));
}

static void teardown(void)
{
	store_close(&st);
}

T_MAIN(setup, test_project_for_dir, test_select_all, test_select_budget,
       test_window, test_parse_date, test_tokens_max, teardown)

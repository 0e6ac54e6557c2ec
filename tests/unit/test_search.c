/* test_search.c: search over a planted memory: every mode finds the
 * exchange a query was written for, filters narrow, hostile queries give
 * results or one error line, rendering follows SPEC section 4, eval scores
 * a small queries file, and the FTS5 indexes stay intact after ingest and
 * forget. */
#include "common.h"
#include "search_int.h"

#include <cJSON.h>
#include <errno.h>
#include <unistd.h>

#include <math.h>
#include <sqlite3.h>

#include "embed.h"
#include "eval.h"
#include "ingest.h"
#include "render.h"
#include "vec.h"
#include "t.h"

#define DAY 86400
#define JAN10 1768003200        /* 2026-01-10T00:00:00Z */

struct plant {
	const char *project, *conv, *slug;
	const char *verbatim, *core, *context;
	const char *room_type, *room;   /* NULL: none */
	const char *file;               /* NULL: none */
	int64_t t;
	const char *ids;                /* source_ids JSON */
};

/* 0 retry (app), 1 login test (app), 2 css (web), 3 distilled-only word
 * (app), 4 verbatim-only word (app), 5.. filler */
static const struct plant plants[] = {
	{ "app", "c1", "upload-retry",
	  "user: uploads to the bucket keep timing out on slow links\n\n"
	  "assistant: I raised the retry cap and added jittered backoff",
	  "Raised the upload retry cap to 5 and added jittered backoff.",
	  "ETIMEDOUT after 30s in upload.c:212", "concept", "retry_timeout",
	  "src/net/upload.c", JAN10, "[\"m1\",\"m2\"]" },
	{ "app", "c1", "login-test",
	  "user: the login test fails every other run\n\n"
	  "assistant: it depended on the wall clock; I mocked the clock",
	  "Fixed the flaky login test by mocking the clock.",
	  "tests/test_login.py", "workflow", "testing",
	  "tests/test_login.py", JAN10 + 26 * DAY, "[\"m3\",\"m4\"]" },
	{ "web", "c2", "css-grid",
	  "user: the sidebar overlaps the header on phones\n\n"
	  "assistant: I moved the layout from floats to a flexbox column",
	  "Moved the page layout from floats to flexbox; sidebar fixed.",
	  "style.css line 40", "file", "style.css", "web/style.css",
	  JAN10 + 50 * DAY, "[\"m5\",\"m6\"]" },
	{ "app", "c3", "quarterly",
	  "user: can you summarise what we did this quarter for the team\n\n"
	  "assistant: here is a summary of the quarter's changes",
	  "Wrote the zeppelin summary of the quarter for the team.",
	  "", NULL, NULL, NULL, JAN10 + 60 * DAY, "[\"m7\",\"m8\"]" },
	{ "app", "c3", "kumquat",
	  "user: the kumquat parser chokes on nested brackets\n\n"
	  "assistant: recursion depth was capped, now it iterates",
	  "Parser handles nested brackets iteratively now.",
	  "", NULL, NULL, NULL, JAN10 + 61 * DAY, "[\"m9\"]" },
	{ "app", "c4", "filler-a",
	  "user: please update the readme with install steps\n\n"
	  "assistant: done, the readme lists the install steps",
	  "Added install steps to the readme.", "README.md", NULL, NULL,
	  "README.md", JAN10 + 3 * DAY, "[\"m10\"]" },
	{ "app", "c4", "filler-b",
	  "user: bump the version and tag the release\n\n"
	  "assistant: version bumped to 1.2.0 and tagged",
	  "Bumped the version to 1.2.0 and tagged the release.", "1.2.0",
	  NULL, NULL, NULL, JAN10 + 4 * DAY, "[\"m11\"]" },
	{ "web", "c5", "filler-c",
	  "user: add a dark theme toggle to the settings page\n\n"
	  "assistant: the toggle stores the choice in local storage",
	  "Added a dark theme toggle stored in local storage.", "",
	  NULL, NULL, NULL, JAN10 + 5 * DAY, "[\"m12\"]" },
};

static struct store st;
static int64_t ids[ARRAY_SIZE(plants)];

static void check_integrity(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc = store_check(&st, &err);

	T_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", buf_str(&err));
	buf_release(&err);
}

static int64_t plant_one(struct emb *e, const struct plant *p, size_t ply)
{
	struct store_exchange x;
	int64_t pid = 0, cid = 0, id = 0;

	memset(&x, 0, sizeof(x));
	T_EQ(store_project(&st, p->project, 1, &pid), 0);
	T_EQ(store_conv_put(&st, pid, p->conv, NULL, NULL, "test", 100, p->t,
			    p->t, &cid), 0);
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = ply;
	x.ply_end = ply + 1;
	x.slug = (char *)p->slug;
	x.t_start = x.t_end = p->t;
	x.verbatim = (char *)p->verbatim;
	x.d.core = (char *)p->core;
	x.d.context = (char *)p->context;
	if (p->room) {
		x.d.nrooms = 1;
		x.d.rooms[0].type = (enum room_type)room_type_parse(p->room_type);
		x.d.rooms[0].key = (char *)p->room;
		x.d.rooms[0].label = (char *)p->room;
		x.d.rooms[0].relevance = 0.8;
	}
	if (p->file)
		strv_push(&x.d.files, p->file);
	x.source_ids = (char *)p->ids;
	x.hash = "h";
	T_EQ(store_put_exchange(&st, &x, &id), 0);
	x.id = id;
	T_EQ(idx_embed_hook(e, &st, &x), 0);
	strv_clear(&x.d.files);
	return id;
}

static void setup(void)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;

	unsetenv("RECALLFS_EMBED_URL");
	buf_addf(&path, "%s/search.db", t_tmpdir());
	unlink(path.p);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	T_EQ(emb_open_builtin(&e), 0);
	T_EQ(store_begin(&st), 0);
	for (size_t i = 0; i < ARRAY_SIZE(plants); i++)
		ids[i] = plant_one(e, &plants[i], i * 2);
	T_EQ(store_commit(&st), 0);
	emb_close(e);
	check_integrity();
	buf_release(&path);
	buf_release(&err);
}

/* Runs s; returns the number of hits and the ids in out (up to 16). */
static size_t run(const char *s, int64_t *out)
{
	struct idx_query q;
	struct idx_results r = IDX_RESULTS_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	size_t n = 0;
	int rc = idx_query_parse(s, 0, &q, &err);

	T_EQ(rc, 0);
	if (!rc)
		rc = idx_search(&st, &q, NULL, &r, &err);
	T_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", s, buf_str(&err));
	for (n = 0; n < r.n && n < 16; n++)
		out[n] = r.v[n].id;
	n = r.n;
	idx_results_release(&r);
	idx_query_release(&q);
	buf_release(&err);
	return n;
}

static int top_is(const char *s, int64_t id)
{
	int64_t got[16];
	size_t n = run(s, got);

	if (n && got[0] == id)
		return 1;
	fprintf(stderr, "  '%s': top %lld, wanted %lld (%zu hits)\n", s,
		n ? (long long)got[0] : -1LL, (long long)id, n);
	return 0;
}

static int has(const int64_t *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n && i < 16; i++)
		if (v[i] == id)
			return 1;
	return 0;
}

static void test_modes_find_planted(void)
{
	static const char *const modes[] = {
		"verbatim", "distilled", "vector", "hybrid", "cross",
	};
	char q[256];

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		snprintf(q, sizeof(q), "upload retry backoff mode:%s", modes[m]);
		T_CHECK(top_is(q, ids[0]));
		snprintf(q, sizeof(q), "flaky login test clock mode:%s",
			 modes[m]);
		T_CHECK(top_is(q, ids[1]));
		snprintf(q, sizeof(q), "sidebar layout flexbox mode:%s",
			 modes[m]);
		T_CHECK(top_is(q, ids[2]));
	}
	/* the layers are distinct: a word only in the distilled text */
	T_CHECK(top_is("zeppelin mode:distilled", ids[3]));
	T_CHECK(top_is("zeppelin mode:hybrid", ids[3]));
	{
		int64_t got[16];

		T_EQ(run("zeppelin mode:verbatim", got), 0);
		T_EQ(run("kumquat mode:distilled", got), 0);
	}
	T_CHECK(top_is("kumquat mode:verbatim", ids[4]));
	T_CHECK(top_is("kumquat mode:cross", ids[4]));
	/* a natural question: OR semantics, stop words dropped */
	T_CHECK(top_is("why did the uploads keep timing out?", ids[0]));
}

static void test_filters(void)
{
	int64_t got[16];
	size_t n;

	/* project */
	n = run("layout OR theme OR retry project:web mode:verbatim", got);
	T_EQ(n, 2);
	T_CHECK(has(got, n, ids[2]) && has(got, n, ids[7]));
	T_EQ(run("retry project:nosuch", got), 0);
	/* room: key, type/key, any case */
	n = run("the project:app room:retry_timeout", got);
	T_EQ(n, 1);
	T_CHECK(has(got, n, ids[0]));
	T_EQ(run("upload room:concept/RETRY_TIMEOUT", got), 1);
	T_EQ(run("upload room:file/retry_timeout", got), 0);
	/* file: basename, suffix at a '/', whole path; not mid-name */
	T_EQ(run("upload file:upload.c", got), 1);
	T_EQ(run("upload file:net/upload.c", got), 1);
	T_EQ(run("upload file:src/net/upload.c", got), 1);
	T_EQ(run("upload file:pload.c", got), 0);
	T_EQ(run("upload file:style.css", got), 0);
	/* since / until (inclusive days, UTC) */
	n = run("the since:2026-02-05 mode:verbatim limit:50", got);
	T_CHECK(n >= 1 && !has(got, n, ids[0]) && has(got, n, ids[1]));
	n = run("the until:2026-01-10 mode:verbatim limit:50", got);
	T_EQ(n, 1);
	T_CHECK(has(got, n, ids[0]));
	n = run("the since:2026-01-10 until:2026-01-14 mode:verbatim", got);
	T_EQ(n, 3);
	T_CHECK(!has(got, n, ids[1]));
	/* limit */
	T_EQ(run("the mode:verbatim limit:2", got), 2);
	T_EQ(run("the mode:verbatim limit:1", got), 1);
	/* filters with no words: a listing, newest first */
	n = run("project:app", got);
	T_EQ(n, 6);
	T_EQ(got[0], ids[4]);
	/* vector signals obey the narrow filters too */
	n = run("upload retry mode:vector since:2026-03-01", got);
	T_CHECK(!has(got, n, ids[0]));
	n = run("upload retry mode:vector room:retry_timeout", got);
	T_EQ(n, 1);
}

/* Every hostile query renders results or one "# error:" line, and nothing
 * from SQLite's or FTS5's own error vocabulary leaks out. */
static void check_hostile(const char *q)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT);
	int rc = fs_render_query(&st, q, NULL, 0, &out);
	const char *s = buf_str(&out);

	T_EQ(rc, 0);
	if (!strncmp(s, "# error: ", 9)) {
		T_CHECK(strchr(s, '\n') == s + out.len - 1);
	} else {
		T_CHECK(!strncmp(s, "# query: ", 9));
		T_CHECK(strchr(s, '\n') != NULL);
	}
	T_CHECK(!strstr(s, "fts5") && !strstr(s, "syntax error") &&
		!strstr(s, "SQL") && !strstr(s, "malformed MATCH"));
	buf_reset(&out);
	rc = fs_render_query(&st, q, NULL, 1, &out);
	T_EQ(rc, 0);
	{
		cJSON *j = cJSON_Parse(buf_str(&out));

		T_CHECK(j && (cJSON_GetObjectItem(j, "results") ||
			      cJSON_GetObjectItem(j, "error")));
		cJSON_Delete(j);
	}
	buf_release(&out);
}

static void test_hostile(void)
{
	static const char *const qs[] = {
		"\"", "\"\"", "\"unbalanced quote", "upload\"", "a\"b\"c\"",
		"AND", "OR", "NOT", "AND OR NOT", "NEAR(", "NEAR(upload retry, 2)",
		"*", "upload*", "^x", "^", "col:val", "verbatim:upload",
		"fts_verbatim:upload", "(", ")", "()", "{upload}", "-upload",
		"+", ":", "::::", "the", "the of and a", "'", "';DROP TABLE x;--",
		"\\", "%_", "🎉🎉", "日本語のテキスト", "upload 🎉 日本",
		"\x01\x02\x03\x7f", "\xe2\x80\x8b", "x \xff", "\xc3",
		"mode:", "limit:-1", "limit:1e3", "since:0000-00-00",
		"until:2026-1-1", "room:", "file:", "project:../../etc",
		"mode:vector", "mode:vector 🎉", "mode:cross \"\"",
	};
	struct buf big = BUF_INIT(BUF_MAX_TEXT);

	for (size_t i = 0; i < ARRAY_SIZE(qs); i++)
		check_hostile(qs[i]);
	for (int i = 0; i < 2000; i++)
		buf_adds(&big, "upload ");
	check_hostile(buf_str(&big));           /* 14 KB: too long */
	buf_reset(&big);
	for (int i = 0; i < 4000; i++)
		buf_addc(&big, (char)(1 + (i * 37) % 250));
	check_hostile(buf_str(&big));           /* binary, no NUL */
	buf_reset(&big);
	for (int i = 1; i < 256; i++)
		buf_addc(&big, (char)i);
	check_hostile(buf_str(&big));
	buf_release(&big);
}

static void test_render_text(void)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT), want = BUF_INIT(BUF_MAX_TEXT);

	T_EQ(fs_render_query(&st, "upload retry mode:verbatim limit:1", NULL,
			     0, &out), 0);
	buf_addf(&want, "# query: upload retry mode:verbatim limit:1  mode: "
		 "verbatim  results: 1\n1\t");
	T_CHECK(!strncmp(buf_str(&out), buf_str(&want), want.len));
	buf_reset(&want);
	buf_addf(&want, "\tprojects/app/exchanges/%06lld-upload-retry\n"
		 "\tRaised the upload retry cap to 5 and added jittered "
		 "backoff.\n\tETIMEDOUT after 30s in upload.c:212\n",
		 (long long)ids[0]);
	T_CONTAINS(buf_str(&out), buf_str(&want));
	/* a blank line between results, none after the last */
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "the mode:verbatim limit:3", NULL, 0, &out),
	     0);
	T_CONTAINS(buf_str(&out), "\n\n2\t");
	T_CONTAINS(buf_str(&out), "\n\n3\t");
	T_CHECK(out.len > 2 && strcmp(out.p + out.len - 2, "\n\n"));
	/* an empty context prints no line */
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "zeppelin mode:distilled", NULL, 0, &out), 0);
	T_CONTAINS(buf_str(&out), "results: 1\n");
	T_CONTAINS(buf_str(&out), "for the team.\n");
	T_CHECK(strstr(buf_str(&out), "team.\n\t") == NULL);
	/* errors: one line */
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "x mode:fast", NULL, 0, &out), 0);
	T_STREQ(buf_str(&out), "# error: mode:fast is not a mode (verbatim, "
		"distilled, vector, hybrid, cross)\n");
	buf_release(&out);
	buf_release(&want);
}

static void test_render_json(void)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT), name = BUF_INIT(64);
	cJSON *j, *r, *s;

	T_EQ(fs_render_query(&st, "upload retry backoff mode:hybrid limit:2",
			     NULL, 1, &out), 0);
	j = cJSON_Parse(buf_str(&out));
	T_CHECK(j != NULL);
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(j, "mode")), "hybrid");
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(j, "query")),
		"upload retry backoff mode:hybrid limit:2");
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "results"), 0);
	store_exchange_name(ids[0], "upload-retry", &name);
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")),
		buf_str(&name));
	T_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "rank")), 1);
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(r, "project")), "app");
	T_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(r, "path")),
		   "projects/app/exchanges/");
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(r, "context")),
		"ETIMEDOUT after 30s in upload.c:212");
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(r, "rooms"), 0), "key")), "retry_timeout");
	T_STREQ(cJSON_GetStringValue(cJSON_GetArrayItem(
		cJSON_GetObjectItem(r, "files"), 0)), "src/net/upload.c");
	s = cJSON_GetObjectItem(r, "scores");
	T_CHECK(cJSON_GetObjectItem(s, "verbatim") != NULL);
	T_CHECK(cJSON_GetObjectItem(s, "distilled") != NULL);
	T_CHECK(cJSON_GetObjectItem(s, "vector") != NULL);
	T_CHECK(cJSON_GetObjectItem(s, "hybrid") != NULL);
	T_CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "score")) ==
		cJSON_GetNumberValue(cJSON_GetObjectItem(s, "hybrid")));
	cJSON_Delete(j);
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "limit:x", NULL, 1, &out), 0);
	j = cJSON_Parse(buf_str(&out));
	T_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(j, "error")),
		   "limit:x is not a number");
	cJSON_Delete(j);
	buf_release(&out);
	buf_release(&name);
}

static void test_scope(void)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT);

	/* scoped to app: web's exchanges never appear */
	T_EQ(fs_render_query(&st, "sidebar layout flexbox theme", "app", 0,
			     &out), 0);
	T_CHECK(!strstr(buf_str(&out), "projects/web/"));
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "sidebar project:web", "app", 0, &out), 0);
	T_CHECK(!strncmp(buf_str(&out), "# error: ", 9));
	T_CHECK(!strstr(buf_str(&out), "flexbox"));
	buf_reset(&out);
	T_EQ(fs_render_query(&st, "upload project:app", "app", 0, &out), 0);
	T_CONTAINS(buf_str(&out), "projects/app/exchanges/");
	buf_release(&out);
}

static void test_eval_small(void)
{
	static const char qs[] =
		"{\"query\": \"why do uploads time out\", \"project\": \"app\","
		" \"relevant\": [\"m2\"]}\n"
		"\n"
		"{\"query\": \"flaky login test\", \"relevant\": [\"m4\"]}\n"
		"{\"query\": \"dark theme\", \"project\": \"web\", "
		"\"relevant\": [\"m12\"]}\n"
		"{\"query\": \"sidebar overlaps header\", \"project\": \"app\","
		" \"relevant\": [\"m5\"]}\n";
	static const int modes[] = { IDX_MODE_VERBATIM, IDX_MODE_HYBRID };
	static const char bad[] = "{\"query\": \"x\", \"relevant\": [1]}\n";
	struct idx_eval r;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(idx_eval_run(&st, qs, sizeof(qs) - 1, modes, 2, NULL, &r, &err),
	     0);
	T_EQ(r.queries, 4);
	T_EQ(r.unresolved, 1);  /* m5 lives in web, not app */
	T_EQ(r.nm, 2);
	for (size_t i = 0; i < r.nm; i++) {
		T_CHECK(r.m[i].r1 == 0.75);
		T_CHECK(r.m[i].mrr == 0.75);
		T_CHECK(r.m[i].r10 == 0.75);
	}
	buf_reset(&err);
	T_EQ(idx_eval_run(&st, bad, strlen(bad), modes, 2, NULL, &r, &err),
	     -EINVAL);
	T_CONTAINS(buf_str(&err), "line 1:");
	buf_reset(&err);
	T_EQ(idx_eval_run(&st, "{}\n{nope\n", 9, modes, 1, NULL, &r, &err),
	     -EINVAL);
	T_CONTAINS(buf_str(&err), "line 1: no \"query\"");
	buf_release(&err);
}

static void test_forget_keeps_index(void)
{
	int64_t got[16];

	T_CHECK(top_is("kumquat mode:verbatim", ids[4]));
	T_EQ(store_delete_exchange(&st, ids[4]), 0);
	check_integrity();
	T_EQ(run("kumquat mode:verbatim", got), 0);
	T_CHECK(!has(got, run("kumquat mode:hybrid", got), ids[4]));
}

/* The real pipeline: a chat transcript through ingest_data, then search,
 * integrity, forget, integrity. */
static void test_ingest_then_forget(void)
{
	static const char chat[] =
		"{\"project\": \"ing\", \"conversation\": \"ingest-1\","
		" \"messages\": ["
		"{\"role\": \"user\", \"id\": \"u1\", \"content\": \"The "
		"marmalade service crashes when the cache directory is "
		"missing.\"},"
		"{\"role\": \"assistant\", \"id\": \"a1\", \"content\": \"It "
		"now creates the cache directory at startup with mode 0700.\"},"
		"{\"role\": \"user\", \"id\": \"u2\", \"content\": \"Thanks,"
		" please add a regression test for it too.\"},"
		"{\"role\": \"assistant\", \"id\": \"a2\", \"content\": \"Added"
		" test_cache_dir.c, which removes the directory first.\"}"
		"]}";
	struct ingest_opts o = { 0 };
	struct ingest_stats s = { 0 };
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;
	int64_t got[16];

	T_EQ(emb_open_builtin(&e), 0);
	o.on_put = idx_embed_hook;
	o.hook_ctx = e;
	T_EQ(ingest_data(&st, "chat.json", chat, sizeof(chat) - 1, &o, &s,
			 &err), 0);
	if (err.len)
		fprintf(stderr, "  ingest: %s\n", buf_str(&err));
	T_EQ(s.added, 2);
	check_integrity();
	T_EQ(run("marmalade cache project:ing mode:hybrid", got), 2);
	T_EQ(run("marmalade crashes mode:verbatim", got), 1);
	T_EQ(store_delete_exchange(&st, got[0]), 0);
	check_integrity();
	T_EQ(run("marmalade mode:verbatim", got), 0);
	emb_close(e);
	buf_release(&err);
}

static double one_score(const char *sql, const char *match)
{
	sqlite3_stmt *s;
	double v = -1;

	if (sqlite3_prepare_v2(st.db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_double(s, 0);
	}
	sqlite3_finalize(s);
	return v;
}

/* recallfs_bm25 with its own IDF is FTS5's bm25(); with a project's IDF a
 * word's share scales by idf(project) / idf(all). */
static void test_rank_function(void)
{
	struct idx_query q;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	double mine, theirs, idf[1], scoped, g;
	int64_t got[16], app = 0;
	long nfn = 0;
	sqlite3_stmt *s;

	T_EQ(idx_rank_register(&st), 0);
	T_EQ(idx_rank_register(&st), 0);
	mine = one_score("SELECT recallfs_bm25(fts_verbatim, 1.2, 0.75) FROM "
			 "fts_verbatim WHERE fts_verbatim MATCH ?1 ORDER BY "
			 "rowid LIMIT 1", "\"the\" OR \"toggle\"");
	theirs = one_score("SELECT -bm25(fts_verbatim) FROM fts_verbatim "
			   "WHERE fts_verbatim MATCH ?1 ORDER BY rowid LIMIT 1",
			   "\"the\" OR \"toggle\"");
	T_CHECK(mine > 0 && fabs(mine - theirs) < 1e-9);
	/* "toggle": in 1 of the 8 exchanges, in none of app's 6 */
	T_EQ(idx_query_parse("toggle", 0, &q, &err), 0);
	T_EQ(store_project(&st, "app", 0, &app), 0);
	T_EQ(idx_fts_project_idf(&st, IDX_SIG_VERBATIM, &q, app, idf), 0);
	T_CHECK(fabs(idf[0] - idx_bm25_idf(6, 0)) < 1e-12);
	idx_query_release(&q);
	g = one_score("SELECT recallfs_bm25(fts_verbatim, 1.2, 0.75) FROM "
		      "fts_verbatim WHERE fts_verbatim MATCH ?1", "\"toggle\"");
	scoped = one_score("SELECT recallfs_bm25(fts_verbatim, 1.2, 0.75, 2.5)"
			   " FROM fts_verbatim WHERE fts_verbatim MATCH ?1",
			   "\"toggle\"");
	T_CHECK(fabs(scoped / g - 2.5 / idx_bm25_idf(8, 1)) < 1e-9);
	/* registered once, however many searches ran */
	T_CHECK(run("toggle project:web", got) >= 1);
	if (sqlite3_prepare_v2(st.db, "SELECT count(*) FROM "
			       "pragma_function_list WHERE name = "
			       "'recallfs_bm25'", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		nfn = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	T_EQ(nfn, 1);
	buf_release(&err);
}

/* In a fused mode an exchange next to a strong match (same conversation)
 * rises above an equally weak one elsewhere. */
static void test_session_smoothing(void)
{
	struct idx_query q;
	struct idx_results r = IDX_RESULTS_INIT;
	struct idx_opts o;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	double with = 0, without = 0;

	idx_opts_default(&o);
	T_CHECK(o.smooth > 0);
	/* ids[1] (login test) sits next to ids[0] (upload) in c1 */
	T_EQ(idx_query_parse("uploads bucket login mode:hybrid limit:50", 0,
			     &q, &err), 0);
	T_EQ(idx_search(&st, &q, &o, &r, &err), 0);
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].id == ids[1])
			with = r.v[i].score;
	o.smooth = 0;
	T_EQ(idx_search(&st, &q, &o, &r, &err), 0);
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].id == ids[1])
			without = r.v[i].score;
	T_CHECK(with > without && without > 0);
	idx_results_release(&r);
	idx_query_release(&q);
	buf_release(&err);
}

static double score_of(const char *qs, struct idx_opts *o, int64_t id)
{
	struct idx_query q;
	struct idx_results r = IDX_RESULTS_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	double v = -1;

	T_EQ(idx_query_parse(qs, 0, &q, &err), 0);
	T_EQ(idx_search(&st, &q, o, &r, &err), 0);
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].id == id)
			v = r.v[i].score;
	idx_results_release(&r);
	idx_query_release(&q);
	buf_release(&err);
	return v;
}

/* A month name or year in the query lifts exchanges of that date (fused
 * modes); "may" in lower case is not a month. */
static void test_date_words(void)
{
	struct idx_opts o;
	double off, on;

	idx_opts_default(&o);
	T_CHECK(o.dates > 0);
	o.smooth = 0;
	/* ids[2] is dated 2026-03-01 */
	on = score_of("toggle theme March mode:hybrid limit:50", &o, ids[2]);
	o.dates = 0;
	off = score_of("toggle theme March mode:hybrid limit:50", &o, ids[2]);
	T_CHECK(off >= 0 && fabs(on - off - 0.5) < 1e-9);
	o.dates = 0.5;
	on = score_of("toggle theme march 2026 mode:hybrid limit:50", &o,
		      ids[2]);
	T_CHECK(fabs(on - off - 0.5) < 0.2);    /* both match: +0.5 */
	on = score_of("toggle theme March 2025 mode:hybrid limit:50", &o,
		      ids[2]);
	T_CHECK(on > off);                      /* one of two: +0.25 */
	on = score_of("toggle theme may mode:hybrid limit:50", &o, ids[2]);
	off = score_of("toggle theme mode:hybrid limit:50", &o, ids[2]);
	T_CHECK(on > 0 && on <= off + 1e-9);
	/* single-signal modes are plain BM25 */
	on = score_of("toggle March mode:verbatim", &o, ids[7]);
	o.dates = 0;
	T_CHECK(fabs(on - score_of("toggle March mode:verbatim", &o, ids[7])) <
		1e-12);
}

static void teardown(void)
{
	vec_cache_clear();
	store_close(&st);
}

T_MAIN(setup, test_modes_find_planted, test_filters, test_hostile,
       test_render_text, test_render_json, test_scope, test_eval_small,
       test_rank_function, test_session_smoothing, test_date_words,
       test_forget_keeps_index, test_ingest_then_forget, teardown)

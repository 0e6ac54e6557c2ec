/* test_query.c: query parsing: words, phrases, filters and their errors,
 * stop words, and the FTS5 expression that never lets an operator through. */
#include "common.h"
#include "query.h"

#include <errno.h>

#include "t.h"

/* Parses s, returns rc; the FTS5 expression goes to fts, the error to err. */
static int parse(const char *s, struct idx_query *q, struct buf *fts,
		 struct buf *err)
{
	int rc;

	buf_reset(fts);
	buf_reset(err);
	rc = idx_query_parse(s, 0, q, err);
	if (!rc)
		idx_query_fts(q, fts);
	return rc;
}

static void test_words_or(void)
{
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(parse("retry timeout", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"retry\" OR \"timeout\"");
	T_STREQ(q.text, "retry timeout");
	T_EQ(q.mode, -1);
	T_EQ(q.limit, IDX_LIMIT_DEFAULT);
	idx_query_release(&q);
	/* duplicates (any case) once; punctuation splits like FTS5 does */
	T_EQ(parse("Retry retry upload.c:212", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"Retry\" OR \"upload\" OR \"c\" OR \"212\"");
	idx_query_release(&q);
	buf_release(&f);
	buf_release(&e);
}

static void test_phrases(void)
{
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(parse("\"retry timeout\" the upload", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"retry timeout\" OR \"upload\"");
	T_EQ(q.nstop, 1);
	idx_query_release(&q);
	/* phrases keep stop words */
	T_EQ(parse("\"the end\"", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"the end\"");
	idx_query_release(&q);
	/* unbalanced quote: lenient, the rest are words */
	T_EQ(parse("\"retry timeout", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"retry\" OR \"timeout\"");
	idx_query_release(&q);
	T_EQ(parse("a\"b", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"b\"");
	idx_query_release(&q);
	buf_release(&f);
	buf_release(&e);
}

static void test_operators_are_words(void)
{
	static const char *const in[] = {
		"NEAR(a b)", "col:val", "verbatim:x", "^start", "pre*",
		"a AND b", "(x OR y)", "-not +plus", "{a b}",
	};
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		T_EQ(parse(in[i], &q, &f, &e), 0);
		/* every term is a quoted string: the expression alternates
		 * "..." and OR, and holds no bare operator character */
		for (const char *p = buf_str(&f); *p;) {
			T_CHECK(*p == '"');
			p = strchr(p + 1, '"');
			T_CHECK(p != NULL);
			if (!p)
				break;
			p++;
			if (*p) {
				T_CHECK(!strncmp(p, " OR ", 4));
				p += 4;
			}
		}
		idx_query_release(&q);
	}
	/* a quote always delimits a phrase, never reaches a term */
	T_EQ(parse("say \"it\"s", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"say\" OR \"it\"");
	idx_query_release(&q);
	buf_release(&f);
	buf_release(&e);
}

static void test_stop_words(void)
{
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	T_CHECK(idx_stopword("the", 3));
	T_CHECK(idx_stopword("what", 4));
	T_CHECK(!idx_stopword("retry", 5));
	T_EQ(parse("What did Caroline do with the painting?", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"Caroline\" OR \"painting\"");
	T_STREQ(q.text, "What did Caroline do with the painting?");
	idx_query_release(&q);
	/* only stop words: they are searched rather than nothing */
	T_EQ(parse("to be or not to be", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"to\" OR \"be\" OR \"or\" OR \"not\"");
	idx_query_release(&q);
	/* no letters at all: nothing searchable, but not an error */
	T_EQ(parse("*** ^ ()", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "");
	idx_query_release(&q);
	buf_release(&f);
	buf_release(&e);
}

static void test_filters(void)
{
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(parse("retry project:app room:retry_timeout file:upload.c "
		   "since:2026-01-02 until:2026-01-31 Mode:Cross limit:3",
		   &q, &f, &e), 0);
	T_STREQ(q.project, "app");
	T_STREQ(q.room, "retry_timeout");
	T_STREQ(q.file, "upload.c");
	T_EQ(q.since, 1767312000);              /* 2026-01-02T00:00:00Z */
	T_EQ(q.until, 1769817600 + 86400);      /* end of 2026-01-31 */
	T_EQ(q.mode, IDX_MODE_CROSS);
	T_EQ(q.limit, 3);
	T_STREQ(buf_str(&f), "\"retry\"");
	T_STREQ(q.text, "retry");
	idx_query_release(&q);
	/* quoted value; later wins; unknown keys are words */
	T_EQ(parse("project:\"my app\" project:web note:x", &q, &f, &e), 0);
	T_STREQ(q.project, "web");
	T_STREQ(buf_str(&f), "\"note\" OR \"x\"");
	idx_query_release(&q);
	T_EQ(parse("project:\"my app\"", &q, &f, &e), 0);
	T_STREQ(q.project, "my app");
	idx_query_release(&q);
	/* filters alone are a query (a listing) */
	T_EQ(parse("project:app", &q, &f, &e), 0);
	T_STREQ(q.text, "");
	idx_query_release(&q);
	/* plain: filters are words */
	T_EQ(idx_query_parse("mode:foo project:x", IDX_QPLAIN, &q, &e), 0);
	T_EQ(q.mode, -1);
	T_CHECK(q.project == NULL);
	idx_query_release(&q);
	buf_release(&f);
	buf_release(&e);
}

static void test_errors(void)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{ "x mode:fast", "mode:fast is not a mode" },
		{ "x limit:ten", "limit:ten is not a number" },
		{ "x limit:0", "limit:0 is not a number from 1" },
		{ "x limit:99999999999999999999", "is not a number from 1" },
		{ "x since:2026-02-30", "since:2026-02-30 is not a date" },
		{ "x until:yesterday", "until:yesterday is not a date" },
		{ "x since:2025-13-01", "is not a date" },
		{ "x project:", "project: needs a value" },
		{ "", "empty query" },
		{ "   ", "empty query" },
		{ "x \xff\xfe", "not valid UTF-8" },
		{ "x \xc0\xaf", "not valid UTF-8" },
		{ "x \xed\xa0\x80", "not valid UTF-8" },
	};
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);
	struct buf big = BUF_INIT(BUF_MAX_TEXT);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		T_EQ(parse(cases[i].in, &q, &f, &e), -EINVAL);
		T_CONTAINS(buf_str(&e), cases[i].msg);
		T_CHECK(!strchr(buf_str(&e), '\n'));
		idx_query_release(&q);
	}
	for (int i = 0; i < 1100; i++)
		buf_adds(&big, "word ");
	T_EQ(parse(buf_str(&big), &q, &f, &e), -EINVAL);
	T_CONTAINS(buf_str(&e), "longer than 4096 bytes");
	idx_query_release(&q);
	buf_reset(&big);
	for (int i = 0; i < IDX_TERMS_MAX + 1; i++)
		buf_addf(&big, "w%d ", i);
	T_EQ(parse(buf_str(&big), &q, &f, &e), -EINVAL);
	T_CONTAINS(buf_str(&e), "more than");
	idx_query_release(&q);
	buf_release(&big);
	buf_release(&f);
	buf_release(&e);
}

static void test_unicode(void)
{
	struct idx_query q;
	struct buf f = BUF_INIT(BUF_MAX_SMALL), e = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(parse("日本語 café 🎉", &q, &f, &e), 0);
	T_STREQ(buf_str(&f), "\"日本語\" OR \"café\" OR \"🎉\"");
	idx_query_release(&q);
	/* control characters separate words and never reach the echo */
	T_EQ(parse("ab\tcd\x01" "ef\ngh", &q, &f, &e), 0);
	T_STREQ(q.input, "ab cd ef gh");
	T_STREQ(buf_str(&f), "\"ab\" OR \"cd\" OR \"ef\" OR \"gh\"");
	idx_query_release(&q);
	T_STREQ(idx_mode_name(IDX_MODE_HYBRID), "hybrid");
	T_EQ(idx_mode_parse("VECTOR"), IDX_MODE_VECTOR);
	T_EQ(idx_mode_parse("nope"), -1);
	buf_release(&f);
	buf_release(&e);
}

T_MAIN(test_words_or, test_phrases, test_operators_are_words,
       test_stop_words, test_filters, test_errors, test_unicode)

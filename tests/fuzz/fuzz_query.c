/* fuzz_query.c: libFuzzer target for the query parser (index/query.h):
 * idx_query_parse with and without IDX_QPLAIN, then the FTS5 expression.
 * Checks: an error is one line; a parsed query's limit is in range, its
 * mode known or -1; the FTS5 expression is only quoted strings joined by
 * " OR " (so no FTS5 syntax in a query can reach MATCH unquoted). */
#include "common.h"
#include "query.h"
#include "fuzz.h"

/* Every byte outside "..." is part of " OR " separators. */
static int fts_quoted_only(const char *s)
{
	while (*s) {
		if (*s++ != '"')
			return 0;
		for (;;) {
			if (!*s)
				return 0;
			if (*s == '"' && s[1] == '"') {
				s += 2;
				continue;
			}
			if (*s++ == '"')
				break;
		}
		if (!*s)
			return 1;
		if (strncmp(s, " OR ", 4))
			return 0;
		s += 4;
	}
	return 1;
}

static void query_one(const char *s, unsigned flags)
{
	struct idx_query q;
	struct buf err = BUF_INIT(BUF_MAX_SMALL), fts = BUF_INIT(BUF_MAX_TEXT);
	int rc = idx_query_parse(s, flags, &q, &err);

	if (rc) {
		FUZZ_ASSERT(rc == -EINVAL);
		FUZZ_ASSERT(fuzz_one_line(buf_str(&err), err.len));
	} else {
		FUZZ_ASSERT(q.limit >= 1 && q.limit <= IDX_LIMIT_MAX);
		FUZZ_ASSERT(q.mode >= -1 && q.mode < IDX_NMODES);
		FUZZ_ASSERT(q.words.n <= IDX_TERMS_MAX);
		FUZZ_ASSERT(idx_query_fts(&q, &fts) == 0);
		FUZZ_ASSERT(fts_quoted_only(buf_str(&fts)));
	}
	idx_query_release(&q);
	buf_release(&err);
	buf_release(&fts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	query_one(s, 0);
	query_one(s, IDX_QPLAIN);
	free(s);
	return 0;
}

/* query.h: what a user types as a search, parsed.
 *
 * Syntax (SPEC section 4): words, "quoted phrases", and key:value filters
 *   project:NAME  room:KEY or room:TYPE/KEY  file:PATH (basename or suffix
 *   at a '/' boundary)  since:YYYY-MM-DD  until:YYYY-MM-DD (inclusive, UTC)
 *   mode:verbatim|distilled|vector|hybrid|cross  limit:N (1..IDX_LIMIT_MAX)
 * A filter value may be quoted (project:"my app").  Keys are recognised in
 * any case; any other word with a ':' is just a word.  Later filters of the
 * same key replace earlier ones.
 *
 * Decisions:
 *  - An unbalanced '"' is lenient: the text after it is read as ordinary
 *    words (a query name typed by hand must not fail on a stray quote).
 *  - English stop words are dropped from the words searched by BM25 (FTS5
 *    has no stop list).  A query made only of stop words searches them all
 *    rather than nothing.  Phrases keep every word.
 *  - A word with no letter or digit (punctuation, emoji) searches nothing.
 *  - Errors (one line in err, -EINVAL): longer than IDX_QUERY_MAX bytes,
 *    not UTF-8, more than IDX_TERMS_MAX words and phrases, an unknown mode,
 *    a date that is not a real YYYY-MM-DD day, a limit that is not a
 *    number in range, a filter key with no value, nothing at all to search.
 *
 * Safety: the FTS5 expression (idx_query_fts) quotes every word and phrase
 * as an FTS5 string with '"' doubled, joined by OR, so NEAR, *, ^, ':',
 * column names, AND/OR/NOT and parentheses are only words. */
#ifndef IDX_QUERY_H
#define IDX_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "strv.h"

enum idx_mode {
	IDX_MODE_VERBATIM,      /* BM25 over the verbatim text */
	IDX_MODE_DISTILLED,     /* BM25 over the distilled text */
	IDX_MODE_VECTOR,        /* embedding of the distilled text (+verbatim) */
	IDX_MODE_HYBRID,        /* BM25 and vectors over both layers, fused */
	IDX_MODE_CROSS,         /* verbatim BM25 fused with distilled vectors */
	IDX_NMODES
};

#define IDX_QUERY_MAX 4096      /* bytes in one query */
#define IDX_TERMS_MAX 64        /* words and phrases in one query */
#define IDX_LIMIT_DEFAULT 10
#define IDX_LIMIT_MAX 1000

/* Parse flags. */
#define IDX_QPLAIN 1            /* no key:value filters (eval questions) */

struct idx_query {
	char *input;            /* the query as given, control chars as ' ' */
	struct strv words;      /* words and phrases searched by BM25 */
	char *text;             /* all words and phrases (stop words too),
	                           space-joined: what an embedder sees */
	int nstop;              /* how many stop words were dropped */
	char *project, *room, *file;    /* filters or NULL */
	int64_t since, until;   /* unix seconds: t_start >= since, t_start <
	                           until; 0 when not given */
	int mode;               /* enum idx_mode, or -1: the default */
	size_t limit;
};

/* Parses s into q (q need not be initialised; release it in every case).
 * 0, or -EINVAL with one line in err saying what is wrong. */
int idx_query_parse(const char *s, unsigned flags, struct idx_query *q,
		    struct buf *err);
void idx_query_release(struct idx_query *q);

/* Appends the FTS5 MATCH expression of q's words ("a" OR "b c"); appends
 * nothing when q has no searchable word. */
int idx_query_fts(const struct idx_query *q, struct buf *out);
/* Appends one word or phrase as an FTS5 string ("..." with '"' doubled). */
int idx_query_fts_term(const char *w, struct buf *out);

/* 1 when w (a lowercase ASCII word) is an English stop word. */
int idx_stopword(const char *w, size_t n);

const char *idx_mode_name(int mode);
/* -1 when s names no mode. */
int idx_mode_parse(const char *s);

#endif

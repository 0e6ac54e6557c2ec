/* query.c: parsing a search query (see query.h): splitting words, phrases
 * and filters, validating filter values, dropping stop words, and writing
 * the always-quoted FTS5 OR expression. */
#include "common.h"
#include "query.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const mode_names[IDX_NMODES] = {
	"verbatim", "distilled", "vector", "hybrid", "cross",
};

const char *idx_mode_name(int mode)
{
	return mode >= 0 && mode < IDX_NMODES ? mode_names[mode] : "?";
}

int idx_mode_parse(const char *s)
{
	for (int i = 0; i < IDX_NMODES; i++)
		if (!strcasecmp(s, mode_names[i]))
			return i;
	return -1;
}

/* Function words that say nothing about which exchange is meant, plus the
 * fragments FTS5 leaves of contractions ("what's" -> what, s). Sorted for
 * bsearch. */
static const char *const stop_words[] = {
	"a", "about", "above", "after", "again", "against", "all", "also",
	"am", "an", "and", "any", "are", "as", "at", "be", "because", "been",
	"before", "being", "below", "between", "both", "but", "by", "can",
	"could", "d", "did", "do", "does", "doing", "down", "during", "each",
	"else", "ever", "few", "for", "from", "further", "had", "has", "have",
	"having", "he", "her", "here", "hers", "herself", "him", "himself",
	"his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
	"just", "ll", "m", "me", "might", "more", "most", "must", "my",
	"myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only",
	"or", "other", "ought", "our", "ours", "ourselves", "out", "over",
	"own", "re", "s", "same", "shall", "she", "should", "so", "some",
	"such", "t", "than", "that", "the", "their", "theirs", "them",
	"themselves", "then", "there", "these", "they", "this", "those",
	"through", "to", "too", "under", "until", "up", "us", "ve", "very",
	"was", "we", "were", "what", "when", "where", "which", "while", "who",
	"whom", "whose", "why", "will", "with", "would", "you", "your",
	"yours", "yourself", "yourselves",
};

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int idx_stopword(const char *w, size_t n)
{
	char tmp[16];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, w, n);
	tmp[n] = 0;
	return bsearch(tmp, stop_words, ARRAY_SIZE(stop_words),
		       sizeof(stop_words[0]), cmp_word) != NULL;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0], n, min, v;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, v = c & 0x07;
	else
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

static int utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c < 0x20 || c == 0x7f;
}

/* Token characters as FTS5 unicode61 sees them, near enough: ASCII letters
 * and digits, and every non-ASCII byte (letters of other scripts; symbols
 * such as emoji are passed on quoted and FTS5 drops them). */
static int is_tok(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

struct parse {
	struct idx_query *q;
	struct buf *err;
	struct strv stops;      /* stop words seen, for the fallback */
	struct buf text;
};

static int fail(struct parse *p, const char *fmt, const char *arg)
{
	buf_addf(p->err, fmt, arg);
	return -EINVAL;
}

static int has_word(const struct strv *sv, const char *w)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcasecmp(sv->v[i], w))
			return 1;
	return 0;
}

static int add_term(struct parse *p, struct strv *to, const char *w, size_t n)
{
	char *t = xstrndup(w, n);

	if (has_word(to, t)) {
		free(t);
		return 0;
	}
	if (to == &p->q->words && to->n >= IDX_TERMS_MAX) {
		free(t);
		buf_addf(p->err, "more than %d words to search for",
			 IDX_TERMS_MAX);
		return -EINVAL;
	}
	strv_push_owned(to, t);
	return 0;
}

static void add_text(struct parse *p, const char *w, size_t n)
{
	if (p->text.len)
		buf_addc(&p->text, ' ');
	buf_add(&p->text, w, n);
}

/* An unquoted word: split where FTS5 would split it, drop stop words. */
static int add_word(struct parse *p, const char *w, size_t n)
{
	size_t i = 0;
	int rc = 0;

	add_text(p, w, n);
	while (!rc && i < n) {
		size_t a, k;
		char low[16];

		while (i < n && !is_tok((unsigned char)w[i]))
			i++;
		a = i;
		while (i < n && is_tok((unsigned char)w[i]))
			i++;
		if (i == a)
			break;
		for (k = 0; k < i - a && k < sizeof(low); k++)
			low[k] = (char)tolower((unsigned char)w[a + k]);
		if (i - a < sizeof(low) && idx_stopword(low, i - a)) {
			p->q->nstop++;
			rc = add_term(p, &p->stops, low, i - a);
		} else {
			rc = add_term(p, &p->q->words, w + a, i - a);
		}
	}
	return rc;
}

static int add_phrase(struct parse *p, const char *w, size_t n)
{
	int tok = 0;

	add_text(p, w, n);
	for (size_t i = 0; i < n; i++)
		tok |= is_tok((unsigned char)w[i]);
	if (!tok)
		return 0;
	return add_term(p, &p->q->words, w, n);
}

/* YYYY-MM-DD -> unix seconds at 00:00 UTC. */
static int parse_date(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int y, m, d, leap;
	struct tm tm;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -EINVAL;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

static int set_limit(struct parse *p, const char *v)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*v))
		return fail(p, "limit:%s is not a number", v);
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end || errno || n < 1 || n > IDX_LIMIT_MAX) {
		buf_addf(p->err, "limit:%s is not a number from 1 to %d", v,
			 IDX_LIMIT_MAX);
		return -EINVAL;
	}
	p->q->limit = (size_t)n;
	return 0;
}

static int set_filter(struct parse *p, const char *key, const char *v)
{
	struct idx_query *q = p->q;
	int64_t t;

	if (!*v)
		return fail(p, "%s: needs a value", key);
	if (!strcmp(key, "project"))
		return set_str(&q->project, v);
	if (!strcmp(key, "room"))
		return set_str(&q->room, v);
	if (!strcmp(key, "file"))
		return set_str(&q->file, v);
	if (!strcmp(key, "mode")) {
		q->mode = idx_mode_parse(v);
		if (q->mode < 0)
			return fail(p, "mode:%s is not a mode (verbatim, "
				    "distilled, vector, hybrid, cross)", v);
		return 0;
	}
	if (!strcmp(key, "limit"))
		return set_limit(p, v);
	if (parse_date(v, &t))
		return fail(p, !strcmp(key, "since") ?
			    "since:%s is not a date (YYYY-MM-DD)" :
			    "until:%s is not a date (YYYY-MM-DD)", v);
	if (!strcmp(key, "since"))
		q->since = t;
	else
		q->until = t + 86400;
	return 0;
}

static const char *const filter_keys[] = {
	"project", "room", "file", "since", "until", "mode", "limit",
};

/* If w (n bytes, unquoted) starts with a filter key and ':', the key. */
static const char *filter_key(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(filter_keys); i++) {
		size_t k = strlen(filter_keys[i]);

		if (n > k && w[k] == ':' && !strncasecmp(w, filter_keys[i], k))
			return filter_keys[i];
	}
	return NULL;
}

/* Reads a filter at s (after "key:"); the value may be quoted.  *end gets
 * where parsing resumes. */
static int read_filter(struct parse *p, const char *key, const char *s,
		       const char **end)
{
	const char *v = s, *e;
	char *val;
	int rc;

	if (*v == '"' && (e = strchr(v + 1, '"'))) {
		val = xstrndup(v + 1, (size_t)(e - v - 1));
		*end = e + 1;
	} else {
		for (e = v; *e && !is_space((unsigned char)*e); e++)
			;
		val = xstrndup(v, (size_t)(e - v));
		*end = e;
	}
	rc = set_filter(p, key, val);
	free(val);
	return rc;
}

static int parse_terms(struct parse *p, const char *s, unsigned flags)
{
	int rc = 0;

	while (!rc && *s) {
		const char *e, *key;

		if (is_space((unsigned char)*s)) {
			s++;
			continue;
		}
		if (*s == '"' && (e = strchr(s + 1, '"'))) {
			rc = add_phrase(p, s + 1, (size_t)(e - s - 1));
			s = e + 1;
			continue;
		}
		if (*s == '"')  /* unbalanced: the rest is plain words */
			s++;
		for (e = s; *e && !is_space((unsigned char)*e) && *e != '"';
		     e++)
			;
		key = flags & IDX_QPLAIN ? NULL : filter_key(s, (size_t)(e - s));
		if (key) {
			rc = read_filter(p, key, s + strlen(key) + 1, &s);
		} else {
			if (e > s)
				rc = add_word(p, s, (size_t)(e - s));
			s = e;
		}
	}
	return rc;
}

static char *clean_input(const char *s)
{
	char *c = xstrdup(s);

	for (char *t = c; *t; t++)
		if (is_space((unsigned char)*t))
			*t = ' ';
	return c;
}

int idx_query_parse(const char *s, unsigned flags, struct idx_query *q,
		    struct buf *err)
{
	struct parse p = { q, err, STRV_INIT, BUF_INIT(IDX_QUERY_MAX * 2) };
	size_t err0 = err->len;
	int rc;

	memset(q, 0, sizeof(*q));
	q->mode = -1;
	q->limit = IDX_LIMIT_DEFAULT;
	if (strlen(s) > IDX_QUERY_MAX) {
		buf_addf(err, "query is longer than %d bytes", IDX_QUERY_MAX);
		return -EINVAL;
	}
	if (!utf8_valid(s)) {
		buf_adds(err, "query is not valid UTF-8");
		return -EINVAL;
	}
	q->input = clean_input(s);
	rc = parse_terms(&p, s, flags);
	/* Only stop words: search them rather than nothing. */
	if (!rc && !q->words.n)
		for (size_t i = 0; i < p.stops.n; i++)
			strv_push(&q->words, p.stops.v[i]);
	if (!rc && !p.text.len && !q->project && !q->room && !q->file &&
	    !q->since && !q->until) {
		buf_adds(err, "empty query: give words to search for");
		rc = -EINVAL;
	}
	q->text = buf_detach(&p.text);
	strv_clear(&p.stops);
	for (size_t i = err0; i < err->len; i++)  /* a quoted value with a */
		if ((unsigned char)err->p[i] < 0x20)  /* newline: still one line */
			err->p[i] = ' ';
	return rc;
}

void idx_query_release(struct idx_query *q)
{
	free(q->input);
	free(q->text);
	free(q->project);
	free(q->room);
	free(q->file);
	strv_clear(&q->words);
	memset(q, 0, sizeof(*q));
}

int idx_query_fts_term(const char *w, struct buf *out)
{
	int rc = buf_addc(out, '"');

	for (const char *c = w; !rc && *c; c++)
		rc = *c == '"' ? buf_adds(out, "\"\"") : buf_addc(out, *c);
	return rc ? rc : buf_addc(out, '"');
}

int idx_query_fts(const struct idx_query *q, struct buf *out)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < q->words.n; i++) {
		if (i)
			rc = buf_adds(out, " OR ");
		if (!rc)
			rc = idx_query_fts_term(q->words.v[i], out);
	}
	return rc;
}

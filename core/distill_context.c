/* distill_context.c: specific_context, "the disambiguator": one exact
 * detail copied from the exchange, taken only from places that carry one.
 * Candidates, strongest first: a specific error token with its clause
 * (ETIMEDOUT, KeyError), an error line of a tool result (not a rejection,
 * not a bare exit status), a `backticked` or "quoted" span, a number with
 * its unit, a path with a line number, a hex id, a --flag; in a chat
 * without any of these, a run of capitalised names or a long number.  Never
 * a table row, a narration sentence ("Let me ..."), a tool's argument, or
 * the project root, nor a detail the neighbouring exchanges of the
 * conversation share (the branch, the epic's name).  The best one is copied
 * as the text has it (white space folded, markdown marks dropped), cut to
 * CONTEXT_MAX_TOK tokens; "" when there is none. */
#include "common.h"
#include "distill_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTEXT_MAX_TOK 12

struct cand {
	size_t a, b;            /* word range, inclusive */
	double score;
	size_t tail;            /* bytes after word b that belong to it: the
				   ")" of `f(x)` before its closing mark */
};

static const char *const error_words[] = {
	"error", "errors", "exception", "failed", "fails", "failing", "failure",
	"fatal", "panic", "panicked", "traceback", "segfault", "segmentation",
	"denied", "timeout", "timed", "refused", "undefined", "unable",
	"cannot", "crash", "crashed", "crashes", "aborted", "overflow",
	"deadlock", "leak", "broken", "mismatch", "invalid", "missing",
};

static const char *const units[] = {
	"ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute",
	"minutes", "h", "hours", "hour", "days", "day", "weeks", "months",
	"years", "kb", "mb", "gb", "tb", "bytes", "b", "%", "percent", "px",
	"tokens", "lines", "files", "rows", "items", "times", "x", "req/s",
	"rps", "fps", "ns", "us", "µs", "k", "m",
};

static int word_in(const struct dword *w, const char *const *tab, size_t n)
{
	int c = tolower((unsigned char)w->p[0]);

	for (size_t i = 0; i < n; i++)
		if (c == (unsigned char)tab[i][0] && w->n == strlen(tab[i]) &&
		    !strncasecmp(w->p, tab[i], w->n))
			return 1;
	return 0;
}

static int ends_with_ci(const struct dword *w, const char *s)
{
	size_t k = strlen(s);

	return w->n > k && !strncasecmp(w->p + w->n - k, s, k);
}

/* 2: a specific error token (ETIMEDOUT, KeyError), 1: an error word. */
static int error_strength(const struct dword *w)
{
	size_t caps = 0;

	if (w->n >= 4 && w->p[0] == 'E') {
		for (size_t i = 1; i < w->n; i++)
			caps += !!isupper((unsigned char)w->p[i]);
		if (caps == w->n - 1)
			return 2;
	}
	if (ends_with_ci(w, "error") || ends_with_ci(w, "exception"))
		return w->n > 9 && isupper((unsigned char)w->p[0]) ? 2 : 1;
	return word_in(w, error_words, ARRAY_SIZE(error_words));
}

/* The unit part of "30s", "200ms", "5MB", "90%" or nothing. */
static int glued_unit(const struct dword *w)
{
	size_t i = 0;

	while (i < w->n && (isdigit((unsigned char)w->p[i]) || w->p[i] == '.'))
		i++;
	if (!i || i == w->n || !isdigit((unsigned char)w->p[0]))
		return 0;
	for (size_t k = i; k < w->n; k++)
		if (!isalpha((unsigned char)w->p[k]) && w->p[k] != '%')
			return 0;
	return w->n - i <= 7;
}

static int clause_end(const struct dword *w)
{
	const char *q = w->p + w->n;

	while (*q == '*')
		q++;
	if (*q == '.')
		return !q[1] || isspace((unsigned char)q[1]);
	return *q && strchr(",;:()\"`", *q);
}

static int secret_in(const struct dtext *t, size_t a, size_t b)
{
	for (size_t i = a; i <= b; i++)
		if (t->w[i].flags & DW_SECRET)
			return 1;
	return 0;
}

static int filler(const struct dword *w)
{
	return (w->flags & (DW_STOP | DW_JUNK | DW_SECRET)) ||
		((w->flags & DW_WEAK) && !(w->flags & (DW_NUM | DW_IDENT)));
}

/* A window of up to left/right words around e, within its sentence, not
 * crossing a clause end, without filler at either edge. */
static void window(const struct dtext *t, size_t e, size_t left, size_t right,
		   struct cand *c)
{
	const struct dsent *s = &t->s[t->w[e].sent];
	size_t lo = s->w0, hi = s->w0 + s->nw - 1;

	c->a = c->b = e;
	while (left-- && c->a > lo && !clause_end(&t->w[c->a - 1]) &&
	       !(t->w[c->a - 1].flags & DW_SECRET))
		c->a--;
	while (right-- && c->b < hi && !clause_end(&t->w[c->b]) &&
	       !(t->w[c->b + 1].flags & DW_SECRET))
		c->b++;
	while (c->a < e && filler(&t->w[c->a]))
		c->a++;
	while (c->b > e && filler(&t->w[c->b]))
		c->b--;
}

static int specific(const struct dword *w)
{
	return !!(w->flags & (DW_NUM | DW_IDENT | DW_PATH | DW_CAP));
}

static double window_specific(const struct dtext *t, const struct cand *c)
{
	double n = 0;

	for (size_t i = c->a; i <= c->b; i++)
		n += specific(&t->w[i]) && !(t->w[i].flags & DW_FIRST);
	return n;
}

/* The project root, or its last component, is never a detail. */
static int project_root(const struct dtext *t, const struct dword *w)
{
	size_t n = t->cwd_n;
	const char *base;

	if (!n)
		return 0;
	while (n > 1 && t->cwd[n - 1] == '/')
		n--;
	if (w->n == n && !strncmp(w->p, t->cwd, n))
		return 1;
	if (w->n == n + 1 && !strncmp(w->p, t->cwd, n) && w->p[n] == '/')
		return 1;
	base = t->cwd + n;
	while (base > t->cwd && base[-1] != '/')
		base--;
	return (size_t)(t->cwd + n - base) == w->n && !strncmp(w->p, base, w->n);
}

static int line_number(const struct dword *w)
{
	const char *c = memchr(w->p, ':', w->n);

	return c && c + 1 < w->p + w->n && isdigit((unsigned char)c[1]);
}

/* A lower-case hex id of 7 to 40 digits with a digit and a letter (a
 * commit, an object id). */
static int hex_id(const struct dword *w)
{
	int dig = 0, let = 0;

	if (w->n < 7 || w->n > 40)
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		char c = w->p[i];

		if (c >= '0' && c <= '9')
			dig = 1;
		else if (c >= 'a' && c <= 'f')
			let = 1;
		else
			return 0;
	}
	return dig && let;
}

/* --flag or --flag=value */
static int flag(const struct dword *w)
{
	return w->n > 3 && w->p[0] == '-' && w->p[1] == '-' &&
		isalpha((unsigned char)w->p[2]);
}

/* The mark ('`' or '"') is among the word's leading punctuation. */
static int opens(const struct dtext *t, size_t i, char mark)
{
	const struct dword *w = &t->w[i];

	return w->lead && memchr(w->p - w->lead, mark, w->lead) != NULL;
}

/* 1 + the bytes between w and the closing mark, or 0 when w does not
 * close the span. */
static size_t closes(const struct dword *w, char mark)
{
	for (const char *q = w->p + w->n; *q && !isspace((unsigned char)*q);
	     q++)
		if (*q == mark)
			return (size_t)(q - (w->p + w->n)) + 1;
	return 0;
}

/* A `backticked` or "quoted" span opening at word i, within its sentence:
 * 1 with c->b set. */
static int marked_span(const struct dtext *t, size_t i, char mark,
		       struct cand *c)
{
	const struct dsent *s = &t->s[t->w[i].sent];
	size_t hi = s->w0 + s->nw;

	if (!opens(t, i, mark))
		return 0;
	for (size_t j = i; j < hi && j < i + 12; j++) {
		size_t k = closes(&t->w[j], mark);

		if (k) {
			c->a = i;
			c->b = j;
			c->tail = k - 1;
			return 1;
		}
	}
	return 0;
}

static int span_specific(const struct dtext *t, const struct cand *c)
{
	for (size_t i = c->a; i <= c->b; i++)
		if (t->w[i].flags & (DW_NUM | DW_IDENT | DW_PATH | DW_CAP))
			return 1;
	return c->b > c->a;
}

/* An error brief of a tool result ("error: ..."), not a rejection or a
 * bare exit status. */
static int error_brief(const struct dtext *t, const struct dsent *s)
{
	const struct dword *w = &t->w[s->w0];

	if (s->src != DSRC_TOOL || s->nw < 3 || !distill_word_is(w, "error") ||
	    w->n != 5)
		return 0;
	if (distill_word_is(w + 1, "exit") && distill_word_is(w + 2, "code"))
		return 0;       /* "Exit code 1": the line that says why is not
			           in the brief */
	return !(distill_word_is(w + 1, "the") && distill_word_is(w + 2,
								  "user"));
}

static double place_bonus(enum dsrc src)
{
	return src == DSRC_USER ? 0.6 : src == DSRC_OUTCOME ? 0.3 : 0;
}

/* The best candidate anchored on word i, if any.  Only places that carry
 * a disambiguator: an error brief, a marked span, a specific token; never
 * a table row, narration, or the project root. */
static int candidate(const struct dtext *t, size_t i, struct cand *c)
{
	const struct dword *w = &t->w[i];
	const struct dsent *s = &t->s[w->sent];
	int es = error_strength(w);

	c->tail = 0;
	if (w->flags & (DW_JUNK | DW_SECRET) || project_root(t, w) ||
	    s->table || distill_narration(t, w->sent))
		return 0;
	if (s->src == DSRC_TOOL) {
		if (i != s->w0 + 1 || !error_brief(t, s))
			return 0;
		window(t, i, 0, 12, c);
		c->score = 3.0 + (window_specific(t, c) ? 1.5 : 0);
		return 1;
	}
	if (es == 2) {          /* ETIMEDOUT, KeyError */
		window(t, i, 1, 5, c);
		c->score = 4.5 + place_bonus(s->src);
		return 1;
	}
	if (marked_span(t, i, '`', c) || marked_span(t, i, '"', c)) {
		c->score = (span_specific(t, c) ? 3.2 : 1.4) +
			place_bonus(s->src);
		return 1;
	}
	if (w->flags & DW_NUM && !(w->flags & DW_PATH)) {
		const struct dword *nx = i + 1 < t->nw && t->w[i + 1].sent ==
			w->sent ? &t->w[i + 1] : NULL;
		int unit = glued_unit(w) || (nx && !clause_end(w) &&
					     word_in(nx, units,
						     ARRAY_SIZE(units)));

		if (hex_id(w)) {
			window(t, i, 0, 0, c);
			c->score = 2.8;
			return 1;
		}
		if (!unit && (w->n < 3 || t->tools))
			return 0;       /* a bare number: only in a chat */
		window(t, i, 1, unit && !glued_unit(w) ? 1 : 0, c);
		c->score = (unit ? 3.0 : 1.2) + place_bonus(s->src);
		return 1;
	}
	if (w->flags & DW_PATH && line_number(w)) {     /* upload.c:212 */
		window(t, i, 0, 0, c);
		c->score = 3.0 + place_bonus(s->src);
		return 1;
	}
	if (flag(w) || hex_id(w)) {
		window(t, i, 0, 0, c);
		c->score = 2.6;
		return 1;
	}
	if (w->flags & DW_CAP && !(w->flags & (DW_STOP | DW_WEAK | DW_VOC)) &&
	    !t->tools) {
		size_t b = i;       /* in a chat, a name: "LGBTQ support group" */

		while (b + 1 < t->nw && t->w[b + 1].sent == w->sent &&
		       t->w[b + 1].flags & DW_CAP && !clause_end(&t->w[b]) &&
		       !(t->w[b + 1].flags & (DW_SECRET | DW_JUNK)) && b - i < 3)
			b++;
		c->a = i;
		c->b = b;
		c->score = 1.0 + 0.2 * (double)(b - i) + place_bonus(s->src);
		return 1;
	}
	return 0;
}

int distill_has_word(const char *s, const char *w, size_t n)
{
	int c0 = tolower((unsigned char)*w);

	for (const char *p = s; n && *p; p++) {
		if (tolower((unsigned char)*p) != c0 || strncasecmp(p, w, n))
			continue;
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return 1;
	}
	return 0;
}

/* Copies words a..b as the text has them, white space collapsed, shortened
 * from the end to CONTEXT_MAX_TOK tokens. */
static char *copy_span(const struct dtext *t, const struct cand *c)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	size_t hi = c->b;

	for (;;) {
		const char *p = t->w[c->a].p, *e = t->w[hi].p + t->w[hi].n +
			(hi == c->b ? c->tail : 0);
		int sp = 0;

		buf_reset(&b);
		for (; p < e; p++) {
			size_t k = distill_tag_len(p, (size_t)(e - p));

			if (isspace((unsigned char)*p) || k) {
				p += k ? k - 1 : 0;
				sp = 1;
				continue;
			}
			if (*p == '`' || (*p == '*' && (p[1] == '*' ||
							(p > t->w[c->a].p &&
							 p[-1] == '*'))))
				continue;   /* markdown code and bold marks */
			if (sp)
				buf_addc(&b, ' ');
			sp = 0;
			buf_addc(&b, *p);
		}
		if (hi == c->a || distill_count_tokens(buf_str(&b)) <=
		    CONTEXT_MAX_TOK)
			break;
		hi--;
	}
	return buf_detach(&b);
}

#define AROUND_PLIES 60         /* plies looked at on each side */
#define AROUND_BYTES (256u << 10)
#define RECURS 3                /* plies elsewhere that make a detail common */

/* 1 if text is in the text of RECURS plies around the exchange (up to
 * AROUND_PLIES on each side): a detail the neighbouring exchanges share
 * (the branch, the epic's name) tells this one apart from nothing. */
static int recurs(const struct distill_input *in, const char *text)
{
	const struct tx_conv *w = in->whole ? in->whole : in->conv;
	size_t at = in->whole ? in->whole_at : in->ply_start;
	size_t end = at + (in->ply_end - in->ply_start), n = strlen(text);
	size_t lo = at > AROUND_PLIES ? at - AROUND_PLIES : 0, seen = 0;
	size_t bytes = 0;

	if (n < 3)
		return 0;
	for (size_t i = lo; i < w->nmsg && i <= end + AROUND_PLIES &&
	     bytes < AROUND_BYTES; i++) {
		const char *s = w->msg[i].text;

		if (i >= at && i <= end)
			continue;
		bytes += strlen(s);
		if (memmem(s, strlen(s), text, n) && ++seen >= RECURS)
			return 1;
	}
	return 0;
}

char *distill_pick_context(const struct dtext *t,
			   const struct distill_input *in)
{
	struct cand best = { 0, 0, 0, 0 }, c;
	char *text = NULL;

	for (size_t i = 0; i < t->nw; i++) {
		char *s;

		if (!candidate(t, i, &c) || secret_in(t, c.a, c.b))
			continue;
		if (t->w[i].flags & DW_CODE)
			c.score -= 0.5;
		if (c.score <= best.score)
			continue;
		s = copy_span(t, &c);   /* only for a new best: a few times */
		if (recurs(in, s)) {
			free(s);
			continue;
		}
		free(text);
		text = s;
		best = c;
	}
	return text ? text : xstrdup("");
}

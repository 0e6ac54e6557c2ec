/* distill_text.c: the exchange as the heuristic distiller reads it: words
 * (with edge punctuation removed, pointing into the plies' text), sentences
 * (cut at . ! ? and at line ends, markdown markup skipped), word classes
 * and salience, sentence scores. */
#include "common.h"
#include "distill_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SENT_MAX_WORDS 40
#define WORD_MAX_LEN 48
#define TEXT_MAX_WORDS 4000     /* read of one ply's text or tools */
#define ALL_MAX_WORDS 40000     /* read of one exchange */

static int lead_punct(unsigned char c)
{
	switch (c) {
	case '"': case '\'': case '(': case '[': case '{': case '<':
	case '*': case '`': case '#': case '>': case '|':
		return 1;
	}
	return 0;
}

static int trail_punct(unsigned char c)
{
	switch (c) {
	case '"': case '\'': case ')': case ']': case '}': case '>':
	case '*': case '`': case ',': case ';': case ':': case '!':
	case '?': case '.': case '|': case '(':
		return 1;
	}
	return 0;
}

/* ASCII letters and digits, and UTF-8 characters that are likely letters:
 * not U+0080-00BF, not the U+2000-2FFF punctuation and symbol blocks
 * (lead byte 0xE2: dashes, arrows, bullets), not 4-byte ones (emoji). */
static int has_alnum(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (isalnum(c) || (c >= 0xc3 && c < 0xf0 && c != 0xe2))
			return 1;
	}
	return 0;
}

static int has_digit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)p[i]))
			return 1;
	return 0;
}

static int has_sub(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(p + i, s, k))
			return 1;
	return 0;
}

/* snake_case, camelCase, obj.field, CAPS_WORD, a::b, f() */
static int identifier(const char *p, size_t n, const char *raw_end)
{
	size_t up = 0, alpha = 0;

	if (n >= 2 && raw_end[0] == '(' && raw_end[1] == ')')
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		alpha += !!isalpha(c);
		up += !!isupper(c);
		if (i && i + 1 < n && (c == '_' || c == '.') &&
		    isalnum((unsigned char)p[i - 1]) &&
		    isalnum((unsigned char)p[i + 1]))
			return 1;
		if (i && islower((unsigned char)p[i - 1]) && isupper(c))
			return 1;
	}
	if ((memchr(p, ':', n) && has_sub(p, n, "::")) ||
	    (memchr(p, '>', n) && has_sub(p, n, "->")))
		return 1;
	return up >= 5 && up == alpha;  /* ETIMEDOUT; not API, HTTP, JSON */
}

/* Has a '/' between alphanumerics, or ends in ".ext" (1-5 letters). */
static int pathlike(const char *p, size_t n)
{
	size_t i = n;

	for (size_t k = 1; k + 1 < n; k++)
		if (p[k] == '/' && has_alnum(p + k + 1, n - k - 1))
			return 1;
	while (i && isalnum((unsigned char)p[i - 1]))
		i--;
	return i > 1 && p[i - 1] == '.' && n - i >= 1 && n - i <= 5 &&
		isalpha((unsigned char)p[i]) && isalnum((unsigned char)p[i - 2]);
}

/* The project root ("/home/ann/app", "/home/ann/app/") says nothing. */
static int is_root(const char *cwd, const char *p, size_t n)
{
	size_t k = cwd ? strlen(cwd) : 0;

	while (k > 1 && cwd[k - 1] == '/')
		k--;
	return k && (n == k || (n == k + 1 && p[k] == '/')) &&
		!strncmp(p, cwd, k);
}

static void push_word(struct dtext *t, const char *raw, size_t rn,
		      unsigned extra)
{
	const char *p = raw, *e = raw + rn;
	struct dword *w;

	while (p < e && lead_punct((unsigned char)*p))
		p++;
	while (e > p && trail_punct((unsigned char)e[-1]))
		e--;
	XGROW(t->w, t->capw, t->nw + 1);
	w = &t->w[t->nw++];
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->n = (size_t)(e - p);
	w->lead = (unsigned char)(p - raw > 255 ? 255 : p - raw);
	w->sent = t->ns;
	w->flags = extra;
	if (!w->n || !has_alnum(p, w->n) || w->n > WORD_MAX_LEN ||
	    (memchr(raw, ':', rn) && has_sub(raw, rn, "://")) ||
	    (w->n > 1 && *p == '/' && is_root(t->cwd, p, w->n)))
		w->flags |= DW_JUNK;
	if (words_secretish(raw, rn))
		w->flags |= DW_SECRET;
	unsigned cls = words_classes(p, w->n);

	if (cls & WORDS_STOP)
		w->flags |= DW_STOP;
	else if (cls & WORDS_WEAK)
		w->flags |= DW_WEAK;
	if (cls & WORDS_GENERIC)
		w->flags |= DW_GENERIC;
	if (cls & WORDS_RESULT)
		w->flags |= DW_RESULT;
	if (has_digit(p, w->n))
		w->flags |= DW_NUM;
	if (identifier(p, w->n, e))
		w->flags |= DW_IDENT;
	if (pathlike(p, w->n))
		w->flags |= DW_PATH;
	if (w->n && isupper((unsigned char)*p) && !(extra & DW_FIRST))
		w->flags |= DW_CAP;
}

/* A capitalised word right before ! , . ? that opens its sentence or
 * follows a comma or a greeting: the person spoken to, who is in every
 * exchange of that chat, so no detail and no room. */
static int vocative(const struct dtext *t, const struct dword *w, size_t w0)
{
	static const char *const greet[] = { "hey", "hi", "hello", "thanks",
		"thank", "bye", "dear", "wow", "yo", "congrats", "sorry" };
	char after = w->p[w->n];
	const struct dword *prev = w > t->w + w0 ? w - 1 : NULL;

	if (!(w->flags & DW_CAP || w->flags & DW_FIRST) ||
	    !isupper((unsigned char)w->p[0]) || !strchr("!,.?", after ? after :
							  ' '))
		return 0;
	if (!prev || prev->p[prev->n] == ',')
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(greet); i++)
		if (prev->n == strlen(greet[i]) &&
		    !strncasecmp(prev->p, greet[i], prev->n))
			return 1;
	return 0;
}

static void end_sentence(struct dtext *t, size_t w0, enum dsrc src,
			 int question, int cut)
{
	if (t->nw == w0)
		return;
	for (size_t i = w0; i < t->nw; i++)
		if (vocative(t, &t->w[i], w0))
			t->w[i].flags |= DW_VOC;
	XGROW(t->s, t->caps, t->ns + 1);
	t->s[t->ns].w0 = w0;
	t->s[t->ns].nw = t->nw - w0;
	t->s[t->ns].src = src;
	t->s[t->ns].ply = t->ply;
	t->s[t->ns].question = !!question;
	t->s[t->ns].repeat = 0;
	t->s[t->ns].table = !!t->table;
	t->s[t->ns].cut = !!cut;
	t->s[t->ns].score = 0;
	t->ns++;
}

/* "e.g." "i.e." "vs." "etc." "Mr." do not end a sentence. */
static int abbreviation(const char *p, size_t n)
{
	static const char *const ab[] = { "e.g.", "i.e.", "vs.", "etc.",
		"mr.", "mrs.", "ms.", "dr.", "st.", "no.", "approx." };

	for (size_t i = 0; i < ARRAY_SIZE(ab); i++)
		if (n == strlen(ab[i]) && !strncasecmp(p, ab[i], n))
			return 1;
	return 0;
}

/* Markdown lines that hold no words worth a sentence: fences, rules,
 * table separators. */
static int markup_line(const char *p, size_t n, int *in_code)
{
	while (n && isspace((unsigned char)*p))
		p++, n--;
	if (n >= 3 && (!memcmp(p, "```", 3) || !memcmp(p, "~~~", 3))) {
		*in_code = !*in_code;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!strchr("-=|:*_ \t+", p[i]))
			return 0;
	return 1;
}

size_t distill_tag_len(const char *p, size_t n)
{
	size_t i = 1;

	if (n < 3 || p[0] != '<')
		return 0;
	if (p[i] == '/')
		i++;
	if (i >= n || !isalpha((unsigned char)p[i]))
		return 0;
	while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_' ||
			 p[i] == '-'))
		i++;
	return i < n && p[i] == '>' ? i + 1 : 0;
}

/* Spaces and tags separate words. */
static size_t gap(const char *p, size_t n)
{
	size_t i = 0, k;

	for (;;) {
		while (i < n && isspace((unsigned char)p[i]))
			i++;
		if (!(k = distill_tag_len(p + i, n - i)))
			return i;
		i += k;
	}
}

/* A line of a pasted log or code outside a fence: three words or more,
 * no stop word, and at least 40% numbers, identifiers, paths or symbols. */
static void mark_code_line(struct dtext *t, size_t first)
{
	size_t n = t->nw - first, odd = 0;

	if (n < 3)
		return;
	for (size_t i = first; i < t->nw; i++) {
		if (t->w[i].flags & DW_STOP)
			return;
		odd += !!(t->w[i].flags & (DW_NUM | DW_IDENT | DW_PATH |
					   DW_JUNK));
	}
	if (odd * 5 >= n * 2)
		for (size_t i = first; i < t->nw; i++)
			t->w[i].flags |= DW_CODE;
}

static void add_line(struct dtext *t, const char *p, size_t n, enum dsrc src,
		     unsigned code)
{
	size_t i = 0, w0 = t->nw, first = t->nw;

	while (i < n && t->nw < t->limit) {
		size_t a, rn;
		char last;

		i += gap(p + i, n - i);
		if (i >= n)
			break;
		a = i;
		while (i < n && !isspace((unsigned char)p[i]) &&
		       !distill_tag_len(p + i, n - i))
			i++;
		rn = i - a;
		push_word(t, p + a, rn, code | (t->nw == w0 ? DW_FIRST : 0));
		last = p[a + rn - 1];
		if (((last == '.' || last == '!' || last == '?') &&
		     !abbreviation(p + a, rn)) || t->nw - w0 >= SENT_MAX_WORDS) {
			end_sentence(t, w0, src, last == '?', !strchr(".!?",
								      last));
			w0 = t->nw;
		}
	}
	end_sentence(t, w0, src, 0, 0);
	mark_code_line(t, first);
}

/* Bounded: a pasted 50 MB log is read up to TEXT_MAX_WORDS words. */
static void add_text(struct dtext *t, const char *text, enum dsrc src)
{
	int in_code = 0;

	t->limit = t->nw + TEXT_MAX_WORDS;
	if (t->limit > ALL_MAX_WORDS)
		t->limit = ALL_MAX_WORDS;
	for (const char *p = text; p && *p && t->nw < t->limit;) {
		size_t n = strcspn(p, "\n");

		size_t k = strspn(p, " \t");

		t->table = k < n && p[k] == '|';
		if (!markup_line(p, n, &in_code))
			add_line(t, p, n, src, in_code ? DW_CODE : 0);
		p += n + (p[n] == '\n');
	}
}

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Marks sentences that repeat an earlier one word for word ("Let me
 * check." ten times): their words count once. */
static void mark_repeats(struct dtext *t)
{
	struct words_count seen = { 0 };

	for (size_t k = 0; k < t->ns; k++) {
		struct dsent *s = &t->s[k];
		const struct dword *a = &t->w[s->w0];
		const struct dword *b = &t->w[s->w0 + s->nw - 1];
		size_t n = b->p >= a->p ? (size_t)(b->p + b->n - a->p) : 0;

		if (!n)
			continue;
		s->repeat = words_count_get(&seen, a->p, n) > 0;
		words_count_add(&seen, a->p, n);
	}
	words_count_release(&seen);
}

static void lower_count(struct dtext *t)
{
	mark_repeats(t);
	for (size_t i = 0; i < t->nw; i++) {
		const struct dword *w = &t->w[i];

		if (t->s[w->sent].src != DSRC_TOOL && !t->s[w->sent].repeat &&
		    !(w->flags & DW_JUNK))
			words_count_add(&t->tf, w->p, w->n);
	}
}

static double salience(const struct dtext *t, const struct dword *w)
{
	double s;
	unsigned tf;

	if (w->flags & (DW_JUNK | DW_SECRET))
		return -1;
	if (w->flags & DW_STOP)
		return 0;
	s = w->flags & DW_WEAK ? 0.3 : 1.0;
	if (w->flags & DW_IDENT)
		s += 1.0;
	if (w->flags & DW_NUM)
		s += 0.7;
	if (w->flags & DW_CAP)
		s += 0.5;
	if (w->flags & DW_PATH)
		s += 0.6;
	if (w->n >= 7 && !(w->flags & DW_WEAK))
		s += 0.2;
	tf = words_count_get(&t->tf, w->p, w->n);
	if (tf > 1 && !(w->flags & DW_WEAK))
		s += 0.3 * (tf > 4 ? 3 : tf - 1);
	if (w->flags & DW_CODE)
		s *= 0.5;
	return s;
}

static unsigned word_tokens(const struct dword *w)
{
	char tmp[WORD_MAX_LEN + 2];
	size_t n = w->n > WORD_MAX_LEN ? WORD_MAX_LEN : w->n;

	tmp[0] = ' ';
	memcpy(tmp + 1, w->p, n);
	return (unsigned)distill_count_tokens_n(tmp, n + 1);
}

static void score(struct dtext *t)
{
	lower_count(t);
	for (size_t k = 0; k < t->ns; k++)
		t->s[k].narr = !!distill_narration_of(t, k);
	for (size_t i = 0; i < t->nw; i++) {
		t->w[i].sal = salience(t, &t->w[i]);
		t->w[i].tok = word_tokens(&t->w[i]);
	}
	for (size_t k = 0; k < t->ns; k++) {
		struct dsent *s = &t->s[k];
		double sum = 0;

		for (size_t i = s->w0; i < s->w0 + s->nw; i++)
			if (t->w[i].sal > 0)
				sum += t->w[i].sal;
		s->score = sum / ((double)s->nw + 2.0);
		if (t->w[s->w0].flags & DW_CODE)
			s->score *= 0.5;        /* code and logs: not a request */
	}
}

static size_t last_answer(const struct distill_input *in)
{
	const struct tx_conv *c = in->conv;

	for (size_t i = in->ply_end + 1; i-- > in->ply_start;)
		if (c->msg[i].role == TX_ASSISTANT && !blank(c->msg[i].text))
			return i;
	return (size_t)-1;
}

void distill_text_build(const struct distill_input *in, struct dtext *t)
{
	const struct tx_conv *c = in->conv;
	size_t outcome = last_answer(in);

	memset(t, 0, sizeof(*t));
	t->cwd = c->cwd;        /* before the words: is_root reads it */
	t->cwd_n = c->cwd ? strlen(c->cwd) : 0;
	for (size_t i = in->ply_start; i <= in->ply_end && i < c->nmsg; i++) {
		const struct tx_msg *m = &c->msg[i];

		t->ply = i;
		if (m->role == TX_USER)
			add_text(t, m->text, DSRC_USER);
		else if (m->role == TX_ASSISTANT)
			add_text(t, m->text, i == outcome ? DSRC_OUTCOME :
				 DSRC_ASST);
		if (m->tools)
			add_text(t, m->tools, DSRC_TOOL);
		t->tools |= m->tools && *m->tools;
	}
	score(t);
}

void distill_text_release(struct dtext *t)
{
	free(t->w);
	free(t->s);
	words_count_release(&t->tf);
	memset(t, 0, sizeof(*t));
}

int distill_word_is(const struct dword *w, const char *s)
{
	size_t k = strlen(s);

	return w->n >= k && !strncasecmp(w->p, s, k);
}

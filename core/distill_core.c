/* distill_core.c: exchange_core of the heuristic distiller, made of whole
 * clauses copied from the exchange, never of loose words:
 *   1. the request: the user's first question or imperative (else first
 *      sentence) with content (a greeting or a name alone is none), cut at
 *      a clause end, or its asking clause when that is what fits;
 *   2. the outcome: the assistant's concluding statement that carries a
 *      result ("All 18 resource tests pass"), narration skipped ("Let me
 *      ...", "Now ...", "Perfect!"), questions only when nothing else;
 *   3. then the densest other sentences while the budget lasts: 27
 *      tokens, or 130 in an exchange without tool calls (a conversation,
 *      whose sentences are its content: shorter lost LoCoMo recall).
 * A later chunk of a long exchange starts with the request it continues
 * and its place: "Implement spotter-gqc (3/8): ...".
 *
 * Each piece is the text between two of its words, white space folded,
 * markdown marks (` and **) and tags dropped; a piece that ends at the end
 * of its sentence or at a clause end (, ; : or a dash) gets "." or "?", one
 * cut anywhere else ends with "…".  Pieces keep the order of the exchange.
 * Nothing is dropped from inside a piece, so a negation stays where it is
 * ("isn't built via esbuild", "Credo: no issues").  A secret-looking word
 * ends a piece before it.  Narration means an agent at work: it is only
 * skipped in an exchange with tool calls ("I'll always remember ..." in a
 * chat is what was said). */
#include "common.h"
#include "distill_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CORE_BUDGET 27          /* tokens (distill_count_tokens) */
#define REQUEST_BUDGET 14       /* the request, when an outcome follows */
#define CHAT_BUDGET 130         /* an exchange without tool calls */
#define NAME_BUDGET 9           /* the request a later chunk names */
#define MIN_PIECE 4             /* an extra piece worth its ". " */
#define ELLIPSIS "\xe2\x80\xa6"

struct piece {
	size_t k;               /* sentence */
	size_t a, b;            /* words a..b, inclusive */
	int end;                /* 0 cut short ("…"), 1 clause end, 2 full */
};

struct core {
	const struct dtext *t;
	int budget, req_budget;
	double min_sal;         /* what a content word needs */
	struct piece p[24];
	size_t np;
	char *used;             /* per sentence */
	int spent;
};

/* Sentence openings that narrate the work instead of stating it (in an
 * exchange with tool calls: in a chat "I'll always remember ..." is what
 * was said). */
static const char *const narration[] = {
	"let me", "let's", "lets ", "now ", "now,", "next,", "next ", "then ",
	"first,", "first ", "hmm", "still ", "expected", "i'll", "i will",
	"i'm going", "i am going", "i need to", "i have a clear",
	"i have enough", "i have full", "i can see", "i see ", "looks like",
	"based on", "here's", "here is", "starting ", "the user ",
	"we need to", "time to", "moving on",
};

/* Interjections that are narration as a sentence of their own
 * ("Perfect!", "Good."), not when a statement follows ("Great, it
 * works"). */
static const char *const interjection[] = {
	"perfect", "great", "good", "excellent", "okay", "ok", "alright",
	"sure", "awesome", "nice", "done", "yes", "right", "got",
};

int distill_narration_of(const struct dtext *t, size_t k)
{
	const struct dsent *s = &t->s[k];
	const char *p = t->w[s->w0].p;

	for (size_t i = 0; s->nw <= 2 && i < ARRAY_SIZE(interjection); i++)
		if (tolower((unsigned char)*p) == interjection[i][0] &&
		    distill_word_is(&t->w[s->w0], interjection[i]) &&
		    t->w[s->w0].n == strlen(interjection[i]))
			return 1;
	for (size_t i = 0; t->tools && i < ARRAY_SIZE(narration); i++) {
		size_t n;

		if (tolower((unsigned char)*p) != narration[i][0])
			continue;
		n = strlen(narration[i]);
		if (!strncasecmp(p, narration[i], n) &&
		    (narration[i][n - 1] == ' ' || !isalnum((unsigned char)p[n])))
			return 1;
	}
	return 0;
}

/* A word a reader learns something from: letters, salience min_sal or
 * more (never a stop word), not the name of the person spoken to. */
static int content_word(const struct dword *w, double min_sal)
{
	int alpha = 0;

	for (size_t i = 0; i < w->n && !alpha; i++)
		alpha = isalpha((unsigned char)w->p[i]) ||
			(unsigned char)w->p[i] >= 0xc3;
	return alpha && w->sal >= min_sal && !(w->flags & DW_VOC);
}

/* A sentence that can be a piece of the core (code lines only when
 * code is allowed). */
static int usable(const struct core *c, size_t k, int code)
{
	const struct dtext *t = c->t;
	const struct dsent *s = &t->s[k];

	if (s->src == DSRC_TOOL || s->table || s->repeat ||
	    (!code && (t->w[s->w0].flags & DW_CODE)))
		return 0;
	for (size_t i = s->w0; i < s->w0 + s->nw; i++)
		if (content_word(&t->w[i], c->min_sal))
			return 1;
	return 0;
}

/* The raw character after word i, past closing marks ("word**:" -> ':'). */
static char after(const struct dword *w)
{
	const char *q = w->p + w->n;

	while (*q && strchr("*`\"')](", *q))
		q++;
	return *q;
}

static int dash(const struct dword *w)
{
	return (w->n == 1 && w->p[0] == '-') ||
		(w->n == 3 && (!memcmp(w->p, "\xe2\x80\x94", 3) ||
			       !memcmp(w->p, "\xe2\x80\x93", 3)));
}

/* Word i ends a clause of its sentence (the last word of s does too). */
static int clause_end(const struct dtext *t, const struct dsent *s, size_t i)
{
	char c = after(&t->w[i]);

	if (i + 1 >= s->w0 + s->nw)
		return 1;
	return c == ',' || c == ';' || c == ':' || dash(&t->w[i + 1]) ||
		t->w[i + 1].p[-1] == '(';   /* before an aside */
}

/* Tokens of word i inside a piece: the word after a space, plus its
 * punctuation. */
static int word_cost(const struct dtext *t, size_t i)
{
	const struct dword *w = &t->w[i];
	char c = after(w);

	return (int)w->tok + (c && !isspace((unsigned char)c) ? 1 : 0);
}

/* Parentheses in [s, e) close what they open and open nothing left. */
static int balanced(const char *s, const char *e)
{
	int open = 0;

	for (; s < e && open >= 0; s++)
		open += *s == '(' ? 1 : *s == ')' ? -1 : 0;
	return open == 0;
}

static int span_cost(const struct dtext *t, size_t a, size_t b)
{
	int c = 1;

	for (size_t i = a; i <= b; i++)
		c += word_cost(t, i);
	return c;
}

static int result_word(const struct dword *w);
static int asks_at(const char *p);

/* What a piece says: its content words, results counting double. */
static double span_value(const struct dtext *t, size_t a, size_t b)
{
	double v = 0;

	for (size_t i = a; i <= b; i++)
		v += (t->w[i].sal >= 1 ? t->w[i].sal : 0) +
			(result_word(&t->w[i]) ? 2 : 0);
	return v;
}

/* The longest tail of sentence k that starts a clause and fits budget:
 * "..., can you make the retry smarter?".  Its cost, or 0. */
static int fit_tail(const struct dtext *t, size_t k, int budget,
		    struct piece *p)
{
	const struct dsent *s = &t->s[k];
	size_t last = s->w0 + s->nw - 1;
	const char *end = t->w[last].p + t->w[last].n;

	for (size_t c = s->w0 + 1; !s->cut && c <= last; c++) {
		size_t a = c;

		while (a < last && dash(&t->w[a]))
			a++;
		if (!clause_end(t, s, c - 1) || !balanced(t->w[a].p, end) ||
		    (t->w[a].flags & DW_SECRET) || span_cost(t, a, last) > budget)
			continue;
		for (size_t i = a; i <= last; i++)
			if (t->w[i].flags & DW_SECRET)
				return 0;
		p->k = k;
		p->a = a;
		p->b = last;
		p->end = 2;
		return span_cost(t, a, last);
	}
	return 0;
}

/* Fits sentence k into budget tokens: fills p with its words a..b. */
static int fit(const struct dtext *t, size_t k, int budget, struct piece *p)
{
	const struct dsent *s = &t->s[k];
	size_t last = s->w0 + s->nw - 1, i;
	int spent = 1;          /* the "." or "…" */

	p->k = k;
	p->a = s->w0;
	while (p->a < last && ((t->w[p->a].flags & DW_JUNK) ||
			       dash(&t->w[p->a])) && !content_word(&t->w[p->a],
								   0.3))
		p->a++;
	for (i = p->a; i <= last; i++) {
		if ((t->w[i].flags & DW_SECRET) ||
		    spent + word_cost(t, i) > budget)
			break;
		spent += word_cost(t, i);
	}
	if (i == p->a)
		return 0;
	p->b = i - 1;
	p->end = i > last && !s->cut ? 2 : 0;
	if (p->end)
		return spent;
	/* cut short: back to a clause end in the second half, or "…" after
	 * the last word that is not a stop word */
	for (size_t c = p->b; !p->end && c > p->a &&
	     (c - p->a) * 2 >= p->b - p->a; c--)
		if (clause_end(t, s, c) && balanced(t->w[p->a].p,
						    t->w[c].p + t->w[c].n)) {
			p->b = c;
			p->end = 1;
		}
	while (!p->end && p->b > p->a &&
	       ((t->w[p->b].flags & (DW_STOP | DW_JUNK)) || dash(&t->w[p->b])))
		p->b--;
	/* the last clause may say more: the question asked, the result */
	struct piece tail;

	if (fit_tail(t, k, budget, &tail) &&
	    ((s->question && s->src == DSRC_USER &&    /* the ask itself */
	      asks_at(t->w[tail.a].p)) ||
	     span_value(t, tail.a, tail.b) > span_value(t, p->a, p->b)))
		*p = tail;
	return span_cost(t, p->a, p->b);
}

/* A piece that starts or ends inside a quotation has one '"' too many:
 * dropped. */
static void drop_odd_quote(struct buf *out, size_t start)
{
	size_t n = 0, k = start;

	for (size_t i = start; i < out->len; i++)
		if (out->p[i] == '"')
			n++, k = i;
	if (n % 2 == 0)
		return;
	memmove(out->p + k, out->p + k + 1, out->len - k);
	out->len--;
}

/* Appends the words a..b of piece p as the text has them. */
static void render_piece(struct buf *out, const struct dtext *t,
			 const struct piece *p)
{
	const char *s = t->w[p->a].p, *e = t->w[p->b].p + t->w[p->b].n;
	int sp = 0, open = 0;
	size_t start;

	if (out->len)
		buf_addc(out, ' ');
	start = out->len;
	for (; s < e; s++) {
		size_t tag = distill_tag_len(s, (size_t)(e - s));

		if (isspace((unsigned char)*s) || tag) {
			s += tag ? tag - 1 : 0;
			sp = 1;
			continue;
		}
		if (*s == '`' || (*s == '*' && (s[1] == '*' || (s > t->w[p->a].p
							       && s[-1] == '*'))))
			continue;
		if (sp)
			buf_addc(out, ' ');
		sp = 0;
		open += *s == '(' ? 1 : *s == ')' ? -1 : 0;
		buf_addc(out, *s);
	}
	if (open > 0 && t->w[p->b].p[t->w[p->b].n] == ')')
		buf_addc(out, ')');
	drop_odd_quote(out, start);
	if (!p->end)
		buf_adds(out, ELLIPSIS);
	else
		buf_addc(out, p->end == 2 && t->s[p->k].question ? '?' : '.');
}

/* Adds sentence k cut to budget; an extra piece (whole) only when it ends
 * at a clause end. */
static int take(struct core *c, size_t k, int budget, int whole)
{
	struct piece p;
	int cost;

	if (c->np >= ARRAY_SIZE(c->p) || budget < 2)
		return 0;
	cost = fit(c->t, k, budget, &p);
	if (!cost || (whole && !p.end))
		return 0;
	c->p[c->np++] = p;
	c->used[k] = 1;
	c->spent += cost;
	return cost;
}

static int result_word(const struct dword *w)
{
	return !!(w->flags & DW_RESULT);
}

static double outcome_score(const struct dtext *t, size_t k, size_t last_ply)
{
	const struct dsent *s = &t->s[k];
	double sc = s->score * 0.5, spec = 0;
	int result = 0;

	for (size_t i = s->w0; i < s->w0 + s->nw; i++) {
		result |= result_word(&t->w[i]);
		spec += !!(t->w[i].flags & (DW_NUM | DW_IDENT | DW_PATH));
	}
	sc += (result ? 1.5 : 0) + (spec > 2 ? 2 : spec) * 0.4;
	sc += s->ply == last_ply ? 1.0 : 0;
	sc += (double)k / (double)(t->ns + 1);  /* later is more concluding */
	if (after(&t->w[s->w0 + s->nw - 1]) == ':')
		sc -= 0.5;      /* it introduces what follows */
	return s->question ? sc - 3 : sc;
}

static size_t pick_outcome(const struct core *c)
{
	const struct dtext *t = c->t;
	size_t best = (size_t)-1, last_ply = 0;
	double top = 0;

	for (size_t k = 0; k < t->ns; k++)
		if (t->s[k].src == DSRC_OUTCOME)
			last_ply = t->s[k].ply;
	for (size_t k = 0; k < t->ns; k++) {
		double sc;

		if ((t->s[k].src != DSRC_OUTCOME && t->s[k].src != DSRC_ASST) ||
		    c->used[k] || !usable(c, k, 0) || distill_narration(t, k))
			continue;
		sc = outcome_score(t, k, last_ply);
		if (best == (size_t)-1 || sc > top)
			best = k, top = sc;
	}
	return best;
}

/* Openings of an imperative or a request ("Fix ...", "Please ...", "Can
 * you ..."). */
static const char *const asking[] = {
	"please", "can you", "could you", "would you", "can we", "let's",
	"fix", "add", "make", "implement", "create", "update", "remove",
	"write", "run", "check", "start", "stop", "tackle", "help", "use",
	"change", "rename", "move", "delete", "explain", "find", "show",
	"build", "test", "refactor", "debug", "set", "install", "try",
	"investigate", "look", "review", "commit", "push", "merge", "rewrite",
	"why", "how", "what", "where", "when", "which", "is", "are", "do",
	"does", "did", "should", "analyze", "analyse", "examine", "research",
	"search", "websearch", "plan", "draft", "continue", "resume",
};

static int asks_at(const char *p)
{
	int c = tolower((unsigned char)*p);

	for (size_t i = 0; i < ARRAY_SIZE(asking); i++) {
		size_t n;

		if (c != asking[i][0])
			continue;
		n = strlen(asking[i]);
		if (!strncasecmp(p, asking[i], n) &&
		    !isalnum((unsigned char)p[n]))
			return 1;
	}
	return 0;
}

static int asks(const struct dtext *t, const struct dsent *s)
{
	return s->question || *t->w[s->w0].p == '/' || asks_at(t->w[s->w0].p);
}

/* The user's first question or imperative with content, else the first
 * sentence with content; a line that looks like code or a log only when
 * there is nothing else ("/orchestrator @CLAUDE.md ...").  What the user
 * said needs no strong word to be the request ("check again"). */
static size_t pick_request(const struct core *c)
{
	struct core u = *c;
	size_t first = (size_t)-1;

	u.min_sal = 0.3;
	for (int code = 0; code < 2 && first == (size_t)-1; code++)
		for (size_t k = 0; k < c->t->ns; k++) {
			if (c->t->s[k].src != DSRC_USER || !usable(&u, k, code))
				continue;
			if (asks(c->t, &c->t->s[k]))
				return k;
			if (first == (size_t)-1)
				first = k;
		}
	return first;
}

/* The densest unused sentence that is not narration; questions last. */
static size_t pick_extra(const struct core *c)
{
	const struct dtext *t = c->t;
	size_t best = (size_t)-1;
	double top = 0;

	for (size_t k = 0; k < t->ns; k++) {
		double sc = t->s[k].score;

		if (c->used[k] || !usable(c, k, 0) || distill_narration(t, k))
			continue;
		if (t->s[k].question)
			sc *= 0.5;
		if (best == (size_t)-1 || sc > top)
			best = k, top = sc;
	}
	return best;
}

/* "Implement spotter-gqc (3/8): " from the request's first sentence. */
static void name_request(const struct distill_input *in, struct buf *out)
{
	const char *p = in->request;
	int spent = 0, cut = 0;
	size_t start = out->len;

	while (*p && isspace((unsigned char)*p))
		p++;
	while (*p && !cut) {
		const char *e = p;
		size_t n;

		while (*e && !isspace((unsigned char)*e))
			e++;
		n = (size_t)(e - p);
		if (words_secretish(p, n) ||
		    spent + (int)distill_count_tokens_n(p, n) > NAME_BUDGET) {
			cut = 1;
			break;
		}
		if (out->len > start)
			buf_addc(out, ' ');
		buf_add(out, p, n);
		spent += (int)distill_count_tokens_n(p, n);
		if (strchr(".?!", e[-1]) || *e == '\n')
			break;
		p = e;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	while (out->len > start && strchr(".:,;", out->p[out->len - 1]))
		buf_truncate(out, out->len - 1);
	if (cut && out->len > start)
		buf_adds(out, ELLIPSIS);
	buf_addf(out, "%s(%u/%u):", out->len > start ? " " : "", in->part,
		 in->nparts);
}

static int by_sentence(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	return x->k < y->k ? -1 : x->k > y->k;
}

char *distill_make_core(const struct dtext *t, const struct distill_input *in)
{
	struct core c = { t, CORE_BUDGET, REQUEST_BUDGET, 1.0,
			  { { 0, 0, 0, 0 } }, 0, xcalloc(t->ns + 1, 1), 0 };
	struct buf out = BUF_INIT(BUF_MAX_SMALL);
	size_t req = (size_t)-1, k;

	if (!t->tools) {        /* a conversation: what was said is it */
		c.budget = CHAT_BUDGET;
		c.req_budget = CHAT_BUDGET / 2;
		c.min_sal = 0.3;
	}

	if (in->request && in->part > 1) {
		name_request(in, &out);
		c.spent += (int)distill_count_tokens(buf_str(&out));
	} else if ((req = pick_request(&c)) != (size_t)-1) {
		c.used[req] = 1;        /* the outcome is picked first */
	}
	k = pick_outcome(&c);
	if (req != (size_t)-1) {
		c.used[req] = 0;
		take(&c, req, k == (size_t)-1 ? c.budget : c.req_budget, 0);
	}
	if (k != (size_t)-1)
		take(&c, k, c.budget - c.spent, 0);
	while (c.budget - c.spent >= MIN_PIECE &&
	       (k = pick_extra(&c)) != (size_t)-1)
		if (!take(&c, k, c.budget - c.spent, 1))
			c.used[k] = 1;
	qsort(c.p, c.np, sizeof(c.p[0]), by_sentence);
	for (size_t i = 0; i < c.np; i++)
		render_piece(&out, t, &c.p[i]);
	free(c.used);
	return buf_detach(&out);
}

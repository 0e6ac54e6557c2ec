/* distill.c: the heuristic distiller's entry (distill.h) and its
 * exchange_core: the densest user sentence (the request) and the densest
 * sentence of the last assistant text (the outcome), each cut to its most
 * salient words in their original order, then words of other dense
 * sentences while the token budget lasts.  The context is picked first and
 * its words are not repeated in the core.  Also files_touched assembly,
 * room type names and distill_release.
 *
 * Stop words are never copied, weak words ("let", "now", "check") only
 * when the budget has room after every sentence had its turn.
 * Everything is copied: a word of the core is a word of the exchange with
 * its edge punctuation removed; only ". " and "?" are added between parts. */
#include "common.h"
#include "distill_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"

#define CORE_BUDGET 34          /* tokens of exchange_core */
#define PART_BUDGET 15          /* request and outcome, before extras */

struct chooser {
	const struct dtext *t;
	double min_sal;         /* words below it are not taken */
	const char *context;    /* its words are not repeated in the core */
	char *chosen;           /* per word */
	size_t *cand;
	int spent;              /* tokens */
	size_t *list, nlist;    /* the chosen words' indices */
};

static int dup_of_chosen(const struct chooser *ch, const struct dword *w)
{
	for (size_t i = 0; i < ch->nlist; i++) {
		const struct dword *o = &ch->t->w[ch->list[i]];

		if (o->n == w->n && !strncasecmp(o->p, w->p, w->n))
			return 1;
	}
	return 0;
}

/* Orders candidate word indices by salience, then position. */
static int by_salience(const void *a, const void *b, void *arg)
{
	const struct dtext *t = arg;
	const struct dword *x = &t->w[*(const size_t *)a];
	const struct dword *y = &t->w[*(const size_t *)b];

	if (x->sal != y->sal)
		return x->sal > y->sal ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Marks the most salient words of sentence k that fit in budget tokens;
 * returns the tokens spent.  A sentence not yet in the core needs one
 * word of salience >= 1 and pays for the ". " before it. */
static int take(struct chooser *ch, size_t k, int budget)
{
	const struct dsent *s = &ch->t->s[k];
	size_t n = 0;
	int spent = 1, strong = 0;

	for (size_t i = s->w0; i < s->w0 + s->nw; i++) {
		const struct dword *w = &ch->t->w[i];
		int twice = 0;

		if (ch->chosen[i])
			spent = 0, strong = 1;  /* already a part */
		for (size_t j = 0; j < n && !twice; j++)
			twice = ch->t->w[ch->cand[j]].n == w->n &&
				!strncasecmp(ch->t->w[ch->cand[j]].p, w->p,
					     w->n);
		if (w->sal >= ch->min_sal && !twice && !dup_of_chosen(ch, w) &&
		    !distill_has_word(ch->context, w->p, w->n))
			ch->cand[n++] = i;
	}
	if (!n || budget < 2)
		return 0;
	for (size_t j = 0; j < n && !strong; j++)
		strong = ch->t->w[ch->cand[j]].sal >= 1.0;
	if (!strong)            /* only weak words: not worth a part */
		return 0;
	qsort_r(ch->cand, n, sizeof(*ch->cand), by_salience, (void *)ch->t);
	int before = spent;

	for (size_t j = 0; j < n; j++) {
		const struct dword *w = &ch->t->w[ch->cand[j]];

		if (spent + (int)w->tok <= budget) {
			ch->chosen[ch->cand[j]] = 1;
			ch->list[ch->nlist++] = ch->cand[j];
			spent += (int)w->tok;
		}
	}
	if (spent == before)
		return 0;
	ch->spent += spent;
	return spent;
}

/* A sentence with stop words is prose: the user asking, not a paste. */
static double request_score(const struct dtext *t, const struct dsent *s)
{
	for (size_t i = s->w0; i < s->w0 + s->nw; i++)
		if (t->w[i].flags & DW_STOP)
			return s->score * 1.5;
	return s->score;
}

static size_t best_sentence(const struct dtext *t, enum dsrc src,
			    const char *done)
{
	size_t best = (size_t)-1;
	double top = 0;

	for (size_t k = 0; k < t->ns; k++) {
		double sc = src == DSRC_USER ? request_score(t, &t->s[k]) :
			t->s[k].score;

		if (t->s[k].src == src && !done[k] &&
		    (best == (size_t)-1 || sc > top))
			best = k, top = sc;
	}
	return best;
}

/* Narration between tool calls says less than the request and outcome. */
static double extra_score(const struct dsent *s)
{
	return s->src == DSRC_ASST ? s->score * 0.5 : s->score;
}

static int by_score(const void *a, const void *b, void *arg)
{
	const struct dtext *t = arg;
	double x = extra_score(&t->s[*(const size_t *)a]);
	double y = extra_score(&t->s[*(const size_t *)b]);

	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void take_extras(struct chooser *ch, char *done)
{
	const struct dtext *t = ch->t;
	size_t *order = xcalloc(t->ns + 1, sizeof(*order)), n = 0;

	for (size_t k = 0; k < t->ns; k++)
		if (!done[k] && t->s[k].src != DSRC_TOOL && !t->s[k].repeat)
			order[n++] = k;
	qsort_r(order, n, sizeof(*order), by_score, (void *)t);
	for (size_t j = 0; j < n && CORE_BUDGET - ch->spent >= 2; j++)
		take(ch, order[j], CORE_BUDGET - ch->spent);
	/* a short exchange has room left: its weak words too, sentence by
	 * sentence (they still carry a query's words: "often", "amazing") */
	ch->min_sal = 0.25;
	n = 0;
	for (size_t k = 0; k < t->ns; k++)
		if (t->s[k].src != DSRC_TOOL && !t->s[k].repeat)
			order[n++] = k;
	qsort_r(order, n, sizeof(*order), by_score, (void *)t);
	for (size_t j = 0; j < n && CORE_BUDGET - ch->spent >= 2; j++)
		take(ch, order[j], CORE_BUDGET - ch->spent);
	free(order);
}

/* The chosen words, sentence by sentence in text order. */
static char *render(const struct chooser *ch)
{
	const struct dtext *t = ch->t;
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	for (size_t k = 0; k < t->ns; k++) {
		const struct dsent *s = &t->s[k];
		size_t start = b.len;

		for (size_t i = s->w0; i < s->w0 + s->nw; i++) {
			if (!ch->chosen[i])
				continue;
			if (b.len)
				buf_addc(&b, ' ');
			buf_add(&b, t->w[i].p, t->w[i].n);
		}
		if (b.len > start)
			buf_addc(&b, s->question ? '?' : '.');
	}
	return buf_detach(&b);
}

/* Sentences are kept in the order the exchange has them. */
static char *make_core(const struct dtext *t, const char *context)
{
	struct chooser ch = { t, 0.5, context, xcalloc(t->nw + 1, 1),
			      xcalloc(t->nw + 1, sizeof(size_t)), 0,
			      xcalloc(t->nw + 1, sizeof(size_t)), 0 };
	char *done = xcalloc(t->ns + 1, 1), *core;
	size_t k;
	int left = 2 * PART_BUDGET;

	if ((k = best_sentence(t, DSRC_USER, done)) != (size_t)-1) {
		left -= take(&ch, k, PART_BUDGET);
		done[k] = 1;
	}
	k = best_sentence(t, DSRC_OUTCOME, done);
	if (k == (size_t)-1)
		k = best_sentence(t, DSRC_ASST, done);
	if (k != (size_t)-1) {
		take(&ch, k, left);
		done[k] = 1;
	}
	take_extras(&ch, done);
	core = render(&ch);
	free(ch.chosen);
	free(ch.cand);
	free(ch.list);
	free(done);
	return core;
}

/* Appends p to out, relative to the project root when under it. */
static void add_file(const char *cwd, const char *p, struct strv *out)
{
	size_t n = cwd ? strlen(cwd) : 0;

	while (n > 1 && cwd[n - 1] == '/')
		n--;
	if (n && !strncmp(p, cwd, n) && (p[n] == '/' || !p[n])) {
		if (!p[n] || !p[n + 1])
			return;
		p += n + 1;
	}
	files_add_exact(p, out);
}

static int make_files(const struct distill_input *in, struct strv *out)
{
	const struct tx_conv *c = in->conv;
	struct strv found = STRV_INIT;
	int rc;

	for (size_t i = in->ply_start; i <= in->ply_end; i++)
		for (size_t k = 0; k < c->msg[i].paths.n; k++)
			add_file(c->cwd, c->msg[i].paths.v[k], out);
	rc = files_extract(in->verbatim, &found);
	for (size_t k = 0; k < found.n; k++)
		add_file(c->cwd, found.v[k], out);
	strv_clear(&found);
	return rc;
}

int distill_heuristic(const struct distill_input *in, struct distill *d)
{
	struct dtext t;
	int rc;

	memset(d, 0, sizeof(*d));
	d->distiller = "heuristic";
	if (!in->conv || in->ply_start > in->ply_end ||
	    in->ply_end >= in->conv->nmsg)
		return -EINVAL;
	rc = make_files(in, &d->files);
	if (rc) {
		distill_release(d);
		return rc;
	}
	distill_text_build(in, &t);
	d->context = distill_pick_context(&t);
	d->core = make_core(&t, d->context);
	distill_pick_rooms(&t, in, d);
	distill_text_release(&t);
	return 0;
}

void distill_release(struct distill *d)
{
	free(d->core);
	free(d->context);
	for (int i = 0; i < d->nrooms && i < DISTILL_MAX_ROOMS; i++) {
		free(d->rooms[i].key);
		free(d->rooms[i].label);
	}
	strv_clear(&d->files);
	d->core = d->context = NULL;
	d->nrooms = 0;
}

static const char *const room_names[] = { "file", "concept", "workflow" };

const char *room_type_name(enum room_type t)
{
	return (unsigned)t < ARRAY_SIZE(room_names) ? room_names[t] : "concept";
}

int room_type_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(room_names); i++)
		if (!strcmp(s, room_names[i]))
			return (int)i;
	return -1;
}

/* distill_rooms.c: room_assignments of the heuristic distiller, 1 to 3
 * specific keys that related exchanges share:
 *   file      the most touched file of the project, keyed by its
 *             repo-relative path as it is (src/useTodos.ts); never a file
 *             outside the project (/tmp), a tool's output file or a dir;
 *   concept   an identifier (retry_timeout), else a repeated word pair
 *             (support_group), else the most salient content word;
 *   workflow  the recognised command of the tool calls (make_test,
 *             git_rebase, npm_run_build, pytest), tests, builds and deploys
 *             before inspection (git status, git log, git add), else a
 *             specific activity the user names (git_rebase, migration).
 * Concept keys are specific: no language, framework or kind of work
 * (testing, typescript).
 * Keys are [a-z0-9_./-]; relevance says how sure the pick is. */
#include "common.h"
#include "distill_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROOM_KEY_MAX 64

char *distill_room_key(const char *s, size_t n)
{
	struct buf b = BUF_INIT(ROOM_KEY_MAX + 8);
	int camel = n && islower((unsigned char)s[0]);  /* retryTimeout */

	for (size_t i = 0; i < n && b.len < ROOM_KEY_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		char o = '_';

		if (camel && isupper(c) && i && islower((unsigned char)s[i - 1]) &&
		    b.len && b.p[b.len - 1] != '_')
			buf_addc(&b, '_');
		if (isalnum(c) || c == '.' || c == '/' || c == '-' || c == '_')
			o = (char)tolower(c);
		if (o == '_' && (!b.len || b.p[b.len - 1] == '_'))
			continue;
		buf_addc(&b, o);
	}
	while (b.len && strchr("_.-/", b.p[b.len - 1]))
		buf_truncate(&b, b.len - 1);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int have_key(const struct distill *d, const char *key)
{
	for (int i = 0; i < d->nrooms; i++)
		if (!strcmp(d->rooms[i].key, key))
			return 1;
	return 0;
}

/* Adds a room (takes ownership of key; copies label). */
static void add_room(struct distill *d, enum room_type type, char *key,
		     const char *label, size_t label_len, double rel)
{
	struct room *r;

	if (!key || d->nrooms >= DISTILL_MAX_ROOMS || have_key(d, key)) {
		free(key);
		return;
	}
	r = &d->rooms[d->nrooms++];
	r->type = type;
	r->key = key;
	r->label = xstrndup(label, label_len > 80 ? 80 : label_len);
	r->relevance = rel;
}

static size_t count_in(const char *hay, const char *needle, size_t cap)
{
	size_t n = 0, k = strlen(needle);

	for (const char *p = hay; k && n < cap && (p = strstr(p, needle));
	     p += k)
		n++;
	return n;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Basename written by an edit tool ("Edit: src/upload.c"). */
static int edited(const struct distill_input *in, const char *base)
{
	static const char *const ed[] = { "Edit", "MultiEdit", "Write",
		"NotebookEdit", "apply_patch", "Update", "Create" };
	const struct tx_conv *c = in->conv;

	for (size_t i = in->ply_start; i <= in->ply_end; i++) {
		const char *t = c->msg[i].tools;

		for (; t && *t; t += strcspn(t, "\n"), t += *t == '\n') {
			size_t n = strcspn(t, "\n");
			const char *hit = strstr(t, base);

			for (size_t k = 0; k < ARRAY_SIZE(ed); k++)
				if (!strncmp(t, ed[k], strlen(ed[k])) &&
				    t[strlen(ed[k])] == ':' && hit &&
				    hit < t + n)
					return 1;
		}
	}
	return 0;
}

/* A file of the project worth a room: not outside it (an absolute path
 * is, after files_touched made the project's own relative), not a tool's
 * output file, not a directory or a dot file. */
static int roomy_file(const char *path)
{
	const char *base = basename_of(path), *dot = strrchr(base, '.');

	return path[0] != '/' && path[0] != '~' && dot && dot != base && strcmp(dot, ".output") &&
		strcmp(dot, ".log") && strcmp(dot, ".tmp");
}

/* The room key of a file: its repo-relative path as it is (case kept,
 * never snake-cased); bytes outside [A-Za-z0-9_./-] become '_'.  Owned. */
static char *file_key(const char *path)
{
	char *k = xstrndup(path, strlen(path) > ROOM_KEY_MAX * 2 ?
			   ROOM_KEY_MAX * 2 : strlen(path));

	for (char *q = k; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("_./-", *q))
			*q = '_';
	return k;
}

static void file_room(const struct distill_input *in, struct distill *d)
{
	size_t best = 0;
	double top = -100;

	for (size_t i = 0; i < d->files.n; i++) {
		const char *base = basename_of(d->files.v[i]);
		double s = (double)count_in(in->verbatim, base, 20) +
			(edited(in, base) ? 10 : 0);

		if (!roomy_file(d->files.v[i]))
			continue;
		if (s > top)
			top = s, best = i;
	}
	if (top < -10)
		return;
	const char *path = d->files.v[best], *base = basename_of(path);

	add_room(d, ROOM_FILE, file_key(path), path, strlen(path),
		 edited(in, base) ? 0.9 : top >= 3 ? 0.7 : 0.5);
}

static int concept_word(const struct dword *w, const struct dtext *t)
{
	return !(w->flags & (DW_STOP | DW_WEAK | DW_JUNK | DW_SECRET |
			     DW_GENERIC | DW_PATH)) &&
		t->s[w->sent].src != DSRC_TOOL && w->n >= 3 &&
		isalpha((unsigned char)w->p[0]);
}

/* An identifier worth a room: not a short acronym (API, JSON). */
static int room_ident(const struct dword *w)
{
	if (!(w->flags & DW_IDENT) || w->n < 4)
		return 0;
	if (memchr(w->p, '_', w->n) || memchr(w->p, '.', w->n))
		return 1;
	for (size_t i = 0; i < w->n; i++)
		if (islower((unsigned char)w->p[i]))
			return 1;
	return w->n >= 6;
}

/* retry_timeout, retryTimeout, cfg.retry: more specific than ETIMEDOUT. */
static int compound(const struct dword *w)
{
	for (size_t i = 1; i + 1 < w->n; i++)
		if (w->p[i] == '_' || w->p[i] == '.' ||
		    (islower((unsigned char)w->p[i - 1]) &&
		     isupper((unsigned char)w->p[i])))
			return 1;
	return 0;
}

static double where_bonus(const struct dtext *t, const struct dword *w)
{
	enum dsrc s = t->s[w->sent].src;

	return s == DSRC_USER ? 1.0 : s == DSRC_OUTCOME ? 0.5 : 0;
}

static int best_ident(const struct dtext *t, const struct distill *d)
{
	int best = -1;
	double top = 0;

	for (size_t i = 0; i < t->nw; i++) {
		const struct dword *w = &t->w[i];
		double s;

		if (!concept_word(w, t) || !room_ident(w) ||
		    w->flags & DW_CODE)
			continue;
		s = words_count_get(&t->tf, w->p, w->n) + where_bonus(t, w) +
			(compound(w) ? 1.0 : 0);
		for (size_t k = 0; k < d->files.n; k++)
			if (!strncasecmp(basename_of(d->files.v[k]), w->p, w->n))
				s = 0;
		if (s > top)
			top = s, best = (int)i;
	}
	return best;
}

static int pair_at(const struct dtext *t, size_t i)
{
	return i + 1 < t->nw && t->w[i].sent == t->w[i + 1].sent &&
		concept_word(&t->w[i], t) && concept_word(&t->w[i + 1], t) &&
		!(t->w[i].flags & DW_CODE) &&
		t->w[i + 1].p == t->w[i].p + t->w[i].n + 1 &&
		t->w[i].p[t->w[i].n] == ' ';
}

/* The most repeated adjacent content word pair (count >= 2), or -1.  A
 * pair is contiguous text "a b" (one space), counted as one span. */
static int best_pair(const struct dtext *t)
{
	struct words_count wc = { 0 };
	int best = -1;
	unsigned top = 1;

	for (size_t i = 0; i < t->nw; i++)
		if (pair_at(t, i))
			words_count_add(&wc, t->w[i].p, t->w[i].n + 1 +
					t->w[i + 1].n);
	for (size_t i = 0; i < t->nw; i++) {
		unsigned n;

		if (!pair_at(t, i))
			continue;
		n = words_count_get(&wc, t->w[i].p, t->w[i].n + 1 +
				    t->w[i + 1].n);
		if (n > top)
			top = n, best = (int)i;
	}
	words_count_release(&wc);
	return best;
}

static int best_word(const struct dtext *t)
{
	int best = -1;
	double top = 0;

	for (size_t i = 0; i < t->nw; i++) {
		const struct dword *w = &t->w[i];
		double s;

		if (!concept_word(w, t) || w->n < 4 ||
		    w->flags & (DW_CODE | DW_VOC))
			continue;
		/* a name is no topic: no bonus for the capital */
		s = w->sal - (w->flags & DW_CAP ? 0.5 : 0) + where_bonus(t, w);
		if (s > top)
			top = s, best = (int)i;
	}
	return best;
}

static void concept_room(const struct dtext *t, struct distill *d)
{
	int i = best_ident(t, d);
	const struct dword *w;

	if (i >= 0) {
		w = &t->w[i];
		add_room(d, ROOM_CONCEPT, distill_room_key(w->p, w->n), w->p,
			 w->n, 0.8);
		return;
	}
	if ((i = best_pair(t)) >= 0) {
		w = &t->w[i];
		size_t n = (size_t)(t->w[i + 1].p + t->w[i + 1].n - w->p);

		add_room(d, ROOM_CONCEPT, distill_room_key(w->p, n), w->p, n,
			 0.7);
		return;
	}
	if ((i = best_word(t)) >= 0) {
		w = &t->w[i];
		add_room(d, ROOM_CONCEPT, distill_room_key(w->p, w->n), w->p,
			 w->n, 0.5);
	}
}

static void workflow_room(const struct distill_input *in,
			  const struct dtext *t, struct distill *d)
{
	struct buf key = BUF_INIT(ROOM_KEY_MAX);
	double rel = 0;

	if (distill_workflow_tools(in, &key))
		rel = 0.8;
	else if (distill_workflow_text(t, &key))
		rel = 0.5;
	if (rel > 0) {
		char *label = xstrdup(buf_str(&key));

		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		add_room(d, ROOM_WORKFLOW, distill_room_key(key.p, key.len),
			 label, strlen(label), rel);
		free(label);
	}
	buf_release(&key);
}

static int by_relevance(const void *a, const void *b)
{
	const struct room *x = a, *y = b;

	if (x->relevance != y->relevance)
		return x->relevance > y->relevance ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

void distill_pick_rooms(const struct dtext *t, const struct distill_input *in,
			struct distill *d)
{
	file_room(in, d);
	concept_room(t, d);
	workflow_room(in, t, d);
	if (!d->nrooms) {
		for (size_t i = 0; i < t->nw && !d->nrooms; i++)
			if (t->w[i].sal > 0)
				add_room(d, ROOM_CONCEPT, distill_room_key(
					t->w[i].p, t->w[i].n), t->w[i].p,
					t->w[i].n, 0.3);
	}
	if (!d->nrooms)
		add_room(d, ROOM_CONCEPT, xstrdup("misc"), "misc", 4, 0.1);
	qsort(d->rooms, (size_t)d->nrooms, sizeof(d->rooms[0]), by_relevance);
}

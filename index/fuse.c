/* fuse.c: merging the candidate lists of a mode's signals into one ranking:
 * a single signal keeps its raw scores; several are fused by weighted
 * min-max normalised scores or by reciprocal rank fusion (search.h). */
#include "common.h"
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	int64_t id;
	int sig;
	size_t rank;            /* 0-based within its list */
	double score;
};

static int cmp_entry_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->sig - y->sig;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct idx_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

struct range {
	double lo, hi;
};

static struct range list_range(const struct idx_list *l)
{
	struct range r = { l->v[0].score, l->v[0].score };

	for (size_t i = 1; i < l->n; i++) {
		if (l->v[i].score > r.hi)
			r.hi = l->v[i].score;
		if (l->v[i].score < r.lo)
			r.lo = l->v[i].score;
	}
	return r;
}

/* How one list's entry adds to a fused score. */
static double part(const struct range *r, const struct entry *e,
		   const struct idx_opts *o, int fused)
{
	const struct range *g = &r[e->sig];

	if (!fused)
		return e->score;
	if (o->fusion == IDX_FUSE_RRF)
		return o->weight[e->sig] / (IDX_RRF_K + (double)e->rank + 1);
	return o->weight[e->sig] *
		(g->hi > g->lo ? (e->score - g->lo) / (g->hi - g->lo) : 1.0);
}

void idx_fuse(const struct idx_list *lists, unsigned mask,
	      const struct idx_opts *o, struct idx_results *res)
{
	struct entry *all = NULL;
	struct range r[IDX_NSIG];
	size_t n = 0, cap = 0;
	int nlists = 0;

	for (int s = 0; s < IDX_NSIG; s++) {
		if (!(mask & (1u << s)) || !lists[s].n)
			continue;
		nlists++;
		r[s] = list_range(&lists[s]);
		XGROW(all, cap, n + lists[s].n);
		for (size_t i = 0; i < lists[s].n; i++)
			all[n++] = (struct entry){ lists[s].v[i].id, s, i,
						   lists[s].v[i].score };
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_entry_id);
	res->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct idx_hit *h;

		if (!i || all[i].id != all[i - 1].id) {
			XGROW(res->v, res->cap, res->n + 1);
			h = &res->v[res->n++];
			memset(h, 0, sizeof(*h));
			h->id = all[i].id;
		}
		h = &res->v[res->n - 1];
		h->has |= 1u << all[i].sig;
		h->sig[all[i].sig] = all[i].score;
		h->score += part(r, &all[i], o, nlists > 1);
	}
	if (res->n)
		qsort(res->v, res->n, sizeof(*res->v), cmp_hit);
	free(all);
}

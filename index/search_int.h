/* search_int.h: what the pieces of search (search.c, fts.c, fuse.c) share;
 * not for use outside index/. */
#ifndef IDX_SEARCH_INT_H
#define IDX_SEARCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "search.h"

/* One ranked candidate list (one signal), best first. */
struct idx_cand {
	int64_t id;
	double score;           /* higher is better */
};

struct idx_list {
	struct idx_cand *v;
	size_t n, cap;
};

void idx_list_push(struct idx_list *l, int64_t id, double score);
void idx_list_release(struct idx_list *l);

/* Filters resolved against the store. */
struct idx_filter {
	int64_t project_id;     /* 0: any */
	const char *room;       /* key or type/key, or NULL */
	const char *file;       /* basename or suffix, or NULL */
	int64_t since, until;   /* 0: none */
};

/* 1 when f restricts more than the project. */
int idx_filter_narrow(const struct idx_filter *f);

/* BM25 settings of one FTS search. */
struct idx_bm25 {
	double k1, b;
	const double *idf;      /* one per word of the query, or NULL: IDF
	                           over the whole table */
	size_t nidf;
};

/* The k best exchanges by BM25 (recallfs_bm25, rank.c) for the FTS5
 * expression match, over fts_verbatim (sig IDX_SIG_VERBATIM) or
 * fts_distilled, within f. */
int idx_fts_search(struct store *st, int sig, const char *match,
		   const struct idx_bm25 *bm, const struct idx_filter *f,
		   size_t k, struct idx_list *out);
/* IDF of each word of q within one project: log((N - n + .5) / (n + .5))
 * with N the project's exchanges and n those matching the word.  idf gets
 * q->words.n values. */
int idx_fts_project_idf(struct store *st, int sig, const struct idx_query *q,
			int64_t project_id, double *idf);

/* rank.c: registers recallfs_bm25 on the store's connection (once). */
int idx_rank_register(struct store *st);
double idx_bm25_idf(int64_t n_rows, int64_t n_hits);
/* The k newest exchanges within f (score 0): a query with no words. */
int idx_fts_browse(struct store *st, const struct idx_filter *f, size_t k,
		   struct idx_list *out);
/* Removes from l (in place, order kept) the exchanges outside f. */
int idx_filter_apply(struct store *st, const struct idx_filter *f,
		     struct idx_list *l);

/* Fuses the lists of the signals in mask into res (not truncated). */
void idx_fuse(const struct idx_list *lists, unsigned mask,
	      const struct idx_opts *o, struct idx_results *res);

#endif

/* search.h: running a parsed query over the memory (SPEC section 7).
 *
 * A mode is a set of signals, each a ranked candidate list:
 *   IDX_SIG_VERBATIM        BM25 over fts_verbatim          (fts.c)
 *   IDX_SIG_DISTILLED       BM25 over fts_distilled         (fts.c)
 *   IDX_SIG_VECTOR          cosine over distilled vectors   (vec.h)
 *   IDX_SIG_VECTOR_VERBATIM cosine over verbatim vectors    (vec.h)
 *     verbatim  = VERBATIM             distilled = DISTILLED
 *     vector    = VECTOR + VECTOR_VERBATIM
 *     hybrid    = all four             cross     = VERBATIM + VECTOR
 * A mode of one signal ranks by that signal's raw score; a mode of several
 * fuses them (fuse.c): weighted sum of min-max normalised scores
 * (IDX_FUSE_WEIGHTED, the default) or reciprocal rank fusion, k = 60
 * (IDX_FUSE_RRF), then adds to each hit a share (idx_opts.smooth) of the
 * fused score of its neighbours in the same conversation.  A signal with
 * no candidates (no vectors stored yet) takes no part.
 *
 * BM25 is recallfs_bm25 (rank.c): FTS5's formula, k1 1.2, b 0.75, with the
 * IDF taken within the project when the search is limited to one.
 *
 * Filters (project, room, file, since, until) apply inside each signal;
 * a project that does not exist matches nothing.  A query with filters but
 * no words lists the matching exchanges, newest first (score 0).
 *
 * BM25 runs over an OR of the quoted words; higher is better everywhere. */
#ifndef IDX_SEARCH_H
#define IDX_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "query.h"
#include "store.h"

struct emb;

enum idx_sig {
	IDX_SIG_VERBATIM,
	IDX_SIG_DISTILLED,
	IDX_SIG_VECTOR,
	IDX_SIG_VECTOR_VERBATIM,
	IDX_NSIG
};

enum idx_fusion { IDX_FUSE_WEIGHTED, IDX_FUSE_RRF };

/* The mode used when a query names none: the best measured by
 * `recallfs eval` on LoCoMo (README shows the table; search.c the fusion
 * choices behind it). */
#define IDX_MODE_DEFAULT IDX_MODE_HYBRID

#define IDX_RRF_K 60.0
#define IDX_DEPTH_DEFAULT 100   /* candidates per signal */

struct idx_hit {
	int64_t id;             /* exchange id */
	double score;           /* the mode's score, higher is better */
	double sig[IDX_NSIG];   /* raw score per signal, where has bit set */
	unsigned has;           /* bit (1 << sig) per signal that found it */
};

struct idx_results {
	struct idx_hit *v;
	size_t n, cap;
	int mode;               /* the mode that ran */
};

#define IDX_RESULTS_INIT { NULL, 0, 0, 0 }

struct idx_opts {
	int fusion;                     /* enum idx_fusion */
	double weight[IDX_NSIG];        /* per signal, both fusions */
	int dedup;                      /* keep the best exchange per
	                                   conversation only */
	size_t depth;                   /* candidates per signal, >= limit */
	double smooth;                  /* fused modes: share of a session
	                                   neighbour's score a hit gains */
	double dates;                   /* fused modes: what a hit gains when
	                                   its date matches every month name
	                                   and year in the query */
	double k1, b;                   /* BM25 parameters */
	int global_idf;                 /* 1: IDF over the whole memory even
	                                   when one project is searched */
	struct emb *emb;                /* embedder for the query; NULL: one
	                                   is opened (emb_open) per search */
};

/* The measured defaults (see search.c for the numbers behind them). */
void idx_opts_default(struct idx_opts *o);

/* Runs q (mode -1 means IDX_MODE_DEFAULT; o NULL means the defaults) and
 * fills res with at most q->limit hits, best first.  0, or -errno with one
 * line in err.  res is replaced (release it with idx_results_release). */
int idx_search(struct store *st, const struct idx_query *q,
	       const struct idx_opts *o, struct idx_results *res,
	       struct buf *err);
void idx_results_release(struct idx_results *r);

/* Signals a mode uses, as a bit mask (1 << enum idx_sig). */
unsigned idx_mode_signals(int mode);
/* "verbatim", "distilled", "vector", "vector_verbatim". */
const char *idx_sig_name(int sig);

#endif

/* eval.h: retrieval quality on a queries file (SPEC section 7).
 *
 * Each line of the file is {"query": "...", "project": "..." (optional),
 * "relevant": ["<source message id>", ...]} (other keys are ignored; blank
 * lines are skipped).  An exchange is relevant when its source_ids hold any
 * listed id (within the project when one is given).  Per mode, each query is
 * searched with limit IDX_EVAL_DEPTH and its words taken literally (no
 * key:value filters, IDX_QPLAIN); R@k is the share of queries with a
 * relevant exchange in the top k, MRR the mean of 1/rank of the first
 * relevant one (0 beyond IDX_EVAL_DEPTH).  A query whose ids name no stored
 * exchange counts as a miss in every mode and in `unresolved`. */
#ifndef IDX_EVAL_H
#define IDX_EVAL_H

#include <stddef.h>

#include "buf.h"
#include "search.h"
#include "store.h"

#define IDX_EVAL_DEPTH 50

struct idx_eval_score {
	int mode;
	double r1, r5, r10, mrr;
};

struct idx_eval {
	size_t queries;
	size_t unresolved;
	struct idx_eval_score m[IDX_NMODES];
	size_t nm;
};

/* Evaluates the queries in data (len bytes of JSONL) for the nmodes modes
 * listed, with search options o (NULL: defaults).  0, or -errno with one
 * line in err ("line 7: ..." for a bad line). */
int idx_eval_run(struct store *st, const char *data, size_t len,
		 const int *modes, size_t nmodes, const struct idx_opts *o,
		 struct idx_eval *res, struct buf *err);

#endif

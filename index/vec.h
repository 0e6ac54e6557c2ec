/* vec.h: stored vectors and exact nearest-neighbour search over them.
 *
 * Vectors live in the `vectors` table of core/store.c (exchange_id, layer,
 * model, dim, v), one row per exchange and layer.  v is the vector
 * quantised to int8: a float32 scale (host order) then dim signed bytes,
 * v[i] ~ scale * b[i] -- a quarter of the size of float32, and measured to
 * change no top-1 result (tests/unit/test_vec.c).  Layers:
 *   VEC_DISTILLED (0)  the distilled text, core + "\n" + context
 *   VEC_VERBATIM  (1)  the verbatim text
 *
 * Search is exact (brute force) over an in-memory copy: all vectors of one
 * (database, layer, model) in ONE contiguous int8 array (per-vector scale)
 * with parallel arrays of exchange ids and project ids.  The copy is loaded
 * on first use, shared by every thread of the process (rwlock), and caught
 * up before each search from the table itself (new rows appended, removed
 * ones dropped; see vec.c), so it answers for what the calling connection
 * sees committed, whoever wrote it (another thread, another process, a
 * rolled-back transaction).
 *
 * Measured at 100k x 384 (tests: see the commit log and the report): the
 * first search of a process loads the copy in about 0.2 s; a search then
 * scores all rows in about 3-5 ms on a quiet 2-core machine.
 *
 * Layers embedded: RECALLFS_EMBED_LAYERS = "distilled", "verbatim" or both
 * (the default).
 */
#ifndef VEC_H
#define VEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "embed.h"
#include "store.h"

enum { VEC_DISTILLED = 0, VEC_VERBATIM = 1 };

/* The text embedded for an exchange's layer (core + "\n" + context, or the
 * verbatim), appended to out. */
int vec_layer_text(const struct store_exchange *x, int layer,
		   struct buf *out);

/* Inserts or replaces the vector of (id, layer).  v has dim floats.
 * -errno. */
int vec_put(struct store *st, int64_t id, int layer, const char *model,
	    const float *v, int dim);

struct vec_hit {
	int64_t id;
	float score;            /* cosine similarity, higher is closer */
};

/* The k stored vectors of `layer` made by emb_model(e) closest to q
 * (emb_dim(e) floats, L2-normalised), best first, into out[0..*n).
 * project_id 0 = all projects.  *n <= k.  -errno. */
int vec_search(struct store *st, struct emb *e, int layer, const float *q,
	       int64_t project_id, size_t k, struct vec_hit *out, size_t *n);

/* Embeds text with e and searches (convenience for query code). */
int vec_search_text(struct store *st, struct emb *e, int layer,
		    const char *text, int64_t project_id, size_t k,
		    struct vec_hit *out, size_t *n, struct buf *err);

/* Ingest hook (ingest_hook_fn of core/ingest.h): ctx is a struct emb *.
 * Embeds and stores the vectors of exchange x inside the caller's
 * transaction. */
int idx_embed_hook(void *ctx, struct store *st,
		   const struct store_exchange *x);

/* Embeds every exchange that has no vector, or one made by a different
 * model, for every layer that is embedded; vectors of other models are
 * replaced ("changing the model re-embeds").  Runs in transactions of a
 * few hundred exchanges.  Returns the number of vectors written (>= 0), or
 * -errno with one line in err. */
int vec_sync(struct store *st, struct emb *e, struct buf *err);

/* Drops every in-memory copy (tests, and before exit to keep leak checkers
 * quiet). */
void vec_cache_clear(void);

#endif

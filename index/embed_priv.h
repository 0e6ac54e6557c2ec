/* embed_priv.h: what the embedders share inside index/ (not for callers):
 * the handle layout and the HTTP embedder's entry points. */
#ifndef EMBED_PRIV_H
#define EMBED_PRIV_H

#include "embed.h"

enum emb_kind { EMB_BUILTIN, EMB_HTTP };

struct emb_builtin;
struct emb_http;

struct emb {
	enum emb_kind kind;
	char *model;                 /* owned */
	int dim;
	struct emb_builtin *b;       /* kind == EMB_BUILTIN */
	struct emb_http *h;          /* kind == EMB_HTTP */
	char *error;                 /* last failure, owned */
	long long error_at;          /* when (CLOCK_MONOTONIC seconds) */
};

int emb_builtin_embed(struct emb *e, const char *const *texts, size_t n,
		      float *out);
void emb_builtin_free(struct emb_builtin *b);

int emb_http_embed(struct emb *e, const char *const *texts, size_t n,
		   float **out, struct buf *err);
void emb_http_free(struct emb_http *h);

/* The optional word vectors (embed_words.c), loaded once per process.
 * *w is NULL when there are none; -errno when RECALLFS_EMBED_DATA names a
 * file that cannot be read or is not one (*path then names it). */
struct emb_words;
int emb_words_get(const struct emb_words **w, const char **path);
int emb_words_dim(const struct emb_words *w);
long emb_words_count(const struct emb_words *w);
/* Index (= frequency rank - 1) of the word s[0..n), or -1. */
long emb_words_find(const struct emb_words *w, const char *s, size_t n);
/* acc[0..dim) += weight * vector of word i. */
void emb_words_add(const struct emb_words *w, long i, float weight,
		   float *acc);

/* Scales v (dim floats) to unit length; an all-zero vector stays zero. */
void emb_normalise(float *v, int dim);

#endif

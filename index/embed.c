/* embed.c: the embedder handle: chooses the built-in or the HTTP embedder
 * from the environment and dispatches to it (see embed.h). */
#include "common.h"
#include "embed_priv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int emb_open(struct emb **e, struct buf *err)
{
	const char *url = getenv("RECALLFS_EMBED_URL");

	*e = NULL;
	if (url && *url)
		return emb_open_http(e, url, getenv("RECALLFS_EMBED_MODEL"),
				     getenv("RECALLFS_EMBED_KEY"), err);
	int rc = emb_open_builtin(e);
	const struct emb_words *w;
	const char *path = "";

	if (rc < 0 && emb_words_get(&w, &path) < 0 && err)
		buf_addf(err, "word vectors %s: %s (RECALLFS_EMBED_DATA=none "
			 "does without)", path, rc == -EILSEQ ? "not a "
			 "word-vector file (contrib/embed-data makes one)" :
			 err_str(rc));
	else if (rc < 0 && err)
		buf_addf(err, "built-in embedder: %s", err_str(rc));
	return rc;
}

void emb_close(struct emb *e)
{
	if (!e)
		return;
	emb_builtin_free(e->b);
	emb_http_free(e->h);
	free(e->model);
	free(e->error);
	free(e);
}

const char *emb_model(const struct emb *e)
{
	return e->model;
}

int emb_dim(const struct emb *e)
{
	return e->dim;
}

static long long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

const char *emb_error(const struct emb *e)
{
	const char *s = getenv("RECALLFS_EMBED_RETRY_S");
	long long after = s && *s ? atoll(s) : 60;

	if (!e->error || now_s() - e->error_at >= after)
		return NULL;
	return e->error;
}

static void note_error(struct emb *e, const struct buf *msg)
{
	free(e->error);
	e->error = xstrdup(msg->len ? msg->p : "embedder failed");
	e->error_at = now_s();
}

void emb_normalise(float *v, int dim)
{
	double s = 0;

	for (int i = 0; i < dim; i++)
		s += (double)v[i] * v[i];
	if (s <= 0)
		return;
	s = 1.0 / sqrt(s);
	for (int i = 0; i < dim; i++)
		v[i] = (float)(v[i] * s);
}

int emb_embed_alloc(struct emb *e, const char *const *texts, size_t n,
		    float **out, struct buf *err)
{
	int rc;

	*out = NULL;
	if (e->kind == EMB_HTTP) {
		struct buf msg = BUF_INIT(BUF_MAX_SMALL);

		rc = emb_http_embed(e, texts, n, out, &msg);
		if (rc < 0) {
			note_error(e, &msg);
			if (err)
				buf_adds(err, buf_str(&msg));
		}
		buf_release(&msg);
		return rc;
	}
	*out = xmalloc((n ? n : 1) * (size_t)e->dim * sizeof(float));
	rc = emb_builtin_embed(e, texts, n, *out);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		if (err)
			buf_addf(err, "built-in embedder: %s", err_str(rc));
	}
	return rc;
}

int emb_embed(struct emb *e, const char *const *texts, size_t n, float *out,
	      struct buf *err)
{
	float *v;
	int rc;

	if (e->kind == EMB_BUILTIN) {
		rc = emb_builtin_embed(e, texts, n, out);
		if (rc < 0 && err)
			buf_addf(err, "built-in embedder: %s", err_str(rc));
		return rc;
	}
	if (!e->dim && n) {
		if (err)
			buf_addf(err, "embedder %s: dimension not known yet",
				 e->model);
		return -EINVAL;
	}
	rc = emb_embed_alloc(e, texts, n, &v, err);
	if (rc < 0)
		return rc;
	memcpy(out, v, n * (size_t)e->dim * sizeof(float));
	free(v);
	return 0;
}

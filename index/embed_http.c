/* embed_http.c: the HTTP embedder: POST {base}/v1/embeddings of any
 * OpenAI-compatible server (llama.cpp server, Ollama, vLLM, hosted APIs)
 * through core/http.c, JSON by cJSON.
 *
 * Texts go in batches (RECALLFS_EMBED_BATCH, default 32), one request at a
 * time; each has a connect and a total timeout (RECALLFS_EMBED_TIMEOUT_MS,
 * default 60 s) and up to RECALLFS_EMBED_RETRIES retries (default 3) with
 * backoff from RECALLFS_EMBED_BACKOFF_MS (http.h says on what).  Errors
 * are one line "embedder URL: what" (no user:password, no key). */
#include "common.h"
#include "embed_priv.h"
#include "http.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reply cap per text asked for: room for a 4096-d vector as JSON. */
#define REPLY_PER_TEXT (256u << 10)
#define TEXT_MAX_BYTES 8192     /* longer texts are cut (model context) */

struct emb_http {
	struct http_pool pool;  /* the endpoint; keeps its connection alive */
	size_t batch;
};

/* Every RECALLFS_EMBED_* setting of the HTTP client, from the environment
 * (a bad or out-of-range value keeps the default). */
static long env_long(const char *name, long def, long lo, long hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return def;
	return v;
}

static void settings(struct http_opts *o, size_t *batch)
{
	o->timeout_ms = env_long("RECALLFS_EMBED_TIMEOUT_MS", 60000, 1,
				 3600000);
	o->connect_timeout_ms = o->timeout_ms < 10000 ? o->timeout_ms : 10000;
	o->attempts = 1 + (int)env_long("RECALLFS_EMBED_RETRIES", 3, 0, 20);
	o->backoff_ms = env_long("RECALLFS_EMBED_BACKOFF_MS", 500, 0, 60000);
	/* A Retry-After longer than a request may take is not waited out:
	 * ingest and the mount's worker wait on the embedder. */
	o->max_wait_ms = o->timeout_ms;
	o->parallel = 1;
	*batch = (size_t)env_long("RECALLFS_EMBED_BATCH", 32, 1, 4096);
	o->max_reply = *batch * REPLY_PER_TEXT;
	if (o->max_reply < (1u << 20))
		o->max_reply = 1u << 20;
	if (o->max_reply > BUF_MAX_TEXT)
		o->max_reply = BUF_MAX_TEXT;
}

static char *endpoint(const char *base)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	size_t n = strlen(base);
	static const char tail[] = "/embeddings";

	while (n && base[n - 1] == '/')
		n--;
	buf_add(&b, base, n);
	if (n >= sizeof(tail) - 1 &&
	    !strcmp(buf_str(&b) + n - (sizeof(tail) - 1), tail))
		return buf_detach(&b);
	if (n < 3 || strcmp(buf_str(&b) + n - 3, "/v1"))
		buf_adds(&b, "/v1");
	buf_adds(&b, tail);
	return buf_detach(&b);
}

int emb_open_http(struct emb **out, const char *url, const char *model,
		  const char *key, struct buf *err)
{
	struct http_opts o = { 0 };
	struct emb_http *h;
	struct emb *e;
	char *full;

	*out = NULL;
	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
		if (err)
			buf_addf(err, "RECALLFS_EMBED_URL: not an http(s) URL");
		return -EINVAL;
	}
	if (!model || !*model) {
		if (err)
			buf_addf(err, "RECALLFS_EMBED_MODEL: not set (the "
				 "embedding model to ask %s for)", "the server");
		return -EINVAL;
	}
	h = xcalloc(1, sizeof(*h));
	full = endpoint(url);
	settings(&o, &h->batch);
	o.url = full;
	o.key = key;
	http_pool_init(&h->pool, &o);
	free(full);
	e = xcalloc(1, sizeof(*e));
	e->kind = EMB_HTTP;
	e->model = xstrdup(model);
	e->h = h;
	*out = e;
	return 0;
}

void emb_http_free(struct emb_http *h)
{
	if (!h)
		return;
	http_pool_release(&h->pool);
	free(h);
}

/* A text cut to TEXT_MAX_BYTES at a UTF-8 boundary; never empty (servers
 * refuse ""). */
static cJSON *text_item(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	char *cut;
	cJSON *item;

	if (!n)
		return cJSON_CreateString(" ");
	if (n <= TEXT_MAX_BYTES)
		return cJSON_CreateString(t);
	n = TEXT_MAX_BYTES;
	while (n && ((unsigned char)t[n] & 0xc0) == 0x80)
		n--;
	cut = xstrndup(t, n);
	item = cJSON_CreateString(cut);
	free(cut);
	return item;
}

static char *request_body(const char *model, const char *const *texts,
			  size_t n)
{
	cJSON *root = cJSON_CreateObject(), *in = cJSON_CreateArray();
	char *s;

	cJSON_AddStringToObject(root, "model", model);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(in, text_item(texts[i]));
	cJSON_AddItemToObject(root, "input", in);
	cJSON_AddStringToObject(root, "encoding_format", "float");
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* Parses {"data":[{"embedding":[...],"index":i},...]} into out (n rows of
 * e->dim, which is learnt from the first reply). */
static int parse_reply(struct emb *e, const struct buf *body, size_t n,
		       float **out, size_t row0, size_t total,
		       struct buf *err)
{
	cJSON *root = cJSON_ParseWithLength(body->p ? body->p : "", body->len);
	cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data"), *it;
	size_t k = 0;
	int rc = 0;

	if (!cJSON_IsArray(data) || (size_t)cJSON_GetArraySize(data) != n) {
		buf_addf(err, "embedder %s: malformed reply (expected \"data\""
			 " with %zu embeddings)", http_pool_url(&e->h->pool), n);
		cJSON_Delete(root);
		return -EPROTO;
	}
	cJSON_ArrayForEach(it, data) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "embedding");
		cJSON *ix = cJSON_GetObjectItemCaseSensitive(it, "index");
		size_t row = cJSON_IsNumber(ix) ? (size_t)ix->valuedouble : k;
		int d = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0, j = 0;
		cJSON *x;

		k++;
		if (!cJSON_IsNumber(ix) && ix)
			row = n;
		if (!d || d > 65536 || row >= n ||
		    (e->dim && d != e->dim)) {
			buf_addf(err, "embedder %s: malformed reply (embedding "
				 "%zu: %s)", http_pool_url(&e->h->pool), k - 1,
				 !d ? "missing or empty" : row >= n ?
				 "bad index" : "dimension differs");
			rc = -EPROTO;
			break;
		}
		if (!e->dim) {
			e->dim = d;
			*out = xrealloc(*out, total * (size_t)d *
					sizeof(float));
		}
		cJSON_ArrayForEach(x, v) {
			if (!cJSON_IsNumber(x)) {
				buf_addf(err, "embedder %s: malformed reply "
					 "(non-number in embedding %zu)",
					 http_pool_url(&e->h->pool), k - 1);
				rc = -EPROTO;
				break;
			}
			(*out)[(row0 + row) * (size_t)d + (size_t)j++] =
				(float)x->valuedouble;
		}
		if (rc < 0)
			break;
		emb_normalise(*out + (row0 + row) * (size_t)d, d);
	}
	cJSON_Delete(root);
	return rc;
}

static int embed_batch(struct emb *e, const char *const *texts, size_t n,
		       float **out, size_t row0, size_t total,
		       struct buf *err)
{
	struct http_req r;
	struct buf msg = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	http_req_init(&r, request_body(e->model, texts, n), NULL);
	rc = http_send(&e->h->pool, &r);
	if (rc)
		buf_addf(&msg, "embedder %s", buf_str(&r.why));
	else
		rc = parse_reply(e, &r.reply, n, out, row0, total, &msg);
	if (rc < 0 && err)
		buf_adds(err, buf_str(&msg));
	http_req_release(&r);
	buf_release(&msg);
	return rc;
}

int emb_http_embed(struct emb *e, const char *const *texts, size_t n,
		   float **out, struct buf *err)
{
	size_t step = e->h->batch;

	*out = e->dim ? xmalloc((n ? n : 1) * (size_t)e->dim * sizeof(float))
		      : NULL;
	for (size_t i = 0; i < n; i += step) {
		size_t m = n - i < step ? n - i : step;
		int rc;

		rc = embed_batch(e, texts + i, m, out, i, n, err);
		if (rc < 0) {
			free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

/* embed_http.c: the HTTP embedder: POST {base}/v1/embeddings of any
 * OpenAI-compatible server (llama.cpp server, Ollama, vLLM, hosted APIs)
 * through libcurl, JSON by cJSON.
 *
 * Texts go in batches (RECALLFS_EMBED_BATCH, default 32); each request has
 * a connect and a total timeout (RECALLFS_EMBED_TIMEOUT_MS, default 60 s)
 * and is retried with exponential backoff on 429, 5xx, timeouts and lost
 * connections (RECALLFS_EMBED_RETRIES, default 3).  The reply is read into
 * a size-capped buf.  Errors are one line naming the endpoint (without any
 * user:password part) and what went wrong; the bearer key never appears in
 * them. */
#include "common.h"
#include "embed_priv.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTTP_REPLY_MAX BUF_MAX_TEXT
#define TEXT_MAX_BYTES 8192     /* longer texts are cut (model context) */

struct emb_http {
	CURL *curl;
	char *url;              /* full endpoint, owned */
	char *shown;            /* endpoint as printed in errors, owned */
	char *auth;             /* "Authorization: Bearer KEY", owned */
	const char *key;        /* points into auth */
	long timeout_ms, connect_ms, backoff_ms;
	int retries;
	size_t batch;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

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

/* The endpoint with any "user:password@" removed, for messages. */
static char *shown_url(const char *url)
{
	const char *p = strstr(url, "://"), *at, *slash;
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	if (!p)
		return xstrdup(url);
	p += 3;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	buf_add(&b, url, (size_t)(p - url));
	buf_adds(&b, at ? at + 1 : p);
	return buf_detach(&b);
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
	struct emb_http *h;
	struct emb *e;

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
	pthread_once(&curl_once, curl_init_once);
	h = xcalloc(1, sizeof(*h));
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		if (err)
			buf_addf(err, "embedder: cannot start libcurl");
		return -ENOMEM;
	}
	h->url = endpoint(url);
	h->shown = shown_url(h->url);
	if (key && *key) {
		struct buf a = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&a, "Authorization: Bearer %s", key);
		h->auth = buf_detach(&a);
		h->key = h->auth + strlen("Authorization: Bearer ");
	}
	h->timeout_ms = env_long("RECALLFS_EMBED_TIMEOUT_MS", 60000, 1,
				 3600000);
	h->connect_ms = h->timeout_ms < 10000 ? h->timeout_ms : 10000;
	h->retries = (int)env_long("RECALLFS_EMBED_RETRIES", 3, 0, 20);
	h->backoff_ms = env_long("RECALLFS_EMBED_BACKOFF_MS", 500, 0, 60000);
	h->batch = (size_t)env_long("RECALLFS_EMBED_BATCH", 32, 1, 4096);
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
	curl_easy_cleanup(h->curl);
	if (h->auth) {
		memset(h->auth, 0, strlen(h->auth));
		free(h->auth);
	}
	free(h->url);
	free(h->shown);
	free(h);
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	if (buf_add(b, p, size * n) < 0)
		return 0;       /* makes curl stop with CURLE_WRITE_ERROR */
	return size * n;
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

/* A short printable excerpt of a reply body for an error line. */
static void add_excerpt(struct buf *err, const struct buf *body)
{
	size_t n = body->len < 120 ? body->len : 120;

	if (!n)
		return;
	buf_adds(err, ": ");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body->p[i];

		buf_addc(err, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (body->len > n)
		buf_adds(err, "...");
}

/* Masks every copy of the key in msg (a server may echo what it got). */
static void scrub(struct buf *msg, const char *key)
{
	size_t n = key ? strlen(key) : 0;
	char *p;

	if (n < 4 || !msg->p)
		return;
	while ((p = strstr(msg->p, key)))
		memset(p, '*', n);
}

/* One POST.  0 with the reply in body, or -errno with *retry set when
 * trying again may help, and a message in err. */
static int post(struct emb_http *h, const char *json, struct buf *body,
		int *retry, struct buf *err)
{
	struct curl_slist *hdr = NULL;
	long status = 0;
	CURLcode cc;

	buf_reset(body);
	*retry = 0;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	if (h->auth)
		hdr = curl_slist_append(hdr, h->auth);
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	cc = curl_easy_perform(h->curl);
	curl_slist_free_all(hdr);
	buf_reset(err);
	if (cc != CURLE_OK) {
		int e = err_from_curl(cc);

		*retry = cc == CURLE_OPERATION_TIMEDOUT ||
			 cc == CURLE_COULDNT_CONNECT || cc == CURLE_GOT_NOTHING ||
			 cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR;
		buf_addf(err, "embedder %s: %s", h->shown,
			 cc == CURLE_WRITE_ERROR ? "reply too large" :
			 curl_easy_strerror(cc));
		return -e;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		return 0;
	*retry = status == 429 || status >= 500;
	buf_addf(err, "embedder %s: HTTP %ld", h->shown, status);
	add_excerpt(err, body);
	scrub(err, h->key);
	return status == 401 || status == 403 ? -EACCES :
	       status == 404 ? -ENOENT : status == 413 ? -E2BIG :
	       status == 429 ? -EAGAIN : status >= 500 ? -EIO : -EPROTO;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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
			 " with %zu embeddings)", e->h->shown, n);
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
				 "%zu: %s)", e->h->shown, k - 1,
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
					 e->h->shown, k - 1);
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
	struct emb_http *h = e->h;
	struct buf body = BUF_INIT(HTTP_REPLY_MAX);
	struct buf msg = BUF_INIT(BUF_MAX_SMALL);
	char *json = request_body(e->model, texts, n);
	long wait = h->backoff_ms;
	int rc = -EIO, retry = 0;

	for (int attempt = 0; attempt <= h->retries; attempt++) {
		if (attempt) {
			sleep_ms(wait);
			wait = wait * 2 > 30000 ? 30000 : wait * 2;
		}
		rc = post(h, json, &body, &retry, &msg);
		if (rc == 0) {
			rc = parse_reply(e, &body, n, out, row0, total, &msg);
			break;
		}
		if (!retry)
			break;
	}
	if (rc < 0 && err)
		buf_adds(err, buf_str(&msg));
	free(json);
	buf_release(&body);
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

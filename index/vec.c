/* vec.c: the vectors table (vec_put, vec_sync, the ingest hook) and exact
 * search over an in-memory copy of it (see vec.h).
 *
 * The copy ("cache"): one per (database file, layer, model), shared by the
 * process.  Vectors are int8 with a per-vector scale (v ~ scale * q), rows
 * padded to a multiple of 64 bytes and stored back to back, so the scoring
 * loop runs over one contiguous array in fixed 64-byte steps that gcc turns
 * into wide SIMD (target_clones picks AVX-512/AVX2 at run time).  Parallel
 * arrays hold each row's exchange id, project id and table rowid.
 *
 * Keeping it in step without trusting anyone to tell it: before a search,
 * the table's fingerprint (row count, largest rowid, and what that row is)
 * is read -- a few B-tree probes.  If it moved, rows past the largest
 * rowid seen are appended (the common case: new exchanges); if the count
 * does not then add up (rows deleted or replaced: a forgotten, grown or
 * re-distilled exchange) the rows whose rowid is gone are dropped after
 * one scan of the rowid index; if the last row seen was itself replaced
 * (its rowid may have been reused) the copy is reloaded whole.  vec_put therefore
 * only writes the table: what it wrote is seen by the next search on any
 * connection, and a rolled-back write never is. */
#include "common.h"
#include "vec.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed_priv.h"

#define ROW_ALIGN 64

/* The scoring loop: one copy per instruction set, chosen at load time
 * (gcc on x86-64), and vectorised even at -O2.  Not under ThreadSanitizer,
 * whose run time is not up yet when the ifunc resolver runs. */
#if defined(__SANITIZE_THREAD__)
#define KERNEL_ATTRS
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERNEL_ATTRS \
	__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), \
		       optimize("O3")))
#else
#define KERNEL_ATTRS
#endif
#define VEC_MAX_DIM 65536
#define SYNC_BATCH 256

struct vfp {                    /* table fingerprint */
	int64_t count, max_rowid, top_id;
	int top_layer;
	char top_tag[48];       /* model and first bytes of the top row */
};

struct vcache {
	dev_t dev;
	ino_t ino;
	int layer;
	char *model;
	int dim, stride;        /* stride: dim rounded up to ROW_ALIGN */
	int8_t *q;              /* n * stride */
	float *scale;
	int64_t *ids, *proj, *rowid;
	size_t n, cap;
	struct vfp fp;
	int loaded;
	pthread_rwlock_t lock;
	struct vcache *next;
};

static struct vcache *caches;
static pthread_mutex_t caches_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the table ---- */

static int prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? 0 : -err_from_sqlite(rc);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int vec_layer_text(const struct store_exchange *x, int layer,
		   struct buf *out)
{
	if (layer == VEC_VERBATIM)
		return buf_adds(out, x->verbatim ? x->verbatim : "");
	if (buf_adds(out, x->d.core ? x->d.core : "") < 0 ||
	    buf_addc(out, '\n') < 0)
		return -E2BIG;
	return buf_adds(out, x->d.context ? x->d.context : "");
}

static void quantise(const float *v, int dim, int8_t *q, float *scale)
{
	float m = 0;

	for (int i = 0; i < dim; i++)
		m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
	*scale = m > 0 ? m / 127.0f : 0;
	for (int i = 0; i < dim; i++)
		q[i] = m > 0 ? (int8_t)lrintf(v[i] / *scale) : 0;
}

int vec_put(struct store *st, int64_t id, int layer, const char *model,
	    const float *v, int dim)
{
	/* REPLACE deletes the old row and inserts a new one with a new
	 * rowid: that is how the in-memory copies notice a changed vector. */
	static const char sql[] =
		"INSERT OR REPLACE INTO vectors(exchange_id, layer, model, dim, v)"
		" VALUES (?,?,?,?,?)";
	sqlite3_stmt *s;
	uint8_t *blob;
	float scale;
	int rc;

	if (dim <= 0 || dim > VEC_MAX_DIM || !model)
		return -EINVAL;
	blob = xmalloc(sizeof(float) + (size_t)dim);
	quantise(v, dim, (int8_t *)blob + sizeof(float), &scale);
	memcpy(blob, &scale, sizeof(float));
	rc = prep(st, sql, &s);
	if (rc < 0) {
		free(blob);
		return rc;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, layer);
	sqlite3_bind_text(s, 3, model, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, dim);
	sqlite3_bind_blob(s, 5, blob, (int)sizeof(float) + dim, free);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

/* Which layers get vectors: RECALLFS_EMBED_LAYERS = "distilled",
 * "verbatim" or "distilled,verbatim" (default). */
static int layer_enabled(int layer)
{
	const char *s = getenv("RECALLFS_EMBED_LAYERS");

	if (!s || !*s)
		return 1;
	return strstr(s, layer == VEC_VERBATIM ? "verbatim" : "distilled")
		!= NULL;
}

int idx_embed_hook(void *ctx, struct store *st,
		   const struct store_exchange *x)
{
	struct emb *e = ctx;
	struct buf t[2] = { BUF_INIT(BUF_MAX_TEXT), BUF_INIT(BUF_MAX_TEXT) };
	const char *texts[2];
	int layers[2], n = 0, rc = 0;
	float *v = NULL;

	/* A server that just failed is not asked again for every exchange
	 * (each would wait through its retries): vec_sync fills the gaps. */
	if (!e || emb_error(e))
		return 0;
	for (int l = VEC_DISTILLED; l <= VEC_VERBATIM; l++) {
		if (!layer_enabled(l))
			continue;
		rc = vec_layer_text(x, l, &t[n]);
		if (rc < 0)
			goto out;
		texts[n] = buf_str(&t[n]);
		layers[n++] = l;
	}
	if (!n)
		goto out;
	if (emb_embed_alloc(e, texts, (size_t)n, &v, NULL) < 0)
		goto out;       /* kept in emb_error(e); not fatal */
	for (int i = 0; i < n && rc == 0; i++)
		rc = vec_put(st, x->id, layers[i], emb_model(e),
			     v + (size_t)i * (size_t)emb_dim(e), emb_dim(e));
out:
	free(v);
	buf_release(&t[0]);
	buf_release(&t[1]);
	return rc;
}

/* 1 if some vector of `layer` was made by another model than `model`:
 * two seeks in the (layer, model) index. */
static int has_stale(struct store *st, int layer, const char *model)
{
	static const char *const sql[] = {
		"SELECT 1 FROM vectors WHERE layer = ?1 AND model < ?2 LIMIT 1",
		"SELECT 1 FROM vectors WHERE layer = ?1 AND model > ?2 LIMIT 1",
	};
	int found = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sql) && !found; i++) {
		sqlite3_stmt *s;

		if (prep(st, sql[i], &s) < 0)
			return 1;
		sqlite3_bind_int(s, 1, layer);
		sqlite3_bind_text(s, 2, model, -1, SQLITE_STATIC);
		found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	return found;
}

/* 1 when every exchange has a vector of `layer` (one row per exchange and
 * layer, and none without its exchange: equal counts say it). */
static int all_have(struct store *st, int layer)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM exchanges) ="
		" (SELECT count(*) FROM vectors WHERE layer = ?1)";
	sqlite3_stmt *s;
	int yes = 0;

	if (prep(st, sql, &s) < 0)
		return 0;
	sqlite3_bind_int(s, 1, layer);
	if (sqlite3_step(s) == SQLITE_ROW)
		yes = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return yes;
}

/* The exchanges whose `layer` has no vector of this model, ascending.
 * Only indexes are read: when every vector is of this model (the usual
 * case) equal counts settle it, else one probe per exchange. */
static int missing_ids(struct store *st, int layer, const char *model,
		       int64_t **ids, size_t *n)
{
	static const char sql_any[] =
		"SELECT x.id FROM exchanges x WHERE NOT EXISTS (SELECT 1 FROM"
		" vectors v WHERE v.exchange_id = x.id AND v.layer = ?1)";
	static const char sql_model[] =
		"SELECT x.id FROM exchanges x WHERE NOT EXISTS (SELECT 1 FROM"
		" vectors v WHERE v.exchange_id = x.id AND v.layer = ?1 AND"
		" v.model = ?2)";
	int stale = has_stale(st, layer, model);
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (!stale && all_have(st, layer))
		return 0;
	rc = prep(st, stale ? sql_model : sql_any, &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(s, 1, layer);
	sqlite3_bind_text(s, 2, model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, cap, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -err_from_sqlite(rc);
	if (*n)
		qsort(*ids, *n, sizeof(**ids), cmp_i64);
	return 0;
}

/* The texts of ids[0..n) for `layer` (caller frees each and the array);
 * an exchange removed meanwhile gets NULL. */
static int layer_texts(struct store *st, int layer, const int64_t *ids,
		       size_t n, char ***out)
{
	sqlite3_stmt *s;
	int rc = prep(st, layer == VEC_VERBATIM ?
		      "SELECT verbatim FROM exchanges WHERE id = ?" :
		      "SELECT distilled FROM exchanges WHERE id = ?", &s);

	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ids[i]);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);

			(*out)[i] = xstrdup(t ? t : "");
			rc = 0;
		} else {
			rc = rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
		}
	}
	sqlite3_finalize(s);
	return rc;
}

static int sync_write(struct store *st, int layer, struct emb *e,
		      const int64_t *ids, char **texts, size_t n,
		      const float *v)
{
	int rc = store_begin(st);

	for (size_t i = 0; i < n && rc == 0; i++)
		if (texts[i])
			rc = vec_put(st, ids[i], layer, emb_model(e),
				     v + i * (size_t)emb_dim(e), emb_dim(e));
	if (rc == 0)
		return store_commit(st);
	store_rollback(st);
	return rc;
}

/* Embeds and stores ids[0..n) of one layer. */
static int sync_some(struct store *st, struct emb *e, int layer,
		     const int64_t *ids, size_t n, struct buf *err)
{
	char **texts = NULL;
	const char **in = xcalloc(n ? n : 1, sizeof(*in));
	float *v = NULL;
	int rc = layer_texts(st, layer, ids, n, &texts);

	for (size_t i = 0; i < n; i++)
		in[i] = texts[i] ? texts[i] : "";
	if (rc == 0)
		rc = emb_embed_alloc(e, in, n, &v, err);
	if (rc == 0)
		rc = sync_write(st, layer, e, ids, texts, n, v);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(in);
	free(v);
	return rc;
}

int vec_sync(struct store *st, struct emb *e, struct buf *err)
{
	int total = 0, rc = 0;

	/* What finds stale vectors without reading them all (index/ owns the
	 * vectors table; a read-only store simply goes without). */
	sqlite3_exec(st->db, "CREATE INDEX IF NOT EXISTS vectors_layer_model"
		     " ON vectors(layer, model)", NULL, NULL, NULL);
	for (int l = VEC_DISTILLED; l <= VEC_VERBATIM && rc == 0; l++) {
		int64_t *ids = NULL;
		size_t n = 0;

		if (!layer_enabled(l))
			continue;
		rc = missing_ids(st, l, emb_model(e), &ids, &n);
		for (size_t i = 0; rc == 0 && i < n; i += SYNC_BATCH) {
			size_t m = n - i < SYNC_BATCH ? n - i : SYNC_BATCH;

			rc = sync_some(st, e, l, ids + i, m, err);
			if (rc == 0)
				total += (int)m;
		}
		free(ids);
	}
	if (rc < 0 && err && !err->len)
		buf_addf(err, "vectors: %s", err_str(rc));
	return rc < 0 ? rc : total;
}

/* ---- the in-memory copy ---- */

/* What the row at `rowid` is: exchange, layer, model, first bytes of v.
 * All zero when there is no such row. */
static int row_tag(struct store *st, int64_t rowid, struct vfp *fp)
{
	static const char sql[] =
		"SELECT exchange_id, layer, model, substr(v, 1, 16)"
		" FROM vectors WHERE rowid = ?";
	sqlite3_stmt *s;
	int rc = prep(st, sql, &s);

	fp->top_id = 0;
	fp->top_layer = 0;
	memset(fp->top_tag, 0, sizeof(fp->top_tag));
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, rowid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 2);
		const void *b = sqlite3_column_blob(s, 3);
		int nb = sqlite3_column_bytes(s, 3);

		fp->top_id = sqlite3_column_int64(s, 0);
		fp->top_layer = sqlite3_column_int(s, 1);
		snprintf(fp->top_tag, 32, "%s", m ? m : "");
		if (b)
			memcpy(fp->top_tag + 32, b, (size_t)(nb > 16 ? 16 : nb));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	       -err_from_sqlite(rc);
}

static int read_fp(struct store *st, struct vfp *fp)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM vectors),"
		" (SELECT max(rowid) FROM vectors)";
	sqlite3_stmt *s;
	int rc = prep(st, sql, &s);

	memset(fp, 0, sizeof(*fp));
	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		fp->count = sqlite3_column_int64(s, 0);
		fp->max_rowid = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return -err_from_sqlite(rc);
	return row_tag(st, fp->max_rowid, fp);
}

static int fp_eq(const struct vfp *a, const struct vfp *b)
{
	return a->count == b->count && a->max_rowid == b->max_rowid &&
	       a->top_id == b->top_id && a->top_layer == b->top_layer &&
	       !memcmp(a->top_tag, b->top_tag, sizeof(a->top_tag));
}

static void cache_reset(struct vcache *c)
{
	free(c->q);
	free(c->scale);
	free(c->ids);
	free(c->proj);
	free(c->rowid);
	c->q = NULL;
	c->scale = NULL;
	c->ids = c->proj = c->rowid = NULL;
	c->n = c->cap = 0;
	c->loaded = 0;
	memset(&c->fp, 0, sizeof(c->fp));
}

static void cache_add(struct vcache *c, int64_t rowid, int64_t id,
		      int64_t proj, const int8_t *q, float scale)
{
	size_t i;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;

		c->q = xrealloc(c->q, cap * (size_t)c->stride);
		c->scale = xrealloc(c->scale, cap * sizeof(float));
		c->ids = xrealloc(c->ids, cap * sizeof(int64_t));
		c->proj = xrealloc(c->proj, cap * sizeof(int64_t));
		c->rowid = xrealloc(c->rowid, cap * sizeof(int64_t));
		c->cap = cap;
	}
	i = c->n++;
	memcpy(c->q + i * (size_t)c->stride, q, (size_t)c->dim);
	memset(c->q + i * (size_t)c->stride + c->dim, 0,
	       (size_t)(c->stride - c->dim));
	c->scale[i] = scale;
	c->ids[i] = id;
	c->proj[i] = proj;
	c->rowid[i] = rowid;
}

/* Appends (or updates) the rows of this layer and model past `after`. */
static int cache_load(struct store *st, struct vcache *c, int64_t after,
		      int64_t *nrows)
{
	static const char sql[] =
		"SELECT v.rowid, v.exchange_id, x.project_id, v.dim, v.v"
		" FROM vectors v JOIN exchanges x ON x.id = v.exchange_id"
		" WHERE v.rowid > ?1 AND v.layer = ?2 AND v.model = ?3"
		" ORDER BY v.rowid";
	static const char sql_n[] =
		"SELECT count(*) FROM vectors WHERE rowid > ?1";
	sqlite3_stmt *s;
	int rc = prep(st, sql, &s);

	if (rc < 0)
		goto out;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, c->layer);
	sqlite3_bind_text(s, 3, c->model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 1);
		const uint8_t *b = sqlite3_column_blob(s, 4);
		float scale;

		if (sqlite3_column_int(s, 3) != c->dim || !b ||
		    sqlite3_column_bytes(s, 4) != c->dim + (int)sizeof(float))
			continue;       /* not this model's shape: ignore */
		memcpy(&scale, b, sizeof(float));
		if (!isfinite(scale) || scale < 0)
			continue;
		cache_add(c, sqlite3_column_int64(s, 0), id,
			  sqlite3_column_int64(s, 2),
			  (const int8_t *)b + sizeof(float), scale);
	}
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
	if (rc < 0)
		goto out;
	rc = prep(st, sql_n, &s);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(s, 1, after);
	rc = sqlite3_step(s);
	*nrows = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
out:
	return rc;
}

/* Drops the rows whose table row is gone (a forgotten, grown or
 * re-distilled exchange, a replaced vector): one scan of the rowids
 * through the primary-key index, no vector read. */
static int cache_drop_deleted(struct store *st, struct vcache *c)
{
	static const char sql[] = "SELECT rowid FROM vectors WHERE layer = ?";
	sqlite3_stmt *s;
	int64_t *live = NULL;
	size_t n = 0, cap = 0;
	int rc = prep(st, sql, &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int(s, 1, c->layer);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(live, cap, n + 1);
		live[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(live);
		return -err_from_sqlite(rc);
	}
	if (n)
		qsort(live, n, sizeof(*live), cmp_i64);
	for (size_t i = 0; i < c->n;) {
		size_t last = c->n - 1;

		if (n && bsearch(&c->rowid[i], live, n, sizeof(*live),
				 cmp_i64)) {
			i++;
			continue;
		}
		memcpy(c->q + i * (size_t)c->stride,
		       c->q + last * (size_t)c->stride, (size_t)c->stride);
		c->scale[i] = c->scale[last];
		c->ids[i] = c->ids[last];
		c->proj[i] = c->proj[last];
		c->rowid[i] = c->rowid[last];
		c->n--;
	}
	free(live);
	return 0;
}

/* Brings c up to the table as st sees it.  Caller holds c->lock for
 * writing.  New rows get rowids past the largest one seen, unless the rows
 * at the top were deleted and their rowids reused: then the row recorded
 * as the last one is gone or different, and c is reloaded whole. */
static int cache_sync(struct store *st, struct vcache *c,
		      const struct vfp *now)
{
	int64_t added = 0;
	struct vfp old;
	int rc;

	if (c->loaded && now->max_rowid >= c->fp.max_rowid) {
		rc = row_tag(st, c->fp.max_rowid, &old);
		if (rc < 0)
			return rc;
		old.count = c->fp.count;
		old.max_rowid = c->fp.max_rowid;
		if (fp_eq(&old, &c->fp)) {
			rc = cache_load(st, c, c->fp.max_rowid, &added);
			if (rc == 0 && c->fp.count + added != now->count)
				rc = cache_drop_deleted(st, c);
			if (rc == 0) {
				c->fp = *now;
				return 0;
			}
		}
	}
	cache_reset(c);
	rc = cache_load(st, c, 0, &added);
	if (rc < 0) {
		cache_reset(c);
		return rc;
	}
	c->fp = *now;
	c->loaded = 1;
	return 0;
}

static struct vcache *cache_get(struct store *st, int layer,
				const char *model, int dim)
{
	struct stat sb;
	struct vcache *c;

	memset(&sb, 0, sizeof(sb));
	if (!st->path || stat(st->path, &sb) < 0)
		sb.st_ino = (ino_t)(uintptr_t)st->db;
	pthread_mutex_lock(&caches_mu);
	for (c = caches; c; c = c->next)
		if (c->dev == sb.st_dev && c->ino == sb.st_ino &&
		    c->layer == layer && c->dim == dim &&
		    !strcmp(c->model, model))
			break;
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		c->dev = sb.st_dev;
		c->ino = sb.st_ino;
		c->layer = layer;
		c->model = xstrdup(model);
		c->dim = dim;
		c->stride = (dim + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
		pthread_rwlock_init(&c->lock, NULL);
		c->next = caches;
		caches = c;
	}
	pthread_mutex_unlock(&caches_mu);
	return c;
}

void vec_cache_clear(void)
{
	pthread_mutex_lock(&caches_mu);
	while (caches) {
		struct vcache *c = caches;

		caches = c->next;
		cache_reset(c);
		pthread_rwlock_destroy(&c->lock);
		free(c->model);
		free(c);
	}
	pthread_mutex_unlock(&caches_mu);
}

/* ---- scoring ---- */

/* Dot products of n rows (stride bytes each) with q.  Written as int16
 * products summed into an int32, which gcc vectorises 32 or 64 bytes at a
 * time (sign-extend, vpmullw, widen, add): 3.2 ms for 100k x 384 here,
 * against 5.5 ms for int32 products and 13 ms for float32 (a hand-written
 * AVX-512 VNNI loop is measured at 1.8 ms in PERFORMANCE-NOTES; not worth
 * its portability cost yet). */
KERNEL_ATTRS
static void dot_rows(const int8_t *restrict m, size_t n, int stride,
		     const int8_t *restrict q, int32_t *restrict out)
{
	for (size_t i = 0; i < n; i++) {
		const int8_t *r = m + i * (size_t)stride;
		int32_t s = 0;

		for (int j = 0; j < stride; j++)
			s += (int16_t)r[j] * (int16_t)q[j];
		out[i] = s;
	}
}

/* Min-heap of the best k hits so far: h[0] is the worst kept. */
static int hit_less(const struct vec_hit *a, const struct vec_hit *b)
{
	return a->score < b->score || (a->score == b->score && a->id < b->id);
}

static void heap_down(struct vec_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct vec_hit t;

		if (l < n && hit_less(&h[l], &h[m]))
			m = l;
		if (r < n && hit_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_push(struct vec_hit *h, size_t *n, size_t k,
		      struct vec_hit x)
{
	size_t i;

	if (*n == k) {
		if (!hit_less(&h[0], &x))
			return;
		h[0] = x;
		heap_down(h, k, 0);
		return;
	}
	i = (*n)++;
	h[i] = x;
	while (i && hit_less(&h[i], &h[(i - 1) / 2])) {
		struct vec_hit t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int cmp_hit_desc(const void *a, const void *b)
{
	const struct vec_hit *x = a, *y = b;

	return hit_less(x, y) ? 1 : hit_less(y, x) ? -1 : 0;
}

#define SCORE_BLOCK 512

static void cache_search(const struct vcache *c, const float *qf,
			 int64_t project_id, size_t k, struct vec_hit *out,
			 size_t *n)
{
	int8_t *q = xcalloc((size_t)c->stride, 1);
	int32_t dots[SCORE_BLOCK];
	float qs;

	quantise(qf, c->dim, q, &qs);
	*n = 0;
	for (size_t b = 0; b < c->n && qs > 0; b += SCORE_BLOCK) {
		size_t m = c->n - b < SCORE_BLOCK ? c->n - b : SCORE_BLOCK;

		dot_rows(c->q + b * (size_t)c->stride, m, c->stride, q, dots);
		for (size_t i = 0; i < m; i++) {
			struct vec_hit h;

			if (dots[i] <= 0 ||
			    (project_id && c->proj[b + i] != project_id))
				continue;
			h.id = c->ids[b + i];
			h.score = (float)dots[i] * c->scale[b + i] * qs;
			heap_push(out, n, k, h);
		}
	}
	qsort(out, *n, sizeof(*out), cmp_hit_desc);
	free(q);
}

/* Brings the copy c up to what st sees.  The fingerprint and the rows are
 * read in one read transaction (when the caller has none open), so rows
 * committed meanwhile by another connection cannot be counted twice. */
static int cache_refresh(struct store *st, struct vcache *c)
{
	int own = sqlite3_get_autocommit(st->db);
	struct vfp now;
	int rc = own ? -err_from_sqlite(sqlite3_exec(st->db, "BEGIN", NULL,
						    NULL, NULL)) : 0;

	if (rc == 0)
		rc = read_fp(st, &now);
	if (rc == 0) {
		pthread_rwlock_rdlock(&c->lock);
		if (c->loaded && fp_eq(&c->fp, &now)) {
			pthread_rwlock_unlock(&c->lock);
		} else {
			pthread_rwlock_unlock(&c->lock);
			pthread_rwlock_wrlock(&c->lock);
			if (!c->loaded || !fp_eq(&c->fp, &now))
				rc = cache_sync(st, c, &now);
			pthread_rwlock_unlock(&c->lock);
		}
	}
	if (own)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int vec_search(struct store *st, struct emb *e, int layer, const float *q,
	       int64_t project_id, size_t k, struct vec_hit *out, size_t *n)
{
	struct vcache *c;
	int rc;

	*n = 0;
	if (!e || emb_dim(e) <= 0)
		return -EINVAL;
	if (!k)
		return 0;
	c = cache_get(st, layer, emb_model(e), emb_dim(e));
	rc = cache_refresh(st, c);
	if (rc < 0)
		return rc;
	/* Another thread may have moved the copy on since: it answers for a
	 * snapshot at least as new as what this caller saw, or near enough;
	 * waiting for an exact match could go back and forth for ever. */
	pthread_rwlock_rdlock(&c->lock);
	cache_search(c, q, project_id, k, out, n);
	pthread_rwlock_unlock(&c->lock);
	return 0;
}

int vec_search_text(struct store *st, struct emb *e, int layer,
		    const char *text, int64_t project_id, size_t k,
		    struct vec_hit *out, size_t *n, struct buf *err)
{
	float *q = NULL;
	int rc = emb_embed_alloc(e, &text, 1, &q, err);

	*n = 0;
	if (rc == 0)
		rc = vec_search(st, e, layer, q, project_id, k, out, n);
	if (rc < 0 && err && !err->len)
		buf_addf(err, "vector search: %s", err_str(rc));
	free(q);
	return rc;
}

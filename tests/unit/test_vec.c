/* test_vec.c: the vectors table and exact search: top-k against a
 * brute-force float reference, the project filter, int8 recall against
 * float, the in-memory copy following inserts, replacements, deletions,
 * rollbacks and reused rowids, the ingest hook and vec_sync (a changed
 * model re-embeds). */
#include "common.h"
#include "store.h"
#include "vec.h"
#include "t.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lexical built-in model whatever word-vector file is installed. */
__attribute__((constructor)) static void no_word_vectors(void)
{
	setenv("RECALLFS_EMBED_DATA", "none", 1);
}

static int64_t projects[3], convs[3];

static void open_db(struct store *st, const char *name)
{
	char path[512];
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	snprintf(path, sizeof(path), "%s/%s.db", t_tmpdir(), name);
	remove(path);
	T_EQ(store_open(path, 0, st, &err), 0);
	for (int p = 0; p < 3; p++) {
		char pn[16], ck[32];

		snprintf(pn, sizeof(pn), "p%d", p);
		snprintf(ck, sizeof(ck), "%s-c%d", name, p);
		T_EQ(store_project(st, pn, 1, &projects[p]), 0);
		T_EQ(store_conv_put(st, projects[p], ck, NULL, NULL, "-", 0, 0, 0,
				    &convs[p]), 0);
	}
	buf_release(&err);
}

static size_t ply;

static int64_t add_exchange(struct store *st, int p, const char *text,
			    const char *core)
{
	struct store_exchange x;
	int64_t id = 0;

	memset(&x, 0, sizeof(x));
	x.project_id = projects[p];
	x.conv_id = convs[p];
	x.ply_start = ply;
	x.ply_end = ply++;
	x.slug = "s";
	x.verbatim = (char *)text;
	x.d.core = (char *)core;
	x.d.context = "";
	x.hash = "h";
	T_EQ(store_put_exchange(st, &x, &id), 0);
	return id;
}

/* xorshift: the same pseudo-random vectors on every run */
static __thread uint64_t rng = 88172645463325252ull;

static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static void rand_unit(float *v, int d)
{
	double s = 0;

	for (int i = 0; i < d; i++) {
		v[i] = frand();
		s += (double)v[i] * v[i];
	}
	for (int i = 0; i < d; i++)
		v[i] = (float)(v[i] / sqrt(s));
}

struct ref {
	int64_t id;
	float s;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	return x->s < y->s ? 1 : x->s > y->s ? -1 : 0;
}

#define N 1500
#define D 384
#define K 10

static struct emb *model_emb(void)
{
	struct emb *e = NULL;

	T_EQ(emb_open_builtin(&e), 0);
	T_EQ(emb_dim(e), D);
	return e;
}

static void test_topk_against_float(void)
{
	struct store st;
	struct emb *e = model_emb();
	float *v = xmalloc((size_t)N * D * sizeof(float)), q[D];
	int64_t *ids = xmalloc(N * sizeof(int64_t));
	int *proj = xmalloc(N * sizeof(int));
	struct ref *r = xmalloc(N * sizeof(*r));
	struct vec_hit hits[K];
	size_t n, same_top1 = 0, overlap = 0, nq = 50, filt_ok = 1;

	open_db(&st, "topk");
	T_EQ(store_begin(&st), 0);
	for (int i = 0; i < N; i++) {
		proj[i] = i % 3;
		ids[i] = add_exchange(&st, proj[i], "t", "c");
		rand_unit(v + (size_t)i * D, D);
		T_EQ(vec_put(&st, ids[i], VEC_DISTILLED, emb_model(e),
			     v + (size_t)i * D, D), 0);
	}
	T_EQ(store_commit(&st), 0);
	for (size_t t = 0; t < nq; t++) {
		int p = (int)(t % 4);   /* 3 = all projects */
		size_t m = 0;

		/* a query near a stored vector of the project searched, so
		 * there is a clear winner; every other query is pure noise */
		size_t near = (t * 29 % (N / 3)) * 3 + (size_t)(p < 3 ? p : 0);

		if (t % 2) {
			rand_unit(q, D);
		} else {
			for (int j = 0; j < D; j++)
				q[j] = v[near * D + j] + 0.5f * frand() /
				       sqrtf(D);
		}
		for (int i = 0; i < N; i++) {
			float s = 0;

			if (p < 3 && proj[i] != p)
				continue;
			for (int j = 0; j < D; j++)
				s += v[(size_t)i * D + j] * q[j];
			r[m].id = ids[i];
			r[m++].s = s;
		}
		qsort(r, m, sizeof(*r), cmp_ref);
		T_EQ(vec_search(&st, e, VEC_DISTILLED, q, p < 3 ? projects[p] :
				0, K, hits, &n), 0);
		T_EQ(n, K);
		same_top1 += hits[0].id == r[0].id;
		if (t % 2 == 0)
			T_EQ(hits[0].id, ids[near]);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < K; j++)
				overlap += hits[i].id == r[j].id;
			if (i && hits[i].score > hits[i - 1].score)
				filt_ok = 0;
			if (p < 3 && proj[(hits[i].id - ids[0])] != p)
				filt_ok = 0;
		}
		T_CHECK(fabsf(hits[0].score - r[0].s) < 0.02f);
	}
	printf("  int8 vs float: top-1 %zu/%zu, top-%d overlap %zu/%zu\n",
	       same_top1, nq, K, overlap, nq * K);
	T_CHECK(same_top1 >= nq * 9 / 10);
	T_CHECK(overlap >= nq * K * 95 / 100);
	T_CHECK(filt_ok);
	/* another layer and another model see none of these */
	T_EQ(vec_search(&st, e, VEC_VERBATIM, q, 0, K, hits, &n), 0);
	T_EQ(n, 0);
	free(v);
	free(ids);
	free(proj);
	free(r);
	emb_close(e);
	store_close(&st);
	vec_cache_clear();
}

static int64_t top1(struct store *st, struct emb *e, const float *q)
{
	struct vec_hit h[3];
	size_t n = 0;

	if (vec_search(st, e, VEC_DISTILLED, q, 0, 3, h, &n) || !n)
		return -1;
	return h[0].id;
}

static void test_cache_follows_table(void)
{
	struct store st;
	struct emb *e = model_emb();
	float a[D], b[D], c[D];
	int64_t x1, x2, x3;
	sqlite3 *other;

	rand_unit(a, D);
	rand_unit(b, D);
	rand_unit(c, D);
	open_db(&st, "follow");
	x1 = add_exchange(&st, 0, "t", "c");
	x2 = add_exchange(&st, 0, "t", "c");
	T_EQ(vec_put(&st, x1, VEC_DISTILLED, emb_model(e), a, D), 0);
	T_EQ(top1(&st, e, a), x1);
	/* insert: appended */
	T_EQ(vec_put(&st, x2, VEC_DISTILLED, emb_model(e), b, D), 0);
	T_EQ(top1(&st, e, b), x2);
	/* replace x1's vector by c: found by c, no longer by a */
	T_EQ(vec_put(&st, x1, VEC_DISTILLED, emb_model(e), c, D), 0);
	T_EQ(top1(&st, e, c), x1);
	T_EQ(top1(&st, e, a), -1);      /* random b, c: cosine with a ~ 0 */
	/* rollback: the vector written in the transaction is not found */
	x3 = add_exchange(&st, 1, "t", "c");
	T_EQ(store_begin(&st), 0);
	T_EQ(vec_put(&st, x3, VEC_DISTILLED, emb_model(e), a, D), 0);
	store_rollback(&st);
	T_CHECK(top1(&st, e, a) != x3);
	/* delete the newest exchange, then add one whose vector reuses the
	 * rowid: the copy must notice */
	T_EQ(vec_put(&st, x3, VEC_DISTILLED, emb_model(e), a, D), 0);
	T_EQ(top1(&st, e, a), x3);
	T_EQ(store_delete_exchange(&st, x3), 0);
	T_CHECK(top1(&st, e, a) != x3);
	{
		int64_t x4 = add_exchange(&st, 2, "t", "c");

		T_EQ(vec_put(&st, x4, VEC_DISTILLED, emb_model(e), a, D), 0);
		T_EQ(top1(&st, e, a), x4);
		T_EQ(store_delete_exchange(&st, x4), 0);
		x3 = add_exchange(&st, 2, "t", "c");
		T_EQ(vec_put(&st, x3, VEC_DISTILLED, emb_model(e), a, D), 0);
		T_EQ(top1(&st, e, a), x3);
	}
	/* a write by another connection (another process, the inbox
	 * worker) is seen too */
	T_EQ(sqlite3_open(st.path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	T_EQ(sqlite3_exec(other, "PRAGMA foreign_keys=ON; DELETE FROM exchanges"
			  " WHERE id = (SELECT max(id) FROM exchanges)", NULL,
			  NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	T_CHECK(top1(&st, e, a) != x3);
	T_EQ(top1(&st, e, b), x2);
	/* a deleted row that is not the last one: dropped without a reload,
	 * the others still found */
	{
		int64_t x5 = add_exchange(&st, 0, "t", "c");

		T_EQ(vec_put(&st, x5, VEC_DISTILLED, emb_model(e), a, D), 0);
		T_EQ(top1(&st, e, a), x5);
		T_EQ(store_delete_exchange(&st, x2), 0);
		T_CHECK(top1(&st, e, b) != x2);
		T_EQ(top1(&st, e, c), x1);
		T_EQ(top1(&st, e, a), x5);
	}
	emb_close(e);
	store_close(&st);
	vec_cache_clear();
}

static void test_bad_rows_ignored(void)
{
	struct store st;
	struct emb *e = model_emb();
	float a[D];
	int64_t x1;

	rand_unit(a, D);
	open_db(&st, "bad");
	x1 = add_exchange(&st, 0, "t", "c");
	/* a row claiming this model with the wrong size: skipped, no crash */
	T_EQ(sqlite3_exec(st.db, "INSERT INTO vectors VALUES (1, 0,"
			  " 'builtin-hash-v1-384', 384, x'00112233')", NULL,
			  NULL, NULL), SQLITE_OK);
	T_EQ(top1(&st, e, a), -1);
	T_EQ(vec_put(&st, x1, VEC_DISTILLED, emb_model(e), a, D), 0);
	T_EQ(top1(&st, e, a), x1);
	T_EQ(vec_put(&st, x1, VEC_DISTILLED, emb_model(e), a, 0), -EINVAL);
	emb_close(e);
	store_close(&st);
	vec_cache_clear();
}

static void test_hook_and_sync(void)
{
	struct store st;
	struct store_exchange x;
	struct emb *e = model_emb();
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct vec_hit h[5];
	size_t n;
	int64_t ids[3];
	sqlite3_stmt *s;

	open_db(&st, "hook");
	ids[0] = add_exchange(&st, 0, "we fixed the flaky upload retry loop",
			      "Fixed the upload retry loop.");
	ids[1] = add_exchange(&st, 0, "the cat sat on the warm windowsill",
			      "A cat on a windowsill.");
	ids[2] = add_exchange(&st, 1, "database migration failed: constraint",
			      "Migration failed on a constraint.");
	/* the hook stores both layers for one exchange */
	T_EQ(store_get_exchange(&st, ids[0], &x), 0);
	T_EQ(idx_embed_hook(e, &st, &x), 0);
	store_exchange_release(&x);
	/* vec_sync fills the rest and reports how many it made */
	T_EQ(vec_sync(&st, e, &err), 4);
	T_EQ(vec_sync(&st, e, &err), 0);
	T_EQ(vec_search_text(&st, e, VEC_DISTILLED, "upload retries", 0, 5, h,
			     &n, &err), 0);
	T_CHECK(n >= 1 && h[0].id == ids[0]);
	T_EQ(vec_search_text(&st, e, VEC_VERBATIM, "migrations failing", 0, 5,
			     h, &n, &err), 0);
	T_CHECK(n >= 1 && h[0].id == ids[2]);
	T_EQ(vec_search_text(&st, e, VEC_VERBATIM, "migrations failing",
			     projects[0], 5, h, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		T_CHECK(h[i].id != ids[2]);
	/* only stop words: no hits, no error */
	T_EQ(vec_search_text(&st, e, VEC_VERBATIM, "the of and", 0, 5, h, &n,
			     &err), 0);
	T_EQ(n, 0);
	/* a different model's vectors are stale: sync re-embeds them all */
	T_EQ(sqlite3_exec(st.db, "UPDATE vectors SET model='old-model'"
			  " WHERE exchange_id = 2", NULL, NULL, NULL), SQLITE_OK);
	T_EQ(vec_sync(&st, e, &err), 2);
	T_EQ(sqlite3_prepare_v2(st.db, "SELECT count(*) FROM vectors WHERE"
				" model = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, emb_model(e), -1, SQLITE_STATIC);
	T_EQ(sqlite3_step(s), SQLITE_ROW);
	T_EQ(sqlite3_column_int(s, 0), 6);
	sqlite3_finalize(s);
	T_STREQ(buf_str(&err), "");
	buf_release(&err);
	emb_close(e);
	store_close(&st);
	vec_cache_clear();
}

/* Readers search from several threads while a writer adds vectors. */
struct thr {
	const char *path;
	int writer;
	int errors;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct store st;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;
	float q[D];

	if (store_open(t->path, 0, &st, &err) || emb_open_builtin(&e)) {
		t->errors++;
		buf_release(&err);
		return NULL;
	}
	for (int i = 0; i < 60; i++) {
		struct vec_hit h[5];
		size_t n;

		rand_unit(q, D);
		if (t->writer) {
			int64_t id;
			struct store_exchange x;

			memset(&x, 0, sizeof(x));
			x.project_id = projects[0];
			x.conv_id = convs[0];
			x.ply_start = x.ply_end = 100000 + (size_t)i;
			x.slug = "s";
			x.verbatim = x.d.core = x.d.context = x.hash = "t";
			if (store_begin(&st) || store_put_exchange(&st, &x, &id) ||
			    vec_put(&st, id, VEC_DISTILLED, emb_model(e), q, D) ||
			    store_commit(&st))
				t->errors++;
		} else if (vec_search(&st, e, VEC_DISTILLED, q, 0, 5, h, &n)) {
			t->errors++;
		} else {
			for (size_t a = 0; a < n; a++)
				for (size_t b = a + 1; b < n; b++)
					t->errors += h[a].id == h[b].id;
		}
	}
	emb_close(e);
	store_close(&st);
	buf_release(&err);
	return NULL;
}

static void test_threads(void)
{
	struct store st;
	struct thr t[4];
	pthread_t th[4];

	open_db(&st, "threads");
	for (int i = 0; i < 4; i++) {
		t[i].path = st.path;
		t[i].writer = i == 0;
		t[i].errors = 0;
		pthread_create(&th[i], NULL, thread_main, &t[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		T_EQ(t[i].errors, 0);
	}
	/* every vector the writer added is held once: searching for each
	 * finds it first, and no id comes back twice */
	{
		struct emb *e = model_emb();
		sqlite3_stmt *s;
		struct vec_hit h[60];
		size_t n, found = 0, dups = 0, rows = 0;

		T_EQ(sqlite3_prepare_v2(st.db, "SELECT exchange_id, v FROM "
					"vectors", -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const signed char *b = sqlite3_column_blob(s, 1);
			float q[D];

			for (int j = 0; j < D; j++)
				q[j] = b[4 + j];
			rows++;
			T_EQ(vec_search(&st, e, VEC_DISTILLED, q, 0, 60, h, &n), 0);
			found += n && h[0].id == sqlite3_column_int64(s, 0);
			for (size_t a = 0; a < n; a++)
				for (size_t b2 = a + 1; b2 < n; b2++)
					dups += h[a].id == h[b2].id;
		}
		sqlite3_finalize(s);
		T_EQ(rows, 60);
		T_EQ(found, rows);
		T_EQ(dups, 0);
		emb_close(e);
	}
	store_close(&st);
	vec_cache_clear();
}

T_MAIN(test_topk_against_float, test_cache_follows_table,
       test_bad_rows_ignored, test_hook_and_sync, test_threads)

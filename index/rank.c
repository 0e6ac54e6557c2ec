/* rank.c: recallfs_bm25, an FTS5 ranking function like the built-in bm25()
 * but with k1 and b as arguments and, optionally, the IDF of each phrase
 * given by the caller -- so a search limited to one project weighs words by
 * how rare they are in that project, not in the whole memory (a name that
 * is in every exchange of one project says nothing there).
 *
 *   recallfs_bm25(fts_table, k1, b [, idf_0, idf_1, ...])
 *
 * returns the BM25 score (higher is better) of the current row:
 *   sum_i idf_i * tf_i * (k1 + 1) / (tf_i + k1 * (1 - b + b * dl / avgdl))
 * Without the idf arguments each phrase's IDF is computed over the whole
 * table, log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, as bm25() does. */
#include "common.h"
#include "search_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

double idx_bm25_idf(int64_t n_rows, int64_t n_hits)
{
	double v = log(((double)n_rows - (double)n_hits + 0.5) /
		       ((double)n_hits + 0.5));

	return v > 0 ? v : 1e-6;
}

struct global_idf {
	int n;
	double idf[];
};

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts,
		     void *ctx)
{
	(void)api;
	(void)fts;
	(*(int64_t *)ctx)++;
	return SQLITE_OK;
}

static struct global_idf *global_idf(const Fts5ExtensionApi *api,
				     Fts5Context *fts, int *rc)
{
	struct global_idf *g = api->xGetAuxdata(fts, 0);
	int n = api->xPhraseCount(fts);
	sqlite3_int64 rows = 0;

	if (g)
		return g;
	*rc = api->xRowCount(fts, &rows);
	g = sqlite3_malloc64(sizeof(*g) + sizeof(double) * (size_t)(n + 1));
	if (!g) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	g->n = n;
	for (int i = 0; !*rc && i < n; i++) {
		int64_t hits = 0;

		*rc = api->xQueryPhrase(fts, i, &hits, count_row);
		g->idf[i] = idx_bm25_idf(rows, hits);
	}
	if (!*rc)
		*rc = api->xSetAuxdata(fts, g, sqlite3_free);
	else
		sqlite3_free(g);
	return *rc ? NULL : g;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
		    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	double k1 = nval > 0 ? sqlite3_value_double(val[0]) : 1.2;
	double b = nval > 1 ? sqlite3_value_double(val[1]) : 0.75;
	int nphrase = api->xPhraseCount(fts), ninst = 0, rc = SQLITE_OK;
	struct global_idf *g = NULL;
	sqlite3_int64 rows = 0, total = 0;
	int dl = 0;
	double score = 0, avgdl, *tf;

	if (nval - 2 < nphrase)
		g = global_idf(api, fts, &rc);
	if (!rc)
		rc = api->xRowCount(fts, &rows);
	if (!rc)
		rc = api->xColumnTotalSize(fts, -1, &total);
	if (!rc)
		rc = api->xColumnSize(fts, -1, &dl);
	if (!rc)
		rc = api->xInstCount(fts, &ninst);
	tf = rc ? NULL : sqlite3_malloc64(sizeof(double) *
					 (size_t)(nphrase + 1));
	if (!rc && !tf)
		rc = SQLITE_NOMEM;
	if (rc) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	memset(tf, 0, sizeof(double) * (size_t)(nphrase + 1));
	for (int i = 0; !rc && i < ninst; i++) {
		int ip, ic, io;

		rc = api->xInst(fts, i, &ip, &ic, &io);
		if (!rc && ip >= 0 && ip < nphrase)
			tf[ip] += 1;
	}
	avgdl = rows > 0 && total > 0 ? (double)total / (double)rows : 1.0;
	for (int i = 0; !rc && i < nphrase; i++) {
		double idf = g ? g->idf[i] : sqlite3_value_double(val[2 + i]);

		if (tf[i] > 0)
			score += idf * tf[i] * (k1 + 1) /
				(tf[i] + k1 * (1 - b + b * dl / avgdl));
	}
	sqlite3_free(tf);
	if (rc)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_double(ctx, score);
}

static int fts5_api_of(sqlite3 *db, fts5_api **api)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL);

	*api = NULL;
	if (rc)
		return rc;
	sqlite3_bind_pointer(s, 1, api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	sqlite3_finalize(s);
	return *api ? SQLITE_OK : SQLITE_ERROR;
}

int idx_rank_register(struct store *st)
{
	sqlite3_stmt *s;
	fts5_api *api;
	int rc;

	/* Registered once per connection: FTS5 keeps every registration. */
	rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_function_list"
				" WHERE name = 'recallfs_bm25'", -1, &s, NULL);
	if (rc)
		return -err_from_sqlite(rc);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	rc = fts5_api_of(st->db, &api);
	if (!rc)
		rc = api->xCreateFunction(api, "recallfs_bm25", NULL, rank_fn,
					  NULL);
	return -err_from_sqlite(rc);
}

/* fts.c: the BM25 signals (FTS5 over fts_verbatim and fts_distilled), the
 * filter clauses every signal shares, and the word-less listing. */
#include "common.h"
#include "search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

void idx_list_push(struct idx_list *l, int64_t id, double score)
{
	XGROW(l->v, l->cap, l->n + 1);
	l->v[l->n].id = id;
	l->v[l->n].score = score;
	l->n++;
}

void idx_list_release(struct idx_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int idx_filter_narrow(const struct idx_filter *f)
{
	return f->room || f->file || f->since || f->until;
}

/* Appends " AND ..." clauses over the exchange row `e`. */
static void filter_sql(const struct idx_filter *f, struct buf *sql)
{
	if (f->project_id)
		buf_adds(sql, " AND e.project_id = :pid");
	if (f->room)
		buf_adds(sql, " AND EXISTS (SELECT 1 FROM exchange_rooms er"
			 " JOIN rooms r ON r.id = er.room_id"
			 " WHERE er.exchange_id = e.id AND (r.key = lower(:room)"
			 " OR r.type || '/' || r.key = lower(:room)))");
	/* file: the whole path, or a suffix starting after a '/'. */
	if (f->file)
		buf_adds(sql, " AND EXISTS (SELECT 1 FROM exchange_files xf"
			 " WHERE xf.exchange_id = e.id AND (xf.path = :file OR"
			 " (length(xf.path) > length(:file) AND"
			 " substr(xf.path, -length(:file) - 1) = '/' || :file)))");
	if (f->since)
		buf_adds(sql, " AND e.t_start >= :since");
	if (f->until)
		buf_adds(sql, " AND e.t_start > 0 AND e.t_start < :until");
}

static void bind_name(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	if (i)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	if (i)
		sqlite3_bind_int64(s, i, v);
}

static void filter_bind(const struct idx_filter *f, sqlite3_stmt *s)
{
	bind_int(s, ":pid", f->project_id);
	bind_name(s, ":room", f->room);
	bind_name(s, ":file", f->file);
	bind_int(s, ":since", f->since);
	bind_int(s, ":until", f->until);
}

/* Runs sql (columns: id, score) and appends every row to out. */
static int run_list(struct store *st, const char *sql,
		    const struct idx_filter *f, const char *match, size_t k,
		    struct idx_list *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc)
		return -err_from_sqlite(rc);
	filter_bind(f, s);
	bind_name(s, ":match", match);
	bind_int(s, ":k", (int64_t)k);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		idx_list_push(out, sqlite3_column_int64(s, 0),
			      sqlite3_column_double(s, 1));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static const char *fts_table(int sig)
{
	return sig == IDX_SIG_VERBATIM ? "fts_verbatim" : "fts_distilled";
}

/* recallfs_bm25(t, k1, b, idf...) with the numbers written into the SQL
 * (%.17g round-trips a double exactly). */
static void rank_call(struct buf *sql, const char *t,
		      const struct idx_bm25 *bm)
{
	buf_addf(sql, "recallfs_bm25(%s, %.17g, %.17g", t, bm->k1, bm->b);
	for (size_t i = 0; bm->idf && i < bm->nidf; i++)
		buf_addf(sql, ", %.17g", bm->idf[i]);
	buf_addc(sql, ')');
}

int idx_fts_search(struct store *st, int sig, const char *match,
		   const struct idx_bm25 *bm, const struct idx_filter *f,
		   size_t k, struct idx_list *out)
{
	const char *t = fts_table(sig);
	struct buf sql = BUF_INIT(BUF_MAX_SMALL);
	int rc = idx_rank_register(st);

	if (rc)
		return rc;
	if (!f->project_id && !idx_filter_narrow(f)) {
		buf_adds(&sql, "SELECT rowid, ");
		rank_call(&sql, t, bm);
		buf_addf(&sql, " AS s FROM %s WHERE %s MATCH :match", t, t);
	} else {
		buf_adds(&sql, "SELECT e.id, ");
		rank_call(&sql, t, bm);
		buf_addf(&sql, " AS s FROM %s CROSS JOIN exchanges e ON e.id = "
			 "%s.rowid WHERE %s MATCH :match", t, t, t);
		filter_sql(f, &sql);
	}
	buf_adds(&sql, " ORDER BY s DESC LIMIT :k");
	rc = run_list(st, buf_str(&sql), f, match, k, out);
	buf_release(&sql);
	return rc;
}

static int count_one(sqlite3_stmt *s, int64_t *n)
{
	int rc = sqlite3_step(s);

	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

int idx_fts_project_idf(struct store *st, int sig, const struct idx_query *q,
			int64_t project_id, double *idf)
{
	const char *t = fts_table(sig);
	struct buf sql = BUF_INIT(BUF_MAX_SMALL), term = BUF_INIT(BUF_MAX_SMALL);
	sqlite3_stmt *s = NULL, *c = NULL;
	int64_t rows = 0, hits;
	int rc;

	/* CROSS JOIN: FTS5 drives; the other order re-runs MATCH per row. */
	buf_addf(&sql, "SELECT count(*) FROM %s CROSS JOIN exchanges e ON"
		 " e.id = %s.rowid WHERE %s MATCH ?1 AND e.project_id = ?2", t,
		 t, t);
	rc = sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL);
	if (!rc)
		rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM exchanges"
					" WHERE project_id = ?1", -1, &c, NULL);
	rc = -err_from_sqlite(rc);
	if (!rc) {
		sqlite3_bind_int64(c, 1, project_id);
		rc = count_one(c, &rows);
	}
	for (size_t i = 0; !rc && i < q->words.n; i++) {
		buf_reset(&term);
		rc = idx_query_fts_term(q->words.v[i], &term);
		if (rc)
			break;
		sqlite3_bind_text(s, 1, buf_str(&term), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, project_id);
		rc = count_one(s, &hits);
		idf[i] = idx_bm25_idf(rows, hits);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(c);
	buf_release(&sql);
	buf_release(&term);
	return rc;
}

int idx_fts_browse(struct store *st, const struct idx_filter *f, size_t k,
		   struct idx_list *out)
{
	struct buf sql = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	buf_adds(&sql, "SELECT e.id, 0 FROM exchanges e WHERE 1");
	filter_sql(f, &sql);
	buf_adds(&sql, " ORDER BY e.t_start DESC, e.id DESC LIMIT :k");
	rc = run_list(st, buf_str(&sql), f, NULL, k, out);
	buf_release(&sql);
	return rc;
}

static int keep_one(sqlite3_stmt *s, int64_t id, int *keep)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":id"), id);
	rc = sqlite3_step(s);
	*keep = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int idx_filter_apply(struct store *st, const struct idx_filter *f,
		     struct idx_list *l)
{
	struct buf sql = BUF_INIT(BUF_MAX_SMALL);
	sqlite3_stmt *s;
	size_t w = 0;
	int rc, keep;

	if (!f->project_id && !idx_filter_narrow(f))
		return 0;
	buf_adds(&sql, "SELECT 1 FROM exchanges e WHERE e.id = :id");
	filter_sql(f, &sql);
	rc = sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL);
	buf_release(&sql);
	if (rc)
		return -err_from_sqlite(rc);
	filter_bind(f, s);
	rc = 0;
	for (size_t i = 0; !rc && i < l->n; i++) {
		rc = keep_one(s, l->v[i].id, &keep);
		if (!rc && keep)
			l->v[w++] = l->v[i];
	}
	sqlite3_finalize(s);
	if (!rc)
		l->n = w;
	return rc;
}

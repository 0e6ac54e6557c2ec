/* store_exchange.c: writing exchange rows with their rooms and files, and
 * removing them.  The FTS5 rows follow by the triggers in store.c; vectors,
 * rooms links and files go by ON DELETE CASCADE. */
#include "common.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	return -err_from_sqlite(store_prep(st, sql, s));
}

/* Distilled searchable text: core + "\n" + context (PAPER.md section 3). */
static char *distilled_text(const struct distill *d)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	buf_adds(&b, d->core ? d->core : "");
	buf_addc(&b, '\n');
	buf_adds(&b, d->context ? d->context : "");
	return buf_detach(&b);
}

static int room_id(struct store *st, int64_t project_id, const struct room *r,
		   int64_t *id)
{
	static const char sql[] =
		"INSERT INTO rooms(project_id, type, key, label) VALUES (?,?,?,?)"
		" ON CONFLICT(project_id, type, key) DO UPDATE SET label=label"
		" RETURNING id";
	sqlite3_stmt *s;
	int rc = prepare(st, sql, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, project_id);
	sqlite3_bind_text(s, 2, room_type_name(r->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->label ? r->label : r->key, -1,
			  SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

static int put_rooms(struct store *st, int64_t project_id, int64_t xid,
		     const struct distill *d)
{
	for (int i = 0; i < d->nrooms; i++) {
		sqlite3_stmt *s;
		int64_t rid = 0;
		int rc = room_id(st, project_id, &d->rooms[i], &rid);

		if (!rc)
			rc = prepare(st, "INSERT OR REPLACE INTO exchange_rooms"
				     "(exchange_id, room_id, relevance) "
				     "VALUES (?,?,?)", &s);
		if (rc)
			return rc;
		sqlite3_bind_int64(s, 1, xid);
		sqlite3_bind_int64(s, 2, rid);
		sqlite3_bind_double(s, 3, d->rooms[i].relevance);
		rc = step_done(s);
		if (rc)
			return rc;
	}
	return 0;
}

static int put_files(struct store *st, int64_t xid, const struct strv *files)
{
	for (size_t i = 0; i < files->n; i++) {
		sqlite3_stmt *s;
		int rc = prepare(st, "INSERT INTO exchange_files(exchange_id, "
				 "ord, path) VALUES (?,?,?)", &s);

		if (rc)
			return rc;
		sqlite3_bind_int64(s, 1, xid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_text(s, 3, files->v[i], -1, SQLITE_STATIC);
		rc = step_done(s);
		if (rc)
			return rc;
	}
	return 0;
}

int store_put_exchange(struct store *st, const struct store_exchange *x,
		       int64_t *id)
{
	static const char sql[] =
		"INSERT INTO exchanges(project_id, conversation_id, ply_start,"
		" ply_end, slug, t_start, t_end, verbatim, core, context,"
		" distilled, source_ids, tokens_verbatim, tokens_distilled,"
		" distiller, state, hash)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	char *dist = distilled_text(&x->d);
	sqlite3_stmt *s;
	int rc = prepare(st, sql, &s);

	if (rc) {
		free(dist);
		return rc;
	}
	sqlite3_bind_int64(s, 1, x->project_id);
	sqlite3_bind_int64(s, 2, x->conv_id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)x->ply_start);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)x->ply_end);
	sqlite3_bind_text(s, 5, x->slug, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, x->t_start);
	sqlite3_bind_int64(s, 7, x->t_end);
	sqlite3_bind_text(s, 8, x->verbatim, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, x->d.core ? x->d.core : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, x->d.context ? x->d.context : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 11, dist, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, x->source_ids ? x->source_ids : "[]", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(s, 13, x->tokens_verbatim);
	sqlite3_bind_int64(s, 14, x->tokens_distilled);
	sqlite3_bind_text(s, 15, x->d.distiller ? x->d.distiller : "heuristic",
			  -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 16, x->state);
	sqlite3_bind_text(s, 17, x->hash ? x->hash : "", -1, SQLITE_STATIC);
	rc = step_done(s);
	free(dist);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	if (!st->fts_from)
		st->fts_from = *id;
	rc = put_rooms(st, x->project_id, *id, &x->d);
	if (!rc)
		rc = put_files(st, *id, &x->d.files);
	/* outside a transaction nothing would commit the FTS rows later */
	if (!rc && sqlite3_get_autocommit(st->db))
		rc = store_fts_flush(st);
	return rc;
}

int store_update_distilled(struct store *st, int64_t id,
			   const struct distill *d, int state)
{
	static const char sql[] =
		"UPDATE exchanges SET core=?, context=?, distilled=?,"
		" tokens_distilled=?, distiller=?, state=? WHERE id=?"
		" RETURNING project_id";
	char *dist = distilled_text(d);
	sqlite3_stmt *s;
	int64_t project_id = 0;
	int rc = store_fts_flush(st);   /* the update trigger needs the rows */

	if (!rc)
		rc = prepare(st, sql, &s);
	if (rc) {
		free(dist);
		return rc;
	}
	sqlite3_bind_text(s, 1, d->core ? d->core : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->context ? d->context : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 3, dist, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)distill_count_tokens(dist));
	sqlite3_bind_text(s, 5, d->distiller ? d->distiller : "heuristic", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(s, 6, state);
	sqlite3_bind_int64(s, 7, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		project_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	free(dist);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
	rc = prepare(st, "DELETE FROM exchange_rooms WHERE exchange_id=?", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = step_done(s);
	return rc ? rc : put_rooms(st, project_id, id, d);
}

int store_drop_exchange(struct store *st, int64_t id)
{
	sqlite3_stmt *s;
	int rc = store_fts_flush(st);

	/* the delete trigger removes FTS rows, so they must exist first */
	if (!rc)
		rc = prepare(st, "DELETE FROM exchanges WHERE id=?", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = step_done(s);
	if (rc)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return -ENOENT;
	/* Rooms no exchange points at any more would show as empty dirs. */
	rc = prepare(st, "DELETE FROM rooms WHERE id NOT IN"
		     " (SELECT room_id FROM exchange_rooms)", &s);
	return rc ? rc : step_done(s);
}

int store_conv_ranges(struct store *st, int64_t conv_id,
		      struct store_range **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = prepare(st, "SELECT id, ply_start, ply_end, hash FROM exchanges"
			 " WHERE conversation_id=? ORDER BY ply_start", &s);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, conv_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_range *r;

		XGROW(*out, cap, *n + 1);
		r = &(*out)[(*n)++];
		r->id = sqlite3_column_int64(s, 0);
		r->ply_start = (size_t)sqlite3_column_int64(s, 1);
		r->ply_end = (size_t)sqlite3_column_int64(s, 2);
		r->hash = xstrdup((const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

void store_ranges_free(struct store_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].hash);
	free(r);
}

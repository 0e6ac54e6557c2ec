/* store_view.c: the listing queries of store_view.h.  Every query binds its
 * arguments (text first, then integers, in the order the SQL names them)
 * and collects rows with one of two collectors: strings, or exchange rows
 * whose first five columns are id, slug, t_start, t_end, project_id. */
#include "common.h"
#include "store_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#define XCOLS "e.id, e.slug, e.t_start, e.t_end, e.project_id"

enum extra { EX_NONE, EX_MEMORY, EX_PATH, EX_PROJECT, EX_ROOM, EX_CONV };

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return xstrdup(t ? t : "");
}

/* Prepares sql and binds: pid (when > 0 as ?1, else nothing bound there),
 * then the text arguments a and b (NULL = not bound) as ?2 and ?3. */
static int prep(struct store *st, const char *sql, int64_t pid,
		const char *a, const char *b, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	if (rc)
		return -err_from_sqlite(rc);
	if (sqlite3_bind_parameter_count(*s) >= 1)
		sqlite3_bind_int64(*s, 1, pid);
	if (a)
		sqlite3_bind_text(*s, 2, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(*s, 3, b, -1, SQLITE_TRANSIENT);
	return 0;
}

static int strings(struct store *st, const char *sql, int64_t pid,
		   const char *a, struct strv *out)
{
	sqlite3_stmt *s;
	int rc = prep(st, sql, pid, a, NULL, &s);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(out, col_dup(s, 0));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static void fill_row(sqlite3_stmt *s, enum extra ex, struct store_xrow *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->slug = col_dup(s, 1);
	r->t_start = sqlite3_column_int64(s, 2);
	r->t_end = sqlite3_column_int64(s, 3);
	r->project_id = sqlite3_column_int64(s, 4);
	if (ex == EX_MEMORY) {
		r->core = col_dup(s, 5);
		r->context = col_dup(s, 6);
		r->rooms = col_dup(s, 7);
		r->sidechain = sqlite3_column_int(s, 8);
	} else if (ex == EX_PATH) {
		r->path = col_dup(s, 5);
	} else if (ex == EX_PROJECT) {
		r->project = col_dup(s, 5);
	} else if (ex == EX_ROOM) {
		r->room_type = col_dup(s, 5);
		r->room_key = col_dup(s, 6);
	} else if (ex == EX_CONV) {
		r->conv_key = col_dup(s, 5);
	}
}

static int rows(struct store *st, const char *sql, int64_t pid,
		const char *a, const char *b, enum extra ex,
		struct store_xrows *out)
{
	sqlite3_stmt *s;
	int rc = prep(st, sql, pid, a, b, &s);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(out->v, out->cap, out->n + 1);
		fill_row(s, ex, &out->v[out->n++]);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

void store_xrow_release(struct store_xrow *r)
{
	free(r->slug);
	free(r->core);
	free(r->context);
	free(r->rooms);
	free(r->path);
	free(r->project);
	free(r->room_type);
	free(r->room_key);
	free(r->conv_key);
	memset(r, 0, sizeof(*r));
}

void store_xrows_release(struct store_xrows *r)
{
	for (size_t i = 0; i < r->n; i++)
		store_xrow_release(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int store_view_projects(struct store *st, struct strv *out)
{
	return strings(st, "SELECT name FROM projects ORDER BY name", 0, NULL,
		       out);
}

static int one_int(struct store *st, const char *sql, int64_t pid,
		   const char *a, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = prep(st, sql, pid, a, NULL, &s);

	if (rc)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
}

int store_view_project_id(struct store *st, const char *name, int64_t *id)
{
	return one_int(st, "SELECT id FROM projects WHERE name=?2", 0, name, id);
}

int store_view_project_time(struct store *st, int64_t project_id,
			    int64_t *t)
{
	return one_int(st, "SELECT coalesce(max(max(t_start, t_end)), 0) FROM"
		       " exchanges WHERE ?1=0 OR project_id=?1", project_id, NULL, t);
}

int store_view_exchanges(struct store *st, int64_t project_id,
			 struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS " FROM exchanges e WHERE"
		    " e.project_id=?1 ORDER BY e.id", project_id, NULL, NULL,
		    EX_NONE, out);
}

int store_view_exchange(struct store *st, int64_t project_id, int64_t id,
			const char *slug, struct store_xrow *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT " XCOLS " FROM exchanges e"
				    " WHERE e.id=?1 AND (?2=0 OR e.project_id=?2)"
				    " AND (?3 IS NULL OR e.slug=?3)", -1, &s,
				    NULL);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, project_id);
	if (slug)
		sqlite3_bind_text(s, 3, slug, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		fill_row(s, EX_NONE, out);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
}

/* ---- complete exchanges, a range at a time ---- */

static const char *distiller_name(const char *s)
{
	return s && !strcmp(s, "llm") ? "llm" : "heuristic";
}

/* The same columns as store_get_exchange (core/store_read.c). */
static void fill_exchange(sqlite3_stmt *s, struct store_exchange *x)
{
	memset(x, 0, sizeof(*x));
	x->id = sqlite3_column_int64(s, 0);
	x->project_id = sqlite3_column_int64(s, 1);
	x->conv_id = sqlite3_column_int64(s, 2);
	x->project = col_dup(s, 3);
	x->conv_key = col_dup(s, 4);
	x->slug = col_dup(s, 5);
	x->ply_start = (size_t)sqlite3_column_int64(s, 6);
	x->ply_end = (size_t)sqlite3_column_int64(s, 7);
	x->t_start = sqlite3_column_int64(s, 8);
	x->t_end = sqlite3_column_int64(s, 9);
	x->verbatim = col_dup(s, 10);
	x->d.core = col_dup(s, 11);
	x->d.context = col_dup(s, 12);
	x->source_ids = col_dup(s, 13);
	x->tokens_verbatim = (long)sqlite3_column_int64(s, 14);
	x->tokens_distilled = (long)sqlite3_column_int64(s, 15);
	x->d.distiller = distiller_name(
		(const char *)sqlite3_column_text(s, 16));
	x->state = sqlite3_column_int(s, 17);
	x->hash = col_dup(s, 18);
}

/* The exchange of xs (sorted by id) with id, from *at on, or NULL. */
static struct store_exchange *seek(struct store_exchange *xs, size_t n,
				   size_t *at, int64_t id)
{
	while (*at < n && xs[*at].id < id)
		(*at)++;
	return *at < n && xs[*at].id == id ? &xs[*at] : NULL;
}

static int range_rooms(struct store *st, int64_t from, int64_t to,
		       struct store_exchange *xs, size_t n)
{
	sqlite3_stmt *s;
	size_t at = 0;
	int rc = prep(st, "SELECT er.exchange_id, r.type, r.key, r.label,"
		      " er.relevance FROM exchange_rooms er JOIN rooms r ON"
		      " r.id=er.room_id WHERE er.exchange_id BETWEEN ?1 AND ?4"
		      " ORDER BY er.exchange_id, er.relevance DESC, r.key",
		      from, NULL, NULL, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 4, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_exchange *x = seek(xs, n, &at,
						sqlite3_column_int64(s, 0));
		struct room *r;
		int t;

		if (!x || x->d.nrooms >= DISTILL_MAX_ROOMS)
			continue;
		r = &x->d.rooms[x->d.nrooms++];
		t = room_type_parse((const char *)sqlite3_column_text(s, 1));
		r->type = t < 0 ? ROOM_CONCEPT : (enum room_type)t;
		r->key = col_dup(s, 2);
		r->label = col_dup(s, 3);
		r->relevance = sqlite3_column_double(s, 4);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static int range_files(struct store *st, int64_t from, int64_t to,
		       struct store_exchange *xs, size_t n)
{
	sqlite3_stmt *s;
	size_t at = 0;
	int rc = prep(st, "SELECT exchange_id, path FROM exchange_files WHERE"
		      " exchange_id BETWEEN ?1 AND ?4 ORDER BY exchange_id, ord",
		      from, NULL, NULL, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 4, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_exchange *x = seek(xs, n, &at,
						sqlite3_column_int64(s, 0));

		if (x)
			strv_push_owned(&x->d.files, col_dup(s, 1));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int store_view_exchange_range(struct store *st, int64_t project_id,
			      int64_t from, int64_t to,
			      struct store_exchange **out, size_t *n)
{
	struct store_exchange *xs = NULL;
	size_t cap = 0, k = 0;
	sqlite3_stmt *s;
	int rc = prep(st, "SELECT e.id, e.project_id, e.conversation_id, p.name,"
		      " c.key, e.slug, e.ply_start, e.ply_end, e.t_start,"
		      " e.t_end, e.verbatim, e.core, e.context, e.source_ids,"
		      " e.tokens_verbatim, e.tokens_distilled, e.distiller,"
		      " e.state, e.hash FROM exchanges e JOIN projects p ON"
		      " p.id=e.project_id JOIN conversations c ON"
		      " c.id=e.conversation_id WHERE e.project_id=?1 AND e.id"
		      " BETWEEN ?4 AND ?5 ORDER BY e.id", project_id, NULL, NULL,
		      &s);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 4, from);
	sqlite3_bind_int64(s, 5, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(xs, cap, k + 1);
		fill_exchange(s, &xs[k++]);
	}
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
	if (!rc && k)
		rc = range_rooms(st, xs[0].id, xs[k - 1].id, xs, k);
	if (!rc && k)
		rc = range_files(st, xs[0].id, xs[k - 1].id, xs, k);
	for (size_t i = 0; !rc && i < k; i++)
		rc = store_links_fill(st, &xs[i]);
	if (rc) {
		for (size_t i = 0; i < k; i++)
			store_exchange_release(&xs[i]);
		free(xs);
		return rc;
	}
	*out = xs;
	*n = k;
	return 0;
}

int store_view_room_types(struct store *st, int64_t project_id,
			  struct strv *out)
{
	return strings(st, "SELECT DISTINCT r.type FROM rooms r JOIN"
		       " exchange_rooms er ON er.room_id=r.id WHERE"
		       " r.project_id=?1 ORDER BY r.type", project_id, NULL,
		       out);
}

int store_view_room_keys(struct store *st, int64_t project_id,
			 const char *type, struct strv *out)
{
	return strings(st, "SELECT DISTINCT r.key FROM rooms r JOIN"
		       " exchange_rooms er ON er.room_id=r.id WHERE"
		       " r.project_id=?1 AND r.type=?2 ORDER BY r.key",
		       project_id, type, out);
}

int store_view_room_exchanges(struct store *st, int64_t project_id,
			      const char *type, const char *key,
			      struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS " FROM rooms r JOIN exchange_rooms er"
		    " ON er.room_id=r.id JOIN exchanges e ON e.id=er.exchange_id"
		    " WHERE r.project_id=?1 AND r.type=?2 AND r.key=?3"
		    " ORDER BY e.id", project_id, type, key, EX_NONE, out);
}

int store_view_rooms_all(struct store *st, int64_t project_id,
			 struct store_xrows *out)
{
	/* CROSS JOIN keeps this order: the planner's own choice (rooms x
	 * exchanges of the project, probing the pairs) grows as their
	 * product */
	return rows(st, "SELECT " XCOLS ", r.type, r.key FROM rooms r CROSS"
		    " JOIN exchange_rooms er ON er.room_id=r.id CROSS JOIN"
		    " exchanges e ON e.id=er.exchange_id WHERE r.project_id=?1 AND"
		    " e.project_id=?1 ORDER BY r.type, r.key, e.id", project_id,
		    NULL, NULL, EX_ROOM, out);
}

int store_view_convs_all(struct store *st, int64_t project_id,
			 struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS ", c.key FROM conversations c JOIN"
		    " exchanges e ON e.conversation_id=c.id WHERE"
		    " c.project_id=?1 AND e.project_id=?1 ORDER BY c.key,"
		    " e.ply_start, e.id", project_id, NULL, NULL, EX_CONV, out);
}

int store_view_convs(struct store *st, int64_t project_id, struct strv *out)
{
	return strings(st, "SELECT c.key FROM conversations c WHERE"
		       " c.project_id=?1 AND EXISTS (SELECT 1 FROM exchanges e"
		       " WHERE e.conversation_id=c.id) ORDER BY c.key",
		       project_id, NULL, out);
}

int store_view_conv_exchanges(struct store *st, int64_t project_id,
			      const char *key, struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS " FROM conversations c JOIN exchanges e"
		    " ON e.conversation_id=c.id WHERE c.project_id=?1 AND"
		    " e.project_id=?1 AND c.key=?2 ORDER BY e.ply_start, e.id",
		    project_id, key, NULL, EX_NONE, out);
}

int store_view_files(struct store *st, int64_t project_id,
		     struct store_xrows *out)
{
	return rows(st, "SELECT DISTINCT " XCOLS ", f.path FROM exchange_files f"
		    " JOIN exchanges e ON e.id=f.exchange_id WHERE"
		    " e.project_id=?1 ORDER BY f.path, e.id", project_id, NULL,
		    NULL, EX_PATH, out);
}

int store_view_memory(struct store *st, int64_t project_id,
		      struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS ", e.core, e.context, (SELECT"
		    " group_concat(type || '/' || key, ', ') FROM (SELECT r.type,"
		    " r.key FROM exchange_rooms er JOIN rooms r ON r.id=er.room_id"
		    " WHERE er.exchange_id=e.id ORDER BY er.relevance DESC, r.key)),"
		    " (SELECT c.parent_key IS NOT NULL FROM conversations c WHERE"
		    " c.id=e.conversation_id)"
		    " FROM exchanges e WHERE e.project_id=?1"
		    " ORDER BY CASE WHEN e.t_start > 0 THEN e.t_start ELSE"
		    " 9223372036854775807 END, e.id", project_id, NULL, NULL,
		    EX_MEMORY, out);
}

int store_view_pending(struct store *st, struct store_xrows *out)
{
	return rows(st, "SELECT " XCOLS ", p.name FROM exchanges e JOIN projects"
		    " p ON p.id=e.project_id WHERE e.state=1 ORDER BY e.id", 0,
		    NULL, NULL, EX_PROJECT, out);
}

int store_view_counts(struct store *st, struct store_view_counts *c)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM projects),"
		" (SELECT count(*) FROM conversations),"
		" (SELECT count(*) FROM exchanges),"
		" (SELECT count(*) FROM exchanges WHERE state=1),"
		" (SELECT count(*) FROM exchanges WHERE state=2),"
		" (SELECT count(*) FROM vectors)";
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	memset(c, 0, sizeof(*c));
	if (rc)
		return -err_from_sqlite(rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->projects = (long)sqlite3_column_int64(s, 0);
		c->conversations = (long)sqlite3_column_int64(s, 1);
		c->exchanges = (long)sqlite3_column_int64(s, 2);
		c->pending = (long)sqlite3_column_int64(s, 3);
		c->failed = (long)sqlite3_column_int64(s, 4);
		c->vectors = (long)sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

/* Runs sql (no parameters) and hands each row's first ncol integers to
 * the growing array *out of records of ncol int64 each. */
static int int_rows(struct store *st, const char *sql, int ncol,
		    int64_t **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	*out = NULL;
	*n = 0;
	if (rc)
		return -err_from_sqlite(rc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*out, cap, (*n + 1) * (size_t)ncol);
		for (int i = 0; i < ncol; i++)
			(*out)[*n * (size_t)ncol + (size_t)i] =
				sqlite3_column_int64(s, i);
		(*n)++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -err_from_sqlite(rc);
	}
	return 0;
}

int store_view_summary(struct store *st, struct store_psum **out,
		       size_t *n)
{
	return int_rows(st, "SELECT project_id, count(*), max(id) FROM"
			" exchanges GROUP BY project_id ORDER BY project_id",
			3, (int64_t **)out, n);
}

int store_view_fingerprints(struct store *st, struct store_xfp **out,
			    size_t *n)
{
	return int_rows(st, "SELECT id, project_id, length(distilled) * 65599"
			" + tokens_distilled * 257 + state * 17 +"
			" length(distiller) + (SELECT count(*) FROM"
			" exchange_rooms r WHERE r.exchange_id=e.id) * 7919 +"
			" (SELECT count(*) FROM exchange_files f WHERE"
			" f.exchange_id=e.id) * 104729 FROM exchanges e"
			" ORDER BY id", 3, (int64_t **)out, n);
}

static int cmp_pair(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int store_view_owners(struct store *st, int64_t **out, size_t *n)
{
	/* the (project_id, id) index holds both: no table row is read */
	int rc = int_rows(st, "SELECT id, project_id FROM exchanges INDEXED BY"
			  " exchanges_project", 2, out, n);

	if (!rc && *n)
		qsort(*out, *n, 2 * sizeof(**out), cmp_pair);
	return rc;
}

int store_view_data_version(struct store *st, int64_t *v)
{
	return one_int(st, "PRAGMA data_version", 0, NULL, v);
}

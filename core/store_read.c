/* store_read.c: reading exchanges back (one by id, by name) and the
 * per-project statistics. */
#include "common.h"
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return xstrdup(t ? t : "");
}

static int read_rooms(struct store *st, struct store_exchange *x)
{
	sqlite3_stmt *s;
	int rc = store_prep(st, "SELECT r.type, r.key, r.label, er.relevance FROM exchange_rooms"
		" er JOIN rooms r ON r.id=er.room_id WHERE er.exchange_id=?"
		" ORDER BY er.relevance DESC, r.key", &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, x->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	       x->d.nrooms < DISTILL_MAX_ROOMS) {
		struct room *r = &x->d.rooms[x->d.nrooms++];
		int t = room_type_parse((const char *)sqlite3_column_text(s, 0));

		r->type = t < 0 ? ROOM_CONCEPT : (enum room_type)t;
		r->key = col_dup(s, 1);
		r->label = col_dup(s, 2);
		r->relevance = sqlite3_column_double(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

static int read_files(struct store *st, struct store_exchange *x)
{
	sqlite3_stmt *s;
	int rc = store_prep(st, "SELECT path FROM exchange_files "
				    "WHERE exchange_id=? ORDER BY ord", &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, x->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(&x->d.files, col_dup(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static const char *intern_distiller(const char *s)
{
	return s && !strcmp(s, "llm") ? "llm" : "heuristic";
}

int store_get_exchange(struct store *st, int64_t id, struct store_exchange *x)
{
	static const char sql[] =
		"SELECT e.project_id, e.conversation_id, p.name, c.key, e.slug,"
		" e.ply_start, e.ply_end, e.t_start, e.t_end, e.verbatim, e.core,"
		" e.context, e.source_ids, e.tokens_verbatim, e.tokens_distilled,"
		" e.distiller, e.state, e.hash FROM exchanges e"
		" JOIN projects p ON p.id=e.project_id"
		" JOIN conversations c ON c.id=e.conversation_id WHERE e.id=?";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	memset(x, 0, sizeof(*x));
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
	}
	x->id = id;
	x->project_id = sqlite3_column_int64(s, 0);
	x->conv_id = sqlite3_column_int64(s, 1);
	x->project = col_dup(s, 2);
	x->conv_key = col_dup(s, 3);
	x->slug = col_dup(s, 4);
	x->ply_start = (size_t)sqlite3_column_int64(s, 5);
	x->ply_end = (size_t)sqlite3_column_int64(s, 6);
	x->t_start = sqlite3_column_int64(s, 7);
	x->t_end = sqlite3_column_int64(s, 8);
	x->verbatim = col_dup(s, 9);
	x->d.core = col_dup(s, 10);
	x->d.context = col_dup(s, 11);
	x->source_ids = col_dup(s, 12);
	x->tokens_verbatim = (long)sqlite3_column_int64(s, 13);
	x->tokens_distilled = (long)sqlite3_column_int64(s, 14);
	x->d.distiller = intern_distiller(
		(const char *)sqlite3_column_text(s, 15));
	x->state = sqlite3_column_int(s, 16);
	x->hash = col_dup(s, 17);
	sqlite3_reset(s);
	rc = read_rooms(st, x);
	if (!rc)
		rc = read_files(st, x);
	if (!rc)
		rc = store_links_fill(st, x);
	if (rc)
		store_exchange_release(x);
	return rc;
}

void store_exchange_release(struct store_exchange *x)
{
	free(x->project);
	free(x->conv_key);
	free(x->slug);
	free(x->verbatim);
	free(x->source_ids);
	free(x->hash);
	free(x->launched_by);
	strv_clear(&x->launched);
	distill_release(&x->d);
	memset(x, 0, sizeof(*x));
}

int store_exchange_name(int64_t id, const char *slug, struct buf *out)
{
	return buf_addf(out, "%06lld-%s", (long long)id, slug);
}

int store_name_number(const char *name, int64_t *id, const char **slug)
{
	const char *p = strrchr(name, '/');
	char *end;
	long long v;

	p = p ? p + 1 : name;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	v = strtoll(p, &end, 10);
	if (*end && *end != '-')
		return -EINVAL;
	*id = v;
	*slug = *end ? end + 1 : end;
	return 0;
}

int store_resolve(struct store *st, const char *name, int64_t *id)
{
	const char *slug;
	sqlite3_stmt *s;
	int64_t v;
	int rc = store_name_number(name, &v, &slug);

	if (rc)
		return rc;
	rc = store_prep(st, "SELECT slug FROM exchanges WHERE id=?", &s);
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, v);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && *slug &&
	    strcmp(slug, (const char *)sqlite3_column_text(s, 0)))
		rc = SQLITE_DONE;     /* the number exists, the slug differs */
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
	*id = v;
	return 0;
}

int store_stats(struct store *st, struct store_pstats **out, size_t *n)
{
	static const char sql[] =
		"SELECT p.name,"
		" (SELECT count(*) FROM conversations c WHERE c.project_id=p.id),"
		" count(e.id), coalesce(sum(e.tokens_verbatim),0),"
		" coalesce(sum(e.tokens_distilled),0),"
		" coalesce(sum(e.distiller='heuristic'),0),"
		" coalesce(sum(e.distiller='llm'),0),"
		" coalesce(sum(e.state=1),0), coalesce(sum(e.state=2),0)"
		" FROM projects p LEFT JOIN exchanges e ON e.project_id=p.id"
		" GROUP BY p.id ORDER BY p.name";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = store_prep(st, sql, &s);

	*out = NULL;
	*n = 0;
	if (rc)
		return -err_from_sqlite(rc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_pstats *p;

		XGROW(*out, cap, *n + 1);
		p = &(*out)[(*n)++];
		p->name = col_dup(s, 0);
		p->conversations = (long)sqlite3_column_int64(s, 1);
		p->exchanges = (long)sqlite3_column_int64(s, 2);
		p->tokens_verbatim = (long)sqlite3_column_int64(s, 3);
		p->tokens_distilled = (long)sqlite3_column_int64(s, 4);
		p->heuristic = (long)sqlite3_column_int64(s, 5);
		p->llm = (long)sqlite3_column_int64(s, 6);
		p->pending = (long)sqlite3_column_int64(s, 7);
		p->failed = (long)sqlite3_column_int64(s, 8);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

void store_stats_free(struct store_pstats *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].name);
	free(p);
}

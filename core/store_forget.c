/* store_forget.c: forgetting an exchange so that it stays forgotten.
 *
 * A forgotten exchange leaves every table and index, and a tombstone row in
 * `forgotten` keeps its identity: the conversation key, its first ply and
 * that ply's source message id (or NULL).  No text, no slug, no hash.
 * Ingest asks store_forgotten before storing an exchange, so a transcript
 * fed again, as it was or grown (the Claude Code hook sends the whole
 * session on every Stop), does not bring it back.  store_unforget removes
 * the tombstone and marks the conversation for a full re-read, so the next
 * ingest of the transcript restores the exchange (under a new id). */
#include "common.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

/* The tombstone of exchange id, from its row (before it is dropped). */
static int bury(struct store *st, int64_t id)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO forgotten(exchange_id, project, conv_key,"
		" ply_start, source_id, forgotten_at)"
		" SELECT e.id, p.name, c.key, e.ply_start,"
		"  json_extract(e.source_ids, '$[0]'), ?2"
		" FROM exchanges e JOIN projects p ON p.id=e.project_id"
		" JOIN conversations c ON c.id=e.conversation_id WHERE e.id=?1";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
	rc = step_done(s);
	if (!rc && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	return rc;
}

int store_delete_exchange(struct store *st, int64_t id)
{
	int rc = bury(st, id);

	return rc ? rc : store_drop_exchange(st, id);
}

int store_forgotten(struct store *st, const char *conv_key, size_t ply_start,
		    const char *source_id)
{
	/* the message id where both have one (plies may be renumbered by a
	 * newer reader), else the ply */
	static const char sql[] =
		"SELECT 1 FROM forgotten WHERE conv_key=?1 AND"
		" CASE WHEN source_id IS NOT NULL AND ?3 IS NOT NULL"
		" THEN source_id=?3 ELSE ply_start=?2 END LIMIT 1";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_text(s, 1, conv_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ply_start);
	sqlite3_bind_text(s, 3, source_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int store_unforget(struct store *st, const char *name, struct buf *source)
{
	static const char del[] = "DELETE FROM forgotten WHERE exchange_id=?"
		" RETURNING conv_key";
	/* nplies 0: the next ingest reads the whole conversation again and
	 * stores what is missing; unchanged exchanges are kept as they are */
	static const char reread[] = "UPDATE conversations SET nplies=0"
		" WHERE key=? RETURNING source";
	sqlite3_stmt *s;
	const char *slug;
	char *key = NULL;
	int64_t id;
	int rc = store_name_number(name, &id, &slug);

	if (rc)
		return rc;
	rc = store_prep(st, del, &s);
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		key = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (!key)
		return rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
	rc = store_prep(st, reread, &s);
	if (rc) {
		free(key);
		return -err_from_sqlite(rc);
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && source && sqlite3_column_text(s, 0))
		buf_adds(source, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	free(key);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int store_forgotten_list(struct store *st, store_tomb_fn fn, void *ctx)
{
	static const char sql[] = "SELECT exchange_id, project, conv_key,"
		" ply_start, forgotten_at FROM forgotten ORDER BY exchange_id";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0),
		   (const char *)sqlite3_column_text(s, 1),
		   (const char *)sqlite3_column_text(s, 2),
		   (size_t)sqlite3_column_int64(s, 3),
		   sqlite3_column_int64(s, 4));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

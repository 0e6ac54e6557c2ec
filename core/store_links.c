/* store_links.c: the links between a sidechain (a subagent's
 * conversation) and the exchange of its parent conversation that launched
 * it, both ways, computed when exchanges are read (store.h,
 * store_exchange.launched_by / launched).
 *
 * The transcript does not always say which exchange launched a subagent
 * (a v2.1 subagent file is read on its own), but time does: a sidechain
 * was launched by the last exchange of its parent conversation that
 * started before it.  So the links need no column of their own and hold
 * whichever file is ingested first. */
#include "common.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static int name_of(sqlite3_stmt *s, struct buf *out)
{
	return store_exchange_name(sqlite3_column_int64(s, 0),
				   (const char *)sqlite3_column_text(s, 1),
				   out);
}

/* The exchange of the parent conversation that launched x's
 * conversation. */
static int launched_by(struct store *st, struct store_exchange *x)
{
	static const char sql[] =
		"SELECT pe.id, pe.slug FROM conversations c"
		" JOIN conversations pc ON pc.key=c.parent_key"
		"  AND pc.project_id=c.project_id"
		" JOIN exchanges pe ON pe.conversation_id=pc.id"
		" WHERE c.id=?1 AND pe.t_start <= (SELECT min(t_start) FROM"
		"  exchanges WHERE conversation_id=?1)"
		" ORDER BY pe.t_start DESC, pe.id DESC LIMIT 1";
	sqlite3_stmt *s;
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, x->conv_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && !name_of(s, &b))
		x->launched_by = buf_detach(&b);
	sqlite3_reset(s);
	buf_release(&b);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

/* The first exchange of each sidechain x launched: its conversation's
 * children that started between x and the next exchange of x's
 * conversation. */
static int launched(struct store *st, struct store_exchange *x)
{
	static const char sql[] =
		"SELECT ce.id, ce.slug FROM conversations k"
		" JOIN exchanges ce ON ce.conversation_id=k.id"
		" WHERE k.project_id=?1 AND k.parent_key=?2"
		"  AND ce.ply_start=(SELECT min(ply_start) FROM exchanges"
		"   WHERE conversation_id=k.id)"
		"  AND ce.t_start >= ?3 AND ce.t_start < coalesce((SELECT"
		"   min(t_start) FROM exchanges WHERE conversation_id=?4 AND"
		"   t_start > ?3), 9223372036854775807)"
		" ORDER BY ce.t_start, ce.id";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, x->project_id);
	sqlite3_bind_text(s, 2, x->conv_key ? x->conv_key : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, x->t_start);
	sqlite3_bind_int64(s, 4, x->conv_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct buf b = BUF_INIT(BUF_MAX_SMALL);

		if (!name_of(s, &b))
			strv_push(&x->launched, buf_str(&b));
		buf_release(&b);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int store_links_fill(struct store *st, struct store_exchange *x)
{
	int rc;

	if (!x->t_start)
		return 0;       /* no time, no order to go by */
	rc = launched_by(st, x);
	return rc ? rc : launched(st, x);
}

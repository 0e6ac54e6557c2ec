/* redistill_heur.c: `redistill --distiller heuristic`: recomputes the
 * heuristic fields of stored exchanges from their verbatim text.  The
 * transcript may be long gone, so the plies are rebuilt from the verbatim
 * layout seg_verbatim() writes ("role: text" blocks separated by a blank
 * line, an assistant block's tool briefs as "  > " lines); files_touched
 * stay as stored. */
#include "common.h"
#include "llm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static const struct {
	const char *name;
	enum tx_role role;
} roles[] = {
	{ "user:", TX_USER },
	{ "assistant:", TX_ASSISTANT },
	{ "system:", TX_SYSTEM },
};

/* Length of the "role:" marker at p (followed by ' ', '\n' or the end),
 * 0 when there is none. */
static size_t role_at(const char *p, enum tx_role *role)
{
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		size_t n = strlen(roles[i].name);

		if (!strncmp(p, roles[i].name, n) &&
		    (!p[n] || p[n] == ' ' || p[n] == '\n')) {
			*role = roles[i].role;
			return n + (p[n] == ' ');
		}
	}
	return 0;
}

/* End of the block starting at p: the next "\n\n" before a role marker. */
static const char *block_end(const char *p)
{
	enum tx_role r;

	for (const char *e = strstr(p, "\n\n"); e; e = strstr(e + 1, "\n\n"))
		if (role_at(e + 2, &r))
			return e;
	return p + strlen(p);
}

/* Adds one ply: text, then the trailing "  > " lines as its tools. */
static void add_block(struct tx_conv *c, enum tx_role role, const char *p,
		      size_t n)
{
	struct buf text = BUF_INIT(BUF_MAX_TEXT), tools = BUF_INIT(BUF_MAX_TEXT);
	size_t cut = n;
	struct tx_msg *m;

	/* Walk back over the tool lines at the end of the block. */
	while (role == TX_ASSISTANT && cut > 0) {
		size_t s = cut;

		while (s > 0 && p[s - 1] != '\n')
			s--;
		if (cut - s < 4 || strncmp(p + s, "  > ", 4))
			break;
		cut = s ? s - 1 : 0;
	}
	buf_add(&text, p, cut);
	for (size_t i = cut; i < n;) {
		size_t e = i;

		while (e < n && p[e] != '\n')
			e++;
		if (e - i > 4 && !strncmp(p + i, "  > ", 4)) {
			if (tools.len)
				buf_addc(&tools, '\n');
			buf_add(&tools, p + i + 4, e - i - 4);
		}
		i = e + 1;
	}
	m = tx_conv_add(c, role, buf_str(&text));
	if (tools.len) {
		m->tools = buf_detach(&tools);
		m->tool_use = 1;
	}
	buf_release(&text);
	buf_release(&tools);
}

static void rebuild(const char *v, struct tx_conv *c)
{
	const char *p = v;
	enum tx_role role;
	size_t n = role_at(p, &role);

	if (!n) {
		tx_conv_add(c, TX_USER, v);
		return;
	}
	while (*p && (n = role_at(p, &role))) {
		const char *e = block_end(p + n);

		add_block(c, role, p + n, (size_t)(e - p - n));
		p = *e ? e + 2 : e;
	}
}

/* A later chunk of a long exchange (its verbatim opens with no user
 * block) names the request it continues: the user text of the nearest
 * earlier exchange of its conversation that has one, and its place among
 * the chunks around it.  Fills in->request (owned by *req), part, nparts. */
static void chunk_request(struct store *st, const struct store_exchange *x,
			  struct distill_input *in, char **req)
{
	static const char sql[] =
		"SELECT ply_start, substr(verbatim, 1, 4096) FROM exchanges"
		" WHERE conversation_id=? ORDER BY ply_start";
	sqlite3_stmt *s;
	unsigned part = 0, n = 0;
	int here = 0;

	*req = NULL;
	if (!strncmp(x->verbatim, "user:", 5) || store_prep(st, sql, &s))
		return;
	sqlite3_bind_int64(s, 1, x->conv_id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 1);
		int opens = v && !strncmp(v, "user:", 5);

		if (opens && here)
			break;          /* the next request: this one ended */
		if (opens) {
			const char *e = strstr(v, "\n\n");

			free(*req);
			*req = xstrndup(v + 5, e ? (size_t)(e - v - 5) :
					strlen(v + 5));
			n = 0;
		}
		n++;
		if ((size_t)sqlite3_column_int64(s, 0) == x->ply_start)
			here = 1, part = n;
	}
	sqlite3_reset(s);
	if (*req && part > 1) {
		in->request = *req;
		in->part = part;
		in->nparts = n;
	}
}

static int redistill_one(struct store *st, int64_t id, ingest_hook_fn hook,
			 void *ctx)
{
	struct store_exchange x;
	struct tx_set set = TX_SET_INIT;
	struct tx_conv *c;
	struct distill d;
	int rc = store_get_exchange(st, id, &x);

	if (rc)
		return rc;
	memset(&d, 0, sizeof(d));
	c = tx_set_add(&set, x.conv_key);
	rebuild(x.verbatim, c);
	{
		struct distill_input in = { c, 0, c->nmsg - 1, x.verbatim,
					    NULL, 0, 0 };
		char *req;

		chunk_request(st, &x, &in, &req);
		rc = ingest_distill(&in, &d);
		free(req);
	}
	d.distiller = "heuristic";
	store_exchange_release(&x);
	if (!rc)
		rc = store_begin(st);
	if (!rc) {
		rc = store_update_distilled(st, id, &d, STORE_DONE);
		if (!rc && hook && !(rc = store_get_exchange(st, id, &x))) {
			rc = hook(ctx, st, &x);
			store_exchange_release(&x);
		}
		rc = rc ? rc : store_commit(st);
		if (rc)
			store_rollback(st);
	}
	distill_release(&d);
	tx_set_release(&set);
	return rc;
}

int redistill_recompute_heuristic(struct store *st, int64_t project_id,
				  int all, ingest_hook_fn hook, void *ctx,
				  struct llm_report *rep)
{
	sqlite3_stmt *s;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = sqlite3_prepare_v2(st->db, "SELECT id FROM exchanges WHERE"
				    " (?1 OR state<>0) AND (?2=0 OR"
				    " project_id=?2) ORDER BY id", -1, &s,
				    NULL);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int(s, 1, !!all);
	sqlite3_bind_int64(s, 2, project_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(ids, cap, n + 1);
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(ids);
		return -err_from_sqlite(rc);
	}
	for (size_t i = 0; i < n; i++) {
		rep->selected++;
		rc = redistill_one(st, ids[i], hook, ctx);
		if (rc == -ENOENT) {
			rep->gone++;
		} else if (rc) {
			rep->failed++;
			if (!rep->first_error.len)
				buf_addf(&rep->first_error, "exchange %06lld: %s",
					 (long long)ids[i], err_str(rc));
		} else {
			rep->filled++;
		}
	}
	free(ids);
	return 0;
}

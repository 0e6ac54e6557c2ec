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
		struct distill_input in = { c, 0, c->nmsg - 1, x.verbatim };

		rc = ingest_distill(&in, &d);
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

/* content.c: what each regular file of the tree holds: the seven files of
 * an exchange, MEMORY.md, README.md, the status counts and query results.
 * Pure functions of the store (no caching here; fs/view.c caches). */
#include "common.h"
#include "content.h"
#include "render.h"
#include "store_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

const char *const fs_xfile_names[FSX_N] = {
	"core", "context", "distilled", "rooms", "files", "verbatim",
	"meta.json",
};

int fs_xfile_index(const char *name)
{
	for (int i = 0; i < FSX_N; i++)
		if (!strcmp(name, fs_xfile_names[i]))
			return i;
	return -1;
}

int fs_time_iso(int64_t t, struct buf *out)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		return 0;
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf_adds(out, s);
}

/* text, plus a newline unless empty or already ending in one */
static int add_line(struct buf *b, const char *text)
{
	size_t n = strlen(text);
	int rc = buf_add(b, text, n);

	if (!rc && n && text[n - 1] != '\n')
		rc = buf_addc(b, '\n');
	return rc;
}

static cJSON *iso_item(int64_t t)
{
	struct buf b = BUF_INIT(64);
	cJSON *j;

	fs_time_iso(t, &b);
	j = t ? cJSON_CreateString(buf_str(&b)) : cJSON_CreateNull();
	buf_release(&b);
	return j;
}

static int meta_json(const struct store_exchange *x, struct buf *out)
{
	cJSON *o = cJSON_CreateObject(), *plies, *tok, *ids;
	struct buf name = BUF_INIT(BUF_MAX_SMALL);
	char *s;
	int rc;

	store_exchange_name(x->id, x->slug, &name);
	cJSON_AddStringToObject(o, "id", buf_str(&name));
	cJSON_AddNumberToObject(o, "number", (double)x->id);
	cJSON_AddStringToObject(o, "project", x->project);
	cJSON_AddStringToObject(o, "conversation", x->conv_key);
	plies = cJSON_AddObjectToObject(o, "plies");
	cJSON_AddNumberToObject(plies, "start", (double)x->ply_start);
	cJSON_AddNumberToObject(plies, "end", (double)x->ply_end);
	ids = cJSON_Parse(x->source_ids ? x->source_ids : "[]");
	cJSON_AddItemToObject(o, "source_ids", ids ? ids :
			      cJSON_CreateArray());
	cJSON_AddItemToObject(o, "time_start", iso_item(x->t_start));
	cJSON_AddItemToObject(o, "time_end", iso_item(x->t_end));
	tok = cJSON_AddObjectToObject(o, "tokens");
	cJSON_AddNumberToObject(tok, "verbatim", (double)x->tokens_verbatim);
	cJSON_AddNumberToObject(tok, "distilled", (double)x->tokens_distilled);
	cJSON_AddStringToObject(o, "distiller", x->d.distiller ?
				x->d.distiller : "heuristic");
	cJSON_AddStringToObject(o, "state", x->state == STORE_PENDING ?
				"pending" : x->state == STORE_FAILED ?
				"failed" : "done");
	s = cJSON_Print(o);
	rc = s ? add_line(out, s) : -ENOMEM;
	free(s);
	cJSON_Delete(o);
	buf_release(&name);
	return rc;
}

static int rooms_text(const struct distill *d, struct buf *out)
{
	int rc = 0;

	for (int i = 0; !rc && i < d->nrooms; i++)
		rc = buf_addf(out, "%s\t%s\t%s\t%.2f\n",
			      room_type_name(d->rooms[i].type),
			      d->rooms[i].key, d->rooms[i].label ?
			      d->rooms[i].label : d->rooms[i].key,
			      d->rooms[i].relevance);
	return rc;
}

int fs_content_render(const struct store_exchange *x, struct buf out[FSX_N])
{
	int rc = add_line(&out[FSX_CORE], x->d.core);

	if (!rc)
		rc = add_line(&out[FSX_CONTEXT], x->d.context);
	if (!rc)
		rc = buf_addf(&out[FSX_DISTILLED], "%s\n%s\n", x->d.core,
			      x->d.context);
	if (!rc)
		rc = rooms_text(&x->d, &out[FSX_ROOMS]);
	for (size_t i = 0; !rc && i < x->d.files.n; i++)
		rc = buf_addf(&out[FSX_FILES], "%s\n", x->d.files.v[i]);
	if (!rc)
		rc = add_line(&out[FSX_VERBATIM], x->verbatim);
	if (!rc)
		rc = meta_json(x, &out[FSX_META]);
	return rc;
}

int fs_content_exchange(struct store *st, int64_t id, struct buf out[FSX_N],
			int64_t *mtime)
{
	struct store_exchange x;
	int rc = store_get_exchange(st, id, &x);

	if (rc)
		return rc;
	rc = fs_content_render(&x, out);
	*mtime = x.t_end ? x.t_end : x.t_start;
	store_exchange_release(&x);
	return rc;
}

static int memory_entry(const struct store_xrow *r, struct buf *out)
{
	int rc = buf_adds(out, "## ");

	if (!rc)
		rc = store_exchange_name(r->id, r->slug, out);
	if (!rc && r->t_start) {
		rc = buf_adds(out, " (");
		if (!rc)
			rc = fs_time_iso(r->t_start, out);
		if (!rc)
			rc = buf_addc(out, ')');
	}
	if (!rc)
		rc = buf_addf(out, "\n%s\n", r->core);
	if (!rc && *r->context)
		rc = buf_addf(out, "> %s\n", r->context);
	if (!rc && *r->rooms)
		rc = buf_addf(out, "rooms: %s\n", r->rooms);
	return rc ? rc : buf_addc(out, '\n');
}

int fs_content_memory(struct store *st, int64_t project_id,
		      const char *project, struct buf *out)
{
	struct store_xrows r = STORE_XROWS_INIT;
	int rc = store_view_memory(st, project_id, &r);

	if (!rc)
		rc = buf_addf(out, "# Memory of %s\n\n%zu exchanges, oldest "
			      "first: name (time), what was asked and done, "
			      "the exact detail, rooms.  Full text in "
			      "exchanges/NAME/verbatim.\n\n", project, r.n);
	for (size_t i = 0; !rc && i < r.n; i++)
		rc = memory_entry(&r.v[i], out);
	store_xrows_release(&r);
	return rc;
}

int fs_content_readme(int live, int inbox, const char *only_project,
		      struct buf *out)
{
	int rc = buf_adds(out,
		"# recallfs memory\n\n"
		"Conversations with coding agents, cut into exchanges (a human "
		"turn and the\nagent's work until the next one) and distilled "
		"into four fields.\n\n"
		"projects/P/MEMORY.md            every exchange of P, distilled, "
		"oldest first\n"
		"projects/P/exchanges/ID/        core context distilled rooms "
		"files verbatim meta.json\n"
		"projects/P/rooms/TYPE/KEY/ID    symlinks by topic\n"
		"projects/P/conversations/C/ID   symlinks, in ply order\n"
		"projects/P/files/PATH/ID        symlinks: exchanges that touched "
		"PATH\n");
	if (!rc && live)
		rc = buf_adds(out,
			"query/TERMS, query.json/TERMS  search, as text or JSON "
			"(also projects/P/query/);\n"
			"                                ls query/ lists nothing; "
			"%XX in TERMS is a byte\n"
			"status                          counts and the inbox "
			"queue\n");
	if (!rc && inbox)
		rc = buf_adds(out,
			"inbox/, inbox/P/                copy transcripts here "
			"to ingest them (P names the project)\n"
			"rm -r projects/P/exchanges/ID   forgets that exchange "
			"(a removal of more forgets nothing)\n");
	if (!rc)
		rc = buf_adds(out,
			"\nTry: grep -ri 'timeout' projects/*/exchanges/*/distilled"
			"\n     cat projects/*/MEMORY.md\n");
	if (!rc && live)
		rc = buf_adds(out, "     cat 'query/retry timeout'\n");
	if (!rc)
		rc = buf_adds(out,
			"\nNames: room keys, conversation ids and path components "
			"keep their bytes\nexcept '/', '%' and control bytes, "
			"written %XX; \".\" and \"..\" become %2E;\nfile paths "
			"lose their leading '/' and empty or \".\" parts.\n");
	if (!rc && only_project)
		rc = buf_addf(out, "\nThis view holds only project %s.\n",
			      only_project);
	return rc;
}

int fs_content_status(struct store *st, const char *only_project,
		      struct buf *out)
{
	struct store_view_counts c;
	struct store_pstats *p = NULL, t;
	size_t n = 0;
	long nproj = 0;
	int rc = store_view_counts(st, &c);

	memset(&t, 0, sizeof(t));
	if (!rc)
		rc = store_stats(st, &p, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		if (only_project && strcmp(p[i].name, only_project))
			continue;
		nproj++;
		t.conversations += p[i].conversations;
		t.exchanges += p[i].exchanges;
		t.pending += p[i].pending;
		t.failed += p[i].failed;
	}
	if (!rc)
		rc = buf_addf(out, "projects\t%ld\nconversations\t%ld\n"
			      "exchanges\t%ld\ndistill_pending\t%ld\n"
			      "distill_failed\t%ld\n", nproj,
			      t.conversations, t.exchanges, t.pending,
			      t.failed);
	if (!rc && !only_project)
		rc = buf_addf(out, "vectors\t%ld\n", c.vectors);
	for (size_t i = 0; !rc && i < n; i++)
		if (!only_project || !strcmp(p[i].name, only_project))
			rc = buf_addf(out, "project\t%s\t%ld exchanges\t%ld "
				      "conversations\t%ld pending\n",
				      p[i].name, p[i].exchanges,
				      p[i].conversations, p[i].pending);
	store_stats_free(p, n);
	return rc;
}

int fs_content_query(struct store *st, const char *terms,
		     const char *scope_project, int json, struct buf *out)
{
	return fs_render_query(st, terms, scope_project, json, out);
}

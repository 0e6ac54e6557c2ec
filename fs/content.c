/* content.c: what each regular file of the tree holds: the seven files of
 * an exchange, MEMORY.md, README.md, the status counts and query results.
 * Pure functions of the store (no caching here; fs/view.c caches). */
#include "common.h"
#include "content.h"
#include "render.h"
#include "store_view.h"
#include "words.h"

#include <errno.h>
#include <stdio.h>
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
	/* a subagent's exchange and the exchange that launched it, both
	 * ways */
	if (x->launched_by)
		cJSON_AddStringToObject(o, "launched_by", x->launched_by);
	if (x->launched.n) {
		cJSON *l = cJSON_AddArrayToObject(o, "launched");

		for (size_t i = 0; i < x->launched.n; i++)
			cJSON_AddItemToArray(l, cJSON_CreateString(
				x->launched.v[i]));
	}
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

/* MEMORY.md is read first, by people and agents, and whole: its entries
 * are kept short (about 45 cl100k tokens each on coding sessions):
 *   ## 2026-02-11                          a heading per day
 *   000002 Implement spotter-gqc. ...      number, core (the day above is
 *                                          its date; meta.json its time)
 *   > message_id                           the detail
 *   room workflow/mix_test                 a room shared with another
 *                                          exchange and not already named
 *     000003 (2/8) Clean compile. ...      a later chunk, under its request
 *     000011 (agent) What is ...           a subagent's exchange (its
 *                                          meta.json names its launcher)
 * The number finds the exchange (exchanges/000002-*, recallfs show 2); the
 * slug would repeat the core. */

/* The text after "Request (k/n): " in the core of a later chunk (k > 1),
 * with *mark set to the "(k/n)" part; NULL for any other core. */
static const char *chunk_rest(const char *core, const char **mark,
			      size_t *mark_len)
{
	const char *e = strstr(core, "): "), *o;
	unsigned k = 0, n = 0;
	int used = 0;

	if (!e || e - core > 300)
		return NULL;
	for (o = e; o > core && o[-1] != '('; o--)
		;
	if (o == core || sscanf(o, "%u/%u)%n", &k, &n, &used) != 2 ||
	    o + used != e + 1 || k < 2)
		return NULL;
	*mark = o - 1;
	*mark_len = (size_t)(e + 1 - (o - 1));
	return e + 3;
}

/* 1 if room "type/key" is worth a line: shared with another exchange but
 * not with most of them (a room every other exchange has tells nothing
 * apart), its key not already in the core or the detail. */
static int room_adds(const struct store_xrow *r, const char *room, size_t n,
		     const struct words_count *shared, size_t nrows)
{
	const char *key = memchr(room, '/', n);
	unsigned count = words_count_get(shared, room, n);
	char *k;
	int named;

	if (!key || count < 2 || (count > 2 && count * 4 > nrows))
		return 0;
	k = xstrndup(key + 1, n - (size_t)(key + 1 - room));
	named = strcasestr(r->core, k) || strcasestr(r->context, k);
	free(k);
	return !named;
}

/* Room [p, p+n) is in the list rooms ("a, b"). */
static int room_in(const char *rooms, const char *p, size_t n)
{
	for (const char *q = rooms; (q = strstr(q, "/")); q++) {
		const char *a = q;

		while (a > rooms && a[-1] != ' ')
			a--;
		if (!strncmp(a, p, n) && (!a[n] || a[n] == ','))
			return 1;
	}
	return 0;
}

/* One room that adds something, and not the one the entry above has
 * too (it reads as that entry's). */
static int memory_rooms(const struct store_xrow *r, const char *above,
			const struct words_count *shared, size_t nrows,
			struct buf *out)
{
	int rc = 0, shown = 0;

	for (const char *p = r->rooms; *p && !rc && !shown;) {
		size_t n = strcspn(p, ",");

		if (room_adds(r, p, n, shared, nrows) &&
		    !(above && room_in(above, p, n)))
			rc = buf_addf(out, "room %.*s", (int)n, p), shown++;
		p += n;
		p += strspn(p, ", ");
	}
	return rc || !shown ? rc : buf_addc(out, '\n');
}

/* 1 if the request a later chunk names ("Implement x" of "Implement x
 * (3/8): ...") opens one of the entries just before it (an exchange of a
 * subagent may come between). */
static int follows_request(const struct store_xrows *all, size_t i,
			   const char *mark)
{
	const char *core = all->v[i].core;
	size_t n = (size_t)(mark - core);

	while (n && (core[n - 1] == ' '))
		n--;
	if (n >= 3 && !memcmp(core + n - 3, "\xe2\x80\xa6", 3))
		n -= 3;
	for (size_t k = i; n && k-- > 0 && k + 4 > i;)
		if (!strncmp(all->v[k].core, core, n))
			return 1;
	return 0;
}

static int memory_entry(const struct store_xrows *all, size_t i,
			const struct words_count *shared, struct buf *out,
			char day[16])
{
	const struct store_xrow *r = &all->v[i];
	char d[16] = "";
	time_t tt = (time_t)r->t_start;
	struct tm tm;
	const char *mark = NULL, *rest;
	size_t mark_len = 0;
	int rc = 0;

	if (r->t_start && gmtime_r(&tt, &tm)) {
		strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	}
	if (strcmp(d, day)) {
		rc = buf_addf(out, "## %s\n", *d ? d : "undated");
		memcpy(day, d, sizeof(d));
	}
	rest = chunk_rest(r->core, &mark, &mark_len);
	/* a subagent's work, under the exchange that launched it: what the
	 * orchestrating agent asked is no human request */
	if (r->sidechain)
		rc = rc ? rc : buf_addf(out, "  %06lld (agent) %s\n",
					(long long)r->id, r->core);
	/* a later chunk right after its request's entry: folded under it */
	else if (rest && follows_request(all, i, mark))
		rc = rc ? rc : buf_addf(out, "  %06lld %.*s %s\n",
					(long long)r->id, (int)mark_len, mark,
					rest);
	else
		rc = rc ? rc : buf_addf(out, "%06lld %s\n", (long long)r->id,
					r->core);
	if (!rc && *r->context)
		rc = buf_addf(out, "> %s\n", r->context);
	return rc ? rc : memory_rooms(r, i ? all->v[i - 1].rooms : NULL,
				      shared, all->n, out);
}

int fs_content_memory(struct store *st, int64_t project_id,
		      const char *project, struct buf *out)
{
	struct store_xrows r = STORE_XROWS_INIT;
	struct words_count shared = { 0 };
	char day[16] = "-";
	int rc = store_view_memory(st, project_id, &r);

	for (size_t i = 0; !rc && i < r.n; i++)
		for (const char *p = r.v[i].rooms; *p;) {
			size_t n = strcspn(p, ",");

			words_count_add(&shared, p, n);
			p += n;
			p += strspn(p, ", ");
		}
	if (!rc)
		rc = buf_addf(out, "# %s: %zu exchanges, oldest first\n"
			      "NUMBER asked and done; > detail; room. "
			      "Text: exchanges/NUMBER-*/verbatim\n\n", project,
			      r.n);
	for (size_t i = 0; !rc && i < r.n; i++)
		rc = memory_entry(&r, i, &shared, out, day);
	words_count_release(&shared);
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

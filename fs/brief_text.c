/* brief_text.c: fs_brief_render (brief_text.h): the header, one entry per
 * chosen exchange (masked, priced by the upper token estimate), the final
 * check that the whole text fits, the JSON form, and the mount root. */
#include "common.h"
#include "brief_text.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brief.h"
#include "redact.h"
#include "tokens.h"

#define CORE_MAX 480
#define CONTEXT_MAX 240
#define SHARE_MAX 60

struct ctx {
	const struct fs_brief_opts *o;
	struct buf tmp;         /* one entry, before masking */
};

static size_t cost(const char *s, size_t n)
{
	return tokens_cl100k_max(s, n);
}

static void date(int64_t t, char s[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) ||
	    !strftime(s, 16, "%Y-%m-%d", &tm))
		snprintf(s, 16, "no date");
}

/* s on one line (control characters as spaces), cut at a word before max
 * bytes with "..." when longer. */
static int add_flat(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), at = b->len;
	int rc;

	if (n > max) {
		n = max;
		while (n > max / 2 && s[n] != ' ')
			n--;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;            /* never inside a UTF-8 character */
	}
	rc = buf_add(b, s, n);
	for (size_t i = at; !rc && i < b->len; i++)
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			b->p[i] = ' ';
	return rc ? rc : n < strlen(s) ? buf_adds(b, "...") : 0;
}

static int add_path(struct buf *b, const struct fs_brief_opts *o,
		    const struct brief_item *it)
{
	int rc = 0;

	if (o->root)
		rc = buf_addf(b, "%s/", o->root);
	return rc ? rc : buf_addf(b, "projects/%s/exchanges/%06lld-%s",
				  o->project, (long long)it->id, it->slug);
}

/* Appends item it as its text entry, masked. */
static int entry(struct ctx *c, const struct brief_item *it, struct buf *out)
{
	struct buf *t = &c->tmp;
	char d[16];
	int rc;

	buf_reset(t);
	date(it->time, d);
	rc = buf_adds(t, "- ");
	if (!rc)
		rc = add_path(t, c->o, it);
	if (!rc)
		rc = buf_addf(t, " (%s", d);
	for (size_t i = 0; !rc && i < it->shares.n; i++) {
		rc = buf_adds(t, i ? ", " : "; shares ");
		if (!rc)
			rc = add_flat(t, it->shares.v[i], SHARE_MAX);
	}
	if (!rc)
		rc = buf_adds(t, ")\n  ");
	if (!rc)
		rc = add_flat(t, it->core, CORE_MAX);
	if (!rc && *it->context) {
		rc = buf_adds(t, "\n  > ");
		if (!rc)
			rc = add_flat(t, it->context, CONTEXT_MAX);
	}
	if (!rc)
		rc = buf_addc(t, '\n');
	return rc ? rc : redact_text(buf_str(t), t->len, out) < 0 ? -ENOMEM : 0;
}

static size_t item_cost(const struct brief_item *it, void *arg)
{
	struct buf e = BUF_INIT(BUF_MAX_TEXT);
	size_t n = entry(arg, it, &e) ? (size_t)-1 / 2 : cost(e.p, e.len);

	buf_release(&e);
	return n;
}

static int header(const struct fs_brief_opts *o, const struct brief *b,
		  struct buf *out)
{
	char d[16];
	int rc;

	date(b->latest, d);
	rc = buf_addf(out, "# Memory of project %s (recallfs)\n", o->project);
	if (!rc && o->since) {
		char s[16];

		date(o->since, s);
		rc = buf_addf(out, "%ld exchange%s since %s", b->total,
			      b->total == 1 ? "" : "s", s);
	} else if (!rc) {
		rc = buf_addf(out, "%ld exchange%s", b->total,
			      b->total == 1 ? "" : "s");
	}
	if (!rc && b->total)
		rc = buf_addf(out, ", the latest on %s. Below: recent ones, then "
			      "older ones sharing their files and topics: path "
			      "(date), what was asked and done, > the exact "
			      "detail.\n", d);
	else if (!rc)
		rc = buf_adds(out, ".\n");
	if (!rc && o->root)
		rc = buf_addf(out, "Full text: cat PATH/verbatim. Search: cat "
			      "'%s/projects/%s/query/WORDS'.\n", o->root,
			      o->project);
	else if (!rc)
		rc = buf_addf(out, "Full text: recallfs show --verbatim PATH. "
			      "Search: recallfs query --project %s WORDS.\n",
			      o->project);
	return rc;
}

static const char recent_h[] = "\n## Recent\n";
static const char related_h[] = "\n## Related to recent work\n";

/* The whole text: header, then the items under their headings. */
static int text(struct ctx *c, const struct brief *b, struct buf *out)
{
	struct buf h = BUF_INIT(BUF_MAX_SMALL);
	int rc = header(c->o, b, &h);

	if (!rc)
		rc = redact_text(buf_str(&h), h.len, out) < 0 ? -ENOMEM : 0;
	buf_release(&h);
	for (size_t i = 0; !rc && i < b->n; i++) {
		if (!i || b->v[i].related != b->v[i - 1].related)
			rc = buf_adds(out, b->v[i].related ? related_h :
				      recent_h);
		if (!rc)
			rc = entry(c, &b->v[i], out);
	}
	return rc;
}

static cJSON *masked(const char *s)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	cJSON *j;

	redact_text(s, strlen(s), &b);
	j = cJSON_CreateString(buf_str(&b));
	buf_release(&b);
	return j;
}

static cJSON *json_item(const struct fs_brief_opts *o,
			const struct brief_item *it)
{
	cJSON *j = cJSON_CreateObject(), *sh;
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	char d[16];

	buf_addf(&p, "%06lld-%s", (long long)it->id, it->slug);
	cJSON_AddItemToObject(j, "id", masked(buf_str(&p)));
	buf_reset(&p);
	add_path(&p, o, it);
	cJSON_AddItemToObject(j, "path", masked(buf_str(&p)));
	date(it->time, d);
	cJSON_AddItemToObject(j, "time", it->time ? cJSON_CreateString(d) :
			      cJSON_CreateNull());
	cJSON_AddStringToObject(j, "why", it->related ? "related" : "recent");
	if (it->related) {
		cJSON_AddNumberToObject(j, "score",
					(double)(long)(it->score * 1e4) / 1e4);
		sh = cJSON_AddArrayToObject(j, "shares");
		for (size_t i = 0; i < it->shares.n; i++)
			cJSON_AddItemToArray(sh, masked(it->shares.v[i]));
	}
	cJSON_AddItemToObject(j, "core", masked(it->core));
	cJSON_AddItemToObject(j, "context", masked(it->context));
	buf_release(&p);
	return j;
}

static int json(const struct fs_brief_opts *o, const struct brief *b,
		size_t tokens, struct buf *out)
{
	cJSON *j = cJSON_CreateObject(), *items;
	char d[16];
	char *s;
	int rc;

	cJSON_AddItemToObject(j, "project", masked(o->project));
	cJSON_AddNumberToObject(j, "budget", (double)o->budget);
	cJSON_AddNumberToObject(j, "tokens", (double)tokens);
	cJSON_AddNumberToObject(j, "exchanges", (double)b->total);
	date(b->latest, d);
	cJSON_AddItemToObject(j, "latest", b->latest ? cJSON_CreateString(d) :
			      cJSON_CreateNull());
	date(o->since, d);
	cJSON_AddItemToObject(j, "since", o->since ? cJSON_CreateString(d) :
			      cJSON_CreateNull());
	cJSON_AddItemToObject(j, "root", o->root ? masked(o->root) :
			      cJSON_CreateNull());
	items = cJSON_AddArrayToObject(j, "items");
	for (size_t i = 0; i < b->n; i++)
		cJSON_AddItemToArray(items, json_item(o, &b->v[i]));
	s = cJSON_PrintUnformatted(j);
	rc = s ? buf_addf(out, "%s\n", s) : -ENOMEM;
	free(s);
	cJSON_Delete(j);
	return rc;
}

/* Drops the last item of the lowest priority: the weakest related one,
 * else the oldest recent one. */
static void drop_last(struct brief *b)
{
	struct brief_item *it = &b->v[--b->n];

	free(it->slug);
	free(it->core);
	free(it->context);
	strv_clear(&it->shares);
}

int fs_brief_render(struct store *st, const struct fs_brief_opts *o,
		    struct buf *out, struct buf *err)
{
	struct ctx c = { o, BUF_INIT(BUF_MAX_TEXT) };
	struct buf t = BUF_INIT(BUF_MAX_TEXT);
	struct brief b;
	size_t fixed;
	int rc = brief_open(st, o->project, o->since, &b);

	if (!rc)
		rc = header(o, &b, &t);
	fixed = cost(t.p, t.len) + cost(recent_h, strlen(recent_h)) +
		cost(related_h, strlen(related_h));
	if (!rc && fixed > o->budget) {
		buf_addf(err, "the header alone needs %zu tokens", fixed);
		rc = -ENOSPC;
	}
	if (!rc)
		rc = brief_select(st, &b, o->budget - fixed, item_cost, &c);
	/* the parts were priced one by one: check the whole, to be sure */
	while (!rc) {
		buf_reset(&t);
		rc = text(&c, &b, &t);
		if (rc || cost(t.p, t.len) <= o->budget || !b.n)
			break;
		drop_last(&b);
	}
	if (!rc)
		rc = o->json ? json(o, &b, cost(t.p, t.len), out) :
			buf_add(out, t.p ? t.p : "", t.len);
	buf_release(&t);
	buf_release(&c.tmp);
	brief_release(&b);
	return rc;
}

/* 1 when /proc/self/mountinfo lists a recallfs mount at dir (its mount
 * point field escapes space, tab, newline and backslash as \ooo). */
static int is_recallfs_mount(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, mp[4096];
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		const char *sep = strstr(line, " - fuse.recallfs ");
		size_t k = 0;
		char *p;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		for (p = mp; *p; p++, k++) {    /* decode \ooo in place */
			if (p[0] == '\\' && p[1] && p[2] && p[3]) {
				mp[k] = (char)((p[1] - '0') * 64 +
					       (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
			} else {
				mp[k] = *p;
			}
		}
		mp[k] = 0;
		found = !strcmp(mp, dir);
	}
	free(line);
	fclose(f);
	return found;
}

char *fs_brief_mount_root(void)
{
	const char *e = getenv("RECALLFS_MOUNT"), *home = getenv("HOME");
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	if (e && *e) {
		size_t n = strlen(e);

		while (n && e[n - 1] == '/')
			n--;            /* "/memory/" -> "/memory" */
		return xstrndup(e, n);
	}
	if (!home || *home != '/')
		return NULL;
	buf_addf(&b, "%s/recallfs", strcmp(home, "/") ? home : "");
	if (is_recallfs_mount(buf_str(&b)))
		return buf_detach(&b);
	buf_release(&b);
	return NULL;
}

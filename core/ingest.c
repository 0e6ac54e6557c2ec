/* ingest.c: the ingest pipeline (see ingest.h): read, segment, diff against
 * what is stored, distill and store, one transaction per conversation. */
#include "common.h"
#include "ingest.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "redact.h"
#include "segment.h"

static const char *const slug_stop[] = {
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could",
	"do", "does", "for", "from", "have", "how", "i", "if", "in", "is", "it",
	"its", "let", "me", "my", "of", "on", "or", "our", "please", "so",
	"that", "the", "then", "there", "this", "to", "us", "was", "we", "what",
	"when", "which", "why", "will", "with", "would", "you", "your",
};

static int slug_is_stop(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(slug_stop); i++)
		if (strlen(slug_stop[i]) == n && !memcmp(slug_stop[i], w, n))
			return 1;
	return 0;
}

/* An owned copy of s with its secrets masked, or NULL when it has none. */
static char *masked(const char *s)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT);
	char *r = NULL;

	if (s && redact_text(s, strlen(s), &out) > 0)
		r = buf_detach(&out);
	buf_release(&out);
	return r;
}

int ingest_distill(const struct distill_input *in, struct distill *d)
{
	const struct tx_conv *c = in->conv;
	struct distill_input red = *in;
	struct tx_conv copy;
	size_t n, i;
	char *v, *req;
	int rc;

	if (!c || in->ply_start > in->ply_end || in->ply_end >= c->nmsg)
		return distill_heuristic(in, d);
	/* the distiller reads only the exchange's plies: copy just those (a
	 * copy of the whole conversation per exchange would be quadratic) */
	n = in->ply_end - in->ply_start + 1;
	copy = *c;
	copy.msg = xcalloc(n, sizeof(*copy.msg));
	copy.nmsg = copy.cap = n;
	memcpy(copy.msg, c->msg + in->ply_start, n * sizeof(*copy.msg));
	for (i = 0; i < n; i++) {
		char *t = masked(copy.msg[i].text), *tl = masked(copy.msg[i].tools);

		if (t)
			copy.msg[i].text = t;
		if (tl)
			copy.msg[i].tools = tl;
	}
	v = masked(in->verbatim);
	req = masked(in->request);
	if (!red.whole) {       /* only counted in, never copied: unmasked */
		red.whole = c;
		red.whole_at = in->ply_start;
	}
	if (req)
		red.request = req;
	red.conv = &copy;
	red.ply_start = 0;
	red.ply_end = n - 1;
	if (v)
		red.verbatim = v;
	rc = distill_heuristic(&red, d);
	for (i = 0; i < n; i++) {
		if (copy.msg[i].text != c->msg[in->ply_start + i].text)
			free(copy.msg[i].text);
		if (copy.msg[i].tools != c->msg[in->ply_start + i].tools)
			free(copy.msg[i].tools);
	}
	free(copy.msg);
	free(v);
	free(req);
	return rc;
}

/* Up to 5 content words of the first user text, [a-z0-9], joined by '-'
 * (secrets masked first: the slug is part of every path to the exchange). */
static char *make_slug(const struct tx_conv *c, size_t a, size_t b)
{
	struct buf s = BUF_INIT(64);
	const char *t = NULL;
	char *m;
	int words = 0;

	for (size_t i = a; i <= b && !t; i++)
		if (c->msg[i].role == TX_USER && c->msg[i].text[0])
			t = c->msg[i].text;
	/* a later chunk of a long exchange is named by the request it serves */
	for (size_t i = a; i-- > 0 && !t;)
		if (c->msg[i].role == TX_USER && c->msg[i].text[0])
			t = c->msg[i].text;
	if ((m = masked(t)))
		t = m;
	for (const char *p = t ? t : ""; *p && words < 5;) {
		char w[24];
		size_t n = 0;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		while (isalnum((unsigned char)*p)) {
			if (n < sizeof(w) - 1)
				w[n++] = (char)tolower((unsigned char)*p);
			p++;
		}
		if (n < 2 || slug_is_stop(w, n))
			continue;
		if (s.len + n + 1 > 40)
			break;
		if (s.len)
			buf_addc(&s, '-');
		buf_add(&s, w, n);
		words++;
	}
	free(m);
	if (!s.len)
		buf_adds(&s, "exchange");
	return buf_detach(&s);
}

static char *source_ids_json(const struct tx_conv *c, size_t a, size_t b)
{
	cJSON *arr = cJSON_CreateArray();
	char *out;

	for (size_t i = a; i <= b; i++)
		if (c->msg[i].source_id)
			cJSON_AddItemToArray(arr,
				cJSON_CreateString(c->msg[i].source_id));
	out = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return out ? out : xstrdup("[]");
}

/* The project the transcript itself names (its format's project field,
 * else the last component of its cwd, made safe), or NULL. */
static char *own_project(const struct tx_conv *c)
{
	const char *src = c->project, *end, *base;
	struct buf b = BUF_INIT(256);

	if (!src && c->cwd) {
		end = c->cwd + strlen(c->cwd);
		while (end > c->cwd && end[-1] == '/')
			end--;
		base = end;
		while (base > c->cwd && base[-1] != '/')
			base--;
		if (end > base)
			buf_add(&b, base, (size_t)(end - base) > 200 ? 200 :
				(size_t)(end - base));
	} else if (src) {
		buf_add(&b, src, strlen(src) > 200 ? 200 : strlen(src));
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.p[i] == '/' || (unsigned char)b.p[i] < 0x20 ||
		    b.p[i] == 0x7f)
			b.p[i] = '_';
	if (!b.len || !store_project_name_ok(buf_str(&b))) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *ingest_project_name(const struct tx_conv *c)
{
	char *p = own_project(c);

	return p ? p : xstrdup("default");
}

/* --project, else what the transcript says, else the folder it came from
 * (inbox/<P>/ or a folder of an ingested tree), else "default": so the
 * same transcript lands in the same project by the CLI and by the inbox. */
static char *conv_project(const struct ingest_opts *o, const struct tx_conv *c)
{
	char *p;

	if (o->project)
		return xstrdup(o->project);
	p = own_project(c);
	if (!p && o->folder_project && store_project_name_ok(o->folder_project))
		p = xstrdup(o->folder_project);
	return p ? p : xstrdup("default");
}

static int64_t ply_time(const struct tx_conv *c, size_t a, size_t b, int last)
{
	for (size_t k = 0; k <= b - a; k++) {
		size_t i = last ? b - k : a + k;

		if (c->msg[i].time)
			return c->msg[i].time;
	}
	return 0;
}

struct conv_job {
	struct store *st;
	const struct tx_conv *c;
	const struct ingest_opts *o;
	/* this conversation's counts: the caller's stats get them only once
	 * the transaction is committed, so a summary counts what was stored */
	struct ingest_stats d;
	int64_t project_id, conv_id;
};

static int put_one(struct conv_job *j, const struct seg_exchange *sx,
		   const char *verbatim, const char *hash)
{
	struct store_exchange x;
	struct distill_input in = { j->c, sx->ply_start, sx->ply_end,
				    verbatim, NULL, sx->part, sx->nparts };
	struct buf dist = BUF_INIT(BUF_MAX_TEXT);
	int rc;

	memset(&x, 0, sizeof(x));
	/* a later chunk names the request it continues */
	for (size_t i = sx->open; sx->part > 1 && i < sx->ply_start; i++)
		if (j->c->msg[i].role == TX_USER && j->c->msg[i].text[0]) {
			in.request = j->c->msg[i].text;
			break;
		}
	rc = ingest_distill(&in, &x.d);
	if (rc)
		goto out;
	x.project_id = j->project_id;
	x.conv_id = j->conv_id;
	x.ply_start = sx->ply_start;
	x.ply_end = sx->ply_end;
	x.slug = make_slug(j->c, sx->ply_start, sx->ply_end);
	x.t_start = ply_time(j->c, sx->ply_start, sx->ply_end, 0);
	x.t_end = ply_time(j->c, sx->ply_start, sx->ply_end, 1);
	x.verbatim = (char *)verbatim;
	x.source_ids = source_ids_json(j->c, sx->ply_start, sx->ply_end);
	x.tokens_verbatim = (long)distill_count_tokens(verbatim);
	buf_addf(&dist, "%s\n%s", x.d.core, x.d.context);
	x.tokens_distilled = (long)distill_count_tokens(buf_str(&dist));
	x.state = j->o->pending ? STORE_PENDING : STORE_DONE;
	x.hash = (char *)hash;
	rc = store_put_exchange(j->st, &x, &x.id);
	if (!rc && j->o->on_put)
		rc = j->o->on_put(j->o->hook_ctx, j->st, &x);
	if (!rc)
		j->d.added++;
	x.verbatim = NULL;
	x.hash = NULL;
	free(x.slug);
	free(x.source_ids);
out:
	distill_release(&x.d);
	buf_release(&dist);
	return rc;
}

/* Marks in keep[] the stored exchanges that match a new one exactly (same
 * plies, same text hash) and in fresh[] the new ones that match none. */
static void match_ranges(const struct store_range *old, size_t nold,
			 const struct seg_list *l, char (*hash)[HASH_HEX_LEN + 1],
			 char *keep, char *fresh)
{
	for (size_t i = 0; i < l->n; i++) {
		fresh[i] = 1;
		for (size_t k = 0; k < nold && fresh[i]; k++)
			if (!keep[k] && old[k].ply_start == l->x[i].ply_start &&
			    old[k].ply_end == l->x[i].ply_end &&
			    !strcmp(old[k].hash, hash[i]))
				keep[k] = 1, fresh[i] = 0;
	}
}

/* 0 to store sx; 1 (counted) when it was forgotten: a tombstone holds
 * its identity (store_forget.c); -errno. */
static int forgotten(struct conv_job *j, const struct seg_exchange *sx)
{
	int rc = store_forgotten(j->st, j->c->id, sx->ply_start,
				 j->c->msg[sx->ply_start].source_id);

	if (rc == 1)
		j->d.forgotten++;
	return rc;
}

/* Deletes the stored exchanges that changed (first, so their ply range is
 * free), then inserts the new ones, less the forgotten ones. */
static int sync_exchanges(struct conv_job *j, const struct seg_list *l)
{
	struct store_range *old;
	size_t nold, i;
	struct buf *v = xcalloc(l->n + 1, sizeof(*v));
	char (*hash)[HASH_HEX_LEN + 1] = xcalloc(l->n + 1, sizeof(*hash));
	char *fresh = xcalloc(l->n + 1, 1), *keep = NULL;
	int rc = store_conv_ranges(j->st, j->conv_id, &old, &nold);

	for (i = 0; !rc && i < l->n; i++) {
		buf_init(&v[i], BUF_MAX_TEXT);
		rc = seg_verbatim(j->c, l->x[i].ply_start, l->x[i].ply_end,
				  &v[i]);
		hash_hex(buf_str(&v[i]), v[i].len, hash[i]);
	}
	keep = xcalloc(nold + 1, 1);
	if (!rc)
		match_ranges(old, nold, l, hash, keep, fresh);
	for (i = 0; !rc && i < nold; i++)
		if (!keep[i] && !(rc = store_drop_exchange(j->st, old[i].id)))
			j->d.removed++;
	for (i = 0; !rc && i < l->n; i++) {
		if (!fresh[i])
			continue;
		rc = forgotten(j, &l->x[i]);
		if (!rc)
			rc = put_one(j, &l->x[i], buf_str(&v[i]), hash[i]);
		else if (rc == 1)
			rc = 0;
	}
	for (i = 0; i < l->n; i++)
		buf_release(&v[i]);
	free(v);
	free(hash);
	free(fresh);
	free(keep);
	store_ranges_free(old, nold);
	return rc;
}

static int ingest_conv(struct conv_job *j, const char *name,
		       struct ingest_stats *stats, struct buf *err)
{
	const struct tx_conv *c = j->c;
	struct seg_list l = SEG_LIST_INIT;
	char *project = NULL;
	size_t stored = 0;
	int64_t old_id;
	enum seg_skip skip = seg_skip_reason(c);
	int rc;

	if (skip != SEG_KEEP) { /* a compaction agent makes no project */
		stats->skipped[skip]++;
		return 0;
	}
	if (store_conv_find(j->st, c->id, &old_id, &stored) == 0 &&
	    stored >= c->nmsg)
		return 0;
	seg_split(c, &l);
	project = conv_project(j->o, c);
	memset(&j->d, 0, sizeof(j->d));
	rc = store_begin(j->st);
	if (!rc)
		rc = store_project(j->st, project, 1, &j->project_id);
	if (!rc)
		rc = store_conv_put(j->st, j->project_id, c->id, c->parent,
				    c->title, name, c->nmsg,
				    c->nmsg ? ply_time(c, 0, c->nmsg - 1, 0) : 0,
				    c->nmsg ? ply_time(c, 0, c->nmsg - 1, 1) : 0,
				    &j->conv_id);
	if (!rc)
		rc = store_conv_set_cwd(j->st, j->conv_id, c->cwd);
	if (!rc)
		rc = sync_exchanges(j, &l);
	if (!rc)
		rc = store_commit(j->st);
	if (rc) {
		store_rollback(j->st);
		buf_addf(err, "conversation %s: %s", c->id, err_str(rc));
	} else {
		stats->convs++;
		stats->added += j->d.added;
		stats->removed += j->d.removed;
		stats->forgotten += j->d.forgotten;
	}
	free(project);
	seg_list_release(&l);
	return rc;
}

static int by_start(const void *a, const void *b, void *arg)
{
	const struct tx_set *set = arg;
	const struct tx_conv *x = &set->conv[*(const size_t *)a];
	const struct tx_conv *y = &set->conv[*(const size_t *)b];
	int64_t tx = x->nmsg ? ply_time(x, 0, x->nmsg - 1, 0) : 0;
	int64_t ty = y->nmsg ? ply_time(y, 0, y->nmsg - 1, 0) : 0;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int ingest_data(struct store *st, const char *name, const char *data,
		size_t len, const struct ingest_opts *o,
		struct ingest_stats *stats, struct buf *err)
{
	struct tx_set set = TX_SET_INIT;
	struct conv_job j;
	int rc;

	if (o->project && !store_project_name_ok(o->project)) {
		buf_addf(err, "project name '%s' is not usable (one path "
			 "component, no control characters)", o->project);
		return -EINVAL;
	}
	memset(&j, 0, sizeof(j));
	j.st = st;
	j.o = o;
	rc = tx_read(name, data, len, o->format, &set, err);
	if (rc) {
		stats->failed++;
		return rc;
	}
	stats->files++;
	/* in time order, so exchange numbers follow time (a sidechain after
	 * the session that launched it) */
	size_t *order = xcalloc(set.n + 1, sizeof(*order));

	for (size_t i = 0; i < set.n; i++)
		order[i] = i;
	qsort_r(order, set.n, sizeof(*order), by_start, &set);
	for (size_t i = 0; !rc && i < set.n; i++) {
		j.c = &set.conv[order[i]];
		rc = ingest_conv(&j, name, stats, err);
	}
	free(order);
	if (!rc && set.bad_line)	/* truncated last line: rest is in, */
		rc = -EILSEQ;		/* err names the line; still a failure */
	tx_set_release(&set);
	return rc;
}

int ingest_file(struct store *st, const char *path,
		const struct ingest_opts *o, struct ingest_stats *stats,
		struct buf *err)
{
	struct buf data = BUF_INIT(TX_MAX_FILE);
	int rc = strcmp(path, "-") ? buf_read_file(&data, path) :
		buf_read_fd(&data, 0);

	if (rc) {
		buf_addf(err, "%s", rc == -E2BIG ?
			 "larger than the 256 MB transcript limit" :
			 err_str(rc));
		stats->failed++;
	} else {
		rc = ingest_data(st, path, buf_str(&data), data.len, o, stats,
				 err);
	}
	buf_release(&data);
	return rc;
}

/* brief.c: choosing what `recallfs context` shows (brief.h): the window's
 * counts, the latest exchanges, the keys (rooms, touched files) they hold,
 * the exchanges sharing those keys and their scores, packing into the
 * budget, and finding the project of a directory. */
#include "common.h"
#include "brief.h"
#include "ingest.h"
#include "store_view.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

/* an exchange's time: its end, else its start, 0 when unknown */
#define XTIME "(CASE WHEN coalesce(e.t_end, 0) > 0 THEN e.t_end" \
	" ELSE coalesce(e.t_start, 0) END)"
/* binds: ?1 project id, ?2 window start (0: none) */
#define XWINDOW " e.project_id = ?1 AND (?2 = 0 OR " XTIME " >= ?2)"

#define RECENT_POOL 200         /* latest exchanges looked at, at most */
#define RELATED_POOL 200        /* related candidates looked at, at most */
#define SHARES_MAX 3

/* One room or file the latest exchanges hold. */
struct key {
	int64_t room_id;        /* 0 for a file */
	char *name;             /* room key, or the file's path */
	double idf;
};

struct keys {
	struct key *v;
	size_t n, cap;
};

/* One (exchange, key) pair found while scoring. */
struct hit {
	int64_t id, time;
	size_t key;
	double weight;
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static int prep(struct store *st, const char *sql, const struct brief *b,
		sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(*s, 1, b->project_id);
	sqlite3_bind_int64(*s, 2, b->since);
	return 0;
}

static int done(sqlite3_stmt *s, int rc)
{
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -err_from_sqlite(rc);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return xstrdup(t ? t : "");
}

int brief_open(struct store *st, const char *project, int64_t since,
	       struct brief *b)
{
	sqlite3_stmt *s;
	int rc;

	memset(b, 0, sizeof(*b));
	b->since = since;
	rc = store_view_project_id(st, project, &b->project_id);
	if (rc)
		return rc;
	b->project = xstrdup(project);
	rc = prep(st, "SELECT count(*), coalesce(max(" XTIME "), 0) FROM"
		  " exchanges e WHERE" XWINDOW, b, &s);
	if (rc)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		b->total = (long)sqlite3_column_int64(s, 0);
		b->latest = sqlite3_column_int64(s, 1);
	}
	return done(s, rc);
}

void brief_release(struct brief *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].slug);
		free(b->v[i].core);
		free(b->v[i].context);
		strv_clear(&b->v[i].shares);
	}
	free(b->v);
	free(b->project);
	memset(b, 0, sizeof(*b));
}

static void keys_release(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].name);
	free(k->v);
}

/* ---- candidates ---- */

/* The latest exchanges of the window, newest first: id, slug, time. */
static int recent(struct store *st, const struct brief *b,
		  struct brief_item **out, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = prep(st, "SELECT e.id, e.slug, " XTIME " FROM exchanges e"
		      " WHERE" XWINDOW " ORDER BY 3 DESC, e.id DESC LIMIT ?3",
		      b, &s);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int(s, 3, RECENT_POOL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct brief_item *it;

		XGROW(*out, cap, *n + 1);
		it = &(*out)[(*n)++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(s, 0);
		it->slug = col_dup(s, 1);
		it->time = sqlite3_column_int64(s, 2);
	}
	return done(s, rc);
}

static void add_key(struct keys *k, int64_t room_id, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].room_id == room_id && !strcmp(k->v[i].name, name))
			return;
	XGROW(k->v, k->cap, k->n + 1);
	k->v[k->n].room_id = room_id;
	k->v[k->n].name = xstrdup(name);
	k->v[k->n++].idf = 0;
}

/* The rooms and files of the anchors (the first na of r). */
static int anchor_keys(struct store *st, const struct brief *b,
		       const struct brief_item *r, size_t na, struct keys *k)
{
	static const char *const sql[] = {
		"SELECT er.room_id, ro.key FROM exchange_rooms er JOIN rooms ro"
		" ON ro.id = er.room_id WHERE er.exchange_id = ?3"
		" ORDER BY ro.key, er.room_id",
		"SELECT 0, path FROM exchange_files WHERE exchange_id = ?3"
		" ORDER BY ord",
	};
	int rc = 0;

	for (size_t q = 0; !rc && q < ARRAY_SIZE(sql); q++)
		for (size_t i = 0; !rc && i < na; i++) {
			sqlite3_stmt *s;

			rc = prep(st, sql[q], b, &s);
			if (rc)
				break;
			sqlite3_bind_int64(s, 3, r[i].id);
			while ((rc = sqlite3_step(s)) == SQLITE_ROW)
				add_key(k, sqlite3_column_int64(s, 0),
					(const char *)sqlite3_column_text(s, 1));
			rc = done(s, rc);
		}
	return rc;
}

/* Every exchange of the window holding key kk, with its weight; sets the
 * key's idf, or leaves it 0 (and adds nothing) past BRIEF_DF_MAX. */
static int key_hits(struct store *st, const struct brief *b, struct keys *k,
		    size_t kk, struct hits *h)
{
	sqlite3_stmt *s;
	size_t n0 = h->n;
	int rc = prep(st, k->v[kk].room_id ?
		      "SELECT er.exchange_id, er.relevance, " XTIME " FROM"
		      " exchange_rooms er"
		      " JOIN exchanges e ON e.id = er.exchange_id WHERE"
		      " er.room_id = ?3 AND" XWINDOW " LIMIT ?4" :
		      "SELECT DISTINCT f.exchange_id, 1.0, " XTIME " FROM"
		      " exchange_files f"
		      " JOIN exchanges e ON e.id = f.exchange_id WHERE"
		      " f.path = ?5 AND" XWINDOW " LIMIT ?4", b, &s);

	if (rc)
		return rc;
	if (k->v[kk].room_id)
		sqlite3_bind_int64(s, 3, k->v[kk].room_id);
	else
		sqlite3_bind_text(s, 5, k->v[kk].name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, BRIEF_DF_MAX + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(h->v, h->cap, h->n + 1);
		h->v[h->n].id = sqlite3_column_int64(s, 0);
		h->v[h->n].key = kk;
		h->v[h->n].weight = sqlite3_column_double(s, 1);
		h->v[h->n++].time = sqlite3_column_int64(s, 2);
	}
	rc = done(s, rc);
	if (h->n - n0 > BRIEF_DF_MAX)
		h->n = n0;
	else if (h->n > n0)
		k->v[kk].idf = log(1.0 + (double)b->total /
				   (double)(h->n - n0));
	return rc;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int is_anchor(const struct brief_item *r, size_t na, int64_t id)
{
	for (size_t i = 0; i < na; i++)
		if (r[i].id == id)
			return 1;
	return 0;
}

/* The last component of a file path, or a room key as it is. */
static const char *key_label(const struct key *k)
{
	const char *p = strrchr(k->name, '/');

	return !k->room_id && p && p[1] ? p + 1 : k->name;
}

/* Sets shares to the labels of hits h[a..z) (one exchange), strongest
 * first; returns the exchange's score. */
static double score_one(const struct keys *k, const struct hit *h, size_t a,
			size_t z, struct strv *shares)
{
	double score = 0;
	size_t used[SHARES_MAX], nused = 0;

	for (size_t i = a; i < z; i++)
		score += k->v[h[i].key].idf * h[i].weight;
	while (nused < SHARES_MAX) {
		size_t best = z;

		for (size_t i = a; i < z; i++) {
			double w = k->v[h[i].key].idf * h[i].weight;
			int taken = 0;

			for (size_t u = 0; u < nused; u++)
				taken |= used[u] == h[i].key;
			if (!taken && w > 0 && (best == z || w >
			    k->v[h[best].key].idf * h[best].weight))
				best = i;
		}
		if (best == z)
			break;
		used[nused++] = h[best].key;
		strv_push_unique(shares, key_label(&k->v[h[best].key]));
	}
	return score;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct brief_item *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* Exchanges sharing keys with the anchors, strongest first. */
static int related(struct store *st, const struct brief *b,
		   const struct brief_item *r, size_t na,
		   struct brief_item **out, size_t *n)
{
	struct keys k = { 0 };
	struct hits h = { 0 };
	size_t cap = 0;
	int rc = anchor_keys(st, b, r, na, &k);

	*out = NULL;
	*n = 0;
	for (size_t i = 0; !rc && i < k.n; i++)
		rc = key_hits(st, b, &k, i, &h);
	if (!rc && h.n)
		qsort(h.v, h.n, sizeof(*h.v), hit_cmp);
	for (size_t a = 0, z; !rc && a < h.n; a = z) {
		struct brief_item *it;

		for (z = a; z < h.n && h.v[z].id == h.v[a].id; z++)
			;
		if (is_anchor(r, na, h.v[a].id))
			continue;
		XGROW(*out, cap, *n + 1);
		it = &(*out)[(*n)++];
		memset(it, 0, sizeof(*it));
		it->id = h.v[a].id;
		it->time = h.v[a].time;
		it->related = 1;
		it->score = score_one(&k, h.v, a, z, &it->shares);
	}
	free(h.v);
	keys_release(&k);
	return rc;
}

/* ---- packing ---- */

/* Reads slug, time, core and context of it (by id). */
static int fill(struct store *st, struct brief_item *it)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT e.slug, " XTIME ", e.core,"
				    " e.context FROM exchanges e WHERE e.id = ?",
				    -1, &s, NULL);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, it->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (!it->slug)
			it->slug = col_dup(s, 0);
		it->time = sqlite3_column_int64(s, 1);
		it->core = col_dup(s, 2);
		it->context = col_dup(s, 3);
	}
	return done(s, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

struct pack {
	struct store *st;
	struct brief *b;
	size_t budget;
	brief_cost_fn cost;
	void *ctx;
};

/* Adds *it to the brief when it fits in limit (and the budget); the brief
 * then owns its strings.  1 when added, 0 when not, -errno. */
static int offer(struct pack *p, struct brief_item *it, size_t limit)
{
	size_t c;
	int rc = 0;

	for (size_t i = 0; i < p->b->n; i++)
		if (p->b->v[i].id == it->id)
			return 0;       /* both latest and related */
	if (!it->core)
		rc = fill(p->st, it);
	if (rc)
		return rc;
	c = p->cost(it, p->ctx);
	if (c > limit || p->b->tokens + c > p->budget)
		return 0;
	XGROW(p->b->v, p->b->cap, p->b->n + 1);
	p->b->v[p->b->n++] = *it;
	memset(it, 0, sizeof(*it));
	p->b->tokens += c;
	return 1;
}

static void items_free(struct brief_item *v, size_t n)
{
	struct brief tmp = { 0 };

	tmp.v = v;
	tmp.n = n;
	brief_release(&tmp);
}

static int recent_cmp(const void *a, const void *b)
{
	const struct brief_item *x = a, *y = b;

	if (x->related != y->related)
		return x->related - y->related;
	if (x->related)
		return rel_cmp(a, b);
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

int brief_select(struct store *st, struct brief *b, size_t budget,
		 brief_cost_fn cost, void *ctx)
{
	struct pack p = { st, b, budget, cost, ctx };
	struct brief_item *r = NULL, *rel = NULL;
	size_t nr = 0, nrel = 0, na, half = budget / 2;
	int rc = recent(st, b, &r, &nr);

	na = nr < BRIEF_ANCHORS ? nr : BRIEF_ANCHORS;
	if (!rc)
		rc = related(st, b, r, na, &rel, &nrel);
	if (!rc && nrel)
		qsort(rel, nrel, sizeof(*rel), rel_cmp);
	/* 1: the latest, up to half the budget (the newest even past it) */
	for (size_t i = 0; rc >= 0 && i < na; i++)
		rc = offer(&p, &r[i], i ? (b->tokens < half ? half - b->tokens
					   : 0) : budget);
	/* 2: what shares their rooms and files */
	for (size_t i = 0; rc >= 0 && i < nrel && i < RELATED_POOL; i++)
		rc = offer(&p, &rel[i], budget);
	/* 3: older ones, newest first, while the budget lasts */
	for (size_t i = 0; rc >= 0 && i < nr; i++)
		if (r[i].id)
			rc = offer(&p, &r[i], budget);
	items_free(r, nr);
	items_free(rel, nrel);
	if (rc < 0)
		return rc;
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), recent_cmp);
	return 0;
}

/* ---- the project of a directory ---- */

/* s[0..n) without trailing '/' (but "/" itself). */
static size_t trim(const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

/* 1 when s[0..n) is "/", one component deep (/tmp, /home), or home or a
 * folder above it: too wide to claim the folders below it. */
static int too_wide(const char *s, size_t n)
{
	const char *home = getenv("HOME");
	size_t h = home ? trim(home, strlen(home)) : 0;

	if (n <= 1 || !memchr(s + 1, '/', n - 1))
		return 1;
	return h && n <= h && !strncmp(s, home, n) && (n == h || home[n] == '/');
}

/* Length of cwd when dir is cwd, or a folder below it (where cwd is not
 * too wide); else 0. */
static size_t covers(const char *cwd, const char *dir)
{
	size_t n = trim(cwd, strlen(cwd)), d = trim(dir, strlen(dir));

	if (!n || n > d || strncmp(cwd, dir, n))
		return 0;
	if (n == d)
		return n;
	return dir[n] == '/' && !too_wide(cwd, n) ? n : 0;
}

/* The project recorded in dir or the nearest folder above it. */
static int by_cwd(struct store *st, const char *dir, char **name)
{
	sqlite3_stmt *s;
	size_t best = 0;
	int64_t best_t = 0;
	int rc = sqlite3_prepare_v2(st->db, "SELECT c.cwd, p.name, max(" XTIME
		") FROM conversations c JOIN projects p ON p.id = c.project_id"
		" JOIN exchanges e ON e.conversation_id = c.id WHERE c.cwd IS"
		" NOT NULL GROUP BY c.cwd, p.id ORDER BY p.name", -1, &s, NULL);

	if (rc)    /* a database from before cwd was recorded */
		return -ENOENT;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t n = covers((const char *)sqlite3_column_text(s, 0), dir);
		int64_t t = sqlite3_column_int64(s, 2);

		if (n && (n > best || (n == best && t > best_t))) {
			free(*name);
			*name = col_dup(s, 1);
			best = n;
			best_t = t;
		}
	}
	rc = done(s, rc);
	return rc ? rc : *name ? 0 : -ENOENT;
}

int brief_project_for_dir(struct store *st, const char *dir, char **name)
{
	struct tx_conv c = { 0 };
	int64_t id;
	int rc;

	*name = NULL;
	rc = by_cwd(st, dir, name);
	if (rc != -ENOENT)
		return rc;
	c.cwd = (char *)dir;
	*name = ingest_project_name(&c);
	rc = store_view_project_id(st, *name, &id);
	if (rc) {
		free(*name);
		*name = NULL;
	}
	return rc;
}

int brief_parse_date(const char *s, int64_t *t)
{
	struct tm tm = { 0 }, back;
	time_t v;
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &n) != 3 || n != 10 || strlen(s) != 10 || tm.tm_year < 1970)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	back = tm;
	v = timegm(&tm);
	/* timegm normalises 2026-02-30 to March: refuse what moved */
	if (tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon)
		return -EINVAL;
	*t = (int64_t)v;
	return 0;
}

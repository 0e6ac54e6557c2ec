/* cache.c: the view's content caches, so that stat (which must know the
 * exact size) and the reads after it render a file once.  Three small
 * tables with least-recently-used replacement:
 *   exchanges  the seven files of an exchange, by id
 *   generated  README.md, status, MEMORY.md and query files, by a key
 *   projects   per project: its exchanges, rooms, conversations and
 *              files/ tree (fs_pidx; every project that was used, kept
 *              by project id), and the project ids by name
 *   owners     exchange id -> project id (inode numbers carry only the
 *              exchange)
 *   times      the latest exchange time of a project (directory mtimes)
 * An entry made for an older generation (v->gen) is recomputed, except a
 * project index in a managed view (the mount replaces those itself).  With
 * --redact every file is masked here, once, before its size is known. */
#include "common.h"
#include "view_int.h"
#include "content.h"
#include "redact.h"
#include "store_view.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NX 64                   /* exchanges rendered */
#define XBATCH 16               /* read together on a miss */
#define XCACHE_MAX (16u << 20)  /* bytes of rendered exchanges */
#define NG 32

struct xslot {
	int64_t id, mtime;
	uint64_t gen, used;
	int valid;
	struct buf f[FSX_N];
};

struct gslot {
	char *key;
	int64_t mtime;
	uint64_t gen, used;
	struct buf b;
};

struct pslot {
	int64_t pid;
	uint64_t gen;
	struct fs_pidx *p;
};

struct tslot {
	int64_t pid, t;
	uint64_t gen;
	int valid;
};

#define NT 64

struct fs_cache {
	struct tslot t[NT];     /* latest exchange time per project (0: all) */
	struct xslot x[NX];
	struct gslot g[NG];
	struct gslot scratch;   /* v->fresh: the last rendering */
	struct pslot *f;        /* by pid */
	size_t nf, capf;
	size_t xbytes;          /* content held by x[] */
	struct strv pnames;     /* project names and ids, for pnames_gen */
	int64_t *pids;
	uint64_t pnames_gen;
	int64_t *owners;        /* (exchange id, project id) pairs by id, */
	size_t nowners;         /* for owners_gen */
	uint64_t owners_gen;
	uint64_t tick;
};

void fs_view_init(struct fs_view *v, struct store *st)
{
	memset(v, 0, sizeof(*v));
	v->st = st;
	v->gen = 1;
	v->t0 = time(NULL);
	v->cache = xcalloc(1, sizeof(*v->cache));
}

void fs_view_release(struct fs_view *v)
{
	struct fs_cache *c = v->cache;

	if (!c)
		return;
	for (int i = 0; i < NX; i++)
		for (int k = 0; k < FSX_N; k++)
			buf_release(&c->x[i].f[k]);
	for (int i = 0; i < NG; i++) {
		free(c->g[i].key);
		buf_release(&c->g[i].b);
	}
	free(c->scratch.key);
	buf_release(&c->scratch.b);
	for (size_t i = 0; i < c->nf; i++)
		fs_pidx_free(c->f[i].p);
	free(c->f);
	strv_clear(&c->pnames);
	free(c->pids);
	free(c->owners);
	free(c);
	v->cache = NULL;
}

/* Masks b in place when the view redacts. */
static int maybe_redact(struct fs_view *v, struct buf *b)
{
	struct buf out = BUF_INIT(b->max);
	int rc;

	if (!v->redact)
		return 0;
	rc = redact_text(buf_str(b), b->len, &out);
	if (rc < 0) {
		buf_release(&out);
		return rc;
	}
	buf_release(b);
	*b = out;
	return 0;
}

/* The slot of exchange xid for this generation, or NULL. */
static struct xslot *xfind(struct fs_view *v, int64_t xid)
{
	struct fs_cache *c = v->cache;

	for (int i = 0; i < NX; i++)
		if (c->x[i].valid && c->x[i].id == xid && c->x[i].gen == v->gen)
			return &c->x[i];
	return NULL;
}

static void xdrop(struct fs_cache *c, struct xslot *s)
{
	for (int k = 0; k < FSX_N; k++) {
		c->xbytes -= s->f[k].len;
		buf_release(&s->f[k]);
	}
	s->valid = 0;
}

/* A slot to fill: an empty one, else the least recently used; then the
 * oldest others until the cache is under its byte cap. */
static struct xslot *xfree_slot(struct fs_cache *c)
{
	struct xslot *old = &c->x[0];

	for (int i = 0; i < NX; i++) {
		if (!c->x[i].valid) {
			old = &c->x[i];
			break;
		}
		if (c->x[i].used < old->used)
			old = &c->x[i];
	}
	if (old->valid)
		xdrop(c, old);
	while (c->xbytes > XCACHE_MAX) {
		struct xslot *o = NULL;

		for (int i = 0; i < NX; i++)
			if (c->x[i].valid && (!o || c->x[i].used < o->used))
				o = &c->x[i];
		if (!o)
			break;
		xdrop(c, o);
	}
	return old;
}

/* Renders x into a free slot (and its sizes into p, when given). */
static int xput(struct fs_view *v, const struct store_exchange *x,
		struct fs_pidx *p, uint32_t xi, struct xslot **out)
{
	struct fs_cache *c = v->cache;
	struct xslot *s = xfree_slot(c);
	int rc;

	for (int k = 0; k < FSX_N; k++)
		buf_init(&s->f[k], BUF_MAX_FILE);   /* empty: dropped or new */
	rc = fs_content_render(x, s->f);

	for (int k = 0; !rc && k < FSX_N; k++)
		rc = maybe_redact(v, &s->f[k]);
	if (rc) {
		xdrop(c, s);
		return rc;
	}
	s->id = x->id;
	s->mtime = x->t_end ? x->t_end : x->t_start;
	s->gen = v->gen;
	s->valid = 1;
	s->used = ++c->tick;
	for (int k = 0; k < FSX_N; k++) {
		c->xbytes += s->f[k].len;
		if (p)
			p->xsize[(size_t)xi * FSX_N + k] = (uint32_t)s->f[k].len;
	}
	*out = s;
	return 0;
}

/* Reads and renders exchange index xi of p and the ones after it that
 * are not cached yet (XBATCH in all: a walk of the tree reads them next,
 * and one query for many is far cheaper than one each). */
static int xload_batch(struct fs_view *v, struct fs_pidx *p, uint32_t xi,
		       struct xslot **out)
{
	struct store_exchange *xs;
	size_t n, end = xi + 1;
	int rc;

	while (end < p->x.n && end - xi < XBATCH &&
	       !xfind(v, p->x.v[end].id))
		end++;
	rc = store_view_exchange_range(v->st, p->pid,
				       p->x.v[xi].id, p->x.v[end - 1].id,
				       &xs, &n);
	*out = NULL;
	for (size_t i = 0, j = xi; !rc && i < n; i++) {
		struct xslot *s;

		while (j < end && p->x.v[j].id < xs[i].id)
			j++;
		/* one ingested since p was built has no index there */
		rc = xput(v, &xs[i], j < end && p->x.v[j].id == xs[i].id ?
			  p : NULL, (uint32_t)j, &s);
		if (!rc && xs[i].id == p->x.v[xi].id)
			*out = s;
	}
	for (size_t i = 0; i < n; i++)
		store_exchange_release(&xs[i]);
	free(xs);
	return rc ? rc : *out ? 0 : -ENOENT;
}

static int xload_one(struct fs_view *v, int64_t xid, struct xslot **out)
{
	struct store_exchange x;
	int rc = store_get_exchange(v->st, xid, &x);

	if (rc)
		return rc;
	rc = xput(v, &x, NULL, 0, out);
	store_exchange_release(&x);
	return rc;
}

int fs_cache_xfile(struct fs_view *v, struct fs_pidx *p, uint32_t xi,
		   int64_t xid, int idx, const struct buf **out,
		   int64_t *mtime)
{
	struct xslot *s = xfind(v, xid);
	int rc = 0;

	if (!s && p && xi < p->x.n && p->x.v[xi].id == xid)
		rc = xload_batch(v, p, xi, &s);
	else if (!s)
		rc = xload_one(v, xid, &s);
	if (rc)
		return rc;
	s->used = ++v->cache->tick;
	*out = &s->f[idx];
	*mtime = s->mtime;
	return 0;
}

/* The rendering that reads the whole store (status counts, MEMORY.md, a
 * search), bracketed by the view's slow_begin/slow_end when it has them
 * (the mount renders on its own connection without its lock: nothing
 * else waits for a query). */
static int render_slow(struct fs_view *v, enum fs_what what, int64_t pid,
		       const char *project, const char *qname,
		       const char *qscope, int json, struct buf *b)
{
	struct store *st = v->slow_begin ? v->slow_begin(v->slow_ctx) : v->st;
	int rc;

	if (what == FSW_STATUS) {
		rc = fs_content_status(st, v->only_project, b);
		if (!rc && v->status_fn)
			v->status_fn(v->status_ctx, b);
	} else if (what == FSW_MEMORY) {
		rc = fs_content_memory(st, pid, project, b);
	} else {
		rc = fs_content_query(st, qname, qscope, json, b);
		if (rc < 0) {
			/* the store failed: still a file that says so */
			buf_reset(b);
			rc = buf_addf(b, "# error: %s\n", err_str(rc));
		}
	}
	if (v->slow_end)
		v->slow_end(v->slow_ctx);
	return rc;
}

static int render(struct fs_view *v, enum fs_what what, int64_t pid,
		  const char *project, const char *qname, const char *qscope,
		  int json, struct buf *b, int64_t *mtime)
{
	int rc;

	*mtime = time(NULL);
	switch (what) {
	case FSW_README:
		if (fs_cache_ptime(v, 0, mtime))
			*mtime = v->t0;
		return fs_content_readme(v->live, v->inbox, v->only_project, b);
	case FSW_MEMORY:
		/* the project's latest exchange time, so it is deterministic */
		rc = fs_cache_ptime(v, pid, mtime);
		return rc ? rc : render_slow(v, what, pid, project, NULL, NULL,
					     0, b);
	case FSW_STATUS: case FSW_QUERY:
		return render_slow(v, what, pid, project, qname, qscope, json,
				   b);
	default:
		return -EINVAL;
	}
}

static struct gslot *gfind(struct fs_cache *c, const char *key, uint64_t gen)
{
	for (int i = 0; i < NG; i++)
		if (c->g[i].key && c->g[i].gen == gen &&
		    !strcmp(c->g[i].key, key))
			return &c->g[i];
	return NULL;
}

int fs_cache_generated(struct fs_view *v, enum fs_what what, int64_t pid,
		       const char *project, const char *qname,
		       const char *qscope, int json, const struct buf **out,
		       int64_t *mtime)
{
	struct fs_cache *c = v->cache;
	struct gslot *s;
	struct buf key = BUF_INIT(BUF_MAX_SMALL), b = BUF_INIT(BUF_MAX_FILE);
	uint64_t gen = v->gen;
	int64_t t;
	int rc;

	buf_addf(&key, "%d\t%lld\t%d\t%s\t%s", (int)what, (long long)pid,
		 json, qname ? qname : "", qscope ? qscope : "");
	s = v->fresh && what != FSW_README ? NULL : gfind(c, buf_str(&key), gen);
	if (!s) {
		/* the view may be used by others while this renders: the slot
		 * is chosen afterwards */
		rc = render(v, what, pid, project, qname, qscope, json, &b,
			    &t);
		if (!rc)
			rc = maybe_redact(v, &b);
		if (rc) {
			buf_release(&b);
			buf_release(&key);
			return rc;
		}
		s = &c->g[0];
		for (int i = 1; i < NG; i++)
			if (c->g[i].used < s->used)
				s = &c->g[i];
		if (v->fresh && what != FSW_README)
			s = &c->scratch;
		free(s->key);
		buf_release(&s->b);
		s->key = buf_detach(&key);
		s->b = b;
		s->gen = gen;           /* what it was rendered for */
		s->mtime = t;
	}
	buf_release(&key);
	s->used = ++c->tick;
	*out = &s->b;
	*mtime = s->mtime;
	return 0;
}

/* The slot of project pid (inserted, empty, when absent: the array is
 * kept by pid). */
static struct pslot *pslot(struct fs_cache *c, int64_t pid)
{
	size_t lo = 0, hi = c->nf;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->f[mid].pid == pid)
			return &c->f[mid];
		if (c->f[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	XGROW(c->f, c->capf, c->nf + 1);
	memmove(&c->f[lo + 1], &c->f[lo], (c->nf - lo) * sizeof(*c->f));
	c->nf++;
	memset(&c->f[lo], 0, sizeof(*c->f));
	c->f[lo].pid = pid;
	return &c->f[lo];
}

void fs_pidx_free(struct fs_pidx *p)
{
	if (p) {
		fs_pidx_release(p);
		free(p);
	}
}

int fs_cache_pidx(struct fs_view *v, int64_t pid, struct fs_pidx **p)
{
	struct pslot *s = pslot(v->cache, pid);
	int rc;

	if (s->p && (v->managed || s->gen == v->gen)) {
		*p = s->p;
		return 0;
	}
	fs_pidx_free(s->p);
	s->p = xcalloc(1, sizeof(*s->p));
	rc = fs_pidx_build(v->st, pid, s->p);
	/* the rows it was built from (tens of MB at 100k exchanges) go
	 * back to the system, not just to malloc */
	malloc_trim(0);
	if (rc) {
		fs_pidx_free(s->p);
		s->p = NULL;
		return rc;
	}
	s->gen = v->gen;
	*p = s->p;
	return 0;
}

void fs_view_set_pidx(struct fs_view *v, int64_t pid, struct fs_pidx *p,
		      struct fs_pidx **old)
{
	struct pslot *s = pslot(v->cache, pid);

	*old = s->p;
	s->p = p;
	s->gen = v->gen;
}

struct fs_pidx *fs_view_get_pidx(struct fs_view *v, int64_t pid)
{
	return pslot(v->cache, pid)->p;
}

static int load_projects(struct fs_view *v)
{
	struct fs_cache *c = v->cache;
	int rc;

	if (c->pnames_gen == v->gen)
		return 0;
	strv_clear(&c->pnames);
	free(c->pids);
	c->pids = NULL;
	c->pnames_gen = 0;
	rc = store_view_projects(v->st, &c->pnames);
	if (!rc)
		c->pids = xcalloc(c->pnames.n + 1, sizeof(*c->pids));
	for (size_t i = 0; !rc && i < c->pnames.n; i++)
		rc = store_view_project_id(v->st, c->pnames.v[i], &c->pids[i]);
	if (rc) {
		strv_clear(&c->pnames);
		return rc;
	}
	c->pnames_gen = v->gen;
	return 0;
}

int fs_cache_project(struct fs_view *v, const char *name, int64_t *pid)
{
	struct fs_cache *c = v->cache;
	int rc = load_projects(v);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->pnames.n; i++)
		if (!strcmp(c->pnames.v[i], name)) {
			*pid = c->pids[i];
			return 0;
		}
	return -ENOENT;
}

int fs_cache_project_name(struct fs_view *v, int64_t pid, const char **name)
{
	struct fs_cache *c = v->cache;
	int rc = load_projects(v);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->pnames.n; i++)
		if (c->pids[i] == pid) {
			*name = c->pnames.v[i];
			return 0;
		}
	return -ENOENT;
}

int fs_cache_xpid(struct fs_view *v, int64_t xid, int64_t *pid)
{
	struct fs_cache *c = v->cache;
	size_t lo = 0, hi;

	if (c->owners_gen != v->gen) {
		free(c->owners);
		c->owners = NULL;
		c->owners_gen = 0;
		if (store_view_owners(v->st, &c->owners, &c->nowners))
			return -EIO;
		c->owners_gen = v->gen;
	}
	hi = c->nowners;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int64_t id = c->owners[2 * mid];

		if (id == xid) {
			*pid = c->owners[2 * mid + 1];
			return 0;
		}
		if (id < xid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

int fs_cache_projects(struct fs_view *v, const struct strv **names)
{
	int rc = load_projects(v);

	*names = &v->cache->pnames;
	return rc;
}

int fs_cache_xsizes(struct fs_view *v, struct fs_pidx *p, uint32_t xi,
		    const uint32_t **sizes)
{
	uint32_t *sz = &p->xsize[(size_t)xi * FSX_N];
	const struct buf *b;
	int64_t mtime;
	int rc = 0;

	if (sz[0] == FS_SIZE_UNKNOWN) {
		for (int k = 0; !rc && k < FSX_N; k++) {
			rc = fs_cache_xfile(v, p, xi, p->x.v[xi].id, k, &b,
					    &mtime);
			sz[k] = rc ? FS_SIZE_UNKNOWN : (uint32_t)b->len;
		}
		if (rc) {
			sz[0] = FS_SIZE_UNKNOWN;
			return rc;
		}
	}
	*sizes = sz;
	return 0;
}

int fs_cache_ptime(struct fs_view *v, int64_t pid, int64_t *t)
{
	struct tslot *s = &v->cache->t[(uint64_t)pid % NT];
	int rc;

	if (s->valid && s->pid == pid && s->gen == v->gen) {
		*t = s->t;
		return 0;
	}
	rc = store_view_project_time(v->st, pid, t);
	if (rc)
		return rc;
	s->pid = pid;
	s->t = *t;
	s->gen = v->gen;
	s->valid = 1;
	return 0;
}

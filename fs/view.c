/* view.c: paths of the tree -> what they name (resolve), and the three
 * questions asked of a name: stat, list, read (or readlink).  Every name is
 * checked against the store, so a name that cannot exist answers ENOENT.
 * Under projects/P everything is answered from the project's index
 * (fs_pidx: binary searches, no query); content comes from content.c
 * through the caches in cache.c. */
#include "common.h"
#include "view.h"
#include "content.h"
#include "name.h"
#include "store_view.h"
#include "view_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 4096

/* What a path resolves to. */
struct loc {
	enum fs_what what;
	enum fs_kind kind;
	char *copy;             /* the path, split in place */
	const char **c;         /* its components */
	size_t n;
	int64_t pid;            /* project id (under projects/P) */
	const char *project;    /* its name (points into copy) */
	struct fs_pidx *p;      /* its index */
	const struct fs_tree *t;/* rooms, conversations or files: the tree */
	uint32_t di;            /* ... and the directory in it */
	size_t depth;           /* of that directory below the tree's top */
	int64_t xid;            /* exchange (XDIR, XFILE, LINK) */
	uint32_t xi;            /* its index in p->x */
	int xfile;              /* XFILE: enum fs_xfile */
	int64_t mtime;
	const char *qname;      /* QUERY: the file name */
	const char *qscope;     /* QUERY: project scope or NULL */
};

static void loc_release(struct loc *l)
{
	free(l->copy);
	free(l->c);
}

static int split(const char *path, struct loc *l)
{
	size_t cap = 0;
	char *p;

	l->copy = xstrdup(path);
	for (p = l->copy; *p;) {
		size_t n = strcspn(p, "/");

		if (n) {
			if (l->n == MAX_PARTS)
				return -ENAMETOOLONG;
			XGROW(l->c, cap, l->n + 1);
			l->c[l->n++] = p;
		}
		p += n;
		if (*p)
			*p++ = 0;
	}
	return 0;
}

static int cmp_id(const void *key, const void *row)
{
	int64_t k = *(const int64_t *)key, id = ((const struct fs_xent *)row)->id;

	return k < id ? -1 : k > id;
}

/* The exchange called name ("000042-slug") in p: its index. */
static int find_exchange(const struct fs_pidx *p, const char *name,
			 uint32_t *xi)
{
	const struct fs_xent *r = NULL;
	char *end;
	long long id;

	if (!isdigit((unsigned char)*name))
		return -ENOENT;
	id = strtoll(name, &end, 10);
	if (*end != '-' || id <= 0)
		return -ENOENT;
	if (p->x.n)
		r = bsearch(&(int64_t){ id }, p->x.v, p->x.n, sizeof(*p->x.v),
			    cmp_id);
	if (!r || strcmp(r->slug, end + 1))
		return -ENOENT;
	*xi = (uint32_t)(r - p->x.v);
	return 0;
}

static void set_exchange(struct loc *l, uint32_t xi)
{
	l->xi = xi;
	l->xid = l->p->x.v[xi].id;
	l->mtime = l->p->x.v[xi].mtime;
}

/* The directory kinds of the three trees, by depth. */
static enum fs_what tree_what(const struct fs_pidx *p, const struct fs_tree *t,
			      size_t depth)
{
	if (t == &p->rooms)
		return depth == 0 ? FSW_ROOMS : depth == 1 ? FSW_ROOM_TYPE :
			FSW_ROOM;
	if (t == &p->convs)
		return depth == 0 ? FSW_CONVS : FSW_CONV;
	return FSW_FILES_DIR;
}

/* Below projects/P/rooms, conversations or files: directories, then
 * maybe one link. */
static int resolve_tree(struct loc *l, const struct fs_tree *t)
{
	uint32_t di = 0, xi;
	size_t i;

	l->t = t;
	for (i = 3; i < l->n; i++) {
		if (fs_tree_sub(t, di, l->c[i], &di))
			break;
	}
	l->di = di;
	l->depth = i - 3;
	l->what = tree_what(l->p, t, l->depth);
	if (i == l->n)
		return 0;
	if (i + 1 != l->n || find_exchange(l->p, l->c[i], &xi) ||
	    fs_tree_link(t, di, xi))
		return -ENOENT;
	l->what = FSW_LINK;
	l->kind = FS_LNK;
	set_exchange(l, xi);
	return 0;
}

static int resolve_exchanges(struct loc *l)
{
	uint32_t xi;

	l->what = FSW_EXCHANGES;
	if (l->n == 3)
		return 0;
	if (l->n > 5 || find_exchange(l->p, l->c[3], &xi))
		return -ENOENT;
	set_exchange(l, xi);
	l->what = FSW_XDIR;
	if (l->n == 5) {
		l->xfile = fs_xfile_index(l->c[4]);
		if (l->xfile < 0)
			return -ENOENT;
		l->what = FSW_XFILE;
		l->kind = FS_REG;
	}
	return 0;
}

static int resolve_project(struct fs_view *v, struct loc *l)
{
	const char *sub;
	int rc;

	l->project = l->c[1];
	if (v->only_project && strcmp(l->project, v->only_project))
		return -ENOENT;
	rc = fs_cache_project(v, l->project, &l->pid);
	if (!rc)
		rc = fs_cache_pidx(v, l->pid, &l->p);
	if (rc)
		return rc;
	l->what = FSW_PROJECT;
	/* a project's directories carry its latest exchange time */
	l->mtime = l->p->mtime;
	if (l->n == 2)
		return 0;
	sub = l->c[2];
	if (!strcmp(sub, "MEMORY.md") && l->n == 3) {
		l->what = FSW_MEMORY;
		l->kind = FS_REG;
		return 0;
	}
	if (!strcmp(sub, "query") && v->live && l->n <= 4) {
		l->what = l->n == 3 ? FSW_QUERY_DIR : FSW_QUERY;
		l->kind = l->n == 3 ? FS_DIR : FS_REG;
		l->qname = l->n == 4 ? l->c[3] : NULL;
		l->qscope = l->project;
		return 0;
	}
	if (!strcmp(sub, "exchanges"))
		return resolve_exchanges(l);
	if (!strcmp(sub, "rooms"))
		return resolve_tree(l, &l->p->rooms);
	if (!strcmp(sub, "conversations"))
		return resolve_tree(l, &l->p->convs);
	if (!strcmp(sub, "files"))
		return resolve_tree(l, &l->p->files);
	return -ENOENT;
}

static int resolve(struct fs_view *v, const char *path, struct loc *l)
{
	const char *top;
	int rc;

	memset(l, 0, sizeof(*l));
	l->kind = FS_DIR;
	rc = split(path, l);
	if (rc)
		return rc;
	/* the top directories carry the latest exchange time of all, so an
	 * export and a mount of the same memory agree */
	if (fs_cache_ptime(v, 0, &l->mtime))
		l->mtime = v->t0;
	if (l->n == 0) {
		l->what = FSW_ROOT;
		return 0;
	}
	top = l->c[0];
	if (l->n == 1 && !strcmp(top, "README.md")) {
		l->what = FSW_README;
		l->kind = FS_REG;
		return 0;
	}
	if (v->live && l->n == 1 && !strcmp(top, "status")) {
		l->what = FSW_STATUS;
		l->kind = FS_REG;
		return 0;
	}
	if (v->live && !strcmp(top, "query") && l->n <= 2) {
		l->what = l->n == 1 ? FSW_QUERY_DIR : FSW_QUERY;
		l->kind = l->n == 1 ? FS_DIR : FS_REG;
		l->qname = l->n == 2 ? l->c[1] : NULL;
		l->qscope = v->only_project;
		return 0;
	}
	if (!strcmp(top, "projects")) {
		l->what = FSW_PROJECTS;
		return l->n == 1 ? 0 : resolve_project(v, l);
	}
	return -ENOENT;
}

/* Length of the target of a link to exchange xi from a directory depth
 * levels below projects/P/X/, and the target itself when b is not NULL:
 * "../" per level up to P, then exchanges/NAME. */
static size_t link_target(const struct fs_pidx *p, uint32_t xi,
			  size_t depth, struct buf *b)
{
	const struct fs_xent *r = &p->x.v[xi];
	char id[32];
	int n = snprintf(id, sizeof(id), "%06lld", (long long)r->id);

	if (b) {
		for (size_t i = 0; i <= depth; i++)
			buf_adds(b, "../");
		buf_addf(b, "exchanges/%s-%s", id, r->slug);
	}
	return 3 * (depth + 1) + strlen("exchanges/") + (size_t)n + 1 +
		strlen(r->slug);
}

/* The content of a regular file, from the caches (not owned). */
static int content(struct fs_view *v, const struct loc *l,
		   const struct buf **b, int64_t *mtime)
{
	switch (l->what) {
	case FSW_XFILE:
		return fs_cache_xfile(v, l->p, l->xi, l->xid, l->xfile, b,
				      mtime);
	case FSW_README: case FSW_STATUS: case FSW_MEMORY: case FSW_QUERY:
		return fs_cache_generated(v, l->what, l->pid, l->project,
					  l->qname, l->qscope, b, mtime);
	default:
		return -EISDIR;
	}
}

static int fill_node(struct fs_view *v, struct loc *l, struct fs_node *n)
{
	const struct buf *b;
	const uint32_t *sz;
	int rc = 0;

	memset(n, 0, sizeof(*n));
	n->kind = l->kind;
	n->what = l->what;
	n->mtime = l->mtime;
	n->xid = l->xid;
	n->pid = l->pid;
	if (l->kind == FS_LNK) {
		n->size = link_target(l->p, l->xi, l->depth, NULL);
		n->stable = 1;
	} else if (l->what == FSW_XFILE) {
		rc = fs_cache_xsizes(v, l->p, l->xi, &sz);
		if (!rc)
			n->size = sz[l->xfile];
		n->stable = 1;
	} else if (l->kind == FS_REG) {
		rc = content(v, l, &b, &n->mtime);
		if (!rc)
			n->size = b->len;
	} else {
		n->stable = l->what == FSW_XDIR;
	}
	return rc;
}

int fs_view_stat(struct fs_view *v, const char *path, struct fs_node *n)
{
	struct loc l;
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = fill_node(v, &l, n);
	loc_release(&l);
	return rc;
}

int fs_view_read(struct fs_view *v, const char *path, struct buf *out,
		 struct fs_node *n)
{
	struct loc l;
	struct fs_node tmp;
	const struct buf *b;
	int rc = resolve(v, path, &l);

	if (!rc && l.kind != FS_REG)
		rc = l.kind == FS_DIR ? -EISDIR : -EINVAL;
	if (!rc)
		rc = fill_node(v, &l, n ? n : &tmp);
	if (!rc)
		rc = content(v, &l, &b, &tmp.mtime);
	if (!rc)
		rc = buf_add(out, buf_str(b), b->len);
	loc_release(&l);
	return rc;
}

int fs_view_xfile(struct fs_view *v, int64_t pid, int64_t xid, int xfile,
		  size_t off, char *buf, size_t size, size_t *got)
{
	const struct fs_xent *r = NULL;
	const struct buf *b;
	struct fs_pidx *p = NULL;
	int64_t mtime;
	int rc;

	if (pid > 0 && !fs_cache_pidx(v, pid, &p) && p->x.n)
		r = bsearch(&xid, p->x.v, p->x.n, sizeof(*p->x.v), cmp_id);
	rc = fs_cache_xfile(v, r ? p : NULL, r ? (uint32_t)(r - p->x.v) : 0,
			    xid, xfile, &b, &mtime);

	*got = 0;
	if (rc)
		return rc;
	if (off < b->len) {
		*got = b->len - off < size ? b->len - off : size;
		memcpy(buf, b->p + off, *got);
	}
	return 0;
}

int fs_view_readlink(struct fs_view *v, const char *path, struct buf *out)
{
	struct loc l;
	int rc = resolve(v, path, &l);

	if (!rc && l.kind != FS_LNK)
		rc = -EINVAL;
	if (!rc)
		link_target(l.p, l.xi, l.depth, out);
	loc_release(&l);
	return rc;
}

/* ---- listing ---- */

/* A listing in progress: entries before skip are counted, not shown. */
struct lister {
	struct fs_view *v;
	struct loc *l;
	size_t skip, at;
	fs_node_fn fn;
	void *ctx;
	struct buf name;
};

/* Entry number l->at: shown when past skip. */
static int emit(struct lister *ls, const char *name, const struct fs_node *n)
{
	if (ls->at++ < ls->skip)
		return 0;
	return ls->fn(ls->ctx, name, n);
}

/* A directory or a file whose attributes are left to a lookup. */
static int emit_kind(struct lister *ls, const char *name, enum fs_kind kind,
		     enum fs_what what)
{
	struct fs_node n;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.what = what;
	n.mtime = ls->l->mtime;
	n.attr = kind == FS_DIR && what != FSW_ROOT;   /* inbox: its own */
	return emit(ls, name, &n);
}

static int list_root(struct lister *ls)
{
	int live = ls->v->live, rc = emit_kind(ls, "README.md", FS_REG,
					       FSW_README);

	if (!rc && live)
		rc = emit_kind(ls, "status", FS_REG, FSW_STATUS);
	if (!rc && ls->v->inbox)
		rc = emit_kind(ls, "inbox", FS_DIR, FSW_ROOT);
	if (!rc && live)
		rc = emit_kind(ls, "query", FS_DIR, FSW_QUERY_DIR);
	return rc ? rc : emit_kind(ls, "projects", FS_DIR, FSW_PROJECTS);
}

static int list_projects(struct lister *ls)
{
	const struct strv *sv;
	struct fs_node n;
	int64_t pid;
	int rc = fs_cache_projects(ls->v, &sv);

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.what = FSW_PROJECT;
	for (size_t i = 0; !rc && i < sv->n; i++) {
		const char *name = sv->v[i];

		if (ls->v->only_project && strcmp(name, ls->v->only_project))
			continue;
		n.attr = ls->at >= ls->skip &&
			!fs_cache_project(ls->v, name, &pid) &&
			!fs_cache_ptime(ls->v, pid, &n.mtime);
		rc = emit(ls, name, &n);
	}
	return rc;
}

static int list_project(struct lister *ls)
{
	int rc = emit_kind(ls, "MEMORY.md", FS_REG, FSW_MEMORY);

	if (!rc && ls->v->live)
		rc = emit_kind(ls, "query", FS_DIR, FSW_QUERY_DIR);
	if (!rc)
		rc = emit_kind(ls, "exchanges", FS_DIR, FSW_EXCHANGES);
	if (!rc)
		rc = emit_kind(ls, "rooms", FS_DIR, FSW_ROOMS);
	if (!rc)
		rc = emit_kind(ls, "conversations", FS_DIR, FSW_CONVS);
	return rc ? rc : emit_kind(ls, "files", FS_DIR, FSW_FILES_DIR);
}

static int list_xdir(struct lister *ls)
{
	const uint32_t *sz = NULL;
	struct fs_node n;
	int rc = 0;

	if (ls->skip < FSX_N)
		rc = fs_cache_xsizes(ls->v, ls->l->p, ls->l->xi, &sz);
	memset(&n, 0, sizeof(n));
	n.kind = FS_REG;
	n.what = FSW_XFILE;
	n.mtime = ls->l->mtime;
	n.xid = ls->l->xid;
	n.stable = 1;
	n.attr = !rc;
	for (int i = 0; !rc && i < FSX_N; i++) {
		n.size = sz ? sz[i] : 0;
		rc = emit(ls, fs_xfile_names[i], &n);
	}
	return rc;
}

static const char *xname(struct lister *ls, uint32_t xi)
{
	const struct fs_xent *r = &ls->l->p->x.v[xi];

	buf_reset(&ls->name);
	store_exchange_name(r->id, r->slug, &ls->name);
	return buf_str(&ls->name);
}

/* exchanges/: one directory per exchange, from entry skip on. */
static int list_exchanges(struct lister *ls)
{
	const struct fs_pidx *p = ls->l->p;
	struct fs_node n;
	int rc = 0;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.what = FSW_XDIR;
	n.stable = 1;
	n.attr = 1;
	ls->at = ls->skip;
	for (size_t i = ls->skip; !rc && i < p->x.n; i++) {
		n.mtime = p->x.v[i].mtime;
		n.xid = p->x.v[i].id;
		rc = emit(ls, xname(ls, (uint32_t)i), &n);
	}
	return rc;
}

/* A directory of a tree: its subdirectories, then its links (a link
 * whose name is also a subdirectory's stays hidden). */
static int list_tree(struct lister *ls)
{
	const struct fs_tree *t = ls->l->t;
	const struct fs_tdir *d = &t->d[ls->l->di];
	struct fs_node n;
	uint32_t sub;
	int rc = 0;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.what = tree_what(ls->l->p, t, ls->l->depth + 1);
	n.mtime = ls->l->mtime;
	n.attr = 1;
	ls->at = ls->skip < d->nsub ? ls->skip : d->nsub;
	for (size_t i = ls->at; !rc && i < d->nsub; i++)
		rc = emit(ls, t->d[d->sub + i].name, &n);
	n.kind = FS_LNK;
	n.what = FSW_LINK;
	n.stable = 1;
	for (size_t i = 0; !rc && i < d->nlink; i++) {
		uint32_t xi = t->links[d->link + i];
		const char *name;

		if (ls->at < ls->skip && !d->nsub) {
			/* nothing can hide a link: jump to the first shown */
			size_t jump = ls->skip - ls->at;

			if (jump > d->nlink - i)
				jump = d->nlink - i;
			i += jump - 1;
			ls->at += jump;
			continue;
		}
		name = xname(ls, xi);
		if (d->nsub && !fs_tree_sub(t, ls->l->di, name, &sub))
			continue;
		n.size = link_target(ls->l->p, xi, ls->l->depth, NULL);
		n.mtime = ls->l->p->x.v[xi].mtime;
		n.xid = ls->l->p->x.v[xi].id;
		rc = emit(ls, name, &n);
	}
	return rc;
}

static int list_loc(struct lister *ls)
{
	switch (ls->l->what) {
	case FSW_ROOT:
		return list_root(ls);
	case FSW_QUERY_DIR:
		return 0;
	case FSW_PROJECTS:
		return list_projects(ls);
	case FSW_PROJECT:
		return list_project(ls);
	case FSW_XDIR:
		return list_xdir(ls);
	case FSW_EXCHANGES:
		return list_exchanges(ls);
	case FSW_ROOMS: case FSW_ROOM_TYPE: case FSW_ROOM: case FSW_CONVS:
	case FSW_CONV: case FSW_FILES_DIR:
		return list_tree(ls);
	default:
		return -ENOTDIR;
	}
}

int fs_view_list_from(struct fs_view *v, const char *path, size_t skip,
		      fs_node_fn fn, void *ctx)
{
	struct loc l;
	struct lister ls = { v, &l, skip, 0, fn, ctx,
			     BUF_INIT(BUF_MAX_SMALL) };
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = l.kind == FS_DIR ? list_loc(&ls) : -ENOTDIR;
	buf_release(&ls.name);
	loc_release(&l);
	return rc;
}

struct kind_only {
	fs_list_fn fn;
	void *ctx;
};

static int kind_only(void *ctx, const char *name, const struct fs_node *n)
{
	struct kind_only *k = ctx;

	return k->fn(k->ctx, name, n->kind);
}

int fs_view_list(struct fs_view *v, const char *path, fs_list_fn fn,
		 void *ctx)
{
	struct kind_only k = { fn, ctx };

	return fs_view_list_from(v, path, 0, kind_only, &k);
}

int fs_view_forget(struct fs_view *v, const char *path)
{
	struct loc l;
	int rc = resolve(v, path, &l);

	if (!rc && l.what != FSW_XDIR)
		rc = l.kind == FS_DIR ? -EPERM : -ENOTDIR;
	if (!rc)
		rc = store_begin(v->st);
	if (!rc) {
		rc = store_delete_exchange(v->st, l.xid);
		if (!rc)
			rc = store_commit(v->st);
		if (rc)
			store_rollback(v->st);
	}
	if (!rc)
		v->gen++;
	loc_release(&l);
	return rc;
}

int fs_view_path_project(const char *path, struct buf *out)
{
	struct loc l;
	int rc;

	memset(&l, 0, sizeof(l));
	rc = split(path, &l);
	if (!rc)
		rc = l.n >= 2 && !strcmp(l.c[0], "projects") ?
			buf_adds(out, l.c[1]) : -ENOENT;
	loc_release(&l);
	return rc;
}

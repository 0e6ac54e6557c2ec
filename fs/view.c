/* view.c: names of the tree -> what they mean (struct fs_loc), reached one
 * step at a time from the root or decoded from an inode number; and the
 * questions asked of a name: node (stat), list, read, readlink.  Every name
 * is checked against the store, so a name that cannot exist answers
 * ENOENT.  Under projects/P everything is answered from the project's
 * index (fs_pidx: binary searches, no query); content comes from
 * content.c through the caches in cache.c.  Paths (the export) are walked
 * with the same steps. */
#include "common.h"
#include "view.h"
#include "content.h"
#include "ino.h"
#include "name.h"
#include "store_view.h"
#include "view_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4096

enum { T_ROOMS, T_CONVS, T_FILES };

void fs_loc_release(struct fs_loc *l)
{
	free(l->project);
	free(l->qname);
	l->project = NULL;
	l->qname = NULL;
}

static void loc_top_mtime(struct fs_view *v, struct fs_loc *l)
{
	/* the top directories carry the latest exchange time of all, so an
	 * export and a mount of the same memory agree */
	if (fs_cache_ptime(v, 0, &l->mtime))
		l->mtime = v->t0;
}

void fs_loc_root(struct fs_view *v, struct fs_loc *l)
{
	memset(l, 0, sizeof(*l));
	l->what = FSW_ROOT;
	l->kind = FS_DIR;
	loc_top_mtime(v, l);
}

static int cmp_id(const void *key, const void *row)
{
	int64_t k = *(const int64_t *)key, id = ((const struct fs_xent *)row)->id;

	return k < id ? -1 : k > id;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int hidden(const struct fs_view *v, int64_t xid)
{
	return v->nhidden && bsearch(&xid, v->hidden, v->nhidden,
				     sizeof(*v->hidden), cmp_i64);
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

static void set_exchange(struct fs_loc *l, uint32_t xi)
{
	l->xi = xi;
	l->xid = l->p->x.v[xi].id;
	l->mtime = l->p->x.v[xi].mtime;
}

static const struct fs_tree *loc_tree(const struct fs_loc *l)
{
	return fs_pidx_tree(l->p, l->tree);
}

/* The kind of directory d of tree w at depth. */
static enum fs_what tree_what(uint32_t w, uint32_t depth)
{
	if (w == T_ROOMS)
		return depth == 0 ? FSW_ROOMS : depth == 1 ? FSW_ROOM_TYPE :
			FSW_ROOM;
	if (w == T_CONVS)
		return depth == 0 ? FSW_CONVS : FSW_CONV;
	return FSW_FILES_DIR;
}

static void set_tree_dir(struct fs_loc *l, uint32_t w, uint32_t di)
{
	const struct fs_tdir *d = &fs_pidx_tree(l->p, w)->d[di];

	l->tree = w;
	l->di = di;
	l->depth = d->depth;
	l->what = tree_what(w, d->depth);
	l->kind = FS_DIR;
	l->mtime = d->mtime;
}

/* ---- steps ---- */

static int step_root(struct fs_view *v, struct fs_loc *l, const char *name)
{
	if (!strcmp(name, "README.md")) {
		l->what = FSW_README;
		l->kind = FS_REG;
	} else if (v->live && !strcmp(name, "status")) {
		l->what = FSW_STATUS;
		l->kind = FS_REG;
	} else if (v->live && (!strcmp(name, "query") ||
			       !strcmp(name, "query.json"))) {
		l->what = FSW_QUERY_DIR;
		l->json = name[5] != 0;
		l->qscope = v->only_project;
	} else if (!strcmp(name, "projects")) {
		l->what = FSW_PROJECTS;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int step_query(struct fs_loc *l, const char *name)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	/* .gitignore, .git, ...: tools probing for ignore files never run a
	 * query (and no query starts with '.') */
	if (name[0] == '.')
		return -ENOENT;
	if (fs_name_decode(name, &b)) {
		buf_release(&b);
		return -ENAMETOOLONG;
	}
	l->qname = buf_detach(&b);
	l->what = FSW_QUERY;
	l->kind = FS_REG;
	return 0;
}

static int step_projects(struct fs_view *v, struct fs_loc *l,
			 const char *name)
{
	int64_t pid;
	struct fs_pidx *p;
	int rc;

	if (v->only_project && strcmp(name, v->only_project))
		return -ENOENT;
	rc = fs_cache_project(v, name, &pid);
	if (!rc)
		rc = fs_cache_pidx(v, pid, &p);
	if (rc)
		return rc;
	if (!fs_ino_proj(FSP_DIR, pid))
		return -EOVERFLOW;
	l->pid = pid;
	l->project = xstrdup(name);
	l->p = p;
	l->what = FSW_PROJECT;
	/* a project's directories carry its latest exchange time */
	l->mtime = p->mtime;
	return 0;
}

static int step_project(struct fs_view *v, struct fs_loc *l,
			const char *name)
{
	static const char *const trees[] = { "rooms", "conversations",
					     "files" };

	if (!strcmp(name, "MEMORY.md")) {
		l->what = FSW_MEMORY;
		l->kind = FS_REG;
		return 0;
	}
	if (v->live && (!strcmp(name, "query") ||
			!strcmp(name, "query.json"))) {
		l->what = FSW_QUERY_DIR;
		l->json = name[5] != 0;
		l->qscope = l->project;
		return 0;
	}
	if (!strcmp(name, "exchanges")) {
		l->what = FSW_EXCHANGES;
		return 0;
	}
	for (uint32_t w = 0; w < 3; w++)
		if (!strcmp(name, trees[w])) {
			set_tree_dir(l, w, 0);
			return 0;
		}
	return -ENOENT;
}

static int step_exchanges(struct fs_view *v, struct fs_loc *l,
			  const char *name)
{
	uint32_t xi;

	if (find_exchange(l->p, name, &xi) || hidden(v, l->p->x.v[xi].id))
		return -ENOENT;
	set_exchange(l, xi);
	if (!fs_ino_xfile(l->xid, 0))
		return -EOVERFLOW;
	l->what = FSW_XDIR;
	return 0;
}

static int step_xdir(struct fs_loc *l, const char *name)
{
	int f = fs_xfile_index(name);

	if (f < 0)
		return -ENOENT;
	l->xfile = f;
	l->what = FSW_XFILE;
	l->kind = FS_REG;
	return 0;
}

/* In a tree directory: a subdirectory, else a link (a link whose name is
 * also a subdirectory's stays hidden). */
static int step_tree(struct fs_loc *l, const char *name)
{
	const struct fs_tree *t = loc_tree(l);
	uint32_t di, xi;

	if (!fs_tree_sub(t, l->di, name, &di)) {
		if (t->d[di].depth >= MAX_DEPTH)
			return -ENAMETOOLONG;
		set_tree_dir(l, l->tree, di);
		return 0;
	}
	if (find_exchange(l->p, name, &xi) || fs_tree_link(t, l->di, xi))
		return -ENOENT;
	if (!fs_ino_link(l->p->x.v[xi].id, l->depth))
		return -EOVERFLOW;
	set_exchange(l, xi);
	l->what = FSW_LINK;
	l->kind = FS_LNK;
	return 0;
}

int fs_loc_step(struct fs_view *v, struct fs_loc *l, const char *name)
{
	struct fs_loc c = *l;
	int rc;

	if (!*name || strchr(name, '/'))
		return -ENOENT;
	if (l->kind != FS_DIR)
		return -ENOTDIR;
	/* the child owns copies of the strings it keeps */
	c.project = l->project ? xstrdup(l->project) : NULL;
	c.qname = NULL;
	if (c.qscope && c.qscope == l->project)
		c.qscope = c.project;
	switch (l->what) {
	case FSW_ROOT:
		rc = step_root(v, &c, name);
		break;
	case FSW_QUERY_DIR:
		rc = step_query(&c, name);
		break;
	case FSW_PROJECTS:
		rc = step_projects(v, &c, name);
		break;
	case FSW_PROJECT:
		rc = step_project(v, &c, name);
		break;
	case FSW_EXCHANGES:
		rc = step_exchanges(v, &c, name);
		break;
	case FSW_XDIR:
		rc = step_xdir(&c, name);
		break;
	case FSW_ROOMS: case FSW_ROOM_TYPE: case FSW_ROOM: case FSW_CONVS:
	case FSW_CONV: case FSW_FILES_DIR:
		rc = step_tree(&c, name);
		break;
	default:
		rc = -ENOENT;
	}
	if (rc) {
		fs_loc_release(&c);
		return rc;
	}
	fs_loc_release(l);
	*l = c;
	return 0;
}

/* ---- inode numbers ---- */

/* projects/P of project id pid. */
static int loc_project(struct fs_view *v, int64_t pid, struct fs_loc *l)
{
	const char *name;
	int rc = fs_cache_project_name(v, pid, &name);

	fs_loc_root(v, l);
	l->what = FSW_PROJECTS;
	if (rc)
		return rc;
	return fs_loc_step(v, l, name);
}

static int loc_proj_sub(struct fs_view *v, int sub, struct fs_loc *l)
{
	static const char *const names[] = { NULL, "query", "query.json",
		"exchanges", "rooms", "conversations", "files" };

	return sub == FSP_DIR ? 0 : fs_loc_step(v, l, names[sub]);
}

/* Exchange xid (its directory; links to a hidden one still resolve). */
static int loc_exchange(struct fs_view *v, int64_t xid, int link,
			struct fs_loc *l)
{
	int64_t pid;
	long xi;
	int rc = fs_cache_xpid(v, xid, &pid);

	if (!rc)
		rc = loc_project(v, pid, l);
	if (rc)
		return rc;
	xi = fs_pidx_xindex(l->p, xid);
	if (xi < 0 || (!link && hidden(v, xid)))
		return -ENOENT;
	l->what = FSW_XDIR;
	set_exchange(l, (uint32_t)xi);
	return 0;
}

static int loc_tdir(struct fs_view *v, const struct fs_ino *i,
		    struct fs_loc *l)
{
	uint32_t w, di;
	int rc = loc_project(v, i->pid, l);

	if (!rc)
		rc = fs_pidx_dir(l->p, i->hash, &w, &di);
	if (!rc)
		set_tree_dir(l, w, di);
	return rc;
}

static int loc_fixed(struct fs_view *v, int which, struct fs_loc *l)
{
	static const char *const names[] = { NULL, NULL, "README.md", NULL,
		"query", "projects", "query.json" };

	fs_loc_root(v, l);
	if (which == FSI_ROOT)
		return 0;
	if (which == FSI_INBOX) {
		if (!v->live)
			return -ENOENT;
		l->what = FSW_INBOX;
		return 0;
	}
	return fs_loc_step(v, l, names[which]);
}

int fs_loc_ino(struct fs_view *v, uint64_t ino, struct fs_loc *l)
{
	struct fs_ino i;
	int rc = fs_ino_decode(ino, &i);

	memset(l, 0, sizeof(*l));
	if (rc)
		return rc;
	switch (i.cls) {
	case FSI_FIXED:
		rc = loc_fixed(v, i.sub, l);
		break;
	case FSI_PROJ:
		rc = loc_project(v, i.pid, l);
		if (!rc)
			rc = loc_proj_sub(v, i.sub, l);
		break;
	case FSI_XDIR:
		rc = loc_exchange(v, i.xid, 0, l);
		break;
	case FSI_XFILE:
		rc = i.sub < FSX_N ? loc_exchange(v, i.xid, 0, l) : -ENOENT;
		if (!rc)
			rc = step_xdir(l, fs_xfile_names[i.sub]);
		break;
	case FSI_LINK:
		rc = loc_exchange(v, i.xid, 1, l);
		if (!rc) {
			l->what = FSW_LINK;
			l->kind = FS_LNK;
			l->depth = i.depth;
		}
		break;
	case FSI_TDIR:
		rc = loc_tdir(v, &i, l);
		break;
	default:
		rc = -ESTALE;
	}
	if (rc)
		fs_loc_release(l);
	return rc;
}

/* The inode number of l (0: the mount numbers it). */
static uint64_t loc_ino(const struct fs_loc *l)
{
	static const int proj_sub[] = {
		[FSW_PROJECT] = FSP_DIR, [FSW_EXCHANGES] = FSP_EXCHANGES,
		[FSW_ROOMS] = FSP_ROOMS, [FSW_CONVS] = FSP_CONVS,
		[FSW_FILES_DIR] = FSP_FILES,
	};

	switch (l->what) {
	case FSW_ROOT: return FSI_ROOT;
	case FSW_README: return FSI_README;
	case FSW_PROJECTS: return FSI_PROJECTS;
	case FSW_INBOX: return FSI_INBOX;
	case FSW_QUERY_DIR:
		if (l->pid)
			return fs_ino_proj(l->json ? FSP_QUERYJ : FSP_QUERY,
					   l->pid);
		return l->json ? FSI_QUERYJ : FSI_QUERY;
	case FSW_PROJECT: case FSW_EXCHANGES:
		return fs_ino_proj(proj_sub[l->what], l->pid);
	case FSW_XDIR: return fs_ino_xdir(l->xid);
	case FSW_XFILE: return fs_ino_xfile(l->xid, l->xfile);
	case FSW_LINK: return fs_ino_link(l->xid, l->depth);
	case FSW_ROOMS: case FSW_ROOM_TYPE: case FSW_ROOM: case FSW_CONVS:
	case FSW_CONV: case FSW_FILES_DIR:
		if (l->di == 0)
			return fs_ino_proj(l->tree == T_ROOMS ? FSP_ROOMS :
					   l->tree == T_CONVS ? FSP_CONVS :
					   FSP_FILES, l->pid);
		return fs_ino_tdir(l->pid, loc_tree(l)->d[l->di].ih);
	default:
		return 0;
	}
}

/* ---- questions ---- */

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
static int content(struct fs_view *v, const struct fs_loc *l,
		   const struct buf **b, int64_t *mtime)
{
	switch (l->what) {
	case FSW_XFILE:
		return fs_cache_xfile(v, l->p, l->xi, l->xid, l->xfile, b,
				      mtime);
	case FSW_README: case FSW_STATUS: case FSW_MEMORY: case FSW_QUERY:
		return fs_cache_generated(v, l->what, l->pid, l->project,
					  l->qname, l->qscope, l->json, b,
					  mtime);
	default:
		return -EISDIR;
	}
}

int fs_loc_node(struct fs_view *v, const struct fs_loc *l, int sized,
		struct fs_node *n)
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
	n->ino = loc_ino(l);
	n->attr = 1;
	if (l->kind == FS_LNK) {
		n->size = link_target(l->p, l->xi, l->depth, NULL);
		n->stable = 1;
	} else if (l->what == FSW_XFILE) {
		rc = fs_cache_xsizes(v, l->p, l->xi, &sz);
		if (!rc)
			n->size = sz[l->xfile];
		n->stable = 1;
	} else if (l->kind == FS_REG && (sized || l->what == FSW_README)) {
		rc = content(v, l, &b, &n->mtime);
		if (!rc)
			n->size = b->len;
		n->stable = l->what == FSW_README;
	} else if (l->kind == FS_REG) {
		n->attr = 0;
	} else {
		n->stable = l->what == FSW_XDIR;
	}
	return rc;
}

int fs_loc_read(struct fs_view *v, const struct fs_loc *l, struct buf *out,
		int64_t *mtime)
{
	const struct buf *b;
	int64_t t;
	int rc = l->kind == FS_REG ? 0 : l->kind == FS_DIR ? -EISDIR : -EINVAL;

	if (!rc)
		rc = content(v, l, &b, mtime ? mtime : &t);
	return rc ? rc : buf_add(out, buf_str(b), b->len);
}

int fs_loc_readlink(struct fs_view *v, const struct fs_loc *l,
		    struct buf *out)
{
	(void)v;
	if (l->kind != FS_LNK)
		return -EINVAL;
	link_target(l->p, l->xi, l->depth, out);
	return 0;
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

/* ---- listing ---- */

/* A listing in progress: entries numbered below skip are not shown. */
struct lister {
	struct fs_view *v;
	const struct fs_loc *l;
	uint64_t skip, at;
	fs_node_fn fn;
	void *ctx;
	struct buf name;
};

/* Entry number ls->at (then the next number): shown when past skip. */
static int emit(struct lister *ls, const char *name, struct fs_node *n)
{
	n->idx = ls->at++;
	if (n->idx < ls->skip)
		return 0;
	return ls->fn(ls->ctx, name, n);
}

/* A fixed child of the directory being listed, through a step (so the
 * listing says what a lookup says). */
static int emit_child(struct lister *ls, const char *name)
{
	struct fs_loc c = *ls->l;
	struct fs_node n;
	int rc;

	if (ls->at < ls->skip) {
		ls->at++;
		return 0;
	}
	c.project = ls->l->project ? xstrdup(ls->l->project) : NULL;
	c.qname = NULL;
	rc = fs_loc_step(ls->v, &c, name);
	if (!rc)
		rc = fs_loc_node(ls->v, &c, 0, &n);
	fs_loc_release(&c);
	return rc ? rc : emit(ls, name, &n);
}

static int list_root(struct lister *ls)
{
	struct fs_node n;
	int live = ls->v->live, rc = emit_child(ls, "README.md");

	if (!rc && live)
		rc = emit_child(ls, "status");
	if (!rc && ls->v->inbox) {
		memset(&n, 0, sizeof(n));
		n.kind = FS_DIR;
		n.what = FSW_INBOX;
		rc = emit(ls, "inbox", &n);     /* its attributes: its own */
	}
	if (!rc && live)
		rc = emit_child(ls, "query");
	if (!rc && live)
		rc = emit_child(ls, "query.json");
	return rc ? rc : emit_child(ls, "projects");
}

static int list_projects(struct lister *ls)
{
	const struct strv *sv;
	int rc = fs_cache_projects(ls->v, &sv);

	for (size_t i = 0; !rc && i < sv->n; i++) {
		if (ls->v->only_project && strcmp(sv->v[i],
						  ls->v->only_project))
			continue;
		rc = emit_child(ls, sv->v[i]);
	}
	return rc;
}

static int list_project(struct lister *ls)
{
	int rc = emit_child(ls, "MEMORY.md");

	if (!rc && ls->v->live)
		rc = emit_child(ls, "query");
	if (!rc && ls->v->live)
		rc = emit_child(ls, "query.json");
	if (!rc)
		rc = emit_child(ls, "exchanges");
	if (!rc)
		rc = emit_child(ls, "rooms");
	if (!rc)
		rc = emit_child(ls, "conversations");
	return rc ? rc : emit_child(ls, "files");
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
	n.pid = ls->l->pid;
	n.stable = 1;
	n.attr = !rc;
	for (int i = 0; !rc && i < FSX_N; i++) {
		n.size = sz ? sz[i] : 0;
		n.ino = fs_ino_xfile(n.xid, i);
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

/* exchanges/: one directory per exchange; entry number = index. */
static int list_exchanges(struct lister *ls)
{
	const struct fs_pidx *p = ls->l->p;
	struct fs_node n;
	int rc = 0;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.what = FSW_XDIR;
	n.pid = ls->l->pid;
	n.stable = 1;
	n.attr = 1;
	ls->at = ls->skip;
	for (size_t i = ls->skip; !rc && i < p->x.n; i++) {
		n.mtime = p->x.v[i].mtime;
		n.xid = p->x.v[i].id;
		n.ino = fs_ino_xdir(n.xid);
		if (!n.ino || hidden(ls->v, n.xid)) {
			ls->at++;
			continue;
		}
		rc = emit(ls, xname(ls, (uint32_t)i), &n);
	}
	return rc;
}

/* A tree directory: its subdirectories, then its links (a link whose name
 * is also a subdirectory's stays hidden).  Entry numbers: subdirectories
 * from 0, links from nsub. */
static int list_tree(struct lister *ls)
{
	const struct fs_tree *t = loc_tree(ls->l);
	const struct fs_tdir *d = &t->d[ls->l->di];
	struct fs_node n;
	uint32_t sub;
	int rc = 0;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.pid = ls->l->pid;
	n.attr = 1;
	ls->at = ls->skip < d->nsub ? ls->skip : d->nsub;
	for (size_t i = ls->at; !rc && i < d->nsub; i++) {
		const struct fs_tdir *s = &t->d[d->sub + i];

		n.what = tree_what(ls->l->tree, s->depth);
		n.mtime = s->mtime;
		n.ino = fs_ino_tdir(ls->l->pid, s->ih);
		if (s->depth >= MAX_DEPTH || !n.ino) {
			ls->at++;
			continue;
		}
		rc = emit(ls, s->name, &n);
	}
	n.kind = FS_LNK;
	n.what = FSW_LINK;
	n.stable = 1;
	if (ls->skip > ls->at)
		ls->at = ls->skip;      /* links: number = nsub + position */
	for (size_t i = ls->at - d->nsub; !rc && i < d->nlink; i++) {
		uint32_t xi = t->links[d->link + i];
		const char *name = xname(ls, xi);

		n.xid = ls->l->p->x.v[xi].id;
		n.ino = fs_ino_link(n.xid, ls->l->depth);
		if ((d->nsub && !fs_tree_sub(t, ls->l->di, name, &sub)) ||
		    !n.ino) {
			ls->at++;
			continue;
		}
		n.size = link_target(ls->l->p, xi, ls->l->depth, NULL);
		n.mtime = ls->l->p->x.v[xi].mtime;
		rc = emit(ls, name, &n);
	}
	return rc;
}

int fs_loc_list(struct fs_view *v, const struct fs_loc *l, uint64_t skip,
		fs_node_fn fn, void *ctx)
{
	struct lister ls = { v, l, skip, 0, fn, ctx, BUF_INIT(BUF_MAX_SMALL) };
	int rc;

	if (l->kind != FS_DIR)
		return -ENOTDIR;
	switch (l->what) {
	case FSW_ROOT:
		rc = list_root(&ls);
		break;
	case FSW_QUERY_DIR: case FSW_INBOX:
		rc = 0;
		break;
	case FSW_PROJECTS:
		rc = list_projects(&ls);
		break;
	case FSW_PROJECT:
		rc = list_project(&ls);
		break;
	case FSW_XDIR:
		rc = list_xdir(&ls);
		break;
	case FSW_EXCHANGES:
		rc = list_exchanges(&ls);
		break;
	default:
		rc = list_tree(&ls);
	}
	buf_release(&ls.name);
	return rc;
}

/* ---- by path ---- */

static int resolve(struct fs_view *v, const char *path, struct fs_loc *l)
{
	struct buf part = BUF_INIT(BUF_MAX_SMALL);
	const char *p = path;
	size_t depth = 0;
	int rc = 0;

	fs_loc_root(v, l);
	while (!rc && *p) {
		size_t n = strcspn(p, "/");

		if (n) {
			buf_reset(&part);
			rc = ++depth > MAX_DEPTH ? -ENAMETOOLONG :
				buf_add(&part, p, n);
			if (!rc)
				rc = fs_loc_step(v, l, buf_str(&part));
		}
		p += n;
		if (*p)
			p++;
	}
	buf_release(&part);
	if (rc)
		fs_loc_release(l);
	return rc;
}

int fs_view_stat(struct fs_view *v, const char *path, struct fs_node *n)
{
	struct fs_loc l;
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = fs_loc_node(v, &l, 1, n);
	fs_loc_release(&l);
	return rc;
}

int fs_view_read(struct fs_view *v, const char *path, struct buf *out,
		 struct fs_node *n)
{
	struct fs_loc l;
	struct fs_node tmp;
	int rc = resolve(v, path, &l);

	if (!rc && l.kind != FS_REG)
		rc = l.kind == FS_DIR ? -EISDIR : -EINVAL;
	if (!rc)
		rc = fs_loc_node(v, &l, 1, n ? n : &tmp);
	if (!rc)
		rc = fs_loc_read(v, &l, out, NULL);
	fs_loc_release(&l);
	return rc;
}

int fs_view_readlink(struct fs_view *v, const char *path, struct buf *out)
{
	struct fs_loc l;
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = fs_loc_readlink(v, &l, out);
	fs_loc_release(&l);
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
	struct fs_loc l;
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = fs_loc_list(v, &l, 0, kind_only, &k);
	fs_loc_release(&l);
	return rc;
}

int fs_names_add(void *ctx, const char *name, enum fs_kind kind)
{
	struct fs_names *n = ctx;

	XGROW(n->kind, n->cap, n->names.n + 1);
	n->kind[n->names.n] = kind;
	strv_push(&n->names, name);
	return 0;
}

void fs_names_release(struct fs_names *n)
{
	strv_clear(&n->names);
	free(n->kind);
	memset(n, 0, sizeof(*n));
}

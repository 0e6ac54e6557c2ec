/* view.c: paths of the tree -> what they name (resolve), and the three
 * questions asked of a name: stat, list, read (or readlink).  Every name is
 * checked against the store, so a name that cannot exist answers ENOENT.
 * Content comes from content.c through the caches in cache.c. */
#include "common.h"
#include "view.h"
#include "content.h"
#include "name.h"
#include "store_view.h"
#include "view_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What a path resolves to. */
struct loc {
	enum fs_what what;
	enum fs_kind kind;
	struct strv c;          /* the path's components */
	int64_t pid;            /* project id (under projects/P) */
	const char *project;    /* its name (points into c) */
	int64_t xid;            /* exchange (XDIR, XFILE, LINK) */
	int xfile;              /* XFILE: enum fs_xfile */
	int64_t mtime;
	struct buf target;      /* LINK: the relative target */
	struct buf prefix;      /* FILES_DIR: encoded path below files/ */
	const char *qname;      /* QUERY: the file name */
	const char *qscope;     /* QUERY: project scope or NULL */
};

static void loc_release(struct loc *l)
{
	strv_clear(&l->c);
	buf_release(&l->target);
	buf_release(&l->prefix);
}

static void split(const char *path, struct strv *out)
{
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n)
			strv_push_owned(out, xstrndup(p, n));
		p += n;
		if (*p)
			p++;
	}
}

static int64_t xtime(const struct store_xrow *r)
{
	return r->t_end ? r->t_end : r->t_start;
}

/* "000042-slug" -> id and slug (pointing into name). */
static int parse_xname(const char *name, int64_t *id, const char **slug)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*name))
		return -ENOENT;
	v = strtoll(name, &end, 10);
	if (*end != '-' || v <= 0)
		return -ENOENT;
	*id = v;
	*slug = end + 1;
	return 0;
}

static int cmp_id(const void *key, const void *row)
{
	int64_t k = *(const int64_t *)key, id = ((const struct store_xrow *)row)->id;

	return k < id ? -1 : k > id;
}

/* An exchange named name in project pid; fills id and mtime. */
static int find_exchange(struct fs_view *v, int64_t pid, const char *name,
			 int64_t *id, int64_t *mtime)
{
	const struct fs_pidx *p;
	const struct store_xrow *r = NULL;
	const char *slug;
	int rc = parse_xname(name, id, &slug);

	if (!rc)
		rc = fs_cache_pidx(v, pid, &p);
	if (!rc && p->x.n)
		r = bsearch(id, p->x.v, p->x.n, sizeof(*p->x.v), cmp_id);
	if (!rc && (!r || strcmp(r->slug, slug)))
		rc = -ENOENT;
	if (!rc)
		*mtime = xtime(r);
	return rc;
}

/* Which field of a (room, exchange) or (conversation, exchange) row. */
enum field { F_TYPE, F_KEY, F_CONV };

static const char *field(const struct store_xrow *r, enum field f)
{
	return f == F_TYPE ? r->room_type : f == F_KEY ? r->room_key :
		r->conv_key;
}

/* Rows matching type (NULL: any) and, for rooms, key (NULL: any). */
static int row_in(const struct store_xrow *r, enum field f, const char *type,
		  const char *key)
{
	if (f == F_CONV)
		return !key || !strcmp(r->conv_key, key);
	return (!type || !strcmp(r->room_type, type)) &&
	       (!key || !strcmp(r->room_key, key));
}

/* The raw value of field f whose encoded name is name, among the rows of
 * type (rooms), or NULL. */
static const char *find_raw(const struct store_xrows *rows, enum field f,
			    const char *type, const char *name)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *hit = NULL, *last = NULL;

	for (size_t i = 0; !hit && i < rows->n; i++) {
		const char *raw = field(&rows->v[i], f);

		if (!row_in(&rows->v[i], f, f == F_KEY ? type : NULL, NULL) ||
		    (last && !strcmp(last, raw)))
			continue;
		last = raw;
		buf_reset(&b);
		if (!fs_name_encode(raw, &b) && !strcmp(buf_str(&b), name))
			hit = raw;
	}
	buf_release(&b);
	return hit;
}

/* The exchange called name among the rows of (type, key) or of conv key. */
static int rows_find(const struct store_xrows *rows, enum field f,
		     const char *type, const char *key, const char *name,
		     int64_t *id, int64_t *mtime)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	int rc = -ENOENT;

	for (size_t i = 0; rc && i < rows->n; i++) {
		const struct store_xrow *r = &rows->v[i];

		if (!row_in(r, f, type, key))
			continue;
		buf_reset(&b);
		store_exchange_name(r->id, r->slug, &b);
		if (!strcmp(buf_str(&b), name)) {
			*id = r->id;
			*mtime = xtime(r);
			rc = 0;
		}
	}
	buf_release(&b);
	return rc;
}

static void link_target(struct loc *l, size_t ups, const char *xname)
{
	for (size_t i = 0; i < ups; i++)
		buf_adds(&l->target, "../");
	buf_addf(&l->target, "exchanges/%s", xname);
}

static int resolve_rooms(struct fs_view *v, struct loc *l)
{
	const struct fs_pidx *p;
	const char *type, *key;
	int rc = fs_cache_pidx(v, l->pid, &p);

	l->what = FSW_ROOMS;
	if (rc || l->c.n == 3)
		return rc;
	l->what = FSW_ROOM_TYPE;
	type = find_raw(&p->rooms, F_TYPE, NULL, l->c.v[3]);
	if (!type)
		return -ENOENT;
	if (l->c.n == 4)
		return 0;
	key = find_raw(&p->rooms, F_KEY, type, l->c.v[4]);
	if (!key)
		return -ENOENT;
	l->what = FSW_ROOM;
	if (l->c.n == 5)
		return 0;
	l->what = FSW_LINK;
	l->kind = FS_LNK;
	link_target(l, 3, l->c.v[5]);
	return rows_find(&p->rooms, F_KEY, type, key, l->c.v[5], &l->xid,
			 &l->mtime);
}

static int resolve_convs(struct fs_view *v, struct loc *l)
{
	const struct fs_pidx *p;
	const char *key;
	int rc = fs_cache_pidx(v, l->pid, &p);

	l->what = FSW_CONVS;
	if (rc || l->c.n == 3)
		return rc;
	if (l->c.n > 5)
		return -ENOENT;
	key = find_raw(&p->convs, F_CONV, NULL, l->c.v[3]);
	if (!key)
		return -ENOENT;
	l->what = FSW_CONV;
	if (l->c.n == 4)
		return 0;
	l->what = FSW_LINK;
	l->kind = FS_LNK;
	link_target(l, 2, l->c.v[4]);
	return rows_find(&p->convs, F_CONV, NULL, key, l->c.v[4], &l->xid,
			 &l->mtime);
}

static void join(const struct strv *c, size_t from, size_t to, struct buf *b)
{
	for (size_t i = from; i < to; i++) {
		if (i > from)
			buf_addc(b, '/');
		buf_adds(b, c->v[i]);
	}
}

static int resolve_files(struct fs_view *v, struct loc *l)
{
	const struct fs_pidx *p;
	const struct fs_ftree *t;
	int rc = fs_cache_pidx(v, l->pid, &p);

	t = rc ? NULL : &p->ft;

	l->what = FSW_FILES_DIR;
	if (rc || l->c.n == 3)
		return rc;
	join(&l->c, 3, l->c.n, &l->prefix);
	if (fs_ftree_is_dir(t, buf_str(&l->prefix)))
		return 0;
	buf_reset(&l->prefix);
	join(&l->c, 3, l->c.n - 1, &l->prefix);
	rc = fs_ftree_find(t, buf_str(&l->prefix), l->c.v[l->c.n - 1],
			   &l->xid, &l->mtime);
	if (rc)
		return rc;
	l->what = FSW_LINK;
	l->kind = FS_LNK;
	link_target(l, l->c.n - 3, l->c.v[l->c.n - 1]);
	return 0;
}

static int resolve_exchanges(struct fs_view *v, struct loc *l)
{
	int rc;

	l->what = FSW_EXCHANGES;
	if (l->c.n == 3)
		return 0;
	if (l->c.n > 5)
		return -ENOENT;
	rc = find_exchange(v, l->pid, l->c.v[3], &l->xid, &l->mtime);
	if (rc)
		return rc;
	l->what = FSW_XDIR;
	if (l->c.n == 5) {
		l->xfile = fs_xfile_index(l->c.v[4]);
		if (l->xfile < 0)
			return -ENOENT;
		l->what = FSW_XFILE;
		l->kind = FS_REG;
	}
	return 0;
}

static int resolve_project(struct fs_view *v, struct loc *l)
{
	const struct fs_pidx *p;
	const char *sub;
	int rc;

	l->project = l->c.v[1];
	if (v->only_project && strcmp(l->project, v->only_project))
		return -ENOENT;
	rc = fs_cache_project(v, l->project, &l->pid);
	if (!rc)
		rc = fs_cache_pidx(v, l->pid, &p);
	if (rc)
		return rc;
	l->what = FSW_PROJECT;
	/* a project's directories carry its latest exchange time */
	l->mtime = p->mtime;
	if (l->c.n == 2)
		return 0;
	sub = l->c.v[2];
	if (!strcmp(sub, "MEMORY.md") && l->c.n == 3) {
		l->what = FSW_MEMORY;
		l->kind = FS_REG;
		return 0;
	}
	if (!strcmp(sub, "query") && v->live && l->c.n <= 4) {
		l->what = l->c.n == 3 ? FSW_QUERY_DIR : FSW_QUERY;
		l->kind = l->c.n == 3 ? FS_DIR : FS_REG;
		l->qname = l->c.n == 4 ? l->c.v[3] : NULL;
		l->qscope = l->project;
		return 0;
	}
	if (!strcmp(sub, "exchanges"))
		return resolve_exchanges(v, l);
	if (!strcmp(sub, "rooms") && l->c.n <= 6)
		return resolve_rooms(v, l);
	if (!strcmp(sub, "conversations"))
		return resolve_convs(v, l);
	if (!strcmp(sub, "files"))
		return resolve_files(v, l);
	return -ENOENT;
}

static int resolve(struct fs_view *v, const char *path, struct loc *l)
{
	const char *top;

	memset(l, 0, sizeof(*l));
	buf_init(&l->target, BUF_MAX_SMALL);
	buf_init(&l->prefix, BUF_MAX_SMALL);
	l->kind = FS_DIR;
	/* the top directories carry the latest exchange time of all, so an
	 * export and a mount of the same memory agree */
	if (fs_cache_ptime(v, 0, &l->mtime))
		l->mtime = v->t0;
	split(path, &l->c);
	if (l->c.n == 0) {
		l->what = FSW_ROOT;
		return 0;
	}
	top = l->c.v[0];
	if (l->c.n == 1 && !strcmp(top, "README.md")) {
		l->what = FSW_README;
		l->kind = FS_REG;
		return 0;
	}
	if (v->live && l->c.n == 1 && !strcmp(top, "status")) {
		l->what = FSW_STATUS;
		l->kind = FS_REG;
		return 0;
	}
	if (v->live && !strcmp(top, "query") && l->c.n <= 2) {
		l->what = l->c.n == 1 ? FSW_QUERY_DIR : FSW_QUERY;
		l->kind = l->c.n == 1 ? FS_DIR : FS_REG;
		l->qname = l->c.n == 2 ? l->c.v[1] : NULL;
		l->qscope = v->only_project;
		return 0;
	}
	if (!strcmp(top, "projects")) {
		l->what = FSW_PROJECTS;
		return l->c.n == 1 ? 0 : resolve_project(v, l);
	}
	return -ENOENT;
}

/* The content of a regular file, from the caches (not owned). */
static int content(struct fs_view *v, const struct loc *l,
		   const struct buf **b, int64_t *mtime)
{
	switch (l->what) {
	case FSW_XFILE:
		return fs_cache_xfile(v, l->xid, l->xfile, b, mtime);
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
	int rc = 0;

	memset(n, 0, sizeof(*n));
	n->kind = l->kind;
	n->what = l->what;
	n->mtime = l->mtime;
	n->xid = l->xid;
	if (l->kind == FS_LNK) {
		n->size = l->target.len;
		n->stable = 1;
	} else if (l->kind == FS_REG) {
		rc = content(v, l, &b, &n->mtime);
		if (!rc)
			n->size = b->len;
		n->stable = l->what == FSW_XFILE;
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

int fs_view_readlink(struct fs_view *v, const char *path, struct buf *out)
{
	struct loc l;
	int rc = resolve(v, path, &l);

	if (!rc && l.kind != FS_LNK)
		rc = -EINVAL;
	if (!rc)
		rc = buf_add(out, buf_str(&l.target), l.target.len);
	loc_release(&l);
	return rc;
}

static int list_root(struct fs_view *v, fs_list_fn fn, void *ctx)
{
	int rc = fn(ctx, "README.md", FS_REG);

	if (!rc && v->live)
		rc = fn(ctx, "status", FS_REG);
	if (!rc && v->inbox)
		rc = fn(ctx, "inbox", FS_DIR);
	if (!rc && v->live)
		rc = fn(ctx, "query", FS_DIR);
	return rc ? rc : fn(ctx, "projects", FS_DIR);
}

static int list_projects(struct fs_view *v, fs_list_fn fn, void *ctx)
{
	struct strv sv = STRV_INIT;
	int rc = store_view_projects(v->st, &sv);

	for (size_t i = 0; !rc && i < sv.n; i++)
		if (!v->only_project || !strcmp(sv.v[i], v->only_project))
			rc = fn(ctx, sv.v[i], FS_DIR);
	strv_clear(&sv);
	return rc;
}

/* Distinct values of field f (rows sorted by it), encoded, as dirs. */
static int list_distinct(const struct store_xrows *rows, enum field f,
			 const char *type, fs_list_fn fn, void *ctx)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *last = NULL;
	int rc = 0;

	for (size_t i = 0; !rc && i < rows->n; i++) {
		const char *raw = field(&rows->v[i], f);

		if (!row_in(&rows->v[i], f, f == F_KEY ? type : NULL, NULL) ||
		    (last && !strcmp(last, raw)))
			continue;
		last = raw;
		buf_reset(&b);
		rc = fs_name_encode(raw, &b);
		if (!rc)
			rc = fn(ctx, buf_str(&b), FS_DIR);
	}
	buf_release(&b);
	return rc;
}

/* Exchange names of the rows matching (type, key) / conv key. */
static int list_rows(const struct store_xrows *rows, enum field f,
		     const char *type, const char *key, enum fs_kind kind,
		     fs_list_fn fn, void *ctx)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	int rc = 0;

	for (size_t i = 0; !rc && i < rows->n; i++) {
		if (key && !row_in(&rows->v[i], f, type, key))
			continue;
		buf_reset(&b);
		rc = store_exchange_name(rows->v[i].id, rows->v[i].slug, &b);
		if (!rc)
			rc = fn(ctx, buf_str(&b), kind);
	}
	buf_release(&b);
	return rc;
}

static int list_project(struct fs_view *v, fs_list_fn fn, void *ctx)
{
	int rc = fn(ctx, "MEMORY.md", FS_REG);

	if (!rc && v->live)
		rc = fn(ctx, "query", FS_DIR);
	if (!rc)
		rc = fn(ctx, "exchanges", FS_DIR);
	if (!rc)
		rc = fn(ctx, "rooms", FS_DIR);
	if (!rc)
		rc = fn(ctx, "conversations", FS_DIR);
	return rc ? rc : fn(ctx, "files", FS_DIR);
}

static int list_xdir(fs_list_fn fn, void *ctx)
{
	int rc = 0;

	for (int i = 0; !rc && i < FSX_N; i++)
		rc = fn(ctx, fs_xfile_names[i], FS_REG);
	return rc;
}

static int list_loc(struct fs_view *v, struct loc *l, fs_list_fn fn,
		    void *ctx)
{
	const struct fs_pidx *p = NULL;
	const char *type, *key;
	int rc;

	switch (l->what) {
	case FSW_ROOT:
		return list_root(v, fn, ctx);
	case FSW_QUERY_DIR:
		return 0;
	case FSW_PROJECTS:
		return list_projects(v, fn, ctx);
	case FSW_PROJECT:
		return list_project(v, fn, ctx);
	case FSW_XDIR:
		return list_xdir(fn, ctx);
	default:
		break;
	}
	rc = fs_cache_pidx(v, l->pid, &p);
	if (rc)
		return rc;
	switch (l->what) {
	case FSW_EXCHANGES:
		return list_rows(&p->x, F_CONV, NULL, NULL, FS_DIR, fn, ctx);
	case FSW_ROOMS:
		return list_distinct(&p->rooms, F_TYPE, NULL, fn, ctx);
	case FSW_ROOM_TYPE:
		type = find_raw(&p->rooms, F_TYPE, NULL, l->c.v[3]);
		return type ? list_distinct(&p->rooms, F_KEY, type, fn, ctx) :
			-ENOENT;
	case FSW_ROOM:
		type = find_raw(&p->rooms, F_TYPE, NULL, l->c.v[3]);
		key = type ? find_raw(&p->rooms, F_KEY, type, l->c.v[4]) : NULL;
		return key ? list_rows(&p->rooms, F_KEY, type, key, FS_LNK, fn,
				       ctx) : -ENOENT;
	case FSW_CONVS:
		return list_distinct(&p->convs, F_CONV, NULL, fn, ctx);
	case FSW_CONV:
		key = find_raw(&p->convs, F_CONV, NULL, l->c.v[3]);
		return key ? list_rows(&p->convs, F_CONV, NULL, key, FS_LNK, fn,
				       ctx) : -ENOENT;
	case FSW_FILES_DIR:
		return fs_ftree_list(&p->ft, buf_str(&l->prefix), fn, ctx);
	default:
		return -ENOTDIR;
	}
}

int fs_view_list(struct fs_view *v, const char *path, fs_list_fn fn,
		 void *ctx)
{
	struct loc l;
	int rc = resolve(v, path, &l);

	if (!rc)
		rc = l.kind == FS_DIR ? list_loc(v, &l, fn, ctx) : -ENOTDIR;
	loc_release(&l);
	return rc;
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
	struct strv c = STRV_INIT;
	int rc = -ENOENT;

	split(path, &c);
	if (c.n >= 2 && !strcmp(c.v[0], "projects"))
		rc = buf_adds(out, c.v[1]);
	strv_clear(&c);
	return rc;
}

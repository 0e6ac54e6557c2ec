/* tree.c: the symlink trees of a project (rooms/, conversations/, files/)
 * as arrays built once per generation, so that a lookup is a few binary
 * searches and a listing is a walk from any offset (view_int.h describes
 * struct fs_tree).
 *
 * Building: every (encoded path, exchange) pair becomes an entry; entries
 * are sorted component-wise (so everything below "a/" stays together),
 * duplicates dropped, then laid out depth-first: a directory's children
 * are allocated side by side before any of them is filled, so each
 * directory's subdirectories and links are contiguous ranges.
 *
 * fs_pidx_build reads a project's exchanges, rooms, conversations and
 * touched files and builds the three trees from them. */
#include "common.h"
#include "view_int.h"
#include "content.h"
#include "ino.h"
#include "name.h"
#include "store_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct builder {
	struct fs_tree *t;
	struct fs_tent *e;
	size_t n;
	size_t dcap, lcap;
};

/* strcmp with '/' ordered before every other byte, so that "a/x" sorts
 * right after "a" and before "a-b" (names hold no byte below 0x20). */
static int pathcmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x == '/')
			x = 1;
		if (y == '/')
			y = 1;
		if (x != y || !x)
			return x < y ? -1 : x > y;
	}
}

static int cmp_path_xi(const void *a, const void *b)
{
	const struct fs_tent *x = a, *y = b;
	int c = pathcmp(x->path, y->path);

	if (c)
		return c;
	return x->xi < y->xi ? -1 : x->xi > y->xi;
}

static int cmp_path_seq(const void *a, const void *b)
{
	const struct fs_tent *x = a, *y = b;
	int c = pathcmp(x->path, y->path);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint32_t new_dirs(struct builder *b, size_t n)
{
	struct fs_tree *t = b->t;
	uint32_t at = (uint32_t)t->nd;

	XGROW(t->d, b->dcap, t->nd + n);
	memset(&t->d[at], 0, n * sizeof(*t->d));
	t->nd += n;
	return at;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* End of the group of entries from k on whose component at start is the
 * same as k's (n bytes). */
static size_t group_end(const struct builder *b, size_t k, size_t hi,
			size_t start, size_t n)
{
	const char *c = b->e[k].path + start;
	size_t j = k + 1;

	while (j < hi && !strncmp(b->e[j].path + start, c, n) &&
	       (b->e[j].path[start + n] == '/' || !b->e[j].path[start + n]))
		j++;
	return j;
}

/* A directory still to fill: from the entries [lo, hi), whose paths all
 * start with its own path, which is off bytes long. */
struct todo {
	uint32_t di;
	size_t lo, hi, off;
};

static void fill_one(struct builder *b, const struct todo *w,
		     struct todo **stack, size_t *n, size_t *cap)
{
	struct fs_tree *t = b->t;
	size_t start = w->off ? w->off + 1 : 0;    /* past the '/' */
	size_t i = w->lo, nsub = 0, k;
	uint32_t first;

	/* links: entries whose path ends here (they sort first) */
	t->d[w->di].link = (uint32_t)t->nl;
	for (; i < w->hi && !b->e[i].path[w->off]; i++) {
		XGROW(t->links, b->lcap, t->nl + 1);
		t->links[t->nl++] = b->e[i].xi;
	}
	t->d[w->di].nlink = (uint32_t)(t->nl - t->d[w->di].link);
	/* count the subdirectories, then allocate them side by side */
	for (k = i; k < w->hi; nsub++)
		k = group_end(b, k, w->hi, start,
			      strcspn(b->e[k].path + start, "/"));
	if (!nsub)
		return;
	first = new_dirs(b, nsub);
	t->d[w->di].sub = first;
	t->d[w->di].nsub = (uint32_t)nsub;
	for (k = i, nsub = 0; k < w->hi; nsub++) {
		size_t len = strcspn(b->e[k].path + start, "/");
		size_t j = group_end(b, k, w->hi, start, len);
		struct fs_tdir *c = &t->d[first + nsub];

		c->name = xstrndup(b->e[k].path + start, len);
		c->parent = w->di;
		c->depth = t->d[w->di].depth + 1;
		c->hash = fs_ino_hash_step(t->d[w->di].hash, c->name);
		c->ih = c->hash;
		XGROW(*stack, *cap, *n + 1);
		(*stack)[(*n)++] = (struct todo){ first + (uint32_t)nsub, k, j,
						  start + len };
		k = j;
	}
}

/* Depth-first without recursion (a path may have thousands of parts). */
static void fill(struct builder *b)
{
	struct todo *stack = NULL, w;
	size_t n = 0, cap = 0;

	XGROW(stack, cap, 1);
	stack[n++] = (struct todo){ 0, 0, b->n, 0 };
	while (n) {
		w = stack[--n];
		fill_one(b, &w, &stack, &n, &cap);
	}
	free(stack);
}

int fs_tree_add(struct fs_tree_input *in, const char *path, uint32_t xi)
{
	struct fs_tent *e;

	if (!*path)
		return 0;               /* nothing left of it: not shown */
	XGROW(in->e, in->cap, in->n + 1);
	e = &in->e[in->n];
	e->path = xstrdup(path);
	e->xi = xi;
	e->seq = (uint32_t)in->n;
	in->n++;
	return 0;
}

void fs_tree_input_release(struct fs_tree_input *in)
{
	struct fs_tent *e = in->e;

	for (size_t i = 0; i < in->n; i++)
		free(e[i].path);
	free(in->e);
	memset(in, 0, sizeof(*in));
}

void fs_tree_build(struct fs_tree_input *in, struct fs_tree *t)
{
	struct builder b;
	struct fs_tent *e = in->e;
	size_t k = 0;

	memset(t, 0, sizeof(*t));
	memset(&b, 0, sizeof(b));
	/* the same link twice in one directory ("/a/x.c", "a/x.c"): once */
	if (in->n)
		qsort(e, in->n, sizeof(*e), cmp_path_xi);
	for (size_t i = 0; i < in->n; i++) {
		if (k && e[k - 1].xi == e[i].xi &&
		    !strcmp(e[k - 1].path, e[i].path)) {
			free(e[i].path);
			continue;
		}
		e[k++] = e[i];
	}
	in->n = k;
	if (k)
		qsort(e, k, sizeof(*e), cmp_path_seq);
	b.t = t;
	b.e = e;
	b.n = k;
	new_dirs(&b, 1);
	t->d[0].hash = in->seed;
	fill(&b);
	/* per directory, its links sorted by exchange (index order is id
	 * order), for lookups by name */
	t->byid = xmalloc((t->nl ? t->nl : 1) * sizeof(*t->byid));
	if (t->nl)
		memcpy(t->byid, t->links, t->nl * sizeof(*t->byid));
	for (size_t i = 0; i < t->nd; i++)
		if (t->d[i].nlink > 1)
			qsort(t->byid + t->d[i].link, t->d[i].nlink,
			      sizeof(*t->byid), cmp_u32);
	fs_tree_input_release(in);
}

void fs_tree_release(struct fs_tree *t)
{
	for (size_t i = 0; i < t->nd; i++)
		free(t->d[i].name);
	free(t->d);
	free(t->links);
	free(t->byid);
	memset(t, 0, sizeof(*t));
}

int fs_tree_sub(const struct fs_tree *t, uint32_t di, const char *name,
		uint32_t *out)
{
	const struct fs_tdir *d = &t->d[di];
	size_t lo = 0, hi = d->nsub;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, t->d[d->sub + mid].name);

		if (!c) {
			*out = d->sub + (uint32_t)mid;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

int fs_tree_link(const struct fs_tree *t, uint32_t di, uint32_t xi)
{
	const struct fs_tdir *d = &t->d[di];
	size_t lo = 0, hi = d->nlink;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t v = t->byid[d->link + mid];

		if (v == xi)
			return 0;
		if (xi < v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

/* ---- a project's index ---- */

static int cmp_row_id(const void *key, const void *row)
{
	int64_t k = *(const int64_t *)key;
	int64_t id = ((const struct fs_xent *)row)->id;

	return k < id ? -1 : k > id;
}

long fs_pidx_xindex(const struct fs_pidx *p, int64_t id)
{
	const struct fs_xent *r = p->x.n ? bsearch(&id, p->x.v, p->x.n,
						     sizeof(*p->x.v),
						     cmp_row_id) : NULL;

	return r ? (long)(r - p->x.v) : -1;
}

enum src { SRC_ROOMS, SRC_CONVS, SRC_FILES };

/* The encoded path of row r in tree src, into b. */
static int row_path(enum src s, const struct store_xrow *r, struct buf *b)
{
	int rc;

	buf_reset(b);
	if (s == SRC_FILES)
		return fs_path_encode(r->path, b);
	if (s == SRC_CONVS)
		return fs_name_encode(r->conv_key, b);
	rc = fs_name_encode(r->room_type, b);
	if (!rc)
		rc = buf_addc(b, '/');
	return rc ? rc : fs_name_encode(r->room_key, b);
}

static int tree_from(struct store *st, int64_t pid, const struct fs_pidx *p,
		     enum src s, struct fs_tree *t)
{
	struct store_xrows r = STORE_XROWS_INIT;
	struct fs_tree_input in = { NULL, 0, 0, (uint64_t)s + 1 };
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	int rc = s == SRC_ROOMS ? store_view_rooms_all(st, pid, &r) :
		s == SRC_CONVS ? store_view_convs_all(st, pid, &r) :
		store_view_files(st, pid, &r);

	for (size_t i = 0; !rc && i < r.n; i++) {
		long xi = fs_pidx_xindex(p, r.v[i].id);

		if (xi < 0 || row_path(s, &r.v[i], &b))
			continue;       /* a name too long: not shown */
		fs_tree_add(&in, buf_str(&b), (uint32_t)xi);
	}
	store_xrows_release(&r);
	buf_release(&b);
	fs_tree_build(&in, t);
	return rc;
}

/* The project's exchanges, kept small (a store_xrow has a dozen
 * fields). */
static int read_exchanges(struct store *st, int64_t pid, struct fs_pidx *p)
{
	struct store_xrows r = STORE_XROWS_INIT;
	int rc = store_view_exchanges(st, pid, &r);

	p->x.v = xcalloc(r.n ? r.n : 1, sizeof(*p->x.v));
	for (size_t i = 0; !rc && i < r.n; i++) {
		struct fs_xent *e = &p->x.v[p->x.n++];

		e->id = r.v[i].id;
		e->mtime = r.v[i].t_end ? r.v[i].t_end : r.v[i].t_start;
		e->slug = r.v[i].slug;
		r.v[i].slug = NULL;     /* moved */
	}
	store_xrows_release(&r);
	return rc;
}

/* Each directory's mtime: the latest exchange time below it (children
 * come after their parent in d[], so a backward pass sees them first). */
static void tree_mtimes(const struct fs_pidx *p, struct fs_tree *t)
{
	for (size_t i = t->nd; i-- > 0;) {
		struct fs_tdir *d = &t->d[i];

		for (uint32_t k = 0; k < d->nlink; k++) {
			int64_t m = p->x.v[t->links[d->link + k]].mtime;

			if (m > d->mtime)
				d->mtime = m;
		}
		if (i && d->mtime > t->d[d->parent].mtime)
			t->d[d->parent].mtime = d->mtime;
	}
}

static int cmp_thash(const void *a, const void *b)
{
	const struct fs_thash *x = a, *y = b;

	if (x->ih != y->ih)
		return x->ih < y->ih ? -1 : 1;
	if (x->tree != y->tree)
		return x->tree < y->tree ? -1 : 1;
	return x->di < y->di ? -1 : x->di > y->di;
}

#define IH_MASK ((UINT64_C(1) << FSI_TDIR_HASH_BITS) - 1)

/* The index of tree directories by inode hash.  Two directories whose
 * hashes agree in the bits an inode keeps (rare: 44 bits) are told apart
 * by moving the later one (by tree, then index) to the next free value. */
static void hash_index(struct fs_pidx *p)
{
	size_t n = 0;
	int again = 1;

	for (uint32_t w = 0; w < 3; w++)
		n += fs_pidx_tree(p, w)->nd - 1;
	p->th = xmalloc((n ? n : 1) * sizeof(*p->th));
	for (uint32_t w = 0; w < 3; w++) {
		const struct fs_tree *t = fs_pidx_tree(p, w);

		for (uint32_t di = 1; di < t->nd; di++)
			p->th[p->nth++] = (struct fs_thash){
				t->d[di].hash & IH_MASK, di, w };
	}
	while (again) {
		again = 0;
		if (p->nth)
			qsort(p->th, p->nth, sizeof(*p->th), cmp_thash);
		for (size_t i = 1; i < p->nth; i++)
			if (p->th[i].ih == p->th[i - 1].ih) {
				p->th[i].ih = (p->th[i].ih + 1) & IH_MASK;
				again = 1;
			}
	}
	for (size_t i = 0; i < p->nth; i++) {
		struct fs_tree *t = (struct fs_tree *)fs_pidx_tree(p,
								    p->th[i].tree);

		t->d[p->th[i].di].ih = p->th[i].ih;
	}
}

const struct fs_tree *fs_pidx_tree(const struct fs_pidx *p, uint32_t which)
{
	return which == 0 ? &p->rooms : which == 1 ? &p->convs : &p->files;
}

int fs_pidx_dir(const struct fs_pidx *p, uint64_t ih, uint32_t *tree,
		uint32_t *di)
{
	size_t lo = 0, hi = p->nth;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->th[mid].ih == ih) {
			*tree = p->th[mid].tree;
			*di = p->th[mid].di;
			return 0;
		}
		if (p->th[mid].ih < ih)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

int fs_pidx_build(struct store *st, int64_t pid, struct fs_pidx *p)
{
	int rc = read_exchanges(st, pid, p);

	if (!rc)
		rc = tree_from(st, pid, p, SRC_ROOMS, &p->rooms);
	if (!rc)
		rc = tree_from(st, pid, p, SRC_CONVS, &p->convs);
	if (!rc)
		rc = tree_from(st, pid, p, SRC_FILES, &p->files);
	if (!rc)
		rc = store_view_project_time(st, pid, &p->mtime);
	p->pid = pid;
	if (!rc) {
		tree_mtimes(p, &p->rooms);
		tree_mtimes(p, &p->convs);
		tree_mtimes(p, &p->files);
		hash_index(p);
		p->xsize = xmalloc((p->x.n ? p->x.n : 1) * FSX_N *
				   sizeof(*p->xsize));
		for (size_t i = 0; i < p->x.n * FSX_N; i++)
			p->xsize[i] = FS_SIZE_UNKNOWN;
	}
	return rc;
}

void fs_pidx_release(struct fs_pidx *p)
{
	for (size_t i = 0; i < p->x.n; i++)
		free(p->x.v[i].slug);
	free(p->x.v);
	fs_tree_release(&p->rooms);
	fs_tree_release(&p->convs);
	fs_tree_release(&p->files);
	free(p->xsize);
	free(p->th);
	memset(p, 0, sizeof(*p));
}

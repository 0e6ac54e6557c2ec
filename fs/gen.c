/* gen.c: renderings of the generated files (status, MEMORY.md, query
 * results).  A lookup renders the file (or finds a rendering of the same
 * name and version) and hands the kernel a fresh inode number for it, so
 * that everything read through that inode, fstat included, is the same
 * bytes: fstat carries no file handle, so a size can only be tied to an
 * inode.  A rendering lives until the kernel forgets its inode; when the
 * store (or, for status, the inbox) changes, every older rendering's name
 * is deleted in the kernel (the open ones keep reading what they opened)
 * and the next lookup renders again.  Renderings beyond a cap (count or
 * bytes) are deleted the same way, oldest first, so that a thousand
 * distinct queries do not stay in memory. */
#include "common.h"
#include "daemon.h"
#include "ino.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKET 256
#define MAX_KEPT 512                    /* renderings the kernel may keep */
#define MAX_BYTES (256u << 20)

struct rend {
	struct rend *next;              /* in its bucket (by serial) */
	uint64_t serial;
	uint64_t parent;                /* where the kernel found it */
	char *name;
	char *key;                      /* what it renders (with its scope) */
	uint64_t version;               /* of the store (status: status_ver) */
	uint64_t nlookup;
	uint64_t used;
	int deleted;                    /* its name was deleted in the kernel */
	int status;                     /* versioned by status_ver */
	int64_t mtime;
	struct buf data;
};

struct fsd_gens {
	pthread_mutex_t mu;
	struct rend *b[NBUCKET];
	uint64_t serial, tick;
	size_t n, bytes;
};

int fsd_gens_init(struct fsd *d)
{
	d->gens = xcalloc(1, sizeof(*d->gens));
	pthread_mutex_init(&d->gens->mu, NULL);
	return 0;
}

static void rend_free(struct rend *r)
{
	free(r->name);
	free(r->key);
	buf_release(&r->data);
	free(r);
}

void fsd_gens_release(struct fsd *d)
{
	struct fsd_gens *g = d->gens;

	if (!g)
		return;
	for (size_t i = 0; i < NBUCKET; i++)
		while (g->b[i]) {
			struct rend *r = g->b[i];

			g->b[i] = r->next;
			rend_free(r);
		}
	pthread_mutex_destroy(&g->mu);
	free(g);
	d->gens = NULL;
}

static struct rend **slot(struct fsd_gens *g, uint64_t serial)
{
	struct rend **p = &g->b[serial % NBUCKET];

	while (*p && (*p)->serial != serial)
		p = &(*p)->next;
	return p;
}

/* The version a rendering of l is current for (with request counters in
 * status, every lookup of it is a new version). */
static uint64_t version_of(struct fsd *d, const struct fs_loc *l)
{
	if (l->what != FSW_STATUS)
		return d->v.gen;
	if (d->counters)
		return __atomic_add_fetch(&d->status_ver, 1, __ATOMIC_ACQ_REL);
	return __atomic_load_n(&d->status_ver, __ATOMIC_ACQUIRE);
}

static void make_key(const struct fs_loc *l, struct buf *key)
{
	buf_addf(key, "%d\t%lld\t%d\t%s\t%s", (int)l->what, (long long)l->pid,
		 l->json, l->qscope ? l->qscope : "", l->qname ? l->qname : "");
}

/* A live rendering of key for version in parent/name (under g->mu). */
static struct rend *find(struct fsd_gens *g, const char *key,
			 uint64_t version, uint64_t parent, const char *name)
{
	for (size_t i = 0; i < NBUCKET; i++)
		for (struct rend *r = g->b[i]; r; r = r->next)
			if (!r->deleted && r->version == version &&
			    r->parent == parent && !strcmp(r->key, key) &&
			    !strcmp(r->name, name))
				return r;
	return NULL;
}

static void entry_of(struct fsd *d, const struct rend *r,
		     struct fuse_entry_param *e)
{
	/* status: asked again at each path lookup (a cheap one while
	 * nothing changed), so that a change needs no notice to show */
	double t = r->status ? 0 : d->timeout;

	struct fs_node n;

	memset(&n, 0, sizeof(n));
	n.kind = FS_REG;
	n.ino = fs_ino_gen(r->serial);
	n.size = r->data.len;
	n.mtime = r->mtime;
	memset(e, 0, sizeof(*e));
	e->ino = n.ino;
	e->attr_timeout = d->timeout;
	e->entry_timeout = t;
	fsd_node_stat(d, &n, &e->attr);
}

/* Deletes the oldest live renderings' names past the caps (under g->mu);
 * they are freed when the kernel forgets them. */
static void trim(struct fsd *d)
{
	struct fsd_gens *g = d->gens;

	for (;;) {
		struct rend *old = NULL;
		size_t live = 0, bytes = 0;

		for (size_t i = 0; i < NBUCKET; i++)
			for (struct rend *r = g->b[i]; r; r = r->next) {
				if (r->deleted)
					continue;
				live++;
				bytes += r->data.len;
				if (!old || r->used < old->used)
					old = r;
			}
		if (live <= 1 || (live <= MAX_KEPT && bytes <= MAX_BYTES))
			return;
		old->deleted = 1;
		fsd_note_delete(d, 0, old->parent, fs_ino_gen(old->serial),
				old->name);
	}
}

static struct rend *insert(struct fsd *d, const char *key, uint64_t version,
			   uint64_t parent, const char *name, struct buf *data,
			   int64_t mtime)
{
	struct fsd_gens *g = d->gens;
	struct rend *r = xcalloc(1, sizeof(*r));

	r->serial = ++g->serial;
	r->parent = parent;
	r->name = xstrdup(name);
	r->key = xstrdup(key);
	r->version = version;
	r->mtime = mtime;
	r->data = *data;
	buf_init(data, data->max);
	r->next = g->b[r->serial % NBUCKET];
	g->b[r->serial % NBUCKET] = r;
	g->n++;
	g->bytes += r->data.len;
	return r;
}

int fsd_gen_lookup(struct fsd *d, struct fs_loc *l, uint64_t parent,
		   const char *name, struct fuse_entry_param *e)
{
	struct fsd_gens *g = d->gens;
	struct buf key = BUF_INIT(BUF_MAX_SMALL), data = BUF_INIT(BUF_MAX_FILE);
	uint64_t version = version_of(d, l);
	struct rend *r;
	int64_t mtime = 0;
	int rc = 0;

	make_key(l, &key);
	pthread_mutex_lock(&g->mu);
	r = find(g, buf_str(&key), version, parent, name);
	if (r) {
		r->nlookup++;
		r->used = ++g->tick;
		entry_of(d, r, e);
	}
	pthread_mutex_unlock(&g->mu);
	if (!r) {
		/* renders with d->lock released (slow_begin): another lookup
		 * of the same name may render it too; the later one wins */
		rc = fs_loc_read(&d->v, l, &data, &mtime);
		if (!rc && l->what == FSW_QUERY) {
			__atomic_add_fetch(&d->searches, 1, __ATOMIC_RELAXED);
			fsd_status_changed(d);
		}
	}
	if (!r && !rc) {
		pthread_mutex_lock(&g->mu);
		r = insert(d, buf_str(&key), version, parent, name, &data,
			   mtime);
		r->status = l->what == FSW_STATUS;
		r->nlookup = 1;
		r->used = ++g->tick;
		entry_of(d, r, e);
		/* the store changed while it rendered: it is stale already */
		if (!d->counters && version != version_of(d, l)) {
			r->deleted = 1;
			fsd_note_delete(d, 0, parent, e->ino, name);
		}
		trim(d);
		pthread_mutex_unlock(&g->mu);
	}
	buf_release(&key);
	buf_release(&data);
	return rc;
}

/* The rendering with inode ino, under g->mu: -ESTALE when ino is not a
 * rendering's, -ENOENT when it was forgotten. */
static int get(struct fsd_gens *g, uint64_t ino, struct rend **out)
{
	struct fs_ino i;

	if (fs_ino_decode(ino, &i) || i.cls != FSI_GEN)
		return -ESTALE;
	*out = *slot(g, i.serial);
	return *out ? 0 : -ENOENT;
}

int fsd_gen_getattr(struct fsd *d, uint64_t ino, struct stat *st)
{
	struct fsd_gens *g = d->gens;
	struct fuse_entry_param e;
	struct rend *r;
	int rc;

	pthread_mutex_lock(&g->mu);
	rc = get(g, ino, &r);
	if (!rc) {
		entry_of(d, r, &e);
		*st = e.attr;
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

int fsd_gen_read(struct fsd *d, uint64_t ino, char *buf, size_t size,
		 off_t off, size_t *got)
{
	struct fsd_gens *g = d->gens;
	struct rend *r;
	int rc;

	*got = 0;
	pthread_mutex_lock(&g->mu);
	rc = get(g, ino, &r);
	if (!rc && (size_t)off < r->data.len) {
		*got = r->data.len - (size_t)off < size ?
			r->data.len - (size_t)off : size;
		memcpy(buf, r->data.p + off, *got);
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

void fsd_gen_forget(struct fsd *d, uint64_t ino, uint64_t n)
{
	struct fsd_gens *g = d->gens;
	struct rend **p, *r;
	struct fs_ino i;

	if (fs_ino_decode(ino, &i) || i.cls != FSI_GEN)
		return;
	pthread_mutex_lock(&g->mu);
	p = slot(g, i.serial);
	r = *p;
	if (r)
		r->nlookup -= n < r->nlookup ? n : r->nlookup;
	if (r && r->nlookup == 0) {
		*p = r->next;
		g->n--;
		g->bytes -= r->data.len;
		rend_free(r);
	}
	pthread_mutex_unlock(&g->mu);
}

void fsd_gen_stale(struct fsd *d, uint64_t gen)
{
	struct fsd_gens *g = d->gens;
	uint64_t sv = __atomic_load_n(&d->status_ver, __ATOMIC_ACQUIRE);

	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < NBUCKET; i++)
		for (struct rend *r = g->b[i]; r; r = r->next) {
			uint64_t cur = r->status ? sv : gen;

			if (r->deleted || r->version == cur)
				continue;
			r->deleted = 1;
			fsd_note_delete(d, 0, r->parent,
					fs_ino_gen(r->serial), r->name);
		}
	pthread_mutex_unlock(&g->mu);
}

void fsd_gen_status(struct fsd *d, struct buf *out)
{
	struct fsd_gens *g = d->gens;

	pthread_mutex_lock(&g->mu);
	buf_addf(out, "renderings\t%zu (%zu bytes)\n", g->n, g->bytes);
	pthread_mutex_unlock(&g->mu);
}

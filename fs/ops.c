/* ops.c: the FUSE operations (high-level, path-based API; each returns
 * -errno).  Paths under /inbox go to fs/inbox.c, everything else to the
 * view under d->lock.  Writes outside the inbox answer EROFS with
 * --read-only and EACCES otherwise, except rmdir of an exchange directory
 * (forgets it) and unlink of the files inside one (a no-op, so `rm -r`
 * reaches the rmdir). */
#include "common.h"
#include "daemon.h"
#include "content.h"
#include "redact.h"
#include "tx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* An open file: an inbox handle; an exchange file (read from the content
 * cache: it never changes); or a copy of a generated file's content at
 * open (README.md, status, MEMORY.md, query results). */
struct fh {
	int inbox;
	uint64_t ih;
	int xfile;              /* >= 0: file xfile of exchange node.xid */
	struct fs_node node;
	struct buf data;
};

static struct fsd *D(void)
{
	return fuse_get_context()->private_data;
}

static int deny(struct fsd *d)
{
	return d->o->readonly ? -EROFS : -EACCES;
}

/* The path inside inbox/ ("" for inbox itself), or NULL. */
static const char *inbox_rel(struct fsd *d, const char *path)
{
	if (!d->inbox || strncmp(path, "/inbox", 6))
		return NULL;
	if (path[6] == 0)
		return "";
	return path[6] == '/' ? path + 7 : NULL;
}

static void node_stat(struct fsd *d, const struct fs_node *n,
		      struct stat *st)
{
	int rw = !d->o->readonly;

	memset(st, 0, sizeof(*st));
	st->st_uid = d->uid;
	st->st_gid = d->gid;
	st->st_nlink = n->kind == FS_DIR ? 2 : 1;
	if (n->kind == FS_DIR)
		/* rm -r of an exchange needs write permission on both dirs
		 * when the kernel checks (allow_other, default_permissions) */
		st->st_mode = S_IFDIR | ((rw && (n->what == FSW_EXCHANGES ||
						 n->what == FSW_XDIR)) ?
					 0755 : 0555);
	else if (n->kind == FS_LNK)
		st->st_mode = S_IFLNK | 0777;
	else
		st->st_mode = S_IFREG | 0444;
	st->st_size = (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_mtim.tv_sec = (time_t)n->mtime;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

static void remember_query(struct fsd *d, const char *path)
{
	pthread_mutex_lock(&d->ilock);
	if (d->qpaths.n < 4096)
		strv_push_unique(&d->qpaths, path);
	pthread_mutex_unlock(&d->ilock);
}

static int op_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct fsd *d = D();
	struct fh *h = fi ? (struct fh *)(uintptr_t)fi->fh : NULL;
	const char *rel = inbox_rel(d, path);
	struct fs_node n;
	int rc;

	if (h && h->inbox)
		rc = fs_inbox_fstat(d->inbox, h->ih, st);
	else if (h) {
		n = h->node;
		if (h->xfile < 0)
			n.size = h->data.len;   /* what this open's reads return */
		node_stat(d, &n, st);
		return 0;
	} else if (rel) {
		rc = fs_inbox_getattr(d->inbox, rel, st);
	} else {
		pthread_mutex_lock(&d->lock);
		rc = fs_view_stat(&d->v, path, &n);
		if (rc == -ENOENT && fsd_refresh_locked(d))
			rc = fs_view_stat(&d->v, path, &n);  /* just ingested? */
		pthread_mutex_unlock(&d->lock);
		if (!rc)
			node_stat(d, &n, st);
		if (!rc && n.what == FSW_QUERY)
			remember_query(d, path);
		return rc;
	}
	if (!rc) {
		st->st_uid = d->uid;
		st->st_gid = d->gid;
	}
	return rc;
}

/* Entries of a listing, collected under the lock and handed to FUSE
 * after it, a chunk at a time. */
#define CHUNK 256

struct entries {
	struct strv names;
	struct fs_node n[CHUNK];
};

static int collect(void *ctx, const char *name, enum fs_kind kind)
{
	(void)kind;
	strv_push(&((struct entries *)ctx)->names, name);
	return 0;
}

static int collect_node(void *ctx, const char *name, const struct fs_node *n)
{
	struct entries *e = ctx;

	e->n[e->names.n] = *n;
	strv_push(&e->names, name);
	return e->names.n == CHUNK;
}

static int fill_inbox(struct fsd *d, const char *rel, void *buf,
		      fuse_fill_dir_t fill, off_t off)
{
	struct entries *e = xcalloc(1, sizeof(*e));
	int rc = fs_inbox_list(d->inbox, rel, collect, e);

	if (!rc && off == 0) {
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		for (size_t i = 0; i < e->names.n; i++)
			if (fill(buf, e->names.v[i], NULL, 0, 0))
				break;
	}
	strv_clear(&e->names);
	free(e);
	return rc;
}

/* Offsets: 1 and 2 are "." and "..", entry i of the view is i + 3.  With
 * READDIRPLUS, entries whose attributes the view knows go to the kernel
 * with them, so that walking the tree needs no lookup per name. */
static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	struct entries *e;
	struct stat st;
	size_t at;
	int rc = 0, full = 0;

	(void)fi;
	if (rel)
		return fill_inbox(d, rel, buf, fill, off);
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR;
	if (off < 1 && fill(buf, ".", &st, 1, 0))
		return 0;
	if (off < 2 && fill(buf, "..", &st, 2, 0))
		return 0;
	at = off > 2 ? (size_t)off - 2 : 0;
	e = xcalloc(1, sizeof(*e));
	while (!rc && !full) {
		strv_clear(&e->names);
		pthread_mutex_lock(&d->lock);
		if (at == 0)
			fsd_refresh_locked(d);
		rc = fs_view_list_from(&d->v, path, at, collect_node, e);
		pthread_mutex_unlock(&d->lock);
		if (rc < 0)
			break;
		for (size_t i = 0; !full && i < e->names.n; i++) {
			enum fuse_fill_dir_flags ff = 0;

			node_stat(d, &e->n[i], &st);
			if (e->n[i].attr && (flags & FUSE_READDIR_PLUS))
				ff = FUSE_FILL_DIR_PLUS;
			full = fill(buf, e->names.v[i], &st,
				    (off_t)(at + i + 3), ff);
		}
		at += e->names.n;
		rc = e->names.n == CHUNK ? 0 : 1;
	}
	strv_clear(&e->names);
	free(e);
	return rc < 0 ? rc : 0;
}

static struct fh *fh_new(void)
{
	struct fh *h = xcalloc(1, sizeof(*h));

	buf_init(&h->data, BUF_MAX_FILE);
	h->xfile = -1;
	return h;
}

static void fh_free(struct fh *h)
{
	buf_release(&h->data);
	free(h);
}

/* --redact: a queued or failed transcript read back is served masked, from
 * a copy taken at open (inbox files are capped at the transcript limit). */
static int read_inbox_redacted(struct fsd *d, struct fh *h)
{
	struct buf raw = BUF_INIT(TX_MAX_FILE);
	char tmp[65536];
	int n, rc = 0;

	while (!rc && (n = fs_inbox_read(d->inbox, h->ih, tmp, sizeof(tmp),
					 (off_t)raw.len)) > 0)
		rc = buf_add(&raw, tmp, (size_t)n);
	if (!rc && n < 0)
		rc = n;
	if (!rc)
		rc = redact_text(buf_str(&raw), raw.len, &h->data) < 0 ? -EIO : 0;
	buf_release(&raw);
	fs_inbox_release(d->inbox, h->ih);
	h->inbox = 0;
	return rc;
}

static int open_inbox(struct fsd *d, const char *rel, struct fuse_file_info *fi,
		      int create)
{
	struct fh *h = fh_new();
	int rc = fs_inbox_open_file(d->inbox, rel, fi->flags, create, &h->ih);

	if (rc) {
		fh_free(h);
		return rc;
	}
	h->inbox = 1;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;      /* its bytes change under the same name */
	if (d->o->redact && (fi->flags & O_ACCMODE) == O_RDONLY) {
		rc = read_inbox_redacted(d, h);
		if (rc)
			fh_free(h);
	}
	return rc;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	struct fh *h;
	int rc;

	if (rel)
		return *rel ? open_inbox(d, rel, fi, 0) : -EISDIR;
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		return deny(d);
	h = fh_new();
	pthread_mutex_lock(&d->lock);
	rc = fs_view_stat(&d->v, path, &h->node);
	if (!rc && h->node.kind != FS_REG)
		rc = h->node.kind == FS_DIR ? -EISDIR : -EINVAL;
	if (!rc && h->node.what == FSW_XFILE)
		h->xfile = fs_xfile_index(strrchr(path, '/') + 1);
	else if (!rc)
		rc = fs_view_read(&d->v, path, &h->data, &h->node);
	pthread_mutex_unlock(&d->lock);
	if (rc) {
		fh_free(h);
		return rc;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->keep_cache = h->node.stable;
	fi->direct_io = !h->node.stable;
	fi->noflush = 1;        /* nothing to do at close */
	/* a generated file may have changed since the kernel cached its
	 * size (attributes live for d->timeout): drop them, so that fstat on
	 * this open asks again and gets the size of this open's bytes */
	if (!h->node.stable && d->fuse)
		fuse_invalidate_path(d->fuse, path);
	return 0;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);

	(void)mode;
	if (!rel || !*rel)
		return deny(d);
	return open_inbox(d, rel, fi, 1);
}

static int read_xfile(struct fh *h, char *buf, size_t size, off_t off)
{
	struct fsd *d = D();
	size_t got;
	int rc;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	rc = fs_view_xfile(&d->v, h->node.pid, h->node.xid, h->xfile,
			   (size_t)off, buf, size, &got);
	pthread_mutex_unlock(&d->lock);
	return rc ? (rc == -ENOENT ? -EIO : rc) : (int)got;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;
	size_t n;

	(void)path;
	if (h->inbox)
		return fs_inbox_read(D()->inbox, h->ih, buf, size, off);
	if (h->xfile >= 0)
		return read_xfile(h, buf, size, off);
	if (off < 0 || (size_t)off >= h->data.len)
		return 0;
	n = h->data.len - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, h->data.p + off, n);
	return (int)n;
}

static int op_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	(void)path;
	if (!h->inbox)
		return -EBADF;
	return fs_inbox_write(D()->inbox, h->ih, buf, size, off);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	(void)path;
	return h->inbox ? fs_inbox_flush(D()->inbox, h->ih) : 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	return op_flush(path, fi);
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;
	int rc = 0;

	(void)path;
	if (h->inbox)
		rc = fs_inbox_release(D()->inbox, h->ih);
	fh_free(h);
	return rc;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	struct fh *h = fi ? (struct fh *)(uintptr_t)fi->fh : NULL;

	if (h && h->inbox)
		return fs_inbox_ftruncate(d->inbox, h->ih, size);
	if (rel && *rel)
		return fs_inbox_truncate(d->inbox, rel, size);
	return deny(d);
}

static int op_unlink(const char *path)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	struct fs_node n;
	int rc;

	if (rel)
		return *rel ? fs_inbox_unlink(d->inbox, rel) : -EISDIR;
	if (d->o->readonly)
		return -EROFS;
	pthread_mutex_lock(&d->lock);
	rc = fs_view_stat(&d->v, path, &n);
	pthread_mutex_unlock(&d->lock);
	if (rc)
		return rc;
	return n.what == FSW_XFILE ? 0 : -EACCES;
}

static int op_rmdir(const char *path)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	int rc;

	if (rel)
		return *rel ? fs_inbox_rmdir(d->inbox, rel) : -EACCES;
	if (d->o->readonly)
		return -EROFS;
	pthread_mutex_lock(&d->lock);
	rc = fs_view_forget(&d->v, path);
	if (!rc)
		fsd_changed_locked(d);
	pthread_mutex_unlock(&d->lock);
	return rc == -EPERM || rc == -ENOTDIR ? -EACCES : rc;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);

	(void)mode;
	if (!rel || !*rel)
		return deny(d);
	if (d->o->project && strcmp(rel, d->o->project))
		return -EACCES;
	return fs_inbox_mkdir(d->inbox, rel);
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct fsd *d = D();
	const char *a = inbox_rel(d, from), *b = inbox_rel(d, to);

	if (!a || !b || !*a || !*b)
		return deny(d);
	if (flags)
		return -EINVAL;
	return fs_inbox_rename(d->inbox, a, b);
}

/* chmod, chown, utimes: accepted (and ignored) on inbox files so cp -p
 * and rsync work; refused elsewhere. */
static int attr_change(const char *path)
{
	struct fsd *d = D();
	const char *rel = inbox_rel(d, path);
	struct stat st;

	if (!rel)
		return deny(d);
	return fs_inbox_getattr(d->inbox, rel, &st);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return attr_change(path);
}

static int op_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	(void)uid;
	(void)gid;
	(void)fi;
	return attr_change(path);
}

static int op_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	(void)tv;
	(void)fi;
	return attr_change(path);
}

static int op_symlink(const char *target, const char *path)
{
	(void)target;
	(void)path;
	return deny(D());
}

static int op_link(const char *from, const char *to)
{
	(void)from;
	(void)to;
	return deny(D());
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct fsd *d = D();
	struct buf t = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	if (size == 0)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	rc = fs_view_readlink(&d->v, path, &t);
	pthread_mutex_unlock(&d->lock);
	if (!rc) {
		size_t n = t.len < size - 1 ? t.len : size - 1;

		memcpy(buf, buf_str(&t), n);
		buf[n] = 0;
	}
	buf_release(&t);
	return rc;
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = 4096;
	sv->f_frsize = 4096;
	sv->f_namemax = 255;
	return 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct fsd *d = fuse_get_context()->private_data;

	/* every chunk of a listing with attributes, not just the first */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;  /* targets never change */
	cfg->entry_timeout = d->timeout;
	cfg->attr_timeout = d->timeout;
	cfg->negative_timeout = 0;      /* a new exchange shows at once */
	cfg->use_ino = 0;
	cfg->kernel_cache = 0;          /* keep_cache is chosen per open */
	cfg->hard_remove = 1;           /* no .fuse_hidden renames */
	d->fuse = fuse_get_context()->fuse;
	if (d->inbox)
		fs_inbox_start(d->inbox);
	return d;
}

static void op_destroy(void *pd)
{
	struct fsd *d = pd;

	fs_inbox_close(d->inbox);
	d->inbox = NULL;
}

const struct fuse_operations fs_ops = {
	.getattr = op_getattr,
	.readlink = op_readlink,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.chmod = op_chmod,
	.chown = op_chown,
	.truncate = op_truncate,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.statfs = op_statfs,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.readdir = op_readdir,
	.init = op_init,
	.destroy = op_destroy,
	.create = op_create,
	.utimens = op_utimens,
};

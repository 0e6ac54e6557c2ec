/* ll.c: the tree's FUSE operations (low-level API; each replies exactly
 * once).  An inode number says what it names (fs/ino.h), so lookup,
 * getattr, readdir and read go straight to the view under d->lock; the
 * daemon keeps nothing per name the kernel has seen, except renderings of
 * generated files (gen.c), which live until the kernel forgets them.
 *
 * Caching: open and opendir answer ENOSYS when the kernel can open without
 * asking (then it keeps every file's pages and every listing), flush
 * answers ENOSYS (nothing is ever written here: inbox/ is another
 * session); entries and attributes carry long timeouts and every change is
 * announced (notify.c).  Negative entries are cached only where a name can
 * never appear unannounced.
 *
 * Writes answer EROFS with --read-only and EACCES otherwise, except rmdir
 * of an exchange directory (forget.c) and unlink of the files inside one
 * (a no-op, so that `rm -r` reaches the rmdir). */
#include "common.h"
#include "daemon.h"
#include "content.h"
#include "ino.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

const char *const fsd_op_names[OP_N] = {
	"lookup", "forget", "getattr", "setattr", "readlink", "open", "read",
	"write", "flush", "release", "fsync", "opendir", "readdir",
	"readdirplus", "releasedir", "create", "mkdir", "unlink", "rmdir",
	"rename", "statfs", "other",
};

static struct fsd *D(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

void fsd_count(struct fsd *d, int inbox, enum fsd_op op)
{
	__atomic_add_fetch(&d->nreq[inbox][op], 1, __ATOMIC_RELAXED);
}

static struct fsd *DC(fuse_req_t req, enum fsd_op op)
{
	struct fsd *d = D(req);

	fsd_count(d, 0, op);
	return d;
}

static int deny(struct fsd *d)
{
	return d->o->readonly ? EROFS : EACCES;
}

void fsd_node_stat(struct fsd *d, const struct fs_node *n, struct stat *st)
{
	int rw = !d->o->readonly;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
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

/* inbox/ as this session shows it: the mount point of the inbox session;
 * on a read-only mount an empty directory that is not listed, so that a
 * write into it answers EROFS rather than ENOENT. */
static void inbox_stat(struct fsd *d, struct stat *st)
{
	struct fs_node n;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.what = FSW_INBOX;
	n.ino = FSI_INBOX;
	n.mtime = d->v.t0;
	fsd_node_stat(d, &n, st);
	st->st_mode = S_IFDIR | (d->o->readonly ? 0555 : 0755);
}

/* How long the kernel may remember that a name is absent from directory
 * l: long where every name that appears is announced or none can. */
static double negative_timeout(struct fsd *d, const struct fs_loc *l)
{
	switch (l->what) {
	case FSW_ROOT: case FSW_PROJECTS: case FSW_PROJECT: case FSW_EXCHANGES:
	case FSW_XDIR: case FSW_QUERY_DIR:
		return d->timeout;
	default:
		return 0;
	}
}

static void reply_negative(fuse_req_t req, double timeout)
{
	struct fuse_entry_param e;

	if (timeout <= 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.entry_timeout = timeout;
	fuse_reply_entry(req, &e);
}

static void node_entry(struct fsd *d, const struct fs_node *n,
		       struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->attr_timeout = d->timeout;
	e->entry_timeout = d->timeout;
	fsd_node_stat(d, n, &e->attr);
}

static int generated(const struct fs_loc *l)
{
	return l->what == FSW_STATUS || l->what == FSW_MEMORY ||
		l->what == FSW_QUERY;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fsd *d = DC(req, OP_LOOKUP);
	struct fuse_entry_param e;
	struct fs_node n;
	struct fs_loc l;
	double neg = 0;
	int rc;

	if (parent == FSI_ROOT && !strcmp(name, "inbox") && d->v.live) {
		/* asked at every path walk: the inbox session is mounted on
		 * it before the walk goes on (submount.c) */
		fsd_sub_want(d, fuse_req_ctx(req)->pid);
		memset(&e, 0, sizeof(e));
		e.ino = FSI_INBOX;
		inbox_stat(d, &e.attr);
		fuse_reply_entry(req, &e);
		return;
	}
	pthread_mutex_lock(&d->lock);
	rc = fs_loc_ino(&d->v, parent, &l);
	if (!rc) {
		neg = negative_timeout(d, &l);
		rc = fs_loc_step(&d->v, &l, name);
	}
	if (!rc && generated(&l))
		rc = fsd_gen_lookup(d, &l, parent, name, &e);
	else if (!rc) {
		rc = fs_loc_node(&d->v, &l, 0, &n);
		if (!rc)
			node_entry(d, &n, &e);
	}
	pthread_mutex_unlock(&d->lock);
	fs_loc_release(&l);
	if (rc == -ENOENT)
		reply_negative(req, neg);
	else if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_entry(req, &e);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fsd *d = DC(req, OP_FORGET);

	fsd_gen_forget(d, ino, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *v)
{
	struct fsd *d = DC(req, OP_FORGET);

	for (size_t i = 0; i < count; i++)
		fsd_gen_forget(d, v[i].ino, v[i].nlookup);
	fuse_reply_none(req);
}

/* Attributes of ino (not a rendering). */
static int stat_ino(struct fsd *d, fuse_ino_t ino, struct stat *st)
{
	struct fs_node n;
	struct fs_loc l;
	int rc;

	if (ino == FSI_INBOX) {
		inbox_stat(d, st);
		return 0;
	}
	pthread_mutex_lock(&d->lock);
	rc = fs_loc_ino(&d->v, ino, &l);
	if (!rc)
		rc = fs_loc_node(&d->v, &l, 0, &n);
	pthread_mutex_unlock(&d->lock);
	fs_loc_release(&l);
	if (!rc)
		fsd_node_stat(d, &n, st);
	return rc;
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fsd *d = DC(req, OP_GETATTR);
	struct stat st;
	int rc = fsd_gen_getattr(d, ino, &st);

	(void)fi;
	if (rc == -ESTALE)
		rc = stat_ino(d, ino, &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, d->timeout);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fsd *d = DC(req, OP_READLINK);
	struct buf t = BUF_INIT(BUF_MAX_SMALL);
	struct fs_loc l;
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = fs_loc_ino(&d->v, ino, &l);
	if (!rc)
		rc = fs_loc_readlink(&d->v, &l, &t);
	pthread_mutex_unlock(&d->lock);
	fs_loc_release(&l);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, buf_str(&t));
	buf_release(&t);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd *d = DC(req, OP_OPEN);

	(void)ino;
	if (d->zero_open) {
		fuse_reply_err(req, ENOSYS);    /* the kernel opens alone */
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, deny(d));
		return;
	}
	fi->keep_cache = 1;     /* a rendering or an exchange never changes */
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fsd *d = DC(req, OP_OPENDIR);

	(void)ino;
	if (d->zero_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = 1;  /* changes are announced */
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	DC(req, OP_RELEASE);
	fuse_reply_err(req, 0);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	DC(req, OP_RELEASEDIR);
	fuse_reply_err(req, 0);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	DC(req, OP_FLUSH);
	fuse_reply_err(req, ENOSYS);    /* and the kernel stops asking */
}

/* Copies size bytes at off of the file ino (an exchange's file or
 * README.md) into buf. */
static int read_ino(struct fsd *d, fuse_ino_t ino, char *buf, size_t size,
		    off_t off, size_t *got)
{
	struct fs_loc l;
	int rc;

	*got = 0;
	pthread_mutex_lock(&d->lock);
	rc = fs_loc_ino(&d->v, ino, &l);
	if (!rc && l.what == FSW_XFILE)
		rc = fs_view_xfile(&d->v, l.pid, l.xid, l.xfile, (size_t)off,
				   buf, size, got);
	else if (!rc) {
		struct buf b = BUF_INIT(BUF_MAX_FILE);

		rc = fs_loc_read(&d->v, &l, &b, NULL);
		if (!rc && (size_t)off < b.len) {
			*got = b.len - (size_t)off < size ?
				b.len - (size_t)off : size;
			memcpy(buf, b.p + off, *got);
		}
		buf_release(&b);
	}
	pthread_mutex_unlock(&d->lock);
	fs_loc_release(&l);
	return rc == -ENOENT ? -EIO : rc;       /* gone while open */
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fsd *d = DC(req, OP_READ);
	char *buf;
	size_t got = 0;
	int rc;

	(void)fi;
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	buf = xmalloc(size ? size : 1);
	rc = fsd_gen_read(d, ino, buf, size, off, &got);
	if (rc == -ESTALE)
		rc = read_ino(d, ino, buf, size, off, &got);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, buf, got);
	free(buf);
}

/* ---- listings ---- */

/* A reply being filled: "." and ".." are offsets 1 and 2, entry i of the
 * view is i + 3. */
struct dirbuf {
	struct fsd *d;
	fuse_req_t req;
	char *p;
	size_t size, len;
	int plus;
};

static int add_entry(struct dirbuf *b, const char *name,
		     const struct fs_node *n, off_t next)
{
	struct fuse_entry_param e;
	size_t need;

	node_entry(b->d, n, &e);
	if (!n->attr || !n->ino) {
		/* no lookup is counted: the kernel looks it up itself */
		e.ino = 0;
		e.attr.st_ino = n->ino ? n->ino : FSI_ROOT;
		e.attr_timeout = e.entry_timeout = 0;
	}
	if (b->plus)
		need = fuse_add_direntry_plus(b->req, b->p + b->len,
					      b->size - b->len, name, &e, next);
	else
		need = fuse_add_direntry(b->req, b->p + b->len,
					 b->size - b->len, name, &e.attr,
					 next);
	if (need > b->size - b->len)
		return 1;       /* full: the kernel asks again from here */
	b->len += need;
	return 0;
}

static int fill(void *ctx, const char *name, const struct fs_node *n)
{
	return add_entry(ctx, name, n, (off_t)(n->idx + 3));
}

static int dots(struct dirbuf *b, fuse_ino_t ino, off_t off)
{
	struct fs_node n;

	memset(&n, 0, sizeof(n));
	n.kind = FS_DIR;
	n.ino = ino;                    /* st_ino only: no entry */
	if (off < 1 && add_entry(b, ".", &n, 1))
		return 1;
	return off < 2 && add_entry(b, "..", &n, 2);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, int plus)
{
	struct fsd *d = DC(req, plus ? OP_READDIRPLUS : OP_READDIR);
	struct dirbuf b = { d, req, xmalloc(size ? size : 1), size, 0, plus };
	struct fs_loc l;
	int rc = 0;

	if (!dots(&b, ino, off) && ino != FSI_INBOX) {
		pthread_mutex_lock(&d->lock);
		rc = fs_loc_ino(&d->v, ino, &l);
		if (!rc)
			rc = fs_loc_list(&d->v, &l, off > 2 ? (uint64_t)off - 2 :
					 0, fill, &b);
		pthread_mutex_unlock(&d->lock);
		fs_loc_release(&l);
	}
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, b.p, b.len);
	free(b.p);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, 0);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, 1);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	DC(req, OP_STATFS);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

/* ---- writes: refused, but for forgetting one exchange ---- */

/* What parent/name is (-errno when it does not exist). */
static int child(struct fsd *d, fuse_ino_t parent, const char *name,
		 struct fs_loc *l)
{
	int rc = fs_loc_ino(&d->v, parent, l);

	return rc ? rc : fs_loc_step(&d->v, l, name);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fsd *d = DC(req, OP_UNLINK);
	struct fs_loc l;
	int rc;

	if (d->o->readonly) {
		fuse_reply_err(req, EROFS);
		return;
	}
	pthread_mutex_lock(&d->lock);
	rc = child(d, parent, name, &l);
	pthread_mutex_unlock(&d->lock);
	if (!rc && l.what != FSW_XFILE)
		rc = fsd_forget_refused(d, fuse_req_ctx(req)->pid,
					l.kind == FS_DIR ? -EISDIR : -EACCES);
	fs_loc_release(&l);
	fuse_reply_err(req, -rc);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fsd *d = DC(req, OP_RMDIR);
	pid_t pid = fuse_req_ctx(req)->pid;
	struct fs_loc l;
	int rc;

	if (d->o->readonly) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (parent == FSI_ROOT && !strcmp(name, "inbox")) {
		fuse_reply_err(req, -fsd_forget_refused(d, pid, -EBUSY));
		return;
	}
	pthread_mutex_lock(&d->lock);
	rc = child(d, parent, name, &l);
	pthread_mutex_unlock(&d->lock);
	if (!rc && l.what == FSW_XDIR)
		rc = fsd_forget_rmdir(d, &l, name, pid);
	else if (!rc)
		/* what rm -r leaves behind after its refused unlinks: the
		 * directory still holds them */
		rc = fsd_forget_refused(d, pid, l.kind == FS_DIR ?
					-ENOTEMPTY : -ENOTDIR);
	fs_loc_release(&l);
	fuse_reply_err(req, -rc);
}

/* What a write into parent answers: inbox/ without its session (a walk
 * that got here while it was being unmounted) says try again. */
static int deny_in(struct fsd *d, fuse_ino_t parent)
{
	return parent == FSI_INBOX && !d->o->readonly ? EAGAIN : deny(d);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	(void)name;
	(void)mode;
	fuse_reply_err(req, deny_in(DC(req, OP_MKDIR), parent));
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, deny(DC(req, OP_CREATE)));
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, deny_in(DC(req, OP_CREATE), parent));
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, deny(DC(req, OP_OTHER)));
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, deny(DC(req, OP_OTHER)));
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, deny(DC(req, OP_RENAME)));
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)ino;
	(void)attr;
	(void)to_set;
	(void)fi;
	fuse_reply_err(req, deny(DC(req, OP_SETATTR)));
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, deny(DC(req, OP_WRITE)));
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fsd *d = userdata;

	/* every chunk of a listing with attributes, not just the first */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;  /* targets never change */
	d->zero_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) &&
		(conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) &&
		!getenv("RECALLFS_FUSE_OPEN");
}

const struct fuse_lowlevel_ops fsd_ll_ops = {
	.init = ll_init,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.flush = ll_flush,
	.release = ll_release,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.readdirplus = ll_readdirplus,
	.releasedir = ll_releasedir,
	.statfs = ll_statfs,
	.create = ll_create,
};

/* ll_inbox.c: inbox/ as a FUSE session of its own, mounted on
 * MOUNTPOINT/inbox.  The tree's session answers open, opendir and flush
 * with ENOSYS, and the kernel then stops sending release (and flush) on
 * that whole connection; the inbox needs every close, since a file's
 * bytes are made durable and queued there (SPEC section 5).  So it gets a
 * connection where open, flush and release are answered normally.
 *
 * Names are paths relative to inbox/ ("", "P", "NAME", "P/NAME",
 * "failed/NAME"), handed to fs/inbox.h.  Inode numbers come from a small
 * table (what the kernel holds, dropped at forget); a name that changes
 * meaning (queued, ingested, failed, removed: the inbox's changed hook)
 * gets a new number, and the kernel is told to drop the old one, so that a
 * second `>>` to a consumed name never sees the first file's size.
 * Entries and attributes are not cached (timeouts 0): the queue moves. */
#include "common.h"
#include "daemon.h"
#include "redact.h"
#include "tx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#define NBUCKET 512

struct ient {
	struct ient *next_ino, *next_rel;
	uint64_t ino;
	char *rel;
	uint64_t nlookup;
	int retired;            /* rel no longer maps to it */
};

struct fsd_ibx {
	pthread_mutex_t mu;
	struct ient *by_ino[NBUCKET], *by_rel[NBUCKET];
	uint64_t next;
};

/* An open file: an inbox handle, or (--redact) a masked copy. */
struct ifh {
	uint64_t ih;
	int open;
	struct buf data;
};

static struct fsd *D(fuse_req_t req, enum fsd_op op)
{
	struct fsd *d = fuse_req_userdata(req);

	fsd_count(d, 1, op);
	fsd_sub_touch(d, 0);
	return d;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

int fsd_ibx_init(struct fsd *d)
{
	d->ibx = xcalloc(1, sizeof(*d->ibx));
	pthread_mutex_init(&d->ibx->mu, NULL);
	d->ibx->next = 1;       /* 1 is inbox/ itself */
	return 0;
}

static void clear(struct fsd_ibx *t)
{
	for (size_t i = 0; i < NBUCKET; i++)
		while (t->by_ino[i]) {
			struct ient *e = t->by_ino[i];

			t->by_ino[i] = e->next_ino;
			free(e->rel);
			free(e);
		}
	memset(t->by_rel, 0, sizeof(t->by_rel));
}

void fsd_ibx_reset(struct fsd *d)
{
	pthread_mutex_lock(&d->ibx->mu);
	clear(d->ibx);
	pthread_mutex_unlock(&d->ibx->mu);
}

void fsd_ibx_release(struct fsd *d)
{
	struct fsd_ibx *t = d->ibx;

	if (!t)
		return;
	clear(t);
	pthread_mutex_destroy(&t->mu);
	free(t);
	d->ibx = NULL;
}

static struct ient *by_ino(struct fsd_ibx *t, uint64_t ino)
{
	struct ient *e = t->by_ino[ino % NBUCKET];

	while (e && e->ino != ino)
		e = e->next_ino;
	return e;
}

static struct ient **rel_slot(struct fsd_ibx *t, const char *rel)
{
	struct ient **p = &t->by_rel[hash_str(rel) % NBUCKET];

	while (*p && strcmp((*p)->rel, rel))
		p = &(*p)->next_rel;
	return p;
}

/* The path of ino ("" for inbox/), copied into out.  -ENOENT. */
static int rel_of(struct fsd *d, uint64_t ino, struct buf *out)
{
	struct fsd_ibx *t = d->ibx;
	struct ient *e;
	int rc = 0;

	if (ino == FUSE_ROOT_ID)
		return 0;
	pthread_mutex_lock(&t->mu);
	e = by_ino(t, ino);
	if (!e)
		rc = -ENOENT;
	else
		rc = buf_adds(out, e->rel);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

/* The number of rel (made if new), with one more lookup counted. */
static uint64_t ino_of(struct fsd *d, const char *rel)
{
	struct fsd_ibx *t = d->ibx;
	struct ient **p, *e;
	uint64_t ino;

	pthread_mutex_lock(&t->mu);
	p = rel_slot(t, rel);
	e = *p;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->ino = ++t->next;
		e->rel = xstrdup(rel);
		e->next_rel = NULL;
		*p = e;
		e->next_ino = t->by_ino[e->ino % NBUCKET];
		t->by_ino[e->ino % NBUCKET] = e;
	}
	e->nlookup++;
	ino = e->ino;
	pthread_mutex_unlock(&t->mu);
	return ino;
}

static void unlink_rel(struct fsd_ibx *t, struct ient *e)
{
	struct ient **p = rel_slot(t, e->rel);

	if (*p == e)
		*p = e->next_rel;
	e->retired = 1;
}

static void drop(struct fsd_ibx *t, struct ient *e)
{
	struct ient **p = &t->by_ino[e->ino % NBUCKET];

	while (*p != e)
		p = &(*p)->next_ino;
	*p = e->next_ino;
	if (!e->retired)
		unlink_rel(t, e);
	free(e->rel);
	free(e);
}

void fsd_ibx_changed(struct fsd *d, const char *rel)
{
	struct fsd_ibx *t = d->ibx;
	struct ient **p, *e;
	const char *slash = strrchr(rel, '/');
	uint64_t parent = FUSE_ROOT_ID, old = 0;

	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	if (slash) {
		char *dir = xstrndup(rel, (size_t)(slash - rel));

		e = *rel_slot(t, dir);
		parent = e ? e->ino : 0;
		free(dir);
	}
	p = rel_slot(t, rel);
	if (*p && *rel) {
		e = *p;
		old = e->ino;
		unlink_rel(t, e);       /* the next lookup gets a new number */
	}
	pthread_mutex_unlock(&t->mu);
	if (parent) {
		if (old)
			fsd_note_delete(d, 1, parent, old,
					slash ? slash + 1 : rel);
		fsd_note_inode(d, 1, parent);
	}
	fsd_note_inode(d, 1, FUSE_ROOT_ID);
	fsd_notes_kick(d);
}

static void fix_owner(struct fsd *d, struct stat *st)
{
	st->st_uid = d->uid;
	st->st_gid = d->gid;
}

/* rel of parent + "/" + name into out. */
static int child_rel(struct fsd *d, uint64_t parent, const char *name,
		     struct buf *out)
{
	int rc = rel_of(d, parent, out);

	if (!rc && out->len)
		rc = buf_addc(out, '/');
	return rc ? rc : buf_adds(out, name);
}

static void reply_entry(fuse_req_t req, struct fsd *d, const char *rel,
			struct stat *st)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = ino_of(d, rel);
	e.attr = *st;
	e.attr.st_ino = e.ino;
	fix_owner(d, &e.attr);
	fuse_reply_entry(req, &e);
}

/* Answers a lookup (or mkdir) of rel: its entry, unless rc already says
 * why not; releases rel. */
static void reply_rel(fuse_req_t req, struct fsd *d, int rc, struct buf *rel)
{
	struct stat st;

	if (!rc)
		rc = fs_inbox_getattr(d->inbox, buf_str(rel), &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, d, buf_str(rel), &st);
	buf_release(rel);
}

static void ib_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fsd *d = D(req, OP_LOOKUP);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);

	reply_rel(req, d, child_rel(d, parent, name, &rel), &rel);
}

static void forget_one(struct fsd *d, uint64_t ino, uint64_t n)
{
	struct fsd_ibx *t = d->ibx;
	struct ient *e;

	pthread_mutex_lock(&t->mu);
	e = by_ino(t, ino);
	if (e) {
		e->nlookup -= n < e->nlookup ? n : e->nlookup;
		if (!e->nlookup)
			drop(t, e);
	}
	pthread_mutex_unlock(&t->mu);
}

static void ib_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(D(req, OP_FORGET), ino, nlookup);
	fuse_reply_none(req);
}

static void ib_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *v)
{
	struct fsd *d = D(req, OP_FORGET);

	for (size_t i = 0; i < count; i++)
		forget_one(d, v[i].ino, v[i].nlookup);
	fuse_reply_none(req);
}

static struct ifh *FH(struct fuse_file_info *fi)
{
	return fi ? (struct ifh *)(uintptr_t)fi->fh : NULL;
}

/* Attributes of ino, through the open handle fi when there is one. */
static int stat_of(struct fsd *d, fuse_ino_t ino, struct fuse_file_info *fi,
		   struct stat *st)
{
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	struct ifh *h = FH(fi);
	int rc;

	if (h && h->open)
		rc = fs_inbox_fstat(d->inbox, h->ih, st);
	else {
		rc = rel_of(d, ino, &rel);
		if (!rc)
			rc = fs_inbox_getattr(d->inbox, buf_str(&rel), st);
		if (!rc && h && !h->open)       /* a redacted copy */
			st->st_size = (off_t)h->data.len;
	}
	buf_release(&rel);
	if (!rc) {
		st->st_ino = ino;
		fix_owner(d, st);
	}
	return rc;
}

static void ib_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_GETATTR);
	struct stat st;
	int rc = stat_of(d, ino, fi, &st);

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

/* chmod, chown, utimes: accepted (and ignored) so that cp -p and rsync
 * work; a size: truncate. */
static void ib_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_SETATTR);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	struct ifh *h = FH(fi);
	struct stat st;
	int rc = 0;

	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (h && h->open)
			rc = fs_inbox_ftruncate(d->inbox, h->ih, attr->st_size);
		else if (!(rc = rel_of(d, ino, &rel)))
			rc = *buf_str(&rel) ? fs_inbox_truncate(d->inbox,
					buf_str(&rel), attr->st_size) : -EISDIR;
	}
	if (!rc)
		rc = stat_of(d, ino, fi, &st);
	buf_release(&rel);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

static void ifh_free(struct ifh *h)
{
	buf_release(&h->data);
	free(h);
}

/* --redact: a queued or failed transcript read back is served masked,
 * from a copy taken at open (inbox files are capped at the transcript
 * limit). */
static int read_redacted(struct fsd *d, struct ifh *h)
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
	h->open = 0;
	return rc;
}

static int open_rel(struct fsd *d, const char *rel, struct fuse_file_info *fi,
		    int create)
{
	struct ifh *h = xcalloc(1, sizeof(*h));
	int rc = fs_inbox_open_file(d->inbox, rel, fi->flags, create, &h->ih);

	buf_init(&h->data, BUF_MAX_FILE);
	if (rc) {
		ifh_free(h);
		return rc;
	}
	h->open = 1;
	if (d->o->redact && (fi->flags & O_ACCMODE) == O_RDONLY) {
		rc = read_redacted(d, h);
		if (rc) {
			ifh_free(h);
			return rc;
		}
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;      /* its bytes change under the same name */
	return 0;
}

static void ib_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_OPEN);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	int rc = rel_of(d, ino, &rel);

	if (!rc)
		rc = *buf_str(&rel) ? open_rel(d, buf_str(&rel), fi, 0) :
			-EISDIR;
	buf_release(&rel);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (fuse_reply_open(req, fi) == 0)
		fsd_sub_touch(d, 1);
}

static void ib_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_CREATE);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	struct fuse_entry_param e;
	int rc = child_rel(d, parent, name, &rel);

	(void)mode;
	if (!rc)
		rc = open_rel(d, buf_str(&rel), fi, 1);
	if (!rc) {
		memset(&e, 0, sizeof(e));
		rc = fs_inbox_fstat(d->inbox, FH(fi)->ih, &e.attr);
		if (rc) {
			fs_inbox_release(d->inbox, FH(fi)->ih);
			ifh_free(FH(fi));
		}
	}
	if (!rc) {
		e.ino = ino_of(d, buf_str(&rel));
		e.attr.st_ino = e.ino;
		fix_owner(d, &e.attr);
		if (fuse_reply_create(req, &e, fi) == 0)
			fsd_sub_touch(d, 1);
	} else {
		fuse_reply_err(req, -rc);
	}
	buf_release(&rel);
}

static void ib_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_READ);
	struct ifh *h = FH(fi);
	char *buf = xmalloc(size ? size : 1);
	int n = 0;

	(void)ino;
	if (h->open)
		n = fs_inbox_read(d->inbox, h->ih, buf, size, off);
	else if (off >= 0 && (size_t)off < h->data.len) {
		n = (int)(h->data.len - (size_t)off < size ?
			  h->data.len - (size_t)off : size);
		memcpy(buf, h->data.p + off, (size_t)n);
	}
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void ib_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_WRITE);
	struct ifh *h = FH(fi);
	int n = h->open ? fs_inbox_write(d->inbox, h->ih, buf, size, off) :
		-EBADF;

	(void)ino;
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void ib_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_FLUSH);
	struct ifh *h = FH(fi);

	(void)ino;
	fuse_reply_err(req, h->open ? -fs_inbox_flush(d->inbox, h->ih) : 0);
}

static void ib_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_FSYNC);
	struct ifh *h = FH(fi);

	(void)ino;
	(void)datasync;
	fuse_reply_err(req, h->open ? -fs_inbox_flush(d->inbox, h->ih) : 0);
}

static void ib_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_RELEASE);
	struct ifh *h = FH(fi);
	int rc = h->open ? fs_inbox_release(d->inbox, h->ih) : 0;

	(void)ino;
	ifh_free(h);
	fsd_sub_touch(d, -1);
	fuse_reply_err(req, -rc);
}

/* ---- directories ---- */

static void ib_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_OPENDIR);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	struct stat st;
	int rc = rel_of(d, ino, &rel);

	if (!rc)
		rc = fs_inbox_getattr(d->inbox, buf_str(&rel), &st);
	if (!rc && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	buf_release(&rel);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (fuse_reply_open(req, fi) == 0)
		fsd_sub_touch(d, 1);
}

/* The listing is read whole at offset 0: entry i is offset i + 1. */
static void ib_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct fsd *d = D(req, OP_READDIR);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL), full = BUF_INIT(BUF_MAX_SMALL);
	struct fs_names n = FS_NAMES_INIT;
	char *p = xmalloc(size ? size : 1);
	size_t len = 0;
	struct stat st;
	int rc = rel_of(d, ino, &rel);

	(void)fi;
	if (!rc)
		rc = fs_inbox_list(d->inbox, buf_str(&rel), fs_names_add, &n);
	memset(&st, 0, sizeof(st));
	for (size_t i = (size_t)off; !rc && i < n.names.n + 2; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." :
			n.names.v[i - 2];
		size_t need;

		buf_reset(&full);
		buf_addf(&full, "%s/%s", buf_str(&rel), name);
		/* a number for d_ino only (a lookup gives the real one) */
		st.st_ino = (hash_str(buf_str(&full)) | 1u) & ~(1ull << 63);
		st.st_mode = i < 2 || n.kind[i - 2] == FS_DIR ? S_IFDIR :
			S_IFREG;
		need = fuse_add_direntry(req, p + len, size - len, name, &st,
					 (off_t)i + 1);
		if (need > size - len)
			break;
		len += need;
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, p, len);
	free(p);
	fs_names_release(&n);
	buf_release(&rel);
	buf_release(&full);
}

static void ib_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fsd_sub_touch(D(req, OP_RELEASEDIR), -1);
	fuse_reply_err(req, 0);
}

static void ib_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fsd *d = D(req, OP_MKDIR);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	int rc = child_rel(d, parent, name, &rel);

	(void)mode;
	/* --project P: the one project folder is P (the inbox says what may
	 * be made below it) */
	if (!rc && parent == FUSE_ROOT_ID && d->o->project &&
	    strcmp(name, d->o->project))
		rc = -EACCES;
	if (!rc)
		rc = fs_inbox_mkdir(d->inbox, buf_str(&rel));
	reply_rel(req, d, rc, &rel);
}

/* unlink or rmdir of parent/name. */
static void remove_rel(fuse_req_t req, enum fsd_op op, fuse_ino_t parent,
		       const char *name,
		       int (*fn)(struct fs_inbox *, const char *))
{
	struct fsd *d = D(req, op);
	struct buf rel = BUF_INIT(BUF_MAX_SMALL);
	int rc = child_rel(d, parent, name, &rel);

	if (!rc)
		rc = fn(d->inbox, buf_str(&rel));
	fuse_reply_err(req, -rc);
	buf_release(&rel);
}

static void ib_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_rel(req, OP_UNLINK, parent, name, fs_inbox_unlink);
}

static void ib_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_rel(req, OP_RMDIR, parent, name, fs_inbox_rmdir);
}

static void ib_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct fsd *d = D(req, OP_RENAME);
	struct buf a = BUF_INIT(BUF_MAX_SMALL), b = BUF_INIT(BUF_MAX_SMALL);
	int rc = flags ? -EINVAL : child_rel(d, parent, name, &a);

	if (!rc)
		rc = child_rel(d, newparent, newname, &b);
	if (!rc)
		rc = fs_inbox_rename(d->inbox, buf_str(&a), buf_str(&b));
	fuse_reply_err(req, -rc);
	buf_release(&a);
	buf_release(&b);
}

static void ib_refuse(fuse_req_t req, enum fsd_op op)
{
	D(req, op);
	fuse_reply_err(req, EACCES);
}

static void ib_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	ib_refuse(req, OP_OTHER);
}

static void ib_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	ib_refuse(req, OP_OTHER);
}

static void ib_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	ib_refuse(req, OP_CREATE);
}

static void ib_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	D(req, OP_STATFS);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

static void ib_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* the queue moves: nothing is cached, listings are read plainly */
	conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
}

const struct fuse_lowlevel_ops fsd_inbox_ops = {
	.init = ib_init,
	.lookup = ib_lookup,
	.forget = ib_forget,
	.forget_multi = ib_forget_multi,
	.getattr = ib_getattr,
	.setattr = ib_setattr,
	.mknod = ib_mknod,
	.mkdir = ib_mkdir,
	.unlink = ib_unlink,
	.rmdir = ib_rmdir,
	.symlink = ib_symlink,
	.rename = ib_rename,
	.link = ib_link,
	.open = ib_open,
	.read = ib_read,
	.write = ib_write,
	.flush = ib_flush,
	.release = ib_release,
	.fsync = ib_fsync,
	.opendir = ib_opendir,
	.readdir = ib_readdir,
	.releasedir = ib_releasedir,
	.statfs = ib_statfs,
	.create = ib_create,
};

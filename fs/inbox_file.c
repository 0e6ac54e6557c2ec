/* inbox_file.c: open files of inbox/ and their operations.  A file opened
 * for writing gets a fresh spool file in tmp/ (holding the old bytes
 * unless truncated); its first flush (close) makes the bytes durable and
 * queues it, and the worker takes it once the last handle is released.
 * A write error sticks to the handle: every later write and the close
 * report it, and the file is discarded, never queued half-written.
 * O_APPEND writes go to the end of the spool file whatever offset the
 * kernel sends (its idea of the size can be a consumed file's). */
#include "common.h"
#include "inbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the handle table ---- */

static struct ofile *of_get(struct fs_inbox *ib, uint64_t h)
{
	return h && h <= ib->nof ? ib->of[h - 1] : NULL;
}

struct ofile *inbox_of_writing(struct fs_inbox *ib, const char *rel)
{
	for (size_t i = 0; i < ib->nof; i++)
		if (ib->of[i] && ib->of[i]->writing && !ib->of[i]->unlinked &&
		    !strcmp(ib->of[i]->rel, rel))
			return ib->of[i];
	return NULL;
}

int inbox_of_busy(struct fs_inbox *ib, const char *path)
{
	for (size_t i = 0; i < ib->nof; i++)
		if (ib->of[i] && ib->of[i]->writing &&
		    !strcmp(buf_str(&ib->of[i]->path), path))
			return 1;
	return 0;
}

static uint64_t of_add(struct fs_inbox *ib, struct ofile *f)
{
	for (size_t i = 0; i < ib->nof; i++)
		if (!ib->of[i]) {
			ib->of[i] = f;
			return i + 1;
		}
	XGROW(ib->of, ib->capof, ib->nof + 1);
	ib->of[ib->nof++] = f;
	return ib->nof;
}

static struct ofile *of_new(int fd, const char *rel)
{
	struct ofile *f = xcalloc(1, sizeof(*f));

	f->fd = fd;
	f->rel = xstrdup(rel);
	buf_init(&f->path, BUF_MAX_SMALL);
	return f;
}

static void of_free(struct ofile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->rel);
	buf_release(&f->path);
	free(f);
}

/* Removes what a writing handle spooled (never queued, or broken). */
static void of_discard(struct fs_inbox *ib, struct ofile *f)
{
	struct stat st;

	if (!f->unlinked && !fstat(f->fd, &st)) {
		st.st_mode = S_IFREG | 0644;
		inbox_ghost_add(ib, f->rel, &st);  /* it was listed */
	}
	unlink(buf_str(&f->path));
}

void inbox_of_close_all(struct fs_inbox *ib)
{
	for (size_t i = 0; i < ib->nof; i++) {
		struct ofile *f = ib->of[i];

		if (f && f->writing && (!f->queued || f->err || f->unlinked))
			unlink(buf_str(&f->path));
		if (f)
			of_free(f);
	}
	free(ib->of);
	ib->of = NULL;
	ib->nof = ib->capof = 0;
}

/* ---- opening ---- */

static int copy_fd(int from, int to)
{
	char b[65536];
	ssize_t n;

	while ((n = read(from, b, sizeof(b))) > 0)
		if (write(to, b, (size_t)n) != n)
			return errno ? -errno : -ENOSPC;
	return n < 0 ? -errno : 0;
}

/* The current bytes of rel (being written, or newest queued), opened for
 * reading; -ENOENT when there are none. */
static int open_existing(struct fs_inbox *ib, const char *rel)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct ofile *f = inbox_of_writing(ib, rel);
	const struct spool_ent *e;
	char *dir = NULL;
	const char *name, *path = NULL;
	int fd;

	if (f)
		path = buf_str(&f->path);
	else if (!spool_split(rel, &dir, &name)) {
		spool_scan_dir(&ib->sp, dir, &q, NULL);
		e = spool_find(&q, dir, name);
		path = e ? e->path : NULL;
	}
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (path && fd < 0)
		fd = -errno;
	else if (!path)
		fd = -ENOENT;
	free(dir);
	spool_list_release(&q);
	return fd;
}

/* Checks that rel can be written: its folder exists. */
static int writable(struct fs_inbox *ib, const char *rel)
{
	char *dir = NULL;
	const char *name;
	int rc = spool_split(rel, &dir, &name);

	if (rc == -ENOENT)
		rc = -EACCES;
	if (!rc && dir && !inbox_is_dir(ib, dir))
		rc = -ENOENT;
	free(dir);
	return rc;
}

static int open_write(struct fs_inbox *ib, const char *rel, int flags,
		      int create, uint64_t *h)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	unsigned long long seq;
	struct ofile *f;
	int old = -ENOENT, fd, rc = writable(ib, rel);

	if (!rc && !(flags & O_TRUNC))
		old = open_existing(ib, rel);
	if (!rc && create && (flags & O_EXCL) && old >= 0)
		rc = -EEXIST;
	fd = rc ? rc : spool_create(&ib->sp, &seq, &path);
	if (fd >= 0 && old >= 0)
		rc = copy_fd(old, fd);
	if (old >= 0)
		close(old);
	if (fd < 0 || rc) {
		if (fd >= 0) {
			close(fd);
			unlink(buf_str(&path));
		}
		buf_release(&path);
		return fd < 0 ? fd : rc;
	}
	f = of_new(fd, rel);
	f->writing = 1;
	f->append = !!(flags & O_APPEND);
	f->seq = seq;
	buf_adds(&f->path, buf_str(&path));
	buf_release(&path);
	inbox_ghost_drop(ib, rel);
	*h = of_add(ib, f);
	return 0;
}

static int open_read(struct fs_inbox *ib, const char *rel, uint64_t *h)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int fd;

	if (!strncmp(rel, "failed/", 7)) {
		fd = spool_failed_path(&ib->sp, rel + 7, &p);
		if (!fd)
			fd = open(buf_str(&p), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && fd != -ENOENT)
			fd = -errno;
	} else {
		fd = open_existing(ib, rel);
	}
	buf_release(&p);
	if (fd < 0)
		return fd;
	*h = of_add(ib, of_new(fd, rel));
	return 0;
}

int fs_inbox_open_file(struct fs_inbox *ib, const char *rel, int flags,
		       int create, uint64_t *h)
{
	int rc, wr = create || (flags & O_ACCMODE) != O_RDONLY;

	pthread_mutex_lock(&ib->mu);
	if (wr)
		rc = strncmp(rel, "failed/", 7) ?
			open_write(ib, rel, flags, create, h) : -EACCES;
	else
		rc = open_read(ib, rel, h);
	pthread_mutex_unlock(&ib->mu);
	/* a new file, or new bytes under an old name */
	if (!rc && wr)
		inbox_changed(ib, rel);
	return rc;
}

/* ---- reading and writing ---- */

int fs_inbox_read(struct fs_inbox *ib, uint64_t h, char *buf, size_t size,
		  off_t off)
{
	struct ofile *f;
	int fd;
	ssize_t n;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	fd = f ? f->fd : -1;
	pthread_mutex_unlock(&ib->mu);
	if (!f)
		return -EBADF;
	n = pread(fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int write_locked(struct ofile *f, const char *buf, size_t size,
			off_t off)
{
	struct stat st;
	ssize_t n;

	if (f->err)
		return f->err;
	if (f->append) {
		if (fstat(f->fd, &st))
			return f->err = -errno;
		off = st.st_size;
	}
	n = pwrite(f->fd, buf, size, off);
	if (n < 0)
		return f->err = -errno;
	if ((size_t)n < size)   /* the rest would fail: the disk is full */
		f->err = -ENOSPC;
	return (int)n;
}

int fs_inbox_write(struct fs_inbox *ib, uint64_t h, const char *buf,
		   size_t size, off_t off)
{
	struct ofile *f;
	int rc;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	rc = !f || !f->writing ? -EBADF : write_locked(f, buf, size, off);
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

int fs_inbox_fstat(struct fs_inbox *ib, uint64_t h, struct stat *st)
{
	struct ofile *f;
	int rc;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	rc = !f ? -EBADF : fstat(f->fd, st) ? -errno : 0;
	pthread_mutex_unlock(&ib->mu);
	if (!rc)
		st->st_mode = S_IFREG | 0644;
	return rc;
}

static int truncate_locked(struct ofile *f, off_t size)
{
	if (!f || !f->writing)
		return -EACCES;
	if (f->err)
		return f->err;
	return ftruncate(f->fd, size) ? -errno : 0;
}

int fs_inbox_ftruncate(struct fs_inbox *ib, uint64_t h, off_t size)
{
	int rc;

	pthread_mutex_lock(&ib->mu);
	rc = truncate_locked(of_get(ib, h), size);
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

int fs_inbox_truncate(struct fs_inbox *ib, const char *rel, off_t size)
{
	int rc;

	pthread_mutex_lock(&ib->mu);
	rc = truncate_locked(inbox_of_writing(ib, rel), size);
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

/* ---- close ---- */

/* fsync, then (the first time) move into the queue: the bytes are
 * durable before the file is visible to the worker or survives a
 * restart.  1 when it was queued just now. */
static int flush_locked(struct fs_inbox *ib, struct ofile *f)
{
	char *dir = NULL;
	const char *name;
	int rc;

	if (f->err)
		return f->err;
	if (f->queued || f->unlinked)
		return fsync(f->fd) ? -errno : 0;
	rc = spool_split(f->rel, &dir, &name);
	if (!rc)
		rc = spool_commit(&ib->sp, f->fd, &f->path, dir, name, f->seq);
	if (!rc) {
		f->queued = 1;
		inbox_supersede(ib, dir, name, f->seq);
	}
	free(dir);
	return rc ? rc : 1;
}

int fs_inbox_flush(struct fs_inbox *ib, uint64_t h)
{
	struct ofile *f;
	char *rel = NULL;
	int rc;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	rc = !f ? -EBADF : !f->writing ? 0 : flush_locked(ib, f);
	if (rc < 0 && f && f->writing && !f->err)
		f->err = rc;            /* the close saw it: never queue this */
	if (rc == 1)
		rel = xstrdup(f->rel);
	pthread_mutex_unlock(&ib->mu);
	if (rel)
		inbox_changed(ib, rel);
	free(rel);
	return rc < 0 ? rc : 0;
}

int fs_inbox_release(struct fs_inbox *ib, uint64_t h)
{
	struct ofile *f;
	char *rel = NULL;
	int rc = 0;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	if (f) {
		ib->of[h - 1] = NULL;
		if (f->writing) {
			rc = flush_locked(ib, f);
			if (rc < 0 || f->unlinked)
				of_discard(ib, f);
			rel = xstrdup(f->rel);
		}
		of_free(f);
		inbox_kick(ib);
	}
	pthread_mutex_unlock(&ib->mu);
	if (rel)
		inbox_changed(ib, rel);
	free(rel);
	return !f ? -EBADF : rc < 0 ? rc : 0;
}

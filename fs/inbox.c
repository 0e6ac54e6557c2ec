/* inbox.c: the spool behind inbox/ (layout in inbox.h): open files, the
 * queue on disk, the failed/ directory, and the worker thread that takes
 * the oldest ready file, ingests it and removes it (or moves it to
 * failed/ with a one-line .error).  One mutex guards the open-file table
 * and every rename/unlink in the spool. */
#include "common.h"
#include "inbox.h"
#include "store.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_DIGITS 20
#define NLASTERR 5
#define MAX_TRIES 5

struct ofile {
	int fd;
	int writing, queued;
	char *rel;              /* "NAME" or "P/NAME" */
	char *spath;            /* where the bytes are now */
	unsigned long long seq;
};

struct qent {
	unsigned long long seq;
	char *project;          /* NULL at the inbox root */
	char *name;
	char *spath;
};

struct fs_inbox {
	char *dir;
	struct fs_inbox_hooks h;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ofile **of;
	size_t nof, capof;
	unsigned long long seq;
	pthread_t thr;
	int started, stop, kicked;
	char *current;          /* rel being ingested */
	time_t t0;              /* mtime of the inbox directories */
	char *lasterr[NLASTERR];
	size_t nerr, nfailed, ningested;
};

/* ---- names ---- */

/* Splits rel into project (NULL at root) and name; -ENOENT when rel is
 * not a file name the inbox can hold. */
static int split_rel(const char *rel, char **project, const char **name)
{
	const char *slash = strchr(rel, '/');

	*project = NULL;
	if (!slash) {
		*name = rel;
		return *rel && strcmp(rel, "failed") ? 0 : -ENOENT;
	}
	if (strchr(slash + 1, '/') || !slash[1])
		return -ENOENT;
	*project = xstrndup(rel, (size_t)(slash - rel));
	*name = slash + 1;
	if (!strcmp(*project, "failed") || !store_project_name_ok(*project)) {
		free(*project);
		*project = NULL;
		return -ENOENT;
	}
	return 0;
}

static void path_of(struct fs_inbox *ib, struct buf *b, const char *sub,
		    const char *project, unsigned long long seq,
		    const char *name)
{
	buf_addf(b, "%s/%s", ib->dir, sub);
	if (project)
		buf_addf(b, "/%s", project);
	if (name)
		buf_addf(b, "/%0*llu.%s", SEQ_DIGITS, seq, name);
}

static unsigned long long next_seq(struct fs_inbox *ib)
{
	struct timespec ts;
	unsigned long long now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ull +
	      (unsigned long long)ts.tv_nsec / 1000;
	ib->seq = now > ib->seq ? now : ib->seq + 1;
	return ib->seq;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* ---- the queue on disk ---- */

struct qlist {
	struct qent *v;
	size_t n, cap;
};

static void qlist_release(struct qlist *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].project);
		free(q->v[i].name);
		free(q->v[i].spath);
	}
	free(q->v);
	memset(q, 0, sizeof(*q));
}

static void scan_dir(struct fs_inbox *ib, const char *project,
		     struct qlist *q, struct strv *subdirs)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	path_of(ib, &p, "queue", project, 0, NULL);
	d = opendir(buf_str(&p));
	while (d && (de = readdir(d))) {
		const char *n = de->d_name;
		char *end;
		unsigned long long seq;
		struct qent *e;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (de->d_type == DT_DIR) {
			if (!project && subdirs)
				strv_push(subdirs, n);
			continue;
		}
		seq = strtoull(n, &end, 10);
		if (end - n != SEQ_DIGITS || *end != '.' || !end[1])
			continue;
		XGROW(q->v, q->cap, q->n + 1);
		e = &q->v[q->n++];
		e->seq = seq;
		e->project = project ? xstrdup(project) : NULL;
		e->name = xstrdup(end + 1);
		buf_reset(&p);
		path_of(ib, &p, "queue", project, 0, NULL);
		buf_addf(&p, "/%s", n);
		e->spath = xstrdup(buf_str(&p));
	}
	if (d)
		closedir(d);
	buf_release(&p);
}

/* Every queued file; subdirs (if not NULL) gets the project dirs. */
static void scan_queue(struct fs_inbox *ib, struct qlist *q,
		       struct strv *subdirs)
{
	struct strv dirs = STRV_INIT;

	scan_dir(ib, NULL, q, &dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		scan_dir(ib, dirs.v[i], q, NULL);
		if (subdirs)
			strv_push(subdirs, dirs.v[i]);
	}
	strv_clear(&dirs);
}

static int same_place(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The newest queued entry for (project, name), or NULL. */
static const struct qent *q_find(const struct qlist *q, const char *project,
				 const char *name)
{
	const struct qent *hit = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (same_place(q->v[i].project, project) &&
		    !strcmp(q->v[i].name, name) &&
		    (!hit || q->v[i].seq > hit->seq))
			hit = &q->v[i];
	return hit;
}

/* ---- open files ---- */

static struct ofile *of_get(struct fs_inbox *ib, uint64_t h)
{
	return h && h <= ib->nof ? ib->of[h - 1] : NULL;
}

static struct ofile *of_writing(struct fs_inbox *ib, const char *rel)
{
	for (size_t i = 0; i < ib->nof; i++)
		if (ib->of[i] && ib->of[i]->writing &&
		    !strcmp(ib->of[i]->rel, rel))
			return ib->of[i];
	return NULL;
}

static int of_open_spath(struct fs_inbox *ib, const char *spath)
{
	for (size_t i = 0; i < ib->nof; i++)
		if (ib->of[i] && ib->of[i]->writing &&
		    !strcmp(ib->of[i]->spath, spath))
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

static void of_free(struct ofile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->rel);
	free(f->spath);
	free(f);
}

/* ---- opening, listing ---- */

static void add_err(struct fs_inbox *ib, const char *line)
{
	free(ib->lasterr[ib->nerr % NLASTERR]);
	ib->lasterr[ib->nerr % NLASTERR] = xstrdup(line);
	ib->nerr++;
}

static void clear_tmp(struct fs_inbox *ib)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	buf_addf(&p, "%s/tmp", ib->dir);
	d = opendir(buf_str(&p));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/tmp/%s", ib->dir, de->d_name);
		unlink(buf_str(&p));
	}
	if (d)
		closedir(d);
	buf_release(&p);
}

int fs_inbox_open(struct fs_inbox **out, const char *dir,
		  const struct fs_inbox_hooks *h, struct buf *err)
{
	static const char *const subs[] = { "", "/tmp", "/queue", "/failed" };
	struct fs_inbox *ib = xcalloc(1, sizeof(*ib));
	struct buf p = BUF_INIT(BUF_MAX_SMALL);

	ib->dir = xstrdup(dir);
	ib->h = *h;
	ib->t0 = time(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", dir, subs[i]);
		if (mkdir(buf_str(&p), 0700) && errno != EEXIST) {
			int rc = -errno;

			buf_addf(err, "%s: %s", buf_str(&p), err_str(rc));
			buf_release(&p);
			free(ib->dir);
			free(ib);
			return rc;
		}
	}
	buf_release(&p);
	clear_tmp(ib);
	pthread_mutex_init(&ib->mu, NULL);
	pthread_cond_init(&ib->cv, NULL);
	*out = ib;
	return 0;
}

static int stat_file(const char *path, struct stat *st)
{
	if (lstat(path, st))
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	return 0;
}

static void dir_stat(const struct fs_inbox *ib, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_mtim.tv_sec = ib->t0;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

static int is_project_dir(struct fs_inbox *ib, const char *name)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct strv sv = STRV_INIT;
	struct stat st;
	int yes;

	if (!store_project_name_ok(name) || !strcmp(name, "failed"))
		return 0;
	path_of(ib, &p, "queue", name, 0, NULL);
	yes = !stat(buf_str(&p), &st) && S_ISDIR(st.st_mode);
	if (!yes && ib->h.projects) {
		ib->h.projects(ib->h.ctx, &sv);
		yes = strv_has(&sv, name);
	}
	strv_clear(&sv);
	buf_release(&p);
	return yes;
}

static int getattr_locked(struct fs_inbox *ib, const char *rel,
			  struct stat *st)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct qlist q = { NULL, 0, 0 };
	const struct qent *e;
	struct ofile *f;
	char *project = NULL;
	const char *name;
	int rc = -ENOENT;

	if (!*rel || !strcmp(rel, "failed")) {
		dir_stat(ib, st);
		return 0;
	}
	if (!strncmp(rel, "failed/", 7)) {
		if (strchr(rel + 7, '/'))
			return -ENOENT;
		buf_addf(&p, "%s/%s", ib->dir, rel);
		rc = stat_file(buf_str(&p), st);
		buf_release(&p);
		return rc;
	}
	f = of_writing(ib, rel);
	if (f) {
		rc = fstat(f->fd, st) ? -errno : 0;
		st->st_mode = S_IFREG | 0644;
		return rc;
	}
	if (!split_rel(rel, &project, &name)) {
		scan_queue(ib, &q, NULL);
		e = q_find(&q, project, name);
		if (e)
			rc = stat_file(e->spath, st);
	}
	if (rc && !strchr(rel, '/') && is_project_dir(ib, rel)) {
		dir_stat(ib, st);
		rc = 0;
	}
	free(project);
	qlist_release(&q);
	return rc;
}

int fs_inbox_getattr(struct fs_inbox *ib, const char *rel, struct stat *st)
{
	int rc;

	pthread_mutex_lock(&ib->mu);
	rc = getattr_locked(ib, rel, st);
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

static int list_failed(struct fs_inbox *ib, struct strv *names)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	buf_addf(&p, "%s/failed", ib->dir);
	d = opendir(buf_str(&p));
	buf_release(&p);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push_unique(names, de->d_name);
	closedir(d);
	return 0;
}

static void list_files(struct fs_inbox *ib, const char *project,
		       const struct qlist *q, struct strv *names)
{
	for (size_t i = 0; i < ib->nof; i++) {
		char *fp = NULL;
		const char *fname;

		if (!ib->of[i] || !ib->of[i]->writing)
			continue;
		if (!split_rel(ib->of[i]->rel, &fp, &fname) &&
		    same_place(fp, project))
			strv_push_unique(names, fname);
		free(fp);
	}
	for (size_t i = 0; i < q->n; i++)
		if (same_place(q->v[i].project, project))
			strv_push_unique(names, q->v[i].name);
}

int fs_inbox_list(struct fs_inbox *ib, const char *rel, fs_list_fn fn,
		  void *ctx)
{
	struct qlist q = { NULL, 0, 0 };
	struct strv dirs = STRV_INIT, files = STRV_INIT, seen = STRV_INIT;
	int rc = 0;

	pthread_mutex_lock(&ib->mu);
	if (!strcmp(rel, "failed")) {
		rc = list_failed(ib, &files);
	} else if (!*rel || is_project_dir(ib, rel)) {
		scan_queue(ib, &q, *rel ? NULL : &dirs);
		if (!*rel && ib->h.projects)
			ib->h.projects(ib->h.ctx, &dirs);
		list_files(ib, *rel ? rel : NULL, &q, &files);
	} else {
		rc = -ENOENT;
	}
	pthread_mutex_unlock(&ib->mu);
	if (!rc && !*rel)
		rc = fn(ctx, "failed", FS_DIR);
	/* dirs may repeat (queue dir and store project): emit each once */
	for (size_t i = 0; !rc && i < dirs.n; i++)
		if (strcmp(dirs.v[i], "failed") &&
		    strv_push_unique(&seen, dirs.v[i]))
			rc = fn(ctx, dirs.v[i], FS_DIR);
	strv_clear(&seen);
	for (size_t i = 0; !rc && i < files.n; i++)
		rc = fn(ctx, files.v[i], FS_REG);
	qlist_release(&q);
	strv_clear(&dirs);
	strv_clear(&files);
	return rc;
}

/* ---- reading and writing ---- */

static int copy_fd(int from, int to)
{
	char b[65536];
	ssize_t n;

	while ((n = read(from, b, sizeof(b))) > 0)
		if (write(to, b, (size_t)n) != n)
			return -EIO;
	return n < 0 ? -errno : 0;
}

/* The current bytes of rel (open for writing or newest queued) as an fd. */
static int open_existing(struct fs_inbox *ib, const char *rel)
{
	struct qlist q = { NULL, 0, 0 };
	struct ofile *f = of_writing(ib, rel);
	char *project = NULL;
	const char *name;
	const struct qent *e;
	int fd = -ENOENT;

	if (f) {
		fd = open(f->spath, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (split_rel(rel, &project, &name))
		return -ENOENT;
	scan_queue(ib, &q, NULL);
	e = q_find(&q, project, name);
	if (e) {
		fd = open(e->spath, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	free(project);
	qlist_release(&q);
	return fd;
}

static int open_write(struct fs_inbox *ib, const char *rel, int flags,
		      int create, uint64_t *h)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct ofile *f;
	char *project = NULL;
	const char *name;
	unsigned long long seq;
	int fd, rc = split_rel(rel, &project, &name);

	if (rc)
		return rc == -ENOENT ? -EACCES : rc;
	if (strlen(name) > NAME_MAX - SEQ_DIGITS - 1) {
		free(project);
		return -ENAMETOOLONG;   /* "SEQ.NAME" must fit the spool */
	}
	if (project && !is_project_dir(ib, project)) {
		free(project);
		return -ENOENT;
	}
	free(project);
	seq = next_seq(ib);
	buf_addf(&p, "%s/tmp/%0*llu", ib->dir, SEQ_DIGITS, seq);
	fd = open(buf_str(&p), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		buf_release(&p);
		return rc;
	}
	if (!create && !(flags & O_TRUNC)) {
		int old = open_existing(ib, rel);

		if (old >= 0) {
			rc = copy_fd(old, fd);
			close(old);
		}
	}
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->writing = 1;
	f->rel = xstrdup(rel);
	f->spath = buf_detach(&p);
	f->seq = seq;
	if (rc) {
		unlink(f->spath);
		of_free(f);
		return rc;
	}
	*h = of_add(ib, f);
	return 0;
}

static int open_read(struct fs_inbox *ib, const char *rel, uint64_t *h)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct ofile *f;
	int fd;

	if (!strncmp(rel, "failed/", 7)) {
		buf_addf(&p, "%s/%s", ib->dir, rel);
		fd = open(buf_str(&p), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			fd = -errno;
	} else {
		fd = open_existing(ib, rel);
	}
	buf_release(&p);
	if (fd < 0)
		return fd;
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->rel = xstrdup(rel);
	f->spath = xstrdup("");
	*h = of_add(ib, f);
	return 0;
}

int fs_inbox_open_file(struct fs_inbox *ib, const char *rel, int flags,
		       int create, uint64_t *h)
{
	int rc;

	pthread_mutex_lock(&ib->mu);
	if (create || (flags & O_ACCMODE) != O_RDONLY)
		rc = strncmp(rel, "failed", 6) ?
			open_write(ib, rel, flags, create, h) : -EACCES;
	else
		rc = open_read(ib, rel, h);
	pthread_mutex_unlock(&ib->mu);
	if (!rc && create && ib->h.changed)
		ib->h.changed(ib->h.ctx, rel);
	return rc;
}

static int with_fd(struct fs_inbox *ib, uint64_t h, int *fd)
{
	struct ofile *f;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	*fd = f ? f->fd : -1;
	pthread_mutex_unlock(&ib->mu);
	return f ? 0 : -EBADF;
}

int fs_inbox_read(struct fs_inbox *ib, uint64_t h, char *buf, size_t size,
		  off_t off)
{
	int fd, rc = with_fd(ib, h, &fd);
	ssize_t n;

	if (rc)
		return rc;
	n = pread(fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

int fs_inbox_write(struct fs_inbox *ib, uint64_t h, const char *buf,
		   size_t size, off_t off)
{
	struct ofile *f;
	ssize_t n;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	if (!f || !f->writing) {
		pthread_mutex_unlock(&ib->mu);
		return -EBADF;
	}
	n = pwrite(f->fd, buf, size, off);
	pthread_mutex_unlock(&ib->mu);
	return n < 0 ? -errno : (int)n;
}

int fs_inbox_fstat(struct fs_inbox *ib, uint64_t h, struct stat *st)
{
	int fd, rc = with_fd(ib, h, &fd);

	if (!rc && fstat(fd, st))
		rc = -errno;
	if (!rc)
		st->st_mode = S_IFREG | 0644;
	return rc;
}

int fs_inbox_ftruncate(struct fs_inbox *ib, uint64_t h, off_t size)
{
	struct ofile *f;
	int rc;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	rc = !f || !f->writing ? -EACCES : ftruncate(f->fd, size) ? -errno : 0;
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

int fs_inbox_truncate(struct fs_inbox *ib, const char *rel, off_t size)
{
	struct ofile *f;
	int rc;

	pthread_mutex_lock(&ib->mu);
	f = of_writing(ib, rel);
	rc = !f ? -EACCES : ftruncate(f->fd, size) ? -errno : 0;
	pthread_mutex_unlock(&ib->mu);
	return rc;
}

/* fsync, then (once) move into the queue: the bytes are durable before
 * the file is visible to the worker or survives a restart. */
static int flush_locked(struct fs_inbox *ib, struct ofile *f)
{
	struct buf q = BUF_INIT(BUF_MAX_SMALL), d = BUF_INIT(BUF_MAX_SMALL);
	char *project = NULL;
	const char *name;
	int rc;

	if (!f->writing)
		return 0;
	if (fsync(f->fd))
		return -errno;
	if (f->queued)
		return 0;
	rc = split_rel(f->rel, &project, &name);
	if (!rc) {
		path_of(ib, &d, "queue", project, 0, NULL);
		if (project && mkdir(buf_str(&d), 0700) && errno != EEXIST)
			rc = -errno;
		path_of(ib, &q, "queue", project, f->seq, name);
	}
	if (!rc && rename(f->spath, buf_str(&q)))
		rc = -errno;
	if (!rc)
		rc = fsync_dir(buf_str(&d));
	if (!rc) {
		free(f->spath);
		f->spath = buf_detach(&q);
		f->queued = 1;
	}
	free(project);
	buf_release(&q);
	buf_release(&d);
	return rc;
}

int fs_inbox_flush(struct fs_inbox *ib, uint64_t h)
{
	struct ofile *f;
	int rc, queued = 0;
	char *rel = NULL;

	pthread_mutex_lock(&ib->mu);
	f = of_get(ib, h);
	rc = f ? 0 : -EBADF;
	if (f && f->writing) {
		queued = !f->queued;
		rc = flush_locked(ib, f);
		queued = queued && f->queued;
		rel = xstrdup(f->rel);
	}
	pthread_mutex_unlock(&ib->mu);
	if (queued && ib->h.changed)
		ib->h.changed(ib->h.ctx, rel);
	free(rel);
	return rc;
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
			if (rc && !f->queued)
				unlink(f->spath);   /* never queued: gone */
			rel = xstrdup(f->rel);
		}
		of_free(f);
		ib->kicked = 1;
		pthread_cond_signal(&ib->cv);
	}
	pthread_mutex_unlock(&ib->mu);
	if (rel && ib->h.changed)
		ib->h.changed(ib->h.ctx, rel);
	free(rel);
	return f ? rc : -EBADF;
}

/* ---- names: unlink, mkdir, rename ---- */

static int unlink_locked(struct fs_inbox *ib, const char *rel)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct qlist q = { NULL, 0, 0 };
	char *project = NULL;
	const char *name;
	int rc = -ENOENT;

	if (!strncmp(rel, "failed/", 7) && !strchr(rel + 7, '/')) {
		buf_addf(&p, "%s/%s", ib->dir, rel);
		rc = unlink(buf_str(&p)) ? -errno : 0;
		buf_release(&p);
		return rc;
	}
	if (of_writing(ib, rel))
		return -EBUSY;
	if (split_rel(rel, &project, &name))
		return -ENOENT;
	scan_queue(ib, &q, NULL);
	for (size_t i = 0; i < q.n; i++)
		if (same_place(q.v[i].project, project) &&
		    !strcmp(q.v[i].name, name) && !unlink(q.v[i].spath))
			rc = 0;
	free(project);
	qlist_release(&q);
	return rc;
}

int fs_inbox_unlink(struct fs_inbox *ib, const char *rel)
{
	int rc;

	pthread_mutex_lock(&ib->mu);
	rc = unlink_locked(ib, rel);
	pthread_mutex_unlock(&ib->mu);
	if (!rc && ib->h.changed)
		ib->h.changed(ib->h.ctx, rel);
	return rc;
}

int fs_inbox_mkdir(struct fs_inbox *ib, const char *rel)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	if (strchr(rel, '/') || !store_project_name_ok(rel) ||
	    !strcmp(rel, "failed"))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	if (is_project_dir(ib, rel)) {
		rc = -EEXIST;
	} else {
		path_of(ib, &p, "queue", rel, 0, NULL);
		rc = mkdir(buf_str(&p), 0700) ? -errno : 0;
	}
	pthread_mutex_unlock(&ib->mu);
	buf_release(&p);
	return rc;
}

int fs_inbox_rmdir(struct fs_inbox *ib, const char *rel)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	if (strchr(rel, '/') || !*rel || !strcmp(rel, "failed") ||
	    !store_project_name_ok(rel))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	path_of(ib, &p, "queue", rel, 0, NULL);
	rc = rmdir(buf_str(&p)) ? -errno : 0;
	pthread_mutex_unlock(&ib->mu);
	buf_release(&p);
	return rc;
}

static int rename_locked(struct fs_inbox *ib, const char *from,
			 const char *to)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL), d = BUF_INIT(BUF_MAX_SMALL);
	struct qlist q = { NULL, 0, 0 };
	struct ofile *f = of_writing(ib, from);
	char *fp = NULL, *tp = NULL;
	const char *fname, *tname;
	const struct qent *e;
	int rc = split_rel(from, &fp, &fname);

	if (!rc && split_rel(to, &tp, &tname))
		rc = -EACCES;
	if (!rc && tp && !is_project_dir(ib, tp))
		rc = -ENOENT;
	if (!rc && f && !f->queued) {
		free(f->rel);
		f->rel = xstrdup(to);
		goto out;
	}
	if (!rc) {
		scan_queue(ib, &q, NULL);
		e = q_find(&q, fp, fname);
		if (!e || of_open_spath(ib, e->spath)) {
			rc = e ? -EBUSY : -ENOENT;
			goto out;
		}
		path_of(ib, &d, "queue", tp, 0, NULL);
		if (tp && mkdir(buf_str(&d), 0700) && errno != EEXIST)
			rc = -errno;
		path_of(ib, &p, "queue", tp, e->seq, tname);
		if (!rc && rename(e->spath, buf_str(&p)))
			rc = -errno;
		if (!rc)
			rc = fsync_dir(buf_str(&d));
	}
out:
	free(fp);
	free(tp);
	qlist_release(&q);
	buf_release(&p);
	buf_release(&d);
	return rc;
}

int fs_inbox_rename(struct fs_inbox *ib, const char *from, const char *to)
{
	int rc;

	if (!strncmp(from, "failed", 6) || !strncmp(to, "failed", 6))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	rc = rename_locked(ib, from, to);
	ib->kicked = 1;
	pthread_cond_signal(&ib->cv);
	pthread_mutex_unlock(&ib->mu);
	if (!rc && ib->h.changed) {
		ib->h.changed(ib->h.ctx, from);
		ib->h.changed(ib->h.ctx, to);
	}
	return rc;
}

/* ---- the worker ---- */

/* The oldest queued file that is complete and not hidden; copied into
 * *job.  0 when there is one. */
static int pick(struct fs_inbox *ib, struct qent *job)
{
	struct qlist q = { NULL, 0, 0 };
	const struct qent *best = NULL;

	scan_queue(ib, &q, NULL);
	for (size_t i = 0; i < q.n; i++)
		if (q.v[i].name[0] != '.' && !of_open_spath(ib, q.v[i].spath) &&
		    (!best || q.v[i].seq < best->seq))
			best = &q.v[i];
	if (best) {
		job->seq = best->seq;
		job->project = best->project ? xstrdup(best->project) : NULL;
		job->name = xstrdup(best->name);
		job->spath = xstrdup(best->spath);
	}
	qlist_release(&q);
	return best ? 0 : -ENOENT;
}

static int permanent(int rc)
{
	return rc == -EILSEQ || rc == -E2BIG || rc == -EINVAL ||
	       rc == -EISDIR || rc == -ENOENT || rc == -EPROTO;
}

/* Moves job into failed/ (NAME, or NAME.2, NAME.3 ... when taken) with
 * NAME.error holding one line. */
static void fail_job(struct fs_inbox *ib, const struct qent *job,
		     const char *why)
{
	struct buf to = BUF_INIT(BUF_MAX_SMALL), line = BUF_INIT(BUF_MAX_SMALL);
	struct stat st;

	for (int k = 1; k < 1000; k++) {
		buf_reset(&to);
		buf_addf(&to, "%s/failed/%s", ib->dir, job->name);
		if (k > 1)
			buf_addf(&to, ".%d", k);
		if (lstat(buf_str(&to), &st))
			break;
	}
	for (const char *s = why; *s; s++)
		buf_addc(&line, *s == '\n' || *s == '\r' ? ' ' : *s);
	buf_addc(&line, '\n');
	if (rename(job->spath, buf_str(&to)) == 0) {
		buf_adds(&to, ".error");
		buf_write_file_atomic(&line, buf_str(&to));
	}
	buf_truncate(&line, line.len - 1);
	buf_reset(&to);
	buf_addf(&to, "%s: %s", job->name, buf_str(&line));
	add_err(ib, buf_str(&to));
	ib->nfailed++;
	buf_release(&to);
	buf_release(&line);
}

static void job_release(struct qent *job)
{
	free(job->project);
	free(job->name);
	free(job->spath);
	memset(job, 0, sizeof(*job));
}

static void rel_of(const struct qent *job, struct buf *b)
{
	if (job->project)
		buf_addf(b, "%s/", job->project);
	buf_adds(b, job->name);
}

/* Ingests one job (mutex not held); returns after the spool is updated. */
static void run_job(struct fs_inbox *ib, struct qent *job, int *tries)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL), rel = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	rel_of(job, &rel);
	rc = ib->h.ingest(ib->h.ctx, job->spath, buf_str(&rel), job->project,
			  &err);
	pthread_mutex_lock(&ib->mu);
	if (!rc) {
		unlink(job->spath);
		ib->ningested++;
		*tries = 0;
	} else if (permanent(rc) || ++*tries >= MAX_TRIES) {
		if (!err.len)
			buf_adds(&err, err_str(rc));
		fail_job(ib, job, buf_str(&err));
		*tries = 0;
	} else {
		buf_reset(&rel);
		buf_addf(&rel, "%s: %s (will retry)", job->name,
			 err.len ? buf_str(&err) : err_str(rc));
		add_err(ib, buf_str(&rel));
		buf_reset(&rel);
		rel_of(job, &rel);
	}
	free(ib->current);
	ib->current = NULL;
	pthread_mutex_unlock(&ib->mu);
	if (ib->h.changed)
		ib->h.changed(ib->h.ctx, buf_str(&rel));
	if (rc && *tries)
		sleep(1);
	buf_release(&err);
	buf_release(&rel);
}

static void *worker(void *arg)
{
	struct fs_inbox *ib = arg;
	int tries = 0;

	pthread_mutex_lock(&ib->mu);
	while (!ib->stop) {
		struct qent job = { 0, NULL, NULL, NULL };
		struct timespec ts;

		if (pick(ib, &job) == 0) {
			struct buf rel = BUF_INIT(BUF_MAX_SMALL);

			rel_of(&job, &rel);
			ib->current = buf_detach(&rel);
			pthread_mutex_unlock(&ib->mu);
			run_job(ib, &job, &tries);
			job_release(&job);
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			if (!ib->kicked)
				pthread_cond_timedwait(&ib->cv, &ib->mu, &ts);
			ib->kicked = 0;
			pthread_mutex_unlock(&ib->mu);
		}
		if (ib->h.tick)
			ib->h.tick(ib->h.ctx);
		pthread_mutex_lock(&ib->mu);
	}
	pthread_mutex_unlock(&ib->mu);
	return NULL;
}

int fs_inbox_start(struct fs_inbox *ib)
{
	int rc = pthread_create(&ib->thr, NULL, worker, ib);

	if (rc)
		return -rc;
	ib->started = 1;
	return 0;
}

void fs_inbox_close(struct fs_inbox *ib)
{
	if (!ib)
		return;
	if (ib->started) {
		pthread_mutex_lock(&ib->mu);
		ib->stop = 1;
		pthread_cond_signal(&ib->cv);
		pthread_mutex_unlock(&ib->mu);
		pthread_join(ib->thr, NULL);
	}
	for (size_t i = 0; i < ib->nof; i++)
		if (ib->of[i]) {
			if (ib->of[i]->writing && !ib->of[i]->queued)
				unlink(ib->of[i]->spath);
			of_free(ib->of[i]);
		}
	free(ib->of);
	for (size_t i = 0; i < NLASTERR; i++)
		free(ib->lasterr[i]);
	free(ib->current);
	pthread_cond_destroy(&ib->cv);
	pthread_mutex_destroy(&ib->mu);
	free(ib->dir);
	free(ib);
}

size_t fs_inbox_pending(struct fs_inbox *ib)
{
	struct qlist q = { NULL, 0, 0 };
	size_t n;

	pthread_mutex_lock(&ib->mu);
	scan_queue(ib, &q, NULL);
	n = q.n;
	pthread_mutex_unlock(&ib->mu);
	qlist_release(&q);
	return n;
}

void fs_inbox_status(struct fs_inbox *ib, struct buf *out)
{
	struct qlist q = { NULL, 0, 0 };

	pthread_mutex_lock(&ib->mu);
	scan_queue(ib, &q, NULL);
	buf_addf(out, "inbox_queued\t%zu\ninbox_ingesting\t%s\n"
		 "inbox_ingested\t%zu\ninbox_failed\t%zu\n", q.n,
		 ib->current ? ib->current : "-", ib->ningested, ib->nfailed);
	for (size_t k = 0; k < NLASTERR && k < ib->nerr; k++)
		buf_addf(out, "last_error\t%s\n",
			 ib->lasterr[(ib->nerr - 1 - k) % NLASTERR]);
	pthread_mutex_unlock(&ib->mu);
	qlist_release(&q);
}

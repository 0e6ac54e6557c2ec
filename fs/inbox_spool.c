/* inbox_spool.c: the spool on disk (layout in inbox_spool.h): names and
 * sequence numbers, the durable steps (fsync the file, rename, fsync the
 * directory), the queue as scanned from its directories, failed/ with its
 * .error lines, and the clean-up a restart needs. */
#include "common.h"
#include "inbox_spool.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- names ---- */

int spool_project_ok(const char *p)
{
	return store_project_name_ok(p) && strcmp(p, "failed") != 0;
}

/* A folder below the project folder: any name a directory can have. */
static int sub_ok(const char *s, size_t n)
{
	return n && n <= NAME_MAX && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

int spool_dir_ok(const char *dir)
{
	const char *slash = strchr(dir, '/'), *s;
	char *top;
	int ok, depth = 1;

	top = xstrndup(dir, slash ? (size_t)(slash - dir) : strlen(dir));
	ok = spool_project_ok(top);
	free(top);
	for (s = slash; ok && s; s = slash, depth++) {
		slash = strchr(s + 1, '/');
		ok = sub_ok(s + 1, slash ? (size_t)(slash - s - 1) :
			    strlen(s + 1));
	}
	return ok && depth <= SPOOL_MAX_DEPTH;
}

int spool_split(const char *rel, char **dir, const char **name)
{
	const char *slash = strrchr(rel, '/');

	*dir = NULL;
	*name = slash ? slash + 1 : rel;
	if (!**name || (!slash && !strcmp(rel, "failed")))
		return -ENOENT;
	if (slash) {
		*dir = xstrndup(rel, (size_t)(slash - rel));
		if (!spool_dir_ok(*dir)) {
			free(*dir);
			*dir = NULL;
			return -ENOENT;
		}
	}
	if (strlen(*name) > NAME_MAX - SPOOL_SEQ_DIGITS - 1) {
		free(*dir);
		*dir = NULL;
		return -ENAMETOOLONG;
	}
	return 0;
}

/* spool/sub[/dir][/SEQ.name] */
static void path_of(const struct spool *sp, struct buf *b, const char *sub,
		    const char *dir, unsigned long long seq, const char *name)
{
	buf_addf(b, "%s/%s", sp->dir, sub);
	if (dir)
		buf_addf(b, "/%s", dir);
	if (name)
		buf_addf(b, "/%0*llu.%s", SPOOL_SEQ_DIGITS, seq, name);
}

/* Microseconds since the epoch, or one more than the last: larger than
 * any SEQ before it, across restarts too (unless the clock went back by
 * more than the daemon was down, which only reorders the queue). */
static unsigned long long next_seq(struct spool *sp)
{
	struct timespec ts;
	unsigned long long now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ull +
	      (unsigned long long)ts.tv_nsec / 1000;
	sp->seq = now > sp->seq ? now : sp->seq + 1;
	return sp->seq;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* mkdir of queue/dir that is durable: the parent is synced when the
 * folder is new.  parents: make the missing ones too (mkdir -p). */
static int mkdir_durable(const struct spool *sp, const char *dir, int parents)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	const char *end = parents ? strchr(dir, '/') : NULL;
	int rc = 0;

	for (;;) {
		size_t n = end ? (size_t)(end - dir) : strlen(dir);

		buf_reset(&path);
		path_of(sp, &path, "queue", NULL, 0, NULL);
		buf_addf(&path, "/%.*s", (int)n, dir);
		if (mkdir(buf_str(&path), 0700) == 0) {
			/* new: its entry in the parent must last too */
			buf_truncate(&path, (size_t)(strrchr(buf_str(&path),
							     '/') - path.p));
			rc = fsync_path(buf_str(&path));
		} else if (errno != EEXIST) {
			rc = -errno;
		}
		if (rc || !end)
			break;
		end = strchr(end + 1, '/');
	}
	buf_release(&path);
	return rc;
}

/* Whether entry de of the open directory d is a directory (some file
 * systems leave d_type unknown). */
static int is_dir(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(st.st_mode);
}

/* ---- opening ---- */

static void clear_tmp(struct spool *sp)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	path_of(sp, &p, "tmp", NULL, 0, NULL);
	d = opendir(buf_str(&p));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		path_of(sp, &p, "tmp", NULL, 0, NULL);
		buf_addf(&p, "/%s", de->d_name);
		unlink(buf_str(&p));
	}
	if (d)
		closedir(d);
	buf_release(&p);
}

int spool_open(struct spool *sp, const char *dir, struct buf *err)
{
	static const char *const subs[] = { "", "/tmp", "/queue", "/failed" };
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int rc = 0;

	sp->dir = xstrdup(dir);
	sp->seq = 0;
	for (size_t i = 0; !rc && i < ARRAY_SIZE(subs); i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", dir, subs[i]);
		if (mkdir(buf_str(&p), 0700) && errno != EEXIST) {
			rc = -errno;
			buf_addf(err, "%s: %s", buf_str(&p), err_str(rc));
		}
	}
	buf_release(&p);
	if (rc) {
		spool_release(sp);
		return rc;
	}
	clear_tmp(sp);
	return 0;
}

void spool_release(struct spool *sp)
{
	free(sp->dir);
	sp->dir = NULL;
}

/* ---- writing ---- */

int spool_create(struct spool *sp, unsigned long long *seq, struct buf *path)
{
	int fd;

	*seq = next_seq(sp);
	buf_reset(path);
	buf_addf(path, "%s/tmp/%0*llu", sp->dir, SPOOL_SEQ_DIGITS, *seq);
	fd = open(buf_str(path), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* Renames the file at *path to queue/[dir/]SEQ.name (making the folders
 * it needs) and syncs the folder; *path is then the new place.  If the
 * sync fails the rename may not survive a crash: the caller reports the
 * error, and the file is found where it was. */
static int place(struct spool *sp, struct buf *path, const char *dir,
		 const char *name, unsigned long long seq)
{
	struct buf d = BUF_INIT(BUF_MAX_SMALL), to = BUF_INIT(BUF_MAX_SMALL);
	int rc = 0;

	path_of(sp, &d, "queue", dir, 0, NULL);
	path_of(sp, &to, "queue", dir, seq, name);
	if (dir)
		rc = mkdir_durable(sp, dir, 1);
	if (!rc && rename(buf_str(path), buf_str(&to)))
		rc = -errno;
	if (!rc) {
		buf_reset(path);
		buf_adds(path, buf_str(&to));
		rc = fsync_path(buf_str(&d));
	}
	buf_release(&d);
	buf_release(&to);
	return rc;
}

int spool_commit(struct spool *sp, int fd, struct buf *path,
		 const char *dir, const char *name, unsigned long long seq)
{
	if (fsync(fd))
		return -errno;
	return place(sp, path, dir, name, seq);
}

/* ---- the queue ---- */

void spool_list_release(struct spool_list *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].dir);
		free(q->v[i].name);
		free(q->v[i].path);
	}
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* The SEQ of a queue file name "SEQ.NAME" (*name after the dot), or 0. */
static unsigned long long parse_entry(const char *n, const char **name)
{
	char *end;
	unsigned long long seq;

	if (n[0] < '0' || n[0] > '9')
		return 0;
	seq = strtoull(n, &end, 10);
	if (end - n != SPOOL_SEQ_DIGITS || *end != '.' || !end[1])
		return 0;
	*name = end + 1;
	return seq;
}

/* The entries of queue/dir (NULL: queue/ itself) into q, its folders
 * into dirs; depth is the folder's. */
static void scan_dir(struct spool *sp, const char *dir, int depth,
		     struct spool_list *q, struct strv *dirs)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	path_of(sp, &p, "queue", dir, 0, NULL);
	d = opendir(buf_str(&p));
	while (d && (de = readdir(d))) {
		const char *name = NULL;
		unsigned long long seq;
		struct spool_ent *e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (is_dir(d, de)) {
			buf_reset(&p);
			if (dir)
				buf_addf(&p, "%s/", dir);
			buf_adds(&p, de->d_name);
			if (dirs && depth < SPOOL_MAX_DEPTH &&
			    (dir || spool_project_ok(de->d_name)))
				strv_push(dirs, buf_str(&p));
			continue;
		}
		seq = parse_entry(de->d_name, &name);
		if (!seq)
			continue;
		XGROW(q->v, q->cap, q->n + 1);
		e = &q->v[q->n++];
		e->seq = seq;
		e->dir = dir ? xstrdup(dir) : NULL;
		e->name = xstrdup(name);
		buf_reset(&p);
		path_of(sp, &p, "queue", dir, 0, NULL);
		buf_addf(&p, "/%s", de->d_name);
		e->path = xstrdup(buf_str(&p));
	}
	if (d)
		closedir(d);
	buf_release(&p);
}

static int depth_of(const char *dir)
{
	int n = 1;

	while ((dir = strchr(dir, '/')))
		n++, dir++;
	return n;
}

void spool_scan_dir(struct spool *sp, const char *dir, struct spool_list *q,
		    struct strv *subdirs)
{
	scan_dir(sp, dir, dir ? depth_of(dir) : 0, q, subdirs);
}

void spool_scan(struct spool *sp, struct spool_list *q, struct strv *dirs)
{
	struct strv all = STRV_INIT;

	scan_dir(sp, NULL, 0, q, &all);
	/* all grows while it is walked: breadth first, parents first */
	for (size_t i = 0; i < all.n; i++) {
		char *dir = xstrdup(all.v[i]);

		scan_dir(sp, dir, depth_of(dir), q, &all);
		if (dirs)
			strv_push(dirs, dir);
		free(dir);
	}
	strv_clear(&all);
}

static int same_place(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

const struct spool_ent *spool_find(const struct spool_list *q,
				   const char *dir, const char *name)
{
	const struct spool_ent *hit = NULL;

	for (size_t i = 0; i < q->n; i++)
		if (same_place(q->v[i].dir, dir) &&
		    !strcmp(q->v[i].name, name) &&
		    (!hit || q->v[i].seq > hit->seq))
			hit = &q->v[i];
	return hit;
}

int spool_stat(const struct spool_ent *e, struct stat *st)
{
	if (lstat(e->path, st))
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	return 0;
}

int spool_ready(const struct spool_ent *e)
{
	struct stat st;

	return e->name[0] != '.' && !spool_stat(e, &st) && st.st_size > 0;
}

int spool_move(struct spool *sp, struct buf *path, const char *dir,
	       const char *name, unsigned long long *seq)
{
	unsigned long long s = next_seq(sp);
	char *was = xstrdup(buf_str(path));
	int rc = place(sp, path, dir, name, s);

	if (strcmp(was, buf_str(path)))
		*seq = s;       /* moved, even if the sync after failed */
	free(was);
	return rc;
}

int spool_remove(struct spool *sp, const struct spool_ent *e)
{
	(void)sp;
	return unlink(e->path) ? -errno : 0;
}

/* Writes data to failed/name durably: via tmp/, so that failed/ never
 * lists a half-written file. */
static int write_failed(struct spool *sp, const char *name, const char *data)
{
	struct buf tmp = BUF_INIT(BUF_MAX_SMALL), to = BUF_INIT(BUF_MAX_SMALL);
	unsigned long long seq;
	size_t len = strlen(data);
	int fd = spool_create(sp, &seq, &tmp), rc = fd < 0 ? fd : 0;

	if (!rc) {
		ssize_t n = write(fd, data, len);

		rc = n < 0 ? -errno : (size_t)n < len ? -ENOSPC : 0;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	path_of(sp, &to, "failed", NULL, 0, NULL);
	buf_addf(&to, "/%s", name);
	if (!rc && rename(buf_str(&tmp), buf_str(&to)))
		rc = -errno;
	if (rc && fd >= 0)
		unlink(buf_str(&tmp));
	buf_release(&tmp);
	buf_release(&to);
	return rc;
}

/* A free name in failed/ for name: name, name.2, name.3 ... */
static void failed_name(struct spool *sp, const char *name, struct buf *out)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct stat st;

	for (int k = 1; k < 10000; k++) {
		buf_reset(out);
		buf_adds(out, name);
		if (k > 1)
			buf_addf(out, ".%d", k);
		buf_reset(&p);
		path_of(sp, &p, "failed", NULL, 0, NULL);
		buf_addf(&p, "/%s", buf_str(out));
		if (lstat(buf_str(&p), &st) && errno == ENOENT) {
			buf_adds(&p, ".error");
			if (lstat(buf_str(&p), &st) && errno == ENOENT)
				break;
		}
	}
	buf_release(&p);
}

int spool_fail(struct spool *sp, const struct spool_ent *e, const char *why,
	       struct buf *failed)
{
	struct buf line = BUF_INIT(BUF_MAX_SMALL), to = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	for (const char *s = why; *s; s++)
		buf_addc(&line, *s == '\n' || *s == '\r' ? ' ' : *s);
	buf_addc(&line, '\n');
	failed_name(sp, e->name, failed);
	path_of(sp, &to, "failed", NULL, 0, NULL);
	buf_addf(&to, "/%s", buf_str(failed));
	if (access(e->path, F_OK))
		rc = -errno;
	else {
		/* the reason first: a crash in between leaves the transcript
		 * queued (tried again), never in failed/ without its reason */
		buf_adds(failed, ".error");
		rc = write_failed(sp, buf_str(failed), buf_str(&line));
		buf_truncate(failed, failed->len - 6);
	}
	if (!rc && rename(e->path, buf_str(&to)))
		rc = -errno;
	if (!rc) {
		buf_reset(&line);
		path_of(sp, &line, "failed", NULL, 0, NULL);
		rc = fsync_path(buf_str(&line));
	}
	buf_release(&line);
	buf_release(&to);
	return rc;
}

/* ---- folders and failed/ ---- */

int spool_has_dir(struct spool *sp, const char *dir)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	struct stat st;
	int yes;

	if (!spool_dir_ok(dir))
		return 0;
	path_of(sp, &path, "queue", dir, 0, NULL);
	yes = !stat(buf_str(&path), &st) && S_ISDIR(st.st_mode);
	buf_release(&path);
	return yes;
}

int spool_add_dir(struct spool *sp, const char *dir, int parents)
{
	if (!spool_dir_ok(dir))
		return -EINVAL;
	return mkdir_durable(sp, dir, parents);
}

int spool_remove_dir(struct spool *sp, const char *dir)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	if (!spool_dir_ok(dir))
		return -EINVAL;
	path_of(sp, &path, "queue", dir, 0, NULL);
	rc = rmdir(buf_str(&path)) ? -errno : 0;
	buf_release(&path);
	return rc;
}

int spool_failed_list(struct spool *sp, struct strv *names)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	DIR *d;
	struct dirent *de;

	path_of(sp, &p, "failed", NULL, 0, NULL);
	d = opendir(buf_str(&p));
	buf_release(&p);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!is_dir(d, de))
			strv_push_unique(names, de->d_name);
	closedir(d);
	return 0;
}

int spool_failed_path(struct spool *sp, const char *name, struct buf *path)
{
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -ENOENT;
	path_of(sp, path, "failed", NULL, 0, NULL);
	buf_addf(path, "/%s", name);
	return 0;
}

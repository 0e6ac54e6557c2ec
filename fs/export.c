/* export.c: walks the view depth-first and writes what it finds: mkdir for
 * directories, files written whole, symlinks with the view's relative
 * targets; every entry gets the view's mtime (directories after their
 * children are written).  The root also gets the FS_EXPORT_MARKER file. */
#include "common.h"
#include "export.h"
#include "store_view.h"
#include "view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	struct fs_view v;
	struct fs_export_stats *stats;
	struct buf *err;
};

static int fail(struct walk *w, const char *path, int rc)
{
	if (!w->err->len)
		buf_addf(w->err, "%s: %s", path, err_str(rc));
	return rc;
}

static int set_time(const char *path, int64_t t)
{
	struct timespec ts[2] = { { (time_t)t, 0 }, { (time_t)t, 0 } };

	return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int write_all(const char *path, const struct buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t off = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

static int export_dir(struct walk *w, const char *vpath, const char *dpath);

static int export_one(struct walk *w, const char *vpath, const char *dpath,
		      enum fs_kind kind)
{
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	struct fs_node n;
	int rc = fs_view_stat(&w->v, vpath, &n);

	if (!rc && kind == FS_DIR) {
		rc = mkdir(dpath, 0755) ? -errno : 0;
		if (!rc)
			rc = export_dir(w, vpath, dpath);
		w->stats->dirs++;
	} else if (!rc && kind == FS_REG) {
		rc = fs_view_read(&w->v, vpath, &b, &n);
		if (!rc)
			rc = write_all(dpath, &b);
		w->stats->files++;
		w->stats->bytes += b.len;
	} else if (!rc) {
		rc = fs_view_readlink(&w->v, vpath, &b);
		if (!rc)
			rc = symlink(buf_str(&b), dpath) ? -errno : 0;
		w->stats->links++;
	}
	if (!rc)
		rc = set_time(dpath, n.mtime);
	buf_release(&b);
	return rc ? fail(w, dpath, rc) : 0;
}

static int export_dir(struct walk *w, const char *vpath, const char *dpath)
{
	struct fs_names e = FS_NAMES_INIT;
	struct buf vp = BUF_INIT(BUF_MAX_SMALL), dp = BUF_INIT(BUF_MAX_SMALL);
	int rc = fs_view_list(&w->v, vpath, fs_names_add, &e);

	if (rc)
		fail(w, vpath, rc);
	for (size_t i = 0; !rc && i < e.names.n; i++) {
		buf_reset(&vp);
		buf_reset(&dp);
		buf_addf(&vp, "%s/%s", strcmp(vpath, "/") ? vpath : "",
			 e.names.v[i]);
		rc = buf_addf(&dp, "%s/%s", dpath, e.names.v[i]);
		if (!rc)
			rc = export_one(w, buf_str(&vp), buf_str(&dp),
					e.kind[i]);
	}
	fs_names_release(&e);
	buf_release(&vp);
	buf_release(&dp);
	return rc;
}

static int write_marker(const char *dir)
{
	static const char text[] = "This folder was written by `recallfs "
		"export`: the memory's own files.\n`recallfs ingest` skips it.\n";
	struct buf p = BUF_INIT(BUF_MAX_SMALL), b = BUF_INIT(sizeof(text));
	int rc = buf_addf(&p, "%s/%s", dir, FS_EXPORT_MARKER);

	if (!rc)
		rc = buf_adds(&b, text);
	if (!rc)
		rc = write_all(buf_str(&p), &b);
	buf_release(&p);
	buf_release(&b);
	return rc;
}

/* 0 when dir is absent (then created) or an empty directory. */
static int prepare_dir(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!mkdir(dir, 0755))
		return 0;
	if (errno != EEXIST)
		return -errno;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!rc && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = -ENOTEMPTY;
	closedir(d);
	return rc;
}

int fs_export(struct store *st, const char *dir,
	      const struct fs_export_opts *o, struct fs_export_stats *stats,
	      struct buf *err)
{
	struct walk w;
	struct fs_node root;
	int64_t pid;
	int rc;

	memset(stats, 0, sizeof(*stats));
	if (o->project && store_view_project_id(st, o->project, &pid)) {
		buf_addf(err, "project '%s': no such project", o->project);
		return -ENOENT;
	}
	rc = prepare_dir(dir);
	if (rc) {
		buf_addf(err, "%s: %s", dir, rc == -ENOTEMPTY ?
			 "not empty (export writes a fresh tree)" :
			 err_str(rc));
		return rc;
	}
	fs_view_init(&w.v, st);
	w.v.only_project = o->project;
	w.v.redact = o->redact;
	w.stats = stats;
	w.err = err;
	rc = write_marker(dir);
	if (rc)
		fail(&w, dir, rc);
	else
		rc = export_dir(&w, "/", dir);
	if (!rc && !fs_view_stat(&w.v, "/", &root))
		rc = set_time(dir, root.mtime);
	fs_view_release(&w.v);
	return rc;
}

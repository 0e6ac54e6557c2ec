/* inbox.c: the names of inbox/ (layout and parts in inbox_int.h): lookup
 * and listing from the open handles and the queue, unlink, rename,
 * folders (a project folder P, and folders below it), status; and the names lately consumed, which still
 * answer stat for a moment so that a listing and the stat calls after it
 * agree.  Setting up and tearing down the whole inbox is here too. */
#include "common.h"
#include "inbox_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small shared pieces ---- */

void inbox_rel_of(const char *dir, const char *name, struct buf *b)
{
	if (dir)
		buf_addf(b, "%s/", dir);
	buf_adds(b, name);
}

void inbox_add_err(struct fs_inbox *ib, const char *line)
{
	if (ib->nerr && !strcmp(ib->lasterr[(ib->nerr - 1) % INBOX_NLASTERR],
				line))
		return;         /* the same again (a retry): once is enough */
	free(ib->lasterr[ib->nerr % INBOX_NLASTERR]);
	ib->lasterr[ib->nerr % INBOX_NLASTERR] = xstrdup(line);
	ib->nerr++;
}

void inbox_changed(struct fs_inbox *ib, const char *rel)
{
	if (ib->h.changed)
		ib->h.changed(ib->h.ctx, rel);
}

static int same_place(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

void inbox_supersede(struct fs_inbox *ib, const char *dir, const char *name,
		     unsigned long long seq)
{
	struct spool_list q = SPOOL_LIST_INIT;

	spool_scan_dir(&ib->sp, dir, &q, NULL);
	for (size_t i = 0; i < q.n; i++)
		if (q.v[i].seq < seq && same_place(q.v[i].dir, dir) &&
		    !strcmp(q.v[i].name, name) && !spool_ready(&q.v[i]) &&
		    !inbox_of_busy(ib, q.v[i].path))
			spool_remove(&ib->sp, &q.v[i]);
	spool_list_release(&q);
}

/* ---- names lately consumed ---- */

static struct ghost *ghost_find(struct fs_inbox *ib, const char *rel)
{
	for (size_t i = 0; i < ib->ngh; i++)
		if (!strcmp(ib->gh[i].rel, rel))
			return &ib->gh[i];
	return NULL;
}

void inbox_ghost_drop(struct fs_inbox *ib, const char *rel)
{
	struct ghost *g = ghost_find(ib, rel);

	if (!g)
		return;
	free(g->rel);
	*g = ib->gh[--ib->ngh];
}

void inbox_ghost_add(struct fs_inbox *ib, const char *rel,
		     const struct stat *st)
{
	struct ghost *g;

	inbox_ghost_drop(ib, rel);
	XGROW(ib->gh, ib->capgh, ib->ngh + 1);
	g = &ib->gh[ib->ngh++];
	g->rel = xstrdup(rel);
	g->st = *st;
	clock_gettime(CLOCK_MONOTONIC, &g->until);
	g->until.tv_sec += INBOX_GHOST_SECONDS;
}

void inbox_ghost_expire(struct fs_inbox *ib, struct strv *gone)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < ib->ngh;) {
		struct ghost *g = &ib->gh[i];

		if (g->until.tv_sec > now.tv_sec ||
		    (g->until.tv_sec == now.tv_sec &&
		     g->until.tv_nsec > now.tv_nsec)) {
			i++;
			continue;
		}
		strv_push_owned(gone, g->rel);
		*g = ib->gh[--ib->ngh];
	}
}

/* ---- opening and closing ---- */

int fs_inbox_open(struct fs_inbox **out, const char *dir,
		  const struct fs_inbox_hooks *h, struct buf *err)
{
	struct fs_inbox *ib = xcalloc(1, sizeof(*ib));
	int rc = spool_open(&ib->sp, dir, err);

	if (rc) {
		free(ib);
		return rc;
	}
	ib->h = *h;
	ib->t0 = time(NULL);
	pthread_mutex_init(&ib->mu, NULL);
	pthread_cond_init(&ib->cv, NULL);
	*out = ib;
	return 0;
}

void fs_inbox_close(struct fs_inbox *ib)
{
	if (!ib)
		return;
	inbox_worker_stop(ib);
	inbox_of_close_all(ib);
	for (size_t i = 0; i < ib->ngh; i++)
		free(ib->gh[i].rel);
	free(ib->gh);
	for (size_t i = 0; i < INBOX_NLASTERR; i++)
		free(ib->lasterr[i]);
	free(ib->current);
	pthread_cond_destroy(&ib->cv);
	pthread_mutex_destroy(&ib->mu);
	spool_release(&ib->sp);
	free(ib);
}

/* ---- lookup and listing ---- */

static void dir_stat(const struct fs_inbox *ib, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_mtim.tv_sec = ib->t0;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

int inbox_is_dir(struct fs_inbox *ib, const char *dir)
{
	struct strv sv = STRV_INIT;
	int yes;

	if (!spool_dir_ok(dir))
		return 0;
	yes = spool_has_dir(&ib->sp, dir);
	if (!yes && !strchr(dir, '/') && ib->h.projects) {
		ib->h.projects(ib->h.ctx, &sv);
		yes = strv_has(&sv, dir);
	}
	strv_clear(&sv);
	return yes;
}

static int getattr_failed(struct fs_inbox *ib, const char *name,
			  struct stat *st)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int rc = spool_failed_path(&ib->sp, name, &p);

	if (!rc && lstat(buf_str(&p), st))
		rc = -errno;
	if (!rc && !S_ISREG(st->st_mode))
		rc = -ENOENT;
	if (!rc)
		st->st_mode = S_IFREG | 0644;
	buf_release(&p);
	return rc;
}

/* A file: being written, queued, or consumed a moment ago. */
static int getattr_file(struct fs_inbox *ib, const char *rel,
			struct stat *st)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct ofile *f = inbox_of_writing(ib, rel);
	const struct spool_ent *e;
	const struct ghost *g;
	char *dir = NULL;
	const char *name;
	int rc = -ENOENT;

	if (f) {
		rc = fstat(f->fd, st) ? -errno : 0;
		st->st_mode = S_IFREG | 0644;
		return rc;
	}
	if (!spool_split(rel, &dir, &name)) {
		spool_scan_dir(&ib->sp, dir, &q, NULL);
		e = spool_find(&q, dir, name);
		if (e)
			rc = spool_stat(e, st);
	}
	g = rc ? ghost_find(ib, rel) : NULL;
	if (g) {
		*st = g->st;
		rc = 0;
	}
	free(dir);
	spool_list_release(&q);
	return rc;
}

static int getattr_locked(struct fs_inbox *ib, const char *rel,
			  struct stat *st)
{
	int rc;

	if (!*rel || !strcmp(rel, "failed")) {
		dir_stat(ib, st);
		return 0;
	}
	if (!strncmp(rel, "failed/", 7))
		return getattr_failed(ib, rel + 7, st);
	rc = getattr_file(ib, rel, st);
	if (rc && inbox_is_dir(ib, rel)) {
		dir_stat(ib, st);
		rc = 0;
	}
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

/* The files of folder dir (NULL: the root) into names. */
static void list_files(struct fs_inbox *ib, const char *dir,
		       const struct spool_list *q, struct strv *names)
{
	for (size_t i = 0; i < ib->nof; i++) {
		const struct ofile *f = ib->of[i];
		char *fdir = NULL;
		const char *fname;

		if (!f || !f->writing || f->unlinked)
			continue;
		if (!spool_split(f->rel, &fdir, &fname) && same_place(fdir, dir))
			strv_push_unique(names, fname);
		free(fdir);
	}
	for (size_t i = 0; i < q->n; i++)
		if (same_place(q->v[i].dir, dir))
			strv_push_unique(names, q->v[i].name);
}

/* The folders directly in dir (NULL: the root) of all into out. */
static void list_dirs(const struct strv *all, const char *dir,
		      struct strv *out)
{
	size_t n = dir ? strlen(dir) : 0;

	for (size_t i = 0; i < all->n; i++) {
		const char *d = all->v[i], *rest = d + (n ? n + 1 : 0);

		if ((!n || (!strncmp(d, dir, n) && d[n] == '/')) &&
		    !strchr(rest, '/'))
			strv_push(out, rest);
	}
}

static int list_locked(struct fs_inbox *ib, const char *rel,
		       struct strv *dirs, struct strv *files)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct strv all = STRV_INIT;

	if (!strcmp(rel, "failed"))
		return spool_failed_list(&ib->sp, files);
	if (*rel && !inbox_is_dir(ib, rel))
		return -ENOENT;
	spool_scan_dir(&ib->sp, *rel ? rel : NULL, &q, &all);
	list_dirs(&all, *rel ? rel : NULL, dirs);
	if (!*rel && ib->h.projects)
		ib->h.projects(ib->h.ctx, dirs);
	list_files(ib, *rel ? rel : NULL, &q, files);
	strv_clear(&all);
	spool_list_release(&q);
	return 0;
}

int fs_inbox_list(struct fs_inbox *ib, const char *rel, fs_list_fn fn,
		  void *ctx)
{
	struct strv dirs = STRV_INIT, files = STRV_INIT, seen = STRV_INIT;
	int rc;

	pthread_mutex_lock(&ib->mu);
	rc = list_locked(ib, rel, &dirs, &files);
	pthread_mutex_unlock(&ib->mu);
	if (!rc && !*rel)
		rc = fn(ctx, "failed", FS_DIR);
	/* dirs may repeat (spool folder and store project): each once */
	for (size_t i = 0; !rc && i < dirs.n; i++)
		if (strcmp(dirs.v[i], "failed") &&
		    strv_push_unique(&seen, dirs.v[i]))
			rc = fn(ctx, dirs.v[i], FS_DIR);
	for (size_t i = 0; !rc && i < files.n; i++)
		if (!strv_has(&seen, files.v[i]))
			rc = fn(ctx, files.v[i], FS_REG);
	strv_clear(&seen);
	strv_clear(&dirs);
	strv_clear(&files);
	return rc;
}

/* ---- unlink ---- */

/* Every copy of (dir, name) goes; a handle writing it keeps its fd and
 * its bytes are discarded at release. */
static int unlink_file(struct fs_inbox *ib, const char *rel)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct ofile *f = inbox_of_writing(ib, rel);
	char *dir = NULL;
	const char *name;
	int rc = -ENOENT;

	if (f) {
		f->unlinked = 1;
		if (f->queued)
			unlink(buf_str(&f->path));
		rc = 0;
	}
	if (spool_split(rel, &dir, &name))
		return rc;
	spool_scan_dir(&ib->sp, dir, &q, NULL);
	for (size_t i = 0; i < q.n; i++)
		if (same_place(q.v[i].dir, dir) &&
		    !strcmp(q.v[i].name, name) &&
		    !inbox_of_busy(ib, q.v[i].path) &&
		    !spool_remove(&ib->sp, &q.v[i]))
			rc = 0;
	/* consumed a moment ago: it is gone; stat now agrees */
	inbox_ghost_drop(ib, rel);
	free(dir);
	spool_list_release(&q);
	return rc;
}

int fs_inbox_unlink(struct fs_inbox *ib, const char *rel)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	pthread_mutex_lock(&ib->mu);
	if (!strncmp(rel, "failed/", 7)) {
		rc = spool_failed_path(&ib->sp, rel + 7, &p);
		if (!rc && unlink(buf_str(&p)))
			rc = -errno;
	} else {
		rc = unlink_file(ib, rel);
	}
	pthread_mutex_unlock(&ib->mu);
	buf_release(&p);
	if (!rc)
		inbox_changed(ib, rel);
	return rc;
}

/* ---- folders ---- */

/* mkdir rel: a project folder P, or a folder below one (rsync -a of
 * ~/.claude/projects/ brings SESSION/subagents/). */
static int mkdir_locked(struct fs_inbox *ib, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : NULL;
	struct stat st;
	int rc = 0;

	if (parent && !inbox_is_dir(ib, parent))
		rc = -ENOENT;
	else if (inbox_is_dir(ib, rel) || !getattr_file(ib, rel, &st))
		rc = -EEXIST;
	if (!rc)        /* a project of the store may have no folder yet */
		rc = spool_add_dir(&ib->sp, rel, 1);
	free(parent);
	return rc;
}

int fs_inbox_mkdir(struct fs_inbox *ib, const char *rel)
{
	int rc;

	if (!spool_dir_ok(rel))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	rc = mkdir_locked(ib, rel);
	pthread_mutex_unlock(&ib->mu);
	if (!rc)
		inbox_changed(ib, rel);
	return rc;
}

int fs_inbox_rmdir(struct fs_inbox *ib, const char *rel)
{
	int rc;

	if (!spool_dir_ok(rel))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	rc = spool_remove_dir(&ib->sp, rel);
	pthread_mutex_unlock(&ib->mu);
	if (!rc)
		inbox_changed(ib, rel);
	return rc;
}

/* ---- rename ---- */

/* Moves every queued copy of from (oldest first, so the newest stays
 * newest) to (tp, tname). */
static int move_queued(struct fs_inbox *ib, const char *fp, const char *fname,
		       const char *tp, const char *tname,
		       unsigned long long *seq)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	int rc = -ENOENT;

	spool_scan_dir(&ib->sp, fp, &q, NULL);
	for (;;) {
		const struct spool_ent *e = NULL;

		for (size_t i = 0; i < q.n; i++)
			if (q.v[i].seq && same_place(q.v[i].dir, fp) &&
			    !strcmp(q.v[i].name, fname) &&
			    (!e || q.v[i].seq < e->seq))
				e = &q.v[i];
		if (!e)
			break;
		if (inbox_of_busy(ib, e->path)) {
			rc = -EBUSY;
			break;
		}
		buf_reset(&path);
		buf_adds(&path, e->path);
		rc = spool_move(&ib->sp, &path, tp, tname, seq);
		if (rc)
			break;
		((struct spool_ent *)e)->seq = 0;       /* done */
	}
	buf_release(&path);
	spool_list_release(&q);
	return rc;
}

/* A name consumed a moment ago, renamed in its own folder (the writer of
 * a temp file renames it once written; the worker was faster): the bytes
 * are in, the name moves.  Into another folder it would name another
 * project, which is too late: -ENOENT. */
static int move_ghost(struct fs_inbox *ib, const char *from, const char *fp,
		      const char *to, const char *tp)
{
	struct ghost *g = ghost_find(ib, from);
	struct stat st;

	if (!g || !same_place(fp, tp))
		return -ENOENT;
	st = g->st;
	inbox_ghost_drop(ib, from);
	inbox_ghost_add(ib, to, &st);
	return 0;
}

static int rename_locked(struct fs_inbox *ib, const char *from,
			 const char *to)
{
	struct ofile *f = inbox_of_writing(ib, from);
	char *fp = NULL, *tp = NULL;
	const char *fname, *tname;
	unsigned long long seq = 0;
	int rc = spool_split(from, &fp, &fname);

	if (!rc && spool_split(to, &tp, &tname))
		rc = -EACCES;
	if (!rc && tp && !inbox_is_dir(ib, tp))
		rc = -ENOENT;
	if (!rc && inbox_is_dir(ib, from))
		rc = -EACCES;   /* folders stay where they are */
	if (!rc && f) {
		/* still being written: it is queued under its new name */
		if (f->queued)
			rc = spool_move(&ib->sp, &f->path, tp, tname, &f->seq);
		seq = f->seq;
		if (!rc) {
			free(f->rel);
			f->rel = xstrdup(to);
		}
	} else if (!rc) {
		rc = move_queued(ib, fp, fname, tp, tname, &seq);
		if (rc == -ENOENT)
			rc = move_ghost(ib, from, fp, to, tp);
	}
	if (!rc && seq) {
		inbox_ghost_drop(ib, to);
		inbox_supersede(ib, tp, tname, seq);
	}
	free(fp);
	free(tp);
	return rc;
}

int fs_inbox_rename(struct fs_inbox *ib, const char *from, const char *to)
{
	int rc;

	if (!strncmp(from, "failed", 6) || !strncmp(to, "failed", 6))
		return -EACCES;
	pthread_mutex_lock(&ib->mu);
	rc = rename_locked(ib, from, to);
	inbox_kick(ib);
	pthread_mutex_unlock(&ib->mu);
	if (!rc) {
		inbox_changed(ib, from);
		inbox_changed(ib, to);
	}
	return rc;
}

/* ---- status ---- */

void fs_inbox_status(struct fs_inbox *ib, struct buf *out)
{
	struct spool_list q = SPOOL_LIST_INIT;
	size_t ready = 0, held = 0, writing = 0;

	pthread_mutex_lock(&ib->mu);
	spool_scan(&ib->sp, &q, NULL);
	for (size_t i = 0; i < ib->nof; i++)
		writing += ib->of[i] && ib->of[i]->writing &&
			   !ib->of[i]->unlinked;
	for (size_t i = 0; i < q.n; i++)
		if (!inbox_of_busy(ib, q.v[i].path)) {
			if (spool_ready(&q.v[i]))
				ready++;
			else
				held++;
		}
	buf_addf(out, "inbox_queued\t%zu\ninbox_held\t%zu\n"
		 "inbox_writing\t%zu\ninbox_ingesting\t%s\n"
		 "inbox_ingested\t%zu\ninbox_failed\t%zu\n"
		 "inbox_skipped\t%zu\n", ready, held, writing,
		 ib->current ? ib->current : "-", ib->ningested, ib->nfailed,
		 ib->nskipped);
	for (size_t k = 0; k < INBOX_NLASTERR && k < ib->nerr; k++)
		buf_addf(out, "last_error\t%s\n",
			 ib->lasterr[(ib->nerr - 1 - k) % INBOX_NLASTERR]);
	pthread_mutex_unlock(&ib->mu);
	spool_list_release(&q);
}

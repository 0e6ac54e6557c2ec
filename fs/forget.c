/* forget.c: `rm -r projects/P/exchanges/ID` forgets that exchange; a
 * recursive removal of more (a project, exchanges/, the root: rm -rf,
 * find -delete, rsync --delete) forgets nothing.
 *
 * The rmdir of an exchange directory hides it at once and answers
 * success; the forget is committed after a grace period (GRACE_MS).  A
 * mass deletion shows itself within that period: a second exchange
 * directory removed (by any process), or the same process removing
 * something that cannot be removed (a parent directory, a view, MEMORY.md:
 * what every recursive removal does next).  Then every pending forget is
 * cancelled, the exchanges reappear, the request that showed it fails, and
 * for a grace period after the last attempt every exchange rmdir fails
 * too (EPERM), so the rest of the walk removes nothing either.  Several
 * exchanges are forgotten with `recallfs forget ID...`.  Pending forgets
 * are dropped when the mount stops: only a committed forget is one. */
#include "common.h"
#include "daemon.h"
#include "ino.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GRACE_MS 2000

struct pending {
	int64_t xid, pid;
	char *name;             /* exchanges/NAME */
	uint64_t due;
};

struct fsd_forgets {
	pthread_mutex_t mu;
	struct pending *p;
	size_t n, cap;
	int64_t *hidden;        /* the pending ones' ids, sorted (the view */
	size_t nhidden, caph;   /* reads it under d->lock) */
	uint64_t grace;
	uint64_t blocked_until;
	unsigned long forgotten, refused;
	char last[160];         /* the last refusal, for status */
};


int fsd_forgets_init(struct fsd *d)
{
	struct fsd_forgets *f = xcalloc(1, sizeof(*f));
	const char *e = getenv("RECALLFS_FORGET_GRACE_MS");

	pthread_mutex_init(&f->mu, NULL);
	f->grace = e && atoi(e) > 0 ? (uint64_t)atoi(e) : GRACE_MS;
	d->forgets = f;
	return 0;
}

void fsd_forgets_release(struct fsd *d)
{
	struct fsd_forgets *f = d->forgets;

	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->p[i].name);
	free(f->p);
	free(f->hidden);
	pthread_mutex_destroy(&f->mu);
	free(f);
	d->forgets = NULL;
}


/* The view's hidden set follows the pending list (under f->mu). */
static void rehide(struct fsd *d)
{
	struct fsd_forgets *f = d->forgets;
	int64_t *h = xmalloc((f->n ? f->n : 1) * sizeof(*h));

	for (size_t i = 0; i < f->n; i++)
		h[i] = f->p[i].xid;
	qsort(h, f->n, sizeof(*h), fsd_cmp_i64);
	pthread_mutex_lock(&d->lock);
	free(f->hidden);
	f->hidden = h;
	f->nhidden = f->n;
	d->v.hidden = f->nhidden ? f->hidden : NULL;
	d->v.nhidden = f->nhidden;
	pthread_mutex_unlock(&d->lock);
	__atomic_add_fetch(&d->status_ver, 1, __ATOMIC_RELEASE);
	fsd_note_inode(d, 0, FSI_ROOT);         /* status is announced */
}

static void say(struct fsd_forgets *f, const char *why)
{
	time_t t = time(NULL);
	struct tm tm;
	char when[32] = "";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(f->last, sizeof(f->last), "%s %s", when, why);
}

/* A mass deletion: every pending forget is cancelled and the exchanges
 * come back (under f->mu). */
static void cancel_all(struct fsd *d, const char *why)
{
	struct fsd_forgets *f = d->forgets;

	for (size_t i = 0; i < f->n; i++) {
		uint64_t dir = fs_ino_proj(FSP_EXCHANGES, f->p[i].pid);

		fsd_note_entry(d, 0, dir, f->p[i].name);
		fsd_note_inode(d, 0, dir);
		free(f->p[i].name);
	}
	f->n = 0;
	f->refused++;
	f->blocked_until = fsd_now_ms() + f->grace;
	say(f, why);
	rehide(d);
	fsd_notes_kick(d);
}

int fsd_forget_rmdir(struct fsd *d, const struct fs_loc *l,
		     const char *name, pid_t pid)
{
	struct fsd_forgets *f = d->forgets;
	uint64_t now = fsd_now_ms();
	int rc = 0;

	(void)pid;
	pthread_mutex_lock(&f->mu);
	if (f->blocked_until > now) {
		f->blocked_until = now + f->grace;
		rc = -EPERM;
	} else if (f->n) {
		cancel_all(d, "refused: more than one exchange directory "
			   "removed at once; nothing was forgotten (use "
			   "recallfs forget ID... to forget several)");
		rc = -EPERM;
	} else {
		XGROW(f->p, f->cap, f->n + 1);
		f->p[f->n++] = (struct pending){ l->xid, l->pid,
						 xstrdup(name),
						 now + f->grace };
		rehide(d);
		fsd_note_inode(d, 0, fs_ino_proj(FSP_EXCHANGES, l->pid));
		fsd_notes_kick(d);
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

int fsd_forget_refused(struct fsd *d, pid_t pid, int err)
{
	struct fsd_forgets *f = d->forgets;

	(void)pid;
	pthread_mutex_lock(&f->mu);
	/* a process that removed an exchange now removes what holds it (or
	 * a view, or MEMORY.md): a recursive removal */
	if (f->n)
		cancel_all(d, "refused: a recursive removal; nothing was "
			   "forgotten (rm -r of one exchange directory "
			   "forgets it; recallfs forget ID... forgets several)");
	pthread_mutex_unlock(&f->mu);
	return err;
}

/* Forgets exchange xid on the notifier's connection. */
static int commit(struct fsd *d, int64_t xid)
{
	int rc = store_begin(&d->ast);

	if (!rc) {
		rc = store_delete_exchange(&d->ast, xid);
		if (!rc)
			rc = store_commit(&d->ast);
		if (rc)
			store_rollback(&d->ast);
	}
	return rc == -ENOENT ? 0 : rc;
}

int fsd_forget_tick(struct fsd *d)
{
	struct fsd_forgets *f = d->forgets;
	struct pending *due = NULL;
	size_t ndue = 0, cap = 0, k = 0;
	uint64_t now = fsd_now_ms(), next = 0;

	if (!f)
		return -1;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		if (f->p[i].due <= now) {
			XGROW(due, cap, ndue + 1);
			due[ndue++] = f->p[i];
		} else {
			next = !next || f->p[i].due < next ? f->p[i].due : next;
			f->p[k++] = f->p[i];
		}
	}
	f->n = k;
	pthread_mutex_unlock(&f->mu);
	for (size_t i = 0; i < ndue; i++) {
		if (!commit(d, due[i].xid)) {
			pthread_mutex_lock(&f->mu);
			f->forgotten++;
			pthread_mutex_unlock(&f->mu);
		}
		free(due[i].name);
	}
	if (ndue) {
		fsd_announce(d, 1);     /* before it shows again */
		pthread_mutex_lock(&f->mu);
		rehide(d);
		pthread_mutex_unlock(&f->mu);
	}
	free(due);
	return next ? (int)(next - now) : -1;
}

void fsd_forget_status(struct fsd *d, struct buf *out)
{
	struct fsd_forgets *f = d->forgets;

	pthread_mutex_lock(&f->mu);
	buf_addf(out, "forget_pending\t%zu\nforgotten\t%lu\n", f->n,
		 f->forgotten);
	if (f->refused)
		buf_addf(out, "forget_refused\t%lu\t%s\n", f->refused,
			 f->last);
	pthread_mutex_unlock(&f->mu);
}

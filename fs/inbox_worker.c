/* inbox_worker.c: the one thread that ingests.  It takes the oldest ready
 * entry of the queue that no handle is writing, ingests it with the mutex
 * released, then removes it, or moves it to failed/ with its reason when
 * the error is the transcript's.  Other errors are tried again: a few
 * times, then failed; a full disk or a busy database is waited out
 * however long it lasts, since the transcript is not at fault.
 *
 * A file in a folder below a project folder (inbox/P/D/NAME) came with a
 * tree, as `recallfs ingest DIR` walks one: when it is no transcript at
 * all (a subagent's .meta.json) it is removed and counted as skipped, not
 * failed.  Written as inbox/NAME or inbox/P/NAME it was named on purpose,
 * and a non-transcript fails, as `recallfs ingest FILE` does. */
#include "common.h"
#include "inbox_int.h"
#include "tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRIES 5
#define MAX_BACKOFF 10          /* seconds between tries when waiting */

struct job {
	struct spool_ent e;
	struct buf rel;
	int tries;                  /* failed tries of this entry so far */
	int wait;                   /* seconds from one try to the next */
	struct timespec next;       /* no try before (CLOCK_MONOTONIC) */
};

void inbox_kick(struct fs_inbox *ib)
{
	ib->kicked = 1;
	pthread_cond_signal(&ib->cv);
}

static void job_clear(struct job *j)
{
	free(j->e.dir);
	free(j->e.name);
	free(j->e.path);
	memset(&j->e, 0, sizeof(j->e));
	buf_reset(&j->rel);
}

/* The oldest ready entry into j->e; 0 when there is one.  The same entry
 * as last time keeps its count of tries. */
static int pick(struct fs_inbox *ib, struct job *j)
{
	struct spool_list q = SPOOL_LIST_INIT;
	const struct spool_ent *best = NULL;
	unsigned long long last = j->e.seq;
	char *lastpath = j->e.path ? xstrdup(j->e.path) : NULL;

	spool_scan(&ib->sp, &q, NULL);
	for (size_t i = 0; i < q.n; i++)
		if ((!best || q.v[i].seq < best->seq) &&
		    !inbox_of_busy(ib, q.v[i].path) && spool_ready(&q.v[i]))
			best = &q.v[i];
	job_clear(j);
	if (best) {
		j->e.seq = best->seq;
		j->e.dir = best->dir ? xstrdup(best->dir) : NULL;
		j->e.name = xstrdup(best->name);
		j->e.path = xstrdup(best->path);
		inbox_rel_of(best->dir, best->name, &j->rel);
	}
	if (!best || best->seq != last || !lastpath ||
	    strcmp(lastpath, best->path)) {
		j->tries = j->wait = 0;
		j->next.tv_sec = 0;
	}
	free(lastpath);
	spool_list_release(&q);
	return best ? 0 : -ENOENT;
}

/* Errors that are the transcript's: trying again cannot help. */
static int permanent(int rc)
{
	return rc == -EILSEQ || rc == -E2BIG || rc == -EINVAL ||
	       rc == -EISDIR || rc == -ENOENT || rc == -EPROTO;
}

/* Errors of the place, not the transcript: wait them out. */
static int waitable(int rc)
{
	return rc == -ENOSPC || rc == -EDQUOT || rc == -EBUSY ||
	       rc == -EAGAIN;
}

/* The entry left the queue: the name answers stat a little longer. */
static void consumed(struct fs_inbox *ib, struct job *j)
{
	struct spool_list q = SPOOL_LIST_INIT;
	struct stat st;

	const struct spool_ent *e;

	if (spool_stat(&j->e, &st) == 0 && !inbox_of_writing(ib, j->rel.p)) {
		spool_scan_dir(&ib->sp, j->e.dir, &q, NULL);
		e = spool_find(&q, j->e.dir, j->e.name);
		if (!e || e->seq == j->e.seq)  /* no other copy: the name goes */
			inbox_ghost_add(ib, buf_str(&j->rel), &st);
		spool_list_release(&q);
	}
}

static void done_ok(struct fs_inbox *ib, struct job *j)
{
	consumed(ib, j);
	spool_remove(&ib->sp, &j->e);   /* ENOENT: removed or renamed meanwhile */
	ib->ningested++;
}

/* Moves the job to failed/; the name used goes to failed. */
static int done_failed(struct fs_inbox *ib, struct job *j, const char *why,
		       struct buf *failed)
{
	struct buf line = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	consumed(ib, j);
	rc = spool_fail(&ib->sp, &j->e, why, failed);
	if (rc == -ENOENT)
		inbox_ghost_drop(ib, buf_str(&j->rel));  /* gone meanwhile */
	if (rc)
		buf_reset(failed);
	if (rc && rc != -ENOENT) {
		buf_addf(&line, "%s: cannot move to failed/ (%s): %s (will "
			 "retry)", j->e.name, err_str(rc), why);
		inbox_add_err(ib, buf_str(&line));
		buf_release(&line);
		return rc;
	}
	if (!rc) {
		buf_addf(&line, "%s: %s", j->e.name, why);
		inbox_add_err(ib, buf_str(&line));
		ib->nfailed++;
	}
	buf_release(&line);
	return 0;
}

/* 1 when j came with a tree (a folder below the project folder) and is
 * no transcript at all. */
static int walked_past(const struct job *j)
{
	struct buf data = BUF_INIT(TX_MAX_FILE);
	int yes = 0;

	if (j->e.dir && strchr(j->e.dir, '/') && !buf_read_file(&data, j->e.path))
		yes = tx_detect(buf_str(&data), data.len) == TX_UNKNOWN;
	buf_release(&data);
	return yes;
}

/* Decides what an ingest's result means for the spool (mu held); the
 * failed/ name (if any) goes to failed. */
static void settle(struct fs_inbox *ib, struct job *j, int rc,
		   struct buf *err, struct buf *failed)
{
	struct buf line = BUF_INIT(BUF_MAX_SMALL);

	if (!err->len && rc)
		buf_adds(err, err_str(rc));
	if (!rc) {
		done_ok(ib, j);
	} else if (permanent(rc) && walked_past(j)) {
		consumed(ib, j);
		spool_remove(&ib->sp, &j->e);
		ib->nskipped++;
	} else if (permanent(rc) || (!waitable(rc) && ++j->tries >= MAX_TRIES)) {
		if (done_failed(ib, j, buf_str(err), failed))
			j->wait = MAX_BACKOFF;
	} else {
		j->wait = j->wait ? j->wait * 2 : 1;
		if (j->wait > MAX_BACKOFF)
			j->wait = MAX_BACKOFF;
		buf_addf(&line, "%s: %s (will retry)", j->e.name, buf_str(err));
		inbox_add_err(ib, buf_str(&line));
	}
	if (!rc || !j->wait)
		j->tries = 0;
	clock_gettime(CLOCK_MONOTONIC, &j->next);
	j->next.tv_sec += j->wait;
	buf_release(&line);
}

/* 1 when j (just picked) must wait before it is tried again. */
static int must_wait(const struct job *j)
{
	struct timespec now;

	if (!j->wait)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < j->next.tv_sec ||
	       (now.tv_sec == j->next.tv_sec && now.tv_nsec < j->next.tv_nsec);
}

/* Ingests j (mu held on entry and exit, released around the hook). */
static void run_job(struct fs_inbox *ib, struct job *j)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct buf failed = BUF_INIT(BUF_MAX_SMALL);
	char *rel = xstrdup(buf_str(&j->rel));
	char *project = NULL;
	int rc;

	if (j->e.dir)   /* the project folder: the top one */
		project = xstrndup(j->e.dir, strcspn(j->e.dir, "/"));
	ib->current = xstrdup(rel);
	pthread_mutex_unlock(&ib->mu);
	rc = ib->h.ingest(ib->h.ctx, j->e.path, rel, project, &err);
	pthread_mutex_lock(&ib->mu);
	settle(ib, j, rc, &err, &failed);
	free(ib->current);
	ib->current = NULL;
	pthread_mutex_unlock(&ib->mu);
	inbox_changed(ib, rel);
	if (failed.len) {
		struct buf f = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&f, "failed/%s", buf_str(&failed));
		inbox_changed(ib, buf_str(&f));
		buf_adds(&f, ".error");
		inbox_changed(ib, buf_str(&f));
		buf_release(&f);
	}
	pthread_mutex_lock(&ib->mu);
	free(rel);
	free(project);
	buf_release(&err);
	buf_release(&failed);
}

/* Waits (mu held) until kicked, stopped, or secs have passed. */
static void nap(struct fs_inbox *ib, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	while (!ib->kicked && !ib->stop)
		if (pthread_cond_timedwait(&ib->cv, &ib->mu, &ts))
			break;
	ib->kicked = 0;
}

/* Names whose time as consumed is over change meaning now. */
static void expire(struct fs_inbox *ib)
{
	struct strv gone = STRV_INIT;

	inbox_ghost_expire(ib, &gone);
	pthread_mutex_unlock(&ib->mu);
	for (size_t i = 0; i < gone.n; i++)
		inbox_changed(ib, gone.v[i]);
	if (ib->h.tick)
		ib->h.tick(ib->h.ctx);
	pthread_mutex_lock(&ib->mu);
	strv_clear(&gone);
}

static void *worker(void *arg)
{
	struct fs_inbox *ib = arg;
	struct job j;

	memset(&j, 0, sizeof(j));
	buf_init(&j.rel, BUF_MAX_SMALL);
	pthread_mutex_lock(&ib->mu);
	while (!ib->stop) {
		if (pick(ib, &j) == 0 && !must_wait(&j))
			run_job(ib, &j);
		else
			nap(ib, 1);
		expire(ib);
	}
	pthread_mutex_unlock(&ib->mu);
	job_clear(&j);
	buf_release(&j.rel);
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

/* Stops the worker after the entry it is ingesting (inbox.c frees). */
void inbox_worker_stop(struct fs_inbox *ib)
{
	if (!ib->started)
		return;
	pthread_mutex_lock(&ib->mu);
	ib->stop = 1;
	pthread_cond_signal(&ib->cv);
	pthread_mutex_unlock(&ib->mu);
	pthread_join(ib->thr, NULL);
	ib->started = 0;
}

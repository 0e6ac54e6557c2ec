/* submount.c: the inbox session's mount on MOUNT/inbox, made when someone
 * reaches inbox/ and removed when it has been idle for a moment.
 *
 * A mount under the tree's mount makes a plain `fusermount3 -u MOUNT` (or
 * umount) fail with EBUSY, so the inbox session is only there while it is
 * used: the tree answers the lookup of "inbox" with timeout 0, so every
 * path walk through it asks; a walk by anyone but the daemon itself (and
 * its fusermount3 children, which resolve the path while mounting and
 * unmounting) has the inbox session mounted (by a thread of its own)
 * before the answer, and the walk crosses into it.  The notifier unmounts
 * it (never lazily: a busy one stays) once nothing is open in it and
 * nothing has reached it for IDLE_MS.
 *
 * The mounting resolves MOUNT/inbox itself, which the kernel makes wait
 * while a first lookup of that name (no cached entry) is unanswered; so
 * the answer waits for the mount at most WAIT_MS, and the daemon keeps
 * the entry cached by looking it up itself now and then (a walk that
 * finds no cached entry and outwaits WAIT_MS lands on the tree's empty
 * inbox/, where a write answers EAGAIN). */
#include "common.h"
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS 1500
#define WAIT_MS 5000
#define WARM_MS 10000

enum sub_state { SUB_NONE, SUB_MOUNTING, SUB_UP, SUB_UNMOUNTING };

struct fsd_sub {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum sub_state state;
	int stopping;
	struct fuse_session *ise;
	pthread_t thr;
	long open;              /* handles open in the inbox session */
	uint64_t last;          /* ms: last time someone reached it */
	uint64_t warmed;        /* ms: the daemon's own last lookup */
	unsigned long mounts;
	char err[200];          /* why the last mount failed */
};


/* SIGUSR2 wakes the session loop (sem_wait returns EINTR) when it must
 * stop while the connection lives on (a copy of the mount elsewhere). */
static void wake(int sig)
{
	(void)sig;
}

int fsd_sub_init(struct fsd *d)
{
	struct fsd_sub *s = xcalloc(1, sizeof(*s));
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	d->sub = s;
	return 0;
}

void fsd_sub_release(struct fsd *d)
{
	struct fsd_sub *s = d->sub;

	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	d->sub = NULL;
}

/* pid (a thread id: what FUSE reports) is one of the daemon's threads or
 * a child of it (fusermount3 mounting for it). */
static int ours(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	long ppid = 0;

	if (pid == getpid())
		return 1;
	snprintf(path, sizeof(path), "/proc/self/task/%ld", (long)pid);
	if (!access(path, F_OK))
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %ld", &ppid);
	fclose(f);
	return ppid == getpid();
}

static void *loop_thread(void *arg)
{
	struct fuse_session *ise = arg;
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	sigset_t usr2;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	fuse_loop_cfg_set_max_threads(lc, 16);
	fuse_session_loop_mt(ise, lc);  /* until unmounted */
	fuse_loop_cfg_destroy(lc);
	return NULL;
}

/* Mounts the inbox session (s->mu not held; the tree's session answers
 * the lookups the mount makes). */
static int mount_sub(struct fsd *d, struct fuse_session **out,
		     pthread_t *thr, struct buf *err)
{
	struct fuse_session *ise = fsd_new_session(d, 1);
	sigset_t all, old;
	int rc;

	if (!ise) {
		buf_adds(err, "cannot create the inbox session");
		return -EIO;
	}
	if (fuse_session_mount(ise, d->inbox_mnt)) {
		buf_addf(err, "%s: cannot mount the inbox", d->inbox_mnt);
		fuse_session_destroy(ise);
		return -EIO;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(thr, NULL, loop_thread, ise);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		fuse_session_unmount(ise);
		fuse_session_destroy(ise);
		buf_addf(err, "cannot start the inbox: %s", strerror(rc));
		return -rc;
	}
	*out = ise;
	return 0;
}

/* The mounting thread: the state says how it went. */
static void *mounter(void *arg)
{
	struct fsd *d = arg;
	struct fsd_sub *s = d->sub;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct fuse_session *ise = NULL;
	pthread_t thr;
	int rc = mount_sub(d, &ise, &thr, &err);

	pthread_mutex_lock(&s->mu);
	if (!rc) {
		s->ise = ise;
		s->thr = thr;
		s->open = 0;
		s->mounts++;
		s->last = fsd_now_ms();
		__atomic_store_n(&d->ise, ise, __ATOMIC_RELEASE);
		s->state = SUB_UP;
	} else {
		snprintf(s->err, sizeof(s->err), "%s", buf_str(&err));
		s->state = SUB_NONE;
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	buf_release(&err);
	fsd_status_changed(d);
	return NULL;
}

/* Waits on s->cv until the state is not st, or until the deadline. */
static void wait_while(struct fsd_sub *s, enum sub_state st,
		       const struct timespec *deadline)
{
	while (s->state == st &&
	       pthread_cond_timedwait(&s->cv, &s->mu, deadline) != ETIMEDOUT)
		;
}

void fsd_sub_want(struct fsd *d, pid_t pid)
{
	struct fsd_sub *s = d->sub;
	struct timespec deadline;
	sigset_t all, old;
	pthread_t t;

	if (!s || d->o->readonly || ours(pid))
		return;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	s->last = fsd_now_ms();
	wait_while(s, SUB_UNMOUNTING, &deadline);
	if (s->state == SUB_NONE && !s->stopping) {
		s->state = SUB_MOUNTING;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		if (pthread_create(&t, NULL, mounter, d))
			s->state = SUB_NONE;
		else
			pthread_detach(t);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	wait_while(s, SUB_MOUNTING, &deadline);
	pthread_mutex_unlock(&s->mu);
}

void fsd_sub_touch(struct fsd *d, int open_delta)
{
	struct fsd_sub *s = d->sub;

	pthread_mutex_lock(&s->mu);
	s->open += open_delta;
	s->last = fsd_now_ms();
	pthread_mutex_unlock(&s->mu);
}

/* Unmounts without MNT_DETACH: fails (EBUSY) while anything is open or a
 * working directory there. */
static int unmount_now(const char *path)
{
	pid_t pid;
	int status = 0;

	if (geteuid() == 0)
		return umount2(path, UMOUNT_NOFOLLOW) ? -errno : 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-q", "--", path,
		       (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EBUSY;
}

/* The session is unmounted (or going): its loop is stopped, its thread
 * joined, it is freed.  Called with s->mu held and the state
 * SUB_UNMOUNTING (which keeps everyone else out); drops s->mu while it
 * waits, since the session's handlers take it.  Only the notifier thread
 * sends notices, and it calls this or waits for it. */
static void retire(struct fsd *d)
{
	struct fsd_sub *s = d->sub;

	__atomic_store_n(&d->ise, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->mu);
	fuse_session_exit(s->ise);
	pthread_kill(s->thr, SIGUSR2);  /* in case the connection lives on */
	pthread_join(s->thr, NULL);
	fuse_session_unmount(s->ise);   /* lazily: a no-op once unmounted */
	fuse_session_destroy(s->ise);
	pthread_mutex_lock(&s->mu);
	s->ise = NULL;
	fsd_ibx_reset(d);
	s->state = SUB_NONE;
}

/* The daemon looks inbox/ up itself (which mounts nothing), so that the
 * kernel has its entry cached when someone else walks through it. */
static void warm(struct fsd *d)
{
	struct stat st;

	if (stat(d->inbox_mnt, &st)) {
		/* the tree's answer is all that matters here */
	}
	d->sub->warmed = fsd_now_ms();
}

int fsd_sub_tick(struct fsd *d)
{
	struct fsd_sub *s = d->sub;
	uint64_t now = fsd_now_ms();
	int rc, wait = -1;

	if (!s || d->o->readonly)
		return -1;
	if (now - s->warmed >= WARM_MS)
		warm(d);
	pthread_mutex_lock(&s->mu);
	if (s->state == SUB_UP && !s->open && now - s->last >= IDLE_MS) {
		s->state = SUB_UNMOUNTING;
		pthread_mutex_unlock(&s->mu);
		rc = unmount_now(d->inbox_mnt);
		pthread_mutex_lock(&s->mu);
		if (!rc) {
			retire(d);
			fsd_status_changed(d);
			s->warmed = 0;          /* look it up again now */
		} else {
			s->state = SUB_UP;
			s->last = fsd_now_ms();     /* busy: try again later */
		}
		pthread_cond_broadcast(&s->cv);
	}
	wait = s->state == SUB_UP ? IDLE_MS : s->warmed ? WARM_MS : 0;
	pthread_mutex_unlock(&s->mu);
	return wait;
}

void fsd_sub_stop(struct fsd *d)
{
	struct fsd_sub *s = d->sub;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	while (s->state == SUB_MOUNTING || s->state == SUB_UNMOUNTING)
		pthread_cond_wait(&s->cv, &s->mu);      /* (the tree still runs) */
	if (s->state == SUB_UP) {
		s->state = SUB_UNMOUNTING;
		retire(d);
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

void fsd_sub_status(struct fsd *d, struct buf *out)
{
	struct fsd_sub *s = d->sub;

	if (!s || d->o->readonly)
		return;
	pthread_mutex_lock(&s->mu);
	buf_addf(out, "inbox_mounted\t%s\n", s->state == SUB_UP ? "yes" : "no");
	if (s->err[0])
		buf_addf(out, "inbox_mount_error\t%s\n", s->err);
	pthread_mutex_unlock(&s->mu);
}

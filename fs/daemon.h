/* daemon.h: the state of a running mount, shared by its parts:
 *   mount.c     setup, the two sessions, the inbox hooks
 *   ll.c        the tree's FUSE operations (low-level API, inode numbers
 *               from fs/ino.h, zero-message open and opendir)
 *   ll_inbox.c  inbox/'s operations: a second FUSE session mounted on
 *               MOUNT/inbox, so that the tree's connection can skip open,
 *               flush and release while the inbox still sees every close
 *   submount.c  that session's mount: made when someone reaches inbox/,
 *               removed when idle
 *   gen.c       renderings of generated files (one inode each)
 *   notify.c    what changed -> invalidation notices to the kernel
 *   forget.c    rm -r of an exchange, and refusing a mass deletion
 *
 * Lock order: the forgets' mutex, then d->lock (view, d->st), then the
 * renderings' mutex; the inbox's mutex after d->lock, never before;
 * d->pmu and the notice queue's mutex are taken last, holding nothing.
 * d->qlock (the connection generated files render on) is taken only with
 * d->lock released.  No lock is held while a notice is sent to the kernel
 * (the kernel may wait for a request that waits for that lock), and no
 * request handler sends one: notices are queued (fsd_note_*) and sent by
 * the notifier thread. */
#ifndef FS_DAEMON_H
#define FS_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "inbox.h"
#include "mount.h"
#include "store.h"
#include "view.h"

struct emb;
struct fsd_gens;
struct fsd_notes;
struct fsd_forgets;
struct fsd_ibx;
struct fsd_sub;

/* FUSE requests counted for `status` (per session). */
enum fsd_op {
	OP_LOOKUP, OP_FORGET, OP_GETATTR, OP_SETATTR, OP_READLINK, OP_OPEN,
	OP_READ, OP_WRITE, OP_FLUSH, OP_RELEASE, OP_FSYNC, OP_OPENDIR,
	OP_READDIR, OP_READDIRPLUS, OP_RELEASEDIR, OP_CREATE, OP_MKDIR,
	OP_UNLINK, OP_RMDIR, OP_RENAME, OP_STATFS, OP_OTHER, OP_N
};
extern const char *const fsd_op_names[OP_N];

struct fsd {
	const struct fs_mount_opts *o;
	char *inbox_mnt;            /* MOUNTPOINT/inbox */
	struct store st;            /* FUSE threads, under lock */
	struct store wst;           /* the inbox worker's own connection */
	struct store qst;           /* generated files render here, under */
	struct store ast;           /* the notifier's (change detection) */
	pthread_mutex_t lock;
	pthread_mutex_t qlock;      /* qst */
	struct fs_view v;
	struct fs_inbox *inbox;     /* NULL when read-only */
	struct fuse_session *se;    /* the tree */
	struct fuse_session *ise;   /* inbox/, while it is mounted (atomic;
				       submount.c) */
	int zero_open;              /* the kernel opens files and dirs alone */
	uid_t uid;
	gid_t gid;
	double timeout;             /* entry/attr timeout: long, changes are
				       announced */
	struct emb *emb;            /* worker's embedder (NULL: none) */
	struct fsd_gens *gens;
	struct fsd_notes *notes;
	struct fsd_forgets *forgets;
	struct fsd_ibx *ibx;
	struct fsd_sub *sub;
	uint64_t status_ver;        /* bumped when status may change */
	pthread_mutex_t pmu;        /* projects: the inbox asks for them */
	struct strv projects;       /* from its own threads */
	uint64_t nreq[2][OP_N];     /* [0] tree, [1] inbox (atomic adds) */
	int counters;               /* RECALLFS_FUSE_COUNTERS: in status */
	uint64_t searches;          /* query files rendered (atomic) */
};

/* Milliseconds on the monotonic clock. */
static inline uint64_t fsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* qsort/bsearch order of int64_t values. */
static inline int fsd_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- ll.c ---- */
extern const struct fuse_lowlevel_ops fsd_ll_ops;
void fsd_count(struct fsd *d, int inbox, enum fsd_op op);
/* The attributes of a node of the tree. */
void fsd_node_stat(struct fsd *d, const struct fs_node *n, struct stat *st);

/* ---- mount.c ---- */
/* A session of the tree (inbox 0) or of inbox/ (1), not mounted. */
struct fuse_session *fsd_new_session(struct fsd *d, int inbox);

/* ---- submount.c ---- */
int fsd_sub_init(struct fsd *d);
void fsd_sub_release(struct fsd *d);
/* Someone (pid) reached inbox/: the inbox session is mounted before the
 * answer, unless pid is the daemon's own (or the mount is read-only). */
void fsd_sub_want(struct fsd *d, pid_t pid);
/* A request of the inbox session; open_delta +1 for a handle opened,
 * -1 for one released. */
void fsd_sub_touch(struct fsd *d, int open_delta);
/* Notifier: unmounts the inbox session once idle; ms to the next check
 * (-1: none needed). */
int fsd_sub_tick(struct fsd *d);
/* At the end: the inbox session goes (lazily). */
void fsd_sub_stop(struct fsd *d);
void fsd_sub_status(struct fsd *d, struct buf *out);

/* ---- ll_inbox.c ---- */
extern const struct fuse_lowlevel_ops fsd_inbox_ops;
int fsd_ibx_init(struct fsd *d);
void fsd_ibx_release(struct fsd *d);
/* A new inbox session: the old one's inode numbers are forgotten. */
void fsd_ibx_reset(struct fsd *d);
/* The inbox name rel changed meaning (queued, consumed, failed, removed):
 * its inode number is retired and the kernel told to drop what it holds. */
void fsd_ibx_changed(struct fsd *d, const char *rel);

/* ---- gen.c ---- */
int fsd_gens_init(struct fsd *d);
void fsd_gens_release(struct fsd *d);
/* Under d->lock: the current rendering of the generated file l (looked
 * up as name in directory parent), rendering it when there is none; one
 * more lookup of it is counted.  e gets the kernel's entry. */
int fsd_gen_lookup(struct fsd *d, struct fs_loc *l, uint64_t parent,
		   const char *name, struct fuse_entry_param *e);
int fsd_gen_getattr(struct fsd *d, uint64_t ino, struct stat *st);
/* Copies up to size bytes at off of rendering ino into buf; -ESTALE when
 * the kernel forgot it. */
int fsd_gen_read(struct fsd *d, uint64_t ino, char *buf, size_t size,
		 off_t off, size_t *got);
void fsd_gen_forget(struct fsd *d, uint64_t ino, uint64_t n);
/* Queues a notice for every rendering older than the current versions
 * (gen: the view's generation). */
void fsd_gen_stale(struct fsd *d, uint64_t gen);
/* Status lines: how many renderings are held. */
void fsd_gen_status(struct fsd *d, struct buf *out);

/* ---- notify.c ---- */
int fsd_notes_init(struct fsd *d);
/* Starts the notifier thread (after daemonising). */
int fsd_notes_start(struct fsd *d);
void fsd_notes_stop(struct fsd *d);
void fsd_notes_release(struct fsd *d);
/* Queue a notice: inode ino's attributes and cached data (a directory:
 * its listing); the entry name in parent; the entry name in parent that
 * pointed at child (deleted).  inbox: for the inbox session. */
void fsd_note_inode(struct fsd *d, int inbox, uint64_t ino);
void fsd_note_entry(struct fsd *d, int inbox, uint64_t parent,
		    const char *name);
void fsd_note_delete(struct fsd *d, int inbox, uint64_t parent,
		     uint64_t child, const char *name);
/* Wakes the notifier: the store may have changed. */
void fsd_notes_kick(struct fsd *d);
/* status may read differently (the inbox queue moved): its renderings
 * are retired. */
void fsd_status_changed(struct fsd *d);
/* Looks for changes in the store now and announces them (queues the
 * notices and sends them before returning; not from a request handler).
 * explained: the caller knows what it wrote (no fingerprint scan). */
void fsd_announce(struct fsd *d, int explained);
/* These exchanges' content changed (an LLM pass filled them). */
void fsd_announce_exchanges(struct fsd *d, const int64_t *ids, size_t n);

/* ---- forget.c ---- */
int fsd_forgets_init(struct fsd *d);
void fsd_forgets_release(struct fsd *d);
/* rmdir of exchange directory l (named name) by process pid: hidden now,
 * forgotten after a grace period unless a mass deletion shows up.  0 or
 * -errno to answer. */
int fsd_forget_rmdir(struct fsd *d, const struct fs_loc *l,
		     const char *name, pid_t pid);
/* A removal of anything else by pid was refused with err: a recursive
 * removal is under way; returns the errno to answer. */
int fsd_forget_refused(struct fsd *d, pid_t pid, int err);
/* Commits the forgets whose grace period is over (notifier thread);
 * returns the milliseconds until the next one is due (-1: none). */
int fsd_forget_tick(struct fsd *d);
void fsd_forget_status(struct fsd *d, struct buf *out);

#endif

/* daemon.h: the state of a running mount, shared by the FUSE operations
 * (ops.c) and the setup and worker hooks (mount.c).  Lock order: d->lock
 * (view, store connection) may be taken before the inbox's own mutex,
 * never after; d->ilock (invalidation lists) is taken last.  d->qlock
 * (the connection queries, MEMORY.md and status render on) is taken only
 * with d->lock released, and d->lock never while holding it. */
#ifndef FS_DAEMON_H
#define FS_DAEMON_H

#include <pthread.h>
#include <sys/types.h>

#define FUSE_USE_VERSION 314
#include <fuse.h>

#include "inbox.h"
#include "mount.h"
#include "store.h"
#include "view.h"

struct emb;

struct fsd {
	const struct fs_mount_opts *o;
	char *db_path;
	struct store st;            /* FUSE threads, under lock */
	struct store wst;           /* the inbox worker's own connection */
	pthread_mutex_t lock;
	struct store qst;           /* generated files render here, under */
	pthread_mutex_t qlock;      /* qlock and without lock */
	struct fs_view v;
	struct fs_inbox *inbox;     /* NULL when read-only */
	struct fuse *fuse;
	uid_t uid;
	gid_t gid;
	double timeout;             /* entry/attr timeout for stable names */
	int64_t data_version;
	struct emb *emb;            /* worker's embedder (NULL: none) */
	/* guarded by ilock */
	pthread_mutex_t ilock;
	struct strv inval;          /* paths to invalidate at the next tick */
	struct strv qpaths;         /* query paths the kernel has seen */
	struct strv projects;       /* project names (inbox dirs) */
	int dirty;                  /* invalidate the generated files */
};

/* The FUSE operations of a mount. */
extern const struct fuse_operations fs_ops;

/* Marks the store changed (under d->lock): bumps the view's generation
 * and asks the next tick to invalidate the generated files. */
void fsd_changed_locked(struct fsd *d);
/* Under d->lock: if another connection committed since we last looked
 * (PRAGMA data_version), marks the store changed; 1 if it did.  Listings
 * and failed lookups call it, so what another process (or the inbox
 * worker) ingested shows up at once, while everything else is served from
 * the per-generation caches. */
int fsd_refresh_locked(struct fsd *d);
/* Queues one path for invalidation at the next tick. */
void fsd_invalidate(struct fsd *d, const char *path);
/* Inbox hooks (mount.c). */
void fsd_tick(void *ctx);

#endif

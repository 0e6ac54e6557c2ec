/* inbox.h: the mount's inbox/ (SPEC section 5): files written there are
 * spooled beside the database, made durable on close, queued, and handed
 * to one worker thread that ingests them.
 *
 * Spool layout (dir = "<db>.inbox"):
 *   tmp/SEQ                  a file being written (discarded at start: its
 *                            writer saw the daemon die)
 *   queue/SEQ.NAME           queued for inbox/NAME
 *   queue/P/SEQ.NAME         queued for inbox/P/NAME (project P)
 *   failed/NAME, NAME.error  could not be ingested; one line why
 * SEQ is a 20-digit number that orders the queue; a file written again
 * under the same name while the first copy waits gets a larger SEQ and
 * both are ingested in order (ingest is idempotent; the listing shows the
 * newest).  Names starting with '.' stay queued but are not ingested until
 * renamed (rsync and editors write a hidden temp file, then rename it).
 *
 * Paths given here are relative to inbox/: "" (inbox itself), "NAME",
 * "P", "P/NAME", "failed", "failed/NAME".  Every call is thread-safe. */
#ifndef FS_INBOX_H
#define FS_INBOX_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
#include "view.h"

struct fs_inbox;

struct fs_inbox_hooks {
	/* Ingests the spool file path, written as inbox/name (project may
	 * be NULL); readers see name, not the spool path.  0, or -errno
	 * with one line in err.  Runs on the worker thread. */
	int (*ingest)(void *ctx, const char *path, const char *name,
		      const char *project, struct buf *err);
	/* Appends the existing project names (each is shown as inbox/P/). */
	void (*projects)(void *ctx, struct strv *out);
	/* The queue changed (a file queued, ingested, failed, removed); rel
	 * names the inbox path concerned.  Any thread. */
	void (*changed)(void *ctx, const char *rel);
	/* Called on the worker thread after each event and at least once a
	 * second (the mount runs its cache invalidations here). */
	void (*tick)(void *ctx);
	void *ctx;
};

/* Opens (creating) the spool at dir; *ib owned by the caller. */
int fs_inbox_open(struct fs_inbox **ib, const char *dir,
		  const struct fs_inbox_hooks *h, struct buf *err);
/* Starts the worker thread (call after daemonising). */
int fs_inbox_start(struct fs_inbox *ib);
/* Stops the worker (after the file being ingested) and frees ib. */
void fs_inbox_close(struct fs_inbox *ib);

int fs_inbox_getattr(struct fs_inbox *ib, const char *rel, struct stat *st);
int fs_inbox_list(struct fs_inbox *ib, const char *rel, fs_list_fn fn,
		  void *ctx);
/* Opens rel: for writing (O_WRONLY/O_RDWR, or create) a fresh spool file
 * (the old content copied unless O_TRUNC); for reading the queued or
 * failed file.  *h is the handle for the calls below. */
int fs_inbox_open_file(struct fs_inbox *ib, const char *rel, int flags,
		       int create, uint64_t *h);
int fs_inbox_read(struct fs_inbox *ib, uint64_t h, char *buf, size_t size,
		  off_t off);
int fs_inbox_write(struct fs_inbox *ib, uint64_t h, const char *buf,
		   size_t size, off_t off);
int fs_inbox_fstat(struct fs_inbox *ib, uint64_t h, struct stat *st);
int fs_inbox_ftruncate(struct fs_inbox *ib, uint64_t h, off_t size);
/* Truncates the file open for writing at rel.  -EACCES otherwise. */
int fs_inbox_truncate(struct fs_inbox *ib, const char *rel, off_t size);
/* Makes the bytes durable (fsync) and queues the file (first flush). */
int fs_inbox_flush(struct fs_inbox *ib, uint64_t h);
int fs_inbox_release(struct fs_inbox *ib, uint64_t h);
int fs_inbox_unlink(struct fs_inbox *ib, const char *rel);
int fs_inbox_mkdir(struct fs_inbox *ib, const char *rel);
int fs_inbox_rmdir(struct fs_inbox *ib, const char *rel);
int fs_inbox_rename(struct fs_inbox *ib, const char *from, const char *to);

/* Appends queue lines for the status file. */
void fs_inbox_status(struct fs_inbox *ib, struct buf *out);
/* Files queued and not yet ingested (tests, status). */
size_t fs_inbox_pending(struct fs_inbox *ib);

#endif

/* inbox.h: the mount's inbox/ (SPEC section 5): files written there are
 * spooled beside the database, made durable on close, queued, and handed
 * to one worker thread that ingests them.  The spool's layout on disk is
 * in inbox_spool.h; the parts of the inbox in inbox_int.h.
 *
 * What a writer sees:
 *   - close() returns once the bytes are durable; then the file is
 *     queued, stays listed while queued or being ingested, and leaves
 *     once ingested (to inbox/failed/NAME beside NAME.error when it is
 *     not a transcript).  A name written again while an older copy
 *     waits: both are ingested, oldest first.
 *   - A failed write (a full disk) sticks: later writes and close() report
 *     it, and the file is discarded, never ingested half-written.
 *   - Held, not ingested: hidden names (rsync and editors write a hidden
 *     temp file and rename it) until renamed; empty files (editors' probe
 *     files, `touch`) until written.  Status counts them as held.
 *   - A name the worker consumed still answers stat for a moment (a
 *     listing taken before stays true for the stat calls after it); it is
 *     not listed, cannot be opened, and its name is free: writing it
 *     starts a new file.  Appends (O_APPEND) go to the end of the spool
 *     file whatever offset the kernel sends.
 *
 *   - Folders: inbox/P/ names project P (made with mkdir, or a project
 *     of the store); folders below it (inbox/P/D/...) take what a tree
 *     brings (`rsync -a ~/.claude/projects/ inbox/`), and there a file
 *     that is no transcript at all is skipped, not failed.
 *
 * Paths given here are relative to inbox/: "" (inbox itself), "NAME",
 * "P", "P/NAME", "P/D/.../NAME", "failed", "failed/NAME".  Every call is
 * thread-safe. */
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
	/* What rel names changed: created, written anew, queued, ingested,
	 * failed (then also for "failed/NAME" and "failed/NAME.error"),
	 * removed, renamed (from and to), no longer answering stat after it
	 * was consumed; a folder made or removed.  Any thread, no lock held.
	 * The mount drops what the kernel caches for rel here. */
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
 * (the current bytes of rel copied unless O_TRUNC; -EEXIST for create
 * with O_EXCL when rel has bytes); for reading the queued or failed file.
 * *h is the handle for the calls below. */
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
/* Makes the bytes durable (fsync) and queues the file (first flush);
 * reports a write error seen on the handle (then the file is discarded
 * at release). */
int fs_inbox_flush(struct fs_inbox *ib, uint64_t h);
int fs_inbox_release(struct fs_inbox *ib, uint64_t h);
int fs_inbox_unlink(struct fs_inbox *ib, const char *rel);
int fs_inbox_mkdir(struct fs_inbox *ib, const char *rel);
int fs_inbox_rmdir(struct fs_inbox *ib, const char *rel);
int fs_inbox_rename(struct fs_inbox *ib, const char *from, const char *to);

/* Appends the inbox lines of the status file: inbox_queued (ready for
 * the worker, or being ingested), inbox_held, inbox_writing,
 * inbox_ingesting, inbox_ingested, inbox_failed, inbox_skipped (files
 * below a project folder that are no transcript), last_error. */
void fs_inbox_status(struct fs_inbox *ib, struct buf *out);

#endif

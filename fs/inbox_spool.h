/* inbox_spool.h: the spool behind inbox/ on disk (SPEC section 5), with
 * no FUSE and no threads: where a file's bytes are while it is written,
 * queued or failed, how they are made durable, and what a restart finds.
 *
 * Layout (dir = "<db>.inbox"):
 *   tmp/SEQ                  a file being written, never closed yet; at
 *                            open these are discarded (their writer saw
 *                            the daemon die, close() failed)
 *   queue/SEQ.NAME           inbox/NAME, closed at least once: durable
 *   queue/P/SEQ.NAME         inbox/P/NAME (P names the project)
 *   queue/P/D/.../SEQ.NAME   inbox/P/D/.../NAME (folders below P, as
 *                            `rsync -a ~/.claude/projects/` makes them)
 *   failed/NAME, NAME.error  could not be ingested; one line why
 * SEQ is a 20-digit number, larger for every file; it orders the queue.
 * A name written again while an older copy waits has two entries; both
 * are ingested, oldest first, and the newest is what the name shows.
 *
 * A queued entry is ready for ingesting unless it is held: its name is
 * hidden (rsync and editors write ".x.XXXX" and then rename it) or it is
 * empty (editors' probe files such as vim's "4913", `touch`).  A held
 * entry stays until it is renamed, written or removed.
 *
 * One spool is used by one thread at a time (the inbox's mutex). */
#ifndef FS_INBOX_SPOOL_H
#define FS_INBOX_SPOOL_H

#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
#include "strv.h"

#define SPOOL_SEQ_DIGITS 20
#define SPOOL_MAX_DEPTH 8           /* folders: "P/D/..." at most this deep */

struct spool {
	char *dir;
	unsigned long long seq;     /* the last one handed out */
};

/* One queued file. */
struct spool_ent {
	unsigned long long seq;
	char *dir;                  /* its folder "P" or "P/D/...", or NULL */
	char *name;
	char *path;                 /* the spool file */
};

struct spool_list {
	struct spool_ent *v;
	size_t n, cap;
};

#define SPOOL_LIST_INIT { NULL, 0, 0 }

/* Creates (or opens) the spool at dir and discards tmp/.  One line in err
 * on failure. */
int spool_open(struct spool *sp, const char *dir, struct buf *err);
void spool_release(struct spool *sp);

/* Splits an inbox path "NAME", "P/NAME" or "P/D/.../NAME" into *dir
 * (owned, NULL at the root) and *name (inside rel); -ENOENT when no file
 * can live there ("failed" ("P/failed" is fine), "", "P/", a folder that
 * spool_dir_ok refuses), -ENAMETOOLONG when "SEQ.NAME" would not fit a
 * directory entry. */
int spool_split(const char *rel, char **dir, const char **name);
/* 1 when P can be a project folder (a project name, not "failed"). */
int spool_project_ok(const char *p);
/* 1 when dir can be a folder: a project folder, then plain names, at
 * most SPOOL_MAX_DEPTH deep. */
int spool_dir_ok(const char *dir);

/* ---- writing ---- */

/* A fresh file in tmp/: its fd (read-write), *seq and its path in *path;
 * or -errno. */
int spool_create(struct spool *sp, unsigned long long *seq, struct buf *path);
/* Makes the bytes of fd durable, then moves the file at *path (in tmp/)
 * to queue/[DIR/]SEQ.NAME (making the folders it needs), durably; *path
 * is then the new place.  -errno when the bytes may not be on disk
 * (nothing moved then). */
int spool_commit(struct spool *sp, int fd, struct buf *path,
		 const char *dir, const char *name, unsigned long long seq);

/* ---- the queue ---- */

/* Appends every queued entry to q (any order); dirs (if not NULL) gets
 * every folder, each before the folders inside it. */
void spool_scan(struct spool *sp, struct spool_list *q, struct strv *dirs);
/* The same for one folder (NULL: the root) alone: its entries into q,
 * the folders directly in it (as paths "DIR/SUB") into subdirs if not
 * NULL. */
void spool_scan_dir(struct spool *sp, const char *dir, struct spool_list *q,
		    struct strv *subdirs);
void spool_list_release(struct spool_list *q);
/* The newest entry for (dir, name) in q, or NULL. */
const struct spool_ent *spool_find(const struct spool_list *q,
				   const char *dir, const char *name);
/* lstat of the entry's file, shown as a regular file, mode 0644. */
int spool_stat(const struct spool_ent *e, struct stat *st);
/* 1 when e waits for the worker (not hidden, not empty). */
int spool_ready(const struct spool_ent *e);
/* Renames the queued file at *path to inbox path (dir, name) with a new
 * SEQ (so that the name shows it), durably; *path is then the new place
 * and *seq the new SEQ. */
int spool_move(struct spool *sp, struct buf *path, const char *dir,
	       const char *name, unsigned long long *seq);
/* Removes e (ingested or deleted).  -ENOENT when it is gone already. */
int spool_remove(struct spool *sp, const struct spool_ent *e);
/* Moves e to failed/NAME (NAME.2, NAME.3 ... when taken) beside
 * NAME.error holding why on one line; *failed gets the name used.
 * -ENOENT when e is gone already. */
int spool_fail(struct spool *sp, const struct spool_ent *e, const char *why,
	       struct buf *failed);

/* ---- folders and failed/ ---- */

/* 1 when the folder queue/dir exists. */
int spool_has_dir(struct spool *sp, const char *dir);
/* Makes the folder queue/dir, durably (parents: and the missing folders
 * above it; else -ENOENT when one is missing).  0 when it exists. */
int spool_add_dir(struct spool *sp, const char *dir, int parents);
/* Removes the folder: -ENOTEMPTY while it holds anything. */
int spool_remove_dir(struct spool *sp, const char *dir);
/* The names in failed/. */
int spool_failed_list(struct spool *sp, struct strv *names);
/* The path of failed/NAME in *path; -ENOENT when NAME cannot be there. */
int spool_failed_path(struct spool *sp, const char *name, struct buf *path);

#endif

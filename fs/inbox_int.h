/* inbox_int.h: what the inbox's own files share (not for use outside
 * fs/inbox*.c).  The inbox is three parts around one mutex:
 *   inbox_spool.c   the files on disk (no threads, no FUSE)
 *   inbox_file.c    open handles and their file operations
 *   inbox_worker.c  the thread that ingests what is ready
 * and inbox.c, the names: lookup, listing, rename, unlink, folders,
 * status, and the names lately consumed.
 *
 * Every field of struct fs_inbox is guarded by mu, and so is every call
 * into the spool.  Hooks are called with mu released. */
#ifndef FS_INBOX_INT_H
#define FS_INBOX_INT_H

#include <pthread.h>
#include <time.h>

#include "inbox.h"
#include "inbox_spool.h"

#define INBOX_NLASTERR 5
/* How long a name the worker consumed still answers stat (seconds): a
 * listing taken just before stays true for the stat calls after it
 * (`ls -l` lists, then stats each name). */
#define INBOX_GHOST_SECONDS 2

/* An open file of inbox/. */
struct ofile {
	int fd;
	int writing;            /* opened for writing: has its own spool file */
	int append;             /* O_APPEND: writes go to the end */
	int queued;             /* committed to queue/ (first flush) */
	int unlinked;           /* removed while open: discarded at release */
	int err;                /* first write error (-errno): sticky */
	char *rel;              /* "NAME" or "P/NAME" */
	struct buf path;        /* where the bytes are now (writing only) */
	unsigned long long seq;
};

/* A name the worker consumed lately, and its last attributes. */
struct ghost {
	char *rel;
	struct stat st;
	struct timespec until;  /* CLOCK_MONOTONIC */
};

struct fs_inbox {
	struct spool sp;
	struct fs_inbox_hooks h;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* inbox_file.c */
	struct ofile **of;
	size_t nof, capof;
	/* inbox.c */
	struct ghost *gh;
	size_t ngh, capgh;
	time_t t0;              /* mtime of the inbox directories */
	/* inbox_worker.c */
	pthread_t thr;
	int started, stop, kicked;
	char *current;          /* rel being ingested */
	char *lasterr[INBOX_NLASTERR];
	size_t nerr, nfailed, ningested, nskipped;
};

/* ---- inbox.c ---- */
/* The inbox path of a queue entry ("NAME", "DIR/NAME") into b. */
void inbox_rel_of(const char *dir, const char *name, struct buf *b);
/* 1 when dir is a folder: in the spool, or (at the top) a project of the
 * store. */
int inbox_is_dir(struct fs_inbox *ib, const char *dir);
/* Remembers rel as consumed, with its last attributes. */
void inbox_ghost_add(struct fs_inbox *ib, const char *rel,
		     const struct stat *st);
/* Forgets consumed names past their time; their rels go to gone. */
void inbox_ghost_expire(struct fs_inbox *ib, struct strv *gone);
/* Forgets rel as consumed (it is written again, renamed, removed). */
void inbox_ghost_drop(struct fs_inbox *ib, const char *rel);
/* Removes the held entries of (dir, name) older than seq that no handle
 * has open: their bytes would never be ingested. */
void inbox_supersede(struct fs_inbox *ib, const char *dir, const char *name,
		     unsigned long long seq);
/* Records one line for status (the last few are shown). */
void inbox_add_err(struct fs_inbox *ib, const char *line);
/* Calls the changed hook for rel (mu not held). */
void inbox_changed(struct fs_inbox *ib, const char *rel);

/* ---- inbox_file.c ---- */
/* The handle open for writing rel (not removed), or NULL. */
struct ofile *inbox_of_writing(struct fs_inbox *ib, const char *rel);
/* 1 when a handle writes the spool file at path. */
int inbox_of_busy(struct fs_inbox *ib, const char *path);
/* Closes every handle (at shutdown); unqueued bytes are discarded. */
void inbox_of_close_all(struct fs_inbox *ib);

/* ---- inbox_worker.c ---- */
/* Wakes the worker (mu held). */
void inbox_kick(struct fs_inbox *ib);
/* Stops the worker after the entry it is ingesting (mu not held). */
void inbox_worker_stop(struct fs_inbox *ib);

#endif

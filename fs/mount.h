/* mount.h: serving the memory with FUSE (`recallfs mount`, `recallfs
 * umount`).
 *
 * One process owns the database.  The daemon serves two FUSE sessions:
 * the tree at MOUNTPOINT (low-level API, fs/ll.c: inode numbers computed
 * from names, zero-message open and opendir, everything cached by the
 * kernel for long and every change announced) and, unless read-only, the
 * inbox at MOUNTPOINT/inbox (fs/ll_inbox.c: a connection of its own, where
 * every close is seen; mounted while something uses it, fs/submount.c, so
 * that a plain fusermount3 -u of the tree works when it is idle).  Before daemonising it checks the mount point (no
 * such directory, already mounted by a live recallfs, left behind by a
 * dead one: cleared, not empty without -o nonempty) and the database and
 * --project; `recallfs mount` returns once both sessions are up, or with
 * the one line that says why not. */
#ifndef FS_MOUNT_H
#define FS_MOUNT_H

#include "buf.h"
#include "strv.h"

struct fs_mount_opts {
	const char *mountpoint;    /* absolute (fs_mount makes it so) */
	const char *db;            /* database path (required; absolute) */
	const char *project;       /* --project: the one project shown */
	int foreground;            /* -f */
	int readonly;              /* --read-only: EROFS, no inbox */
	int redact;                /* --redact */
	int use_llm;               /* --distiller llm */
	int debug;                 /* -d: FUSE debug output (foreground) */
	int nonempty;              /* -o nonempty: mount over files */
	struct strv fuse_opts;     /* each other -o value, passed to FUSE */
};

/* Mounts and serves until unmounted (daemonising unless foreground).
 * Returns 0, or -errno with one line in err (before daemonising: the
 * database cannot be opened, the mount point is unusable, FUSE failed;
 * a daemon reports what stopped it starting before `mount` returns). */
int fs_mount(const struct fs_mount_opts *o, struct buf *err);

/* Unmounts MOUNTPOINT (and its inbox/ first).  0, or -errno with one line
 * in err that says what to do (busy: close what is open there, or
 * unmount lazily). */
int fs_umount(const char *mountpoint, struct buf *err);

/* ---- mountpoint.c, for fs_mount ---- */

/* path made absolute against the working directory, "." and ".." and
 * repeated '/' removed, without touching the file system (a dead mount
 * cannot be stat'ed).  Owned by the caller. */
char *fs_abspath(const char *path);
/* The checks before mounting at the absolute path mnt (notes that need no
 * action, such as a dead mount cleared, go to stderr).  0 or -errno with
 * one line in err. */
int fs_mountpoint_check(const char *mnt, int nonempty, struct buf *err);

#endif

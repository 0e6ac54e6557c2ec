/* mount.h: serving the memory with FUSE (`recallfs mount`).
 *
 * One process owns the database: the daemon opens two connections after
 * daemonising, one for the FUSE threads (under one mutex, with the view
 * and its caches) and one for the inbox worker thread (ingest).  Kernel
 * caching: exchange files never change, so they get keep_cache and long
 * attribute/entry timeouts; generated files (status, MEMORY.md, query/)
 * are served with direct_io from a per-open copy whose size fstat reports,
 * and their cached attributes are invalidated whenever the store changes
 * (checked after every ingest and once a second with data_version).
 * Directory listings are never cached, so new exchanges show at once. */
#ifndef FS_MOUNT_H
#define FS_MOUNT_H

#include "buf.h"
#include "strv.h"

struct fs_mount_opts {
	const char *mountpoint;
	const char *db;            /* database path (required) */
	const char *project;       /* --project: the one project shown */
	int foreground;            /* -f */
	int readonly;              /* --read-only: EROFS, no inbox */
	int redact;                /* --redact */
	int use_llm;               /* --distiller llm */
	int debug;                 /* -d: FUSE debug output (foreground) */
	struct strv fuse_opts;     /* each -o value, passed to FUSE */
};

/* Mounts and serves until unmounted (daemonising unless foreground).
 * Returns 0, or -errno with one line in err (before daemonising: the
 * database cannot be opened, the mount point is unusable, FUSE failed). */
int fs_mount(const struct fs_mount_opts *o, struct buf *err);

#endif

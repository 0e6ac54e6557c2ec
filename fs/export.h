/* export.h: the tree written to a directory as plain files and symlinks
 * (`recallfs export`), for sandboxes without FUSE.  It walks the same view
 * as the mount (fs/view.h) with the live parts (status, query/, inbox/)
 * left out, so the two cannot drift. */
#ifndef FS_EXPORT_H
#define FS_EXPORT_H

#include "buf.h"
#include "store.h"

/* A file at the root of every export, so that `recallfs ingest` of a
 * folder that holds one skips it instead of ingesting the memory's own
 * files again (a mount is known by its file system type, fuse.recallfs). */
#define FS_EXPORT_MARKER ".recallfs-export"

struct fs_export_opts {
	const char *project;    /* only this project, or NULL */
	int redact;             /* mask secrets (as mount --redact) */
};

struct fs_export_stats {
	size_t dirs, files, links;
	unsigned long long bytes;
};

/* Writes the tree under dir, which must not exist or be empty.  0, or
 * -errno with one line in err naming the path that failed. */
int fs_export(struct store *st, const char *dir,
	      const struct fs_export_opts *o, struct fs_export_stats *stats,
	      struct buf *err);

#endif

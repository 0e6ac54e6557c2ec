/* content.h: the bytes of every regular file of the tree (fs/view.c maps
 * paths to these; it applies --redact afterwards).  Each function appends
 * to its output buffers and returns 0 or -errno. */
#ifndef FS_CONTENT_H
#define FS_CONTENT_H

#include <stdint.h>

#include "buf.h"
#include "store.h"

enum fs_xfile {
	FSX_CORE, FSX_CONTEXT, FSX_DISTILLED, FSX_ROOMS, FSX_FILES,
	FSX_VERBATIM, FSX_META, FSX_N
};

/* "core", "context", ... "meta.json", in enum order. */
extern const char *const fs_xfile_names[FSX_N];
/* Index of name in fs_xfile_names, or -1. */
int fs_xfile_index(const char *name);

/* The seven files of exchange id (out[] initialised by the caller);
 * *mtime gets the exchange's time.  -ENOENT. */
int fs_content_exchange(struct store *st, int64_t id, struct buf out[FSX_N],
			int64_t *mtime);
/* The same from an exchange already read. */
int fs_content_render(const struct store_exchange *x, struct buf out[FSX_N]);
/* MEMORY.md of a project: every exchange, distilled, oldest first. */
int fs_content_memory(struct store *st, int64_t project_id,
		      const char *project, struct buf *out);
/* README.md at the root; says what this tree holds and how to use it. */
int fs_content_readme(int live, int inbox, const char *only_project,
		      struct buf *out);
/* The counts part of the status file (of one project when only_project
 * is set). */
int fs_content_status(struct store *st, const char *only_project,
		      struct buf *out);
/* A query file of query/ (json 0) or query.json/ (json 1): terms are the
 * file name, decoded; scope_project limits the results (NULL: all
 * projects). */
int fs_content_query(struct store *st, const char *terms,
		     const char *scope_project, int json, struct buf *out);

/* "2026-02-10T21:11:56Z" for t (or "" when t is 0), appended to out. */
int fs_time_iso(int64_t t, struct buf *out);

#endif

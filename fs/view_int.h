/* view_int.h: inside the view: the content caches (cache.c) and the tree
 * of touched files of a project (ftree.c).  Not for use outside fs/view*.
 * Everything returned points into a cache and stays valid until the next
 * call into the view. */
#ifndef FS_VIEW_INT_H
#define FS_VIEW_INT_H

#include <stdint.h>

#include "buf.h"
#include "store_view.h"
#include "view.h"

/* Exchange file idx of exchange xid (rendered, redacted when asked). */
int fs_cache_xfile(struct fs_view *v, int64_t xid, int idx,
		   const struct buf **out, int64_t *mtime);
/* README.md, status, MEMORY.md (pid, project) or a query file (qname,
 * qscope), for the current generation. */
int fs_cache_generated(struct fs_view *v, enum fs_what what, int64_t pid,
		       const char *project, const char *qname,
		       const char *qscope, const struct buf **out,
		       int64_t *mtime);

/* Latest exchange time of project pid (0: of all), cached per generation. */
int fs_cache_ptime(struct fs_view *v, int64_t pid, int64_t *t);

/* The files/ tree of a project: (encoded path, exchange) pairs, sorted. */
struct fs_fentry {
	char *norm;             /* fs_path_encode of the raw path */
	char *name;             /* exchange name "000042-slug" */
	int64_t id, mtime;
};
struct fs_ftree {
	struct fs_fentry *e;
	size_t n, cap;
};
int fs_ftree_build(struct store *st, int64_t pid, struct fs_ftree *t);
void fs_ftree_release(struct fs_ftree *t);
/* 1 if prefix ("" = files/ itself) is a directory of the tree. */
int fs_ftree_is_dir(const struct fs_ftree *t, const char *prefix);
/* The exchange link name in directory prefix.  -ENOENT. */
int fs_ftree_find(const struct fs_ftree *t, const char *prefix,
		  const char *name, int64_t *id, int64_t *mtime);
/* Subdirectories, then exchange links, of directory prefix. */
int fs_ftree_list(const struct fs_ftree *t, const char *prefix,
		  fs_list_fn fn, void *ctx);

/* Everything the tree shows of one project, read in four queries and kept
 * for a generation, so that lookups and listings under projects/P cost no
 * query at all. */
struct fs_pidx {
	struct store_xrows x;       /* exchanges, by id */
	struct store_xrows rooms;   /* (room, exchange), by type, key, id */
	struct store_xrows convs;   /* (conversation, exchange), ply order */
	struct fs_ftree ft;         /* files/ */
	int64_t mtime;              /* latest exchange time */
};
int fs_cache_pidx(struct fs_view *v, int64_t pid, const struct fs_pidx **p);
/* Project id by name, cached per generation.  -ENOENT. */
int fs_cache_project(struct fs_view *v, const char *name, int64_t *pid);

#endif

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

struct fs_pidx;
/* File idx of exchange xid, rendered (and redacted when asked).  When p
 * is given and xi is xid's index there, a miss reads the exchanges after
 * it too. */
int fs_cache_xfile(struct fs_view *v, struct fs_pidx *p, uint32_t xi,
		   int64_t xid, int idx, const struct buf **out,
		   int64_t *mtime);
/* README.md, status, MEMORY.md (pid, project) or a query file (qname,
 * qscope), for the current generation. */
int fs_cache_generated(struct fs_view *v, enum fs_what what, int64_t pid,
		       const char *project, const char *qname,
		       const char *qscope, int json, const struct buf **out,
		       int64_t *mtime);

/* Latest exchange time of project pid (0: of all), cached per generation. */
int fs_cache_ptime(struct fs_view *v, int64_t pid, int64_t *t);

/* A symlink tree of a project (rooms/, conversations/ or files/; built by
 * tree.c).  d[0] is the top directory; a directory's subdirectories are
 * d[sub .. sub+nsub), sorted by name; its links are links[link ..
 * link+nlink) in listing order (conversations: ply order) and byid[] over
 * the same range sorted.  A link is an index into the project's
 * exchanges (fs_pidx.x, sorted by id, so index order is id order). */
struct fs_tdir {
	char *name;             /* encoded name (d[0]: NULL) */
	uint32_t sub, nsub;
	uint32_t link, nlink;
	uint32_t parent;        /* d[0]: 0 */
	uint32_t depth;         /* levels below the tree's top (d[0]: 0) */
	uint64_t hash;          /* of the path, chained from the top's seed */
	uint64_t ih;            /* the inode hash (hash, made unique within
				 * the project by fs_pidx_build) */
	int64_t mtime;          /* latest exchange time below it */
};
struct fs_tree {
	struct fs_tdir *d;
	size_t nd;
	uint32_t *links, *byid;
	size_t nl;
};
/* Collects (encoded path, exchange index) pairs before a build. */
struct fs_tent {
	char *path;             /* encoded components joined by '/' */
	uint32_t xi;            /* index into the project's exchanges */
	uint32_t seq;           /* input order (listing order of links) */
};
struct fs_tree_input {
	struct fs_tent *e;
	size_t n, cap;
	uint64_t seed;          /* hash of the tree's top (which tree) */
};
/* Adds one link at path (encoded components joined by '/'; "" is not
 * shown).  The input keeps a copy. */
int fs_tree_add(struct fs_tree_input *in, const char *path, uint32_t xi);
void fs_tree_input_release(struct fs_tree_input *in);
/* Builds t from in (consumed and released). */
void fs_tree_build(struct fs_tree_input *in, struct fs_tree *t);
void fs_tree_release(struct fs_tree *t);
/* The subdirectory name of directory di.  -ENOENT. */
int fs_tree_sub(const struct fs_tree *t, uint32_t di, const char *name,
		uint32_t *out);
/* 0 when directory di links exchange index xi, else -ENOENT. */
int fs_tree_link(const struct fs_tree *t, uint32_t di, uint32_t xi);

#define FS_SIZE_UNKNOWN UINT32_MAX

/* Everything the tree shows of one project, read in four queries and kept
 * for a generation, so that lookups and listings under projects/P cost no
 * query at all. */
/* An exchange as the tree names it. */
struct fs_xent {
	int64_t id;
	int64_t mtime;              /* t_end, else t_start */
	char *slug;
};
struct fs_xents {
	struct fs_xent *v;
	size_t n;
};

/* A tree directory by its inode hash. */
struct fs_thash {
	uint64_t ih;
	uint32_t di;
	uint32_t tree;              /* 0 rooms, 1 conversations, 2 files */
};

struct fs_pidx {
	int64_t pid;
	struct fs_xents x;          /* exchanges, by id */
	struct fs_tree rooms;       /* rooms/TYPE/KEY/ */
	struct fs_tree convs;       /* conversations/C/ */
	struct fs_tree files;       /* files/... */
	uint32_t *xsize;            /* FSX_N sizes per exchange, as rendered
				     * (FS_SIZE_UNKNOWN until then) */
	int64_t mtime;              /* latest exchange time */
	struct fs_thash *th;        /* every tree directory but the tops, */
	size_t nth;                 /* by ih */
};
/* The index of project pid (owned by the cache; valid until the next call
 * into the view that may replace it: a generation change in a view that is
 * not managed, fs_view_set_pidx in one that is). */
int fs_cache_pidx(struct fs_view *v, int64_t pid, struct fs_pidx **p);
/* Builds p from the store.  Release with fs_pidx_release. */
int fs_pidx_build(struct store *st, int64_t pid, struct fs_pidx *p);
/* The tree (rooms, convs, files by index 0-2) of p. */
const struct fs_tree *fs_pidx_tree(const struct fs_pidx *p, uint32_t which);
/* The tree directory whose inode hash is ih.  -ENOENT. */
int fs_pidx_dir(const struct fs_pidx *p, uint64_t ih, uint32_t *tree,
		uint32_t *di);
/* Index of exchange id in p->x, or -1. */
long fs_pidx_xindex(const struct fs_pidx *p, int64_t id);
void fs_pidx_release(struct fs_pidx *p);
/* The exact sizes of the files of exchange index xi of p (rendering it
 * when not known yet). */
int fs_cache_xsizes(struct fs_view *v, struct fs_pidx *p, uint32_t xi,
		    const uint32_t **sizes);
/* Project id by name, cached per generation.  -ENOENT. */
int fs_cache_project(struct fs_view *v, const char *name, int64_t *pid);
/* Project names, sorted, cached per generation (not owned). */
int fs_cache_projects(struct fs_view *v, const struct strv **names);
/* Name of project pid (not owned; valid as the names are).  -ENOENT. */
int fs_cache_project_name(struct fs_view *v, int64_t pid, const char **name);
/* The project of exchange xid.  -ENOENT. */
int fs_cache_xpid(struct fs_view *v, int64_t xid, int64_t *pid);

#endif

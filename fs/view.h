/* view.h: the memory as a tree of directories, files and symlinks (SPEC
 * section 3), shared by the FUSE mount and `recallfs export` so the two can
 * never drift.  A name is reached step by step from the root (struct
 * fs_loc), by path ("/", "/projects/app/MEMORY.md": the export) or by
 * inode number (the mount: every name has a number computed from what it
 * means, fs/ino.h).  The inbox is not part of the view (fs/inbox.h owns
 * it); the mount adds it.
 *
 * A view is not thread-safe: the mount calls it under one mutex, which
 * also guards the store connection and the caches (and which slow_begin
 * may release while a generated file renders: pointers into the view's
 * caches are not kept across that).  Content is computed from the store;
 * every regular file's size is the exact length of what its content is
 * for the same generation.
 *
 * Generated files (status, MEMORY.md, query results) depend on much of the
 * store; exchange files depend on one exchange and are "stable" (the
 * kernel may keep them cached).  Bump v->gen whenever the store may have
 * changed: cached content of an older generation is recomputed.  A mount
 * sets v->managed and replaces each project's index itself when the store
 * changes (fs_view_set_pidx), so that it can tell the kernel what changed;
 * otherwise an index older than v->gen is rebuilt when next used. */
#ifndef FS_VIEW_H
#define FS_VIEW_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "store.h"

enum fs_kind { FS_DIR, FS_REG, FS_LNK };

/* What a name is (for the FUSE layer's caching and write rules). */
enum fs_what {
	FSW_ROOT, FSW_README, FSW_STATUS, FSW_QUERY_DIR, FSW_QUERY,
	FSW_PROJECTS, FSW_PROJECT, FSW_MEMORY, FSW_EXCHANGES, FSW_XDIR,
	FSW_XFILE, FSW_ROOMS, FSW_ROOM_TYPE, FSW_ROOM, FSW_CONVS, FSW_CONV,
	FSW_FILES_DIR, FSW_LINK, FSW_INBOX,
};

struct fs_node {
	enum fs_kind kind;
	enum fs_what what;
	uint64_t ino;           /* fs/ino.h; 0 for generated files and the
				   inbox (the mount numbers those) */
	int64_t mtime;          /* unix seconds */
	uint64_t size;          /* regular files: exact bytes; links: target */
	int64_t xid;            /* exchange dirs, files, links: the exchange */
	int64_t pid;            /* under projects/P: the project id */
	uint64_t idx;           /* listings: the entry's number (stable while
				   the generation is) */
	unsigned stable : 1;    /* content never changes while it exists */
	unsigned attr : 1;      /* listings: size and mtime are exact */
};

struct fs_cache;
struct fs_pidx;

struct fs_view {
	struct store *st;
	const char *only_project;  /* --project: the one project shown */
	int redact;                /* --redact: mask secrets in every file */
	int live;                  /* a mount: status, query/, query.json/ */
	int inbox;                 /* the root lists inbox/ (mount, rw) */
	int managed;               /* project indexes replaced by the owner */
	int fresh;                 /* generated files: render on every read
				      (the owner keeps renderings itself) */
	uint64_t gen;              /* bump when the store may have changed */
	time_t t0;                 /* mtime of the generated directories */
	const int64_t *hidden;     /* exchange ids not shown (sorted; a */
	size_t nhidden;            /* forget about to be committed) */
	/* appended to the status file (the inbox queue); may be NULL */
	void (*status_fn)(void *ctx, struct buf *out);
	void *status_ctx;
	/* may be NULL: bracket the rendering of status, MEMORY.md and query
	 * files, which read much of the store; begin returns the store to
	 * read (the mount lets other requests use the view meanwhile and
	 * renders on a connection of its own) */
	struct store *(*slow_begin)(void *ctx);
	void (*slow_end)(void *ctx);
	void *slow_ctx;
	struct fs_cache *cache;    /* private */
};

/* A name of the tree, reached from the root.  The fields are the view's;
 * pointers into its caches stay valid while the caller holds the view
 * (no generation change, no slow rendering in between).  Release with
 * fs_loc_release. */
struct fs_loc {
	enum fs_what what;
	enum fs_kind kind;
	int64_t pid;            /* project id (under projects/P) */
	char *project;          /* its name */
	struct fs_pidx *p;      /* its index */
	uint32_t tree;          /* tree dirs and links: 0 rooms, 1 convs,
				   2 files */
	uint32_t di;            /* ... the directory in that tree */
	uint32_t depth;         /* ... its depth below the tree's top */
	int64_t xid;            /* exchange (XDIR, XFILE, LINK) */
	uint32_t xi;            /* its index in the project's exchanges */
	int xfile;              /* XFILE: enum fs_xfile */
	int64_t mtime;
	int json;               /* QUERY_DIR, QUERY: query.json/ */
	char *qname;            /* QUERY: the terms, %XX decoded */
	const char *qscope;     /* QUERY: project scope or NULL */
};

/* Sets up v over st (not owned).  Release with fs_view_release. */
void fs_view_init(struct fs_view *v, struct store *st);
void fs_view_release(struct fs_view *v);

/* ---- by inode (the mount) ---- */

/* The root. */
void fs_loc_root(struct fs_view *v, struct fs_loc *l);
/* The name ino stands for: -ENOENT when it no longer exists (or never
 * did), -ESTALE for a generated file's number (the mount's own). */
int fs_loc_ino(struct fs_view *v, uint64_t ino, struct fs_loc *l);
/* Moves l to its child name.  -ENOENT, -ENOTDIR, -EOVERFLOW (a number too
 * large for an inode), -ENAMETOOLONG.  On error l is unchanged. */
int fs_loc_step(struct fs_view *v, struct fs_loc *l, const char *name);
void fs_loc_release(struct fs_loc *l);
/* Fills n for l (rendering a generated file to know its size only when
 * sized is set; else its size is 0). */
int fs_loc_node(struct fs_view *v, const struct fs_loc *l, int sized,
		struct fs_node *n);
/* Appends the content of the regular file l to out; *mtime gets its time. */
int fs_loc_read(struct fs_view *v, const struct fs_loc *l, struct buf *out,
		int64_t *mtime);
/* Appends the target of the symlink l (relative) to out. */
int fs_loc_readlink(struct fs_view *v, const struct fs_loc *l,
		    struct buf *out);

/* Calls fn for each entry of the directory l from entry number skip on,
 * with what is known of each entry without rendering anything but an
 * exchange (n->attr says whether size and mtime are exact; else only kind,
 * what and ino are; generated files and the inbox have no ino).  n->idx
 * is the entry's number; numbers may skip.  A non-zero return from fn
 * stops the listing (returned). */
typedef int (*fs_node_fn)(void *ctx, const char *name,
			  const struct fs_node *n);
int fs_loc_list(struct fs_view *v, const struct fs_loc *l, uint64_t skip,
		fs_node_fn fn, void *ctx);

/* Copies up to size bytes from off of file xfile (enum fs_xfile) of
 * exchange xid (of project pid, 0 if unknown) into buf; *got says how
 * many.  -ENOENT once it is gone. */
int fs_view_xfile(struct fs_view *v, int64_t pid, int64_t xid, int xfile,
		  size_t off, char *buf, size_t size, size_t *got);

/* ---- by path (the export) ---- */

/* Fills n for path; -ENOENT when the tree has no such name. */
int fs_view_stat(struct fs_view *v, const char *path, struct fs_node *n);
/* Calls fn for each entry of the directory path (no "." or ".."), in a
 * stable order.  A non-zero return from fn stops the listing (returned). */
typedef int (*fs_list_fn)(void *ctx, const char *name, enum fs_kind kind);
int fs_view_list(struct fs_view *v, const char *path, fs_list_fn fn,
		 void *ctx);
/* Names with their kinds, collected by fs_names_add (an fs_list_fn). */
struct fs_names {
	struct strv names;
	enum fs_kind *kind;
	size_t cap;
};
#define FS_NAMES_INIT { STRV_INIT, NULL, 0 }
int fs_names_add(void *ctx, const char *name, enum fs_kind kind);
void fs_names_release(struct fs_names *n);
/* Appends the content of the regular file path to out (n, when not NULL,
 * gets its node).  -ENOENT, -EISDIR. */
int fs_view_read(struct fs_view *v, const char *path, struct buf *out,
		 struct fs_node *n);
/* Appends the target of the symlink path (relative) to out. */
int fs_view_readlink(struct fs_view *v, const char *path, struct buf *out);

/* ---- the mount's own ---- */

/* Installs *p (built by fs_pidx_build, owned by the view from now on) as
 * project pid's index; *old gets the one it replaces (NULL if none; the
 * caller releases it with fs_pidx_free) so that the two can be compared. */
void fs_view_set_pidx(struct fs_view *v, int64_t pid, struct fs_pidx *p,
		      struct fs_pidx **old);
/* Project pid's current index without building one (NULL if none). */
struct fs_pidx *fs_view_get_pidx(struct fs_view *v, int64_t pid);
void fs_pidx_free(struct fs_pidx *p);

#endif

/* view.h: the memory as a tree of directories, files and symlinks (SPEC
 * section 3), shared by the FUSE mount and `recallfs export` so the two can
 * never drift.  Paths are absolute within the tree ("/", "/projects/app/
 * MEMORY.md").  The inbox is not part of the view (fs/inbox.h owns it).
 *
 * A view is not thread-safe: the mount calls it under one mutex, which
 * also guards the store connection and the caches (and which slow_begin
 * may release while a generated file renders: pointers into the view's
 * caches are not kept across that).  Content is computed
 * from the store; every regular file's size is the exact length of what
 * fs_view_read returns for the same generation.
 *
 * Generated files (README.md, status, MEMORY.md, query results) depend on
 * the whole store; exchange files depend on one exchange and are "stable"
 * (the kernel may keep them cached).  Bump v->gen whenever the store may
 * have changed: cached content of an older generation is recomputed. */
#ifndef FS_VIEW_H
#define FS_VIEW_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "store.h"

enum fs_kind { FS_DIR, FS_REG, FS_LNK };

/* What a path names (for the FUSE layer's caching and write rules). */
enum fs_what {
	FSW_ROOT, FSW_README, FSW_STATUS, FSW_QUERY_DIR, FSW_QUERY,
	FSW_PROJECTS, FSW_PROJECT, FSW_MEMORY, FSW_EXCHANGES, FSW_XDIR,
	FSW_XFILE, FSW_ROOMS, FSW_ROOM_TYPE, FSW_ROOM, FSW_CONVS, FSW_CONV,
	FSW_FILES_DIR, FSW_LINK,
};

struct fs_node {
	enum fs_kind kind;
	enum fs_what what;
	int64_t mtime;          /* unix seconds */
	uint64_t size;          /* regular files: exact bytes; links: target */
	int64_t xid;            /* exchange dirs and files: the exchange id */
	int64_t pid;            /* under projects/P: the project id */
	unsigned stable : 1;    /* content never changes while it exists */
	unsigned attr : 1;      /* listings: size and mtime are exact */
};

struct fs_cache;

struct fs_view {
	struct store *st;
	const char *only_project;  /* --project: the one project shown */
	int redact;                /* --redact: mask secrets in every file */
	int live;                  /* a mount: root has status and query/ */
	int inbox;                 /* the root lists inbox/ (mount, rw) */
	uint64_t gen;              /* bump when the store may have changed */
	time_t t0;                 /* mtime of the generated directories */
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

/* Sets up v over st (not owned).  Release with fs_view_release. */
void fs_view_init(struct fs_view *v, struct store *st);
void fs_view_release(struct fs_view *v);

/* Fills n for path; -ENOENT when the tree has no such name. */
int fs_view_stat(struct fs_view *v, const char *path, struct fs_node *n);

/* Calls fn for each entry of the directory path (no "." or ".."), in a
 * stable order.  A non-zero return from fn stops the listing (returned). */
typedef int (*fs_list_fn)(void *ctx, const char *name, enum fs_kind kind);
int fs_view_list(struct fs_view *v, const char *path, fs_list_fn fn,
		 void *ctx);

/* The same from entry number skip on, with what is known of each entry
 * without rendering anything but an exchange (n->attr says whether size
 * and mtime are exact; else only kind and what are).  Entries keep their
 * numbers while the generation does not change. */
typedef int (*fs_node_fn)(void *ctx, const char *name,
			  const struct fs_node *n);
int fs_view_list_from(struct fs_view *v, const char *path, size_t skip,
		      fs_node_fn fn, void *ctx);

/* Appends the content of the regular file path to out (n, when not NULL,
 * gets its node).  -ENOENT, -EISDIR. */
int fs_view_read(struct fs_view *v, const char *path, struct buf *out,
		 struct fs_node *n);
/* Copies up to size bytes from off of file xfile (enum fs_xfile) of
 * exchange xid (of project pid, 0 if unknown) into buf; *got says how many.  -ENOENT once it is gone. */
int fs_view_xfile(struct fs_view *v, int64_t pid, int64_t xid, int xfile,
		  size_t off, char *buf, size_t size, size_t *got);
/* Appends the target of the symlink path (relative) to out. */
int fs_view_readlink(struct fs_view *v, const char *path, struct buf *out);

/* Forgets the exchange whose directory is path (rm -r of
 * projects/P/exchanges/ID), as `recallfs forget`.  -ENOENT, -EPERM. */
int fs_view_forget(struct fs_view *v, const char *path);

/* The project a path lies under ("/projects/P/..."), copied into out;
 * 0, or -ENOENT when the path is not under a project. */
int fs_view_path_project(const char *path, struct buf *out);

#endif

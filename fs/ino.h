/* ino.h: inode numbers of the mounted tree, computed from what a name
 * means, so that the daemon keeps no table of the names the kernel has
 * seen (a forget from the kernel costs nothing).  64 bits:
 *
 *   class (4 bits)   the rest
 *   FIXED   0        1 root, 2 README.md, 3 inbox, 4 query/, 5 projects/,
 *                    6 query.json/
 *   PROJ    1        sub (4) | project id (56): projects/P and its fixed
 *                    children (query/, query.json/, exchanges/, rooms/,
 *                    conversations/, files/)
 *   XDIR    2        exchange id (60): projects/P/exchanges/ID
 *   XFILE   3        field (3) | exchange id (57): one of its seven files
 *   LINK    4        depth (12) | exchange id (48): a view symlink; every
 *                    link to the same exchange from the same depth has the
 *                    same target, so they share one inode
 *   TDIR    5        project id (16) | hash (44): a directory below rooms/,
 *                    conversations/ or files/, by a hash of its path (the
 *                    project's tree index maps it back, view_int.h)
 *   GEN     6        serial (60): one rendering of a generated file
 *                    (status, MEMORY.md, a query file); a new rendering
 *                    gets a new number, so fstat and read always agree
 *
 * Exchange ids are global (the store's rowid), so the exchange classes
 * need no project.  A value too large for its field gives 0 (the name is
 * then not served: EOVERFLOW). */
#ifndef FS_INO_H
#define FS_INO_H

#include <stdint.h>

enum fs_ino_class {
	FSI_FIXED, FSI_PROJ, FSI_XDIR, FSI_XFILE, FSI_LINK, FSI_TDIR, FSI_GEN,
};

enum {
	FSI_ROOT = 1, FSI_README, FSI_INBOX, FSI_QUERY, FSI_PROJECTS,
	FSI_QUERYJ,
};

/* The fixed children of projects/P (PROJ sub-kinds). */
enum fs_proj_sub {
	FSP_DIR, FSP_QUERY, FSP_QUERYJ, FSP_EXCHANGES, FSP_ROOMS, FSP_CONVS,
	FSP_FILES,
};

#define FSI_LINK_DEPTH_MAX 4095u
#define FSI_TDIR_HASH_BITS 44

struct fs_ino {
	enum fs_ino_class cls;
	int sub;                /* FIXED: which; PROJ: enum fs_proj_sub;
				   XFILE: field */
	int64_t pid;            /* PROJ, TDIR */
	int64_t xid;            /* XDIR, XFILE, LINK */
	uint32_t depth;         /* LINK */
	uint64_t hash;          /* TDIR: the 44-bit path hash */
	uint64_t serial;        /* GEN */
};

uint64_t fs_ino_proj(int sub, int64_t pid);
uint64_t fs_ino_xdir(int64_t xid);
uint64_t fs_ino_xfile(int64_t xid, int field);
uint64_t fs_ino_link(int64_t xid, uint32_t depth);
/* hash: any 64-bit value, reduced to FSI_TDIR_HASH_BITS. */
uint64_t fs_ino_tdir(int64_t pid, uint64_t hash);
uint64_t fs_ino_gen(uint64_t serial);
/* Splits ino into out; -ENOENT when no class has that shape. */
int fs_ino_decode(uint64_t ino, struct fs_ino *out);

/* 64-bit hash of a path component appended to a parent's hash (the tree
 * directories' numbers: the hash of a directory chains its parents'). */
uint64_t fs_ino_hash_step(uint64_t parent, const char *name);

#endif

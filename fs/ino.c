/* ino.c: packing and unpacking inode numbers (the layout is in ino.h). */
#include "common.h"
#include "ino.h"

#include <errno.h>
#include <string.h>

#define CLS_SHIFT 60
#define LOW(bits) ((UINT64_C(1) << (bits)) - 1)

static uint64_t pack(enum fs_ino_class c, uint64_t rest)
{
	return ((uint64_t)c << CLS_SHIFT) | rest;
}

static int fits(int64_t v, int bits)
{
	return v > 0 && (uint64_t)v <= LOW(bits);
}

uint64_t fs_ino_proj(int sub, int64_t pid)
{
	return fits(pid, 56) ? pack(FSI_PROJ, (uint64_t)sub << 56 |
				    (uint64_t)pid) : 0;
}

uint64_t fs_ino_xdir(int64_t xid)
{
	return fits(xid, 60) ? pack(FSI_XDIR, (uint64_t)xid) : 0;
}

uint64_t fs_ino_xfile(int64_t xid, int field)
{
	return fits(xid, 57) ? pack(FSI_XFILE, (uint64_t)field << 57 |
				    (uint64_t)xid) : 0;
}

uint64_t fs_ino_link(int64_t xid, uint32_t depth)
{
	if (!fits(xid, 48) || depth > FSI_LINK_DEPTH_MAX)
		return 0;
	return pack(FSI_LINK, (uint64_t)depth << 48 | (uint64_t)xid);
}

uint64_t fs_ino_tdir(int64_t pid, uint64_t hash)
{
	return fits(pid, 16) ? pack(FSI_TDIR, (uint64_t)pid <<
				    FSI_TDIR_HASH_BITS |
				    (hash & LOW(FSI_TDIR_HASH_BITS))) : 0;
}

uint64_t fs_ino_gen(uint64_t serial)
{
	return pack(FSI_GEN, serial & LOW(CLS_SHIFT));
}

int fs_ino_decode(uint64_t ino, struct fs_ino *o)
{
	uint64_t rest = ino & LOW(CLS_SHIFT);

	memset(o, 0, sizeof(*o));
	o->cls = (enum fs_ino_class)(ino >> CLS_SHIFT);
	switch (o->cls) {
	case FSI_FIXED:
		o->sub = (int)rest;
		return rest >= FSI_ROOT && rest <= FSI_QUERYJ ? 0 : -ENOENT;
	case FSI_PROJ:
		o->sub = (int)(rest >> 56);
		o->pid = (int64_t)(rest & LOW(56));
		return o->sub <= FSP_FILES && o->pid ? 0 : -ENOENT;
	case FSI_XDIR:
		o->xid = (int64_t)rest;
		return 0;
	case FSI_XFILE:
		o->sub = (int)(rest >> 57);
		o->xid = (int64_t)(rest & LOW(57));
		return 0;
	case FSI_LINK:
		o->depth = (uint32_t)(rest >> 48);
		o->xid = (int64_t)(rest & LOW(48));
		return 0;
	case FSI_TDIR:
		o->pid = (int64_t)(rest >> FSI_TDIR_HASH_BITS);
		o->hash = rest & LOW(FSI_TDIR_HASH_BITS);
		return 0;
	case FSI_GEN:
		o->serial = rest;
		return 0;
	}
	return -ENOENT;
}

/* FNV-1a over the name, seeded with the parent, then a 64-bit finalizer
 * (splitmix64's) so that the low 44 bits are well mixed. */
uint64_t fs_ino_hash_step(uint64_t parent, const char *name)
{
	uint64_t h = parent ^ UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	h ^= 0x2f;              /* the separator: "a/b" != "ab" */
	h *= UINT64_C(0x100000001b3);
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

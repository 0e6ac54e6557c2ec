/* name.h: how raw store values become names in the tree.
 *
 * A conversation key or a room key may hold any bytes; a touched file path
 * is split into directories.  The mapping (documented in README.md of the
 * mount):
 *   - '/', '%' and control bytes become %XX (upper-case hex), so a name is
 *     always one path component and the mapping is reversible;
 *   - the names "." and ".." become "%2E" and "%2E%2E"; an empty value
 *     becomes "%00";
 *   - a name longer than 240 bytes keeps its first 200 bytes (cut at a
 *     UTF-8 boundary), then "~" and 16 hex digits of a hash of the value.
 * File paths: split at '/', empty and "." components dropped (so
 * "/home/u/x.c" and "home/u/x.c" are the same dirs home/u/x.c), ".."
 * components kept as "%2E%2E", each component encoded as above.  Lookups
 * never decode: a name is found by listing its directory, so the mapping
 * only has to be deterministic (query names are decoded, see below). */
#ifndef FS_NAME_H
#define FS_NAME_H

#include "buf.h"

/* Appends the one-component name of raw to out.  0 or -E2BIG. */
int fs_name_encode(const char *raw, struct buf *out);
/* Appends the path of raw as encoded components joined by '/' ("" when
 * nothing is left, e.g. for "/" or "."). */
int fs_path_encode(const char *raw, struct buf *out);
/* Appends name with every %XX (two hex digits, either case) turned back
 * into its byte: the reverse of fs_name_encode for names that were not
 * shortened (query file names use it: 'file:.claude%2Fcommands').  A '%'
 * not followed by two hex digits stays as it is; %00 ends nothing (the
 * byte is dropped: a C string cannot hold it).  0 or -E2BIG. */
int fs_name_decode(const char *name, struct buf *out);

#endif

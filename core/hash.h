/* hash.h: a 128-bit non-cryptographic content hash, as 32 hex digits, for
 * change detection (an exchange's verbatim text) and cache keys. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 32

struct hash_ctx {
	unsigned long long a, b;
};

void hash_init(struct hash_ctx *h);
void hash_update(struct hash_ctx *h, const void *data, size_t len);
/* Writes HASH_HEX_LEN hex digits and a NUL into out. */
void hash_final(struct hash_ctx *h, char out[HASH_HEX_LEN + 1]);
/* One-shot. */
void hash_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif

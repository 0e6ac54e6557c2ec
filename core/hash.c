/* hash.c: two independent 64-bit lanes (FNV-1a and a multiply-xorshift mix)
 * make a 128-bit digest; enough to tell changed text apart, not a MAC. */
#include "common.h"
#include "hash.h"

#include <stdio.h>

void hash_init(struct hash_ctx *h)
{
	h->a = 0xcbf29ce484222325ULL;
	h->b = 0x9e3779b97f4a7c15ULL;
}

void hash_update(struct hash_ctx *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h->a = (h->a ^ p[i]) * 0x100000001b3ULL;
		h->b = (h->b + p[i] + 1) * 0xff51afd7ed558ccdULL;
		h->b ^= h->b >> 29;
	}
}

void hash_final(struct hash_ctx *h, char out[HASH_HEX_LEN + 1])
{
	unsigned long long b = h->b;

	b ^= b >> 33;
	b *= 0xc4ceb9fe1a85ec53ULL;
	b ^= b >> 33;
	snprintf(out, HASH_HEX_LEN + 1, "%016llx%016llx", h->a, b);
}

void hash_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	struct hash_ctx h;

	hash_init(&h);
	hash_update(&h, data, len);
	hash_final(&h, out);
}

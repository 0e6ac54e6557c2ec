/* name.c: raw store values -> safe names (the mapping is described in
 * name.h). */
#include "common.h"
#include "name.h"
#include "hash.h"

#include <string.h>

#define NAME_LONG 240
#define NAME_KEEP 200

static int encode_n(const char *raw, size_t n, struct buf *out)
{
	size_t start = out->len;
	int rc = 0;

	if (n == 0)
		return buf_adds(out, "%00");
	if ((n == 1 && raw[0] == '.') || (n == 2 && !memcmp(raw, "..", 2)))
		return buf_adds(out, n == 1 ? "%2E" : "%2E%2E");
	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c == '/' || c == '%' || c < 0x20 || c == 0x7f)
			rc = buf_addf(out, "%%%02X", c);
		else
			rc = buf_addc(out, (char)c);
	}
	if (!rc && out->len - start > NAME_LONG) {
		char h[HASH_HEX_LEN + 1];
		size_t keep = NAME_KEEP;

		/* back up to a UTF-8 lead byte and off a half %XX escape */
		while (keep > 0 && ((unsigned char)out->p[start + keep] & 0xc0)
		       == 0x80)
			keep--;
		for (size_t k = 1; k <= 2 && keep >= k; k++)
			if (out->p[start + keep - k] == '%')
				keep -= k;
		hash_hex(raw, n, h);
		buf_truncate(out, start + keep);
		rc = buf_addf(out, "~%.16s", h);
	}
	if (rc)
		buf_truncate(out, start);
	return rc;
}

int fs_name_encode(const char *raw, struct buf *out)
{
	return encode_n(raw, strlen(raw), out);
}

int fs_path_encode(const char *raw, struct buf *out)
{
	const char *p = raw;
	int first = 1, rc = 0;

	while (!rc && *p) {
		size_t n = strcspn(p, "/");

		if (n && !(n == 1 && *p == '.')) {
			if (!first)
				rc = buf_addc(out, '/');
			if (!rc)
				rc = encode_n(p, n, out);
			first = 0;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fs_name_decode(const char *name, struct buf *out)
{
	int rc = 0;

	for (const char *p = name; !rc && *p; p++) {
		int hi = *p == '%' ? hexval(p[1]) : -1;
		int lo = hi >= 0 ? hexval(p[2]) : -1;

		if (lo < 0) {
			rc = buf_addc(out, *p);
			continue;
		}
		if (hi || lo)
			rc = buf_addc(out, (char)(hi << 4 | lo));
		p += 2;
	}
	return rc;
}

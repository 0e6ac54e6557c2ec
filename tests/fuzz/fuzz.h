/* fuzz.h: what every libFuzzer target here shares: a NUL-terminated copy
 * of the input (the parsers under test take C strings or byte ranges; the
 * copy lets ASan see a read past len as an overflow of the exact size). */
#ifndef FUZZ_H
#define FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An owned copy of data[0..size) with a NUL after it (free() it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* An owned exact-size copy (no NUL): a reader that runs past len faults. */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	return s;
}

/* Invariants every parser promises (checked with abort(), which libFuzzer
 * reports as a crash with the input). */

/* Valid UTF-8 with no control byte other than tab and newline. */
static inline int fuzz_clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 9;
		if (n == 9 || c > 0xf4)
			return 0;
		cp = c & (0x3f >> n);
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* An error message: one non-empty line. */
static inline int fuzz_one_line(const char *s, size_t len)
{
	return len > 0 && !memchr(s, '\n', len);
}

#ifndef FUZZ_ASSERT     /* a unit test replaying inputs counts instead */
#define FUZZ_ASSERT(c) do { if (!(c)) { \
	fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, \
		__LINE__); abort(); } } while (0)
#endif

#endif

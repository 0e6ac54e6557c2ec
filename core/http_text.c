/* http_text.c: what core/http.c says about a request, made safe to print:
 * the endpoint without "user:password@", the key replaced by "[key]", and
 * a short one-line excerpt of a server's error body. */
#include "common.h"
#include "http.h"

#include <string.h>

#define HTTP_EXCERPT 160

char *http_shown_url(const char *url)
{
	const char *p = strstr(url, "://"), *at, *slash;
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	if (!p)
		return xstrdup(url);
	p += 3;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	buf_add(&b, url, (size_t)(p - url));
	buf_adds(&b, at ? at + 1 : p);
	return buf_detach(&b);
}

void http_scrub(struct buf *b, const char *key)
{
	size_t kn = key ? strlen(key) : 0, from = 0;
	struct buf t;
	char *p;

	if (!kn || !b->len || !memmem(b->p, b->len, key, kn))
		return;
	/* Past each mask: "[key]" may itself hold a short key. */
	buf_init(&t, b->max);
	while ((p = memmem(b->p + from, b->len - from, key, kn))) {
		buf_add(&t, b->p + from, (size_t)(p - b->p) - from);
		buf_adds(&t, "[key]");
		from = (size_t)(p - b->p) + kn;
	}
	buf_add(&t, b->p + from, b->len - from);
	buf_release(b);
	*b = t;
}

void http_excerpt(struct buf *out, const char *body, size_t len)
{
	size_t n = len < HTTP_EXCERPT ? len : HTTP_EXCERPT;

	if (n < len)    /* do not cut a UTF-8 sequence */
		while (n && ((unsigned char)body[n] & 0xc0) == 0x80)
			n--;
	if (!n)
		return;
	buf_adds(out, ": ");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];

		buf_addc(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (n < len)
		buf_adds(out, "...");
}

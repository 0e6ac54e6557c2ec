/* buf.h: the one growable byte buffer, with a hard maximum size.
 *
 * Every buffer is created with a cap; an append that would pass it fails with
 * -E2BIG and leaves the buffer unchanged, so hostile input (a 100 MB line, a
 * huge LLM reply) cannot grow memory without bound.  The content is always
 * NUL-terminated (p[len] == 0) once anything was added.
 *
 *   struct buf b;
 *   buf_init(&b, BUF_MAX_TEXT);
 *   if (buf_addf(&b, "%d", n) < 0) ...
 *   use b.p, b.len
 *   buf_release(&b);          frees the contents; buf_detach() hands them over
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_MAX_SMALL (64u << 10)       /* names, ids, one line of output */
#define BUF_MAX_TEXT (64u << 20)        /* one exchange, one HTTP reply */
#define BUF_MAX_FILE (1024u << 20)      /* one transcript */

struct buf {
	char *p;        /* content, NUL-terminated; NULL until first growth */
	size_t len;     /* bytes used, not counting the NUL */
	size_t cap;     /* bytes allocated */
	size_t max;     /* largest len allowed */
};

#define BUF_INIT(m) { NULL, 0, 0, (m) }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Returns the content (caller frees; never NULL) and resets b to empty. */
char *buf_detach(struct buf *b);
void buf_reset(struct buf *b);
/* Each returns 0, -E2BIG past the cap or -ENOMEM; on error b is unchanged. */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
int buf_grow(struct buf *b, size_t extra);
/* Content as a C string: "" when empty, never NULL. */
const char *buf_str(const struct buf *b);
/* Shortens to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
/* Reads a whole file into b (appending).  -errno, or -E2BIG past the cap. */
int buf_read_file(struct buf *b, const char *path);
int buf_read_fd(struct buf *b, int fd);
/* Writes b to path through a temp file, fsync and rename. -errno. */
int buf_write_file_atomic(const struct buf *b, const char *path);

#endif

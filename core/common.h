/* common.h: what every .c file of recallfs includes first: the buffer and
 * string-list types, allocation helpers that never return NULL, the error
 * mapping, and (last) the banned-function list. */
#ifndef COMMON_H
#define COMMON_H

#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "strv.h"
#include "err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))

/* Allocation: abort with one line on out-of-memory, never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (an array of *cap elements of size sz) to hold at least n. */
void xgrow(void **p, size_t *cap, size_t n, size_t sz);
#define XGROW(arr, cap, n) xgrow((void **)&(arr), &(cap), (n), sizeof(*(arr)))

#include "banned.h"

#endif

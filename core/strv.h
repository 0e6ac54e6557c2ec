/* strv.h: a growable list of owned C strings (NULL-terminated array). */
#ifndef STRV_H
#define STRV_H

#include <stddef.h>

struct strv {
	char **v;       /* v[n] == NULL once anything was pushed */
	size_t n;
	size_t cap;
};

#define STRV_INIT { NULL, 0, 0 }

/* Pushes a copy of s. */
void strv_push(struct strv *sv, const char *s);
/* Pushes s itself; the list takes ownership. */
void strv_push_owned(struct strv *sv, char *s);
/* Pushes a copy of s unless an equal string is already there; 1 if pushed. */
int strv_push_unique(struct strv *sv, const char *s);
int strv_has(const struct strv *sv, const char *s);
void strv_clear(struct strv *sv);

#endif

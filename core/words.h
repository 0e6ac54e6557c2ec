/* words.h: word classes shared by the heuristic distiller: English stop
 * words, weak words (generic verbs and fillers that say little about an
 * exchange), secret-looking tokens, and a small case-insensitive word
 * counter.  All functions take (pointer, length) spans, not C strings. */
#ifndef WORDS_H
#define WORDS_H

#include <stddef.h>

/* 1 if w is an English stop word (case-insensitive). */
int words_is_stop(const char *w, size_t n);
/* 1 if w is a weak word: "let", "check", "now", "okay", "file" ... */
int words_is_weak(const char *w, size_t n);
/* 1 if w names a topic too broad to gather related exchanges in a room: a
 * language, a framework, a kind of work ("typescript", "testing"). */
int words_is_generic(const char *w, size_t n);

/* 1 if w says a result was reached: "pass", "fixed", "pushed", "done" ... */
int words_is_result(const char *w, size_t n);

/* Every class of w in one lookup: a mask of these bits. */
enum { WORDS_STOP = 1, WORDS_WEAK = 2, WORDS_GENERIC = 4, WORDS_RESULT = 8 };
unsigned words_classes(const char *w, size_t n);
/* 1 if w looks like a secret (API key prefix, long random token, URL with
 * credentials, "password=..."): never copied into distilled fields. */
int words_secretish(const char *w, size_t n);

/* Counts of lower-cased words (open addressing; keys point into the text
 * the words came from, which must outlive the counter). */
struct words_count {
	struct words_slot { const char *p; size_t n; unsigned count; } *slot;
	size_t cap, used;
};

void words_count_add(struct words_count *wc, const char *w, size_t n);
unsigned words_count_get(const struct words_count *wc, const char *w,
			 size_t n);
void words_count_release(struct words_count *wc);

#endif

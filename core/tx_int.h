/* tx_int.h: helpers shared by the transcript readers (tx*.c only): line
 * walking, bounded JSON parsing, JSON field access, string cleaning, a
 * string map, ply building and hash-derived conversation ids. */
#ifndef TX_INT_H
#define TX_INT_H

#include <cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "tx.h"

#define TX_DETECT_SPAN (64u << 10)   /* bytes tx_detect looks at */
#define TX_BRIEF_MAX 200             /* bytes of one tool brief's argument */

/* ---- lines (tx_json.c) ---- */
struct tx_lines {
	const char *p, *end;
	size_t no;           /* number of the line last returned, from 1 */
};

void tx_lines_init(struct tx_lines *l, const char *data, size_t len);
/* Next line without its "\n" (and "\r"): 1, or 0 at the end. */
int tx_lines_next(struct tx_lines *l, const char **s, size_t *n);
/* 1 if only whitespace remains after the last line returned. */
int tx_lines_rest_blank(const struct tx_lines *l);
int tx_blank(const char *s, size_t n);

/* ---- JSON (tx_json.c) ---- */
/* Nesting depth of the JSON text s[0..n) (brackets outside strings). */
size_t tx_json_depth(const char *s, size_t n);
/* tx_json_depth(s, n) > TX_MAX_DEPTH, without the walk when s holds too
 * few brackets to nest that deep. */
int tx_json_too_deep(const char *s, size_t n);
/* Parses exactly one JSON value filling s[0..n) (whitespace around it
 * allowed).  0 with *out (caller cJSON_Delete), -E2BIG nested deeper than
 * TX_MAX_DEPTH, -EILSEQ invalid or trailing bytes. */
int tx_json_parse(const char *s, size_t n, cJSON **out);

/* 1 if the first non-blank line of data is not a JSON value by itself (a
 * document written over several lines). */
int tx_json_multiline(const char *data, size_t len);
/* The line (from 1) where parsing data as one JSON value fails. */
size_t tx_json_error_line(const char *data, size_t len);

/* Calls fn for every non-blank line of a JSONL text, parsed; a line that is
 * not an object is skipped.  fn returns 0 or -errno (which stops the walk,
 * fn having written err).  Limits and a bad line are reported in err as
 * tx_read documents; a bad last line after good ones sets *bad_line and
 * returns 0 (err is written by tx_read).  The object is freed after fn. */
typedef int (*tx_line_fn)(void *ctx, const cJSON *obj, size_t line);
int tx_jsonl_each(const char *data, size_t len, tx_line_fn fn, void *ctx,
		  size_t *bad_line, struct buf *err);

/* The string member key of o, or NULL. */
const char *tx_json_str(const cJSON *o, const char *key);
/* 1 if member key of o is true. */
int tx_json_true(const cJSON *o, const char *key);
/* Appends the text of a message content to b: a string, or the "text" of
 * blocks of type text / input_text / output_text (or bare strings) in a
 * list, joined by "\n\n".  Other blocks are skipped. */
void tx_json_text(const cJSON *content, struct buf *b);
/* Time of a JSON value: an ISO 8601 string or unix seconds (or ms). */
int64_t tx_json_time(const cJSON *v);

/* ---- strings and maps (tx.c) ---- */
/* Owned copy of s[0..n) as valid UTF-8 (bad bytes become U+FFFD) without
 * control characters other than tab and newline. */
char *tx_clean(const char *s, size_t n);
/* Trims leading and trailing whitespace of b in place. */
void tx_buf_trim(struct buf *b);
/* Removes every <tag>...</tag> block of the given tags from b (and, with
 * NULL tags, nothing); returns how many were removed. */
size_t tx_strip_tags(struct buf *b, const char *const *tags, size_t ntags);

struct tx_map {
	char **key;
	size_t *val;
	size_t n, cap;       /* cap is a power of two, or 0 */
};

#define TX_MAP_INIT { NULL, NULL, 0, 0 }

/* Sets key (copied) to val unless it is there; 1 if added, 0 if present. */
int tx_map_add(struct tx_map *m, const char *key, size_t val);
/* 1 with *val if key is there. */
int tx_map_get(const struct tx_map *m, const char *key, size_t *val);
void tx_map_release(struct tx_map *m);

/* ---- plies (tx.c) ---- */
/* Appends text to m->text, after sep when both are non-empty. */
void tx_msg_add_text(struct tx_msg *m, const char *text, const char *sep);
/* Appends the brief "name: arg" (arg's first line, capped at TX_BRIEF_MAX
 * bytes; just "name" when arg is NULL or blank) to m->tools and sets
 * tool_use. */
void tx_msg_add_tool(struct tx_msg *m, const char *name, const char *arg);
/* Appends ready tool brief lines (one or more) to m->tools, sets tool_use. */
void tx_msg_add_tools(struct tx_msg *m, const char *lines);
/* Appends "error: <first non-blank line of text, capped>" to m->tools. */
void tx_msg_add_error(struct tx_msg *m, const char *text);
void tx_msg_add_path(struct tx_msg *m, const char *path);
/* Sets *field to an owned copy of s (freeing the old value). */
void tx_set_str(char **field, const char *s);
/* "<prefix>-<16 hex>" from the role and text of the first two plies and the
 * first ply's time; owned. */
char *tx_hash_id(const char *prefix, const struct tx_conv *c);
/* Removes conversations with no plies from set. */
void tx_set_drop_empty(struct tx_set *set);
/* Paths named in an apply_patch text ("*** Update File: x", Add, Delete,
 * "*** Move to: x") pushed to m->paths; returns them joined by ", " in b. */
void tx_patch_paths(const char *patch, struct tx_msg *m, struct buf *b);


/* ---- plain text (tx_text.c, tx_aider.c) ---- */
/* 1 if a line of data starts an Aider chat history session. */
int tx_aider_file(const char *data, size_t len);
/* Reads an Aider chat history (tx_read_text calls it). */
int tx_read_aider(const char *data, size_t len, struct tx_set *out,
		  struct buf *err);
/* Is line s[0..n) a speaker marker?  1 user, 2 assistant, 0 none; *rest is
 * the offset where the turn's text starts on that line. */
int tx_text_marker(const char *s, size_t n, size_t *rest);

#endif

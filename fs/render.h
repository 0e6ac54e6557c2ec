/* render.h: a search as the mount's query/ files and `recallfs query` show
 * it (SPEC section 4).  Both call fs_render_query, so they print the same.
 *
 * Text:
 *   # query: <input>  mode: <mode>  results: <N>
 *   <rank>\t<score>\tprojects/<project>/exchanges/<000042-slug>
 *   \t<core, each line indented>
 *   \t<context, each line indented; absent when empty>
 *   <blank line between results>
 * JSON (one object, one line, newline-terminated):
 *   {"query", "mode", "results": [{"rank", "score", "id", "project",
 *    "path", "core", "context", "rooms": [{"type","key","label",
 *    "relevance"}], "files": [...], "scores": {SIGNAL or MODE: score}}]}
 *   `id` is the exchange name ("000042-slug") that `recallfs show` takes;
 *   `scores` holds each signal that found it ("verbatim", "distilled",
 *   "vector", "vector_verbatim": raw BM25 or cosine) and, for a fused
 *   mode, the fused score under the mode's name.
 * Scores print with 4 decimals.  A query that cannot run (parse error,
 * a project outside the scope) renders as the single line
 * "# error: <what is wrong>" or {"error": "...", "query": "..."}. */
#ifndef FS_RENDER_H
#define FS_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "store.h"

struct fs_query_opts {
	const char *scope;      /* NULL, or the only project visible: a
	                           project: filter naming another gives an
	                           error, never its data */
	int json;
	int mode;               /* -1, or overrides mode: in the terms */
	const char *project;    /* NULL, or overrides project: */
	size_t limit;           /* 0, or overrides limit: */
};

/* Parses terms (SPEC section 4 syntax, see index/query.h), searches and
 * appends the rendering to out.  scope: NULL or the only project visible;
 * json: 0 text, 1 JSON.  Returns 0 both with results and with an error
 * rendered into out; -errno only when the store fails (out then holds
 * nothing useful to serve).  Opens the query embedder per call. */
int fs_render_query(struct store *st, const char *terms, const char *scope,
		    int json, struct buf *out);
/* The same with command-line overrides; returns 1 (instead of 0) when
 * what it rendered is an error, so a command can exit non-zero. */
int fs_render_query_opts(struct store *st, const char *terms,
			 const struct fs_query_opts *o, struct buf *out);

#endif

/* brief_text.h: `recallfs context` rendered for an agent: the exchanges
 * core/brief.h chooses, each with its path in the tree, within a budget of
 * cl100k tokens (counted with tokens_cl100k_max, an upper estimate), with
 * every secret masked (redact.h).
 *
 * Text (Markdown):
 *   # Memory of project P (recallfs)
 *   N exchanges, the latest on DATE. Below: recent ones, then older ones
 *   sharing their files and topics: path (date), what was asked and done,
 *   > the exact detail.
 *   Full text: cat PATH/verbatim. Search: cat 'ROOT/projects/P/query/WORDS'.
 *   (without a mount root: recallfs show --verbatim PATH; recallfs query)
 *
 *   ## Recent
 *   - PATH (YYYY-MM-DD)
 *     core
 *     > context
 *
 *   ## Related to recent work
 *   - PATH (YYYY-MM-DD; shares KEY, KEY)
 *     ...
 * PATH is ROOT/projects/P/exchanges/ID with a mount root, else
 * projects/P/exchanges/ID (`recallfs show` takes it).  A core longer than
 * 480 bytes or a context longer than 240 is cut at a word with "...".
 *
 * JSON (one object, one line): {"project", "budget", "tokens" (the text
 * form's estimate), "exchanges" (in the window), "latest", "since",
 * "root", "items": [{"id", "path", "time", "why": "recent"|"related",
 * "score" (related), "shares" (related), "core", "context"}]}. */
#ifndef FS_BRIEF_TEXT_H
#define FS_BRIEF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

struct fs_brief_opts {
	const char *project;
	size_t budget;          /* cl100k tokens, header included */
	int64_t since;          /* 0, or only exchanges from then on */
	int json;
	const char *root;       /* the mount's root for paths, or NULL */
};

/* Renders the brief of o->project into out.  -ENOENT: no such project;
 * -ENOSPC: the budget cannot hold even the header (err says how much it
 * needs); other -errno from the store. */
int fs_brief_render(struct store *st, const struct fs_brief_opts *o,
		    struct buf *out, struct buf *err);

/* The root of the user's memory mount: $RECALLFS_MOUNT when set, else
 * ~/recallfs when /proc/self/mountinfo lists a recallfs mount there (the
 * mount itself is never touched: a hung daemon cannot hang the caller).
 * NULL when there is none; owned by the caller. */
char *fs_brief_mount_root(void);

#endif

/* ingest.h: from transcript bytes to stored exchanges.
 *
 * For each conversation a reader yields: skip it when the store already has
 * at least as many plies (the same transcript again adds nothing); else, in
 * ONE transaction, segment it, keep the stored exchanges whose ply range and
 * text are unchanged, delete the ones that changed (a grown last exchange),
 * and insert the new ones, each distilled by the heuristic distiller, with
 * its FTS rows (triggers) and whatever the on_put hook adds (vectors).  A
 * crash leaves a conversation either as before or fully ingested.  An
 * exchange the user forgot (a tombstone, store_delete_exchange) is never
 * stored again. */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>

#include "buf.h"
#include "segment.h"
#include "store.h"
#include "tx.h"

/* Called inside the transaction after each new exchange is stored (x->id is
 * set).  A non-zero return (-errno) rolls the conversation back. */
typedef int (*ingest_hook_fn)(void *ctx, struct store *st,
			      const struct store_exchange *x);

struct ingest_opts {
	const char *project;     /* overrides the transcript's project */
	/* the project of the folder the transcript came from (inbox/<P>/, a
	 * folder of an ingested tree): used only when the transcript names
	 * none and has no cwd of its own; NULL: none */
	const char *folder_project;
	enum tx_format format;   /* TX_UNKNOWN: detect from content */
	int pending;             /* mark new exchanges STORE_PENDING (LLM) */
	ingest_hook_fn on_put;
	void *hook_ctx;
};

/* Counts of what was stored: a conversation whose transaction failed
 * (a full disk) adds nothing to them. */
struct ingest_stats {
	size_t files, failed;    /* transcripts read, transcripts refused */
	size_t convs;            /* conversations that changed */
	size_t added, removed;   /* exchanges */
	size_t forgotten;        /* exchanges kept out by a tombstone */
	size_t skipped[SEG_SKIP_N];  /* conversations not kept, by reason
				        (segment.h rule 6); nothing of them
				        is stored, not even their project */
};

/* Ingests one transcript held in memory; name is its path or "-".
 * 0, or -errno with one line in err (no file name in it). */
int ingest_data(struct store *st, const char *name, const char *data,
		size_t len, const struct ingest_opts *o,
		struct ingest_stats *stats, struct buf *err);
/* Reads path (a regular file) and ingests it. */
int ingest_file(struct store *st, const char *path,
		const struct ingest_opts *o, struct ingest_stats *stats,
		struct buf *err);

/* distill_heuristic over a copy of the plies (and verbatim) with every
 * secret masked (redact.h), so no secret can reach the distilled fields
 * (SPEC section 8); the caller's conversation is not changed.  Same
 * contract as distill_heuristic.  Used by ingest and by redistill. */
int ingest_distill(const struct distill_input *in, struct distill *d);

/* Project name for a transcript when none is given: the project its format
 * names, else the last component of its cwd, made safe; "default" when there
 * is none (ingest itself also tries opts.folder_project before "default").
 * Owned by caller. */
char *ingest_project_name(const struct tx_conv *c);

#endif

/* distill.h: the four fields of an exchange and the heuristic distiller.
 *
 * The heuristic distiller is offline, deterministic and extractive: every
 * piece it writes is a span copied from the exchange (white space folded,
 * markdown marks and tags dropped).  exchange_core is made of whole
 * clauses, never loose words: the request (the user's first sentence with
 * content, cut at a clause end) and the outcome (the assistant's concluding
 * statement that carries a result; narration such as "Let me ..." is
 * skipped), then other dense sentences while the budget lasts; a clause
 * cut short ends with "…" (distill_core.c).  specific_context is the best
 * disambiguator from the places that carry one: backticked or quoted
 * spans, error lines of tool results, specific tokens (ETIMEDOUT,
 * KeyError, hex ids, flags, numbers with units) (distill_context.c).
 * Rooms are specific keys of type file (the repo-relative path) / concept /
 * workflow.  Safe to call from several threads. */
#ifndef DISTILL_H
#define DISTILL_H

#include <stddef.h>

#include "strv.h"
#include "tx.h"

#define DISTILL_MAX_ROOMS 3

enum room_type { ROOM_FILE, ROOM_CONCEPT, ROOM_WORKFLOW };

struct room {
	enum room_type type;
	char *key;           /* [a-z0-9_./-], specific, owned */
	char *label;         /* short human label, owned */
	double relevance;    /* 0..1 */
};

struct distill {
	char *core;          /* 1-2 sentences, owned */
	char *context;       /* one exact detail, owned ("" if none) */
	struct room rooms[DISTILL_MAX_ROOMS];
	int nrooms;
	struct strv files;   /* files_touched */
	const char *distiller;  /* "heuristic" or "llm" (static string) */
};

/* One exchange as the distillers see it. */
struct distill_input {
	const struct tx_conv *conv;
	size_t ply_start, ply_end;
	const char *verbatim;    /* seg_verbatim() of the plies */
	/* A later chunk of a long exchange (segment.h rule 5) names the
	 * request it continues: that request's text (NULL when this chunk
	 * holds it), and the chunk's place, part of nparts (0: not cut). */
	const char *request;
	unsigned part, nparts;
	/* The whole conversation around the exchange (ply_start of this
	 * exchange is whole_at there), read only to find details that recur
	 * in the neighbouring exchanges, never copied; NULL: conv itself. */
	const struct tx_conv *whole;
	size_t whole_at;
};

/* Fills d (all four fields).  files_touched comes from files_extract over
 * the text plus the plies' exact tool paths.  0 or -errno. */
int distill_heuristic(const struct distill_input *in, struct distill *d);
void distill_release(struct distill *d);

const char *room_type_name(enum room_type t);
/* -1 when s is not one of file, concept, workflow. */
int room_type_parse(const char *s);

/* Token estimate used by stats: the number of pieces the cl100k
 * pre-tokenizer split would make (words, numbers in groups of up to 3,
 * punctuation runs, whitespace-prefixed words count once).  BPE merges are
 * not modelled, so it is a lower bound of real cl100k tokens: measured on
 * the sample transcripts 17% under for coding exchanges (524 vs 631 per
 * exchange), 1% under for LoCoMo chat (61.2 vs 62.0). */
size_t distill_count_tokens(const char *text);

#endif

/* segment.h: cutting a conversation into exchanges (PAPER.md section 2).
 *
 * Rules, in the order applied (each has its own test in test_segment.c):
 *  1. Only message text counts as content; tools are not text.
 *  2. A TX_USER ply closes the open exchange only if an assistant ply with
 *     non-empty text arrived since it opened: consecutive user plies merge;
 *     assistant plies with no text never close an exchange.
 *  3. A conversation that opens with an assistant ply opens an exchange,
 *     and the first user ply joins it rather than closing it (departure
 *     from the reference, which opens it and then drops it for having no
 *     user text: in two-person chat the opening turn is content, e.g.
 *     LoCoMo sessions where speaker_b speaks first lost 40 of 760 recall
 *     queries that way).
 *  4. An exchange with fewer than SEG_MIN_CHARS characters of text in total,
 *     or with no user text, is dropped.
 *  5. An exchange longer than SEG_MAX_PLIES plies is cut into chunks of
 *     SEG_MAX_PLIES (rule 4 applies to the whole exchange, before cutting; a
 *     later chunk is kept when it has SEG_MIN_CHARS of text).
 *  6. Automated conversations are not memory: the first user text is a
 *     distillation or grading prompt or a compaction summary, or a one-shot
 *     run (one human turn) that the transcript marks as scripted
 *     (tx_conv.scripted).  A person's conversation with one question and
 *     one answer is memory: kept.
 *  7. (conversation, ply_start, ply_end) identifies an exchange.
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stddef.h>

#include "tx.h"

#define SEG_MIN_CHARS 50
#define SEG_MAX_PLIES 20

struct seg_exchange {
	size_t ply_start;    /* first ply, index into tx_conv.msg */
	size_t ply_end;      /* last ply, inclusive */
	size_t open;         /* first ply of the whole exchange (== ply_start
	                        unless this is a later chunk, rule 5) */
	unsigned part, nparts;  /* chunk k of n (1 of 1 when not cut) */
};

struct seg_list {
	struct seg_exchange *x;
	size_t n, cap;
};

#define SEG_LIST_INIT { NULL, 0, 0 }

/* Why an automated conversation (rule 6) yields nothing. */
enum seg_skip {
	SEG_KEEP,
	SEG_SKIP_SCRIPTED,      /* a scripted one-shot run */
	SEG_SKIP_PROMPT,        /* a distillation or grading prompt */
	SEG_SKIP_COMPACTION,    /* a compaction summary (a compaction agent) */
	SEG_SKIP_N
};

/* The reason c is skipped by rule 6, or SEG_KEEP. */
enum seg_skip seg_skip_reason(const struct tx_conv *c);
/* "scripted one-shot run", ... for a summary line. */
const char *seg_skip_name(enum seg_skip r);
/* Returns 1 if the conversation is automated (rule 6) and yields nothing. */
int seg_is_automated(const struct tx_conv *c);
/* Appends the exchanges of c to out (nothing for automated ones). */
void seg_split(const struct tx_conv *c, struct seg_list *out);
void seg_list_release(struct seg_list *l);

/* The verbatim text of plies [a, b] of c: "role: text" blocks separated by a
 * blank line, each assistant block followed by its tool briefs indented
 * ("  > Bash: make test").  Appends to out; -E2BIG past its cap. */
int seg_verbatim(const struct tx_conv *c, size_t a, size_t b, struct buf *out);

#endif

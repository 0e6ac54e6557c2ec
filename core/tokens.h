/* tokens.h: an upper estimate of cl100k_base token counts, for staying
 * within a token budget without shipping the 100,000-token vocabulary.
 *
 * Text is cut as the cl100k pre-tokenizer cuts it (BPE never merges across
 * these pieces), and each piece is priced by its make-up: a digit group or
 * a contraction 1, a run of one kind of white space 1, letters by sub-word
 * length (a token per 5 lower-case letters, per 3 upper-case ones, a token
 * a letter for base64-like strings), punctuation a token per 2 bytes,
 * other UTF-8 a token per 2 bytes, and 1 more for a leading non-space
 * symbol.  Measured against the real tokenizer (tests/bench/cl100k.c), a
 * line at a time: on the shared transcripts (2,306 JSONL lines, 3.4 MB) and
 * LoCoMo chat (2,776 turns) never under on a line of 20 tokens or more, and
 * 1.24-1.36x over on the whole; on this repository's C sources and design
 * notes (10,292 lines) 1.50x over, 3 lines under (by at most 12.5%). */
#ifndef TOKENS_H
#define TOKENS_H

#include <stddef.h>

/* Upper estimate of the cl100k_base tokens of text[0..n). */
size_t tokens_cl100k_max(const char *text, size_t n);

#endif

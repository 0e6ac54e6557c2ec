/* tokens.h: an upper estimate of cl100k_base token counts, for staying
 * within a token budget without shipping the 100,000-token vocabulary.
 *
 * Text is cut as the cl100k pre-tokenizer cuts it (BPE never merges across
 * these pieces), and each piece is priced by its make-up: a digit group or
 * a contraction 1, a run of one kind of white space 1, letters by sub-word
 * length (a token per 5 lower-case letters, per 3 upper-case ones, a token
 * a letter for base64-like strings), punctuation a token per 2 bytes,
 * other UTF-8 a token per 2 bytes, and 1 more for a leading non-space
 * symbol.  Measured against the real tokenizer (tests/bench/cl100k.c) on
 * 3.8 MB of transcripts, LoCoMo chat and this repository's sources: never
 * under on a text of 20 tokens or more, 1.24-1.36x over on the whole. */
#ifndef TOKENS_H
#define TOKENS_H

#include <stddef.h>

/* Upper estimate of the cl100k_base tokens of text[0..n). */
size_t tokens_cl100k_max(const char *text, size_t n);

#endif

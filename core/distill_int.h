/* distill_int.h: what the parts of the heuristic distiller share (not a
 * public API): the exchange cut into words and sentences with a salience
 * per word (distill_text.c), read by the core builder (distill.c), the
 * context picker (distill_context.c) and the room picker (distill_rooms.c). */
#ifndef DISTILL_INT_H
#define DISTILL_INT_H

#include <stddef.h>

#include "distill.h"
#include "words.h"

/* Where a sentence came from. */
enum dsrc {
	DSRC_USER,      /* the human's text */
	DSRC_OUTCOME,   /* the last assistant text of the exchange */
	DSRC_ASST,      /* other assistant text */
	DSRC_TOOL,      /* tool briefs ("Bash: make test", "error: ...") */
};

enum {
	DW_STOP = 1 << 0,       /* stop word */
	DW_WEAK = 1 << 1,       /* generic word (words_is_weak) */
	DW_IDENT = 1 << 2,      /* snake_case, camelCase, a.b, CAPS, f() */
	DW_NUM = 1 << 3,        /* holds a digit */
	DW_CAP = 1 << 4,        /* capitalised, not sentence-initial */
	DW_PATH = 1 << 5,       /* has a '/' or a file-like extension */
	DW_JUNK = 1 << 6,       /* no letter or digit, a URL, too long */
	DW_SECRET = 1 << 7,     /* looks like a credential: never copied */
	DW_CODE = 1 << 8,       /* inside a ``` block */
	DW_FIRST = 1 << 9,      /* first word of its sentence */
	DW_VOC = 1 << 10,       /* a name addressed: "Thanks, Maria." "Hey Tim!" */
	DW_GENERIC = 1 << 11,   /* a topic too broad for a room (words.h) */
	DW_RESULT = 1 << 12,    /* says a result was reached (words.h) */
};

struct dword {
	const char *p;          /* the word without edge punctuation */
	size_t n;
	unsigned char lead;     /* bytes of leading punctuation before p */
	unsigned flags;
	size_t sent;            /* index of its sentence */
	double sal;             /* salience; < 0: never copy */
	unsigned tok;           /* tokens it costs after a space */
};

struct dsent {
	size_t w0, nw;          /* its words: w[w0 .. w0 + nw) */
	enum dsrc src;
	size_t ply;             /* the ply it came from */
	unsigned question : 1;  /* ended with '?' */
	unsigned repeat : 1;    /* same text as an earlier sentence */
	unsigned table : 1;     /* from a Markdown table row */
	unsigned cut : 1;       /* ended by the word limit, not by its text */
	unsigned narr : 1;      /* narration (distill_narration) */
	double score;           /* salience density */
};

struct dtext {
	struct dword *w;
	size_t nw, capw;
	struct dsent *s;
	size_t ns, caps;
	struct words_count tf;  /* lower-cased word counts, tools excluded */
	size_t limit;           /* words are read while nw < limit */
	const char *cwd;        /* the project root, never a detail, or NULL */
	size_t cwd_n;           /* strlen(cwd), 0 without one */
	size_t ply;             /* ply being read (distill_text_build) */
	int table;              /* the line being read is a table row */
	int tools;              /* the exchange calls tools: an agent at work,
				   whose narration says nothing */
};

/* Cuts the plies of in into words and sentences and scores them. */
void distill_text_build(const struct distill_input *in, struct dtext *t);
void distill_text_release(struct dtext *t);
/* Length of an XML-like tag at p ("<tool_use_error>", "</b>"), or 0:
 * tags separate words and are never copied. */
size_t distill_tag_len(const char *p, size_t n);
/* distill_count_tokens of text[0..n) (no NUL bytes in it). */
size_t distill_count_tokens_n(const char *text, size_t n);
/* 1 if w's words start with the word s (case-insensitive). */
int distill_word_is(const struct dword *w, const char *s);

/* exchange_core: whole clauses of the exchange (distill_core.c).  Owned. */
char *distill_make_core(const struct dtext *t, const struct distill_input *in);
/* 1 if sentence k is narration ("Let me ...", "Now ...", "Perfect!"):
 * distill_text_build marks each sentence once with distill_narration_of. */
int distill_narration_of(const struct dtext *t, size_t k);
static inline int distill_narration(const struct dtext *t, size_t k)
{
	return t->s[k].narr;
}

/* The one exact detail, copied from the text ("" if none).  Owned. */
char *distill_pick_context(const struct dtext *t,
			   const struct distill_input *in);
/* Whole-word, case-insensitive presence of w[0..n) in s. */
int distill_has_word(const char *s, const char *w, size_t n);

/* Fills d->rooms / d->nrooms (at least one room). */
void distill_pick_rooms(const struct dtext *t, const struct distill_input *in,
			struct distill *d);

/* The workflow of the exchange as a room key into key ("make_test"):
 * from the commands of its Bash tool calls, or else from an activity the
 * user names.  1 if found. */
int distill_workflow_tools(const struct distill_input *in, struct buf *key);
int distill_workflow_text(const struct dtext *t, struct buf *key);

/* Copies a room key made of [a-z0-9_./-] from s[0..n) (camelCase becomes
 * snake_case); NULL when nothing is left.  Owned. */
char *distill_room_key(const char *s, size_t n);

#endif

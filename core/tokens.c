/* tokens.c: two token counts built on the cl100k_base pre-tokenizer split.
 *
 * distill_count_tokens, the estimate `recallfs stats` reports, counts the pieces the cl100k_base pre-tokenizer regex
 *   's|'t|'re|'ve|'m|'ll|'d | [^\r\n L N]?L+ | N{1,3} | ' '?[^\s L N]+[\r\n]*
 *   | \s*[\r\n]+ | \s+(?!\S) | \s+
 * would cut text into (L letter, N digit).  Bytes >= 0x80 count as letters,
 * so a UTF-8 word is one piece.  BPE merges within a piece are not modelled:
 * it is a lower bound of the real cl100k count, close for English prose and
 * code (a rare long word is one piece here, several tokens there).
 *
 * tokens_cl100k_max (tokens.h) is an upper estimate for budgets: each piece
 * is priced by what it is made of (see piece_max). */
#include "common.h"
#include "distill.h"
#include "distill_int.h"
#include "tokens.h"

#include <string.h>
#include <strings.h>

static int is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

static int is_nl(unsigned char c)
{
	return c == '\n' || c == '\r';
}

static int is_other(unsigned char c)
{
	return !is_space(c) && !is_letter(c) && !is_digit(c);
}

/* Length of the contraction at s ('s 't 're 've 'm 'll 'd), or 0. */
static size_t contraction(const unsigned char *s, size_t n)
{
	static const char *const suf[] = { "re", "ve", "ll", "s", "t", "m",
					   "d" };

	if (n < 2 || s[0] != '\'')
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(suf); i++) {
		size_t k = strlen(suf[i]);

		if (n >= k + 1 && !strncasecmp((const char *)s + 1, suf[i], k))
			return k + 1;
	}
	return 0;
}

/* Length of the piece starting at s (n > 0 bytes left). */
static size_t piece(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	if ((k = contraction(s, n)))
		return k;
	/* [^\r\n L N]? L+ */
	i = (!is_nl(s[0]) && !is_letter(s[0]) && !is_digit(s[0]) && n > 1 &&
	     is_letter(s[1])) ? 1 : 0;
	if (is_letter(s[i])) {
		while (i < n && is_letter(s[i]))
			i++;
		return i;
	}
	if (is_digit(s[0])) {
		while (i < n && i < 3 && is_digit(s[i]))
			i++;
		return i;
	}
	/* ' '? [^\s L N]+ [\r\n]* */
	i = (s[0] == ' ' && n > 1 && is_other(s[1])) ? 1 : 0;
	if (is_other(s[i])) {
		while (i < n && is_other(s[i]))
			i++;
		while (i < n && is_nl(s[i]))
			i++;
		return i;
	}
	/* a white-space run */
	size_t end = 0, last_nl = 0;
	int nl = 0;

	while (end < n && is_space(s[end])) {
		if (is_nl(s[end]))
			nl = 1, last_nl = end;
		end++;
	}
	if (nl)
		return last_nl + 1;
	if (end < n && end > 1)
		return end - 1;     /* \s+(?!\S): the last one goes with the next */
	return end;
}

size_t distill_count_tokens(const char *text)
{
	return text ? distill_count_tokens_n(text, strlen(text)) : 0;
}

size_t distill_count_tokens_n(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t count = 0;

	while (n) {
		size_t k = piece(s, n);

		s += k;
		n -= k;
		count++;
	}
	return count;
}

/* ---- the upper estimate ---- */

static int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Length of the sub-word at s (n > 0 ASCII letters), the way
 * [A-Z]+(?![a-z]) | [A-Z]?[a-z]+ cuts "HTTPServer" into HTTP, Server;
 * *up is set for an all-upper-case one. */
static size_t subword(const unsigned char *s, size_t n, int *up)
{
	size_t i = 0;

	while (i < n && is_upper(s[i]))
		i++;
	*up = i > 1 || (i == 1 && (n == 1 || is_upper(s[1])));
	if (i > 1 && i < n)
		return i - 1;           /* the last capital starts a word */
	if (*up)
		return i;
	while (i < n && !is_upper(s[i]))
		i++;
	return i;
}

/* Price of a run of n ASCII letters: per sub-word of k letters,
 * ceil(k/5) (ceil(k/3) when upper-case); when the sub-words are short on
 * average (three or more, under 3 letters each: base64, hashes, random
 * ids) a token a letter, the most BPE can give. */
static size_t letters_max(const unsigned char *s, size_t n)
{
	size_t cost = 0, subs = 0, i = 0;

	while (i < n) {
		int up;
		size_t k = subword(s + i, n - i, &up);

		cost += up ? (k + 2) / 3 : (k + 4) / 5;
		subs++;
		i += k;
	}
	return subs >= 3 && n < 3 * subs ? n : cost;
}

/* 1 for a white-space piece cl100k spells as one token: a run of spaces,
 * of tabs or of newlines, or spaces then newlines. */
static int space_run(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (s[0] == '\t') {
		while (i < n && s[i] == '\t')
			i++;
		return i == n;
	}
	while (i < n && s[i] == ' ')
		i++;
	while (i < n && s[i] == '\n')
		i++;
	return i == n;
}

/* Price of one pre-tokenizer piece of n bytes (see tokens.h). */
static size_t piece_max(const unsigned char *s, size_t n)
{
	size_t lead;

	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return (n + 1) / 2;     /* other UTF-8 */
	if (is_digit(s[0]))
		return 1;                       /* 1-3 digits: one token */
	lead = !is_letter(s[0]);
	if (n > lead && is_letter(s[lead]))     /* " word" one, "/word" two */
		return (lead && s[0] != ' ') + letters_max(s + lead, n - lead);
	if (is_space(s[0]) && (n == 1 || is_space(s[1])))
		return space_run(s, n) ? 1 : n;
	return n <= 2 ? n : (n + 1) / 2;        /* punctuation */
}

size_t tokens_cl100k_max(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t count = 0;

	while (n) {
		size_t k = piece(s, n);

		count += piece_max(s, k);
		s += k;
		n -= k;
	}
	return count;
}

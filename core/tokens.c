/* tokens.c: distill_count_tokens, the token estimate `recallfs stats`
 * reports.  It counts the pieces the cl100k_base pre-tokenizer regex
 *   's|'t|'re|'ve|'m|'ll|'d | [^\r\n L N]?L+ | N{1,3} | ' '?[^\s L N]+[\r\n]*
 *   | \s*[\r\n]+ | \s+(?!\S) | \s+
 * would cut text into (L letter, N digit).  Bytes >= 0x80 count as letters,
 * so a UTF-8 word is one piece.  BPE merges within a piece are not modelled:
 * it is a lower bound of the real cl100k count, close for English prose and
 * code (a rare long word is one piece here, several tokens there). */
#include "common.h"
#include "distill.h"
#include "distill_int.h"

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

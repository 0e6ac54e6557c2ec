/* segment.c: exchange segmentation (rules in segment.h, PAPER.md section 2):
 * the automated-conversation filter, the splitter with its drop and chunk
 * rules, and the verbatim text of a ply range. */
#include "common.h"
#include "segment.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Openings of a compaction agent's (or a resumed session's) first turn. */
static const char *const compaction_prefix[] = {
	"This session is being continued from a previous conversation",
	"Your task is to create a detailed summary of the conversation",
};

/* Openings that only a program writes as the first "human" turn. */
static const char *const auto_prefix[] = {
	"Summarize this conversation", "Summarise this conversation",
	"Summarize the following conversation",
	"Summarise the following conversation",
	"Summarize the conversation", "Summarise the conversation",
	"Distill the following", "Distill this", "Distil the following",
	"Grade the following", "Grade this", "Please grade",
};

/* Words that make a "You are ..." system-style opening an automated task. */
static const char *const auto_role_word[] = {
	"distill", "distil ", "grader", "grading", "grade the", "summariz",
	"summaris", "evaluator", "judge",
};

static int has_word_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, w, k))
			return 1;
	return 0;
}

static enum seg_skip automated_text(const char *t)
{
	size_t n;

	t = skip_space(t);
	for (size_t i = 0; i < ARRAY_SIZE(compaction_prefix); i++)
		if (!strncasecmp(t, compaction_prefix[i],
				 strlen(compaction_prefix[i])))
			return SEG_SKIP_COMPACTION;
	for (size_t i = 0; i < ARRAY_SIZE(auto_prefix); i++)
		if (!strncasecmp(t, auto_prefix[i], strlen(auto_prefix[i])))
			return SEG_SKIP_PROMPT;
	if (strncasecmp(t, "You are ", 8))
		return SEG_KEEP;
	n = strnlen(t, 400);
	for (size_t i = 0; i < ARRAY_SIZE(auto_role_word); i++)
		if (has_word_ci(t, n, auto_role_word[i]))
			return SEG_SKIP_PROMPT;
	return SEG_KEEP;
}

enum seg_skip seg_skip_reason(const struct tx_conv *c)
{
	size_t nuser = 0;
	const char *first = NULL;
	enum seg_skip r;

	for (size_t i = 0; i < c->nmsg; i++)
		if (c->msg[i].role == TX_USER) {
			nuser++;
			if (!first && !blank(c->msg[i].text))
				first = c->msg[i].text;
		}
	if (first && (r = automated_text(first)) != SEG_KEEP)
		return r;
	return c->scripted && nuser == 1 ? SEG_SKIP_SCRIPTED : SEG_KEEP;
}

const char *seg_skip_name(enum seg_skip r)
{
	static const char *const names[SEG_SKIP_N] = { "kept",
		"scripted one-shot run", "distillation or grading prompt",
		"compaction summary" };

	return (unsigned)r < SEG_SKIP_N ? names[r] : "automated";
}

int seg_is_automated(const struct tx_conv *c)
{
	return seg_skip_reason(c) != SEG_KEEP;
}

static size_t text_chars(const struct tx_conv *c, size_t a, size_t b,
			 int *has_user)
{
	size_t n = 0;

	*has_user = 0;
	for (size_t i = a; i <= b; i++) {
		const char *t = c->msg[i].text;

		if (blank(t))
			continue;
		n += strlen(t);
		if (c->msg[i].role == TX_USER)
			*has_user = 1;
	}
	return n;
}

static void push(struct seg_list *out, size_t a, size_t b, size_t open,
		 unsigned part)
{
	XGROW(out->x, out->cap, out->n + 1);
	out->x[out->n].ply_start = a;
	out->x[out->n].ply_end = b;
	out->x[out->n].open = open;
	out->x[out->n].part = part;
	out->x[out->n].nparts = part;
	out->n++;
}

/* Rules 4 and 5 for the exchange [a, b]. */
static void close_exchange(const struct tx_conv *c, size_t a, size_t b,
			   struct seg_list *out)
{
	int has_user, dummy;
	size_t first = out->n;
	unsigned part = 0;

	if (text_chars(c, a, b, &has_user) < SEG_MIN_CHARS || !has_user)
		return;
	for (size_t s = a; s <= b; s += SEG_MAX_PLIES) {
		size_t e = b - s >= SEG_MAX_PLIES ? s + SEG_MAX_PLIES - 1 : b;

		part++;
		if (s == a || text_chars(c, s, e, &dummy) >= SEG_MIN_CHARS)
			push(out, s, e, a, part);
	}
	for (size_t i = first; i < out->n; i++)
		out->x[i].nparts = part;
}

void seg_split(const struct tx_conv *c, struct seg_list *out)
{
	size_t start = 0;
	int answered = 0, asked = 0;

	if (!c->nmsg || seg_is_automated(c))
		return;
	for (size_t i = 0; i < c->nmsg; i++) {
		const struct tx_msg *m = &c->msg[i];

		if (m->role == TX_USER && answered && asked) {
			close_exchange(c, start, i - 1, out);
			start = i;
			answered = 0;
		}
		if (m->role == TX_USER)
			asked = 1;      /* rule 3: only the opening lacks one */
		if (m->role == TX_ASSISTANT && !blank(m->text))
			answered = 1;
	}
	close_exchange(c, start, c->nmsg - 1, out);
}

void seg_list_release(struct seg_list *l)
{
	free(l->x);
	l->x = NULL;
	l->n = l->cap = 0;
}

static const char *role_name(enum tx_role r)
{
	return r == TX_USER ? "user" : r == TX_ASSISTANT ? "assistant" :
		"system";
}

/* Appends s without its leading and trailing white space. */
static int add_trimmed(struct buf *out, const char *s)
{
	const char *e;

	s = skip_space(s);
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return buf_add(out, s, (size_t)(e - s));
}

#define SEG_TOOL_LINE_MAX 400

/* One "  > brief" line per non-empty line of tools, each cut at
 * SEG_TOOL_LINE_MAX bytes on a UTF-8 character boundary. */
static int add_tools(struct buf *out, const char *tools)
{
	int rc = 0;

	for (const char *p = tools; *p && !rc;) {
		size_t n = strcspn(p, "\n");
		const char *q = p;

		p += n + (p[n] == '\n');
		while (n && isspace((unsigned char)*q))
			q++, n--;
		while (n && isspace((unsigned char)q[n - 1]))
			n--;
		if (!n)
			continue;
		if (n > SEG_TOOL_LINE_MAX) {
			n = SEG_TOOL_LINE_MAX;
			while (n && ((unsigned char)q[n] & 0xc0) == 0x80)
				n--;
		}
		rc = buf_adds(out, "\n  > ");
		if (!rc)
			rc = buf_add(out, q, n);
	}
	return rc;
}

/* A text-less assistant ply's tools go under the open assistant block; a
 * new block starts at every ply with text. */
static int add_ply(struct buf *out, const struct tx_msg *m, int *open_asst,
		   size_t base)
{
	int rc = 0, has_text = !blank(m->text);
	int has_tools = m->tools && !blank(m->tools);

	if (!has_text && !has_tools)
		return 0;
	if (has_text || !*open_asst || m->role != TX_ASSISTANT) {
		if (out->len > base)
			rc = buf_adds(out, "\n\n");
		if (!rc)
			rc = buf_addf(out, "%s:%s", role_name(m->role),
				      has_text ? " " : "");
		if (!rc && has_text)
			rc = add_trimmed(out, m->text);
	}
	if (!rc && has_tools)
		rc = add_tools(out, m->tools);
	*open_asst = m->role == TX_ASSISTANT;
	return rc;
}

int seg_verbatim(const struct tx_conv *c, size_t a, size_t b, struct buf *out)
{
	size_t base = out->len;
	int open_asst = 0, rc = 0;

	if (a > b || b >= c->nmsg)
		return -EINVAL;
	for (size_t i = a; i <= b && !rc; i++)
		rc = add_ply(out, &c->msg[i], &open_asst, base);
	if (rc && out->p)
		buf_truncate(out, base);
	return rc;
}

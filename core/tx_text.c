/* tx_text.c: the plain text / Markdown reader (an Aider chat history goes
 * to tx_aider.c).  A turn starts at a speaker
 * marker at the start of a line: "User:", "Human:", "Assistant:", "AI:" (any
 * case, optionally bold: "**User:**"), or a heading of its own ("## User",
 * "### Assistant").  Text before the first marker is not a turn; a "# Title"
 * line there is the conversation's title. */
#include "common.h"
#include "tx_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *word;
	int role;                /* 1 user, 2 assistant */
} speakers[] = {
	{ "user", 1 }, { "human", 1 }, { "assistant", 2 }, { "ai", 2 },
};

/* The speaker word at s[i..n), with its role; 0 if none. */
static int speaker(const char *s, size_t n, size_t *i)
{
	for (size_t k = 0; k < ARRAY_SIZE(speakers); k++) {
		size_t wl = strlen(speakers[k].word);

		if (n - *i >= wl &&
		    !strncasecmp(s + *i, speakers[k].word, wl) &&
		    (n - *i == wl || !isalnum((unsigned char)s[*i + wl]))) {
			*i += wl;
			return speakers[k].role;
		}
	}
	return 0;
}

static int starts(const char *s, size_t n, size_t i, const char *w)
{
	size_t wl = strlen(w);

	return n - i >= wl && !memcmp(s + i, w, wl);
}

int tx_text_marker(const char *s, size_t n, size_t *rest)
{
	size_t i = 0, h = 0;
	int role, bold = 0;

	while (h < n && s[h] == '#')
		h++;
	if (h >= 1 && h <= 6 && h < n && s[h] == ' ') {
		for (i = h; i < n && s[i] == ' '; i++)
			;
		if (!(role = speaker(s, n, &i)))
			return 0;
		if (i < n && s[i] == ':')
			i++;
		if (!tx_blank(s + i, n - i))
			return 0;
		*rest = n;
		return role;
	}
	if (starts(s, n, 0, "**"))
		i = 2, bold = 1;
	if (!(role = speaker(s, n, &i)))
		return 0;
	if (bold && starts(s, n, i, "**"))
		i += 2, bold = 0;
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	if (bold && starts(s, n, i, "**"))
		i += 2;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*rest = i;
	return role;
}

static int flush(struct tx_conv *c, int role, struct buf *text)
{
	tx_buf_trim(text);
	if (role && text->len && !tx_conv_add(c, role == 1 ? TX_USER :
					      TX_ASSISTANT, text->p))
		return -E2BIG;
	buf_reset(text);
	return 0;
}

int tx_read_text(const char *name, const char *data, size_t len,
		 struct tx_set *out, struct buf *err)
{
	struct buf text = BUF_INIT(BUF_MAX_FILE);
	struct tx_conv *c;
	struct tx_lines l;
	const char *s;
	size_t n, rest;
	int role = 0, rc = 0;

	(void)name;
	if (tx_aider_file(data, len))
		return tx_read_aider(data, len, out, err);
	c = tx_set_add(out, "");
	tx_lines_init(&l, data, len);
	while (!rc && tx_lines_next(&l, &s, &n)) {
		int r = tx_text_marker(s, n, &rest);

		if (r) {
			rc = flush(c, role, &text);
			role = r;
			buf_add(&text, s + rest, n - rest);
		} else if (role) {
			buf_addc(&text, '\n');
			buf_add(&text, s, n);
		} else if (!c->title && n > 2 && starts(s, n, 0, "# ")) {
			char *t = xstrndup(s + 2, n - 2);

			tx_set_str(&c->title, t);
			free(t);
		}
	}
	if (!rc)
		rc = flush(c, role, &text);
	buf_release(&text);
	if (rc) {
		buf_addf(err, "more than %d messages in one conversation",
			 TX_MAX_MSGS);
		return rc;
	}
	free(c->id);
	c->id = tx_hash_id("text", c);
	return 0;
}

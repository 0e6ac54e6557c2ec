/* tx_aider.c: Aider's .aider.chat.history.md, read as TX_TEXT.  "# aider
 * chat started at <time>" starts a session (one conversation each); "#### "
 * lines are the user (consecutive ones are one turn); "> " lines are tool
 * output (outside ``` blocks), of which "> Applied edit to <file>" becomes
 * an Edit brief of the assistant ply before it; everything else is the
 * assistant's text. */
#include "common.h"
#include "tx_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STARTED "# aider chat started at "
#define APPLIED "> Applied edit to "

static int started(const char *s, size_t n)
{
	return n >= strlen(STARTED) && !memcmp(s, STARTED, strlen(STARTED));
}

int tx_aider_file(const char *data, size_t len)
{
	struct tx_lines l;
	const char *s;
	size_t n;

	tx_lines_init(&l, data, len);
	while (tx_lines_next(&l, &s, &n))
		if (started(s, n))
			return 1;
	return 0;
}

struct aider {
	struct tx_set *out;
	struct tx_conv *c;       /* the open session, or NULL */
	struct buf text;         /* the open turn's text */
	int role;                /* 0 none, 1 user, 2 assistant */
	int fence;               /* inside a ``` block of the assistant */
	int64_t t;               /* the session's start time */
};

static int flush(struct aider *a)
{
	struct tx_msg *m;

	tx_buf_trim(&a->text);
	if (a->c && a->role && a->text.len) {
		m = tx_conv_add(a->c, a->role == 1 ? TX_USER : TX_ASSISTANT,
				a->text.p);
		if (!m)
			return -E2BIG;
		m->time = a->t;
	}
	buf_reset(&a->text);
	a->role = 0;
	a->fence = 0;
	return 0;
}

/* Names the open session from its first plies and start time. */
static void close_session(struct aider *a)
{
	if (!a->c)
		return;
	free(a->c->id);
	a->c->id = tx_hash_id("aider", a->c);
	a->c = NULL;
}

static int turn(struct aider *a, int role, const char *s, size_t n)
{
	int rc = 0;

	if (a->role != role)
		rc = flush(a);
	if (!a->c)
		a->c = tx_set_add(a->out, "");
	if (a->text.len)
		buf_addc(&a->text, '\n');
	buf_add(&a->text, s, n);
	a->role = role;
	return rc;
}

/* "> Applied edit to x": a brief on the last assistant ply. */
static int applied(struct aider *a, const char *s, size_t n)
{
	char *file = xstrndup(s + strlen(APPLIED), n - strlen(APPLIED));
	struct tx_msg *m;
	int rc = flush(a);

	m = a->c && a->c->nmsg ? &a->c->msg[a->c->nmsg - 1] : NULL;
	if (!rc && m && m->role == TX_ASSISTANT) {
		tx_msg_add_tool(m, "Edit", file);
		tx_msg_add_path(m, file);
	}
	free(file);
	return rc;
}

static int aider_line(struct aider *a, const char *s, size_t n)
{
	int rc = 0;

	if (a->role == 2 && n >= 3 && !memcmp(s, "```", 3))
		a->fence = !a->fence;
	else if (a->fence)               /* ">>>>>>> REPLACE" is text */
		return turn(a, 2, s, n);
	if (started(s, n)) {
		char *t = xstrndup(s + strlen(STARTED), n - strlen(STARTED));

		rc = flush(a);
		close_session(a);
		a->t = tx_parse_time(t);
		free(t);
	} else if (n >= 5 && !memcmp(s, "#### ", 5)) {
		rc = turn(a, 1, s + 5, n - 5);
	} else if (n > strlen(APPLIED) &&
		   !memcmp(s, APPLIED, strlen(APPLIED))) {
		rc = applied(a, s, n);
	} else if (n >= 1 && s[0] == '>') {
		if (a->role == 1)
			rc = flush(a);   /* tool output ends a user turn */
	} else if (a->role == 2 || !tx_blank(s, n)) {
		rc = turn(a, 2, s, n);
	}
	return rc;
}

int tx_read_aider(const char *data, size_t len, struct tx_set *out,
		  struct buf *err)
{
	struct aider a = { out, NULL, BUF_INIT(BUF_MAX_FILE), 0, 0, 0 };
	struct tx_lines l;
	const char *s;
	size_t n;
	int rc = 0;

	tx_lines_init(&l, data, len);
	while (!rc && tx_lines_next(&l, &s, &n))
		rc = aider_line(&a, s, n);
	if (!rc)
		rc = flush(&a);
	close_session(&a);
	buf_release(&a.text);
	if (rc)
		buf_addf(err, "more than %d messages in one conversation",
			 TX_MAX_MSGS);
	return rc;
}

/* cli.c: helpers shared by the subcommands: opening the store, usage and
 * failure lines. */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

int cli_open(const char *db, int flags, struct store *st)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	char *path = db ? xstrdup(db) : store_default_path();
	int rc = store_open(path, flags, st, &err);

	if (rc)
		fprintf(stderr, "recallfs: %s\n", buf_str(&err));
	buf_release(&err);
	free(path);
	return rc;
}

int cli_usage(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: recallfs %s %s\n", cmd, usage);
	return 2;
}

/* s with control characters (a newline in a file name) as \n, \t,
 * \xHH, so a failure stays one line. */
static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", stderr);
		else if (c == '\t')
			fputs("\\t", stderr);
		else if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

int cli_fail(const char *what, const char *why)
{
	fputs("recallfs: ", stderr);
	put_escaped(what);
	fputs(": ", stderr);
	put_escaped(why);
	fputc('\n', stderr);
	return 1;
}

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

int cli_fail(const char *what, const char *why)
{
	fprintf(stderr, "recallfs: %s: %s\n", what, why);
	return 1;
}

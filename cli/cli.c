/* cli.c: helpers shared by the subcommands: the database path, opening the
 * store, usage and failure lines. */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *cli_db_path(const char *db)
{
	return db ? store_abs_path(db) : store_default_path();
}

int cli_open(const char *db, int flags, struct store *st)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	char *path = cli_db_path(db);
	int rc = store_open(path, flags, st, &err);
	/* name the file unless it is the default one */
	int named = db || (getenv("RECALLFS_DB") && *getenv("RECALLFS_DB"));

	if (rc == -ENOENT && (flags & (STORE_RDONLY | STORE_NOCREATE)) &&
	    access(path, F_OK))
		fprintf(stderr, "recallfs: no memory yet at %s; make one with:"
			" recallfs ingest%s%s PATH... (transcripts or folders "
			"of them, e.g. ~/.claude/projects)\n", path,
			named ? " --db " : "", named ? path : "");
	else if (rc)
		fprintf(stderr, "recallfs: %s\n", buf_str(&err));
	buf_release(&err);
	free(path);
	return rc;
}

void cli_abs_env(const char *name)
{
	const char *v = getenv(name);
	char *abs;

	if (!v || !*v || *v == '/')
		return;
	abs = store_abs_path(v);
	setenv(name, abs, 1);
	free(abs);
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

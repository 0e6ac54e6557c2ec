/* cmd_forget.c: `recallfs forget ID`: the exchange leaves every table and
 * index (FTS rows by trigger, vectors, rooms and files by cascade). */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

static const char usage_text[] = "ID [--db FILE]";

int cmd_forget(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store st;
	const char *db = NULL;
	int64_t id;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == CLI_OPT_DB)
			db = optarg;
		else if (c == 'h')
			return printf("usage: recallfs forget %s\n",
				      usage_text), 0;
		else
			return cli_usage("forget", usage_text);
	}
	if (optind != argc - 1)
		return cli_usage("forget", usage_text);
	if (cli_open(db, 0, &st))
		return 1;
	rc = store_resolve(&st, argv[optind], &id);
	if (!rc)
		rc = store_begin(&st);
	if (!rc) {
		rc = store_delete_exchange(&st, id);
		rc = rc ? rc : store_commit(&st);
		if (rc)
			store_rollback(&st);
	}
	store_close(&st);
	if (rc)
		return cli_fail(argv[optind], rc == -ENOENT ? "no such exchange"
				: rc == -EINVAL ? "not an exchange id"
				: err_str(rc));
	printf("forgot %s\n", argv[optind]);
	return 0;
}

/* cmd_export.c: `recallfs export DIR [--project P] [--redact]`: the
 * mounted tree less inbox/, query/ and status, as plain files and
 * symlinks (fs/export.h). */
#include "common.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "export.h"

static const char usage_text[] = "DIR [--project P] [--redact] [--db FILE]";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "project", required_argument, NULL, 'p' },
		{ "redact", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_export_opts o = { NULL, 0 };
	struct fs_export_stats stats;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct store st;
	const char *db = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "p:rh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'p': o.project = optarg; break;
		case 'r': o.redact = 1; break;
		case 'h': printf("usage: recallfs export %s\n", usage_text);
			return 0;
		default: return cli_usage("export", usage_text);
		}
	}
	if (optind != argc - 1)
		return cli_usage("export", usage_text);
	if (cli_open(db, STORE_RDONLY, &st))
		return 1;
	rc = fs_export(&st, argv[optind], &o, &stats, &err);
	store_close(&st);
	if (rc) {
		cli_fail("export", buf_str(&err));
		buf_release(&err);
		return 1;
	}
	if (isatty(2))
		fprintf(stderr, "recallfs: exported %zu dirs, %zu files "
			"(%llu bytes), %zu links to %s\n", stats.dirs,
			stats.files, stats.bytes, stats.links, argv[optind]);
	buf_release(&err);
	return 0;
}

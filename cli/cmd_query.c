/* cmd_query.c: `recallfs query TERMS... [--mode M] [--project P]
 * [--limit N] [--json]`: prints exactly what the mount's query/ files
 * serve (fs_render_query); the options override the same filters written
 * in the terms. */
#include "common.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "query.h"
#include "render.h"

static const char usage_text[] =
	"TERMS... [--mode M] [--project P] [--limit N] [--json] [--db FILE]";

static int parse_limit(const char *s, size_t *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*s || *end || n < 1 || n > IDX_LIMIT_MAX)
		return -1;
	*out = (size_t)n;
	return 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "mode", required_argument, NULL, 'm' },
		{ "project", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_query_opts o = { NULL, 0, -1, NULL, 0 };
	struct buf terms = BUF_INIT(BUF_MAX_SMALL), out = BUF_INIT(BUF_MAX_TEXT);
	struct store st;
	const char *db = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "m:p:n:jh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'm':
			o.mode = idx_mode_parse(optarg);
			if (o.mode < 0)
				return cli_fail(optarg, "not a mode (verbatim, "
						"distilled, vector, hybrid, "
						"cross)") + 1;
			break;
		case 'p': o.project = optarg; break;
		case 'n':
			if (parse_limit(optarg, &o.limit))
				return cli_fail(optarg, "--limit needs a number"
						" from 1 to 1000") + 1;
			break;
		case 'j': o.json = 1; break;
		case 'h': printf("usage: recallfs query %s\n", usage_text);
			return 0;
		default: return cli_usage("query", usage_text);
		}
	}
	if (optind >= argc)
		return cli_usage("query", usage_text);
	for (int i = optind; i < argc; i++)
		if ((i > optind && buf_addc(&terms, ' ')) ||
		    buf_adds(&terms, argv[i])) {
			buf_release(&terms);
			return cli_fail("query", "terms are too long");
		}
	if (cli_open(db, STORE_RDONLY, &st)) {
		buf_release(&terms);
		return 1;
	}
	rc = fs_render_query_opts(&st, buf_str(&terms), &o, &out);
	if (rc < 0)
		cli_fail("query", err_str(rc));
	else
		fwrite(out.p ? out.p : "", 1, out.len, rc ? stderr : stdout);
	store_close(&st);
	buf_release(&terms);
	buf_release(&out);
	return rc ? 1 : 0;
}

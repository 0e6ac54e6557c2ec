/* cmd_context.c: `recallfs context [--project P] [--budget TOKENS]
 * [--since YYYY-MM-DD] [--json]`: what an agent should know at the start
 * of a session (core/brief.c chooses, fs/brief_text.c renders).  Opens the
 * database read-only: it never creates or changes it. */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brief.h"
#include "brief_text.h"

#define BUDGET_DEFAULT 2000
#define BUDGET_MAX 1000000

static const char usage_text[] =
	"[--project P] [--budget TOKENS] [--since YYYY-MM-DD] [--json] "
	"[--db FILE]";

static int parse_budget(const char *s, size_t *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*s || *end || n < 1 || n > BUDGET_MAX)
		return -1;
	*out = (size_t)n;
	return 0;
}

/* The project of the current directory (as getcwd, then as $PWD names
 * it when that is the same directory through a symlink). */
static int project_here(struct store *st, char **name)
{
	char *dir = getcwd(NULL, 0);
	const char *pwd = getenv("PWD");
	struct stat a, b;
	int rc;

	if (!dir)
		return cli_fail("context", "cannot read the current directory");
	rc = brief_project_for_dir(st, dir, name);
	if (rc == -ENOENT && pwd && *pwd == '/' && strcmp(pwd, dir) &&
	    !stat(pwd, &a) && !stat(".", &b) && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		rc = brief_project_for_dir(st, pwd, name);
	if (rc)
		cli_fail(dir, rc == -ENOENT ? "no project recorded for this "
			 "directory; name one with --project" : err_str(rc));
	free(dir);
	return rc ? 1 : 0;
}

static int run(struct store *st, struct fs_brief_opts *o, char *project)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT), err = BUF_INIT(BUF_MAX_SMALL);
	char *root = fs_brief_mount_root();
	int rc;

	o->project = project;
	o->root = root;
	rc = fs_brief_render(st, o, &out, &err);
	if (rc == -ENOENT)
		cli_fail(project, "no such project");
	else if (rc == -ENOSPC)
		fprintf(stderr, "recallfs: --budget %zu is too small: %s\n",
			o->budget, buf_str(&err));
	else if (rc)
		cli_fail("context", err_str(rc));
	else
		fwrite(buf_str(&out), 1, out.len, stdout);
	buf_release(&out);
	buf_release(&err);
	free(root);
	return rc ? 1 : 0;
}

int cmd_context(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "project", required_argument, NULL, 'p' },
		{ "budget", required_argument, NULL, 'b' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_brief_opts o = { NULL, BUDGET_DEFAULT, 0, 0, NULL };
	struct store st;
	const char *db = NULL, *project = NULL;
	char *name = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "p:b:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'p': project = optarg; break;
		case 'b':
			if (parse_budget(optarg, &o.budget))
				return cli_fail(optarg, "--budget needs a number"
						" of tokens from 1 to 1000000")
					+ 1;
			break;
		case 's':
			if (brief_parse_date(optarg, &o.since))
				return cli_fail(optarg, "--since needs a date "
						"(YYYY-MM-DD)") + 1;
			break;
		case 'j': o.json = 1; break;
		case 'h': return cli_help("context") ? 1 : 0;   /* help.c */
		default: return cli_usage("context", usage_text);
		}
	}
	if (optind != argc)
		return cli_usage("context", usage_text);
	if (cli_open(db, STORE_RDONLY, &st))
		return 1;
	rc = project ? 0 : project_here(&st, &name);
	if (!rc)
		rc = run(&st, &o, project ? (char *)project : name);
	free(name);
	store_close(&st);
	return rc;
}

/* cmd_mount.c: `recallfs mount MOUNTPOINT [-f] [--read-only] [--project P]
 * [--redact] [-o opts] [--distiller D] [--db FILE]`: parses the options
 * and hands them to fs_mount (fs/mount.h). */
#include "common.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"
#include "mount.h"

/* -o values: "nonempty" is ours (libfuse 3 dropped it), the rest go to
 * FUSE; a comma list is split. */
static void add_fuse_opts(struct fs_mount_opts *o, const char *arg)
{
	char *copy = xstrdup(arg), *p = copy;

	while (p) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = 0;
		if (!strcmp(p, "nonempty"))
			o->nonempty = 1;
		else if (*p)
			strv_push(&o->fuse_opts, p);
		p = comma ? comma + 1 : NULL;
	}
	free(copy);
}

static const char usage_text[] =
	"MOUNTPOINT [-f] [--read-only] [--project P] [--redact]\n"
	"       [-o fuse-opts] [--distiller heuristic|llm] [--db FILE]";

int cmd_mount(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "foreground", no_argument, NULL, 'f' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "project", required_argument, NULL, 'p' },
		{ "redact", no_argument, NULL, 'R' },
		{ "distiller", required_argument, NULL, 'D' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_mount_opts o;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const char *db = NULL, *distiller = NULL;
	char *path, *mnt;
	int c, rc;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "fo:p:dh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'f': o.foreground = 1; break;
		case 'r': o.readonly = 1; break;
		case 'p': o.project = optarg; break;
		case 'R': o.redact = 1; break;
		case 'D': distiller = optarg; break;
		case 'd': o.debug = o.foreground = 1; break;
		case 'o': add_fuse_opts(&o, optarg); break;
		case 'h': printf("usage: recallfs mount %s\n", usage_text);
			strv_clear(&o.fuse_opts);
			return 0;
		default:
			strv_clear(&o.fuse_opts);
			return cli_usage("mount", usage_text);
		}
	}
	if (optind != argc - 1) {
		strv_clear(&o.fuse_opts);
		return cli_usage("mount", usage_text);
	}
	if (o.project && !store_project_name_ok(o.project)) {
		strv_clear(&o.fuse_opts);
		return cli_fail(o.project, "not a usable project name");
	}
	if (llm_distiller_choose(distiller, &o.use_llm, &err)) {
		fprintf(stderr, "recallfs: mount: %s\n", buf_str(&err));
		buf_release(&err);
		strv_clear(&o.fuse_opts);
		return 2;
	}
	/* every path absolute before the daemon changes to "/" */
	mnt = store_abs_path(argv[optind]);
	o.mountpoint = mnt;
	path = cli_db_path(db);
	o.db = path;
	cli_abs_env("RECALLFS_CONFIG");
	cli_abs_env("RECALLFS_EMBED_DATA");
	cli_abs_env("HOME");
	rc = fs_mount(&o, &err);
	if (rc && err.len)
		fprintf(stderr, "recallfs: mount: %s\n", buf_str(&err));
	buf_release(&err);
	strv_clear(&o.fuse_opts);
	free(path);
	free(mnt);
	return rc ? 1 : 0;
}

/* main.c: the recallfs entry point: picks the subcommand and hands it the
 * rest of the arguments.  Everything else lives in the layers. */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

#define RECALLFS_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "mount", cmd_mount, "serve the memory as a filesystem" },
	{ "umount", cmd_umount, "unmount it" },
	{ "ingest", cmd_ingest, "read transcripts into the memory" },
	{ "query", cmd_query, "search the memory" },
	{ "show", cmd_show, "print one exchange" },
	{ "context", cmd_context, "what an agent should know at session start" },
	{ "stats", cmd_stats, "counts, tokens and compression per project" },
	{ "export", cmd_export, "write the tree as plain files" },
	{ "eval", cmd_eval, "measure recall per search mode" },
	{ "redistill", cmd_redistill, "re-run distillation" },
	{ "forget", cmd_forget, "remove an exchange everywhere" },
};

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: recallfs COMMAND [ARGS] [--db FILE]\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nrecallfs COMMAND --help shows a command's options.\n");
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("recallfs %s\n", RECALLFS_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "recallfs: '%s' is not a command; see recallfs "
		"--help\n", argv[1]);
	return 2;
}

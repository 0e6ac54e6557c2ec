/* main.c: the recallfs entry point: takes the options that may come before
 * the subcommand, picks the subcommand and hands it the rest of the
 * arguments (or prints its help).  Everything else lives in the layers. */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
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
	fprintf(f, "usage: recallfs [--db FILE] COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nrecallfs COMMAND --help (or recallfs help COMMAND) lists "
		"a command's options.\n--db FILE may come before the command "
		"or after it.\n");
	return rc;
}

/* --help or -h among a command's arguments (before "--") */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* Options before the command, as git and sshfs take them: --db FILE (as
 * $RECALLFS_DB would: a --db after the command still wins), --help,
 * --version.  Returns argv's index of the command, or -1 - exit status. */
static int global_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *db = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return -1 - usage(stdout, 0);
		if (!strcmp(a, "--version")) {
			printf("recallfs %s\n", RECALLFS_VERSION);
			return -1;
		}
		if (!strcmp(a, "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strncmp(a, "--db=", 5))
			db = a + 5;
		if (!db || !*db) {
			fprintf(stderr, "recallfs: %s: %s; see recallfs "
				"--help\n", a, db || !strncmp(a, "--db", 4) ?
				"needs a file name" : "not an option before "
				"the command");
			return -1 - 2;
		}
		setenv("RECALLFS_DB", db, 1);
	}
	return i;
}

int main(int argc, char **argv)
{
	int i = global_options(argc, argv);

	if (i < 0)
		return -1 - i;
	if (i >= argc)
		return usage(stderr, 2);
	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc)
			return usage(stdout, 0);
		if (!cli_help(argv[i + 1]))
			return 0;
		fprintf(stderr, "recallfs: '%s' is not a command; see "
			"recallfs --help\n", argv[i + 1]);
		return 2;
	}
	for (size_t k = 0; k < ARRAY_SIZE(cmds); k++) {
		if (strcmp(argv[i], cmds[k].name))
			continue;
		if (wants_help(argc - i, argv + i) && !cli_help(cmds[k].name))
			return 0;
		return cmds[k].fn(argc - i, argv + i);
	}
	fprintf(stderr, "recallfs: '%s' is not a command; see recallfs "
		"--help\n", argv[i]);
	return 2;
}

/* cli.h: the subcommands of the recallfs binary and what they share.
 * Each cmd_X lives in cli/cmd_X.c, parses its own options (getopt_long,
 * --help on each) and returns the exit status: 0 success, 1 failure (one
 * line on stderr naming the input and what is wrong), 2 bad usage. */
#ifndef CLI_H
#define CLI_H

#include <sys/stat.h>
#include <sys/types.h>

#include "store.h"

int cmd_ingest(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_redistill(int argc, char **argv);
int cmd_context(int argc, char **argv);

/* Long option value for --db, shared by every command: the index of the
 * --db entry a command puts in its option table is CLI_OPT_DB. */
#define CLI_OPT_DB 0x1000

/* The database path: the --db value made absolute, or store_default_path()
 * when NULL.  Owned by the caller. */
char *cli_db_path(const char *db);
/* Opens the database (cli_db_path(db)) with store_open's flags.  Prints one
 * line and returns -errno on failure; a command that may not create it
 * (STORE_RDONLY, STORE_NOCREATE) finding none says how to make one. */
int cli_open(const char *db, int flags, struct store *st);
/* Makes the path in environment variable name absolute, if set: for a
 * daemon, which changes to "/". */
void cli_abs_env(const char *name);
/* The full help of `recallfs CMD --help` (help.c): 0 when printed, -1 when
 * cmd has none there. */
int cli_help(const char *cmd);

/* The memory's own files (own.c): recallfs mounts, by device number. */
struct cli_own {
	dev_t *dev;
	size_t n, cap;
};
void cli_own_load(struct cli_own *o);
void cli_own_release(struct cli_own *o);
/* "in a recallfs mount", "in a recallfs export", or NULL: path (st its
 * lstat) is none of the memory's own files.  With ancestors, also the
 * folders above path are looked at (a path named on the command line). */
const char *cli_own_what(const struct cli_own *o, const char *path,
			 const struct stat *st, int ancestors);
/* "recallfs CMD: usage: ..." on stderr; returns 2. */
int cli_usage(const char *cmd, const char *usage);
/* Prints "recallfs: WHAT: why" on stderr and returns 1. */
int cli_fail(const char *what, const char *why);

#endif

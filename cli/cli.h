/* cli.h: the subcommands of the recallfs binary and what they share.
 * Each cmd_X lives in cli/cmd_X.c, parses its own options (getopt_long,
 * --help on each) and returns the exit status: 0 success, 1 failure (one
 * line on stderr naming the input and what is wrong), 2 bad usage. */
#ifndef CLI_H
#define CLI_H

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

/* Opens the database (--db value, or store_default_path() when NULL).
 * Prints one line and returns -errno on failure. */
int cli_open(const char *db, int flags, struct store *st);
/* "recallfs CMD: usage: ..." on stderr; returns 2. */
int cli_usage(const char *cmd, const char *usage);
/* Prints "recallfs: WHAT: why" on stderr and returns 1. */
int cli_fail(const char *what, const char *why);

#endif

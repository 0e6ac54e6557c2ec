/* cmd_forget.c: `recallfs forget ID`: the exchange leaves every table and
 * index (FTS rows by trigger, vectors, rooms and files by cascade) and a
 * tombstone without text keeps it from coming back when its transcript is
 * ingested again.  `--undo ID` removes the tombstone (the next ingest of
 * the transcript restores the exchange); `--list` shows the tombstones. */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <time.h>

static const char usage_text[] = "ID | --undo ID | --list [--db FILE]";

static int forget(struct store *st, const char *name)
{
	int64_t id;
	int rc = store_resolve(st, name, &id);

	if (!rc)
		rc = store_begin(st);
	if (!rc) {
		rc = store_delete_exchange(st, id);
		rc = rc ? rc : store_commit(st);
		if (rc)
			store_rollback(st);
	}
	if (rc)
		return cli_fail(name, rc == -ENOENT ? "no such exchange"
				: rc == -EINVAL ? "not an exchange id (like "
				"000042 or 000042-slug)" : err_str(rc));
	printf("forgot %s (it stays forgotten when its transcript is "
	       "ingested again; recallfs forget --undo %s takes that back)\n",
	       name, name);
	return 0;
}

static int undo(struct store *st, const char *name)
{
	struct buf src = BUF_INIT(BUF_MAX_SMALL);
	int rc = store_begin(st);

	if (!rc) {
		rc = store_unforget(st, name, &src);
		rc = rc ? rc : store_commit(st);
		if (rc)
			store_rollback(st);
	}
	if (rc) {
		buf_release(&src);
		return cli_fail(name, rc == -ENOENT ? "not a forgotten exchange "
				"(recallfs forget --list shows them)" :
				rc == -EINVAL ? "not an exchange id (like "
				"000042)" : err_str(rc));
	}
	printf("%s is no longer forgotten: the next ingest of its transcript "
	       "brings it back (under a new id)%s%s\n", name,
	       src.len ? ": " : "", buf_str(&src));
	buf_release(&src);
	return 0;
}

static void list_one(void *ctx, int64_t id, const char *project,
		     const char *conv_key, size_t ply_start, int64_t when)
{
	char t[32] = "?";
	time_t tt = (time_t)when;
	struct tm tm;

	(void)ctx;
	if (gmtime_r(&tt, &tm))
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%06lld\t%s\t%s\tply %zu\tforgotten %s\n", (long long)id,
	       project, conv_key, ply_start, t);
}

int cmd_forget(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "undo", no_argument, NULL, 'u' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store st;
	const char *db = NULL;
	int c, rc, undo_it = 0, list = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == CLI_OPT_DB)
			db = optarg;
		else if (c == 'u')
			undo_it = 1;
		else if (c == 'l')
			list = 1;
		else if (c == 'h')
			return printf("usage: recallfs forget %s\n",
				      usage_text), 0;
		else
			return cli_usage("forget", usage_text);
	}
	if (list ? optind != argc || undo_it : optind != argc - 1)
		return cli_usage("forget", usage_text);
	/* read-write even for --list: the open migrates an older memory,
	 * which has no tombstone table yet */
	if (cli_open(db, STORE_NOCREATE, &st))
		return 1;
	if (list) {
		rc = store_forgotten_list(&st, list_one, NULL);
		rc = rc ? cli_fail(st.path, err_str(rc)) : 0;
	} else {
		rc = undo_it ? undo(&st, argv[optind]) :
			forget(&st, argv[optind]);
	}
	store_close(&st);
	return rc;
}

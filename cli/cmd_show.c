/* cmd_show.c: `recallfs show ID [--verbatim]`: one exchange's fields. */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void print_time(const char *label, int64_t t)
{
	char s[32] = "unknown";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t && gmtime_r(&tt, &tm))
		strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s%s", label, s);
}

static void print_exchange(const struct store_exchange *x, int verbatim)
{
	static const char *const states[] = { "done", "pending", "failed" };

	printf("id:           %06lld-%s\n", (long long)x->id, x->slug);
	printf("project:      %s\n", x->project);
	printf("conversation: %s  plies %zu-%zu\n", x->conv_key, x->ply_start,
	       x->ply_end);
	print_time("time:         ", x->t_start);
	print_time(" .. ", x->t_end);
	printf("\ndistiller:    %s (%s)\n", x->d.distiller,
	       x->state >= 0 && x->state < 3 ? states[x->state] : "?");
	printf("tokens:       %ld verbatim, %ld distilled\n",
	       x->tokens_verbatim, x->tokens_distilled);
	printf("core:         %s\n", x->d.core);
	printf("context:      %s\n", x->d.context);
	printf("rooms:\n");
	for (int i = 0; i < x->d.nrooms; i++)
		printf("  %s\t%s\t%s\t%.2f\n", room_type_name(x->d.rooms[i].type),
		       x->d.rooms[i].key, x->d.rooms[i].label,
		       x->d.rooms[i].relevance);
	printf("files:\n");
	for (size_t i = 0; i < x->d.files.n; i++)
		printf("  %s\n", x->d.files.v[i]);
	if (verbatim)
		printf("verbatim:\n%s\n", x->verbatim);
}

static const char usage_text[] = "ID [--verbatim] [--db FILE]";

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "verbatim", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store st;
	struct store_exchange x;
	const char *db = NULL;
	int64_t id;
	int c, verbatim = 0, rc;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'v': verbatim = 1; break;
		case 'h': printf("usage: recallfs show %s\n", usage_text);
			return 0;
		default: return cli_usage("show", usage_text);
		}
	}
	if (optind != argc - 1)
		return cli_usage("show", usage_text);
	if (cli_open(db, STORE_RDONLY, &st))
		return 1;
	rc = store_resolve(&st, argv[optind], &id);
	if (!rc)
		rc = store_get_exchange(&st, id, &x);
	if (rc) {
		store_close(&st);
		return cli_fail(argv[optind], rc == -ENOENT ? "no such exchange"
				: rc == -EINVAL ? "not an exchange id (like "
				"000042 or 000042-slug)" : err_str(rc));
	}
	print_exchange(&x, verbatim);
	store_exchange_release(&x);
	store_close(&st);
	return 0;
}

/* cmd_stats.c: `recallfs stats [--json]`: per project, conversations,
 * exchanges, tokens verbatim and distilled, compression, distillers. */
#include "common.h"
#include "cli.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static double ratio(long v, long d)
{
	return d ? (double)v / (double)d : 0.0;
}

static void print_text(const struct store_pstats *p, size_t n)
{
	struct store_pstats t = { 0 };

	printf("%-24s %6s %9s %12s %12s %7s %9s %5s %7s %6s\n", "project",
	       "convs", "exchanges", "tok.verbatim", "tok.distill", "ratio",
	       "heuristic", "llm", "pending", "failed");
	for (size_t i = 0; i <= n; i++) {
		const struct store_pstats *q = i < n ? &p[i] : &t;

		if (i == n && n < 2)
			break;
		printf("%-24.24s %6ld %9ld %12ld %12ld %6.1fx %9ld %5ld %7ld "
		       "%6ld\n", i < n ? q->name : "(all)", q->conversations,
		       q->exchanges, q->tokens_verbatim, q->tokens_distilled,
		       ratio(q->tokens_verbatim, q->tokens_distilled),
		       q->heuristic, q->llm, q->pending, q->failed);
		if (i < n) {
			t.conversations += q->conversations;
			t.exchanges += q->exchanges;
			t.tokens_verbatim += q->tokens_verbatim;
			t.tokens_distilled += q->tokens_distilled;
			t.heuristic += q->heuristic;
			t.llm += q->llm;
			t.pending += q->pending;
			t.failed += q->failed;
		}
	}
	printf("tokens: pieces of the cl100k pre-tokenizer split (words, "
	       "number groups, punctuation runs); distilled = core + context\n");
}

static void print_json(const struct store_pstats *p, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	long total = 0;
	char *s;

	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_CreateObject(), *d = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", p[i].name);
		cJSON_AddNumberToObject(j, "conversations", p[i].conversations);
		cJSON_AddNumberToObject(j, "exchanges", p[i].exchanges);
		cJSON_AddNumberToObject(j, "tokens_verbatim",
					p[i].tokens_verbatim);
		cJSON_AddNumberToObject(j, "tokens_distilled",
					p[i].tokens_distilled);
		cJSON_AddNumberToObject(j, "compression",
			ratio(p[i].tokens_verbatim, p[i].tokens_distilled));
		cJSON_AddNumberToObject(d, "heuristic", p[i].heuristic);
		cJSON_AddNumberToObject(d, "llm", p[i].llm);
		cJSON_AddItemToObject(j, "distillers", d);
		cJSON_AddNumberToObject(j, "pending", p[i].pending);
		cJSON_AddNumberToObject(j, "failed", p[i].failed);
		cJSON_AddItemToArray(arr, j);
		total += p[i].exchanges;
	}
	cJSON_AddNumberToObject(o, "exchanges", total);
	cJSON_AddItemToObject(o, "projects", arr);
	s = cJSON_PrintUnformatted(o);
	printf("%s\n", s ? s : "{}");
	free(s);
	cJSON_Delete(o);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store st;
	struct store_pstats *p;
	const char *db = NULL;
	size_t n;
	int c, json = 0, rc;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == CLI_OPT_DB)
			db = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'h')
			return printf("usage: recallfs stats [--json] "
				      "[--db FILE]\n"), 0;
		else
			return cli_usage("stats", "[--json] [--db FILE]");
	}
	if (optind != argc)
		return cli_usage("stats", "[--json] [--db FILE]");
	if (cli_open(db, STORE_RDONLY, &st))
		return 1;
	rc = store_stats(&st, &p, &n);
	store_close(&st);
	if (rc)
		return cli_fail("stats", err_str(rc));
	if (json)
		print_json(p, n);
	else
		print_text(p, n);
	store_stats_free(p, n);
	return 0;
}

/* cmd_eval.c: `recallfs eval QUERIES.jsonl [--mode all|M] [--json]`:
 * R@1, R@5, R@10 and MRR per search mode (index/eval.h).  Tuning flags for
 * measuring fusion choices: --fusion weighted|rrf, --weights V,D,VEC,VECV
 * (per signal: verbatim BM25, distilled BM25, distilled vector, verbatim
 * vector), --dedup (best exchange per conversation), --depth N,
 * --smooth A (session-neighbour share in fused modes), --bm25 K1,B,
 * --global-idf (IDF over all projects even in a project search), --dates W
 * (weight of a query's month names and years matching a hit's date). */
#include "common.h"
#include "cli.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "eval.h"
#include "vec.h"

static const char usage_text[] =
	"QUERIES.jsonl [--mode all|M] [--json] [--db FILE]\n"
	"       [--fusion weighted|rrf] [--weights V,D,VEC,VECV] [--dedup]"
	" [--depth N]\n       [--smooth A] [--bm25 K1,B] [--global-idf]"
	" [--dates W]";

static int parse_weights(const char *s, struct idx_opts *o)
{
	char *end;

	for (int i = 0; i < IDX_NSIG; i++) {
		o->weight[i] = strtod(s, &end);
		if (end == s || o->weight[i] < 0 ||
		    (*end != ',' && (*end || i < IDX_NSIG - 1)))
			return -1;
		s = end + 1;
	}
	return 0;
}

static void print_text(const struct idx_eval *r)
{
	printf("%-10s %6s %6s %6s %6s\n", "mode", "R@1", "R@5", "R@10", "MRR");
	for (size_t i = 0; i < r->nm; i++)
		printf("%-10s %6.3f %6.3f %6.3f %6.3f\n",
		       idx_mode_name(r->m[i].mode), r->m[i].r1, r->m[i].r5,
		       r->m[i].r10, r->m[i].mrr);
	printf("queries: %zu (%zu with no stored relevant exchange)  "
	       "default mode: %s\n", r->queries, r->unresolved,
	       idx_mode_name(IDX_MODE_DEFAULT));
}

static int print_json(const struct idx_eval *r)
{
	cJSON *o = cJSON_CreateObject(), *modes;
	char *s;

	cJSON_AddNumberToObject(o, "queries", (double)r->queries);
	cJSON_AddNumberToObject(o, "unresolved", (double)r->unresolved);
	cJSON_AddStringToObject(o, "default", idx_mode_name(IDX_MODE_DEFAULT));
	modes = cJSON_AddObjectToObject(o, "modes");
	for (size_t i = 0; i < r->nm; i++) {
		cJSON *m = cJSON_AddObjectToObject(modes,
						   idx_mode_name(r->m[i].mode));

		cJSON_AddNumberToObject(m, "r1", r->m[i].r1);
		cJSON_AddNumberToObject(m, "r5", r->m[i].r5);
		cJSON_AddNumberToObject(m, "r10", r->m[i].r10);
		cJSON_AddNumberToObject(m, "mrr", r->m[i].mrr);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return cli_fail("eval", "out of memory");
	printf("%s\n", s);
	free(s);
	return 0;
}

static int run(const char *db, const char *path, const int *modes,
	       size_t nmodes, struct idx_opts *o, int json)
{
	struct buf data = BUF_INIT(BUF_MAX_FILE), err = BUF_INIT(BUF_MAX_SMALL);
	struct idx_eval r;
	struct store st;
	int rc = buf_read_file(&data, path);

	if (rc) {
		buf_release(&data);
		return cli_fail(path, err_str(rc));
	}
	if (cli_open(db, STORE_RDONLY, &st)) {
		buf_release(&data);
		return 1;
	}
	rc = emb_open(&o->emb, &err);
	if (rc) {       /* vector signals then fail; BM25 modes still run */
		fprintf(stderr, "recallfs: eval: embedder: %s\n", buf_str(&err));
		buf_reset(&err);
		o->emb = NULL;
	}
	rc = idx_eval_run(&st, buf_str(&data), data.len, modes, nmodes, o, &r,
			  &err);
	if (rc)
		cli_fail(path, buf_str(&err));
	else if (json)
		rc = print_json(&r);
	else
		print_text(&r);
	if (o->emb)
		emb_close(o->emb);
	vec_cache_clear();
	store_close(&st);
	buf_release(&data);
	buf_release(&err);
	return rc ? 1 : 0;
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "fusion", required_argument, NULL, 'f' },
		{ "weights", required_argument, NULL, 'w' },
		{ "dedup", no_argument, NULL, 'u' },
		{ "depth", required_argument, NULL, 'd' },
		{ "smooth", required_argument, NULL, 's' },
		{ "bm25", required_argument, NULL, 'b' },
		{ "dates", required_argument, NULL, 't' },
		{ "global-idf", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int modes[IDX_NMODES], c, json = 0, m;
	size_t nmodes = 0;
	const char *db = NULL;
	struct idx_opts o;

	idx_opts_default(&o);
	while ((c = getopt_long(argc, argv, "m:jh", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'm':
			if (!strcmp(optarg, "all"))
				break;
			m = idx_mode_parse(optarg);
			if (m < 0)
				return cli_fail(optarg, "not a mode (all, "
						"verbatim, distilled, vector, "
						"hybrid, cross)") + 1;
			if (nmodes < IDX_NMODES)
				modes[nmodes++] = m;
			break;
		case 'j': json = 1; break;
		case 'f':
			if (!strcmp(optarg, "rrf"))
				o.fusion = IDX_FUSE_RRF;
			else if (!strcmp(optarg, "weighted"))
				o.fusion = IDX_FUSE_WEIGHTED;
			else
				return cli_fail(optarg, "--fusion is weighted "
						"or rrf") + 1;
			break;
		case 'w':
			if (parse_weights(optarg, &o))
				return cli_fail(optarg, "--weights needs 4 "
						"numbers: V,D,VEC,VECV") + 1;
			break;
		case 'u': o.dedup = 1; break;
		case 'd':
			o.depth = (size_t)atol(optarg);
			if (o.depth < 1 || o.depth > 10000)
				return cli_fail(optarg, "--depth needs a number"
						" from 1 to 10000") + 1;
			break;
		case 's':
			o.smooth = atof(optarg);
			if (o.smooth < 0 || o.smooth > 1)
				return cli_fail(optarg, "--smooth needs a number"
						" from 0 to 1") + 1;
			break;
		case 'b':
			if (sscanf(optarg, "%lf,%lf", &o.k1, &o.b) != 2 ||
			    o.k1 < 0 || o.b < 0 || o.b > 1)
				return cli_fail(optarg, "--bm25 needs K1,B") + 1;
			break;
		case 'g': o.global_idf = 1; break;
		case 't':
			o.dates = atof(optarg);
			if (o.dates < 0 || o.dates > 10)
				return cli_fail(optarg, "--dates needs a number"
						" from 0 to 10") + 1;
			break;
		case 'h': printf("usage: recallfs eval %s\n", usage_text);
			return 0;
		default: return cli_usage("eval", usage_text);
		}
	}
	if (optind != argc - 1)
		return cli_usage("eval", usage_text);
	if (!nmodes)
		for (m = 0; m < IDX_NMODES; m++)
			modes[nmodes++] = m;
	return run(db, argv[optind], modes, nmodes, &o, json);
}

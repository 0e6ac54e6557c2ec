/* cmd_redistill.c: `recallfs redistill [--project P] [--distiller D] [--all]`.
 * Fills the exchanges marked for the LLM (pending or failed) and touches no
 * others; --all also takes every exchange the heuristic distilled.  With
 * --distiller heuristic it recomputes the heuristic fields of the marked
 * exchanges (--all: of every exchange).  The distiller is --distiller, else
 * $RECALLFS_DISTILLER, else llm when one is configured, else heuristic. */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "llm.h"
#include "vec.h"

static const char usage_text[] =
	"[--project P] [--distiller heuristic|llm] [--all] [--db FILE]";

struct opts {
	const char *db, *project, *distiller;
	int all;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "project", required_argument, NULL, 'p' },
		{ "distiller", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "p:d:ah", lopts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: o->db = optarg; break;
		case 'p': o->project = optarg; break;
		case 'd': o->distiller = optarg; break;
		case 'a': o->all = 1; break;
		case 'h':
			printf("usage: recallfs redistill %s\n", usage_text);
			return 0;
		default: return cli_usage("redistill", usage_text);
		}
	}
	if (optind < argc)
		return cli_usage("redistill", usage_text);
	return -1;
}

/* Picks the distiller and, for llm, loads its configuration. */
static int choose(const struct opts *o, struct llm_config *cfg, int *use_llm)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int explicit = o->distiller || getenv("RECALLFS_DISTILLER");
	int rc = llm_distiller_choose(o->distiller, use_llm, &err);

	if (!rc && (*use_llm || !explicit)) {
		rc = llm_config_load(cfg, &err);
		if (rc == -ENOENT && !explicit)
			rc = 0;
		else if (!rc)
			*use_llm = 1;
	}
	if (rc)
		fprintf(stderr, "recallfs: redistill: %s\n", buf_str(&err));
	buf_release(&err);
	return rc;
}

static void report(const struct llm_report *rep, int use_llm,
		   const char *key)
{
	struct buf e = BUF_INIT(BUF_MAX_SMALL);

	printf("%zu exchanges: %zu distilled by %s", rep->selected, rep->filled,
	       use_llm ? "llm" : "heuristic");
	if (use_llm)
		printf(" (%zu from the cache, %zu requests, %zu retries)",
		       rep->cached, rep->requests, rep->retries);
	printf(", %zu failed\n", rep->failed);
	if (rep->failed) {
		buf_adds(&e, buf_str(&rep->first_error));
		http_scrub(&e, key);
		fprintf(stderr, "recallfs: redistill: %zu exchanges failed and "
			"stay marked for the next redistill; first: %s\n",
			rep->failed, buf_str(&e));
	}
	buf_release(&e);
}

static int run(struct store *st, const struct opts *o, int use_llm,
	       const struct llm_config *cfg, struct llm_report *rep)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int64_t pid = 0;
	struct emb *e = NULL;
	int rc = 0;

	if (o->project && store_project(st, o->project, 0, &pid)) {
		buf_release(&err);
		return cli_fail(o->project, "no such project");
	}
	rc = emb_open(&e, &err);
	if (rc) {
		fprintf(stderr, "recallfs: redistill: %s\n", buf_str(&err));
		buf_release(&err);
		return 1;
	}
	if (use_llm)
		rc = llm_redistill(st, cfg, pid, LLM_SEL_PENDING | LLM_SEL_FAILED
				   | (o->all ? LLM_SEL_HEURISTIC : 0),
				   idx_embed_hook, e, rep);
	else
		rc = redistill_recompute_heuristic(st, pid, o->all,
						   idx_embed_hook, e, rep);
	emb_close(e);
	vec_cache_clear();
	buf_release(&err);
	if (rc)
		return cli_fail(st->path, err_str(rc));
	report(rep, use_llm, cfg->key);
	return rep->failed ? 1 : 0;
}

int cmd_redistill(int argc, char **argv)
{
	struct opts o;
	struct llm_config cfg;
	struct llm_report rep;
	struct store st;
	int use_llm = 0, rc = parse(argc, argv, &o);

	if (rc >= 0)
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	if (choose(&o, &cfg, &use_llm)) {
		llm_config_release(&cfg);
		return 1;
	}
	if (cli_open(o.db, STORE_NOCREATE, &st)) {
		llm_config_release(&cfg);
		return 1;
	}
	llm_report_init(&rep);
	rc = run(&st, &o, use_llm, &cfg, &rep);
	llm_report_release(&rep);
	store_close(&st);
	llm_config_release(&cfg);
	return rc;
}

/* cmd_ingest.c: `recallfs ingest PATH... [--project P] [--format F]`.
 * Files, directories (recursive, sorted; files that are not transcripts are
 * skipped there, and counted, but named on the command line they are
 * errors) and "-".  A recallfs mount or export met on the way is skipped
 * with one line.  Prints a progress line on a terminal and a summary at the
 * end, of what was stored; a full disk stops the run. */
#include "common.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "http.h"
#include "llm.h"
#include "vec.h"

struct run {
	struct store st;
	struct ingest_opts o;
	struct ingest_stats s;
	struct cli_own own;     /* recallfs mounts, never walked into */
	size_t skipped;         /* files in folders that are not transcripts */
	int failed;
	int full;               /* the disk is full: stop */
	int tty;
};

static void progress(struct run *r, int final)
{
	if (!r->tty)
		return;
	fprintf(stderr, "\r%zu files, %zu exchanges added%s", r->s.files,
		r->s.added, final ? "\n" : "");
}

/* A full disk stops the run with one line: every later file would fail
 * the same way, and what was stored is whole (one transaction each). */
static int disk_full(struct run *r, const char *path, int rc)
{
	if (rc != -ENOSPC && rc != -EDQUOT)
		return 0;
	fprintf(stderr, "recallfs: %s: %s (%s): stopped at %s; the summary "
		"counts only what was stored\n", r->st.path,
		rc == -ENOSPC ? "the disk is full" : "the disk quota is used up",
		rc == -ENOSPC ? "ENOSPC" : "EDQUOT", path);
	r->full = 1;
	r->failed = 1;
	if (r->s.files) {       /* read, but not (all) stored */
		r->s.files--;
		r->s.failed++;
	}
	return 1;
}

/* explicit: named on the command line, so "not a transcript" is an error;
 * folder: the project of the folder it is in, or NULL (ingest.h) */
static void ingest_one(struct run *r, const char *path, int explicit,
		       const char *folder)
{
	struct buf data = BUF_INIT(TX_MAX_FILE), err = BUF_INIT(BUF_MAX_SMALL);
	int rc = strcmp(path, "-") ? buf_read_file(&data, path) :
		buf_read_fd(&data, 0);

	if (!rc && !explicit && r->o.format == TX_UNKNOWN &&
	    tx_detect(buf_str(&data), data.len) == TX_UNKNOWN) {
		r->skipped++;
		goto out;
	}
	if (rc) {
		buf_adds(&err, rc == -E2BIG ? "larger than the transcript limit"
			 " (256 MB)" : err_str(rc));
		r->s.failed++;
	} else {
		r->o.folder_project = folder;
		rc = ingest_data(&r->st, path, buf_str(&data), data.len, &r->o,
				 &r->s, &err);
		r->o.folder_project = NULL;
	}
	if (rc) {
		if (r->tty)
			fputc('\n', stderr);
		if (!disk_full(r, path, rc))
			cli_fail(path, buf_str(&err));
		r->failed = 1;
	}
	progress(r, 0);
out:
	buf_release(&data);
	buf_release(&err);
}

/* Name order, except that a session file "S.jsonl" comes before the
 * directory "S" holding its subagents: exchange numbers follow time. */
static int cmp_str(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strlen(x), ny = strlen(y);

	if (nx == ny + 6 && !strcmp(x + ny, ".jsonl") && !strncmp(x, y, ny))
		return -1;
	if (ny == nx + 6 && !strcmp(y + nx, ".jsonl") && !strncmp(x, y, nx))
		return 1;
	return strcmp(x, y);
}

/* The memory's own files (a mount, an export) are skipped with one line;
 * explicit (named on the command line) makes it a failure. */
static int is_own(struct run *r, const char *path, const struct stat *st,
		  int explicit)
{
	const char *what = cli_own_what(&r->own, path, st, explicit);

	if (!what)
		return 0;
	if (r->tty)
		fputc('\n', stderr);
	fprintf(stderr, "recallfs: %s: %s %s (the memory's own files)\n",
		path, explicit ? "not ingested:" : "skipped:", what);
	if (explicit)
		r->failed = 1;
	return 1;
}

/* folder: the first folder below the directory named on the command line
 * (NULL at its top), the project of what is in it when the transcript
 * names none: as rsync DIR/ MOUNT/inbox/ gives inbox/<folder>/. */
static void ingest_dir(struct run *r, const char *dir, int depth,
		       const char *folder)
{
	struct strv names = STRV_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d || depth > 64) {
		cli_fail(dir, d ? "directories nested too deep" :
			 strerror(errno));
		r->failed = 1;
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n && !r->full; i++) {
		struct buf p = BUF_INIT(BUF_MAX_SMALL);
		struct stat st;

		buf_addf(&p, "%s/%s", dir, names.v[i]);
		if (lstat(p.p, &st) < 0)
			st.st_mode = 0;         /* gone meanwhile: skip it */
		if (S_ISDIR(st.st_mode) && !is_own(r, p.p, &st, 0))
			ingest_dir(r, p.p, depth + 1, folder ? folder :
				   names.v[i]);
		else if (S_ISREG(st.st_mode))
			ingest_one(r, p.p, 0, folder);
		buf_release(&p);
	}
	strv_clear(&names);
}

static void ingest_arg(struct run *r, const char *path)
{
	struct stat st;

	if (!strcmp(path, "-")) {
		ingest_one(r, path, 1, NULL);
	} else if (stat(path, &st) < 0) {
		cli_fail(path, strerror(errno));
		r->failed = 1;
	} else if (!is_own(r, path, &st, 1)) {
		if (S_ISDIR(st.st_mode))
			ingest_dir(r, path, 0, NULL);
		else
			ingest_one(r, path, 1, NULL);
	}
}

static const char usage_text[] =
	"PATH... [--project P] [--format claude|codex|chat|text]\n"
	"       [--distiller heuristic|llm] [--db FILE]";

/* --distiller llm: the new exchanges are stored, indexed and searchable
 * with heuristic fields, marked pending; now the LLM fills them.  A failure
 * keeps the heuristic fields and marks the exchange for redistill. */
static void distill_pending(struct run *r, const struct llm_config *cfg)
{
	struct llm_report rep;
	struct buf e = BUF_INIT(BUF_MAX_SMALL);

	llm_report_init(&rep);
	if (llm_process_pending(&r->st, cfg, 0, r->o.on_put, r->o.hook_ctx,
				&rep)) {
		fprintf(stderr, "recallfs: %s: the LLM pass stopped on a "
			"database error\n", r->st.path);
		r->failed = 1;
	} else if (rep.selected) {
		printf("llm: %zu exchanges distilled (%zu from the cache), %zu "
		       "failed\n", rep.filled, rep.cached, rep.failed);
	}
	if (rep.failed) {
		buf_adds(&e, buf_str(&rep.first_error));
		http_scrub(&e, cfg->key);
		fprintf(stderr, "recallfs: %zu exchanges keep heuristic fields "
			"until `recallfs redistill`; first: %s\n", rep.failed,
			buf_str(&e));
	}
	buf_release(&e);
	llm_report_release(&rep);
}

/* Vectors the hook could not make (an embedder that failed, or a changed
 * model) are made now, in batches; a failure leaves the exchanges
 * searchable by words and is retried by the next ingest. */
static void embed_missing(struct run *r, struct emb *e)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int n;

	if (emb_error(e))
		fprintf(stderr, "recallfs: ingest: %s\n", emb_error(e));
	else if ((n = vec_sync(&r->st, e, &err)) < 0)
		fprintf(stderr, "recallfs: ingest: vectors not made (searchable "
			"by words; the next ingest retries): %s\n",
			buf_str(&err));
	else if (n)
		printf("%d vectors made (%s)\n", n, emb_model(e));
	buf_release(&err);
}

static void summary(const struct run *r)
{
	printf("%zu files, %zu conversations updated, %zu exchanges added, "
	       "%zu removed%s", r->s.files, r->s.convs, r->s.added,
	       r->s.removed, r->s.failed ? "" : "\n");
	if (r->s.failed)
		printf(", %zu files failed\n", r->s.failed);
	for (int k = SEG_KEEP + 1; k < SEG_SKIP_N; k++)
		if (r->s.skipped[k])
			printf("%zu conversation%s skipped: %s\n",
			       r->s.skipped[k], r->s.skipped[k] == 1 ? "" : "s",
			       seg_skip_name(k));
	if (r->skipped)
		printf("%zu skipped: not transcripts\n", r->skipped);
	if (r->s.forgotten)
		printf("%zu forgotten exchanges kept out (recallfs forget "
		       "--list; --undo ID brings one back)\n", r->s.forgotten);
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "project", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		{ "distiller", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r;
	struct llm_config cfg;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const char *db = NULL, *distiller = NULL;
	struct emb *emb = NULL;
	int c, use_llm = 0;

	memset(&r, 0, sizeof(r));
	memset(&cfg, 0, sizeof(cfg));
	while ((c = getopt_long(argc, argv, "p:F:h", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'p': r.o.project = optarg; break;
		case 'F':
			r.o.format = tx_format_parse(optarg);
			if (r.o.format == TX_UNKNOWN)
				return cli_usage("ingest", usage_text);
			break;
		case 'D': distiller = optarg; break;
		case 'h': printf("usage: recallfs ingest %s\n", usage_text);
			return 0;
		default: return cli_usage("ingest", usage_text);
		}
	}
	if (optind >= argc)
		return cli_usage("ingest", usage_text);
	if (r.o.project && !store_project_name_ok(r.o.project))
		return cli_fail(r.o.project, "not a usable project name (one "
				"path component, no control characters)");
	if (llm_distiller_choose(distiller, &use_llm, &err) ||
	    (use_llm && llm_config_load(&cfg, &err))) {
		fprintf(stderr, "recallfs: ingest: %s\n", buf_str(&err));
		buf_release(&err);
		llm_config_release(&cfg);
		return distiller && !use_llm ? 2 : 1;
	}
	r.o.pending = use_llm;
	if (cli_open(db, 0, &r.st)) {
		llm_config_release(&cfg);
		return 1;
	}
	if (emb_open(&emb, &err)) {
		fprintf(stderr, "recallfs: ingest: %s\n", buf_str(&err));
		buf_release(&err);
		llm_config_release(&cfg);
		store_close(&r.st);
		return 1;
	}
	r.o.on_put = idx_embed_hook;
	r.o.hook_ctx = emb;
	r.tty = isatty(2);
	cli_own_load(&r.own);
	for (int i = optind; i < argc && !r.full; i++)
		ingest_arg(&r, argv[i]);
	progress(&r, 1);
	summary(&r);
	if (use_llm && !r.full)
		distill_pending(&r, &cfg);
	if (!r.full)
		embed_missing(&r, emb);
	cli_own_release(&r.own);
	emb_close(emb);
	vec_cache_clear();
	llm_config_release(&cfg);
	store_close(&r.st);
	return r.failed ? 1 : 0;
}

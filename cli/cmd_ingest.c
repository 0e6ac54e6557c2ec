/* cmd_ingest.c: `recallfs ingest PATH... [--project P] [--format F]`.
 * Files, directories (recursive, sorted; files that are not transcripts are
 * skipped there, but named on the command line they are errors) and "-".
 * Prints a progress line on a terminal and a summary at the end. */
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

struct run {
	struct store st;
	struct ingest_opts o;
	struct ingest_stats s;
	size_t skipped;
	int failed;
	int tty;
};

static void progress(struct run *r, int final)
{
	if (!r->tty)
		return;
	fprintf(stderr, "\r%zu files, %zu exchanges added%s", r->s.files,
		r->s.added, final ? "\n" : "");
}

/* explicit: named on the command line, so "not a transcript" is an error */
static void ingest_one(struct run *r, const char *path, int explicit)
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
		rc = ingest_data(&r->st, path, buf_str(&data), data.len, &r->o,
				 &r->s, &err);
	}
	if (rc) {
		if (r->tty)
			fputc('\n', stderr);
		fprintf(stderr, "recallfs: %s: %s\n", path, buf_str(&err));
		r->failed = 1;
	}
	progress(r, 0);
out:
	buf_release(&data);
	buf_release(&err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ingest_dir(struct run *r, const char *dir, int depth)
{
	struct strv names = STRV_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d || depth > 64) {
		fprintf(stderr, "recallfs: %s: %s\n", dir,
			d ? "directories nested too deep" : strerror(errno));
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
	for (size_t i = 0; i < names.n; i++) {
		struct buf p = BUF_INIT(BUF_MAX_SMALL);
		struct stat st;

		buf_addf(&p, "%s/%s", dir, names.v[i]);
		if (lstat(p.p, &st) == 0 && S_ISDIR(st.st_mode))
			ingest_dir(r, p.p, depth + 1);
		else if (S_ISREG(st.st_mode))
			ingest_one(r, p.p, 0);
		buf_release(&p);
	}
	strv_clear(&names);
}

static void ingest_arg(struct run *r, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		ingest_dir(r, path, 0);
	else if (strcmp(path, "-") && stat(path, &st) < 0) {
		fprintf(stderr, "recallfs: %s: %s\n", path, strerror(errno));
		r->failed = 1;
	} else {
		ingest_one(r, path, 1);
	}
}

static const char usage_text[] =
	"PATH... [--project P] [--format claude|codex|chat|text] [--db FILE]";

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, CLI_OPT_DB },
		{ "project", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r;
	const char *db = NULL;
	int c;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "p:F:h", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_DB: db = optarg; break;
		case 'p': r.o.project = optarg; break;
		case 'F':
			r.o.format = tx_format_parse(optarg);
			if (r.o.format == TX_UNKNOWN)
				return cli_usage("ingest", usage_text);
			break;
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
	if (cli_open(db, 0, &r.st))
		return 1;
	r.tty = isatty(2);
	for (int i = optind; i < argc; i++)
		ingest_arg(&r, argv[i]);
	progress(&r, 1);
	printf("%zu files, %zu conversations updated, %zu exchanges added, "
	       "%zu removed%s", r.s.files, r.s.convs, r.s.added, r.s.removed,
	       r.s.failed ? "" : "\n");
	if (r.s.failed)
		printf(", %zu files failed\n", r.s.failed);
	store_close(&r.st);
	return r.failed ? 1 : 0;
}

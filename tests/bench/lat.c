/* lat.c: wall-clock timing of commands for the benchmarks (not part of
 * recallfs).  Children run with fork+exec (no shell unless asked), their
 * stdout goes into a pipe that is read and counted (GNU grep stops at the
 * first match when stdout is /dev/null, so a pipe keeps the comparison
 * honest), and peak RSS comes from wait4's rusage.
 *
 *   lat repeat N [-s SETUP] -- CMD ARGS...
 *       runs SETUP (with sh -c, untimed) then CMD, N times; prints
 *       "med MS min MS max MS first MS cpu MS rss KB bytes B exit E"
 *       (first: the first run, included in med/min/max; cpu: median user +
 *       system CPU time of the child; rss: the largest
 *       peak RSS of any run; bytes: output of the last run)
 *   lat queries N QFILE -- CMD ARGS...
 *       for each of N rounds runs CMD once per line of QFILE; in ARGS "{}"
 *       anywhere is replaced by the query line, an argument "{-e}" becomes
 *       "-e W" for each word W of the line, and "{w}" one argument per word;
 *       prints per round p50 and p99 over the queries, then the line
 *       "p50 MED MIN MAX p99 MED MIN MAX hits H of Q exit E" (median,
 *       min, max over rounds, in ms; hits: queries with non-empty output
 *       in the last round; exit: the first non-zero exit status seen)
 *   lat read N QFILE DIR
 *       the same, but in-process: open(DIR/<query>), read to EOF, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks; sorts v. */
static double pct(double *v, size_t n, double p)
{
	double pos, frac;
	size_t lo;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = p * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	return lo + 1 < n ? v[lo] * (1 - frac) + v[lo + 1] * frac : v[lo];
}

struct run { double ms, cpu_ms; long rss_kb; size_t bytes; int status; };

/* Runs argv, output counted; returns -1 if it could not start. */
static int run(char **argv, struct run *r)
{
	int fd[2];
	char buf[65536];
	double t0 = now_ms();
	struct rusage ru;
	pid_t pid;
	ssize_t n;
	int st;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "lat: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	r->bytes = 0;
	while ((n = read(fd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		r->bytes += (size_t)n;
	}
	close(fd[0]);
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	r->ms = now_ms() - t0;
	r->rss_kb = ru.ru_maxrss;
	r->cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static int cmd_repeat(int n, const char *setup, char **argv)
{
	double *v = calloc((size_t)n, sizeof(*v)), first = 0, med;
	double *cpu = calloc((size_t)n, sizeof(*cpu));
	long rss = 0;
	struct run r = { 0 };
	int bad = 0;

	for (int i = 0; i < n; i++) {
		if (setup && system(setup) != 0) {
			fprintf(stderr, "lat: setup failed: %s\n", setup);
			return 1;
		}
		if (run(argv, &r))
			return 1;
		v[i] = r.ms;
		cpu[i] = r.cpu_ms;
		if (!i)
			first = r.ms;
		if (r.rss_kb > rss)
			rss = r.rss_kb;
		if (r.status && !bad)
			bad = r.status;
	}
	med = pct(v, (size_t)n, 0.5);    /* sorts v */
	printf("med %.3f min %.3f max %.3f first %.3f cpu %.3f rss %ld "
	       "bytes %zu exit %d\n", med, v[0], v[n - 1], first,
	       pct(cpu, (size_t)n, 0.5), rss, r.bytes, bad);
	free(v);
	free(cpu);
	return 0;
}

struct queries { char **q; size_t n; };

static int load_queries(const char *path, struct queries *qs)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f) {
		fprintf(stderr, "lat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		qs->q = realloc(qs->q, (qs->n + 1) * sizeof(*qs->q));
		qs->q[qs->n++] = strdup(line);
	}
	fclose(f);
	return qs->n ? 0 : -1;
}

/* argv for one query, per the substitution rules above; free with
 * free_argv. */
static char **subst(char **tmpl, const char *q)
{
	size_t cap = 64, n = 0;
	char **out = calloc(cap, sizeof(*out));

	for (; *tmpl; tmpl++) {
		const char *t = *tmpl, *at;

		if (!strcmp(t, "{-e}") || !strcmp(t, "{w}")) {
			char *copy = strdup(q), *save = NULL;

			for (char *w = strtok_r(copy, " ", &save); w && n + 3 < cap;
			     w = strtok_r(NULL, " ", &save)) {
				if (t[1] == '-')
					out[n++] = strdup("-e");
				out[n++] = strdup(w);
			}
			free(copy);
			continue;
		}
		at = strstr(t, "{}");
		if (at) {
			size_t len = strlen(t) + strlen(q);
			char *s = malloc(len + 1);

			snprintf(s, len + 1, "%.*s%s%s", (int)(at - t), t, q,
				 at + 2);
			out[n++] = s;
		} else {
			out[n++] = strdup(t);
		}
		if (n + 3 >= cap)
			break;
	}
	out[n] = NULL;
	return out;
}

static void free_argv(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int read_file(const char *path, size_t *bytes)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	*bytes = 0;
	if (fd < 0)
		return errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*bytes += (size_t)n;
	close(fd);
	return n < 0 ? errno : 0;
}

/* mode 0: exec tmpl per query; mode 1: read dir/<query> in-process */
static int cmd_queries(int rounds, const char *qfile, char **tmpl,
		       const char *dir)
{
	struct queries qs = { 0 };
	double *lat, *p50 = calloc((size_t)rounds, sizeof(double));
	double *p99 = calloc((size_t)rounds, sizeof(double));
	size_t hits = 0;
	int bad = 0;

	if (load_queries(qfile, &qs))
		return 1;
	lat = calloc(qs.n, sizeof(*lat));
	for (int r = 0; r < rounds; r++) {
		hits = 0;
		for (size_t i = 0; i < qs.n; i++) {
			struct run x = { 0 };

			if (dir) {
				char path[8192];
				double t0 = now_ms();

				snprintf(path, sizeof(path), "%s/%s", dir,
					 qs.q[i]);
				x.status = read_file(path, &x.bytes);
				x.ms = now_ms() - t0;
			} else {
				char **argv = subst(tmpl, qs.q[i]);
				int rc = run(argv, &x);

				free_argv(argv);
				if (rc)
					return 1;
			}
			lat[i] = x.ms;
			hits += x.bytes > 0;
			if (x.status && !bad)
				bad = x.status;
		}
		p50[r] = pct(lat, qs.n, 0.50);
		p99[r] = pct(lat, qs.n, 0.99);
		fprintf(stderr, "  round %d: p50 %.2f ms p99 %.2f ms\n", r + 1,
			p50[r], p99[r]);
	}
	{
		double m50 = pct(p50, (size_t)rounds, 0.5);
		double m99 = pct(p99, (size_t)rounds, 0.5);

		printf("p50 %.3f %.3f %.3f p99 %.3f %.3f %.3f hits %zu of %zu "
		       "exit %d\n", m50, p50[0], p50[rounds - 1], m99, p99[0],
		       p99[rounds - 1], hits, qs.n, bad);
	}
	for (size_t i = 0; i < qs.n; i++)
		free(qs.q[i]);
	free(qs.q);
	free(lat);
	free(p50);
	free(p99);
	return 0;
}

static int usage(void)
{
	fputs("usage: lat repeat N [-s SETUP] -- CMD...\n"
	      "       lat queries N QFILE -- CMD...\n"
	      "       lat read N QFILE DIR\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int n;

	if (argc < 4)
		return usage();
	n = atoi(argv[2]);
	if (n < 1)
		return usage();
	if (!strcmp(argv[1], "repeat")) {
		const char *setup = NULL;
		int i = 3;

		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			setup = argv[i + 1];
			i += 2;
		}
		if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
			return usage();
		return cmd_repeat(n, setup, argv + i + 1);
	}
	if (!strcmp(argv[1], "queries") && argc > 5 && !strcmp(argv[4], "--"))
		return cmd_queries(n, argv[3], argv + 5, NULL);
	if (!strcmp(argv[1], "read") && argc == 5)
		return cmd_queries(n, argv[3], NULL, argv[4]);
	return usage();
}

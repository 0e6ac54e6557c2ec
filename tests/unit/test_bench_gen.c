/* test_bench_gen.c: the benchmark corpus generator (tests/bench/gen.c) is
 * deterministic, and what it writes is what recallfs reads: every line is
 * JSON, and the Claude reader plus segmentation find exactly the number of
 * exchanges asked for.  The generator is compiled in, its main renamed. */
#define main gen_main
#include "../bench/gen.c"
#undef main

#include "common.h"
#include "t.h"

#include <dirent.h>
#include <cJSON.h>

#include "segment.h"
#include "tx.h"

static int gen_run(const char *dir, const char *n, const char *seed)
{
	char *argv[] = { "gen", "-n", (char *)n, "-s", (char *)seed, "-o",
			 (char *)dir, NULL };

	return gen_main(7, argv);
}

static int same_tree(const char *a, const char *b)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "diff -r -q '%s' '%s' >/dev/null", a, b);
	return system(cmd) == 0;
}

static void test_deterministic(void)
{
	char a[512], b[512], c[512], ta[600], tc[600];
	struct buf x = BUF_INIT(64u << 20), y = BUF_INIT(64u << 20);

	snprintf(a, sizeof(a), "%s/a", t_tmpdir());
	snprintf(b, sizeof(b), "%s/b", t_tmpdir());
	snprintf(c, sizeof(c), "%s/c", t_tmpdir());
	T_EQ(gen_run(a, "300", "7"), 0);
	T_EQ(gen_run(b, "300", "7"), 0);
	T_EQ(gen_run(c, "300", "8"), 0);
	T_CHECK(same_tree(a, b));
	T_CHECK(!same_tree(a, c));
	snprintf(ta, sizeof(ta), "%s/texts.csv", a);
	snprintf(tc, sizeof(tc), "%s/texts.csv", c);
	T_EQ(buf_read_file(&x, ta), 0);
	T_EQ(buf_read_file(&y, tc), 0);
	T_CHECK(x.len > 300 * 200);
	T_CHECK(x.len != y.len || memcmp(buf_str(&x), buf_str(&y), x.len));
	buf_release(&x);
	buf_release(&y);
}

/* Every line of path is a JSON object; returns the number of exchanges the
 * Claude reader and segmentation find in it, or -1. */
static long check_file(const char *path, size_t *bad_json)
{
	struct buf d = BUF_INIT(TX_MAX_FILE), err = BUF_INIT(256);
	struct tx_set set = TX_SET_INIT;
	long n = 0;

	if (buf_read_file(&d, path))
		return -1;
	for (const char *p = buf_str(&d); *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *j = cJSON_ParseWithLength(p, len);

		if (!cJSON_IsObject(j))
			(*bad_json)++;
		cJSON_Delete(j);
		p += len + (nl != NULL);
	}
	if (tx_read(path, buf_str(&d), d.len, TX_UNKNOWN, &set, &err)) {
		fprintf(stderr, "%s: %s\n", path, buf_str(&err));
		n = -1;
	}
	for (size_t i = 0; n >= 0 && i < set.n; i++) {
		struct seg_list l = SEG_LIST_INIT;

		seg_split(&set.conv[i], &l);
		n += (long)l.n;
		seg_list_release(&l);
	}
	T_EQ(set.format, TX_CLAUDE);
	tx_set_release(&set);
	buf_release(&d);
	buf_release(&err);
	return n;
}

static void test_readable(void)
{
	char root[300], pdir[320], path[900];
	long total = 0;
	size_t files = 0, bad_json = 0;
	DIR *top, *sub;
	struct dirent *e, *f;

	snprintf(root, sizeof(root), "%s/r", t_tmpdir());
	T_EQ(gen_run(root, "200", "3"), 0);
	snprintf(pdir, sizeof(pdir), "%s/projects", root);
	top = opendir(pdir);
	T_CHECK(top != NULL);
	while (top && (e = readdir(top))) {
		char d[600];

		if (e->d_name[0] == '.')
			continue;
		snprintf(d, sizeof(d), "%s/%s", pdir, e->d_name);
		sub = opendir(d);
		while (sub && (f = readdir(sub))) {
			long n;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", d, f->d_name);
			n = check_file(path, &bad_json);
			T_CHECK(n > 0);
			total += n > 0 ? n : 0;
			files++;
		}
		if (sub)
			closedir(sub);
	}
	if (top)
		closedir(top);
	T_CHECK(files >= 5);
	T_EQ(bad_json, 0);
	T_EQ(total, 200);
}

/* Every exchange the generator writes is stored: 3,000 asked, 3,000 found
 * (a session of one question and one answer used to be dropped). */
static void test_none_lost(void)
{
	char root[300], cmd[1400];
	FILE *f;
	long total = -1;

	snprintf(root, sizeof(root), "%s/n", t_tmpdir());
	T_EQ(gen_run(root, "3000", "42"), 0);
	snprintf(cmd, sizeof(cmd), "find '%s/projects' -name '*.jsonl' | sort",
		 root);
	f = popen(cmd, "r");
	T_CHECK(f != NULL);
	if (f) {
		char path[1000];
		size_t bad = 0;

		total = 0;
		while (fgets(path, sizeof(path), f)) {
			long n;

			path[strcspn(path, "\n")] = 0;
			n = check_file(path, &bad);
			T_CHECK(n > 0);
			total += n > 0 ? n : 0;
		}
		pclose(f);
	}
	T_EQ(total, 3000);
}

T_MAIN(test_deterministic, test_readable, test_none_lost)

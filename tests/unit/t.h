/* t.h: the unit-test harness.  A test file defines static void functions
 * and lists them in T_MAIN; each check counts as passed or failed, and the
 * binary ends with the line "N passed, N failed, N skipped" (exit 1 on any
 * failure).  A check that cannot run here calls T_SKIP(name, reason): one
 * line "SKIP name: reason", counted.
 *
 *   static void test_buf(void) { T_CHECK(x == 1); T_STREQ(s, "a"); }
 *   T_MAIN(test_buf, test_other)
 */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed, t_skipped;
static const char *t_current;

#define T_CHECK(cond) do { \
	if (cond) { t_passed++; } else { t_failed++; \
		fprintf(stderr, "FAIL %s:%d %s: %s\n", __FILE__, __LINE__, \
			t_current, #cond); } \
} while (0)

#define T_EQ(a, b) do { \
	long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ == t_b_) { t_passed++; } else { t_failed++; \
		fprintf(stderr, "FAIL %s:%d %s: %s == %s (%lld != %lld)\n", \
			__FILE__, __LINE__, t_current, #a, #b, t_a_, t_b_); } \
} while (0)

#define T_STREQ(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	if (t_a_ && t_b_ && !strcmp(t_a_, t_b_)) { t_passed++; } else { \
		t_failed++; fprintf(stderr, \
			"FAIL %s:%d %s: %s == %s (\"%s\" != \"%s\")\n", \
			__FILE__, __LINE__, t_current, #a, #b, \
			t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); } \
} while (0)

#define T_CONTAINS(hay, needle) do { \
	const char *t_h_ = (hay), *t_n_ = (needle); \
	if (t_h_ && strstr(t_h_, t_n_)) { t_passed++; } else { t_failed++; \
		fprintf(stderr, "FAIL %s:%d %s: \"%s\" in %s\n", __FILE__, \
			__LINE__, t_current, t_n_, #hay); } \
} while (0)

#define T_SKIP(name, reason) do { \
	t_skipped++; printf("SKIP %s: %s\n", (name), (reason)); \
} while (0)

typedef void (*t_fn)(void);

static inline int t_run(const char *file, const char *names, t_fn *fns,
			size_t n)
{
	char buf[4096];
	const char *p = names;

	(void)file;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (*p == ' ' || *p == ',')
			p++;
		while (*p && *p != ',' && k < sizeof(buf) - 1)
			buf[k++] = *p++;
		buf[k] = 0;
		t_current = buf;
		fns[i]();
	}
	printf("%d passed, %d failed, %d skipped\n", t_passed, t_failed,
	       t_skipped);
	return t_failed ? 1 : 0;
}

#define T_MAIN(...) \
	int main(void) { \
		t_fn t_fns_[] = { __VA_ARGS__ }; \
		return t_run(__FILE__, #__VA_ARGS__, t_fns_, \
			     sizeof(t_fns_) / sizeof(t_fns_[0])); \
	}

/* A fresh temp directory per test binary, removed by the runner. */
static inline const char *t_tmpdir(void)
{
	static char dir[256];

	if (!dir[0]) {
		const char *base = getenv("RECALLFS_TEST_TMP");

		snprintf(dir, sizeof(dir), "%s/unitXXXXXX", base ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return dir;
}

#endif

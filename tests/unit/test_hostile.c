/* test_hostile.c: the fuzzers' findings kept as regression tests, and the
 * limits a hostile writer cannot pass, each at its boundary.
 *
 * Every input in tests/fuzz/regress/TARGET-NAME is replayed through the
 * same code and invariants as the libFuzzer target TARGET (the targets'
 * sources are compiled in here with their assertions counted instead of
 * aborting), and so is every seed (tests/fixtures, tests/fuzz/seeds)
 * through every target.  A crash in any of them crashes this binary (ASan
 * reports it under `make sanitize`). */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

static int fuzz_failures;
#define FUZZ_ASSERT(c) do { if (!(c)) { fuzz_failures++; \
	fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, \
		__LINE__); } } while (0)

#define LLVMFuzzerTestOneInput fuzz_claude_one
#include "../fuzz/fuzz_claude.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_codex_one
#include "../fuzz/fuzz_codex.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_chat_one
#include "../fuzz/fuzz_chat.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_text_one
#include "../fuzz/fuzz_text.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_detect_one
#include "../fuzz/fuzz_detect.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_pipeline_one
#include "../fuzz/fuzz_pipeline.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_query_one
#include "../fuzz/fuzz_query.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_llm_one
#include "../fuzz/fuzz_llm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_files_one
#include "../fuzz/fuzz_files.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_redact_one
#include "../fuzz/fuzz_redact.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *, size_t);

static const struct {
	const char *name;
	fuzz_fn fn;
} targets[] = {
	{ "claude", fuzz_claude_one }, { "codex", fuzz_codex_one },
	{ "chat", fuzz_chat_one }, { "text", fuzz_text_one },
	{ "detect", fuzz_detect_one }, { "pipeline", fuzz_pipeline_one },
	{ "query", fuzz_query_one }, { "llm", fuzz_llm_one },
	{ "files", fuzz_files_one }, { "redact", fuzz_redact_one },
};

/* The repository's tests/DIR, from the root (tests/run.sh) or from
 * build/tests. */
static const char *tests_dir(const char *sub, char *out, size_t n)
{
	static const char *const roots[] = { ".", "../..", "../../.." };

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		DIR *d;

		snprintf(out, n, "%s/tests/%s", roots[i], sub);
		if ((d = opendir(out))) {
			closedir(d);
			return out;
		}
	}
	return NULL;
}

/* Runs fn on the file; 1 when every invariant held. */
static int replay(fuzz_fn fn, const char *path)
{
	struct buf b = BUF_INIT(16u << 20);

	if (buf_read_file(&b, path)) {
		fprintf(stderr, "cannot read %s\n", path);
		return 0;
	}
	fuzz_failures = 0;
	fn((const uint8_t *)buf_str(&b), b.len);
	buf_release(&b);
	if (fuzz_failures)
		fprintf(stderr, "  ... replaying %s\n", path);
	return fuzz_failures == 0;
}

static fuzz_fn target_of(const char *file)
{
	size_t n = strcspn(file, "-");

	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		if (strlen(targets[i].name) == n &&
		    !strncmp(file, targets[i].name, n))
			return targets[i].fn;
	return NULL;
}

/* Every kept crash input, through its own target. */
static void test_fuzz_regressions(void)
{
	char dir[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	T_CHECK(tests_dir("fuzz/regress", dir, sizeof(dir)) != NULL);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char path[1024];
		fuzz_fn fn;

		if (de->d_name[0] == '.')
			continue;
		fn = target_of(de->d_name);
		T_CHECK(fn != NULL);    /* named TARGET-... */
		if (!fn)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		T_CHECK(replay(fn, path));
		n++;
	}
	closedir(d);
	T_CHECK(n >= 1);
}

/* Every file under tests/DIR through every target. */
static int replay_all(const char *sub)
{
	char dir[512];
	struct dirent *de;
	DIR *d;
	int n = 0, bad = 0;

	if (!tests_dir(sub, dir, sizeof(dir)) || !(d = opendir(dir)))
		return -1;
	while ((de = readdir(d))) {
		char path[1024];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
			bad += !replay(targets[i].fn, path);
		n++;
	}
	closedir(d);
	return bad ? -bad : n;
}

static void test_seeds_through_every_target(void)
{
	T_CHECK(replay_all("fixtures/tx") > 3);
	T_CHECK(replay_all("fixtures/mount") > 2);
	T_CHECK(replay_all("fuzz/seeds/query") > 2);
	T_CHECK(replay_all("fuzz/seeds/llm") > 2);
}

/* ---- limits, each at its boundary ---- */

static int read_tx(const char *s, size_t n, struct buf *err)
{
	struct tx_set set = TX_SET_INIT;
	int rc;

	buf_reset(err);
	rc = tx_read("limit", s, n, TX_UNKNOWN, &set, err);
	tx_set_release(&set);
	return rc;
}

/* "[" * depth + "]" * depth */
static char *nested(size_t depth)
{
	char *s = xmalloc(2 * depth + 1);

	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = 0;
	return s;
}

static void test_limit_depth(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	char *at = nested(TX_MAX_DEPTH), *past = nested(TX_MAX_DEPTH + 1);
	char *deep = nested(100000);

	T_EQ(read_tx(at, strlen(at), &err), -EILSEQ);   /* JSON, no tx */
	T_EQ(read_tx(past, strlen(past), &err), -E2BIG);
	T_CONTAINS(buf_str(&err), "nested deeper than 512 levels");
	T_EQ(read_tx(deep, strlen(deep), &err), -E2BIG);
	T_CHECK(!strchr(buf_str(&err), '\n'));
	free(at);
	free(past);
	free(deep);
	buf_release(&err);
}

/* A text transcript of n plies. */
static char *plies(size_t n, size_t *len)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	for (size_t i = 0; i < n; i++)
		buf_adds(&b, i % 2 ? "Assistant: because of the cache\n" :
			 "User: why is it slow\n");
	*len = b.len;
	return buf_detach(&b);
}

static void test_limit_plies(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	size_t n;
	char *at = plies(TX_MAX_MSGS, &n);
	struct tx_set set = TX_SET_INIT;

	T_EQ(tx_read("limit", at, n, TX_UNKNOWN, &set, &err), 0);
	T_EQ(set.n, 1);
	T_EQ(set.n ? set.conv[0].nmsg : 0, TX_MAX_MSGS);
	tx_set_release(&set);
	free(at);
	at = plies(TX_MAX_MSGS + 1, &n);
	T_EQ(read_tx(at, n, &err), -E2BIG);
	T_CONTAINS(buf_str(&err), "more than 200000 messages");
	free(at);
	buf_release(&err);
}

static void test_limit_file_and_line(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	static const char tiny[] = "User: a\nAssistant: b\n";

	/* the size is refused before a byte is looked at */
	T_EQ(read_tx(tiny, (size_t)TX_MAX_FILE + 1, &err), -E2BIG);
	T_CONTAINS(buf_str(&err), "256 MB transcript limit");
	T_EQ(TX_MAX_LINE, 64u << 20);   /* the CLI suite feeds 100 MB */
	buf_release(&err);
}

static int parse_q(const char *s, struct buf *err)
{
	struct idx_query q;
	int rc;

	buf_reset(err);
	rc = idx_query_parse(s, 0, &q, err);
	idx_query_release(&q);
	return rc;
}

static void test_limit_query(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL), q = BUF_INIT(BUF_MAX_TEXT);

	for (int i = 0; q.len < IDX_QUERY_MAX; i++)     /* 32 long words */
		buf_addc(&q, i % 128 == 127 ? ' ' : 'a');
	T_EQ(q.len, IDX_QUERY_MAX);
	T_EQ(parse_q(buf_str(&q), &err), 0);
	buf_addc(&q, 'x');
	T_EQ(parse_q(buf_str(&q), &err), -EINVAL);
	T_CONTAINS(buf_str(&err), "longer than 4096 bytes");
	buf_reset(&q);
	for (int i = 0; i < IDX_TERMS_MAX; i++)
		buf_addf(&q, "w%d ", i);
	T_EQ(parse_q(buf_str(&q), &err), 0);
	buf_adds(&q, "one-more");
	T_EQ(parse_q(buf_str(&q), &err), -EINVAL);
	T_EQ(parse_q("limit:1000 x", &err), 0);
	T_EQ(parse_q("limit:1001 x", &err), -EINVAL);
	T_EQ(parse_q("limit:99999999999999999999999 x", &err), -EINVAL);
	T_CHECK(!strchr(buf_str(&err), '\n'));
	buf_release(&q);
	buf_release(&err);
}

static void test_buf_cap(void)
{
	struct buf b = BUF_INIT(8);

	T_EQ(buf_adds(&b, "12345678"), 0);
	T_EQ(buf_adds(&b, "9"), -E2BIG);
	T_EQ(b.len, 8);
	T_STREQ(buf_str(&b), "12345678");
	buf_release(&b);
}

T_MAIN(test_fuzz_regressions, test_seeds_through_every_target,
       test_limit_depth, test_limit_plies, test_limit_file_and_line,
       test_limit_query, test_buf_cap)

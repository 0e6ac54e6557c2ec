/* test_embed.c: the built-in embedder (deterministic, normalised, similar
 * texts closer than unrelated ones) and the HTTP embedder against the
 * loopback server build/tests/fake_embed_server (success in batches, error
 * status, malformed body, timeout, retry after 503). */
#include "common.h"
#include "embed.h"
#include "t.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The lexical built-in model whatever word-vector file is installed. */
__attribute__((constructor)) static void no_word_vectors(void)
{
	setenv("RECALLFS_EMBED_DATA", "none", 1);
}

static float dot(const float *a, const float *b, int n)
{
	float s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void test_builtin_basics(void)
{
	const char *texts[] = {
		"The upload retries failed with ETIMEDOUT after 30 seconds",
		"",
		"the a of and to",       /* stop words only */
	};
	struct emb *e = NULL;
	float *a = NULL, *b = NULL;
	int d;

	T_EQ(emb_open_builtin(&e), 0);
	T_CHECK(e != NULL);
	d = emb_dim(e);
	T_CHECK(d >= 64);
	T_CHECK(!strncmp(emb_model(e), "builtin-", 8));
	T_EQ(emb_embed_alloc(e, texts, 3, &a, NULL), 0);
	T_EQ(emb_embed_alloc(e, texts, 3, &b, NULL), 0);
	T_CHECK(!memcmp(a, b, 3 * (size_t)d * sizeof(float)));
	T_CHECK(fabsf(dot(a, a, d) - 1.0f) < 1e-4f);
	T_CHECK(dot(a + d, a + d, d) == 0.0f);      /* empty: zero vector */
	T_CHECK(dot(a + 2 * d, a + 2 * d, d) == 0.0f);
	free(a);
	free(b);
	emb_close(e);
}

static void test_builtin_determinism_across_handles(void)
{
	const char *t = "Ünïcödé naïve café résumé 東京 🚀 retry_timeout";
	struct emb *e1, *e2;
	float *a, *b;

	T_EQ(emb_open_builtin(&e1), 0);
	T_EQ(emb_open_builtin(&e2), 0);
	T_EQ(emb_embed_alloc(e1, &t, 1, &a, NULL), 0);
	T_EQ(emb_embed_alloc(e2, &t, 1, &b, NULL), 0);
	T_CHECK(!memcmp(a, b, (size_t)emb_dim(e1) * sizeof(float)));
	T_CHECK(fabsf(dot(a, a, emb_dim(e1)) - 1.0f) < 1e-4f);
	free(a);
	free(b);
	emb_close(e1);
	emb_close(e2);
}

static void test_builtin_similarity(void)
{
	const char *t[] = {
		"Caroline went to the LGBTQ support group meeting last week",
		"When did Caroline go to the LGBTQ support group?",
		"Melanie painted a sunrise over the lake in 2022",
		"The database migration failed with a constraint error",
		"Why did the migrations of the database fail?",
	};
	struct emb *e;
	float *v;
	int d;

	T_EQ(emb_open_builtin(&e), 0);
	d = emb_dim(e);
	T_EQ(emb_embed_alloc(e, t, 5, &v, NULL), 0);
	T_CHECK(dot(v + d, v, d) > dot(v + d, v + 2 * d, d) + 0.2f);
	T_CHECK(dot(v + d, v, d) > dot(v + d, v + 3 * d, d) + 0.2f);
	/* stemming: "migrations" / "fail" meet "migration" / "failed" */
	T_CHECK(dot(v + 4 * d, v + 3 * d, d) > dot(v + 4 * d, v, d) + 0.2f);
	T_CHECK(dot(v + 4 * d, v + 3 * d, d) > 0.3f);
	free(v);
	emb_close(e);
}

static void test_builtin_large_input(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	const char *t;
	struct emb *e;
	float *v;

	for (int i = 0; i < 200000; i++)
		buf_addf(&b, "w%d ", i % 977);
	buf_addc(&b, (char)0xff);        /* not UTF-8 */
	t = buf_str(&b);
	T_EQ(emb_open_builtin(&e), 0);
	{
		/* what a huge text leaves behind does not change the next */
		const char *small = "retry the flaky upload";
		float *s1, *s2;

		T_EQ(emb_embed_alloc(e, &small, 1, &s1, NULL), 0);
		T_EQ(emb_embed_alloc(e, &t, 1, &v, NULL), 0);
		T_EQ(emb_embed_alloc(e, &small, 1, &s2, NULL), 0);
		T_CHECK(!memcmp(s1, s2, (size_t)emb_dim(e) * sizeof(float)));
		free(s1);
		free(s2);
	}
	T_CHECK(fabsf(dot(v, v, emb_dim(e)) - 1.0f) < 1e-4f);
	free(v);
	emb_close(e);
	buf_release(&b);
}

/* ---- HTTP, against tests/helpers/fake_embed_server.c ---- */

static pid_t server_pid;
static int server_port;

static int start_server(const char *mode)
{
	char path[512], line[64];
	const char *bdir = getenv("RECALLFS_TEST_BUILD");
	int fd[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fake_embed_server",
		 bdir ? bdir : "build");
	if (access(path, X_OK) || pipe(fd))
		return -1;
	server_pid = fork();
	if (server_pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(path, path, mode, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	server_port = 0;
	if (f && fgets(line, sizeof(line), f))
		server_port = atoi(line);
	if (f)
		fclose(f);
	return server_port > 0 ? 0 : -1;
}

static int stop_server(void)
{
	int status = 0;

	kill(server_pid, SIGTERM);
	waitpid(server_pid, &status, 0);
	return status;
}

static struct emb *open_http(const char *key)
{
	char url[64];
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", server_port);
	T_EQ(emb_open_http(&e, url, "fake-model", key, &err), 0);
	buf_release(&err);
	return e;
}

static void test_http_success_batched(void)
{
	const char *t[70];
	char tb[70][32];
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e;
	float *v = NULL, *w = NULL;

	if (start_server("ok")) {
		T_CHECK(!"fake_embed_server did not start");
		return;
	}
	setenv("RECALLFS_EMBED_BATCH", "32", 1);
	for (int i = 0; i < 70; i++) {
		snprintf(tb[i], sizeof(tb[i]), "text number %d", i);
		t[i] = tb[i];
	}
	t[5] = "";
	e = open_http("sekrit-key");
	T_EQ(emb_dim(e), 0);
	T_EQ(emb_embed_alloc(e, t, 70, &v, &err), 0);
	T_STREQ(buf_str(&err), "");
	T_EQ(emb_dim(e), 8);
	T_STREQ(emb_model(e), "fake-model");
	/* The server's vector for text i starts with its length, then its
	 * index in the batch: rows come back in order across 3 batches. */
	for (int i = 0; i < 70 && v; i++) {
		float *r = v + i * 8, n = sqrtf(dot(r, r, 8));

		T_CHECK(fabsf(n - 1.0f) < 1e-4f);
		if (i == 5 || i == 33)
			T_CHECK(fabsf(r[1] / r[0] - (float)(i % 32) /
				      (float)strlen(t[i][0] ? t[i] : " ")) < 1e-4);
	}
	/* emb_embed into a caller's array now that the dimension is known */
	w = xcalloc(2 * 8, sizeof(float));
	T_EQ(emb_embed(e, t + 10, 2, w, &err), 0);
	T_CHECK(fabsf(w[8 + 1] / w[8] - 1.0f / (float)strlen(t[11])) < 1e-4);
	T_CHECK(fabsf(dot(w + 8, w + 8, 8) - 1.0f) < 1e-4f);
	free(w);
	free(v);
	emb_close(e);
	/* In "ok" mode the server answers 401 without the bearer key and
	 * exits 0 only if it served exactly 4 requests (3 batches + 1). */
	T_EQ(WEXITSTATUS(stop_server()), 0);
	buf_release(&err);
	unsetenv("RECALLFS_EMBED_BATCH");
}

static void expect_failure(const char *mode, const char *want, int rc_want)
{
	const char *t[] = { "hello world" };
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e;
	float *v = NULL;
	int rc;

	if (start_server(mode)) {
		T_CHECK(!"fake_embed_server did not start");
		return;
	}
	e = open_http("sekrit-key");
	rc = emb_embed_alloc(e, t, 1, &v, &err);
	printf("  %-10s -> %s\n", mode, buf_str(&err));
	T_EQ(rc, rc_want);
	T_CHECK(v == NULL);
	T_CONTAINS(buf_str(&err), want);
	T_CONTAINS(buf_str(&err), "127.0.0.1");
	T_CHECK(!strstr(buf_str(&err), "sekrit"));
	T_CHECK(!strchr(buf_str(&err), '\n'));
	T_CHECK(emb_error(e) && !strstr(emb_error(e), "sekrit"));
	setenv("RECALLFS_EMBED_RETRY_S", "0", 1);   /* forgotten at once */
	T_CHECK(emb_error(e) == NULL);
	unsetenv("RECALLFS_EMBED_RETRY_S");
	emb_close(e);
	stop_server();
	buf_release(&err);
}

static void test_http_errors(void)
{
	setenv("RECALLFS_EMBED_RETRIES", "2", 1);
	setenv("RECALLFS_EMBED_BACKOFF_MS", "10", 1);
	setenv("RECALLFS_EMBED_TIMEOUT_MS", "400", 1);
	expect_failure("status500", "HTTP 500", -EIO);
	expect_failure("status400", "HTTP 400", -EPROTO);
	expect_failure("status401", "HTTP 401", -EACCES);
	expect_failure("malformed", "malformed reply", -EPROTO);
	expect_failure("wrongcount", "malformed reply", -EPROTO);
	expect_failure("notjson", "malformed reply", -EPROTO);
	expect_failure("hang", "imeout", -ETIMEDOUT);
	expect_failure("huge", "too large", -E2BIG);
	unsetenv("RECALLFS_EMBED_TIMEOUT_MS");
}

static void test_http_retry_then_success(void)
{
	const char *t[] = { "abc" };
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e;
	float *v = NULL;

	setenv("RECALLFS_EMBED_RETRIES", "3", 1);
	setenv("RECALLFS_EMBED_BACKOFF_MS", "10", 1);
	if (start_server("flaky")) {       /* 503, 429, then 200 */
		T_CHECK(!"fake_embed_server did not start");
		return;
	}
	e = open_http(NULL);
	T_EQ(emb_embed_alloc(e, t, 1, &v, &err), 0);
	T_EQ(emb_dim(e), 8);
	free(v);
	emb_close(e);
	T_EQ(WEXITSTATUS(stop_server()), 0);
	buf_release(&err);
}

static void test_http_config_errors(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;

	T_EQ(emb_open_http(&e, "ftp://x", "m", NULL, &err), -EINVAL);
	T_CONTAINS(buf_str(&err), "RECALLFS_EMBED_URL");
	buf_reset(&err);
	T_EQ(emb_open_http(&e, "http://127.0.0.1:1", NULL, NULL, &err),
	     -EINVAL);
	T_CONTAINS(buf_str(&err), "RECALLFS_EMBED_MODEL");
	buf_reset(&err);
	setenv("RECALLFS_EMBED_URL", "http://user:pw@127.0.0.1:1/v1", 1);
	setenv("RECALLFS_EMBED_MODEL", "m", 1);
	setenv("RECALLFS_EMBED_RETRIES", "0", 1);
	T_EQ(emb_open(&e, &err), 0);
	{
		const char *t[] = { "x" };
		float *v = NULL;

		T_EQ(emb_embed_alloc(e, t, 1, &v, &err), -ECONNREFUSED);
		T_CONTAINS(buf_str(&err), "http://127.0.0.1:1/v1/embeddings");
		T_CHECK(!strstr(buf_str(&err), "pw"));
	}
	emb_close(e);
	unsetenv("RECALLFS_EMBED_URL");
	unsetenv("RECALLFS_EMBED_MODEL");
	buf_release(&err);
}

T_MAIN(test_builtin_basics, test_builtin_determinism_across_handles,
       test_builtin_similarity, test_builtin_large_input,
       test_http_success_batched, test_http_errors,
       test_http_retry_then_success, test_http_config_errors)

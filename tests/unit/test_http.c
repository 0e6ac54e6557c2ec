/* test_http.c: core/http.c, alone (retry delays, key scrubbing, error
 * excerpts, shown URLs, statuses to errno) and through its two clients:
 * the same failure set, over real loopback HTTP, is sent by http_send, by
 * the HTTP embedder and by the LLM distiller (tests/helpers/fake_llm.c;
 * openssl s_server for TLS), and each must end the same way: the same
 * errno, the same number of requests, one line that names the failure and
 * never the key. */
#include "common.h"
#include "embed.h"
#include "http.h"
#include "llm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "t.h"
#include "llm_fixture.h"

#define KEY "sk-test-key-42"    /* what fake_llm expects (llm_fixture.h) */

/* --- http.c alone ------------------------------------------------------- */

static void test_retry_delay(void)
{
	struct http_opts o = { .attempts = 10, .backoff_ms = 1000,
			       .max_wait_ms = 5000 };

	/* try n waits backoff * 2^(n-1), jittered to [half, whole] */
	T_EQ(http_retry_delay(&o, 1, -1, 0), 500);
	T_EQ(http_retry_delay(&o, 1, -1, 500), 1000);
	T_EQ(http_retry_delay(&o, 1, -1, 501), 500);
	T_EQ(http_retry_delay(&o, 2, -1, 1000), 2000);
	T_EQ(http_retry_delay(&o, 3, -1, 0), 2000);
	for (uint64_t r = 0; r < 2000; r += 7) {
		long d = http_retry_delay(&o, 4, -1, r);

		T_CHECK(d >= 4000 && d <= 8000);
	}
	/* capped at 60 s */
	T_EQ(http_retry_delay(&o, 9, -1, 30000), 60000);
	/* the server's Retry-After instead, plus at most 10% */
	T_EQ(http_retry_delay(&o, 1, 3000, 0), 3000);
	T_EQ(http_retry_delay(&o, 1, 3000, 300), 3300);
	T_EQ(http_retry_delay(&o, 1, 0, 12345), 0);
	/* a longer wait than max_wait_ms, or no tries left: give up */
	T_EQ(http_retry_delay(&o, 1, 6000, 0), -1);
	T_EQ(http_retry_delay(&o, 10, -1, 0), -1);
	o.attempts = 1;
	T_EQ(http_retry_delay(&o, 1, 100, 0), -1);
}

static void test_scrub(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	buf_adds(&b, "Bearer sk-1 was sk-1, not sk-");
	http_scrub(&b, "sk-1");
	T_STREQ(b.p, "Bearer [key] was [key], not sk-");
	http_scrub(&b, NULL);
	http_scrub(&b, "");
	T_STREQ(b.p, "Bearer [key] was [key], not sk-");
	buf_reset(&b);
	buf_adds(&b, "aaaa");
	http_scrub(&b, "aa");
	T_STREQ(b.p, "[key][key]");
	http_scrub(&b, "key");  /* a key the mask itself holds */
	T_STREQ(b.p, "[[key]][[key]]");
	buf_release(&b);
}

static void test_excerpt(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL), body = BUF_INIT(4096);

	http_excerpt(&b, "", 0);
	T_STREQ(buf_str(&b), "");
	http_excerpt(&b, "{\"error\":\n\t\"x\"}", 15);
	T_STREQ(b.p, ": {\"error\":  \"x\"}");
	/* 159 ASCII bytes then "é": cut before the two-byte sequence */
	for (int i = 0; i < 159; i++)
		buf_addc(&body, 'a');
	buf_adds(&body, "\xc3\xa9 and more");
	buf_reset(&b);
	http_excerpt(&b, body.p, body.len);
	T_EQ(b.len, 2 + 159 + 3);
	T_CHECK(!strstr(b.p, "\xc3"));
	T_CONTAINS(b.p, "a...");
	buf_release(&body);
	buf_release(&b);
}

static void test_shown_url(void)
{
	char *u = http_shown_url("https://me:pw@api.example/v1/embeddings");

	T_STREQ(u, "https://api.example/v1/embeddings");
	free(u);
	u = http_shown_url("http://127.0.0.1:8080/v1/a@b");
	T_STREQ(u, "http://127.0.0.1:8080/v1/a@b");
	free(u);
}

static void test_status_errno(void)
{
	static const struct { long status; int e; } m[] = {
		{ 200, 0 }, { 204, 0 }, { 400, EPROTO }, { 401, EACCES },
		{ 403, EACCES }, { 404, ENOENT }, { 408, ETIMEDOUT },
		{ 413, E2BIG }, { 429, EAGAIN }, { 500, EIO }, { 503, EIO },
		{ 302, EPROTO }, { 0, EPROTO },
	};

	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		T_EQ(err_from_http(m[i].status), m[i].e);
}

/* --- the failure set, through all three ----------------------------------- */

struct fcase {
	const char *mode;       /* fake_llm's behaviour */
	int err;                /* http_send's -errno */
	int emb_err;            /* the embedder's */
	int llm_state;          /* the exchange after the LLM run */
	int requests;           /* sent by each client */
	const char *says;       /* in each error line (NULL: no error) */
	const char *emb_says, *llm_says;        /* where they differ */
};

static const struct fcase fcases[] = {
	{ "good", 0, 0, STORE_DONE, 1, NULL, NULL, NULL },
	{ "malformed", 0, -EPROTO, STORE_FAILED, 1, NULL, "malformed reply",
	  "reply rejected" },
	{ "r429", 0, 0, STORE_DONE, 2, NULL, NULL, NULL },
	{ "r500", 0, 0, STORE_DONE, 2, NULL, NULL, NULL },
	{ "closeonce", 0, 0, STORE_DONE, 2, NULL, NULL, NULL },
	{ "always500", -EIO, -EIO, STORE_FAILED, 3, "after 3 tries", NULL,
	  NULL },
	{ "hang", -ETIMEDOUT, -ETIMEDOUT, STORE_FAILED, 1, "timeout", NULL,
	  NULL },
	{ "e404", -ENOENT, -ENOENT, STORE_FAILED, 1, "HTTP 404", NULL, NULL },
	{ "e413", -E2BIG, -E2BIG, STORE_FAILED, 1, "HTTP 413", NULL, NULL },
	{ "huge", -E2BIG, -E2BIG, STORE_FAILED, 1, "reply too large", NULL,
	  NULL },
	{ "echo401", -EACCES, -EACCES, STORE_FAILED, 1, "[key]", NULL, NULL },
};

static void opts_for(struct http_opts *o, const char *url)
{
	memset(o, 0, sizeof(*o));
	o->url = url;
	o->key = KEY;
	o->connect_timeout_ms = 1000;
	o->timeout_ms = 1500;
	o->attempts = 3;
	o->backoff_ms = 50;
	o->max_wait_ms = 5000;
	o->max_reply = 1u << 20;
	o->parallel = 1;
}

static void embed_env(void)
{
	setenv("RECALLFS_EMBED_TIMEOUT_MS", "1500", 1);
	setenv("RECALLFS_EMBED_RETRIES", "2", 1);
	setenv("RECALLFS_EMBED_BACKOFF_MS", "50", 1);
	setenv("RECALLFS_EMBED_BATCH", "1", 1);
}

static void embed_env_clear(void)
{
	unsetenv("RECALLFS_EMBED_TIMEOUT_MS");
	unsetenv("RECALLFS_EMBED_RETRIES");
	unsetenv("RECALLFS_EMBED_BACKOFF_MS");
	unsetenv("RECALLFS_EMBED_BATCH");
}

/* The error line holds what it should and never the key. */
static void check_line(const char *who, const char *mode, const char *line,
		       const char *want)
{
	if (want && !strstr(line, want))
		fprintf(stderr, "  %s %s: \"%s\" not in: %s\n", who, mode, want,
			line);
	if (want)
		T_CONTAINS(line, want);
	T_CHECK(!strstr(line, KEY));
	T_CHECK(!strchr(line, '\n'));
}

static void run_http(const struct fcase *c, const char *base, int64_t *ms)
{
	struct http_pool p;
	struct http_opts o;
	struct http_req r;
	struct buf url = BUF_INIT(BUF_MAX_SMALL);
	int64_t t0 = now_ms();

	buf_addf(&url, "%s/chat/completions", base);
	opts_for(&o, url.p);
	http_pool_init(&p, &o);
	http_req_init(&r, NULL, NULL);
	{
		struct buf b = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&b, "{\"text\": \"fakellm:%s.http\"}", c->mode);
		http_req_set_body(&r, buf_detach(&b));
	}
	T_EQ(http_send(&p, &r), c->err);
	*ms = now_ms() - t0;
	T_EQ(r.tries, c->requests);
	if (!c->err)
		T_CHECK(r.status >= 200 && r.status < 300 && r.reply.len > 0);
	else
		check_line("http", c->mode, buf_str(&r.why), c->says);
	http_req_release(&r);
	http_pool_release(&p);
	buf_release(&url);
}

static void run_embed(const struct fcase *c, const char *base, int64_t *ms)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL), text = BUF_INIT(256);
	struct emb *e = NULL;
	float *v = NULL;
	const char *t[1];
	int64_t t0;

	buf_addf(&text, "fakellm:%s.emb", c->mode);
	t[0] = text.p;
	T_EQ(emb_open_http(&e, base, "m", KEY, &err), 0);
	t0 = now_ms();
	T_EQ(emb_embed_alloc(e, t, 1, &v, &err), c->emb_err);
	*ms = now_ms() - t0;
	if (!c->emb_err) {
		T_EQ(emb_dim(e), 4);
	} else {
		check_line("embedder", c->mode, buf_str(&err),
			   c->emb_says ? c->emb_says : c->says);
		T_CONTAINS(buf_str(&err), "embedder http");
		T_CONTAINS(buf_str(&err), "://127.0.0.1:");
	}
	free(v);
	emb_close(e);
	buf_release(&text);
	buf_release(&err);
}

static void run_llm(const struct fcase *c, struct store *st,
		    const char *base, int n, int64_t *ms)
{
	struct llm_config cfg;
	struct llm_report rep;
	char marker[64];
	int64_t id, t0;

	snprintf(marker, sizeof(marker), "fakellm:%s.llm", c->mode);
	id = put(st, "c1", n, marker, STORE_PENDING);
	cfg_for(&cfg, 0);
	free(cfg.url);
	cfg.url = xstrdup(base);
	llm_report_init(&rep);
	t0 = now_ms();
	T_EQ(llm_process_pending(st, &cfg, 0, NULL, NULL, &rep), 0);
	*ms = now_ms() - t0;
	T_EQ(qnum(st, "SELECT state FROM exchanges WHERE id=?", id),
	     c->llm_state);
	T_EQ(rep.requests, c->requests);
	if (c->llm_state == STORE_FAILED)
		check_line("llm", c->mode, buf_str(&rep.first_error),
			   c->llm_says ? c->llm_says : c->says);
	llm_report_release(&rep);
	llm_config_release(&cfg);
}

static void test_failure_set(void)
{
	struct fake f;
	struct store st;
	static const char *const who[] = { "http", "emb", "llm" };
	char base[64], m[80];

	T_EQ(fake_start(&f, "http"), 0);
	open_store(&st, "http.db");
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1", f.port);
	embed_env();
	for (size_t i = 0; i < ARRAY_SIZE(fcases); i++) {
		const struct fcase *c = &fcases[i];
		int64_t ms[3];

		run_http(c, base, &ms[0]);
		run_embed(c, base, &ms[1]);
		run_llm(c, &st, base, (int)i, &ms[2]);
		printf("  %-10s http %lld ms, embedder %lld ms, llm %lld ms\n",
		       c->mode, (long long)ms[0], (long long)ms[1],
		       (long long)ms[2]);
		/* The same number of requests reached the server. */
		for (int k = 0; k < 3; k++) {
			snprintf(m, sizeof(m), "marker=fakellm:%s.%s ", c->mode,
				 who[k]);
			T_EQ(fake_count(&f, m), c->requests);
			/* Retry-After: 1 was waited out; else each retry
			 * waited at least half its backoff (25, 50 ms). */
			if (!strcmp(c->mode, "r429"))
				T_CHECK(ms[k] >= 1000);
			else
				T_CHECK(ms[k] >= 25 * ((1 << (c->requests - 1))
						       - 1));
		}
	}
	/* Every request carried the key, and only in its header. */
	T_EQ(fake_count(&f, "auth=ok"), fake_count(&f, "req="));
	embed_env_clear();
	store_close(&st);
	fake_stop(&f);
}

/* One case by all three, each against a fresh store for the LLM. */
static void run_three(const struct fcase *c, const char *base,
		      const char *db, int64_t ms[3])
{
	struct store st;

	embed_env();
	run_http(c, base, &ms[0]);
	run_embed(c, base, &ms[1]);
	open_store(&st, db);
	run_llm(c, &st, base, 0, &ms[2]);
	store_close(&st);
	embed_env_clear();
}

/* Nobody listens: refused, retried with backoff, then one line. */
static void test_refused(void)
{
	struct fcase c = { "refused", -ECONNREFUSED, -ECONNREFUSED,
			   STORE_FAILED, 3, "127.0.0.1", NULL, NULL };
	char base[64];
	int64_t ms[3];

	snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1", free_port());
	run_three(&c, base, "refused-http.db", ms);
	/* Two backoffs of at least 25 and 50 ms: the embedder retried too
	 * (nothing else tells, with nobody there to count). */
	T_CHECK(ms[1] >= 75);
	printf("  refused: http %lld ms, embedder %lld ms, llm %lld ms\n",
	       (long long)ms[0], (long long)ms[1], (long long)ms[2]);
}

/* --- TLS: a self-signed server is refused by all three ------------------- */

static pid_t tls_start(int *port)
{
	char cmd[2048], cert[512], key[512], p[16];
	const char *d = t_tmpdir();

	snprintf(cert, sizeof(cert), "%s/tls-cert.pem", d);
	snprintf(key, sizeof(key), "%s/tls-key.pem", d);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 "
		 "-days 1 -keyout %s -out %s >/dev/null 2>&1", key, cert);
	if (system(cmd) != 0)
		return -1;
	for (int attempt = 0; attempt < 5; attempt++) {
		pid_t pid;
		int fd;

		*port = free_port();
		snprintf(p, sizeof(p), "127.0.0.1:%d", *port);
		pid = fork();
		if (pid == 0) {
			fd = open("/dev/null", O_RDWR);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			execlp("openssl", "openssl", "s_server", "-quiet", "-www",
			       "-accept", p, "-cert", cert, "-key", key,
			       (char *)NULL);
			_exit(127);
		}
		for (int i = 0; i < 50; i++) {
			struct sockaddr_in a = { 0 };
			int s = socket(AF_INET, SOCK_STREAM, 0), ok;

			a.sin_family = AF_INET;
			a.sin_port = htons((uint16_t)*port);
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			ok = !connect(s, (struct sockaddr *)&a, sizeof(a));
			close(s);
			if (ok)
				return pid;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break;
			usleep(100000);
		}
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static void test_tls_refused(void)
{
	struct fcase c = { "tls", -EPROTO, -EPROTO, STORE_FAILED, 1,
			   "certificate", NULL, NULL };
	char base[64];
	int port = 0;
	int64_t ms[3];
	pid_t pid;

	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		T_SKIP("self-signed TLS refused", "openssl not installed");
		return;
	}
	pid = tls_start(&port);
	T_CHECK(pid > 0);
	if (pid <= 0)
		return;
	snprintf(base, sizeof(base), "https://127.0.0.1:%d/v1", port);
	run_three(&c, base, "tls.db", ms);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

T_MAIN(test_retry_delay, test_scrub, test_excerpt, test_shown_url,
       test_status_errno, test_failure_set, test_refused, test_tls_refused)

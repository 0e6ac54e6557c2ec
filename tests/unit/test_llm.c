/* test_llm.c: the LLM distiller: reply parsing and validation, the request
 * body, configuration, and whole runs against the
 * loopback fake_llm server (tests/helpers/fake_llm.c): good replies fill,
 * bad ones mark the exchange failed with its heuristic fields kept,
 * 429/500 are retried, hangs time out, huge bodies fail fast, a refused
 * connection marks, the cache saves a second request, and every exchange
 * stays searchable throughout. */
#include "common.h"
#include "llm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "llm_fixture.h"

static const char verbatim[] =
	"user: the upload times out after 30 s, raise RETRY_MAX in "
	"core/upload.c\n\nassistant: Raised RETRY_MAX from 3 to 5.\n"
	"  > Edit: core/upload.c";

static const char good[] =
	"{\"exchange_core\": \"Raised RETRY_MAX from 3 to 5 in core/upload.c.\","
	" \"specific_context\": \"RETRY_MAX from 3 to 5\","
	" \"room_assignments\": [{\"room_type\": \"file\", \"room_key\":"
	" \"core/upload.c\", \"room_label\": \"upload\", \"relevance\": 0.9},"
	" {\"room_type\": \"concept\", \"room_key\": \"Retry Limit!\","
	" \"room_label\": \"retry limit\", \"relevance\": 1.7}]}";

static int parse(const char *content, struct distill *d, struct buf *why)
{
	buf_reset(why);
	return llm_parse_fields(content, verbatim, "heuristic ctx", d, why);
}

static void test_parse_good(void)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL), fenced = BUF_INIT(4096);
	struct distill d;

	T_EQ(parse(good, &d, &why), 0);
	T_STREQ(d.core, "Raised RETRY_MAX from 3 to 5 in core/upload.c.");
	T_STREQ(d.context, "RETRY_MAX from 3 to 5");
	T_STREQ(d.distiller, "llm");
	T_EQ(d.nrooms, 2);
	T_EQ(d.rooms[0].type, ROOM_FILE);
	T_STREQ(d.rooms[0].key, "core/upload.c");
	T_STREQ(d.rooms[1].key, "retry_limit");
	T_CHECK(d.rooms[1].relevance == 1.0);
	T_EQ(d.files.n, 0);
	distill_release(&d);

	buf_addf(&fenced, "Here you go:\n```json\n%s\n```\n", good);
	T_EQ(parse(fenced.p, &d, &why), 0);
	T_STREQ(d.context, "RETRY_MAX from 3 to 5");
	distill_release(&d);
	buf_reset(&fenced);
	buf_addf(&fenced, "Sure! %s Anything else?", good);
	T_EQ(parse(fenced.p, &d, &why), 0);
	T_EQ(d.nrooms, 2);
	distill_release(&d);
	buf_release(&fenced);
	buf_release(&why);
}

static void test_parse_context(void)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	struct distill d;
	const char *invented =
		"{\"exchange_core\": \"Raised the cap.\", \"specific_context\":"
		" \"MAX_RETRIES=7\", \"room_assignments\": [{\"room_type\":"
		" \"concept\", \"room_key\": \"retry_limit\", \"room_label\":"
		" \"\", \"relevance\": 0.5}]}";
	const char *quoted =
		"{\"exchange_core\": \"Raised the cap.\", \"specific_context\":"
		" \"`core/upload.c`\", \"room_assignments\": [{\"room_type\":"
		" \"workflow\", \"room_key\": \"retry_limit\", \"room_label\":"
		" \"x\", \"relevance\": 0}]}";

	T_EQ(parse(invented, &d, &why), 0);
	T_STREQ(d.context, "heuristic ctx");
	T_STREQ(d.rooms[0].label, "retry_limit");
	distill_release(&d);
	T_EQ(parse(quoted, &d, &why), 0);
	T_STREQ(d.context, "core/upload.c");
	distill_release(&d);
	buf_release(&why);
}

static void test_parse_secrets(void)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	struct distill d;
	const char *v = "user: set OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx123 in"
		" the env\n\nassistant: done, exported it in .envrc";
	const char *c = "{\"exchange_core\": \"Exported sk-abcdefghijklmnopqrstuvwx123"
		" in .envrc.\", \"specific_context\": \"sk-abcdefghijklmnopqrstuvwx123\","
		" \"room_assignments\": [{\"room_type\": \"concept\", \"room_key\":"
		" \"sk-abcdefghijklmnopqrstuvwx123\", \"room_label\": \"key"
		" sk-abcdefghijklmnopqrstuvwx123\", \"relevance\": 1}]}";

	T_EQ(llm_parse_fields(c, v, "heuristic ctx", &d, &why), 0);
	T_CHECK(strstr(d.core, "sk-abc") == NULL);
	T_CONTAINS(d.core, "[REDACTED]");
	T_STREQ(d.context, "heuristic ctx");
	T_CHECK(strstr(d.rooms[0].key, "sk-abc") == NULL);
	T_CHECK(strstr(d.rooms[0].label, "sk-abc") == NULL);
	distill_release(&d);
	buf_release(&why);
}

static void test_parse_bad(void)
{
	static const char *const bad[] = {
		"not json at all",
		"{\"exchange_core\": 5, \"specific_context\": \"\","
		" \"room_assignments\": []}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": []}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": [{\"room_type\": \"topic\", \"room_key\":"
		" \"a\", \"room_label\": \"a\", \"relevance\": 1}]}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": [{\"room_key\": \"a\", \"room_label\":"
		" \"a\", \"relevance\": 1}]}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": [{\"room_type\": \"file\", \"room_key\":"
		" \"a\", \"room_label\": \"a\", \"relevance\": \"high\"}]}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": [{\"room_type\": \"file\", \"room_key\":"
		" \"!!!\", \"room_label\": \"a\", \"relevance\": 1}]}",
		"{\"exchange_core\": \"\", \"specific_context\": \"\","
		" \"room_assignments\": [{\"room_type\": \"file\", \"room_key\":"
		" \"a\", \"room_label\": \"a\", \"relevance\": 1}]}",
		"{\"exchange_core\": \"ok\", \"room_assignments\": [{\"room_type\":"
		" \"file\", \"room_key\": \"a\", \"room_label\": \"a\","
		" \"relevance\": 1}]}",
		"{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		" \"room_assignments\": {\"room_type\": \"file\"}}",
	};
	struct buf why = BUF_INIT(BUF_MAX_SMALL), four = BUF_INIT(8192);
	struct distill d;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		T_EQ(parse(bad[i], &d, &why), -EBADMSG);
		T_CHECK(why.len > 0);
		T_CHECK(d.core == NULL && d.nrooms == 0);
	}
	buf_adds(&four, "{\"exchange_core\": \"ok\", \"specific_context\": \"\","
		 " \"room_assignments\": [");
	for (int i = 0; i < 4; i++)
		buf_addf(&four, "%s{\"room_type\": \"file\", \"room_key\": \"k%d\","
			 " \"room_label\": \"a\", \"relevance\": 1}", i ? "," : "",
			 i);
	buf_adds(&four, "]}");
	T_EQ(parse(four.p, &d, &why), -EBADMSG);
	T_CONTAINS(why.p, "1 to 3");
	buf_reset(&four);
	buf_adds(&four, "{\"exchange_core\": \"");
	for (int i = 0; i < 700; i++)
		buf_addc(&four, 'a');
	buf_adds(&four, "\", \"specific_context\": \"\", \"room_assignments\":"
		 " [{\"room_type\": \"file\", \"room_key\": \"a\","
		 " \"room_label\": \"a\", \"relevance\": 1}]}");
	T_EQ(parse(four.p, &d, &why), -EBADMSG);
	T_CONTAINS(why.p, "too long");
	buf_release(&four);
	buf_release(&why);
}

static void test_reply_content(void)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	char *c = NULL;
	const char *s = "{\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\":1}\"}}]}";
	const char *o = "{\"choices\":[{\"message\":{\"content\":{\"a\":1}}}]}";

	T_EQ(llm_reply_content(s, strlen(s), &c, &why), 0);
	T_STREQ(c, "{\"a\":1}");
	free(c);
	T_EQ(llm_reply_content(o, strlen(o), &c, &why), 0);
	T_STREQ(c, "{\"a\":1}");
	free(c);
	T_EQ(llm_reply_content("{\"choices\": [", 13, &c, &why), -EBADMSG);
	T_CHECK(c == NULL);
	T_EQ(llm_reply_content("{\"choices\": []}", 15, &c, &why), -EBADMSG);
	buf_release(&why);
}

static void test_request_body(void)
{
	struct llm_config cfg;
	struct buf big = BUF_INIT(BUF_MAX_TEXT);
	char k1[HASH_HEX_LEN + 1], k2[HASH_HEX_LEN + 1], *b;

	llm_config_init(&cfg);
	free(cfg.model);
	cfg.model = xstrdup("tiny-model");
	b = llm_request_body(&cfg, verbatim, 0);
	T_CHECK(strstr(b, "response_format") == NULL);
	free(b);
	b = llm_request_body(&cfg, verbatim, 1);
	T_CONTAINS(b, "\"model\":\"tiny-model\"");
	T_CONTAINS(b, "\"response_format\":{\"type\":\"json_schema\"");
	T_CONTAINS(b, "\"enum\":[\"file\",\"concept\",\"workflow\"]");
	T_CONTAINS(b, "\"maxItems\":3");
	T_CONTAINS(b, "RETRY_MAX from 3 to 5");
	free(b);
	for (int i = 0; i < 10000; i++)
		buf_addf(&big, "word%05d ", i);
	cfg.max_chars = 2000;
	b = llm_request_body(&cfg, big.p, 1);
	T_CONTAINS(b, "word00000");
	T_CONTAINS(b, "word09999");
	T_CONTAINS(b, "bytes left out");
	T_CHECK(strstr(b, "word05000") == NULL);
	T_CHECK(strlen(b) < 2000 + 4000);
	free(b);
	llm_cache_key(&cfg, verbatim, k1);
	free(cfg.model);
	cfg.model = xstrdup("other-model");
	llm_cache_key(&cfg, verbatim, k2);
	T_CHECK(strcmp(k1, k2) != 0);
	llm_cache_key(&cfg, verbatim, k1);
	T_STREQ(k1, k2);
	buf_release(&big);
	llm_config_release(&cfg);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	T_CHECK(fd >= 0);
	T_EQ(write(fd, text, strlen(text)), (long)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void clear_env(void)
{
	static const char *const v[] = {
		"RECALLFS_LLM_URL", "RECALLFS_LLM_MODEL", "RECALLFS_LLM_KEY",
		"RECALLFS_LLM_PARALLEL", "RECALLFS_LLM_TIMEOUT_MS",
		"RECALLFS_LLM_ATTEMPTS", "RECALLFS_DISTILLER",
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		unsetenv(v[i]);
}

static void test_config(void)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);
	struct llm_config cfg;

	clear_env();
	buf_addf(&path, "%s/config", t_tmpdir());
	setenv("RECALLFS_CONFIG", path.p, 1);
	T_EQ(llm_config_load(&cfg, &err), -ENOENT);
	T_CONTAINS(err.p, "RECALLFS_LLM_URL");
	llm_config_release(&cfg);

	write_file(path.p, "# mine\nembed_url=x\nllm_url = http://h:1/v1/\n"
		   "llm_model=m1\nllm_key=sk-secret-123\nllm_parallel=2\n", 0644);
	buf_reset(&err);
	T_EQ(llm_config_load(&cfg, &err), -EACCES);
	T_CONTAINS(err.p, "chmod 600");
	T_CHECK(strstr(err.p, "sk-secret-123") == NULL);
	llm_config_release(&cfg);

	chmod(path.p, 0600);
	buf_reset(&err);
	T_EQ(llm_config_load(&cfg, &err), 0);
	T_STREQ(cfg.url, "http://h:1/v1");
	T_STREQ(cfg.model, "m1");
	T_STREQ(cfg.key, "sk-secret-123");
	T_EQ(cfg.parallel, 2);
	llm_config_release(&cfg);

	setenv("RECALLFS_LLM_URL", "https://api.example/v1/chat/completions", 1);
	setenv("RECALLFS_LLM_TIMEOUT_MS", "1500", 1);
	T_EQ(llm_config_load(&cfg, &err), 0);
	T_STREQ(cfg.url, "https://api.example/v1");
	T_EQ(cfg.timeout_ms, 1500);
	T_STREQ(cfg.model, "m1");
	llm_config_release(&cfg);

	setenv("RECALLFS_LLM_PARALLEL", "zero", 1);
	buf_reset(&err);
	T_EQ(llm_config_load(&cfg, &err), -EINVAL);
	T_CONTAINS(err.p, "RECALLFS_LLM_PARALLEL");
	llm_config_release(&cfg);
	clear_env();

	write_file(path.p, "llm_url=ftp://h/v1\n", 0600);
	buf_reset(&err);
	T_EQ(llm_config_load(&cfg, &err), -EINVAL);
	llm_config_release(&cfg);
	write_file(path.p, "llm_url=http://h/v1\nllm_modle=x\n", 0600);
	buf_reset(&err);
	T_EQ(llm_config_load(&cfg, &err), -EINVAL);
	T_CONTAINS(err.p, "line 2");
	llm_config_release(&cfg);
	unsetenv("RECALLFS_CONFIG");
	buf_release(&path);
	buf_release(&err);
}

static void test_distiller_choice(void)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int use = -1;

	clear_env();
	T_EQ(llm_distiller_choose(NULL, &use, &err), 0);
	T_EQ(use, 0);
	T_EQ(llm_distiller_choose("llm", &use, &err), 0);
	T_EQ(use, 1);
	setenv("RECALLFS_DISTILLER", "llm", 1);
	T_EQ(llm_distiller_choose(NULL, &use, &err), 0);
	T_EQ(use, 1);
	T_EQ(llm_distiller_choose("heuristic", &use, &err), 0);
	T_EQ(use, 0);
	T_EQ(llm_distiller_choose("gpt", &use, &err), -EINVAL);
	T_CONTAINS(err.p, "--distiller");
	clear_env();
	buf_release(&err);
}

/* --- whole runs against fake_llm ----------------------------------------- */

static int searchable(struct store *st, int n)
{
	char q[96];

	snprintf(q, sizeof(q), "SELECT count(*) FROM fts_verbatim WHERE "
		 "fts_verbatim MATCH 'zq%d' AND ?1=?1", n);
	return qnum(st, q, 0) == 1;
}

struct expect {
	const char *marker;
	int state;              /* after the run */
	const char *distiller;
	const char *context;    /* NULL: the marker itself */
	int requests;           /* sent for it */
};

static void check_one(struct store *st, const struct fake *f, int64_t id,
		      int n, const struct expect *e)
{
	struct store_exchange x;

	T_EQ(store_get_exchange(st, id, &x), 0);
	if (x.state != e->state || strcmp(x.d.distiller, e->distiller))
		fprintf(stderr, "  %s: state %d distiller %s\n", e->marker,
			x.state, x.d.distiller);
	T_EQ(x.state, e->state);
	T_STREQ(x.d.distiller, e->distiller);
	T_STREQ(x.d.context, e->context ? e->context : e->marker);
	if (!strcmp(e->distiller, "llm")) {
		T_CONTAINS(x.d.core, "Fake LLM distilled");
		T_EQ(x.d.nrooms, 2);
	} else {
		T_STREQ(x.d.core, "please look at the heuristic core");
		T_EQ(x.d.nrooms, 1);
	}
	T_EQ(x.d.files.n, 1);
	T_CHECK(searchable(st, n));
	if (e->requests >= 0) {
		char m[80];

		snprintf(m, sizeof(m), "marker=%s ", e->marker);
		T_EQ(fake_count(f, m), e->requests);
	}
	store_exchange_release(&x);
}

static const struct expect cases[] = {
	{ "fakellm:good.a", STORE_DONE, "llm", NULL, 1 },
	{ "fakellm:fenced", STORE_DONE, "llm", NULL, 1 },
	{ "fakellm:prose", STORE_DONE, "llm", NULL, 1 },
	{ "fakellm:object", STORE_DONE, "llm", NULL, 1 },
	{ "fakellm:badctx", STORE_DONE, "llm", "heuristic detail", 1 },
	{ "fakellm:malformed", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:badjson", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:schema", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:notype", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:r429", STORE_DONE, "llm", NULL, 2 },
	{ "fakellm:r500", STORE_DONE, "llm", NULL, 2 },
	{ "fakellm:closeonce", STORE_DONE, "llm", NULL, 2 },
	{ "fakellm:e400", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:always500", STORE_FAILED, "heuristic", "heuristic detail", 3 },
	{ "fakellm:hang", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:huge", STORE_FAILED, "heuristic", "heuristic detail", 1 },
	{ "fakellm:hugestream", STORE_FAILED, "heuristic", "heuristic detail", 1 },
};

static void test_run_behaviours(void)
{
	struct store st;
	struct fake f;
	struct llm_config cfg;
	struct llm_report rep;
	int64_t ids[ARRAY_SIZE(cases)], other, t0, ms;
	size_t nfail = 0;

	open_store(&st, "behaviours.db");
	T_EQ(fake_start(&f, "behaviours"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ids[i] = put(&st, "c1", (int)i, cases[i].marker, STORE_PENDING);
		T_CHECK(searchable(&st, (int)i));
		nfail += cases[i].state == STORE_FAILED;
	}
	other = put(&st, "c1", 99, "fakellm:good.other", STORE_DONE);
	cfg_for(&cfg, f.port);
	llm_report_init(&rep);
	t0 = now_ms();
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	ms = now_ms() - t0;
	fprintf(stderr, "  behaviours: %zu exchanges in %lld ms, %zu requests, "
		"%zu retries, first error: %s\n", rep.selected, (long long)ms,
		rep.requests, rep.retries, buf_str(&rep.first_error));
	T_EQ(rep.selected, ARRAY_SIZE(cases));
	T_EQ(rep.failed, nfail);
	T_EQ(rep.filled, ARRAY_SIZE(cases) - nfail);
	T_CHECK(ms >= 1000);            /* Retry-After: 1 was honoured */
	T_CHECK(ms < 8000);             /* hang cut at 1.5 s, huge fast */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_one(&st, &f, ids[i], (int)i, &cases[i]);
	/* The DONE exchange was not asked about and not touched. */
	T_EQ(fake_count(&f, "marker=fakellm:good.other"), 0);
	T_EQ(qnum(&st, "SELECT state FROM exchanges WHERE id=?", other), 0);
	T_EQ(fake_count(&f, "auth=ok"), fake_count(&f, "req="));
	T_EQ(fake_count(&f, "schema=1"), fake_count(&f, "req="));
	T_CHECK(strstr(buf_str(&rep.first_error), "sk-test-key-42") == NULL);
	llm_report_release(&rep);
	llm_config_release(&cfg);
	fake_stop(&f);
	store_close(&st);
}

/* Huge bodies fail fast, without reading 50 MB. */
static void test_run_huge(void)
{
	struct store st;
	struct fake f;
	struct llm_config cfg;
	struct llm_report rep;
	int64_t t0, ms;

	open_store(&st, "huge.db");
	T_EQ(fake_start(&f, "huge"), 0);
	put(&st, "c1", 1, "fakellm:huge", STORE_PENDING);
	put(&st, "c1", 2, "fakellm:hugestream", STORE_PENDING);
	cfg_for(&cfg, f.port);
	cfg.timeout_ms = 20000;
	llm_report_init(&rep);
	t0 = now_ms();
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	ms = now_ms() - t0;
	fprintf(stderr, "  huge: 2 x 50 MB refused in %lld ms: %s\n",
		(long long)ms, buf_str(&rep.first_error));
	T_EQ(rep.failed, 2);
	T_CHECK(ms < 3000);
	T_CONTAINS(buf_str(&rep.first_error), "reply too large");
	llm_report_release(&rep);
	llm_config_release(&cfg);
	fake_stop(&f);
	store_close(&st);
}

/* A server that refuses response_format is asked again without it. */
static void test_run_noschema(void)
{
	struct store st;
	struct fake f;
	struct llm_config cfg;
	struct llm_report rep;

	open_store(&st, "noschema.db");
	T_EQ(fake_start(&f, "noschema"), 0);
	put(&st, "c1", 1, "fakellm:noschema.a", STORE_PENDING);
	put(&st, "c1", 2, "fakellm:noschema.b", STORE_PENDING);
	put(&st, "c1", 3, "fakellm:good.c", STORE_PENDING);
	cfg_for(&cfg, f.port);
	cfg.parallel = 1;
	llm_report_init(&rep);
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	T_EQ(rep.filled, 3);
	T_EQ(fake_count(&f, "req="), 4);
	T_EQ(fake_count(&f, "schema=1"), 1);
	T_EQ(fake_count(&f, "marker=fakellm:noschema.a "), 2);
	llm_report_release(&rep);
	llm_config_release(&cfg);
	cfg_for(&cfg, f.port);
	cfg.schema = 0;
	put(&st, "c1", 4, "fakellm:good.d", STORE_PENDING);
	llm_report_init(&rep);
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	T_EQ(rep.filled, 1);
	T_EQ(fake_count(&f, "schema=1"), 1);
	llm_report_release(&rep);
	llm_config_release(&cfg);
	fake_stop(&f);
	store_close(&st);
}

/* At most cfg.parallel requests in flight, and really in parallel. */
static void test_run_parallel(void)
{
	struct store st;
	struct fake f;
	struct llm_config cfg;
	struct llm_report rep;
	char m[32];
	int64_t t0, ms;

	open_store(&st, "parallel.db");
	T_EQ(fake_start(&f, "parallel"), 0);
	for (int i = 0; i < 9; i++) {
		snprintf(m, sizeof(m), "fakellm:slow.%d", i);
		put(&st, "c1", i, m, STORE_PENDING);
	}
	cfg_for(&cfg, f.port);
	cfg.parallel = 3;
	cfg.timeout_ms = 10000;
	llm_report_init(&rep);
	t0 = now_ms();
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	ms = now_ms() - t0;
	fprintf(stderr, "  parallel: 9 one-second replies, 3 at a time: %lld ms\n",
		(long long)ms);
	T_EQ(rep.filled, 9);
	T_EQ(fake_count(&f, "inflight=4"), 0);
	T_CHECK(fake_count(&f, "inflight=3") >= 1);
	T_CHECK(ms >= 2900 && ms < 6000);
	llm_report_release(&rep);
	llm_config_release(&cfg);
	fake_stop(&f);
	store_close(&st);
}

/* Refused: everything marked failed; later redistill fills only the marked
 * ones; a second run (and a re-marked, cached exchange) costs nothing. */
static void test_refused_then_redistill(void)
{
	struct store st;
	struct fake f;
	struct llm_config cfg;
	struct llm_report rep;
	int64_t id[8], done;
	char before[256], after[256];

	open_store(&st, "refused.db");
	for (int i = 0; i < 8; i++)
		id[i] = put(&st, "c1", i, i == 3 ? "fakellm:e400" : "", STORE_PENDING);
	done = put(&st, "c1", 20, "", STORE_DONE);
	cfg_for(&cfg, free_port());
	llm_report_init(&rep);
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	T_EQ(rep.failed, 8);
	T_EQ(rep.filled, 0);
	T_CONTAINS(buf_str(&rep.first_error), "exchange 0000");
	fprintf(stderr, "  refused: %zu requests for 8 exchanges: %s\n",
		rep.requests, buf_str(&rep.first_error));
	T_EQ(rep.requests, 5);          /* the breaker stopped sending */
	for (int i = 0; i < 8; i++) {
		T_EQ(qnum(&st, "SELECT state FROM exchanges WHERE id=?", id[i]),
		     STORE_FAILED);
		T_CHECK(searchable(&st, i));
	}
	llm_report_release(&rep);
	llm_config_release(&cfg);

	/* Pending-only processing (what ingest calls) leaves failed ones. */
	T_EQ(fake_start(&f, "refused"), 0);
	cfg_for(&cfg, f.port);
	llm_report_init(&rep);
	T_EQ(llm_process_pending(&st, &cfg, 0, NULL, NULL, &rep), 0);
	T_EQ(rep.selected, 0);
	T_EQ(fake_count(&f, "req="), 0);
	llm_report_release(&rep);

	snprintf(before, sizeof(before), "%ld", qnum(&st,
		 "SELECT length(core) + state FROM exchanges WHERE id=?", done));
	llm_report_init(&rep);
	T_EQ(llm_redistill(&st, &cfg, 0, LLM_SEL_PENDING | LLM_SEL_FAILED, NULL,
			   NULL, &rep), 0);
	T_EQ(rep.selected, 8);
	T_EQ(rep.filled, 7);
	T_EQ(rep.failed, 1);
	T_EQ(fake_count(&f, "req="), 8);
	T_EQ(fake_count(&f, "marker=default"), 7);
	snprintf(after, sizeof(after), "%ld", qnum(&st,
		 "SELECT length(core) + state FROM exchanges WHERE id=?", done));
	T_STREQ(before, after);
	T_STREQ(qnum(&st, "SELECT distiller='heuristic' FROM exchanges WHERE "
		     "id=?", done) == 1 ? "kept" : "changed", "kept");
	llm_report_release(&rep);

	/* Twice: only the e400 one is still marked; it is asked again. */
	llm_report_init(&rep);
	T_EQ(llm_redistill(&st, &cfg, 0, LLM_SEL_PENDING | LLM_SEL_FAILED, NULL,
			   NULL, &rep), 0);
	T_EQ(rep.selected, 1);
	T_EQ(fake_count(&f, "req="), 9);
	llm_report_release(&rep);

	/* A filled exchange marked again is answered from the cache. */
	sqlite3_exec(st.db, "UPDATE exchanges SET state=1", NULL, NULL, NULL);
	llm_report_init(&rep);
	T_EQ(llm_redistill(&st, &cfg, 0, LLM_SEL_PENDING | LLM_SEL_FAILED, NULL,
			   NULL, &rep), 0);
	T_EQ(rep.cached, 7);            /* the e400 one and "done" are asked */
	T_EQ(fake_count(&f, "req="), 9 + 2);
	llm_report_release(&rep);
	llm_config_release(&cfg);
	fake_stop(&f);
	store_close(&st);
}

T_MAIN(test_parse_good, test_parse_context, test_parse_secrets,
       test_parse_bad,
       test_reply_content, test_request_body, test_config,
       test_distiller_choice, test_run_behaviours, test_run_huge,
       test_run_noschema, test_run_parallel, test_refused_then_redistill)

/* test_ingest_distill.c: the distiller's rules seen through ingest, on
 * transcripts written here: one-question conversations are kept and
 * scripted runs skipped and counted by reason (no project made for them);
 * conversations of one file are numbered in time order; a sidechain and
 * the exchange that launched it name each other; a later chunk names its
 * request without letting a secret of that request through. */
#include "common.h"
#include "ingest.h"
#include "llm.h"
#include "store.h"

#include <sqlite3.h>
#include <unistd.h>

#include "t.h"

static struct store st;

static void open_db(const char *name)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&path, "%s/%s", t_tmpdir(), name);
	unlink(path.p);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	buf_release(&path);
	buf_release(&err);
}

static int ingest(const char *name, const char *data,
		  struct ingest_stats *s)
{
	struct ingest_opts o;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	memset(&o, 0, sizeof(o));
	rc = ingest_data(&st, name, data, strlen(data), &o, s, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", name, buf_str(&err));
	buf_release(&err);
	return rc;
}

static long count(const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(st.db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* One Claude Code line of session S in /home/u/<dir>. */
static void cline(struct buf *b, const char *type, const char *uuid,
		  const char *parent, const char *entry, const char *time,
		  const char *message)
{
	buf_addf(b, "{\"type\":\"%s\",\"uuid\":\"%s\",\"parentUuid\":%s%s%s,"
		 "\"sessionId\":\"S1\",\"cwd\":\"/home/u/shop\","
		 "\"entrypoint\":\"%s\",\"timestamp\":\"%s\","
		 "\"message\":%s}\n", type, uuid, parent ? "\"" : "",
		 parent ? parent : "null", parent ? "\"" : "", entry, time,
		 message);
}

static void one_shot(struct buf *b, const char *entry)
{
	buf_reset(b);
	cline(b, "user", "u1", NULL, entry, "2026-01-01T10:00:00Z",
	      "{\"role\":\"user\",\"content\":\"Which port does the shop "
	      "dev server listen on by default?\"}");
	cline(b, "assistant", "a1", "u1", entry, "2026-01-01T10:00:05Z",
	      "{\"id\":\"m1\",\"role\":\"assistant\",\"content\":[{\"type\":"
	      "\"text\",\"text\":\"It listens on port 4000 unless PORT is "
	      "set.\"}]}");
}

/* Issue 11 item 4: a person who asked one thing still asked it; a
 * scripted one-shot run is skipped, counted, and makes no project. */
static void test_one_shot(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct ingest_stats s;

	open_db("oneshot.db");
	memset(&s, 0, sizeof(s));
	one_shot(&b, "sdk-cli");
	T_EQ(ingest("run.jsonl", b.p, &s), 0);
	T_EQ(s.added, 0);
	T_EQ(s.skipped[SEG_SKIP_SCRIPTED], 1);
	T_EQ(count("SELECT count(*) FROM projects"), 0);
	T_EQ(count("SELECT count(*) FROM conversations"), 0);
	memset(&s, 0, sizeof(s));
	one_shot(&b, "cli");
	T_EQ(ingest("ask.jsonl", b.p, &s), 0);
	T_EQ(s.added, 1);
	T_EQ(s.skipped[SEG_SKIP_SCRIPTED], 0);
	T_EQ(count("SELECT count(*) FROM projects WHERE name='shop'"), 1);
	store_close(&st);
	buf_release(&b);
}

/* A compaction agent's transcript (its own cwd) makes no project. */
static void test_compaction_agent(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct ingest_stats s;

	open_db("compact.db");
	memset(&s, 0, sizeof(s));
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"c1\",\"parentUuid\":null,"
		 "\"isSidechain\":true,\"agentId\":\"acompact-1\","
		 "\"sessionId\":\"S1\",\"cwd\":\"/home/u/shop/assets\","
		 "\"timestamp\":\"2026-01-01T10:00:00Z\",\"message\":{\"role\":"
		 "\"user\",\"content\":\"Your task is to create a detailed "
		 "summary of the conversation so far.\"}}\n"
		 "{\"type\":\"assistant\",\"uuid\":\"c2\",\"parentUuid\":\"c1\","
		 "\"isSidechain\":true,\"agentId\":\"acompact-1\","
		 "\"sessionId\":\"S1\",\"cwd\":\"/home/u/shop/assets\","
		 "\"timestamp\":\"2026-01-01T10:00:09Z\",\"message\":{\"id\":"
		 "\"m1\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
		 "\"text\":\"Summary: the user asked for a dark theme and the "
		 "agent added it to assets/app.css.\"}]}}\n");
	T_EQ(ingest("S1/subagents/agent-acompact-1.jsonl", b.p, &s), 0);
	T_EQ(s.skipped[SEG_SKIP_COMPACTION], 1);
	T_EQ(count("SELECT count(*) FROM projects"), 0);
	store_close(&st);
	buf_release(&b);
}

/* Conversations of one file are stored in time order, whatever order the
 * file lists them in. */
static void test_time_order(void)
{
	static const char chat[] =
		"[{\"project\":\"p\",\"conversation\":\"later\",\"messages\":["
		"{\"role\":\"user\",\"content\":\"Plan the second release of "
		"the shop.\",\"timestamp\":2000},{\"role\":\"assistant\","
		"\"content\":\"The second release ships the cart.\","
		"\"timestamp\":2001}]},"
		"{\"project\":\"p\",\"conversation\":\"earlier\",\"messages\":["
		"{\"role\":\"user\",\"content\":\"Plan the first release of the "
		"shop.\",\"timestamp\":1000},{\"role\":\"assistant\","
		"\"content\":\"The first release ships the catalogue.\","
		"\"timestamp\":1001}]}]";
	struct ingest_stats s;

	open_db("order.db");
	memset(&s, 0, sizeof(s));
	T_EQ(ingest("two.json", chat, &s), 0);
	T_EQ(s.added, 2);
	T_EQ(count("SELECT e.id FROM exchanges e JOIN conversations c ON "
		   "c.id=e.conversation_id WHERE c.key='earlier'"), 1);
	T_EQ(count("SELECT e.id FROM exchanges e JOIN conversations c ON "
		   "c.id=e.conversation_id WHERE c.key='later'"), 2);
	store_close(&st);
}

/* A sidechain names the exchange that launched it, and that exchange
 * names the sidechain's first exchange, whichever file came first. */
static void test_sidechain_links(void)
{
	struct buf main_s = BUF_INIT(BUF_MAX_TEXT), side = BUF_INIT(BUF_MAX_TEXT);
	struct ingest_stats s;
	struct store_exchange x;

	cline(&main_s, "user", "u1", NULL, "cli", "2026-01-01T10:00:00Z",
	      "{\"role\":\"user\",\"content\":\"Find why checkout is slow.\"}");
	cline(&main_s, "assistant", "a1", "u1", "cli", "2026-01-01T10:00:05Z",
	      "{\"id\":\"m1\",\"role\":\"assistant\",\"content\":[{\"type\":"
	      "\"text\",\"text\":\"I will ask an agent to profile it.\"},"
	      "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Task\","
	      "\"input\":{\"description\":\"Profile checkout\",\"prompt\":"
	      "\"Profile the checkout handler and report the slowest call.\"}}"
	      "]}");
	cline(&main_s, "assistant", "a2", "a1", "cli", "2026-01-01T10:03:00Z",
	      "{\"id\":\"m2\",\"role\":\"assistant\",\"content\":[{\"type\":"
	      "\"text\",\"text\":\"The tax lookup is called once per line; "
	      "caching it fixes the slowness.\"}]}");
	cline(&main_s, "user", "u2", "a2", "cli", "2026-01-01T11:00:00Z",
	      "{\"role\":\"user\",\"content\":\"Then cache the tax lookup "
	      "please.\"}");
	cline(&main_s, "assistant", "a3", "u2", "cli", "2026-01-01T11:00:30Z",
	      "{\"id\":\"m3\",\"role\":\"assistant\",\"content\":[{\"type\":"
	      "\"text\",\"text\":\"The tax lookup is cached per order now.\"}]}");
	buf_adds(&side, "{\"type\":\"user\",\"uuid\":\"s1\",\"parentUuid\":null,"
		 "\"isSidechain\":true,\"agentId\":\"a77\",\"sessionId\":\"S1\","
		 "\"cwd\":\"/home/u/shop\",\"timestamp\":\"2026-01-01T10:00:10Z\","
		 "\"message\":{\"role\":\"user\",\"content\":\"Profile the "
		 "checkout handler and report the slowest call.\"}}\n"
		 "{\"type\":\"assistant\",\"uuid\":\"s2\",\"parentUuid\":\"s1\","
		 "\"isSidechain\":true,\"agentId\":\"a77\",\"sessionId\":\"S1\","
		 "\"cwd\":\"/home/u/shop\",\"timestamp\":\"2026-01-01T10:02:00Z\","
		 "\"message\":{\"id\":\"m9\",\"role\":\"assistant\",\"content\":"
		 "[{\"type\":\"text\",\"text\":\"The slowest call is tax_for_line, "
		 "412 calls per order.\"}]}}\n");
	open_db("links.db");
	memset(&s, 0, sizeof(s));
	/* the subagent's file first, as a directory walk may give it */
	T_EQ(ingest("S1/subagents/agent-a77.jsonl", side.p, &s), 0);
	T_EQ(ingest("S1.jsonl", main_s.p, &s), 0);
	T_EQ(s.added, 3);
	T_EQ(store_get_exchange(&st, 1, &x), 0);        /* the subagent's */
	T_CHECK(x.launched_by && !strncmp(x.launched_by, "000002-", 7));
	store_exchange_release(&x);
	T_EQ(store_get_exchange(&st, 2, &x), 0);        /* it launched it */
	T_CHECK(!x.launched_by);
	T_EQ(x.launched.n, 1);
	T_CHECK(x.launched.n == 1 && !strncmp(x.launched.v[0], "000001-", 7));
	store_exchange_release(&x);
	T_EQ(store_get_exchange(&st, 3, &x), 0);        /* a later one */
	T_EQ(x.launched.n, 0);
	store_exchange_release(&x);
	store_close(&st);
	buf_release(&main_s);
	buf_release(&side);
}

/* A later chunk of a long exchange names its request, masked: a secret in
 * the request reaches no distilled field of any chunk. */
static void test_chunk_names_request(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct ingest_stats s;
	struct store_exchange x;

	buf_adds(&b, "{\"project\":\"p\",\"conversation\":\"long\","
		 "\"messages\":[{\"role\":\"user\",\"content\":\"Deploy "
		 "with sk-live1234567890abcdefABCDEF now\"}");
	for (int i = 0; i < 24; i++)
		buf_addf(&b, ",{\"role\":\"assistant\",\"content\":\"Step "
			 "%d of the deploy finished without errors.\"}", i);
	buf_adds(&b, "]}");
	open_db("chunk.db");
	memset(&s, 0, sizeof(s));
	T_EQ(ingest("long.json", b.p, &s), 0);
	T_EQ(s.added, 2);
	T_EQ(store_get_exchange(&st, 2, &x), 0);
	T_CHECK(x.d.core && strstr(x.d.core, "Deploy with") == x.d.core);
	T_CONTAINS(x.d.core, "(2/2):");
	T_CHECK(!strstr(x.d.core, "sk-live"));
	T_CHECK(!strstr(x.d.context, "sk-live"));
	store_exchange_release(&x);
	/* redistill (e.g. of a database the first edition wrote) names it
	 * the same way, from the stored text alone */
	struct distill old = { xstrdup("Step 23"), xstrdup(""), { { 0 } }, 0,
			       STRV_INIT, "heuristic" };
	struct llm_report rep;
	int64_t pid = 0;

	T_EQ(store_update_distilled(&st, 2, &old, STORE_DONE), 0);
	distill_release(&old);
	T_EQ(store_project(&st, "p", 0, &pid), 0);
	llm_report_init(&rep);
	T_EQ(redistill_recompute_heuristic(&st, pid, 1, NULL, NULL, &rep), 0);
	llm_report_release(&rep);
	T_EQ(store_get_exchange(&st, 2, &x), 0);
	T_CHECK(x.d.core && strstr(x.d.core, "Deploy with") == x.d.core);
	T_CONTAINS(x.d.core, "(2/2):");
	T_CHECK(!strstr(x.d.core, "sk-live"));
	store_exchange_release(&x);
	store_close(&st);
	buf_release(&b);
}

T_MAIN(test_one_shot, test_compaction_agent, test_time_order,
       test_sidechain_links, test_chunk_names_request)

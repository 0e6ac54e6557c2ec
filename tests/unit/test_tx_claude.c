/* test_tx_claude.c: the Claude Code reader: grouping by message.id, what is
 * and is not a human turn, tool results, parentUuid order, uuid dedupe,
 * cycles, sidechains, subagent files, truncated lines, stable ids. */
#include "t.h"
#include "tx_test.h"

#include <sys/stat.h>

/* One JSONL line: a user or assistant entry of session S. */
static void line(struct buf *b, const char *type, const char *uuid,
		 const char *parent, const char *rest)
{
	buf_addf(b, "{\"type\":\"%s\",\"uuid\":\"%s\",\"parentUuid\":", type,
		 uuid);
	if (parent)
		buf_addf(b, "\"%s\"", parent);
	else
		buf_adds(b, "null");
	buf_addf(b, ",\"sessionId\":\"S\",\"cwd\":\"/home/u/proj\","
		 "\"timestamp\":\"2026-01-01T00:00:00Z\",%s}\n", rest);
}

static void user(struct buf *b, const char *uuid, const char *parent,
		 const char *text)
{
	struct buf r = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&r, "\"message\":{\"role\":\"user\",\"content\":\"%s\"}",
		 text);
	line(b, "user", uuid, parent, r.p);
	buf_release(&r);
}

static void asst(struct buf *b, const char *uuid, const char *parent,
		 const char *id, const char *content)
{
	struct buf r = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&r, "\"message\":{\"id\":\"%s\",\"role\":\"assistant\","
		 "\"content\":[%s]}", id, content);
	line(b, "assistant", uuid, parent, r.p);
	buf_release(&r);
}

#define TEXT(t) "{\"type\":\"text\",\"text\":\"" t "\"}"
#define THINK "{\"type\":\"thinking\",\"thinking\":\"hmm\"}"

static void test_fixture_session(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c, *side;

	T_EQ(tx_fixture("claude_session.jsonl", &s, NULL), 0);
	T_EQ(s.format, TX_CLAUDE);
	T_EQ(s.n, 2);
	c = tx_find(&s, "sess-cache-1");
	side = tx_find(&s, "sess-cache-1/sidechain-sc-1");
	T_CHECK(c && side);
	if (!c || !side)
		goto out;
	T_STREQ(c->title, "Flaky cache test");   /* custom-title wins */
	T_STREQ(c->cwd, "/home/dev/cachelab");
	T_CHECK(!c->parent);
	T_EQ(c->nmsg, 6);
	if (c->nmsg != 6)
		goto out;
	T_EQ(c->msg[0].role, TX_USER);
	T_STREQ(c->msg[0].text, "The cache test in tests/cache_test.c fails "
		"one run in ten. Can you find out why?");
	T_STREQ(c->msg[0].source_id, "u-1");
	T_EQ(c->msg[0].time, 1767603601);
	/* four lines of msg_A (thinking, text, two tool_use): one ply */
	T_EQ(c->msg[1].role, TX_ASSISTANT);
	T_STREQ(c->msg[1].text, "Let me look at the test and the eviction "
		"code.");
	T_STREQ(c->msg[1].source_id, "msg_A");
	T_STREQ(c->msg[1].tools, "Read: /home/dev/cachelab/tests/cache_test.c\n"
		"Bash: make test ...\nerror: make: *** [test] Error 2 ...");
	T_CHECK(c->msg[1].tool_use);
	T_EQ(c->msg[1].paths.n, 1);
	T_STREQ(c->msg[1].paths.v[0], "/home/dev/cachelab/tests/cache_test.c");
	T_STREQ(c->msg[2].tools, "Edit: src/cache.c\nGrep: time\\(NULL\\)");
	/* the directory a Grep searches is no file touched */
	T_EQ(c->msg[2].paths.n, 1);
	T_STREQ(c->msg[2].paths.v[0], "src/cache.c");
	/* interrupt, meta, /model, stdout, compact summary: no human turn */
	T_EQ(c->msg[3].role, TX_USER);
	T_STREQ(c->msg[3].text, "Good. Now run the test a hundred times to "
		"be sure.");
	T_STREQ(c->msg[4].tools, "Task: Repeat the cache test");
	T_STREQ(c->msg[4].text, "");
	T_CONTAINS(c->msg[5].text, "100 times in a row");
	T_EQ(tx_count(c, TX_USER), 2);
	for (size_t i = 0; i < c->nmsg; i++)
		T_CHECK(!strstr(c->msg[i].text, "REPLAYED"));
	T_STREQ(side->parent, "sess-cache-1");
	T_STREQ(side->title, "Repeat the cache test");   /* the Task call */
	T_EQ(side->nmsg, 2);
	T_STREQ(side->msg[0].text, "Run tests/cache_test 100 times");
	T_STREQ(side->msg[1].text, "All 100 runs passed.");
out:
	tx_set_release(&s);
}

static void test_group_by_message_id(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;

	user(&b, "u1", NULL, "Please tidy the Makefile targets");
	asst(&b, "a1", "u1", "m1", TEXT("First part."));
	asst(&b, "a2", "a1", "m1", THINK);
	asst(&b, "a3", "a2", "m1", TEXT("Second part."));
	asst(&b, "a4", "a3", "m2", TEXT("A new response."));
	asst(&b, "a5", "a4", "m3", THINK);
	T_EQ(tx_str("g.jsonl", b.p, &s, NULL), 0);
	T_EQ(s.n, 1);
	if (s.n == 1) {
		T_EQ(s.conv[0].nmsg, 3);   /* thinking-only m3 is no ply */
		T_STREQ(s.conv[0].msg[1].text, "First part.\n\nSecond part.");
		T_STREQ(s.conv[0].msg[2].text, "A new response.");
		T_CHECK(!s.conv[0].msg[1].tools);
		T_CHECK(!s.conv[0].msg[1].tool_use);
	}
	tx_set_release(&s);
	buf_release(&b);
}

static void test_injected_not_human(void)
{
	static const char *const inj[] = {
		"<command-name>/clear</command-name><command-message>clear"
		"</command-message><command-args></command-args>",
		"<local-command-stdout>done</local-command-stdout>",
		"<bash-input>ls</bash-input>",
		"<bash-stdout>a.txt</bash-stdout><bash-stderr></bash-stderr>",
		"<system-reminder>Todo list is empty</system-reminder>",
		"<task-notification><task-id>1</task-id></task-notification>\\n"
		"Read the output file to retrieve the result: /tmp/x",
		"[Request interrupted by user]",
		"[Request interrupted by user for tool use]",
	};
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	char uuid[16], prev[16] = "r";
	struct tx_conv *c;

	user(&b, "r", NULL, "Start: explain the retry loop in net/retry.c");
	for (size_t i = 0; i < ARRAY_SIZE(inj); i++) {
		snprintf(uuid, sizeof(uuid), "i%zu", i);
		user(&b, uuid, prev, inj[i]);
		snprintf(prev, sizeof(prev), "%s", uuid);
	}
	line(&b, "user", "meta", prev, "\"isMeta\":true,\"message\":{\"role\":"
	     "\"user\",\"content\":\"Expanded skill body text\"}");
	line(&b, "user", "cs", "meta", "\"isCompactSummary\":true,\"message\":"
	     "{\"role\":\"user\",\"content\":\"This session is being continued"
	     "\"}");
	user(&b, "real", "cs", "Why 3 retries?<system-reminder>file changed"
	     "</system-reminder>");
	user(&b, "slash", "real", "<command-message>review</command-message>"
	     "<command-name>/review</command-name><command-args>the login flow"
	     "</command-args>");
	T_EQ(tx_str("i.jsonl", b.p, &s, NULL), 0);
	c = s.n ? &s.conv[0] : NULL;
	T_EQ(tx_count(c, TX_USER), 3);
	if (c && c->nmsg == 3) {
		T_STREQ(c->msg[1].text, "Why 3 retries?");
		T_STREQ(c->msg[2].text, "/review the login flow");
		T_STREQ(c->msg[2].source_id, "slash");
	}
	tx_set_release(&s);
	buf_release(&b);
}

/* What the human typed while the agent worked comes as a queue-operation
 * enqueue line: a human turn, in file order; queued notifications and
 * commands are not, nor is a queued text that came back as a user line.
 * "/compact ARGS" is no request to the agent. */
static void test_queued_and_builtin(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	user(&b, "u1", NULL, "Implement the review page");
	asst(&b, "a1", "u1", "m1", TEXT("Starting with the schema."));
	buf_adds(&b, "{\"type\":\"queue-operation\",\"operation\":"
		 "\"enqueue\",\"timestamp\":\"2026-01-01T00:01:00Z\","
		 "\"sessionId\":\"S\",\"content\":\"new beads for the epic "
		 "were added. tackle them\"}\n"
		 "{\"type\":\"queue-operation\",\"operation\":\"enqueue\","
		 "\"sessionId\":\"S\",\"content\":\"<task-notification>"
		 "<task-id>b1</task-id></task-notification>\"}\n"
		 "{\"type\":\"queue-operation\",\"operation\":\"enqueue\","
		 "\"sessionId\":\"S\",\"content\":\"/mcp\"}\n"
		 "{\"type\":\"queue-operation\",\"operation\":\"remove\","
		 "\"sessionId\":\"S\"}\n");
	asst(&b, "a2", "a1", "m2", TEXT("Both beads are done."));
	user(&b, "u2", "a2", "<command-name>/compact</command-name>"
	     "<command-args>keep the API notes</command-args>");
	user(&b, "u3", "u2", "<command-name>/review</command-name>"
	     "<command-args>the login flow</command-args>");
	T_EQ(tx_str("q.jsonl", b.p, &s, NULL), 0);
	c = s.n ? &s.conv[0] : NULL;
	T_EQ(tx_count(c, TX_USER), 3);
	if (c && c->nmsg == 5) {
		T_EQ(c->msg[2].role, TX_USER);
		T_STREQ(c->msg[2].text, "new beads for the epic were added. "
			"tackle them");
		T_EQ(c->msg[2].time, 1767225660);
		T_STREQ(c->msg[4].text, "/review the login flow");
	}
	tx_set_release(&s);
	/* the same text as a user line later: counted once */
	user(&b, "u4", "u3", "new beads for the epic were added. tackle them");
	T_EQ(tx_str("q.jsonl", b.p, &s, NULL), 0);
	T_EQ(tx_count(s.n ? &s.conv[0] : NULL, TX_USER), 3);
	tx_set_release(&s);
	buf_release(&b);
}

/* The entrypoint says whether a run was interactive: "cli" is a person,
 * "sdk-cli" (claude -p) and the SDKs are scripts. */
static void test_entrypoint(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;

	line(&b, "user", "u1", NULL, "\"entrypoint\":\"sdk-cli\","
	     "\"message\":{\"role\":\"user\",\"content\":\"Grade it\"}");
	T_EQ(tx_str("e.jsonl", b.p, &s, NULL), 0);
	T_CHECK(s.n == 1 && s.conv[0].scripted);
	tx_set_release(&s);
	buf_reset(&b);
	line(&b, "user", "u1", NULL, "\"entrypoint\":\"cli\","
	     "\"message\":{\"role\":\"user\",\"content\":\"Why?\"}");
	T_EQ(tx_str("e.jsonl", b.p, &s, NULL), 0);
	T_CHECK(s.n == 1 && !s.conv[0].scripted);
	tx_set_release(&s);
	buf_release(&b);
}

static void test_tool_results(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT), big = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	for (int i = 0; i < 300; i++)
		buf_addc(&big, 'x');
	user(&b, "u1", NULL, "Run the migrations please");
	asst(&b, "a1", "u1", "m1", "{\"type\":\"tool_use\",\"id\":\"t1\","
	     "\"name\":\"Bash\",\"input\":{\"command\":\"make migrate\"}},"
	     "{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"NotebookEdit\","
	     "\"input\":{\"notebook_path\":\"nb/a.ipynb\"}},{\"type\":"
	     "\"tool_use\",\"id\":\"t3\",\"name\":\"mcp__db__query\",\"input\":"
	     "{\"sql\":\"select 1\"}}");
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"r1\",\"parentUuid\":\"a1\","
		 "\"sessionId\":\"S\",\"message\":{\"role\":\"user\",\"content\":"
		 "[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":"
		 "true,\"content\":\"\\n  ");
	buf_adds(&b, big.p);
	buf_adds(&b, "\\nsecond line\"},{\"type\":\"tool_result\","
		 "\"tool_use_id\":\"t2\",\"content\":\"fine\"}]}}\n");
	T_EQ(tx_str("t.jsonl", b.p, &s, NULL), 0);
	c = s.n ? &s.conv[0] : NULL;
	T_EQ(c ? c->nmsg : 0, 2);        /* the result line is no ply */
	if (c && c->nmsg == 2) {
		const char *t = c->msg[1].tools, *e = t ? strstr(t, "error: ")
			: NULL;

		T_CONTAINS(t, "Bash: make migrate\nNotebookEdit: nb/a.ipynb\n"
			   "mcp__db__query: select 1\nerror: xxx");
		T_CHECK(e && strlen(e) == 7 + 200 + 4);   /* capped, " ..." */
		T_STREQ(c->msg[1].paths.v[0], "nb/a.ipynb");
	}
	tx_set_release(&s);
	buf_release(&b);
	buf_release(&big);
}

/* Lines written out of order: each still follows its parent. */
static void test_parent_order(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	asst(&b, "a2", "u2", "m2", TEXT("answer two"));
	user(&b, "u2", "a1", "question two");
	asst(&b, "a1", "u1", "m1", TEXT("answer one"));
	user(&b, "u1", NULL, "question one");
	user(&b, "orphan", "not-in-file", "an orphan keeps its place");
	T_EQ(tx_str("o.jsonl", b.p, &s, NULL), 0);
	c = s.n ? &s.conv[0] : NULL;
	T_EQ(c ? c->nmsg : 0, 5);
	if (c && c->nmsg == 5) {
		T_STREQ(c->msg[0].text, "question one");
		T_STREQ(c->msg[1].text, "answer one");
		T_STREQ(c->msg[2].text, "question two");
		T_STREQ(c->msg[3].text, "answer two");
		T_STREQ(c->msg[4].text, "an orphan keeps its place");
	}
	tx_set_release(&s);
	buf_release(&b);
}

static void test_dedupe_and_cycles(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	user(&b, "x", "z", "cycle x");     /* x -> z -> y -> x */
	user(&b, "y", "x", "cycle y");
	user(&b, "z", "y", "cycle z");
	asst(&b, "w", "y", "m1", TEXT("child of the cycle"));
	user(&b, "self", "self", "my own parent");
	user(&b, "x", NULL, "replayed x");  /* same uuid: dropped */
	T_EQ(tx_str("c.jsonl", b.p, &s, NULL), 0);
	c = s.n ? &s.conv[0] : NULL;
	T_EQ(c ? c->nmsg : 0, 5);
	if (c && c->nmsg == 5) {   /* a cycle is broken after the rest */
		T_STREQ(c->msg[0].text, "my own parent");
		T_STREQ(c->msg[1].text, "cycle x");
		T_STREQ(c->msg[2].text, "cycle y");
		T_STREQ(c->msg[3].text, "cycle z");
		T_STREQ(c->msg[4].text, "child of the cycle");
		for (size_t i = 0; i < c->nmsg; i++)
			T_CHECK(strcmp(c->msg[i].text, "replayed x"));
	}
	tx_set_release(&s);
	buf_release(&b);
}

static void test_sidechains(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *a, *r;

	user(&b, "u1", NULL, "Investigate both services");
	line(&b, "user", "s1", NULL, "\"isSidechain\":true,\"message\":{\"role\""
	     ":\"user\",\"content\":\"Look at service A\"}");
	line(&b, "user", "t1", NULL, "\"isSidechain\":true,\"agentId\":\"ab12\","
	     "\"message\":{\"role\":\"user\",\"content\":\"Look at service B\"}");
	line(&b, "assistant", "s2", "s1", "\"isSidechain\":true,\"message\":{"
	     "\"id\":\"ms\",\"role\":\"assistant\",\"content\":\"A is fine\"}");
	line(&b, "assistant", "t2", "t1", "\"isSidechain\":true,\"agentId\":"
	     "\"ab12\",\"message\":{\"id\":\"mt\",\"role\":\"assistant\","
	     "\"content\":\"B leaks\"}");
	asst(&b, "a1", "u1", "m1", TEXT("A is fine and B leaks memory."));
	T_EQ(tx_str("/x/S.jsonl", b.p, &s, NULL), 0);
	T_EQ(s.n, 3);
	a = tx_find(&s, "S/sidechain-s1");
	r = tx_find(&s, "S/agent-ab12");
	T_CHECK(a && r && tx_find(&s, "S"));
	if (a && r) {
		T_STREQ(a->parent, "S");
		T_STREQ(r->parent, "S");
		T_EQ(a->nmsg, 2);
		T_STREQ(r->msg[1].text, "B leaks");
		T_STREQ(r->cwd, "/home/u/proj");
	}
	T_EQ(tx_find(&s, "S") ? tx_find(&s, "S")->nmsg : 0, 2);
	tx_set_release(&s);
	buf_release(&b);
}

static const char agent_lines[] =
	"{\"type\":\"user\",\"uuid\":\"c1\",\"parentUuid\":null,\"isSidechain\""
	":true,\"sessionId\":\"%s\",\"agentId\":\"%s\",\"cwd\":\"/w\",\"message"
	"\":{\"role\":\"user\",\"content\":\"Find TODO comments in src\"}}\n"
	"{\"type\":\"assistant\",\"uuid\":\"c2\",\"parentUuid\":\"c1\","
	"\"isSidechain\":true,\"sessionId\":\"%s\",\"agentId\":\"%s\",\"message"
	"\":{\"id\":\"m\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\""
	",\"text\":\"Found 3 TODOs\"}]}}\n";

/* Reads path (written by the test) as tx_read would be given it. */
static int read_path(const char *path, struct tx_set *s)
{
	struct buf d = BUF_INIT(TX_MAX_FILE), e = BUF_INIT(BUF_MAX_SMALL);
	int rc = buf_read_file(&d, path);

	if (!rc)
		rc = tx_read(path, buf_str(&d), d.len, TX_UNKNOWN, s, &e);
	buf_release(&d);
	buf_release(&e);
	return rc;
}

static void test_subagent_files(void)
{
	const char *sid = "5e551011-0000-4000-8000-000000000001";
	struct buf p = BUF_INIT(BUF_MAX_SMALL), t = BUF_INIT(BUF_MAX_SMALL);
	struct tx_set s = TX_SET_INIT;

	/* v2.1: <sid>/subagents/agent-<id>.jsonl with .meta.json */
	buf_addf(&p, "%s/%s", t_tmpdir(), sid);
	mkdir(p.p, 0700);
	buf_adds(&p, "/subagents");
	mkdir(p.p, 0700);
	buf_addf(&t, agent_lines, sid, "a77", sid, "a77");
	buf_adds(&p, "/agent-a77.meta.json");
	tx_write(p.p, "{\"agentType\":\"Explore\",\"spawnDepth\":1}");
	buf_truncate(&p, p.len - strlen(".meta.json"));
	buf_adds(&p, ".jsonl");
	tx_write(p.p, t.p);
	T_EQ(read_path(p.p, &s), 0);
	T_EQ(s.n, 1);
	if (s.n == 1) {
		T_STREQ(s.conv[0].parent, sid);
		T_CHECK(!strncmp(s.conv[0].id, sid, strlen(sid)));
		T_CONTAINS(s.conv[0].id, "/agent-a77");
		T_STREQ(s.conv[0].title, "Explore");
		T_EQ(s.conv[0].nmsg, 2);
		T_EQ(s.conv[0].msg[0].role, TX_USER);
	}
	tx_set_release(&s);

	/* v2.0: agent-<hex>.jsonl beside the session, no agentId, no meta */
	buf_reset(&t);
	buf_addf(&t, agent_lines, sid, "", sid, "");
	buf_reset(&p);
	buf_addf(&p, "%s/agent-beef01.jsonl", t_tmpdir());
	{	/* drop the empty agentId fields */
		char *q;

		while ((q = strstr(t.p, ",\"agentId\":\"\"")))
			memmove(q, q + 13, strlen(q + 13) + 1);
	}
	tx_write(p.p, t.p);
	T_EQ(read_path(p.p, &s), 0);
	if (s.n == 1) {
		T_STREQ(s.conv[0].id,
			"5e551011-0000-4000-8000-000000000001/agent-beef01");
		T_STREQ(s.conv[0].parent, sid);
		T_CHECK(!s.conv[0].title);
	}
	tx_set_release(&s);
	buf_release(&p);
	buf_release(&t);
}

static void test_truncated_last_line(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT), err = BUF_INIT(BUF_MAX_SMALL);
	struct tx_set s = TX_SET_INIT;
	size_t full;

	user(&b, "u1", NULL, "Why is the build slow?");
	asst(&b, "a1", "u1", "m1", TEXT("Link time optimisation."));
	full = b.len;
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"u2\",\"parentUuid\":\"a");
	T_EQ(tx_str("tr.jsonl", b.p, &s, &err), 0);
	T_EQ(s.bad_line, 3);
	T_STREQ(err.p, "line 3: truncated JSON (the lines before it were "
		"read)");
	T_EQ(s.n ? s.conv[0].nmsg : 0, 2);
	tx_set_release(&s);

	/* a bad line in the middle is an error, out stays empty */
	buf_truncate(&b, full);
	buf_reset(&err);
	buf_adds(&b, "{\"type\": oops}\n");
	user(&b, "u3", "a1", "More?");
	T_EQ(tx_str("mid.jsonl", b.p, &s, &err), -EILSEQ);
	T_STREQ(err.p, "line 3: invalid JSON");
	T_EQ(s.n, 0);

	/* one cut-short line and nothing else */
	buf_reset(&err);
	T_EQ(tx_str("one.jsonl", "{\"type\":\"user\",\"sessionId\":\"S\",\"uu",
		    &s, &err), -EILSEQ);
	T_STREQ(err.p, "line 1: truncated JSON");
	tx_set_release(&s);
	buf_release(&b);
	buf_release(&err);
}

static void test_ids_stable(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT), n = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s1 = TX_SET_INIT, s2 = TX_SET_INIT;
	char *id;

	/* no sessionId: a hash of the first plies, the same when it grows */
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"u1\",\"message\":{\"role\":"
		 "\"user\",\"content\":\"hello there\"}}\n{\"type\":\"assistant"
		 "\",\"uuid\":\"a1\",\"parentUuid\":\"u1\",\"message\":{\"role\":"
		 "\"assistant\",\"content\":\"hi\"}}\n");
	T_EQ(tx_str("-", b.p, &s1, NULL), 0);
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"u2\",\"parentUuid\":\"a1\","
		 "\"message\":{\"role\":\"user\",\"content\":\"more\"}}\n");
	T_EQ(tx_str("-", b.p, &s2, NULL), 0);
	id = s1.n ? s1.conv[0].id : NULL;
	T_CHECK(id && !strncmp(id, "claude-", 7));
	T_STREQ(s2.n ? s2.conv[0].id : NULL, id);
	tx_set_release(&s1);
	tx_set_release(&s2);

	/* a resumed file: the basename is the id when it is a sessionId */
	buf_adds(&n, "{\"type\":\"user\",\"uuid\":\"u1\",\"sessionId\":\"old\","
		 "\"message\":{\"role\":\"user\",\"content\":\"replayed\"}}\n"
		 "{\"type\":\"user\",\"uuid\":\"u2\",\"parentUuid\":\"u1\","
		 "\"sessionId\":\"new\",\"message\":{\"role\":\"user\","
		 "\"content\":\"new turn\"}}\n");
	T_EQ(tx_str("/p/new.jsonl", n.p, &s1, NULL), 0);
	T_STREQ(s1.n ? s1.conv[0].id : NULL, "new");
	T_EQ(tx_str("/p/other.jsonl", n.p, &s2, NULL), 0);
	T_STREQ(s2.n ? s2.conv[0].id : NULL, "old");
	tx_set_release(&s1);
	tx_set_release(&s2);
	buf_release(&b);
	buf_release(&n);
}

static void test_summary_only_and_skips(void)
{
	struct tx_set s = TX_SET_INIT;
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	T_EQ(tx_str("s.jsonl", "{\"type\":\"summary\",\"summary\":\"Old chat\","
		    "\"leafUuid\":\"x\"}\n", &s, NULL), 0);
	T_EQ(s.format, TX_CLAUDE);
	T_EQ(s.n, 0);
	tx_set_release(&s);

	user(&b, "u1", NULL, "deploy it");
	line(&b, "assistant", "a1", "u1", "\"isApiErrorMessage\":true,"
	     "\"message\":{\"id\":\"e\",\"role\":\"assistant\",\"model\":"
	     "\"<synthetic>\",\"content\":[" TEXT("API Error: 529") "]}");
	line(&b, "queue-operation", "q", "a1", "\"operation\":\"enqueue\"");
	line(&b, "brand-new-type", "n", "q", "\"whatever\":[1,2,3]");
	asst(&b, "a2", "n", "m2", TEXT("Deployed."));
	T_EQ(tx_str("k.jsonl", b.p, &s, NULL), 0);
	T_EQ(s.n ? s.conv[0].nmsg : 0, 2);
	if (s.n && s.conv[0].nmsg == 2)
		T_STREQ(s.conv[0].msg[1].text, "Deployed.");
	tx_set_release(&s);
	buf_release(&b);
}

T_MAIN(test_fixture_session, test_group_by_message_id, test_injected_not_human,
       test_queued_and_builtin, test_entrypoint,
       test_tool_results, test_parent_order, test_dedupe_and_cycles,
       test_sidechains, test_subagent_files, test_truncated_last_line,
       test_ids_stable, test_summary_only_and_skips)

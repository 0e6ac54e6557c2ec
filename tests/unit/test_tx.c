/* test_tx.c: detection by content, what is refused and how it is said,
 * limits, the Codex, chat and text readers, times, UTF-8 cleaning. */
#include "t.h"
#include "tx_test.h"

static void test_detect(void)
{
	static const struct {
		const char *data;
		enum tx_format f;
	} cases[] = {
		{ "{\"type\":\"user\",\"uuid\":\"u\",\"sessionId\":\"s\"}\n",
		  TX_CLAUDE },
		{ "{\"type\":\"file-history-snapshot\",\"messageId\":\"m\"}\n"
		  "{\"type\":\"user\",\"uuid\":\"u\"}\n", TX_CLAUDE },
		{ "{\"timestamp\":\"t\",\"type\":\"session_meta\",\"payload\":"
		  "{\"id\":\"x\"}}\n", TX_CODEX },
		{ "{\"role\":\"user\",\"content\":\"hi\"}\n", TX_CHAT },
		{ "[{\"role\":\"user\",\"content\":\"hi\"}]", TX_CHAT },
		{ "{\n \"messages\": [\n  {\"role\": \"user\"}\n ]\n}\n",
		  TX_CHAT },
		{ "\xef\xbb\xbf  {\"messages\":[]}", TX_CHAT },
		{ "[\n {\n  \"title\": \"t\",\n  \"mapping\": {}\n }\n]",
		  TX_CHAT },
		{ "User: hi\nAssistant: hello\n", TX_TEXT },
		{ "## Human\nhi\n\n## AI\nhello\n", TX_TEXT },
		{ "human: hi\n**Assistant:** hello\n", TX_TEXT },
		{ "", TX_UNKNOWN },
		{ "   \n\n", TX_UNKNOWN },
		{ "{\"hello\": \"world\"}\n", TX_UNKNOWN },
		{ "{\"agentType\":\"general-purpose\",\"spawnDepth\":1}",
		  TX_UNKNOWN },
		{ "[1, 2, 3]", TX_UNKNOWN },
		{ "[]", TX_UNKNOWN },
		{ "{\"query\":\"q\",\"project\":\"p\",\"relevant\":[]}\n",
		  TX_UNKNOWN },
		{ "MIT License\n\nCopyright (c) 2026 Someone\n\nPermission is "
		  "hereby granted, free of charge, to any person obtaining a "
		  "copy\n", TX_UNKNOWN },
		{ "User: only one side of a conversation\n", TX_UNKNOWN },
		{ "Aim: not a marker\nAIR: nor this\n", TX_UNKNOWN },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum tx_format f = tx_detect(cases[i].data,
					     strlen(cases[i].data));

		if (f != cases[i].f)
			fprintf(stderr, "case %zu: %s\n", i, cases[i].data);
		T_EQ(f, cases[i].f);
	}
	T_EQ(tx_detect("{\"a\":1}\0\1\2\3", 11), TX_UNKNOWN);
}

/* A first line far longer than the detection span (a pasted file). */
static void test_detect_long_first_line(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct tx_set s = TX_SET_INIT;

	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"u1\",\"sessionId\":\"L\","
		 "\"message\":{\"role\":\"user\",\"content\":\"");
	for (int i = 0; i < 300000; i++)
		buf_addc(&b, 'a' + i % 26);
	buf_adds(&b, "\"}}\n{\"type\":\"assistant\",\"uuid\":\"a1\","
		 "\"parentUuid\":\"u1\",\"sessionId\":\"L\",\"message\":{"
		 "\"role\":\"assistant\",\"content\":\"read it\"}}\n");
	T_EQ(tx_detect(b.p, b.len), TX_CLAUDE);
	T_EQ(tx_detect(b.p, 65536), TX_CLAUDE);   /* just the first 64 KB */
	T_EQ(tx_str("l.jsonl", b.p, &s, NULL), 0);
	T_EQ(s.n ? s.conv[0].nmsg : 0, 2);
	tx_set_release(&s);
	buf_release(&b);
}

static void test_format_names(void)
{
	T_STREQ(tx_format_name(TX_CLAUDE), "claude");
	T_STREQ(tx_format_name(TX_TEXT), "text");
	T_EQ(tx_format_parse("codex"), TX_CODEX);
	T_EQ(tx_format_parse("CHAT"), TX_CHAT);
	T_EQ(tx_format_parse("nope"), TX_UNKNOWN);
	T_EQ(tx_format_parse(NULL), TX_UNKNOWN);
}

/* Refused input: -EILSEQ, one line, out empty. */
static void refused(const char *data, size_t len, const char *msg)
{
	struct tx_set s = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	if (len == (size_t)-1)
		len = strlen(data);
	T_EQ(tx_read("f", data, len, TX_UNKNOWN, &s, &err), -EILSEQ);
	T_STREQ(err.p, msg);
	T_CHECK(!strchr(buf_str(&err), '\n'));
	T_EQ(s.n, 0);
	buf_release(&err);
}

static void test_refused(void)
{
	static const char bin[] = "\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0";

	refused("", 0, "empty file");
	refused(" \n\t\n", (size_t)-1, "only whitespace, not a transcript");
	refused(bin, sizeof(bin) - 1, "binary data, not a transcript");
	refused("MIT License\n\nPermission is hereby granted\n", (size_t)-1,
		"text without speaker turns (lines starting \"User:\" and "
		"\"Assistant:\"), not a transcript");
	refused("{\"hello\": \"world\"}\n", (size_t)-1, "JSON but not a "
		"transcript: expected Claude Code or Codex JSONL, or chat "
		"messages (objects with \"role\" and \"content\", or "
		"{\"messages\": [...]})");
	refused("{\"a\":1}\n{\"a\":\n", (size_t)-1, "line 2: invalid JSON");
	refused("\n\n{\n \"messages\": [\n  {\"role\": \"user\",}\n ]\n}\n",
		(size_t)-1, "line 5: invalid JSON");
	refused("[{\"role\": \"user\", \"content\": \"x\"},\n{\"role\"",
		(size_t)-1, "line 2: invalid JSON");
}

static void test_forced_format(void)
{
	struct tx_set s = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const char *t = "User: ok\nAssistant: fine\n";

	/* forced chat on text: the chat reader says what it expected */
	T_EQ(tx_read("f", t, strlen(t), TX_CHAT, &s, &err), -EILSEQ);
	T_CHECK(err.len > 0);
	T_EQ(s.n, 0);
	buf_reset(&err);
	T_EQ(tx_read("f", t, strlen(t), TX_TEXT, &s, &err), 0);
	T_EQ(s.format, TX_TEXT);
	T_EQ(s.n, 1);
	tx_set_release(&s);
	buf_release(&err);
}

static void test_limits(void)
{
	struct tx_set s = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL), b = BUF_INIT(BUF_MAX_TEXT);

	/* nesting past TX_MAX_DEPTH, on a JSONL line and in a document */
	buf_adds(&b, "{\"type\":\"user\",\"uuid\":\"u\",\"sessionId\":\"s\"}\n"
		 "{\"type\":\"user\",\"x\":");
	for (int i = 0; i < TX_MAX_DEPTH + 5; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < TX_MAX_DEPTH + 5; i++)
		buf_addc(&b, ']');
	buf_adds(&b, "}\n");
	T_EQ(tx_read("d", b.p, b.len, TX_UNKNOWN, &s, &err), -E2BIG);
	T_STREQ(err.p, "line 2: JSON nested deeper than 512 levels");
	buf_reset(&b);
	buf_reset(&err);
	buf_adds(&b, "{\"messages\":");
	for (int i = 0; i < 2000; i++)
		buf_addc(&b, '[');
	T_EQ(tx_read("d", b.p, b.len, TX_CHAT, &s, &err), -E2BIG);
	T_STREQ(err.p, "JSON nested deeper than 512 levels");
	buf_reset(&err);
	T_EQ(tx_read("d", b.p, b.len, TX_UNKNOWN, &s, &err), -E2BIG);
	T_STREQ(err.p, "JSON nested deeper than 512 levels");
	buf_reset(&err);
	buf_reset(&b);
	for (int i = 0; i < 600; i++)
		buf_addc(&b, '[');
	T_EQ(tx_read("d", b.p, b.len, TX_UNKNOWN, &s, &err), -E2BIG);
	T_STREQ(err.p, "JSON nested deeper than 512 levels");
	buf_reset(&err);
	/* size: checked before anything is read */
	T_EQ(tx_read("big", b.p, (size_t)TX_MAX_FILE + 1, TX_UNKNOWN, &s, &err),
	     -E2BIG);
	T_STREQ(err.p, "larger than the 256 MB transcript limit");
	T_EQ(s.n, 0);
	/* plies per conversation */
	buf_reset(&b);
	buf_reset(&err);
	for (int i = 0; i <= TX_MAX_MSGS; i++)
		buf_adds(&b, "User: q\n");
	buf_adds(&b, "Assistant: a\n");
	T_EQ(tx_read("many", b.p, b.len, TX_UNKNOWN, &s, &err), -E2BIG);
	T_STREQ(err.p, "more than 200000 messages in one conversation");
	T_EQ(s.n, 0);
	buf_release(&b);
	buf_release(&err);
}

static void test_codex(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_fixture("codex_rollout.jsonl", &s, NULL), 0);
	T_EQ(s.format, TX_CODEX);
	c = s.n == 1 ? &s.conv[0] : NULL;
	T_CHECK(c);
	if (!c)
		goto out;
	T_STREQ(c->id, "0190aaaa-bbbb-7ccc-8ddd-000000000001");
	T_STREQ(c->cwd, "/work/webshop");
	T_STREQ(c->title, "Rename price to amount");
	/* injected AGENTS.md / environment text and the response_item copies
	 * of user_message are not turns; nor the agent_message copy */
	T_EQ(tx_count(c, TX_USER), 2);
	T_EQ(c->nmsg, 4);
	if (c->nmsg != 4)
		goto out;
	T_STREQ(c->msg[0].text,
		"Rename the price field to amount in the order model");
	T_EQ(c->msg[0].time, 1769932802);
	T_EQ(c->msg[1].role, TX_ASSISTANT);
	T_STREQ(c->msg[1].text, "Renamed price to amount in "
		"app/models/order.py and noted it in docs/CHANGES.md.");
	T_STREQ(c->msg[1].tools, "shell: grep -rn price app/models\n"
		"apply_patch: app/models/order.py, docs/CHANGES.md");
	T_CHECK(c->msg[1].tool_use);
	T_EQ(c->msg[1].paths.n, 2);
	T_STREQ(c->msg[1].paths.v[0], "app/models/order.py");
	T_STREQ(c->msg[2].text, "Also update the API serializer");
	T_STREQ(c->msg[3].tools, "shell: sed -n 1,20p app/api/serializers.py");
	T_STREQ(c->msg[3].text,
		"The serializer now emits amount instead of price.");
out:
	tx_set_release(&s);
}

static void test_codex_without_events(void)
{
	static const char d[] =
		"{\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"session_meta\""
		",\"payload\":{\"id\":\"cx1\",\"cwd\":\"/r\"}}\n"
		"{\"type\":\"response_item\",\"payload\":{\"type\":\"message\","
		"\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":"
		"\"<user_instructions>be terse</user_instructions>\"}]}}\n"
		"{\"type\":\"response_item\",\"payload\":{\"type\":\"message\","
		"\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":"
		"\"why is ci red\"}]}}\n"
		"{\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\","
		"\"message\":\"lint fails\"}}\n";
	struct tx_set s = TX_SET_INIT;

	T_EQ(tx_str("x", d, &s, NULL), 0);
	T_EQ(s.n ? s.conv[0].nmsg : 0, 2);
	if (s.n && s.conv[0].nmsg == 2) {
		T_STREQ(s.conv[0].id, "cx1");
		T_STREQ(s.conv[0].msg[0].text, "why is ci red");
		T_STREQ(s.conv[0].msg[1].text, "lint fails");
	}
	tx_set_release(&s);
}

static void test_chat_object(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_fixture("chat_object.json", &s, NULL), 0);
	T_EQ(s.format, TX_CHAT);
	c = s.n == 1 ? &s.conv[0] : NULL;
	T_CHECK(c);
	if (!c)
		goto out;
	T_STREQ(c->id, "garden-2024-05-01");
	T_STREQ(c->project, "garden");
	T_STREQ(c->title, "Tomato planning");
	T_EQ(c->nmsg, 4);             /* system and tool are not plies */
	if (c->nmsg != 4)
		goto out;
	T_STREQ(c->msg[0].source_id, "m1");
	T_EQ(c->msg[0].time, 1714557600);
	T_STREQ(c->msg[1].text, "After the last frost,\n\nusually mid May.");
	T_EQ(c->msg[1].time, 1714557660);
	T_STREQ(c->msg[2].text, "And how far apart?");
	T_STREQ(c->msg[3].source_id, "m4");
out:
	tx_set_release(&s);
}

static void test_chat_array_and_lines(void)
{
	struct tx_set s = TX_SET_INIT, s2 = TX_SET_INIT;
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	const char *grown;

	T_EQ(tx_fixture("chat_array.json", &s, NULL), 0);
	T_EQ(s.n ? s.conv[0].nmsg : 0, 4);
	T_CHECK(s.n && !strncmp(s.conv[0].id, "chat-", 5) &&
		strlen(s.conv[0].id) == 21);
	T_STREQ(s.n ? s.conv[0].msg[3].source_id : NULL, "r2");
	/* the same chat grown by two messages keeps its id */
	grown = "[{\"role\": \"user\", \"content\": \"How do I list hidden "
		"files?\", \"id\": \"q1\"}, {\"role\": \"assistant\", \"content\":"
		" \"Use ls -a, or ls -A to skip . and ..\", \"id\": \"r1\"}, "
		"{\"role\": \"user\", \"content\": \"other\"}]";
	T_EQ(tx_str("g", grown, &s2, NULL), 0);
	T_STREQ(s2.n ? s2.conv[0].id : NULL, s.n ? s.conv[0].id : "");
	tx_set_release(&s);
	tx_set_release(&s2);

	T_EQ(tx_fixture("chat_lines.jsonl", &s, NULL), 0);
	T_EQ(s.format, TX_CHAT);
	T_EQ(s.n ? s.conv[0].nmsg : 0, 4);
	if (s.n && s.conv[0].nmsg == 4) {
		T_STREQ(s.conv[0].msg[0].source_id, "1");
		T_EQ(s.conv[0].msg[0].time, 1740999600);
		T_STREQ(s.conv[0].msg[3].tools, "read_file: docs/retry.md");
		T_STREQ(s.conv[0].msg[3].paths.v[0], "docs/retry.md");
	}
	tx_set_release(&s);

	/* an array of conversation objects: one conversation each */
	buf_adds(&b, "[{\"conversation\": \"a\", \"messages\": [{\"role\": "
		 "\"user\", \"content\": \"x\"}]}, {\"id\": \"b\", \"messages\":"
		 " [{\"role\": \"assistant\", \"content\": \"y\"}]}]");
	T_EQ(tx_str("m", b.p, &s, NULL), 0);
	T_EQ(s.n, 2);
	T_CHECK(tx_find(&s, "a") && tx_find(&s, "b"));
	tx_set_release(&s);
	buf_release(&b);
}

static void test_chatgpt_export(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_fixture("chatgpt_export.json", &s, NULL), 0);
	T_EQ(s.format, TX_CHAT);
	c = s.n == 1 ? &s.conv[0] : NULL;
	T_CHECK(c);
	if (!c)
		goto out;
	T_STREQ(c->id, "6f0c1d2e-0000-4000-8000-00000000c0de");
	T_STREQ(c->title, "Cron syntax help");
	/* the active thread only: no hidden system, no tool, no branch */
	T_EQ(c->nmsg, 3);
	if (c->nmsg != 3)
		goto out;
	T_STREQ(c->msg[0].text, "How do I run a job every 15 minutes with "
		"cron?");
	T_EQ(c->msg[0].time, 1700000001);
	T_STREQ(c->msg[1].source_id, "n3");
	T_STREQ(c->msg[2].text, "And on weekdays only?");
out:
	tx_set_release(&s);
}

static void test_swe_agent(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_fixture("swe_agent.traj", &s, NULL), 0);
	T_EQ(s.format, TX_CHAT);
	c = s.n == 1 ? &s.conv[0] : NULL;
	if (!c || c->nmsg != 4) {
		T_CHECK(0);
		goto out;
	}
	T_CHECK(!strncmp(c->id, "swe-", 4));
	T_EQ(c->msg[0].role, TX_USER);
	T_CONTAINS(c->msg[0].text, "TimeDelta serialization");
	T_STREQ(c->msg[1].text, "Let me find the file.");
	T_STREQ(c->msg[1].tools, "action: find_file fields.py");
	T_STREQ(c->msg[2].tools, "action: open src/marshmallow/fields.py 1474");
	T_STREQ(c->msg[3].text, "The rounding is fixed; submitting.");
	T_EQ(tx_count(c, TX_USER), 1);
out:
	tx_set_release(&s);
}

static void test_text(void)
{
	struct tx_set s = TX_SET_INIT, s2 = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_fixture("notes.md", &s, NULL), 0);
	T_EQ(s.format, TX_TEXT);
	c = s.n == 1 ? &s.conv[0] : NULL;
	T_CHECK(c);
	if (!c)
		goto out;
	T_STREQ(c->title, "Debugging the deploy script");
	T_CHECK(!strncmp(c->id, "text-", 5));
	T_EQ(c->nmsg, 5);
	if (c->nmsg != 5)
		goto out;
	T_EQ(c->msg[0].role, TX_USER);
	T_STREQ(c->msg[0].text, "Why does deploy.sh exit with status 3 on the "
		"staging host?");
	T_EQ(c->msg[1].role, TX_ASSISTANT);
	T_STREQ(c->msg[1].text, "Status 3 comes from the health check: the "
		"service did not answer on port 8080\nwithin 30 seconds.");
	T_STREQ(c->msg[2].text, "how do I raise the timeout?");
	T_STREQ(c->msg[3].text, "Set HEALTH_TIMEOUT=60 in deploy/env/staging."
		"\nIt is read at the top of deploy.sh.");
	T_EQ(c->msg[4].role, TX_USER);
	T_STREQ(c->msg[4].text, "thanks");
	/* the id is the same when read again */
	T_EQ(tx_fixture("notes.md", &s2, NULL), 0);
	T_STREQ(s2.n ? s2.conv[0].id : NULL, c->id);
out:
	tx_set_release(&s);
	tx_set_release(&s2);
}

static void test_aider(void)
{
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;

	T_EQ(tx_detect("# aider chat started at 2025-01-01 10:00:00\n", 44),
	     TX_TEXT);
	T_EQ(tx_fixture("aider.chat.history.md", &s, NULL), 0);
	T_EQ(s.format, TX_TEXT);
	T_EQ(s.n, 2);                 /* one conversation per session */
	c = s.n == 2 ? &s.conv[0] : NULL;
	if (!c || c->nmsg != 4) {
		T_CHECK(0);
		goto out;
	}
	T_CHECK(!strncmp(c->id, "aider-", 6));
	T_CHECK(strcmp(c->id, s.conv[1].id));
	T_STREQ(c->msg[0].text, "add a --verbose flag to cli.py\n"
		"it should print each file it reads");
	T_EQ(c->msg[0].time, 1748770200);
	T_EQ(c->msg[1].role, TX_ASSISTANT);
	T_CONTAINS(c->msg[1].text, "I'll add the flag");
	T_CONTAINS(c->msg[1].text, ">>>>>>> REPLACE");
	T_STREQ(c->msg[1].tools, "Edit: cli.py");
	T_STREQ(c->msg[1].paths.v[0], "cli.py");
	T_STREQ(c->msg[2].text, "thanks, now document it in README.md");
	T_STREQ(c->msg[3].tools, "Edit: README.md");
	T_EQ(s.conv[1].nmsg, 2);
out:
	tx_set_release(&s);
}

static void test_time(void)
{
	T_EQ(tx_parse_time("1970-01-01T00:00:00Z"), 0);
	T_EQ(tx_parse_time("2026-02-10T21:11:56.846Z"), 1770757916);
	T_EQ(tx_parse_time("2026-02-10T22:11:56+01:00"), 1770757916);
	T_EQ(tx_parse_time("2026-02-10T16:11:56-0500"), 1770757916);
	T_EQ(tx_parse_time("2026-02-10 21:11:56"), 1770757916);
	T_EQ(tx_parse_time("2024-02-29"), 1709164800);
	T_EQ(tx_parse_time("2026-13-01T00:00:00Z"), 0);
	T_EQ(tx_parse_time("yesterday"), 0);
	T_EQ(tx_parse_time("2026-02-10T21:11"), 1770757860);
	T_EQ(tx_parse_time("2026-02-10T21:11:56Zjunk"), 0);
	T_EQ(tx_parse_time(NULL), 0);
}

static void test_utf8_and_build(void)
{
	static const char bad[] = "User: caf\xc3\xa9 \xff\xfe and \xe2\x82\n"
		"Assistant: ok\x01\x1b[0m \xed\xa0\x80 done\n";
	struct tx_set s = TX_SET_INIT;
	struct tx_conv *c;
	struct tx_msg *m;

	T_EQ(tx_str("u", bad, &s, NULL), 0);
	if (s.n == 1 && s.conv[0].nmsg == 2) {
		T_STREQ(s.conv[0].msg[0].text,
			"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd"
			"\xef\xbf\xbd");
		T_STREQ(s.conv[0].msg[1].text, "ok[0m \xef\xbf\xbd\xef\xbf\xbd"
			"\xef\xbf\xbd done");
	} else {
		T_CHECK(0);
	}
	tx_set_release(&s);
	T_EQ(s.n, 0);

	c = tx_set_add(&s, "id-1");
	m = tx_conv_add(c, TX_USER, NULL);
	T_STREQ(m->text, "");
	T_EQ(m->time, 0);
	T_CHECK(!m->tools && !m->source_id && !m->paths.n);
	T_STREQ(s.conv[0].id, "id-1");
	T_CHECK(!c->parent && !c->project && !c->title && !c->cwd);
	tx_set_release(&s);
}

T_MAIN(test_detect, test_detect_long_first_line, test_format_names,
       test_refused, test_forced_format, test_limits, test_codex,
       test_codex_without_events, test_chat_object, test_chat_array_and_lines,
       test_chatgpt_export, test_swe_agent, test_text, test_aider, test_time,
       test_utf8_and_build)

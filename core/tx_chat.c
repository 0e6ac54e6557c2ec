/* tx_chat.c: the generic chat JSON reader (FORMATS.md): an object
 * {"project", "conversation", "messages": [...]}, an array of such objects,
 * a bare array of messages, or JSONL with one message per line; and a
 * ChatGPT export (conversations with a "mapping" tree, read along the
 * active thread from "current_node" up through "parent"); and a SWE-agent
 * .traj ({"history", "trajectory"}: the first user message of the history
 * is the task, each trajectory step an assistant ply with its thought and
 * its action as a tool brief).  A message
 * is {"role", "content": string or [{"type":"text","text"}], "id"?,
 * "timestamp"?}; OpenAI "tool_calls" of an assistant message become tool
 * briefs.  Roles: user/human -> TX_USER, assistant/ai/bot/model ->
 * TX_ASSISTANT; system, developer and tool messages are not plies (a system
 * prompt is setup, not something said in the conversation). */
#include "common.h"
#include "tx_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char not_chat[] = "JSON but not a transcript: expected chat "
	"messages (objects with \"role\" and \"content\"), an array of them, "
	"or {\"messages\": [...]}";

static int role_of(const char *r, enum tx_role *out)
{
	static const char *const users[] = { "user", "human" };
	static const char *const assts[] = { "assistant", "ai", "bot",
					     "model", "gpt", "chatgpt" };

	for (size_t i = 0; r && i < ARRAY_SIZE(users); i++)
		if (!strcasecmp(r, users[i]))
			return *out = TX_USER, 1;
	for (size_t i = 0; r && i < ARRAY_SIZE(assts); i++)
		if (!strcasecmp(r, assts[i]))
			return *out = TX_ASSISTANT, 1;
	return 0;
}

/* A string or number member as text, into b; 1 if there was one. */
static int scalar(const cJSON *o, const char *key, struct buf *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v) && v->valuestring[0])
		return !buf_adds(b, v->valuestring);
	if (cJSON_IsNumber(v))
		return !buf_addf(b, "%.17g", v->valuedouble);
	return 0;
}

static void tool_calls(struct tx_msg *m, const cJSON *calls)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, (cJSON_IsArray(calls) ? calls : NULL)) {
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(c,
								  "function");
		const char *args = tx_json_str(fn, "arguments"), *arg = NULL;
		cJSON *a = NULL;
		const cJSON *it;

		if (args && tx_json_parse(args, strlen(args), &a))
			a = NULL;
		cJSON_ArrayForEach(it, (cJSON_IsObject(a) ? a : NULL))
			if (!arg && cJSON_IsString(it))
				arg = it->valuestring;
		tx_msg_add_tool(m, tx_json_str(fn, "name"), arg ? arg : args);
		tx_msg_add_path(m, tx_json_str(a, "file_path"));
		tx_msg_add_path(m, tx_json_str(a, "path"));
		cJSON_Delete(a);
	}
}

/* Adds one message to c (nothing for roles that are not plies). */
static int add_message(struct tx_conv *c, const cJSON *o)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(o, "content");
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "tool_calls");
	struct buf text = BUF_INIT(BUF_MAX_FILE), id = BUF_INIT(BUF_MAX_SMALL);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	enum tx_role role;
	struct tx_msg *m;
	int rc = 0;

	if (!role_of(tx_json_str(o, "role"), &role))
		return 0;
	tx_json_text(content ? content :
		     cJSON_GetObjectItemCaseSensitive(o, "text"), &text);
	tx_buf_trim(&text);
	if (!text.len && (role != TX_ASSISTANT ||
			  !cJSON_GetArraySize(calls)))
		goto out;
	m = tx_conv_add(c, role, buf_str(&text));
	if (!m) {
		rc = -E2BIG;
		goto out;
	}
	if (role == TX_ASSISTANT)
		tool_calls(m, calls);
	if (scalar(o, "id", &id))
		tx_set_str(&m->source_id, id.p);
	if (!t)
		t = cJSON_GetObjectItemCaseSensitive(o, "created_at");
	m->time = tx_json_time(t);
out:
	buf_release(&text);
	buf_release(&id);
	return rc;
}

static int add_messages(struct tx_conv *c, const cJSON *arr)
{
	const cJSON *it;
	int rc = 0;

	cJSON_ArrayForEach(it, arr)
		if (!rc && cJSON_IsObject(it))
			rc = add_message(c, it);
	return rc;
}

/* Id, project and title of a conversation object, once its plies are in. */
static void name_conv(struct tx_conv *c, const cJSON *o)
{
	struct buf id = BUF_INIT(BUF_MAX_SMALL);

	if (scalar(o, "conversation", &id) ||
	    scalar(o, "conversation_id", &id) || scalar(o, "id", &id))
		tx_set_str(&c->id, id.p);
	if (!c->id || !c->id[0]) {     /* none, or nothing printable */
		free(c->id);
		c->id = tx_hash_id("chat", c);
	}
	tx_set_str(&c->project, tx_json_str(o, "project"));
	tx_set_str(&c->title, tx_json_str(o, "title"));
	buf_release(&id);
}

static int is_gpt(const cJSON *o)
{
	return cJSON_IsObject(o) &&
		cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "mapping"));
}

/* One ChatGPT export message: author.role, content.parts. */
static int add_gpt_message(struct tx_conv *c, const cJSON *msg)
{
	const cJSON *author = cJSON_GetObjectItemCaseSensitive(msg, "author");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg,
								"content");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(msg, "metadata");
	struct buf text = BUF_INIT(BUF_MAX_FILE);
	enum tx_role role;
	struct tx_msg *m;
	int rc = 0;

	if (!role_of(tx_json_str(author, "role"), &role) ||
	    tx_json_true(meta, "is_visually_hidden_from_conversation"))
		return 0;
	tx_json_text(cJSON_GetObjectItemCaseSensitive(content, "parts"),
		     &text);
	tx_buf_trim(&text);
	if (!text.len)
		goto out;
	m = tx_conv_add(c, role, text.p);
	if (!m) {
		rc = -E2BIG;
		goto out;
	}
	tx_set_str(&m->source_id, tx_json_str(msg, "id"));
	m->time = tx_json_time(cJSON_GetObjectItemCaseSensitive(msg,
								"create_time"));
out:
	buf_release(&text);
	return rc;
}

/* The active thread: current_node up to the root, then read root first. */
static int read_gpt(struct tx_set *out, const cJSON *o)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(o, "mapping");
	const char *node = tx_json_str(o, "current_node");
	size_t max = (size_t)cJSON_GetArraySize(map), n = 0;
	const cJSON **path = xcalloc(max + 1, sizeof(*path));
	struct tx_conv *c = tx_set_add(out, "");
	int rc = 0;

	while (node && n < max) {      /* n < max also ends a cycle */
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(map, node);

		if (!cJSON_IsObject(it))
			break;
		path[n++] = it;
		node = tx_json_str(it, "parent");
	}
	while (n-- && !rc)
		rc = add_gpt_message(c, cJSON_GetObjectItemCaseSensitive(
			path[n], "message"));
	free(path);
	free(c->id);
	c->id = NULL;
	name_conv(c, o);
	return rc;
}

static int is_traj(const cJSON *o)
{
	return cJSON_IsObject(o) && cJSON_IsArray(
		cJSON_GetObjectItemCaseSensitive(o, "trajectory"));
}

static int read_traj(struct tx_set *out, const cJSON *o)
{
	const cJSON *hist = cJSON_GetObjectItemCaseSensitive(o, "history");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(o, "trajectory");
	const cJSON *it;
	struct tx_conv *c = tx_set_add(out, "");
	int rc = 0;

	cJSON_ArrayForEach(it, hist) {
		const char *role = tx_json_str(it, "role");

		if (role && !strcmp(role, "user")) {
			rc = add_message(c, it);
			break;
		}
	}
	cJSON_ArrayForEach(it, steps) {
		const char *thought = tx_json_str(it, "thought");
		const char *action = tx_json_str(it, "action");
		struct tx_msg *m;

		if (rc || !cJSON_IsObject(it))
			break;
		if (!thought)
			thought = tx_json_str(it, "response");
		if (!(m = tx_conv_add(c, TX_ASSISTANT, thought))) {
			rc = -E2BIG;
			break;
		}
		if (action && !tx_blank(action, strlen(action)))
			tx_msg_add_tool(m, "action", action);
	}
	free(c->id);
	c->id = tx_hash_id("swe", c);
	return rc;
}

static int is_conv(const cJSON *o)
{
	return cJSON_IsObject(o) &&
		cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "messages"));
}

static int read_conv(struct tx_set *out, const cJSON *o)
{
	struct tx_conv *c = tx_set_add(out, "");
	int rc = add_messages(c, cJSON_GetObjectItemCaseSensitive(o,
								  "messages"));

	free(c->id);
	c->id = NULL;
	name_conv(c, o);
	return rc;
}

static int read_doc(const cJSON *doc, struct tx_set *out, struct buf *err)
{
	const cJSON *it;
	struct tx_conv *c;
	int rc = 0, convs = 0;

	if (is_conv(doc))
		return read_conv(out, doc);
	if (is_gpt(doc))
		return read_gpt(out, doc);
	if (is_traj(doc))
		return read_traj(out, doc);
	if (cJSON_IsObject(doc) && tx_json_str(doc, "role")) {
		c = tx_set_add(out, "");
		rc = add_message(c, doc);
		free(c->id);
		c->id = tx_hash_id("chat", c);
		return rc;
	}
	if (!cJSON_IsArray(doc)) {
		buf_adds(err, not_chat);
		return -EILSEQ;
	}
	cJSON_ArrayForEach(it, doc)
		if ((is_conv(it) || is_gpt(it)) && !rc) {
			rc = is_conv(it) ? read_conv(out, it) :
				read_gpt(out, it);
			convs++;
		}
	if (convs || rc)
		return rc;
	cJSON_ArrayForEach(it, doc)
		convs += cJSON_IsObject(it) && tx_json_str(it, "role");
	if (!convs && cJSON_GetArraySize(doc)) {
		buf_adds(err, not_chat);
		return -EILSEQ;
	}
	c = tx_set_add(out, "");
	rc = add_messages(c, doc);
	free(c->id);
	c->id = tx_hash_id("chat", c);
	return rc;
}

struct jsonl {
	struct tx_set *out;
	size_t msgs;
};

static int on_line(void *ctx, const cJSON *o, size_t line)
{
	struct jsonl *j = ctx;

	(void)line;
	if (is_conv(o)) {
		j->msgs++;
		return read_conv(j->out, o);
	}
	if (!tx_json_str(o, "role"))
		return 0;
	j->msgs++;
	if (!j->out->n || j->out->conv[j->out->n - 1].id[0])
		tx_set_add(j->out, "");
	return add_message(&j->out->conv[j->out->n - 1], o);
}

static int read_jsonl(const char *data, size_t len, struct tx_set *out,
		      struct buf *err)
{
	struct jsonl j = { out, 0 };
	int rc = tx_jsonl_each(data, len, on_line, &j, &out->bad_line, err);

	for (size_t i = 0; !rc && i < out->n; i++)
		if (!out->conv[i].id[0]) {
			free(out->conv[i].id);
			out->conv[i].id = tx_hash_id("chat", &out->conv[i]);
		}
	if (!rc && !j.msgs) {
		buf_adds(err, not_chat);
		rc = -EILSEQ;
	}
	return rc;
}

int tx_read_chat(const char *name, const char *data, size_t len,
		 struct tx_set *out, struct buf *err)
{
	cJSON *doc;
	int rc;

	(void)name;
	rc = tx_json_parse(data, len, &doc);
	if (rc == -E2BIG) {
		buf_addf(err, "JSON nested deeper than %d levels",
			 TX_MAX_DEPTH);
		return rc;
	}
	if (!rc) {
		rc = read_doc(doc, out, err);
		cJSON_Delete(doc);
	} else if (tx_json_multiline(data, len)) {
		buf_addf(err, "line %zu: invalid JSON",
			 tx_json_error_line(data, len));
		return -EILSEQ;
	} else {
		rc = read_jsonl(data, len, out, err);
	}
	if (rc == -E2BIG && !err->len)
		buf_addf(err, "more than %d messages in one conversation",
			 TX_MAX_MSGS);
	return rc;
}

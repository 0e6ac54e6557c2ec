/* tx_codex.c: the Codex CLI rollout JSONL reader.
 *
 * Human turns and assistant text each appear twice in newer rollouts (an
 * event_msg user_message / agent_message and a response_item message), so
 * every candidate is collected first and one source of each is used: the
 * events when the file has any, else the response items (minus the injected
 * AGENTS.md / environment / instruction text).  Tool calls (function_call,
 * custom_tool_call, local_shell_call, web_search_call) become briefs on the
 * assistant ply they belong to; apply_patch names its files exactly. */
#include "common.h"
#include "tx_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum item_kind { I_EV_USER, I_RI_USER, I_EV_ASST, I_RI_ASST, I_TOOL };

struct item {
	enum item_kind kind;
	int64_t time;
	struct tx_msg m;         /* text, or tools and paths */
};

struct reader {
	struct item *it;
	size_t n, cap;
	char *id, *cwd, *title;
	int has[I_TOOL + 1];
};

static const char *const injected[] = {
	"environment_context", "user_instructions", "INSTRUCTIONS",
	"permissions instructions", "user_shell_command", "turn_aborted",
};

static struct item *add_item(struct reader *r, enum item_kind k, int64_t t)
{
	struct item *it;

	XGROW(r->it, r->cap, r->n + 1);
	it = &r->it[r->n++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	it->time = t;
	it->m.text = xstrdup("");
	r->has[k] = 1;
	return it;
}

/* Human text without injected blocks; "" when nothing human is left. */
static void human_text(const char *s, struct buf *b)
{
	buf_adds(b, s);
	tx_strip_tags(b, injected, ARRAY_SIZE(injected));
	tx_buf_trim(b);
	if (b->len && (!strncmp(b->p, "# AGENTS.md instructions", 24) ||
		       !strncmp(b->p, "<environment_context>", 21)))
		buf_reset(b);
}

static void add_text(struct reader *r, enum item_kind k, int64_t t,
		     const cJSON *content)
{
	struct buf raw = BUF_INIT(BUF_MAX_FILE), b = BUF_INIT(BUF_MAX_FILE);

	tx_json_text(content, &raw);
	if (k == I_EV_USER || k == I_RI_USER)
		human_text(buf_str(&raw), &b);
	else
		buf_adds(&b, buf_str(&raw)), tx_buf_trim(&b);
	if (b.len)
		tx_msg_add_text(&add_item(r, k, t)->m, b.p, "");
	buf_release(&raw);
	buf_release(&b);
}

/* "bash -lc X" -> X; otherwise the words joined by spaces. */
static void command_text(const cJSON *cmd, struct buf *b)
{
	const cJSON *w;
	int n = cJSON_GetArraySize(cmd);

	if (cJSON_IsString(cmd)) {
		buf_adds(b, cmd->valuestring);
		return;
	}
	if (n == 3 && cJSON_IsString(cJSON_GetArrayItem(cmd, 2)) &&
	    cJSON_IsString(cJSON_GetArrayItem(cmd, 1)) &&
	    cJSON_GetArrayItem(cmd, 1)->valuestring[0] == '-') {
		buf_adds(b, cJSON_GetArrayItem(cmd, 2)->valuestring);
		return;
	}
	cJSON_ArrayForEach(w, (cJSON_IsArray(cmd) ? cmd : NULL))
		if (cJSON_IsString(w)) {
			if (b->len)
				buf_addc(b, ' ');
			buf_adds(b, w->valuestring);
		}
}

static void patch_tool(struct tx_msg *m, const char *patch)
{
	struct buf files = BUF_INIT(BUF_MAX_SMALL);

	tx_patch_paths(patch, m, &files);
	tx_msg_add_tool(m, "apply_patch", buf_str(&files));
	buf_release(&files);
}

/* One tool call: name and its arguments (an object, maybe NULL). */
static void tool_call(struct tx_msg *m, const char *name, const cJSON *args,
		      const char *raw)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(args, "command");
	const cJSON *first = cJSON_GetArrayItem(cmd, 0);
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	const cJSON *it;

	if (!strcmp(name, "apply_patch")) {
		patch_tool(m, raw ? raw : tx_json_str(args, "input") ?
			   tx_json_str(args, "input") : "");
	} else if (cJSON_IsString(first) &&
		   !strcmp(first->valuestring, "apply_patch") &&
		   cJSON_IsString(cJSON_GetArrayItem(cmd, 1))) {
		patch_tool(m, cJSON_GetArrayItem(cmd, 1)->valuestring);
	} else if (cmd || tx_json_str(args, "cmd")) {
		if (cmd)
			command_text(cmd, &b);
		else
			buf_adds(&b, tx_json_str(args, "cmd"));
		tx_msg_add_tool(m, name, buf_str(&b));
	} else {
		const char *arg = raw;

		cJSON_ArrayForEach(it, (cJSON_IsObject(args) ? args : NULL))
			if (!arg && cJSON_IsString(it))
				arg = it->valuestring;
		tx_msg_add_tool(m, name, arg);
	}
	tx_msg_add_path(m, tx_json_str(args, "path"));
	tx_msg_add_path(m, tx_json_str(args, "file_path"));
	buf_release(&b);
}

static void read_tool(struct reader *r, const char *type, const cJSON *p,
		      int64_t t)
{
	struct tx_msg *m = &add_item(r, I_TOOL, t)->m;
	const char *name = tx_json_str(p, "name");
	const char *in = tx_json_str(p, "arguments");
	const cJSON *action = cJSON_GetObjectItemCaseSensitive(p, "action");
	cJSON *args = NULL;

	if (!strcmp(type, "local_shell_call")) {
		tool_call(m, "shell", action, NULL);
		return;
	}
	if (!strcmp(type, "web_search_call")) {
		tx_msg_add_tool(m, "web_search", tx_json_str(action, "query"));
		return;
	}
	name = name ? name : "tool";
	if (!in)
		in = tx_json_str(p, "input");
	if (in && tx_json_parse(in, strlen(in), &args))
		args = NULL;        /* raw input, e.g. a patch */
	if (!cJSON_IsObject(args) && !in)
		args = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
			p, "arguments"), 1);
	tool_call(m, name, cJSON_IsObject(args) ? args : NULL,
		  cJSON_IsObject(args) ? NULL : in);
	cJSON_Delete(args);
}

static void read_response(struct reader *r, const cJSON *p, int64_t t)
{
	const char *type = tx_json_str(p, "type");
	const char *role = tx_json_str(p, "role");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(p, "content");

	if (!type)
		return;
	if (!strcmp(type, "message") && role && !strcmp(role, "user"))
		add_text(r, I_RI_USER, t, content);
	else if (!strcmp(type, "message") && role &&
		 !strcmp(role, "assistant"))
		add_text(r, I_RI_ASST, t, content);
	else if (!strcmp(type, "function_call") ||
		 !strcmp(type, "custom_tool_call") ||
		 !strcmp(type, "local_shell_call") ||
		 !strcmp(type, "web_search_call"))
		read_tool(r, type, p, t);
}

static void read_event(struct reader *r, const cJSON *p, int64_t t)
{
	const char *type = tx_json_str(p, "type");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(p, "message");

	if (!type)
		return;
	if (!strcmp(type, "user_message"))
		add_text(r, I_EV_USER, t, msg);
	else if (!strcmp(type, "agent_message"))
		add_text(r, I_EV_ASST, t, msg);
	else if (!strcmp(type, "thread_name_updated") &&
		 tx_json_str(p, "thread_name"))
		tx_set_str(&r->title, tx_json_str(p, "thread_name"));
}

static int on_line(void *ctx, const cJSON *o, size_t line)
{
	struct reader *r = ctx;
	const char *type = tx_json_str(o, "type");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "payload");
	int64_t t = tx_json_time(cJSON_GetObjectItemCaseSensitive(o,
								 "timestamp"));

	(void)line;
	if (!type || !cJSON_IsObject(p))
		return 0;
	if (!strcmp(type, "session_meta") && !r->id && tx_json_str(p, "id")) {
		r->id = tx_clean(tx_json_str(p, "id"),
				 strlen(tx_json_str(p, "id")));
		tx_set_str(&r->cwd, tx_json_str(p, "cwd"));
	} else if (!strcmp(type, "response_item")) {
		read_response(r, p, t);
	} else if (!strcmp(type, "event_msg")) {
		read_event(r, p, t);
	}
	return 0;
}

/* The assistant ply a tool call or text joins, made when needed. */
static struct tx_msg *asst_ply(struct tx_conv *c, int64_t t, int for_text)
{
	struct tx_msg *m = c->nmsg ? &c->msg[c->nmsg - 1] : NULL;

	if (m && m->role == TX_ASSISTANT && (!for_text || !m->text[0]))
		return m;
	m = tx_conv_add(c, TX_ASSISTANT, "");
	if (m)
		m->time = t;
	return m;
}

static int build(struct reader *r, struct tx_conv *c)
{
	enum item_kind user = r->has[I_EV_USER] ? I_EV_USER : I_RI_USER;
	enum item_kind asst = r->has[I_RI_ASST] ? I_RI_ASST : I_EV_ASST;

	for (size_t i = 0; i < r->n; i++) {
		struct item *it = &r->it[i];
		struct tx_msg *m = NULL;

		if (it->kind == user) {
			m = tx_conv_add(c, TX_USER, it->m.text);
			if (m)
				m->time = it->time;
		} else if (it->kind == asst) {
			m = asst_ply(c, it->time, 1);
			if (m)
				tx_msg_add_text(m, it->m.text, "\n\n");
		} else if (it->kind == I_TOOL) {
			m = asst_ply(c, it->time, 0);
			if (m) {
				for (size_t k = 0; k < it->m.paths.n; k++)
					tx_msg_add_path(m, it->m.paths.v[k]);
				if (it->m.tools)
					tx_msg_add_tools(m, it->m.tools);
			}
		} else {
			continue;
		}
		if (!m)
			return -E2BIG;
	}
	return 0;
}

int tx_read_codex(const char *name, const char *data, size_t len,
		  struct tx_set *out, struct buf *err)
{
	struct reader r;
	struct tx_conv *c;
	int rc;

	(void)name;
	memset(&r, 0, sizeof(r));
	rc = tx_jsonl_each(data, len, on_line, &r, &out->bad_line, err);
	if (!rc) {
		c = tx_set_add(out, r.id ? r.id : "");
		rc = build(&r, c);
		if (rc)
			buf_addf(err, "more than %d messages in one "
				 "conversation", TX_MAX_MSGS);
		if (!rc && (!r.id || !r.id[0])) {   /* none, or "" */
			free(c->id);
			c->id = tx_hash_id("codex", c);
		}
		tx_set_str(&c->cwd, r.cwd);
		tx_set_str(&c->title, r.title);
	}
	for (size_t i = 0; i < r.n; i++) {
		free(r.it[i].m.text);
		free(r.it[i].m.tools);
		strv_clear(&r.it[i].m.paths);
	}
	free(r.it);
	free(r.id);
	free(r.cwd);
	free(r.title);
	return rc;
}

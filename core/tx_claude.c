/* tx_claude.c: the Claude Code session JSONL reader.
 *
 * Three passes: read every line into an entry (deduplicated by uuid; only
 * user and assistant lines keep content, other lines keep their links so the
 * parentUuid chain stays whole); order the entries so that every line
 * follows its parent and otherwise keeps file order (missing parents start
 * a new root, cycles are broken at the first line met); then walk that order
 * into plies: assistant lines sharing message.id become one ply, failed tool
 * results add "error: ..." to the ply that called the tool, inline
 * sidechains become conversations of their own, and a file that is all
 * sidechain (a v2.0/v2.1 subagent file) becomes one subagent conversation. */
#include "common.h"
#include "tx_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE ((size_t)-1)

enum ent_kind { E_OTHER, E_HUMAN, E_ASSIST };

struct ent {
	char *uuid, *parent, *agent, *msg_id;
	int64_t time;
	enum ent_kind kind;
	unsigned side : 1;
	unsigned queued : 1;     /* a message typed while the agent worked */
	struct tx_msg m;         /* text, tools, paths (human or assistant) */
	struct strv use_ids;     /* tool_use ids of an assistant line */
	struct strv err_ids;     /* failed tool results: tool_use_id ... */
	struct strv err_text;    /* ... and its text */
};

struct reader {
	struct ent *e;
	size_t n, cap;
	struct tx_map uuids;     /* uuid -> entry */
	struct tx_map sids;      /* sessionIds seen */
	char *first_sid, *cwd, *agent;
	int scripted;            /* an entrypoint of a non-interactive run */
	char *summary, *ai_title, *custom_title;
	struct strv task_prompt; /* Task calls: the prompt a sidechain starts */
	struct strv task_desc;   /* with, and its description (the title) */
};

/* Markup Claude Code injects into user lines: cut out of real user text. */
static const char *const injected[] = {
	"system-reminder", "command-name", "command-message", "command-args",
	"command-contents", "local-command-stdout", "local-command-stderr",
	"local-command-caveat", "bash-input", "bash-stdout", "bash-stderr",
	"task-notification", "user-prompt-submit-hook", "ide_opened_file",
	"ide_selection", "ide_diagnostics",
};

/* Context blocks Claude Code adds to real user text: cut out first. */
static const char *const context_tags[] = {
	"system-reminder", "ide_opened_file", "ide_selection",
	"ide_diagnostics",
};

/* User text that starts with injected markup is not typed by a human even
 * when plain text follows (a task notification ends in an instruction). */
static int injected_start(const char *s)
{
	static const char *const starts[] = {
		"<command-", "<local-command-", "<bash-", "<task-notification>",
		"<user-prompt-submit-hook>", "[Request interrupted by user",
	};

	for (size_t i = 0; i < ARRAY_SIZE(starts); i++)
		if (!strncmp(s, starts[i], strlen(starts[i])))
			return 1;
	return 0;
}

/* The content of the first <tag>...</tag> in s, trimmed, into b. */
static void tag_content(const char *s, const char *tag, struct buf *b)
{
	char open[64], close[64];
	const char *a, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(s, open);
	e = a ? strstr(a, close) : NULL;
	if (!e)
		return;
	a += strlen(open);
	buf_add(b, a, (size_t)(e - a));
	tx_buf_trim(b);
}

/* Claude Code's own commands: with arguments still no request to the
 * agent ("/compact keep the API notes", "/model opus"). */
static int builtin_command(const char *name)
{
	static const char *const cmds[] = {
		"/compact", "/clear", "/model", "/config", "/mcp", "/login",
		"/logout", "/resume", "/permissions", "/cost", "/status",
		"/help", "/exit", "/doctor", "/hooks", "/agents", "/add-dir",
		"/theme", "/vim", "/output-style", "/statusline", "/export",
		"/rewind", "/context", "/usage", "/plugin", "/ide", "/terminal-setup",
	};
	size_t n = strcspn(name, " \n");

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (n == strlen(cmds[i]) && !strncmp(name, cmds[i], n))
			return 1;
	return 0;
}

/* Injected text is not a turn, except a slash command the human gave
 * arguments to ("/review the login flow"): that keeps "/name args". */
static void slash_command(struct buf *text)
{
	struct buf name = BUF_INIT(BUF_MAX_SMALL);
	struct buf args = BUF_INIT(BUF_MAX_FILE);

	tag_content(buf_str(text), "command-name", &name);
	tag_content(buf_str(text), "command-args", &args);
	buf_reset(text);
	if (args.len && !builtin_command(buf_str(&name)))
		buf_addf(text, "%s%s%s", buf_str(&name), name.len ? " " : "",
			 args.p);
	buf_release(&name);
	buf_release(&args);
}

static void ent_release(struct ent *e)
{
	free(e->uuid);
	free(e->parent);
	free(e->agent);
	free(e->msg_id);
	free(e->m.text);
	free(e->m.tools);
	strv_clear(&e->m.paths);
	strv_clear(&e->use_ids);
	strv_clear(&e->err_ids);
	strv_clear(&e->err_text);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Cuts every "[Request interrupted by user...]" out of b. */
static void strip_interrupts(struct buf *b)
{
	static const char mark[] = "[Request interrupted by user";
	char *a;

	while (b->len && (a = strstr(b->p, mark))) {
		char *e = strchr(a, ']');

		e = e ? e + 1 : b->p + b->len;
		memmove(a, e, (size_t)(b->p + b->len - e) + 1);
		b->len -= (size_t)(e - a);
	}
}

/* Text of a tool_result's content (string or text blocks). */
static void result_text(const cJSON *block, struct buf *b)
{
	tx_json_text(cJSON_GetObjectItemCaseSensitive(block, "content"), b);
}

static void read_user(struct ent *e, const cJSON *o, const cJSON *msg)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	const cJSON *it;
	struct buf text = BUF_INIT(BUF_MAX_FILE);

	if (cJSON_IsString(content))
		buf_adds(&text, content->valuestring);
	cJSON_ArrayForEach(it, (cJSON_IsArray(content) ? content : NULL)) {
		const char *t = tx_json_str(it, "type");
		const char *id = tx_json_str(it, "tool_use_id");

		if (t && !strcmp(t, "text")) {
			if (text.len)
				buf_adds(&text, "\n\n");
			buf_adds(&text, tx_json_str(it, "text") ?
				 tx_json_str(it, "text") : "");
		} else if (t && !strcmp(t, "tool_result") && id &&
			   tx_json_true(it, "is_error")) {
			struct buf r = BUF_INIT(BUF_MAX_FILE);

			result_text(it, &r);
			strv_push(&e->err_ids, id);
			strv_push(&e->err_text, buf_str(&r));
			buf_release(&r);
		}
	}
	if (!tx_json_true(o, "isMeta") &&
	    !tx_json_true(o, "isCompactSummary") &&
	    !tx_json_true(o, "isVisibleInTranscriptOnly") && text.len) {
		tx_strip_tags(&text, context_tags, ARRAY_SIZE(context_tags));
		tx_buf_trim(&text);
		if (injected_start(buf_str(&text)))
			slash_command(&text);
		tx_strip_tags(&text, injected, ARRAY_SIZE(injected));
		strip_interrupts(&text);
		tx_buf_trim(&text);
		if (text.len) {
			e->kind = E_HUMAN;
			e->m.text = tx_clean(text.p, text.len);
		}
	}
	buf_release(&text);
}

/* The input field a tool's brief shows, by tool name. */
static const char *brief_key(const char *name)
{
	static const char *const map[][2] = {
		{ "Bash", "command" }, { "Read", "file_path" },
		{ "Write", "file_path" }, { "Edit", "file_path" },
		{ "MultiEdit", "file_path" },
		{ "NotebookEdit", "notebook_path" },
		{ "NotebookRead", "notebook_path" }, { "Glob", "pattern" },
		{ "Grep", "pattern" }, { "LS", "path" }, { "WebFetch", "url" },
		{ "WebSearch", "query" }, { "Task", "description" },
		{ "Agent", "description" }, { "Skill", "skill" },
		{ "SlashCommand", "command" }, { "BashOutput", "bash_id" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcasecmp(name, map[i][0]))
			return map[i][1];
	return NULL;
}

static const char *first_string(const cJSON *input)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, (cJSON_IsObject(input) ? input : NULL))
		if (cJSON_IsString(it))
			return it->valuestring;
	return NULL;
}

/* Remembers a Task call so the sidechain it starts gets its title. */
static void remember_task(struct reader *r, const cJSON *in)
{
	const char *p = tx_json_str(in, "prompt");
	const char *d = tx_json_str(in, "description");
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	char *clean;

	if (!p || !d)
		return;
	clean = tx_clean(p, strlen(p));
	buf_adds(&b, clean);
	tx_buf_trim(&b);
	strv_push(&r->task_prompt, buf_str(&b));
	strv_push(&r->task_desc, d);
	free(clean);
	buf_release(&b);
}

static void tool_use(struct reader *r, struct ent *e, const cJSON *block)
{
	const char *name = tx_json_str(block, "name");
	const char *id = tx_json_str(block, "id");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(block, "input");
	const char *key, *arg;

	name = name ? name : "tool";
	key = brief_key(name);
	arg = key ? tx_json_str(in, key) : NULL;
	if (!arg && !key)
		arg = first_string(in);
	if (!strcasecmp(name, "Task") || !strcasecmp(name, "Agent"))
		remember_task(r, in);
	tx_msg_add_tool(&e->m, name, arg);
	tx_msg_add_path(&e->m, tx_json_str(in, "file_path"));
	tx_msg_add_path(&e->m, tx_json_str(in, "notebook_path"));
	/* Glob, Grep and LS name a directory to search: no file touched */
	if (id)
		strv_push(&e->use_ids, id);
}

static void read_assistant(struct reader *r, struct ent *e, const cJSON *o,
			   const cJSON *msg)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	const char *model = tx_json_str(msg, "model");
	const cJSON *it;
	struct buf text = BUF_INIT(BUF_MAX_FILE);

	if (tx_json_true(o, "isApiErrorMessage") ||
	    (model && !strcmp(model, "<synthetic>")))
		return;
	e->m.text = xstrdup("");
	tx_json_text(content, &text);       /* thinking blocks are not text */
	cJSON_ArrayForEach(it, (cJSON_IsArray(content) ? content : NULL)) {
		const char *t = tx_json_str(it, "type");

		if (t && !strcmp(t, "tool_use"))
			tool_use(r, e, it);
	}
	tx_buf_trim(&text);
	if (text.len)
		tx_msg_add_text(&e->m, text.p, "");
	if (text.len || e->m.tools) {
		e->kind = E_ASSIST;
		e->msg_id = dup_or_null(tx_json_str(msg, "id"));
	}
	buf_release(&text);
}

static void read_title(struct reader *r, const char *type, const cJSON *o)
{
	if (!strcmp(type, "summary"))
		tx_set_str(&r->summary, tx_json_str(o, "summary"));
	else if (!strcmp(type, "ai-title") && tx_json_str(o, "aiTitle"))
		tx_set_str(&r->ai_title, tx_json_str(o, "aiTitle"));
	else if (!strcmp(type, "custom-title") && tx_json_str(o, "customTitle"))
		tx_set_str(&r->custom_title, tx_json_str(o, "customTitle"));
}

/* A "queue-operation" enqueue holds what the human typed while the agent
 * worked ("new beads were added. tackle them"); it reaches the model
 * without a user line of its own, so it is a human turn here, in file
 * order.  Notifications and commands queued the same way are not. */
static void read_queued(struct reader *r, const cJSON *o)
{
	const char *op = tx_json_str(o, "operation");
	const char *text = tx_json_str(o, "content");
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	struct ent *e;

	if (!op || strcmp(op, "enqueue") || !text)
		return;
	buf_adds(&b, text);
	tx_buf_trim(&b);
	if (!b.len || injected_start(buf_str(&b)) || b.p[0] == '/' ||
	    !strcmp(buf_str(&b), "tool_result")) {
		buf_release(&b);
		return;
	}
	XGROW(r->e, r->cap, r->n + 1);
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = E_HUMAN;
	e->queued = 1;
	e->time = tx_json_time(cJSON_GetObjectItemCaseSensitive(o,
								 "timestamp"));
	e->m.text = tx_clean(b.p, b.len);
	buf_release(&b);
}

/* A queued message that also came back as a user line is that line. */
static void drop_replayed_queue(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!r->e[i].queued)
			continue;
		for (size_t k = 0; k < r->n; k++)
			if (k != i && r->e[k].kind == E_HUMAN &&
			    !r->e[k].queued &&
			    !strcmp(r->e[k].m.text, r->e[i].m.text)) {
				r->e[i].kind = E_OTHER;
				break;
			}
	}
}

static int on_line(void *ctx, const cJSON *o, size_t line)
{
	struct reader *r = ctx;
	const char *type = tx_json_str(o, "type");
	const char *uuid = tx_json_str(o, "uuid");
	const char *sid = tx_json_str(o, "sessionId");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
	int user, asst;
	struct ent *e;

	(void)line;
	if (!type)
		return 0;
	if (!strcmp(type, "queue-operation")) {
		read_queued(r, o);
		return 0;
	}
	read_title(r, type, o);
	if (sid && tx_map_add(&r->sids, sid, 0) && !r->first_sid)
		r->first_sid = xstrdup(sid);
	if (!r->cwd && tx_json_str(o, "cwd"))
		r->cwd = xstrdup(tx_json_str(o, "cwd"));
	if (!r->agent && tx_json_str(o, "agentId"))
		r->agent = xstrdup(tx_json_str(o, "agentId"));
	if (tx_json_str(o, "entrypoint"))   /* "cli" interactive; "sdk-cli"
					       (claude -p), "sdk-ts", "sdk-py" */
		r->scripted = !strncmp(tx_json_str(o, "entrypoint"), "sdk", 3);
	user = !strcmp(type, "user");
	asst = !strcmp(type, "assistant");
	if ((!uuid && !user && !asst) || (uuid && !tx_map_add(&r->uuids, uuid,
							     r->n)))
		return 0;   /* no place in the chain, or a replayed line */
	XGROW(r->e, r->cap, r->n + 1);
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->uuid = dup_or_null(uuid);
	e->parent = dup_or_null(tx_json_str(o, "parentUuid"));
	e->agent = dup_or_null(tx_json_str(o, "agentId"));
	e->side = tx_json_true(o, "isSidechain");
	e->time = tx_json_time(cJSON_GetObjectItemCaseSensitive(o,
								 "timestamp"));
	if (user && cJSON_IsObject(msg))
		read_user(e, o, msg);
	else if (asst && cJSON_IsObject(msg))
		read_assistant(r, e, o, msg);
	return 0;
}

/* ---- ordering ---- */

struct order {
	size_t *parent;          /* entry index of the parent, or NONE */
	size_t *wait_first, *wait_last, *wait_next;   /* children waiting */
	char *done;
	size_t *out, nout;
};

/* Emits i, then (depth first) the entries that waited for it. */
static void emit_tree(struct order *o, size_t i, size_t *stack)
{
	size_t sp = 0;

	stack[sp++] = i;
	while (sp) {
		size_t j = stack[--sp], k, pos;

		if (o->done[j])
			continue;
		o->done[j] = 1;
		o->out[o->nout++] = j;
		for (k = o->wait_first[j]; k != NONE; k = o->wait_next[k])
			sp++;
		/* the first in file order goes on top, so it comes next */
		pos = sp;
		for (k = o->wait_first[j]; k != NONE; k = o->wait_next[k])
			stack[--pos] = k;
	}
}

static void order_entries(struct reader *r, struct order *o)
{
	size_t n = r->n, *stack, i;

	o->parent = xcalloc(n + 1, sizeof(size_t));
	o->wait_first = xcalloc(n + 1, sizeof(size_t));
	o->wait_last = xcalloc(n + 1, sizeof(size_t));
	o->wait_next = xcalloc(n + 1, sizeof(size_t));
	o->done = xcalloc(n + 1, 1);
	o->out = xcalloc(n + 1, sizeof(size_t));
	o->nout = 0;
	stack = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		size_t p;

		o->wait_first[i] = o->wait_last[i] = o->wait_next[i] = NONE;
		o->parent[i] = NONE;
		if (r->e[i].parent && tx_map_get(&r->uuids, r->e[i].parent, &p)
		    && p != i)
			o->parent[i] = p;
	}
	for (i = 0; i < n; i++) {
		size_t p = o->parent[i];

		if (o->done[i])
			continue;
		if (p == NONE || o->done[p]) {
			emit_tree(o, i, stack);
			continue;
		}
		if (o->wait_last[p] == NONE)
			o->wait_first[p] = i;
		else
			o->wait_next[o->wait_last[p]] = i;
		o->wait_last[p] = i;
	}
	for (i = 0; i < n; i++)      /* what waits on a cycle */
		if (!o->done[i])
			emit_tree(o, i, stack);
	free(stack);
}

static void order_release(struct order *o)
{
	free(o->parent);
	free(o->wait_first);
	free(o->wait_last);
	free(o->wait_next);
	free(o->done);
	free(o->out);
}

/* ---- plies ---- */

enum conv_kind { C_MAIN, C_SIDE, C_AGENT };

struct build {
	struct reader *r;
	struct order *o;
	struct tx_set *set;
	size_t *conv_of;         /* entry -> conversation, or NONE */
	enum conv_kind *kind;    /* per conversation */
	struct strv keys;        /* per conversation: agent-X, sidechain-U */
	size_t kcap;
	size_t main;             /* the main conversation, or NONE */
	struct tx_map plies;     /* "conv:message.id" -> ply */
	struct tx_map tools;     /* tool_use id -> conv << 32 | ply */
	struct tx_map side;      /* key -> conversation */
};

static size_t new_conv(struct build *b, enum conv_kind k, const char *key)
{
	tx_set_add(b->set, "");
	XGROW(b->kind, b->kcap, b->set->n);
	b->kind[b->set->n - 1] = k;
	strv_push(&b->keys, key);
	if (k == C_SIDE)
		tx_map_add(&b->side, key, b->set->n - 1);
	return b->set->n - 1;
}

/* A file whose every user/assistant line is a sidechain is a subagent's. */
static int subagent_file(const struct reader *r)
{
	int side = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->e[i].kind == E_OTHER)
			continue;
		if (!r->e[i].side)
			return 0;
		side = 1;
	}
	return side;
}

static size_t conv_for(struct build *b, size_t j, int agent_file)
{
	const struct ent *e = &b->r->e[j];
	size_t p = b->o->parent[j], c;
	struct buf key = BUF_INIT(BUF_MAX_SMALL);

	if (agent_file || !e->side) {
		if (b->main == NONE)
			b->main = new_conv(b, agent_file ? C_AGENT : C_MAIN,
					   "");
		return b->conv_of[j] = b->main;
	}
	if (p != NONE && b->r->e[p].side && b->conv_of[p] != NONE)
		return b->conv_of[j] = b->conv_of[p];
	if (e->agent)
		buf_addf(&key, "agent-%s", e->agent);
	else
		buf_addf(&key, "sidechain-%s", e->uuid ? e->uuid : "0");
	if (!tx_map_get(&b->side, buf_str(&key), &c))
		c = new_conv(b, C_SIDE, buf_str(&key));
	buf_release(&key);
	return b->conv_of[j] = c;
}

static void add_errors(struct build *b, const struct ent *e)
{
	for (size_t i = 0; i < e->err_ids.n; i++) {
		size_t ref;

		struct tx_conv *c;

		if (!tx_map_get(&b->tools, e->err_ids.v[i], &ref))
			continue;
		c = &b->set->conv[ref >> 32];
		tx_msg_add_error(&c->msg[ref & 0xffffffffu], e->err_text.v[i]);
	}
}

/* Adds the text, tools and paths of src to dst (same response, later line). */
static void merge_ply(struct tx_msg *dst, struct tx_msg *src)
{
	if (src->text[0])
		tx_msg_add_text(dst, src->text, "\n\n");
	tx_msg_add_tools(dst, src->tools);
	for (size_t i = 0; i < src->paths.n; i++)
		tx_msg_add_path(dst, src->paths.v[i]);
	dst->tool_use |= src->tool_use;
}

static int add_assistant(struct build *b, size_t ci, struct ent *e)
{
	struct tx_conv *c = &b->set->conv[ci];
	struct buf key = BUF_INIT(BUF_MAX_SMALL);
	struct tx_msg *m;
	size_t pi;

	if (e->msg_id)
		buf_addf(&key, "%zu:%s", ci, e->msg_id);
	if (e->msg_id && tx_map_get(&b->plies, buf_str(&key), &pi)) {
		m = &c->msg[pi];
	} else {
		m = tx_conv_add(c, TX_ASSISTANT, "");
		if (!m) {
			buf_release(&key);
			return -E2BIG;
		}
		pi = c->nmsg - 1;
		m->time = e->time;
		tx_set_str(&m->source_id, e->msg_id ? e->msg_id : e->uuid);
		if (e->msg_id)
			tx_map_add(&b->plies, buf_str(&key), pi);
	}
	merge_ply(m, &e->m);
	for (size_t i = 0; i < e->use_ids.n; i++)
		tx_map_add(&b->tools, e->use_ids.v[i], (ci << 32) | pi);
	buf_release(&key);
	return 0;
}

static int add_entry(struct build *b, size_t j, int agent_file)
{
	struct ent *e = &b->r->e[j];
	size_t ci = conv_for(b, j, agent_file);
	struct tx_msg *m;

	add_errors(b, e);
	if (e->kind == E_ASSIST)
		return add_assistant(b, ci, e);
	if (e->kind != E_HUMAN)
		return 0;
	m = tx_conv_add(&b->set->conv[ci], TX_USER, e->m.text);
	if (!m)
		return -E2BIG;
	m->time = e->time;
	tx_set_str(&m->source_id, e->uuid);
	return 0;
}


/* Last path component of name without ".jsonl"; owned. */
static char *stem(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t n;

	base = base ? base + 1 : name;
	n = strlen(base);
	if (n > 6 && !strcmp(base + n - 6, ".jsonl"))
		n -= 6;
	return xstrndup(base, n);
}

/* "<P>" of a v2.1 path ".../<P>/subagents/agent-x.jsonl", owned, or NULL. */
static char *path_parent(const char *name)
{
	const char *s = strstr(name, "/subagents/agent-"), *a;

	if (!s || strchr(s + 11, '/'))
		return NULL;
	for (a = s; a > name && a[-1] != '/'; a--)
		;
	return a < s ? xstrndup(a, (size_t)(s - a)) : NULL;
}

/* Title of a subagent from the .meta.json beside its file. */
static char *agent_title(const char *name)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), data = BUF_INIT(64 << 10);
	size_t n = strlen(name);
	char *title = NULL;
	cJSON *o;

	if (n > 6 && !strcmp(name + n - 6, ".jsonl") &&
	    !buf_addf(&path, "%.*s.meta.json", (int)(n - 6), name) &&
	    !buf_read_file(&data, path.p) && !tx_json_parse(data.p, data.len,
							       &o)) {
		const char *t = tx_json_str(o, "agentType");
		const char *d = tx_json_str(o, "description");
		struct buf tb = BUF_INIT(BUF_MAX_SMALL);

		if (t && d)
			buf_addf(&tb, "%s: %s", t, d);
		else if (t || d)
			buf_adds(&tb, t ? t : d);
		if (tb.len)
			title = tx_clean(tb.p, tb.len);
		buf_release(&tb);
		cJSON_Delete(o);
	}
	buf_release(&path);
	buf_release(&data);
	return title;
}

static void name_agent(struct build *b, struct tx_conv *c, const char *name)
{
	struct reader *r = b->r;
	char *parent = path_parent(name), *st = stem(name), *id;
	struct buf buf = BUF_INIT(BUF_MAX_SMALL);
	const char *agent = r->agent;

	if (!parent && r->first_sid && strncmp(r->first_sid, "agent-", 6))
		parent = xstrdup(r->first_sid);
	if (!agent && !strncmp(st, "agent-", 6) && st[6])
		agent = st + 6;
	if (!agent && r->n && r->e[0].uuid)
		agent = r->e[0].uuid;
	id = agent ? NULL : tx_hash_id("h", c);
	if (parent)
		buf_addf(&buf, "%s/", parent);
	buf_addf(&buf, "agent-%s", agent ? agent : id);
	tx_set_str(&c->id, buf_str(&buf));
	c->parent = parent;
	c->title = agent_title(name);
	free(st);
	free(id);
	buf_release(&buf);
}

/* The description of the Task call whose prompt opens sidechain c. */
static const char *task_title(const struct reader *r, const struct tx_conv *c)
{
	if (!c->nmsg || c->msg[0].role != TX_USER)
		return NULL;
	for (size_t i = 0; i < r->task_prompt.n; i++)
		if (!strcmp(r->task_prompt.v[i], c->msg[0].text))
			return r->task_desc.v[i];
	return NULL;
}

static void name_convs(struct build *b, const char *name)
{
	struct reader *r = b->r;
	char *st = stem(name), *main_id;
	size_t v;

	if (tx_map_get(&r->sids, st, &v))
		main_id = xstrdup(st);
	else if (r->first_sid)
		main_id = xstrdup(r->first_sid);
	else
		main_id = b->main != NONE ? tx_hash_id("claude",
						       &b->set->conv[b->main]) :
			xstrdup("claude-0");
	for (size_t i = 0; i < b->set->n; i++) {
		struct tx_conv *c = &b->set->conv[i];
		struct buf id = BUF_INIT(BUF_MAX_SMALL);

		tx_set_str(&c->cwd, r->cwd);
		c->scripted = !!r->scripted;
		if (b->kind[i] == C_AGENT) {
			name_agent(b, c, name);
		} else if (b->kind[i] == C_MAIN) {
			tx_set_str(&c->id, main_id);
			tx_set_str(&c->title, r->custom_title ?
				   r->custom_title : r->ai_title ? r->ai_title :
				   r->summary);
		} else {
			buf_addf(&id, "%s/%s", main_id, b->keys.v[i]);
			tx_set_str(&c->id, buf_str(&id));
			tx_set_str(&c->parent, main_id);
			tx_set_str(&c->title, task_title(r, c));
		}
		buf_release(&id);
	}
	free(st);
	free(main_id);
}

static int build_set(struct reader *r, struct order *o, const char *name,
		     struct tx_set *set)
{
	struct build b = { r, o, set, NULL, NULL, STRV_INIT, 0, NONE,
			   TX_MAP_INIT, TX_MAP_INIT, TX_MAP_INIT };
	int agent_file = subagent_file(r), rc = 0;

	b.conv_of = xcalloc(r->n + 1, sizeof(size_t));
	for (size_t i = 0; i < r->n; i++)
		b.conv_of[i] = NONE;
	for (size_t k = 0; !rc && k < o->nout; k++)
		rc = add_entry(&b, o->out[k], agent_file);
	if (!rc)
		name_convs(&b, name);
	free(b.conv_of);
	free(b.kind);
	strv_clear(&b.keys);
	tx_map_release(&b.plies);
	tx_map_release(&b.tools);
	tx_map_release(&b.side);
	return rc;
}

static void reader_release(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++)
		ent_release(&r->e[i]);
	free(r->e);
	tx_map_release(&r->uuids);
	tx_map_release(&r->sids);
	free(r->first_sid);
	free(r->cwd);
	free(r->agent);
	free(r->summary);
	free(r->ai_title);
	free(r->custom_title);
	strv_clear(&r->task_prompt);
	strv_clear(&r->task_desc);
}

int tx_read_claude(const char *name, const char *data, size_t len,
		   struct tx_set *out, struct buf *err)
{
	struct reader r;
	struct order o;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = tx_jsonl_each(data, len, on_line, &r, &out->bad_line, err);
	if (!rc) {
		drop_replayed_queue(&r);
		order_entries(&r, &o);
		rc = build_set(&r, &o, name, out);
		if (rc == -E2BIG)
			buf_addf(err, "more than %d messages in one "
				 "conversation", TX_MAX_MSGS);
		order_release(&o);
	}
	reader_release(&r);
	return rc;
}

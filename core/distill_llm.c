/* distill_llm.c: what the LLM distiller asks and what it accepts back: the
 * prompt, the JSON schema sent through response_format, the request body,
 * the cache key, and the parsing and validation of a reply into the four
 * fields (files_touched excepted: that never comes from the LLM).  A
 * secret the model copies is masked (core, labels) or dropped (context). */
#include "common.h"
#include "llm.h"
#include "redact.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char prompt[] =
	"You turn one exchange between a person and a coding agent into a "
	"small memory record. Answer with a single JSON object and nothing "
	"else. Its fields:\n"
	"- exchange_core: one or two sentences on what was done or decided "
	"in this exchange, written like a git commit message. Use the "
	"exchange's own terms (function, file, command and error names). "
	"Add nothing the exchange does not say.\n"
	"- specific_context: one concrete detail copied character for "
	"character from the exchange: a number with its unit, an error "
	"message, a parameter or function name, or a file path (not the "
	"project's root directory). At most 150 characters; an empty string "
	"when there is none.\n"
	"- room_assignments: one to three topics the exchange belongs to. "
	"Each has room_type (\"file\" for a source file, \"concept\" for an "
	"idea, component or problem, \"workflow\" for a process such as "
	"testing, building, releasing or deploying), room_key (a short, "
	"specific identifier in lower case with underscores, such as "
	"retry_timeout or core/buf.c; never a generic word like errors or "
	"code), room_label (a few words for a person) and relevance (0 to 1: "
	"how central the topic is to the exchange).";

/* Only the subset of JSON Schema that strict structured-output modes and
 * llama.cpp's grammars all accept (no string lengths, no number ranges);
 * llm_parse_fields checks the rest. */
static cJSON *str_prop(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "string");
	return o;
}

static cJSON *room_schema(void)
{
	static const char *const types[] = { "file", "concept", "workflow" };
	static const char *const req[] = {
		"room_type", "room_key", "room_label", "relevance",
	};
	cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject(), *t;

	cJSON_AddStringToObject(o, "type", "object");
	t = str_prop();
	cJSON_AddItemToObject(t, "enum", cJSON_CreateStringArray(types, 3));
	cJSON_AddItemToObject(p, "room_type", t);
	cJSON_AddItemToObject(p, "room_key", str_prop());
	cJSON_AddItemToObject(p, "room_label", str_prop());
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "type", "number");
	cJSON_AddItemToObject(p, "relevance", t);
	cJSON_AddItemToObject(o, "properties", p);
	cJSON_AddItemToObject(o, "required", cJSON_CreateStringArray(req, 4));
	cJSON_AddFalseToObject(o, "additionalProperties");
	return o;
}

static cJSON *make_schema(void)
{
	static const char *const req[] = {
		"exchange_core", "specific_context", "room_assignments",
	};
	cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject();
	cJSON *rooms = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "object");
	cJSON_AddItemToObject(p, "exchange_core", str_prop());
	cJSON_AddItemToObject(p, "specific_context", str_prop());
	cJSON_AddStringToObject(rooms, "type", "array");
	cJSON_AddNumberToObject(rooms, "minItems", 1);
	cJSON_AddNumberToObject(rooms, "maxItems", DISTILL_MAX_ROOMS);
	cJSON_AddItemToObject(rooms, "items", room_schema());
	cJSON_AddItemToObject(p, "room_assignments", rooms);
	cJSON_AddItemToObject(o, "properties", p);
	cJSON_AddItemToObject(o, "required", cJSON_CreateStringArray(req, 3));
	cJSON_AddFalseToObject(o, "additionalProperties");
	return o;
}

/* Backs n up to the start of a UTF-8 sequence. */
static size_t utf8_floor(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The text sent: all of it, or its head and tail around a marker. */
static char *clip_text(const char *v, size_t max)
{
	size_t n = strlen(v), head, start;
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	if (n <= max)
		return xstrdup(v);
	head = utf8_floor(v, max * 2 / 3);
	start = n - (max - head);
	while (start < n && ((unsigned char)v[start] & 0xc0) == 0x80)
		start++;
	buf_add(&b, v, head);
	buf_addf(&b, "\n[... %zu bytes left out ...]\n", start - head);
	buf_add(&b, v + start, n - start);
	return buf_detach(&b);
}

static cJSON *message(const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	return m;
}

char *llm_request_body(const struct llm_config *cfg, const char *verbatim,
		       int schema)
{
	cJSON *o = cJSON_CreateObject(), *msgs = cJSON_CreateArray();
	cJSON *rf = cJSON_CreateObject(), *js = cJSON_CreateObject();
	struct buf user = BUF_INIT(BUF_MAX_TEXT);
	char *text = clip_text(verbatim, cfg->max_chars), *out;

	if (cfg->model && *cfg->model)
		cJSON_AddStringToObject(o, "model", cfg->model);
	buf_addf(&user, "The exchange:\n\n%s", text);
	cJSON_AddItemToArray(msgs, message("system", prompt));
	cJSON_AddItemToArray(msgs, message("user", buf_str(&user)));
	cJSON_AddItemToObject(o, "messages", msgs);
	cJSON_AddNumberToObject(o, "temperature", 0);
	cJSON_AddNumberToObject(o, "max_tokens", 1024);
	cJSON_AddFalseToObject(o, "stream");
	cJSON_AddStringToObject(rf, "type", "json_schema");
	cJSON_AddStringToObject(js, "name", "exchange_distillation");
	cJSON_AddTrueToObject(js, "strict");
	cJSON_AddItemToObject(js, "schema", make_schema());
	cJSON_AddItemToObject(rf, "json_schema", js);
	if (schema)
		cJSON_AddItemToObject(o, "response_format", rf);
	else
		cJSON_Delete(rf);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	buf_release(&user);
	free(text);
	if (!out)
		abort();
	return out;
}

void llm_cache_key(const struct llm_config *cfg, const char *verbatim,
		   char out[HASH_HEX_LEN + 1])
{
	struct hash_ctx h;
	const char *model = cfg->model ? cfg->model : "";

	hash_init(&h);
	hash_update(&h, LLM_PROMPT_VERSION, sizeof(LLM_PROMPT_VERSION));
	hash_update(&h, model, strlen(model) + 1);
	hash_update(&h, verbatim, strlen(verbatim));
	hash_final(&h, out);
}

int llm_reply_content(const char *body, size_t len, char **content,
		      struct buf *why)
{
	cJSON *o = cJSON_ParseWithLength(body, len), *c, *m;

	*content = NULL;
	if (!cJSON_IsObject(o)) {
		buf_adds(why, "the body is not a JSON object");
		cJSON_Delete(o);
		return -EBADMSG;
	}
	c = cJSON_GetObjectItemCaseSensitive(o, "choices");
	c = cJSON_IsArray(c) ? cJSON_GetArrayItem(c, 0) : NULL;
	m = cJSON_GetObjectItemCaseSensitive(c, "message");
	c = cJSON_GetObjectItemCaseSensitive(m, "content");
	if (cJSON_IsString(c) && c->valuestring[0])
		*content = xstrdup(c->valuestring);
	else if (cJSON_IsObject(c))
		*content = cJSON_PrintUnformatted(c);
	cJSON_Delete(o);
	if (!*content) {
		buf_adds(why, "no choices[0].message.content in the body");
		return -EBADMSG;
	}
	return 0;
}

/* The JSON object in content: bare, inside ``` fences, or amid prose. */
static cJSON *find_object(const char *s)
{
	const char *f = strstr(s, "```"), *a, *b;
	cJSON *o = cJSON_Parse(s);

	if (cJSON_IsObject(o))
		return o;
	cJSON_Delete(o);
	if (f) {
		f += 3;
		while (isalnum((unsigned char)*f))
			f++;
		b = strstr(f, "```");
		o = b ? cJSON_ParseWithLength(f, (size_t)(b - f)) : NULL;
		if (cJSON_IsObject(o))
			return o;
		cJSON_Delete(o);
	}
	a = strchr(s, '{');
	b = strrchr(s, '}');
	if (!a || !b || b < a)
		return NULL;
	o = cJSON_ParseWithLength(a, (size_t)(b - a + 1));
	if (cJSON_IsObject(o))
		return o;
	cJSON_Delete(o);
	return NULL;
}

/* A copy of s with runs of whitespace as one space, trimmed. */
static char *squeeze(const char *s)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			if (b.len && !isspace((unsigned char)s[1]) && s[1])
				buf_addc(&b, ' ');
			continue;
		}
		buf_addc(&b, *s);
	}
	return buf_detach(&b);
}

static const char *get_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Lower case, spaces to '_', only [a-z0-9_./-], no leading/trailing '_'. */
static char *norm_key(const char *s)
{
	struct buf b = BUF_INIT(LLM_MAX_KEY);

	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (c == ' ' || c == '\t')
			c = '_';
		if (!isalnum((unsigned char)c) && !strchr("_./-", c))
			continue;
		if ((unsigned char)c >= 0x80 || (c == '_' && (!b.len ||
		    b.p[b.len - 1] == '_')))
			continue;
		if (buf_addc(&b, c) < 0)
			break;
	}
	while (b.len && b.p[b.len - 1] == '_')
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b);
}

static char *clip_label(const char *s, const char *key)
{
	char *t = squeeze(s);
	size_t n = strlen(t);

	if (!n) {
		free(t);
		return xstrdup(key);
	}
	if (n > LLM_MAX_LABEL)
		t[utf8_floor(t, LLM_MAX_LABEL)] = 0;
	return t;
}

static int parse_room(const cJSON *r, struct room *out, struct buf *why)
{
	const char *type = get_str(r, "room_type"), *key = get_str(r,
		"room_key"), *label = get_str(r, "room_label");
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(r, "relevance");
	int t = type ? room_type_parse(type) : -1;
	char *k;

	if (!cJSON_IsObject(r) || !key || !label || !cJSON_IsNumber(rel)) {
		buf_adds(why, "a room lacks room_key, room_label or a numeric "
			 "relevance");
		return -EBADMSG;
	}
	if (t < 0) {
		buf_addf(why, "room_type '%.40s' is not file, concept or "
			 "workflow", type ? type : "(missing)");
		return -EBADMSG;
	}
	k = strlen(key) <= 2 * LLM_MAX_KEY ? norm_key(key) : xstrdup("");
	if (!*k) {
		free(k);
		buf_addf(why, "room_key '%.40s' is empty or too long", key);
		return -EBADMSG;
	}
	out->type = (enum room_type)t;
	out->key = k;
	out->label = clip_label(label, k);
	out->relevance = isnan(rel->valuedouble) ? 0.5 :
		rel->valuedouble < 0 ? 0 : rel->valuedouble > 1 ? 1 :
		rel->valuedouble;
	return 0;
}

static int dup_room(const struct distill *d, const struct room *r)
{
	for (int i = 0; i < d->nrooms; i++)
		if (d->rooms[i].type == r->type && !strcmp(d->rooms[i].key,
							   r->key))
			return 1;
	return 0;
}

static int parse_rooms(const cJSON *arr, struct distill *d, struct buf *why)
{
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
	const cJSON *r;

	if (n < 1 || n > DISTILL_MAX_ROOMS) {
		buf_addf(why, "room_assignments must be an array of 1 to %d "
			 "rooms (got %s%d)", DISTILL_MAX_ROOMS, n < 0 ?
			 "no array, " : "", n < 0 ? 0 : n);
		return -EBADMSG;
	}
	cJSON_ArrayForEach(r, arr) {
		struct room room = { 0 };
		int rc = parse_room(r, &room, why);

		if (rc)
			return rc;
		if (dup_room(d, &room)) {
			free(room.key);
			free(room.label);
			continue;
		}
		d->rooms[d->nrooms++] = room;
	}
	return 0;
}

/* Trims whitespace and matching quotes or backticks around s, in place. */
static char *unquote(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	while (n >= 2 && strchr("`'\"", s[0]) && s[n - 1] == s[0]) {
		s[--n] = 0;
		s++;
		n--;
	}
	return s;
}

/* The model's detail if it occurs in the exchange as given or with its
 * whitespace squeezed, else the fallback. */
static char *pick_context(const char *ctx, const char *verbatim,
			  const char *fallback)
{
	char *raw = xstrdup(ctx), *t = unquote(raw), *sq = squeeze(t);
	char *out = NULL;

	if (*t && strlen(t) <= LLM_MAX_CONTEXT && strstr(verbatim, t))
		out = xstrdup(t);
	else if (*sq && strlen(sq) <= LLM_MAX_CONTEXT && strstr(verbatim, sq))
		out = xstrdup(sq);
	free(raw);
	free(sq);
	return out ? out : xstrdup(fallback ? fallback : "");
}

static int check_core(const char *core, struct buf *why)
{
	if (!core) {
		buf_adds(why, "exchange_core is missing or not a string");
		return -EBADMSG;
	}
	if (!*core || strlen(core) > LLM_MAX_CORE) {
		buf_addf(why, "exchange_core is %s", *core ? "too long" :
			 "empty");
		return -EBADMSG;
	}
	return 0;
}

/* Masks the secrets in *s (owned, replaced when any).  The count. */
static int mask_secrets(char **s)
{
	struct buf out = BUF_INIT(BUF_MAX_TEXT);
	int n = redact_text(*s, strlen(*s), &out);

	if (n > 0) {
		free(*s);
		*s = buf_detach(&out);
	}
	buf_release(&out);
	return n;
}

/* Secrets never reach the distilled layer (SPEC section 8). */
static void scrub_fields(struct distill *d, const char *fallback)
{
	mask_secrets(&d->core);
	if (mask_secrets(&d->context) > 0) {
		free(d->context);
		d->context = xstrdup(fallback ? fallback : "");
	}
	for (int i = 0; i < d->nrooms; i++) {
		mask_secrets(&d->rooms[i].label);
		if (mask_secrets(&d->rooms[i].key) > 0) {
			char *k = norm_key(d->rooms[i].key);

			free(d->rooms[i].key);
			d->rooms[i].key = k;
		}
	}
}

int llm_parse_fields(const char *content, const char *verbatim,
		     const char *fallback_context, struct distill *d,
		     struct buf *why)
{
	cJSON *o = find_object(content);
	const char *ctx;
	char *core = NULL;
	int rc = 0;
	size_t why0 = why->len;

	memset(d, 0, sizeof(*d));
	d->distiller = "llm";
	if (!o) {
		buf_adds(why, "reply content holds no JSON object");
		return -EBADMSG;
	}
	ctx = get_str(o, "specific_context");
	if (get_str(o, "exchange_core"))
		core = squeeze(get_str(o, "exchange_core"));
	rc = check_core(core, why);
	if (!rc && !ctx) {
		buf_adds(why, "specific_context is missing or not a string");
		rc = -EBADMSG;
	}
	if (!rc)
		rc = parse_rooms(cJSON_GetObjectItemCaseSensitive(o,
				 "room_assignments"), d, why);
	if (!rc) {
		d->core = core;
		core = NULL;
		d->context = pick_context(ctx, verbatim, fallback_context);
		scrub_fields(d, fallback_context);
	} else {
		distill_release(d);
		d->distiller = "llm";
	}
	free(core);
	cJSON_Delete(o);
	for (size_t i = why0; i < why->len; i++)   /* quoted model text: */
		if ((unsigned char)why->p[i] < 0x20)    /* keep one line */
			why->p[i] = ' ';
	return rc;
}

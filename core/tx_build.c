/* tx_build.c: building and freeing the transcript model (tx_set_add,
 * tx_conv_add, tx_set_release) and the string helpers every reader uses to
 * fill it: UTF-8 cleaning, trimming, tag stripping, tool briefs, a string
 * map, and hash-derived conversation ids. */
#include "common.h"
#include "tx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct tx_conv *tx_set_add(struct tx_set *set, const char *id)
{
	struct tx_conv *c;

	XGROW(set->conv, set->cap, set->n + 1);
	c = &set->conv[set->n++];
	memset(c, 0, sizeof(*c));
	c->id = tx_clean(id, strlen(id));
	return c;
}

struct tx_msg *tx_conv_add(struct tx_conv *c, enum tx_role role,
			   const char *text)
{
	struct tx_msg *m;

	if (c->nmsg >= TX_MAX_MSGS)
		return NULL;
	XGROW(c->msg, c->cap, c->nmsg + 1);
	m = &c->msg[c->nmsg++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	m->text = tx_clean(text ? text : "", text ? strlen(text) : 0);
	return m;
}

static void msg_release(struct tx_msg *m)
{
	free(m->text);
	free(m->tools);
	free(m->source_id);
	strv_clear(&m->paths);
}

static void conv_release(struct tx_conv *c)
{
	for (size_t i = 0; i < c->nmsg; i++)
		msg_release(&c->msg[i]);
	free(c->msg);
	free(c->id);
	free(c->parent);
	free(c->project);
	free(c->title);
	free(c->cwd);
}

void tx_set_release(struct tx_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		conv_release(&set->conv[i]);
	free(set->conv);
	set->conv = NULL;
	set->n = set->cap = 0;
	set->bad_line = 0;
}

void tx_set_drop_empty(struct tx_set *set)
{
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++) {
		if (!set->conv[i].nmsg)
			conv_release(&set->conv[i]);
		else
			set->conv[k++] = set->conv[i];
	}
	set->n = k;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if bad. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

char *tx_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = xmalloc(n * 3 + 1), *o = out;

	for (size_t i = 0; i < n;) {
		size_t j = i, k;

		/* a run of printable ASCII, tabs and newlines: kept as is */
		while (j < n && ((u[j] >= 0x20 && u[j] < 0x7f) ||
				 u[j] == '\n' || u[j] == '\t'))
			j++;
		memcpy(o, s + i, j - i);
		o += j - i;
		if ((i = j) >= n)
			break;
		k = utf8_len(u + i, n - i);
		if (!k) {
			memcpy(o, "\xef\xbf\xbd", 3);   /* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		if (k > 1 || u[i] == '\t' || u[i] == '\n' ||
		    (u[i] >= 0x20 && u[i] != 0x7f)) {
			memcpy(o, s + i, k);
			o += k;
		}
		i += k;
	}
	*o = 0;
	return xrealloc(out, (size_t)(o - out) + 1);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

void tx_buf_trim(struct buf *b)
{
	size_t a = 0, e = b->len;

	while (a < e && is_space(b->p[a]))
		a++;
	while (e > a && is_space(b->p[e - 1]))
		e--;
	if (a)
		memmove(b->p, b->p + a, e - a);
	if (b->p)
		buf_truncate(b, e - a);
}

size_t tx_strip_tags(struct buf *b, const char *const *tags, size_t ntags)
{
	size_t removed = 0;

	for (size_t t = 0; t < ntags; t++) {
		char open[64], close[64];
		size_t from = 0;

		snprintf(open, sizeof(open), "<%s>", tags[t]);
		snprintf(close, sizeof(close), "</%s>", tags[t]);
		while (b->len) {
			char *a = strstr(b->p + from, open), *e;

			if (!a)
				break;
			e = strstr(a + strlen(open), close);
			if (!e) {
				from = (size_t)(a - b->p) + 1;
				continue;
			}
			e += strlen(close);
			memmove(a, e, (size_t)(b->p + b->len - e) + 1);
			b->len -= (size_t)(e - a);
			from = (size_t)(a - b->p);
			removed++;
		}
	}
	return removed;
}

void tx_set_str(char **field, const char *s)
{
	free(*field);
	*field = s ? tx_clean(s, strlen(s)) : NULL;
}

void tx_msg_add_text(struct tx_msg *m, const char *text, const char *sep)
{
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	char *add;

	if (!text || !*text)
		return;
	if (!m->text[0]) {
		free(m->text);
		m->text = tx_clean(text, strlen(text));
		return;
	}
	add = tx_clean(text, strlen(text));
	buf_adds(&b, m->text);
	buf_adds(&b, sep);
	buf_adds(&b, add);
	free(add);
	free(m->text);
	m->text = buf_detach(&b);
}

/* Appends line (cleaned, NUL-free) to m->tools. */
static void add_tools_line(struct tx_msg *m, const char *line)
{
	struct buf b = BUF_INIT(BUF_MAX_FILE);
	char *add = tx_clean(line, strlen(line));

	if (m->tools) {
		buf_adds(&b, m->tools);
		buf_addc(&b, '\n');
	}
	buf_adds(&b, add);
	free(add);
	free(m->tools);
	m->tools = buf_detach(&b);
}

/* First non-blank line of s, trimmed, capped at TX_BRIEF_MAX bytes on a
 * character boundary ("..." marks a cut, or more lines), into b. */
static void first_line(const char *s, struct buf *b)
{
	const char *e;
	size_t n;
	int more;

	while (*s && is_space(*s))
		s++;
	e = strchr(s, '\n');
	n = e ? (size_t)(e - s) : strlen(s);
	while (n && is_space(s[n - 1]))
		n--;
	more = e && !tx_blank(e, strlen(e));
	if (n > TX_BRIEF_MAX) {
		n = TX_BRIEF_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		more = 1;
	}
	buf_add(b, s, n);
	if (more)
		buf_adds(b, " ...");
}

void tx_msg_add_tool(struct tx_msg *m, const char *name, const char *arg)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	buf_adds(&b, name && *name ? name : "tool");
	if (arg && !tx_blank(arg, strlen(arg))) {
		buf_adds(&b, ": ");
		first_line(arg, &b);
	}
	add_tools_line(m, buf_str(&b));
	m->tool_use = 1;
	buf_release(&b);
}

void tx_msg_add_tools(struct tx_msg *m, const char *lines)
{
	if (!lines || !*lines)
		return;
	add_tools_line(m, lines);
	m->tool_use = 1;
}

void tx_msg_add_error(struct tx_msg *m, const char *text)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	buf_adds(&b, "error: ");
	first_line(text && *text ? text : "(no message)", &b);
	add_tools_line(m, buf_str(&b));
	buf_release(&b);
}

void tx_msg_add_path(struct tx_msg *m, const char *path)
{
	char *p;

	if (!path || tx_blank(path, strlen(path)))
		return;
	p = tx_clean(path, strlen(path));
	if (!strv_has(&m->paths, p))
		strv_push_owned(&m->paths, p);
	else
		free(p);
}

char *tx_hash_id(const char *prefix, const struct tx_conv *c)
{
	struct hash_ctx h;
	char hex[HASH_HEX_LEN + 1], out[128];

	hash_init(&h);
	for (size_t i = 0; i < c->nmsg && i < 2; i++) {
		char role = (char)('0' + c->msg[i].role);

		hash_update(&h, &role, 1);
		hash_update(&h, c->msg[i].text, strlen(c->msg[i].text) + 1);
	}
	if (c->nmsg) {
		char t[32];
		int n = snprintf(t, sizeof(t), "%lld",
				 (long long)c->msg[0].time);

		hash_update(&h, t, (size_t)n);
	}
	hash_final(&h, hex);
	snprintf(out, sizeof(out), "%s-%.16s", prefix, hex);
	return xstrdup(out);
}

static const char *const patch_marks[] = {
	"*** Update File: ", "*** Add File: ", "*** Delete File: ",
	"*** Move to: ",
};

void tx_patch_paths(const char *patch, struct tx_msg *m, struct buf *b)
{
	struct tx_lines l;
	const char *s;
	size_t n;

	tx_lines_init(&l, patch, strlen(patch));
	while (tx_lines_next(&l, &s, &n))
		for (size_t k = 0; k < ARRAY_SIZE(patch_marks); k++) {
			size_t ml = strlen(patch_marks[k]);
			char *p;

			if (n <= ml || memcmp(s, patch_marks[k], ml))
				continue;
			p = xstrndup(s + ml, n - ml);
			if (!strv_has(&m->paths, p)) {
				if (b->len)
					buf_adds(b, ", ");
				buf_adds(b, p);
			}
			tx_msg_add_path(m, p);
			free(p);
		}
}

/* ---- string -> size_t map, open addressing ---- */

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t map_slot(const struct tx_map *m, const char *key)
{
	size_t i = str_hash(key) & (m->cap - 1);

	while (m->key[i] && strcmp(m->key[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void map_grow(struct tx_map *m)
{
	struct tx_map n = { NULL, NULL, 0, m->cap ? m->cap * 2 : 64 };

	n.key = xcalloc(n.cap, sizeof(*n.key));
	n.val = xcalloc(n.cap, sizeof(*n.val));
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i]) {
			size_t s = map_slot(&n, m->key[i]);

			n.key[s] = m->key[i];
			n.val[s] = m->val[i];
			n.n++;
		}
	free(m->key);
	free(m->val);
	*m = n;
}

int tx_map_add(struct tx_map *m, const char *key, size_t val)
{
	size_t s;

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	s = map_slot(m, key);
	if (m->key[s])
		return 0;
	m->key[s] = xstrdup(key);
	m->val[s] = val;
	m->n++;
	return 1;
}

int tx_map_get(const struct tx_map *m, const char *key, size_t *val)
{
	size_t s;

	if (!m->cap)
		return 0;
	s = map_slot(m, key);
	if (!m->key[s])
		return 0;
	*val = m->val[s];
	return 1;
}

void tx_map_release(struct tx_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	m->key = NULL;
	m->val = NULL;
	m->n = m->cap = 0;
}

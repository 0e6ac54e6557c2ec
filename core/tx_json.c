/* tx_json.c: line walking and bounded JSON parsing for the readers: the
 * depth check before cJSON sees a text, the JSONL loop with its limits and
 * truncated-last-line rule, and small accessors (strings, content text,
 * times). */
#include "common.h"
#include "tx_int.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void tx_lines_init(struct tx_lines *l, const char *data, size_t len)
{
	l->p = data;
	l->end = data + len;
	l->no = 0;
}

int tx_lines_next(struct tx_lines *l, const char **s, size_t *n)
{
	const char *nl;

	if (l->p >= l->end)
		return 0;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	*s = l->p;
	*n = (size_t)((nl ? nl : l->end) - l->p);
	l->p = nl ? nl + 1 : l->end;
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	l->no++;
	return 1;
}

int tx_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
			return 0;
	return 1;
}

int tx_lines_rest_blank(const struct tx_lines *l)
{
	return tx_blank(l->p, (size_t)(l->end - l->p));
}

/* Count of c in s[0..n), stopping past limit. */
static size_t count_upto(const char *s, size_t n, char c, size_t limit)
{
	size_t k = 0;
	const char *p = s, *e = s + n;

	while (k <= limit && (p = memchr(p, c, (size_t)(e - p)))) {
		k++;
		p++;
	}
	return k;
}

int tx_json_too_deep(const char *s, size_t n)
{
	size_t open = count_upto(s, n, '{', TX_MAX_DEPTH);

	/* depth counts '{' and '[': fewer of them than the limit in all
	 * cannot nest deeper (memchr is fast; the exact walk is not) */
	if (open + count_upto(s, n, '[', TX_MAX_DEPTH - (open < TX_MAX_DEPTH ?
							 open : TX_MAX_DEPTH))
	    <= TX_MAX_DEPTH)
		return 0;
	return tx_json_depth(s, n) > TX_MAX_DEPTH;
}

size_t tx_json_depth(const char *s, size_t n)
{
	size_t depth = 0, max = 0;
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	return max;
}

int tx_json_parse(const char *s, size_t n, cJSON **out)
{
	const char *end = NULL;
	cJSON *v;

	*out = NULL;
	if (tx_json_too_deep(s, n))
		return -E2BIG;
	v = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	if (!v)
		return -EILSEQ;
	if (end && end < s + n && !tx_blank(end, (size_t)(s + n - end))) {
		cJSON_Delete(v);
		return -EILSEQ;
	}
	*out = v;
	return 0;
}

int tx_json_multiline(const char *data, size_t len)
{
	struct tx_lines l;
	const char *s;
	size_t n;
	cJSON *o;

	tx_lines_init(&l, data, len);
	while (tx_lines_next(&l, &s, &n)) {
		if (tx_blank(s, n))
			continue;
		if (tx_json_parse(s, n, &o))
			return 1;
		cJSON_Delete(o);
		return 0;
	}
	return 0;
}

size_t tx_json_error_line(const char *data, size_t len)
{
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	size_t no = 1;

	if (!end || end > data + len)   /* parsed: trailing bytes are at end */
		end = o ? data + len : data;
	cJSON_Delete(o);
	for (const char *q = data; q < end; q++)
		no += *q == '\n';
	return no;
}

int tx_jsonl_each(const char *data, size_t len, tx_line_fn fn, void *ctx,
		  size_t *bad_line, struct buf *err)
{
	struct tx_lines l;
	const char *s;
	size_t n, good = 0;
	int rc = 0;

	*bad_line = 0;
	tx_lines_init(&l, data, len);
	while (!rc && tx_lines_next(&l, &s, &n)) {
		cJSON *o;

		if (tx_blank(s, n))
			continue;
		if (n > TX_MAX_LINE) {
			buf_addf(err, "line %zu: longer than the %u MB line "
				 "limit", l.no, TX_MAX_LINE >> 20);
			return -E2BIG;
		}
		rc = tx_json_parse(s, n, &o);
		if (rc == -E2BIG) {
			buf_addf(err, "line %zu: JSON nested deeper than %d "
				 "levels", l.no, TX_MAX_DEPTH);
			return rc;
		}
		if (rc) {
			if (good && tx_lines_rest_blank(&l)) {
				*bad_line = l.no;
				return 0;
			}
			buf_addf(err, "line %zu: %s", l.no,
				 tx_lines_rest_blank(&l) ? "truncated JSON" :
				 "invalid JSON");
			return rc;
		}
		good++;
		if (cJSON_IsObject(o))
			rc = fn(ctx, o, l.no);
		cJSON_Delete(o);
	}
	return rc;
}

const char *tx_json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int tx_json_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int text_block(const cJSON *b)
{
	const char *t = tx_json_str(b, "type");

	return !t || !strcmp(t, "text") || !strcmp(t, "input_text") ||
		!strcmp(t, "output_text");
}

static void add_part(struct buf *b, const char *s)
{
	if (!s || tx_blank(s, strlen(s)))
		return;
	if (b->len)
		buf_adds(b, "\n\n");
	buf_adds(b, s);
}

void tx_json_text(const cJSON *content, struct buf *b)
{
	const cJSON *it;

	if (cJSON_IsString(content)) {
		add_part(b, content->valuestring);
		return;
	}
	if (cJSON_IsObject(content) && text_block(content)) {
		add_part(b, tx_json_str(content, "text"));
		return;
	}
	if (!cJSON_IsArray(content))
		return;
	cJSON_ArrayForEach(it, content) {
		if (cJSON_IsString(it))
			add_part(b, it->valuestring);
		else if (cJSON_IsObject(it) && text_block(it))
			add_part(b, tx_json_str(it, "text"));
	}
}

int64_t tx_json_time(const cJSON *v)
{
	double d;

	if (cJSON_IsString(v))
		return tx_parse_time(v->valuestring);
	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	if (!isfinite(d) || d <= 0 || d > 1e15)
		return 0;
	if (d > 1e11)           /* milliseconds */
		d /= 1000;
	return (int64_t)d;
}

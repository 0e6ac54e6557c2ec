/* tx.c: the reader entry (tx_read), format detection by content
 * (tx_detect) with the one-line diagnosis of what is not a transcript,
 * format names, and ISO 8601 times. */
#include "common.h"
#include "tx_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const format_names[] = {
	[TX_UNKNOWN] = "unknown", [TX_CLAUDE] = "claude",
	[TX_CODEX] = "codex", [TX_CHAT] = "chat", [TX_TEXT] = "text",
};

const char *tx_format_name(enum tx_format f)
{
	return (unsigned)f < ARRAY_SIZE(format_names) ? format_names[f] :
		"unknown";
}

enum tx_format tx_format_parse(const char *name)
{
	for (size_t i = 1; name && i < ARRAY_SIZE(format_names); i++)
		if (!strcasecmp(name, format_names[i]))
			return (enum tx_format)i;
	return TX_UNKNOWN;
}

/* ---- detection ---- */

/* Skips a UTF-8 byte order mark and whitespace. */
static size_t skip_lead(const char *d, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(d, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && isspace((unsigned char)d[i]))
		i++;
	return i;
}

/* NUL bytes, or more than 1 in 32 control bytes, in the first span. */
static int looks_binary(const char *d, size_t len)
{
	size_t n = len < TX_DETECT_SPAN ? len : TX_DETECT_SPAN, ctl = 0;

	/* control bytes other than \t \n \f \r ESC (and NUL, tested first) */
	static const uint32_t odd = ~((1u << 0) | (1u << '\t') | (1u << '\n') |
				      (1u << '\f') | (1u << '\r') |
				      (1u << 0x1b));

	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	size_t i = 0;

	if (memchr(d, 0, n))
		return 1;
	for (; i + 8 <= n; i += 8) {    /* 8 bytes at once: any below 0x20? */
		uint64_t v;

		memcpy(&v, d + i, 8);
		if (!((v - ones * 0x20) & ~v & high))
			continue;
		for (size_t k = i; k < i + 8; k++) {
			unsigned char c = (unsigned char)d[k];

			ctl += c < 0x20 && (odd >> c & 1);
		}
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		ctl += c < 0x20 && (odd >> c & 1);
	}
	return ctl * 32 > n;
}

static int has_key(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k) != NULL;
}

/* What one parsed JSONL object says about its file. */
static enum tx_format classify_obj(const cJSON *o)
{
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(o, "messages");

	if (tx_json_str(o, "type") && cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(o, "payload")))
		return TX_CODEX;
	if (tx_json_str(o, "type") && (has_key(o, "sessionId") ||
	    has_key(o, "uuid") || has_key(o, "leafUuid") ||
	    has_key(o, "parentUuid") || has_key(o, "messageId")))
		return TX_CLAUDE;
	if (tx_json_str(o, "role") && has_key(o, "content"))
		return TX_CHAT;
	if (cJSON_IsArray(msgs) || cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(o, "mapping")) ||
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "trajectory")))
		return TX_CHAT;
	return TX_UNKNOWN;
}

/* JSONL: the first lines that say something (lines starting in the span;
 * a long first line is read whole, a pasted file can make it megabytes). */
static enum tx_format detect_jsonl(const char *d, size_t len, int *first_ok)
{
	struct tx_lines l;
	const char *s;
	size_t n, seen = 0;

	*first_ok = 0;
	tx_lines_init(&l, d, len);
	while (seen < 64 && tx_lines_next(&l, &s, &n) &&
	       (size_t)(s - d) < TX_DETECT_SPAN) {
		enum tx_format f;
		cJSON *o;

		if (tx_blank(s, n))
			continue;
		if (tx_json_parse(s, n, &o)) {
			if (!seen)
				return TX_UNKNOWN;
			continue;
		}
		if (!seen++)
			*first_ok = 1;
		f = cJSON_IsObject(o) ? classify_obj(o) : TX_UNKNOWN;
		cJSON_Delete(o);
		if (f != TX_UNKNOWN)
			return f;
	}
	return TX_UNKNOWN;
}

/* s[0..n) holds "key" followed by optional space, ':' and then c. */
static int lex_key(const char *s, size_t n, const char *key, char c)
{
	size_t kl = strlen(key);

	for (const char *p = memmem(s, n, key, kl); p;
	     p = memmem(p + 1, (size_t)(s + n - p - 1), key, kl)) {
		const char *q = p + kl, *e = s + n;

		while (q < e && isspace((unsigned char)*q))
			q++;
		if (q >= e || *q++ != ':')
			continue;
		while (q < e && isspace((unsigned char)*q))
			q++;
		if (q < e && (!c || *q == c))
			return 1;
	}
	return 0;
}

/* A multi-line JSON document: chat if it looks like one (cheap and
 * lexical, so a large file is not parsed twice; tx_read_chat decides). */
static enum tx_format detect_doc(const char *d, size_t len)
{
	size_t n = len < TX_DETECT_SPAN ? len : TX_DETECT_SPAN;
	size_t i = 1;

	if (d[0] == '{')
		return lex_key(d, n, "\"messages\"", '[') ||
			lex_key(d, n, "\"mapping\"", '{') ||
			lex_key(d, n, "\"trajectory\"", '[') ? TX_CHAT :
			TX_UNKNOWN;
	while (i < n && isspace((unsigned char)d[i]))
		i++;
	if (i < n && d[i] == '{' && (lex_key(d, n, "\"role\"", '"') ||
				     lex_key(d, n, "\"messages\"", '[') ||
				     lex_key(d, n, "\"mapping\"", '{')))
		return TX_CHAT;
	return TX_UNKNOWN;
}

static int text_has_turns(const char *d, size_t len)
{
	struct tx_lines l;
	const char *s;
	size_t n, rest;
	int seen = 0;

	tx_lines_init(&l, d, len);
	while (tx_lines_next(&l, &s, &n) && seen != 3)
		seen |= tx_text_marker(s, n, &rest);
	return seen == 3 || tx_aider_file(d, len);
}

enum tx_format tx_detect(const char *data, size_t len)
{
	size_t i = skip_lead(data, len);
	const char *d = data + i;
	enum tx_format f = TX_UNKNOWN;
	int first_ok;

	len -= i;
	if (!len || looks_binary(d, len))
		return TX_UNKNOWN;
	if (*d == '{')
		f = detect_jsonl(d, len, &first_ok);
	if (f == TX_UNKNOWN && (*d == '[' || (*d == '{' && !first_ok)))
		f = detect_doc(d, len);
	if (f == TX_UNKNOWN && *d == '{' && !first_ok && !memchr(d, '\n', len))
		f = memmem(d, len, "\"sessionId\"", 11) ? TX_CLAUDE :
			memmem(d, len, "\"payload\"", 9) ? TX_CODEX :
			TX_UNKNOWN;   /* one cut-short line: reader says so */
	if (f == TX_UNKNOWN && text_has_turns(d, len))
		f = TX_TEXT;
	return f;
}

static const char not_tx[] = "JSON but not a transcript: expected Claude Code "
	"or Codex JSONL, or chat messages (objects with \"role\" and "
	"\"content\", or {\"messages\": [...]})";

/* A JSON text that is no transcript: where it is invalid, or its shape.
 * base: lines before d in the file. */
static int diagnose_json(const char *d, size_t len, size_t base,
			 struct buf *err)
{
	struct tx_lines l;
	const char *s;
	size_t n;
	cJSON *o;

	if (tx_json_depth(d, len) > TX_MAX_DEPTH) {
		buf_addf(err, "JSON nested deeper than %d levels",
			 TX_MAX_DEPTH);
		return -E2BIG;
	}
	if (tx_json_multiline(d, len)) {
		buf_addf(err, "line %zu: invalid JSON", base +
			 tx_json_error_line(d, len));
		return -EILSEQ;
	}
	tx_lines_init(&l, d, len);      /* JSONL: name the first bad line */
	while (tx_lines_next(&l, &s, &n)) {
		if (tx_blank(s, n))
			continue;
		if (tx_json_parse(s, n, &o)) {
			buf_addf(err, "line %zu: invalid JSON", base + l.no);
			return -EILSEQ;
		}
		cJSON_Delete(o);
	}
	buf_adds(err, not_tx);
	return -EILSEQ;
}

static size_t count_nl(const char *a, const char *b)
{
	size_t n = 0;

	for (; a < b; a++)
		n += *a == '\n';
	return n;
}

/* Why data is no transcript, in one line; -EILSEQ, or -E2BIG. */
static int diagnose(const char *data, size_t len, struct buf *err)
{
	size_t i = skip_lead(data, len);
	const char *d = data + i;

	len -= i;
	if (!len)
		buf_adds(err, i ? "only whitespace, not a transcript" :
			 "empty file");
	else if (looks_binary(d, len))
		buf_adds(err, "binary data, not a transcript");
	else if (*d == '{' || *d == '[')
		return diagnose_json(d, len, count_nl(data, d), err);
	else
		buf_adds(err, "text without speaker turns (lines starting "
			 "\"User:\" and \"Assistant:\"), not a transcript");
	return -EILSEQ;
}

typedef int (*reader_fn)(const char *, const char *, size_t, struct tx_set *,
			 struct buf *);

int tx_read(const char *name, const char *data, size_t len,
	    enum tx_format format, struct tx_set *out, struct buf *err)
{
	static const reader_fn readers[] = {
		[TX_CLAUDE] = tx_read_claude, [TX_CODEX] = tx_read_codex,
		[TX_CHAT] = tx_read_chat, [TX_TEXT] = tx_read_text,
	};
	struct tx_set set = TX_SET_INIT;
	int rc;

	if (len > TX_MAX_FILE) {
		buf_addf(err, "larger than the %u MB transcript limit",
			 TX_MAX_FILE >> 20);
		return -E2BIG;
	}
	if (format == TX_UNKNOWN)
		format = tx_detect(data, len);
	if (format == TX_UNKNOWN || (unsigned)format >= ARRAY_SIZE(readers)) {
		return diagnose(data, len, err);
	}
	rc = readers[format](name ? name : "-", data, len, &set, err);
	if (rc) {
		tx_set_release(&set);
		if (!err->len)
			buf_adds(err, err_str(rc));
		return rc;
	}
	tx_set_drop_empty(&set);
	if (set.bad_line)
		buf_addf(err, "line %zu: truncated JSON (the lines before it "
			 "were read)", set.bad_line);
	set.format = format;
	*out = set;
	return 0;
}

/* ---- time ---- */

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t tx_parse_time(const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return 0;
		if (*p == ':' && (p++, digits(&p, 2, &sec)))
			return 0;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &oh))
				return 0;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
				return 0;
		} else if (*p == 'Z' || *p == 'z') {
			p++;
		}
		if (h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
			return 0;
	}
	if (*p)
		return 0;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
		sign * (oh * 3600 + om * 60);
}

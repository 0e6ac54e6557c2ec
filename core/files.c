/* files.c: files_touched (files.h, PAPER.md section 4).  Owns the PCRE2
 * patterns: compiled once under a mutex (the FUSE daemon calls in from
 * worker threads), with match data per call.
 *
 * Choices beyond the paper's rule:
 *  - Nothing inside a URL is a file: "https://example.com/x.html" yields
 *    nothing (not the host, not the path); a URL names a resource, not a
 *    file of the project.
 *  - The match may not continue into ".word", "/word", "-" or "(":
 *    "foo.ts.net", "lib.rs/x" and "res.json()" are not files; nor are the
 *    idioms "console.log" and "process.env".
 *  - A Windows drive letter is kept ("C:\a\b.py" -> "C:/a/b.py").
 *  - A name made only of dots and dashes before the extension ("...md") is
 *    dropped, and so is a bare extension (".tsx files"), except ".env".
 *  - Globs are not files: nothing starts right after a '*' ("*.js").
 *  - "/name.ext" (one component under the root) is taken as "name.ext".
 *  - Duplicates are found ignoring case ("Package.json" at a sentence
 *    start is package.json); the first spelling is kept.
 *  - A bare "<library>.js" naming a well-known library (Node.js, Next.js,
 *    xterm.js ...) is not a file. */
#include "common.h"
#include "files.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <pcre2.h>

#define FILES_MAX 256           /* paths kept per call of files_extract */
#define FILES_MATCH_LIMIT 1000000

#define EXTS "c|h|cc|cpp|cxx|hpp|hh|hxx|py|pyi|ipynb|js|jsx|ts|tsx|" \
	"mjs|cjs|json|jsonl|toml|yaml|yml|md|mdx|rst|txt|sql|sh|bash|zsh|" \
	"fish|ps1|rs|go|java|kt|kts|scala|swift|rb|php|cs|fs|ex|exs|heex|" \
	"erl|hs|ml|lua|r|pl|dart|zig|css|scss|sass|less|html|htm|vue|" \
	"svelte|xml|ini|cfg|conf|env|lock|mk|cmake|proto|graphql|gql|csv|" \
	"tsv|gradle|tf|diff|patch|log"

static const char path_re[] =
	"(?<![\\w./\\\\~*-])"
	"(?:[A-Za-z]:[/\\\\])?"
	"(?:[\\w.~-]*+[/\\\\])*+"
	"[\\w.-]*\\.(?:" EXTS ")"
	"\\b(?![\\w(-]|[./\\\\]\\w)";

/* The same, or any lower-case extension of 1-5 letters and digits after a
 * directory (include/records.hrl); used on text that has a separator. */
static const char dir_path_re[] =
	"(?<![\\w./\\\\~*-])"
	"(?:[A-Za-z]:[/\\\\])?"
	"(?:[\\w.~-]*+[/\\\\])*+"
	"[\\w.-]*\\.(?:" EXTS ")"
	"\\b(?![\\w(-]|[./\\\\]\\w)"
	"|(?<![\\w./\\\\~*-])"
	"(?:[A-Za-z]:[/\\\\])?"
	"(?:[\\w.~-]*+[/\\\\])++"
	"[\\w-][\\w.-]*\\.(?-i:[a-z][a-z0-9]{0,4})"
	"\\b(?![\\w(-]|[./\\\\]\\w)";

static const char url_re[] = "\\b[a-z][a-z0-9+.-]*://[^\\s<>\"'`)\\]]*";
static const char tick_re[] = "`([^`\\n]+)`";

enum { RE_PATH, RE_DIR_PATH, RE_URL, RE_TICK, RE_N };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pcre2_code *re[RE_N];
static int compiled;            /* 1 ok, -1 failed */

static pcre2_code *compile(const char *pat)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				      PCRE2_CASELESS, &err, &off, NULL);

	if (c)
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);   /* optional */
	return c;
}

static int patterns(pcre2_code **out)
{
	static const char *const src[RE_N] = { path_re, dir_path_re, url_re,
					       tick_re };

	pthread_mutex_lock(&lock);
	if (!compiled) {
		compiled = 1;
		for (int i = 0; i < RE_N; i++)
			if (!(re[i] = compile(src[i])))
				compiled = -1;
	}
	for (int i = 0; i < RE_N; i++)
		out[i] = re[i];
	pthread_mutex_unlock(&lock);
	return compiled > 0 ? 0 : -EINVAL;
}

void files_cleanup(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < RE_N; i++) {
		pcre2_code_free(re[i]);
		re[i] = NULL;
	}
	compiled = 0;
	pthread_mutex_unlock(&lock);
}

static int idiom(const char *s)
{
	static const char *const lib[] = {
		"node", "next", "vue", "react", "nuxt", "three", "chart",
		"express", "nest", "ember", "backbone", "angular", "d3", "p5",
		"moment", "xterm", "alpine", "solid", "deno", "preact", "ember",
		"knockout", "socket.io", "anime", "leaflet", "pixi", "babylon",
		"video", "highlight", "marked", "day", "hammer", "lodash",
	};
	size_t n = strlen(s);

	if (!strcasecmp(s, "console.log") || !strcasecmp(s, "process.env"))
		return 1;
	if (n < 4 || strcasecmp(s + n - 3, ".js") || strchr(s, '/'))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(lib); i++)
		if (strlen(lib[i]) == n - 3 && !strncasecmp(s, lib[i], n - 3))
			return 1;
	return 0;
}

static int has_ci(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcasecmp(sv->v[i], s))
			return 1;
	return 0;
}

/* A regular-expression hit that is not a file name (see the top). */
static int not_a_name(const char *s)
{
	const char *base = strrchr(s, '/'), *dot;
	int named = 0;

	base = base ? base + 1 : s;
	dot = strrchr(base, '.');
	if (!dot)
		return 0;
	for (const char *q = base; q < dot; q++)
		if (*q != '.' && *q != '-')
			named = 1;
	if (!named && (dot != base || strcasecmp(dot, ".env")))
		return 1;
	return idiom(s);
}

/* Normalises p[0..n) (backslashes to '/', no leading "./") and appends it
 * unless it is already there; exact = 0 also filters not_a_name(). */
static void add_path(const char *p, size_t n, struct strv *out, int exact)
{
	char *s;

	while (n >= 2 && (p[0] == '.' && (p[1] == '/' || p[1] == '\\')))
		p += 2, n -= 2;
	if (!exact && n > 1 && (p[0] == '/' || p[0] == '\\') &&
	    !memchr(p + 1, '/', n - 1) && !memchr(p + 1, '\\', n - 1))
		p++, n--;
	if (!n || out->n >= FILES_MAX)
		return;
	s = xstrndup(p, n);
	for (char *q = s; *q; q++)
		if (*q == '\\')
			*q = '/';
	if ((exact || !not_a_name(s)) && !has_ci(out, s))
		strv_push_owned(out, s);
	else
		free(s);
}

void files_add_exact(const char *path, struct strv *out)
{
	if (path)
		add_path(path, strlen(path), out, 1);
}

struct span { size_t a, b; };

/* The URL spans of text, to be skipped. */
static size_t url_spans(pcre2_code *url, const char *t, size_t len,
			pcre2_match_data *md, pcre2_match_context *mc,
			struct span **sp)
{
	size_t n = 0, cap = 0, at = 0;

	while (at < len && pcre2_match(url, (PCRE2_SPTR)t, len, at, 0, md,
				       mc) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

		XGROW(*sp, cap, n + 1);
		(*sp)[n].a = ov[0];
		(*sp)[n++].b = ov[1];
		at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return n;
}

static int in_spans(const struct span *sp, size_t n, size_t a, size_t b)
{
	for (size_t i = 0; i < n; i++)
		if (a < sp[i].b && b > sp[i].a)
			return 1;
	return 0;
}

struct scan {
	pcre2_code *path;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	const char *text;
	const struct span *urls;
	size_t nurls;
};

/* Paths in text[a, b). */
static void scan_range(const struct scan *s, size_t a, size_t b,
		       struct strv *out)
{
	while (a < b && pcre2_match(s->path, (PCRE2_SPTR)s->text, b, a, 0,
				    s->md, s->mc) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);

		if (!in_spans(s->urls, s->nurls, ov[0], ov[1]))
			add_path(s->text + ov[0], ov[1] - ov[0], out, 0);
		a = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
}

int files_extract(const char *text, struct strv *out)
{
	pcre2_code *r[RE_N];
	struct scan s = { 0 };
	struct span *sp = NULL;
	size_t len = text ? strlen(text) : 0, at = 0;
	int rc = patterns(r);

	if (rc || !len)
		return rc;
	s.path = memchr(text, '/', len) || memchr(text, '\\', len) ?
		r[RE_DIR_PATH] : r[RE_PATH];
	s.text = text;
	s.md = pcre2_match_data_create(4, NULL);
	s.mc = pcre2_match_context_create(NULL);
	if (!s.md || !s.mc) {
		rc = -ENOMEM;
		goto out;
	}
	pcre2_set_match_limit(s.mc, FILES_MATCH_LIMIT);
	s.nurls = url_spans(r[RE_URL], text, len, s.md, s.mc, &sp);
	s.urls = sp;
	while (at < len && pcre2_match(r[RE_TICK], (PCRE2_SPTR)text, len, at,
				       0, s.md, s.mc) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s.md);
		size_t a = ov[2], b = ov[3], end = ov[1];

		scan_range(&s, a, b, out);
		at = end;
	}
	scan_range(&s, 0, len, out);
out:
	free(sp);
	pcre2_match_data_free(s.md);
	pcre2_match_context_free(s.mc);
	return rc;
}

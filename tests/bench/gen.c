/* gen.c: deterministic synthetic corpus for the benchmarks (not part of
 * recallfs).  From a seed it writes Claude Code session JSONL the way the
 * agent lays it out on disk, and beside it what the bench needs to compare
 * against the alternatives:
 *
 *   DIR/projects/<cwd with / as ->/<sessionId>.jsonl   the transcripts
 *   DIR/texts.csv      one CSV record per exchange: the exchange's text the
 *                      way recallfs renders verbatim ("role: text" blocks,
 *                      tool briefs "  > Bash: make test"), for the bare FTS5
 *                      baseline and for calibrating tokens per exchange
 *   DIR/queries.txt    50 queries, one per line: 1-3 words taken from the
 *                      human prompt of 50 exchanges spread over the corpus
 *   DIR/manifest.txt   counts (exchanges, sessions, projects, bytes)
 *
 * Everything (ids, times, words) comes from one splitmix64 stream per
 * session derived from the seed, so the same seed gives the same bytes.
 * Words follow Zipf laws over a few vocabularies (common technical words,
 * per-project domain words, identifiers built from stems, pseudo-word code
 * names) so BM25 sees both very common and very rare terms.
 *
 * usage: gen -n EXCHANGES [-s SEED] [-q QUERIES] -o DIR */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- PRNG ------------------------------------------------------------- */

struct rng { uint64_t s; };

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static size_t rng_below(struct rng *r, size_t n)
{
	return n ? (size_t)(rng_next(r) % n) : 0;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static int rng_pct(struct rng *r, int pct)
{
	return (int)rng_below(r, 100) < pct;
}

/* ---- growable string -------------------------------------------------- */

struct str { char *p; size_t len, cap; };

static void str_grow(struct str *s, size_t more)
{
	if (s->len + more + 1 <= s->cap)
		return;
	s->cap = (s->len + more + 1) * 2;
	s->p = realloc(s->p, s->cap);
	if (!s->p) {
		fputs("gen: out of memory\n", stderr);
		exit(1);
	}
}

static void str_add(struct str *s, const char *t, size_t n)
{
	str_grow(s, n);
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = 0;
}

static void str_adds(struct str *s, const char *t)
{
	str_add(s, t, strlen(t));
}

static void str_addf(struct str *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void str_addf(struct str *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	str_grow(s, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static void str_clear(struct str *s)
{
	s->len = 0;
	if (s->p)
		s->p[0] = 0;
}

static const char *str_c(const struct str *s)
{
	return s->p ? s->p : "";
}

/* ---- vocabularies ----------------------------------------------------- */

static const char *const nouns[] = {
	"buffer", "cache", "config", "parser", "request", "response",
	"handler", "socket", "timeout", "retry", "queue", "worker", "thread",
	"lock", "mutex", "index", "schema", "migration", "query", "cursor",
	"token", "session", "cookie", "header", "payload", "endpoint",
	"router", "middleware", "logger", "metric", "trace", "span", "build",
	"linker", "compiler", "module", "package", "dependency", "version",
	"release", "branch", "commit", "test", "fixture", "mock", "assertion",
	"coverage", "benchmark", "profile", "allocation", "pointer", "struct",
	"field", "interface", "closure", "callback", "promise", "stream",
	"channel", "pipe", "file", "directory", "path", "symlink",
	"permission", "user", "account", "invoice", "payment", "order", "cart",
	"product", "price", "discount", "currency", "report", "chart",
	"dashboard", "widget", "button", "modal", "form", "validation",
	"error", "warning", "exception", "crash", "leak", "deadlock", "race",
	"overflow", "encoding", "serializer", "template", "layout", "theme",
	"image", "thumbnail", "upload", "download", "backup", "snapshot",
	"replica", "shard", "partition", "cluster", "node", "container",
	"volume", "network", "proxy", "certificate", "secret", "credential",
	"scope", "limit", "counter", "histogram", "scheduler", "job", "cron",
	"webhook", "event", "listener", "signal", "daemon", "service", "client",
	"server", "pool", "connection", "transaction", "rollback", "checksum",
	"digest", "offset", "batch", "chunk", "page", "row", "column", "table",
	"view", "trigger", "constraint", "key", "value", "map", "list", "array",
	"string", "integer", "float", "date", "timezone", "locale",
	"translation", "font", "icon", "menu", "sidebar", "tooltip", "cursor",
	"keyboard", "shortcut", "terminal", "shell", "prompt", "flag", "option",
	"argument", "default", "environment", "variable", "container", "image",
	"registry", "pipeline", "artifact", "runner", "deploy", "rollout",
	"canary", "alert", "incident", "latency", "throughput", "memory", "heap",
	"stack", "frame", "symbol", "binary", "library", "plugin", "extension",
	"hook", "patch", "diff", "merge", "conflict", "rebase", "tag",
};

static const char *const verbs[] = {
	"fix", "add", "remove", "rename", "refactor", "update", "check",
	"debug", "investigate", "trace", "profile", "optimize", "simplify",
	"split", "move", "extract", "inline", "document", "test", "validate",
	"parse", "serialize", "cache", "retry", "log", "handle", "skip",
	"ignore", "revert", "bump", "pin", "upgrade", "migrate", "deploy",
	"rewrite", "clean up", "speed up", "guard", "flush", "reset", "reload",
	"sort", "filter", "group", "batch", "stream", "compress", "escape",
	"normalize", "truncate", "pad", "round", "clamp", "expose", "hide",
	"wire", "register", "unregister", "schedule", "cancel", "throttle",
};

static const char *const adjs[] = {
	"slow", "flaky", "broken", "missing", "stale", "duplicate", "empty",
	"invalid", "large", "nested", "async", "concurrent", "cached",
	"legacy", "deprecated", "intermittent", "silent", "wrong",
	"unexpected", "partial", "corrupt", "expired", "unused", "hardcoded",
	"unbounded", "blocking", "noisy", "verbose", "fragile", "inconsistent",
	"off-by-one", "racy", "leaky", "lazy", "eager", "optional", "required",
	"public", "private", "internal", "temporary", "persistent", "global",
};

static const char *const stems[] = {
	"parse", "load", "store", "fetch", "emit", "sync", "flush", "scan",
	"walk", "pack", "unpack", "encode", "decode", "merge", "split", "route",
	"bind", "mount", "spawn", "reap", "tick", "poll", "drain", "fill",
	"seek", "peek", "push", "pop", "grow", "trim", "wrap", "hash", "sign",
	"seal", "open", "close", "read", "write", "send", "recv", "ack", "ping",
	"probe", "build", "init", "free", "alloc", "copy", "apply", "render",
	"resolve", "lookup", "insert", "delete", "upsert", "retry", "backoff",
	"lease", "claim", "commit", "abort", "reset", "verify", "check",
	"config", "user", "order", "item", "cart", "price", "tax", "invoice",
	"token", "auth", "session", "cache", "index", "page", "row", "blob",
	"chunk", "frame", "packet", "header", "body", "field", "record", "entry",
	"node", "edge", "graph", "tree", "leaf", "root", "queue", "job", "task",
	"event", "metric", "span", "log", "file", "path", "dir", "inode",
	"slot", "bucket", "shard", "epoch", "cursor", "batch", "delta", "patch",
};

static const char *const syll[] = {
	"ka", "ve", "lo", "mi", "ru", "ta", "ne", "so", "bri", "dal", "fen",
	"gor", "hul", "jin", "kro", "lum", "mar", "nix", "orv", "pel", "quo",
	"ras", "sil", "tor", "ul", "vas", "wen", "xan", "yor", "zel", "tha",
	"dre", "kel", "mon", "pra", "sto", "vri", "bel", "cor", "dun",
};

static const char *const errcodes[] = {
	"ETIMEDOUT", "ECONNREFUSED", "ENOENT", "EACCES", "ECONNRESET",
	"EADDRINUSE", "EPIPE", "ENOMEM", "EEXIST", "EINVAL", "EAGAIN",
	"SIGSEGV", "SIGABRT", "HTTP 502", "HTTP 503", "HTTP 429", "HTTP 401",
	"HTTP 500", "HTTP 404",
};

static const char *const exceptions[] = {
	"TypeError", "ValueError", "KeyError", "NullPointerException",
	"AssertionError", "IndexError", "RuntimeError", "TimeoutError",
	"ConnectionError", "IllegalStateException", "UnicodeDecodeError",
	"PermissionError", "FileNotFoundError", "ZeroDivisionError",
};

struct project {
	const char *name;
	const char *ext;          /* main source extension */
	const char *test_cmd;
	const char *build_cmd;
	const char *dirs[5];
	const char *domain[12];
	int weight;
};

static const struct project projects[] = {
	{ "payments-api", "py", "pytest -q", "make lint",
	  { "app/api", "app/models", "app/services", "tests", "migrations" },
	  { "refund", "ledger", "settlement", "chargeback", "merchant", "payout",
	    "stripe", "idempotency", "reconciliation", "webhook", "fraud",
	    "acquirer" }, 24 },
	{ "webshop", "ts", "npm test", "npm run build",
	  { "src/components", "src/pages", "src/store", "src/api", "test" },
	  { "checkout", "basket", "coupon", "shipping", "wishlist", "catalog",
	    "variant", "storefront", "hydration", "redux", "tailwind",
	    "lighthouse" }, 20 },
	{ "infra", "tf", "terraform plan", "terraform validate",
	  { "modules/vpc", "modules/eks", "envs/prod", "envs/staging", "scripts" },
	  { "subnet", "ingress", "autoscaling", "nodegroup", "iam", "route53",
	    "kms", "vpc", "helm", "terraform", "statefile", "bastion" }, 10 },
	{ "recall-engine", "c", "make test", "make",
	  { "src", "src/core", "src/net", "include", "tests" },
	  { "arena", "mmap", "epoll", "syscall", "valgrind", "sanitizer",
	    "inline", "simd", "endianness", "fsync", "ringbuffer",
	    "allocator" }, 16 },
	{ "ml-pipeline", "py", "pytest tests -x", "python -m build",
	  { "pipeline", "features", "models", "notebooks", "tests" },
	  { "embedding", "tokenizer", "epoch", "gradient", "checkpoint",
	    "dataloader", "inference", "quantization", "finetune", "parquet",
	    "tensor", "eval" }, 12 },
	{ "docs-site", "md", "npm run check", "npm run build",
	  { "content/guides", "content/reference", "layouts", "static", "scripts" },
	  { "sitemap", "frontmatter", "breadcrumb", "anchor", "navbar",
	    "search", "markdown", "hugo", "shortcode", "redirect", "slug",
	    "changelog" }, 6 },
	{ "mobile-app", "kt", "./gradlew test", "./gradlew assemble",
	  { "app/src/main/java/ui", "app/src/main/java/data", "app/src/test",
	    "app/src/main/res", "buildSrc" },
	  { "activity", "fragment", "viewmodel", "coroutine", "room", "gradle",
	    "compose", "lifecycle", "notification", "deeplink", "proguard",
	    "emulator" }, 8 },
	{ "dataviz", "rs", "cargo test", "cargo build --release",
	  { "src", "src/render", "src/data", "benches", "tests" },
	  { "axis", "legend", "scatter", "histogram", "colormap", "viewport",
	    "tooltip", "zoom", "raster", "svg", "wasm", "interpolation" }, 4 },
};

#define NPROJ NELEM(projects)

/* A Zipf law over n ranks: cumulative weights 1/(r+1)^s. */
struct zipf { double *cdf; size_t n; };

static void zipf_init(struct zipf *z, size_t n, double s)
{
	double acc = 0;

	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	if (!z->cdf) {
		fputs("gen: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		acc += 1.0 / pow((double)(i + 1), s);
		z->cdf[i] = acc;
	}
	for (size_t i = 0; i < n; i++)
		z->cdf[i] /= acc;
}

static size_t zipf_draw(const struct zipf *z, struct rng *r)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define NIDENT 12000     /* identifiers from pairs of stems */
#define NPSEUDO 24000    /* pseudo-word code names from syllables */

static struct zipf z_noun, z_verb, z_adj, z_ident, z_pseudo, z_small;

/* The rank -> word mappings scramble the rank so the common identifiers are
 * not all built from the first stems. */
static void ident_word(size_t rank, int style, struct str *out)
{
	size_t k = (rank * 7919u + 13u) % (NELEM(stems) * NELEM(stems));
	const char *a = stems[k % NELEM(stems)];
	const char *b = stems[k / NELEM(stems)];

	if (a == b)
		b = "all";
	if (style == 0) {
		str_addf(out, "%s_%s", a, b);
	} else {
		str_adds(out, a);
		str_addf(out, "%c%s", b[0] - 'a' + 'A', b + 1);
	}
}

static void pseudo_word(size_t rank, struct str *out)
{
	size_t k = rank * 2654435761u + 7u;
	size_t ns = NELEM(syll);
	int len = 2 + (int)(rank % 3);

	for (int i = 0; i < len; i++) {
		str_adds(out, syll[k % ns]);
		k /= ns;
		k += rank * (size_t)(i + 3);
	}
}

/* ---- text building ---------------------------------------------------- */

struct ctx {
	struct rng r;
	const struct project *p;
	char files[40][96];       /* this session's working set of files */
	size_t nfiles;
	struct str tmp;
};

static const char *noun(struct ctx *c)
{
	if (rng_pct(&c->r, 25))
		return c->p->domain[zipf_draw(&z_small, &c->r)];
	return nouns[zipf_draw(&z_noun, &c->r)];
}

static const char *verb(struct ctx *c)
{
	return verbs[zipf_draw(&z_verb, &c->r)];
}

static const char *adj(struct ctx *c)
{
	return adjs[zipf_draw(&z_adj, &c->r)];
}

static void add_ident(struct ctx *c, struct str *s)
{
	ident_word(zipf_draw(&z_ident, &c->r), c->p->ext[0] == 't' ||
		   c->p->ext[0] == 'k', s);
}

static void add_pseudo(struct ctx *c, struct str *s)
{
	pseudo_word(zipf_draw(&z_pseudo, &c->r), s);
}

static const char *file(struct ctx *c)
{
	return c->files[zipf_draw(&z_small, &c->r) % c->nfiles];
}

static void add_num(struct ctx *c, struct str *s)
{
	switch (rng_below(&c->r, 6)) {
	case 0: str_addf(s, "%zu", rng_below(&c->r, 10) + 2); break;
	case 1: str_addf(s, "%zu ms", 5 * (rng_below(&c->r, 400) + 1)); break;
	case 2: str_addf(s, "%zus", rng_below(&c->r, 90) + 1); break;
	case 3: str_addf(s, "%zu%%", rng_below(&c->r, 100)); break;
	case 4: str_addf(s, "%zu", rng_below(&c->r, 65000) + 1); break;
	default: str_addf(s, "%zu.%zu.%zu", rng_below(&c->r, 5),
			  rng_below(&c->r, 20), rng_below(&c->r, 30)); break;
	}
}

static void add_error(struct ctx *c, struct str *s)
{
	if (rng_pct(&c->r, 50))
		str_addf(s, "%s", errcodes[rng_below(&c->r, NELEM(errcodes))]);
	else
		str_addf(s, "%s", exceptions[rng_below(&c->r,
							NELEM(exceptions))]);
}

/* Expands a template: {n} noun, {v} verb, {a} adjective, {i} identifier,
 * {p} pseudo-word code name, {f} file path, {b} file base name, {#}
 * number, {e} error name, {c} command. */
static void expand(struct ctx *c, struct str *s, const char *t)
{
	for (; *t; t++) {
		if (*t != '{' || !t[1] || t[2] != '}') {
			str_add(s, t, 1);
			continue;
		}
		switch (t[1]) {
		case 'n': str_adds(s, noun(c)); break;
		case 'v': str_adds(s, verb(c)); break;
		case 'a': str_adds(s, adj(c)); break;
		case 'i': add_ident(c, s); break;
		case 'p': add_pseudo(c, s); break;
		case 'f': str_adds(s, file(c)); break;
		case 'b': {
			const char *f = file(c), *sl = strrchr(f, '/');

			str_adds(s, sl ? sl + 1 : f);
			break;
		}
		case '#': add_num(c, s); break;
		case 'e': add_error(c, s); break;
		case 'c': str_adds(s, rng_pct(&c->r, 60) ? c->p->test_cmd :
				   c->p->build_cmd); break;
		default: str_add(s, t, 3); break;
		}
		t += 2;
	}
}

static const char *const human_t[] = {
	"The {n} in {b} is {a} after the last {n} change. Can you {v} it?",
	"{i} fails with {e} when the {n} is {a}. Please {v} the {n} handling.",
	"Tests fail with `{e}` in {b}, only on the {p} {n}.",
	"Why does `{c}` take {#} now? It used to be much faster.",
	"Add a {a} {n} option to {i} and document it in {b}.",
	"We get {e} from the {n} endpoint when the {n} is {a}; {p} reported it twice today.",
	"Can you {v} {i} so it does not {v} the {n} on every {n}?",
	"Look at {f} and tell me why the {n} count is off by {#}.",
	"{v} the {a} {n} code in {b}, keep the {n} API the same.",
	"The {p} customer says the {n} page shows a {a} {n} since version {#}.",
	"Please write a test for {i} covering the {a} {n} case.",
	"Rename {i} to {i} everywhere, including {b}.",
	"I think the {n} {n} leaks in {i}; memory grows by {#} per hour.",
	"Run `{c}` and fix whatever breaks.",
	"What does {i} return when the {n} is {a}?",
	"Move the {n} logic from {b} into its own module and {v} it.",
	"Ok, now {v} the {n} too, and make sure {i} still passes.",
	"Let's switch the {n} to {p} and drop the {a} {n}.",
};

static const char *const asst_t[] = {
	"I'll read {f} first to see how {i} handles the {n}.",
	"The {n} is {a} because {i} never {v}s the {n} before returning.",
	"Found it: {i} compares the {n} against a {a} {n}, so the check is skipped.",
	"I changed {i} to {v} the {n} once and reuse it; the {n} path no longer allocates.",
	"The failing case is the {a} {n}: {e} is raised when {i} gets an empty {n}.",
	"Running `{c}` now to confirm the fix.",
	"All {#} tests pass, including the new test for {i}.",
	"The {p} {n} uses a different {n}, so I added a guard in {b}.",
	"There are {#} call sites of {i}; I updated them and the {n} in {b}.",
	"The timeout was {#}; I raised it and added jittered backoff to the {n}.",
	"This is a {a} {n} in {i}: two workers {v} the same {n} without a lock.",
	"I left the {n} API unchanged and documented the new {n} option in {b}.",
	"The {n} was stale because the {n} cache key ignored the {n}.",
	"Build is green again; `{c}` finishes in {#}.",
	"Next I would {v} the {n} in {b}, but that is a separate change.",
	"{i} now returns an error instead of a {a} {n}, and the caller logs it.",
};

/* Code-looking line for file contents and diffs. */
static void code_line(struct ctx *c, struct str *s)
{
	static const char *const t[] = {
		"    if ({i} == NULL) return {e};",
		"    {i}({i}, {#});",
		"def {i}(self, {n}, timeout={#}):",
		"const {i} = await {i}({n}, { retries: {#} });",
		"    let {i} = {i}(&{n})?;",
		"    # {v} the {n} before {i}",
		"    // TODO({p}): {v} the {a} {n}",
		"    return {i}({n}, {n});",
		"    log.info(\"{i}: {n} {a}\", {n})",
		"    assert {i}({n}) == {#}",
		"}",
		"",
	};

	expand(c, s, t[rng_below(&c->r, NELEM(t))]);
}

static void sentences(struct ctx *c, struct str *s, const char *const *t,
		      size_t nt, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			str_adds(s, rng_pct(&c->r, 20) ? "\n\n" : " ");
		expand(c, s, t[rng_below(&c->r, nt)]);
	}
}

/* ---- JSON output ------------------------------------------------------ */

static void json_str(struct str *o, const char *s)
{
	str_add(o, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '"': str_add(o, "\\\"", 2); break;
		case '\\': str_add(o, "\\\\", 2); break;
		case '\n': str_add(o, "\\n", 2); break;
		case '\t': str_add(o, "\\t", 2); break;
		case '\r': str_add(o, "\\r", 2); break;
		default:
			if (ch < 0x20)
				str_addf(o, "\\u%04x", ch);
			else
				str_add(o, s, 1);
		}
	}
	str_add(o, "\"", 1);
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputs("\"\n", f);
}

static void rand_id(struct rng *r, char *out, size_t n)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	for (size_t i = 0; i + 1 < n; i++)
		out[i] = b62[rng_below(r, 62)];
	out[n - 1] = 0;
}

static void uuid(struct rng *r, char out[37])
{
	uint64_t a = rng_next(r), b = rng_next(r);

	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx",
		 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffull));
}

/* ISO 8601 with milliseconds from unix milliseconds. */
static void iso_time(int64_t ms, char out[64])
{
	int64_t s = ms / 1000, days = s / 86400, sod = s % 86400;
	int64_t z = days + 719468, era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, (int)m,
		 (int)d, (int)(sod / 3600), (int)(sod / 60 % 60),
		 (int)(sod % 60), (int)(ms % 1000));
}

/* ---- sessions --------------------------------------------------------- */

struct session {
	struct ctx c;
	FILE *out;
	char id[37];
	char parent[37];
	char cwd[96];
	int64_t ms;               /* clock */
	struct str line, text;    /* one JSONL line; the exchange's verbatim */
};

/* Starts a line with the common envelope and a fresh uuid. */
static void envelope(struct session *s, const char *type, char uuid_out[37])
{
	char ts[64];

	s->ms += 200 + (int64_t)rng_below(&s->c.r, 15000);
	iso_time(s->ms, ts);
	uuid(&s->c.r, uuid_out);
	str_clear(&s->line);
	str_adds(&s->line, "{\"parentUuid\":");
	if (s->parent[0])
		json_str(&s->line, s->parent);
	else
		str_adds(&s->line, "null");
	str_addf(&s->line, ",\"isSidechain\":false,\"userType\":\"external\","
		 "\"cwd\":\"%s\",\"sessionId\":\"%s\",\"version\":\"2.1.38\","
		 "\"gitBranch\":\"main\",\"type\":\"%s\",\"uuid\":\"%s\","
		 "\"timestamp\":\"%s\"", s->cwd, s->id, type, uuid_out, ts);
}

static void end_line(struct session *s, const char *uuid_new)
{
	str_adds(&s->line, "}\n");
	fwrite(s->line.p, 1, s->line.len, s->out);
	memcpy(s->parent, uuid_new, 37);
}

static void progress_line(struct session *s, const char *tool)
{
	char u[37];

	envelope(s, "progress", u);
	str_addf(&s->line, ",\"data\":{\"type\":\"hook_progress\","
		 "\"hookEvent\":\"PreToolUse\",\"hookName\":\"PreToolUse:%s\","
		 "\"command\":\"${CLAUDE_PLUGIN_ROOT}/hooks/guard.sh\"}", tool);
	end_line(s, u);
}

static void user_prompt(struct session *s, const char *text)
{
	char u[37];

	envelope(s, "user", u);
	str_adds(&s->line, ",\"message\":{\"role\":\"user\",\"content\":");
	json_str(&s->line, text);
	str_adds(&s->line, "},\"permissionMode\":\"default\"");
	end_line(s, u);
}

/* One assistant line: one content block of message msg_id. */
static void asst_block(struct session *s, const char *msg_id,
		       const char *block_json)
{
	char u[37];

	envelope(s, "assistant", u);
	str_addf(&s->line, ",\"requestId\":\"req_%s\",\"message\":{\"model\":"
		 "\"claude-sonnet-4-5\",\"id\":\"%s\",\"type\":\"message\","
		 "\"role\":\"assistant\",\"content\":[%s],\"stop_reason\":null,"
		 "\"usage\":{\"input_tokens\":%zu,\"cache_read_input_tokens\":%zu,"
		 "\"output_tokens\":%zu}}", msg_id + 4, msg_id, block_json,
		 rng_below(&s->c.r, 20) + 1, rng_below(&s->c.r, 90000) + 1000,
		 rng_below(&s->c.r, 900) + 10);
	end_line(s, u);
}

static void text_block(struct session *s, const char *msg_id,
		       const char *text)
{
	struct str b = { 0 };

	str_adds(&b, "{\"type\":\"text\",\"text\":");
	json_str(&b, text);
	str_adds(&b, "}");
	asst_block(s, msg_id, b.p);
	free(b.p);
}

enum tool { T_READ, T_EDIT, T_BASH, T_GREP, T_NTOOLS };

static const char *const tool_names[] = { "Read", "Edit", "Bash", "Grep" };

/* The result text of a tool call; sets *is_error. */
static void tool_output(struct ctx *c, enum tool t, const char *arg,
			struct str *o, int *is_error)
{
	int lines = 2 + (int)rng_below(&c->r, 8);

	*is_error = 0;
	switch (t) {
	case T_READ:
		for (int i = 0; i < lines; i++) {
			str_addf(o, "%6d\xe2\x86\x92", i + 1);
			code_line(c, o);
			str_adds(o, "\n");
		}
		break;
	case T_EDIT:
		str_addf(o, "The file %s has been updated successfully.", arg);
		break;
	case T_BASH:
		if (rng_pct(&c->r, 30)) {
			*is_error = 1;
			str_adds(o, "Exit code 1\n");
			expand(c, o, "{f}:{#}: error: {i} failed: {e}\n");
			expand(c, o, "FAILED {b}::test_{i} - {e}: expected {#}, got {#}\n");
		}
		for (int i = 0; i < lines / 2; i++) {
			expand(c, o, rng_pct(&c->r, 50) ?
			       "PASSED {b}::test_{i} ({#})\n" :
			       "[{i}] {n} {a} in {#}\n");
		}
		str_addf(o, "%d passed, %d failed in %.2fs", lines / 2,
			 *is_error, rng_unit(&c->r) * 30);
		break;
	default:
		for (int i = 0; i < lines / 2 + 1; i++) {
			expand(c, o, "{f}:{#}:");
			code_line(c, o);
			str_adds(o, "\n");
		}
		break;
	}
}

/* One tool step: maybe a short text, the tool_use, its result line. */
static void tool_step(struct session *s)
{
	struct ctx *c = &s->c;
	enum tool t = (enum tool)rng_below(&c->r, T_NTOOLS);
	char msg_id[32] = "msg_01", tid[32] = "toolu_01", u[37];
	struct str in = { 0 }, arg = { 0 }, outp = { 0 }, b = { 0 };
	int is_error;

	rand_id(&c->r, msg_id + 6, 23);
	rand_id(&c->r, tid + 8, 23);
	if (rng_pct(&c->r, 45)) {
		str_clear(&c->tmp);
		sentences(c, &c->tmp, asst_t, NELEM(asst_t), 1);
		text_block(s, msg_id, str_c(&c->tmp));
		str_addf(&s->text, "\n\nassistant: %s", str_c(&c->tmp));
	}
	switch (t) {
	case T_READ:
		str_addf(&arg, "/home/dev/src/%s/%s", c->p->name, file(c));
		str_adds(&in, "{\"file_path\":");
		json_str(&in, str_c(&arg));
		str_adds(&in, "}");
		break;
	case T_EDIT: {
		struct str os = { 0 }, ns = { 0 };

		str_addf(&arg, "/home/dev/src/%s/%s", c->p->name, file(c));
		code_line(c, &os);
		code_line(c, &ns);
		str_adds(&in, "{\"file_path\":");
		json_str(&in, str_c(&arg));
		str_adds(&in, ",\"old_string\":");
		json_str(&in, str_c(&os));
		str_adds(&in, ",\"new_string\":");
		json_str(&in, str_c(&ns));
		str_adds(&in, "}");
		free(os.p);
		free(ns.p);
		break;
	}
	case T_BASH:
		if (rng_pct(&c->r, 60))
			str_adds(&arg, rng_pct(&c->r, 60) ? c->p->test_cmd :
				 c->p->build_cmd);
		else
			expand(c, &arg, rng_pct(&c->r, 50) ?
			       "grep -rn {i} {b}" : "git log --oneline -{#} -- {f}");
		str_adds(&in, "{\"command\":");
		json_str(&in, str_c(&arg));
		str_adds(&in, ",\"description\":");
		str_clear(&c->tmp);
		expand(c, &c->tmp, "{v} the {n}");
		json_str(&in, str_c(&c->tmp));
		str_adds(&in, "}");
		break;
	default:
		add_ident(c, &arg);
		str_adds(&in, "{\"pattern\":");
		json_str(&in, str_c(&arg));
		str_addf(&in, ",\"path\":\"/home/dev/src/%s\"}", c->p->name);
		break;
	}
	str_addf(&b, "{\"type\":\"tool_use\",\"id\":\"%s\",\"name\":\"%s\","
		 "\"input\":%s}", tid, tool_names[t], str_c(&in));
	asst_block(s, msg_id, b.p);
	str_addf(&s->text, "\n  > %s: %s", tool_names[t], str_c(&arg));
	if (rng_pct(&c->r, 30))
		progress_line(s, tool_names[t]);

	tool_output(c, t, str_c(&arg), &outp, &is_error);
	if (is_error)
		str_addf(&s->text, "\n  > error: %.80s",
			 strchr(str_c(&outp), '\n') + 1);
	envelope(s, "user", u);
	str_addf(&s->line, ",\"message\":{\"role\":\"user\",\"content\":"
		 "[{\"tool_use_id\":\"%s\",\"type\":\"tool_result\","
		 "\"content\":", tid);
	json_str(&s->line, str_c(&outp));
	str_addf(&s->line, ",\"is_error\":%s}]}", is_error ? "true" : "false");
	if (t == T_BASH) {
		str_adds(&s->line, ",\"toolUseResult\":{\"stdout\":");
		json_str(&s->line, str_c(&outp));
		str_adds(&s->line, ",\"stderr\":\"\",\"interrupted\":false}");
	}
	end_line(s, u);
	free(in.p);
	free(arg.p);
	free(outp.p);
	free(b.p);
}

struct corpus {
	FILE *csv;
	char **prompts;           /* the human prompt of every exchange */
	size_t nx;
	size_t bytes;
};

static void exchange(struct session *s, struct corpus *k)
{
	struct ctx *c = &s->c;
	char msg_id[32] = "msg_01";
	int steps = (int)rng_below(&c->r, 7);

	str_clear(&s->text);
	str_clear(&c->tmp);
	sentences(c, &c->tmp, human_t, NELEM(human_t),
		  1 + (int)rng_below(&c->r, 4));
	if (rng_pct(&c->r, 15)) {
		str_adds(&c->tmp, "\n\n```\n");
		expand(c, &c->tmp, "{f}:{#}: {e}: {i} {a}\n");
		str_adds(&c->tmp, "```");
	}
	k->prompts[k->nx] = strdup(str_c(&c->tmp));
	user_prompt(s, str_c(&c->tmp));
	str_addf(&s->text, "user: %s", str_c(&c->tmp));

	for (int i = 0; i < steps; i++)
		tool_step(s);

	rand_id(&c->r, msg_id + 6, 23);
	str_clear(&c->tmp);
	sentences(c, &c->tmp, asst_t, NELEM(asst_t),
		  7 + (int)rng_below(&c->r, 14));
	text_block(s, msg_id, str_c(&c->tmp));
	str_addf(&s->text, "\n\nassistant: %s", str_c(&c->tmp));
	csv_field(k->csv, str_c(&s->text));
	k->nx++;
}

static int mkdirs(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void session_files(struct ctx *c)
{
	static const char *const tests_pre[] = { "test_", "" };

	c->nfiles = 12 + rng_below(&c->r, 20);
	for (size_t i = 0; i < c->nfiles; i++) {
		struct str w = { 0 };
		const char *dir = c->p->dirs[rng_below(&c->r, 5)];
		int istest = strstr(dir, "test") != NULL;

		ident_word(zipf_draw(&z_ident, &c->r) % 3000, 0, &w);
		snprintf(c->files[i], sizeof(c->files[i]), "%s/%s%s.%s", dir,
			 istest ? tests_pre[0] : tests_pre[1], w.p, c->p->ext);
		free(w.p);
	}
}

/* Writes one session of nx exchanges. */
static int session(const char *dir, uint64_t seed, size_t idx, size_t nx,
		   int64_t start_ms, struct corpus *k)
{
	struct session s = { 0 };
	char path[640], pdir[256], u[37];
	size_t pick, acc = 0, total = 0;

	s.c.r.s = seed ^ (idx * 0xD1B54A32D192ED03ull);
	rng_next(&s.c.r);
	for (size_t i = 0; i < NPROJ; i++)
		total += (size_t)projects[i].weight;
	pick = rng_below(&s.c.r, total);
	for (size_t i = 0; i < NPROJ; i++) {
		acc += (size_t)projects[i].weight;
		if (pick < acc) {
			s.c.p = &projects[i];
			break;
		}
	}
	session_files(&s.c);
	uuid(&s.c.r, s.id);
	snprintf(s.cwd, sizeof(s.cwd), "/home/dev/src/%s", s.c.p->name);
	snprintf(pdir, sizeof(pdir), "%s/projects/-home-dev-src-%s", dir,
		 s.c.p->name);
	if (mkdirs(pdir))
		return -errno;
	snprintf(path, sizeof(path), "%s/%s.jsonl", pdir, s.id);
	s.out = fopen(path, "w");
	if (!s.out)
		return -errno;
	s.ms = start_ms;

	str_adds(&s.line, "{\"type\":\"summary\",\"summary\":");
	str_clear(&s.c.tmp);
	expand(&s.c, &s.c.tmp, "{v} {a} {n} in {i}");
	json_str(&s.line, str_c(&s.c.tmp));
	str_adds(&s.line, ",\"leafUuid\":\"00000000-0000-4000-8000-000000000000\"}\n");
	fwrite(s.line.p, 1, s.line.len, s.out);

	for (size_t i = 0; i < nx; i++) {
		if (rng_pct(&s.c.r, 30)) {
			str_clear(&s.line);
			str_addf(&s.line, "{\"type\":\"file-history-snapshot\","
				 "\"messageId\":\"%zu\",\"snapshot\":"
				 "{\"trackedFileBackups\":{}},"
				 "\"isSnapshotUpdate\":false}\n", i);
			fwrite(s.line.p, 1, s.line.len, s.out);
		}
		exchange(&s, k);
		if (rng_pct(&s.c.r, 25)) {
			envelope(&s, "system", u);
			str_addf(&s.line, ",\"subtype\":\"turn_duration\","
				 "\"durationMs\":%zu,\"isMeta\":false",
				 rng_below(&s.c.r, 600000));
			end_line(&s, u);
		}
		s.ms += (int64_t)rng_below(&s.c.r, 600000);
	}
	k->bytes += (size_t)ftell(s.out);
	if (fclose(s.out))
		return -EIO;
	free(s.line.p);
	free(s.text.p);
	free(s.c.tmp.p);
	return 0;
}

static int is_stop(const char *w)
{
	static const char *const stop[] = {
		"the", "and", "can", "you", "does", "not", "when", "from",
		"what", "with", "into", "make", "sure", "still", "now", "let",
		"its", "own", "keep", "same", "used", "much", "since", "last",
		"only", "whatever", "tell", "why", "look", "please", "test",
		"fails", "change", "says", "shows", "page", "faster", "the",
		"drop", "switch", "twice", "today", "every", "everywhere",
		"including", "covering", "case", "write", "return", "logic",
		"module", "also", "code", "grows", "hour", "think", "memory",
		"count", "off", "reported", "customer", "version", "option",
		"document", "after", "before", "handling", "breaks", "run",
		"take", "used", "much", "now", "tests", "only", "fail",
	};

	for (size_t i = 0; i < NELEM(stop); i++)
		if (!strcmp(stop[i], w))
			return 1;
	return 0;
}

/* Up to 3 words of letters only (>= 4 long, not stop words) from a prompt,
 * lower-cased, space-separated.  Identifiers "a_b" give their parts. */
static void query_from(const char *prompt, struct rng *r, FILE *out)
{
	char words[32][40];
	size_t n = 0, want = 1 + rng_below(r, 3);

	for (const char *p = prompt; *p && n < 32;) {
		char w[40];
		size_t len = 0;

		while (*p && !((*p >= 'a' && *p <= 'z') ||
			       (*p >= 'A' && *p <= 'Z')))
			p++;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			if (*p >= 'A' && *p <= 'Z')
				break;    /* camelCase: cut at the capital */
			if (len < sizeof(w) - 1)
				w[len++] = *p;
			p++;
		}
		if (*p >= 'A' && *p <= 'Z' && !len) {
			w[len++] = (char)(*p - 'A' + 'a');
			p++;
			while (*p >= 'a' && *p <= 'z') {
				if (len < sizeof(w) - 1)
					w[len++] = *p;
				p++;
			}
		}
		w[len] = 0;
		if (len < 4 || is_stop(w))
			continue;
		int dup = 0;

		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(words[i], w);
		if (!dup)
			memcpy(words[n++], w, len + 1);
	}
	if (!n) {
		fputs("error\n", out);
		return;
	}
	if (want > n)
		want = n;
	/* take `want` words starting at a random one */
	size_t at = rng_below(r, n);

	for (size_t i = 0; i < want; i++)
		fprintf(out, "%s%s", i ? " " : "", words[(at + i) % n]);
	fputc('\n', out);
}

static int usage(void)
{
	fputs("usage: gen -n EXCHANGES [-s SEED] [-q QUERIES] -o DIR\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	size_t n = 0, nq = 50, sessions = 0;
	uint64_t seed = 42;
	const char *dir = NULL;
	char path[600];
	struct corpus k = { 0 };
	struct rng r;
	int64_t t = 1735689600000LL;    /* 2025-01-01 */
	FILE *q, *man;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-q") && i + 1 < argc)
			nq = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else
			return usage();
	}
	if (!n || !dir || !nq || n > 100000000)
		return usage();
	if (mkdirs(dir)) {
		fprintf(stderr, "gen: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	zipf_init(&z_noun, NELEM(nouns), 0.9);
	zipf_init(&z_verb, NELEM(verbs), 1.0);
	zipf_init(&z_adj, NELEM(adjs), 0.9);
	zipf_init(&z_ident, NIDENT, 1.05);
	zipf_init(&z_pseudo, NPSEUDO, 1.0);
	zipf_init(&z_small, 12, 0.8);
	k.prompts = calloc(n, sizeof(*k.prompts));
	snprintf(path, sizeof(path), "%s/texts.csv", dir);
	k.csv = fopen(path, "w");
	if (!k.prompts || !k.csv) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	r.s = seed;
	while (k.nx < n) {
		/* a few to dozens of exchanges: 2 + geometric-ish, mean ~11 */
		size_t want = 2 + (size_t)(-log(1.0 - rng_unit(&r) * 0.999) * 9);

		if (want > 60)
			want = 60;
		if (want > n - k.nx)
			want = n - k.nx;
		if (session(dir, seed, sessions, want, t, &k)) {
			fprintf(stderr, "gen: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		sessions++;
		t += 3600000LL * (int64_t)(1 + rng_below(&r, 20));
	}
	fclose(k.csv);

	snprintf(path, sizeof(path), "%s/queries.txt", dir);
	q = fopen(path, "w");
	if (!q)
		return 1;
	for (size_t i = 0; i < nq; i++) {
		size_t x = (i * n) / nq + rng_below(&r, n / nq ? n / nq : 1);

		query_from(k.prompts[x < n ? x : n - 1], &r, q);
	}
	fclose(q);

	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	man = fopen(path, "w");
	if (!man)
		return 1;
	fprintf(man, "seed %llu\nexchanges %zu\nsessions %zu\nprojects %zu\n"
		"jsonl_bytes %zu\n", (unsigned long long)seed, k.nx, sessions,
		NPROJ, k.bytes);
	fclose(man);

	for (size_t i = 0; i < n; i++)
		free(k.prompts[i]);
	free(k.prompts);
	free(z_noun.cdf);
	free(z_verb.cdf);
	free(z_adj.cdf);
	free(z_ident.cdf);
	free(z_pseudo.cdf);
	free(z_small.cdf);
	return 0;
}

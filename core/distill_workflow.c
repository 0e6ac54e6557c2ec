/* distill_workflow.c: the workflow room key.  From tool calls: each
 * "Bash: <command>" brief is cut at && || ; | into simple commands; env
 * assignments, sudo, time and cd are skipped; a known program with its
 * subcommand becomes the key (git rebase -> git_rebase, npm run build ->
 * npm_run_build, python -m pytest -> pytest); tests, builds and deploys
 * weigh more than looking around (git status, git log, git add).  Without
 * one, a specific activity the user's own words name (rebase ->
 * git_rebase). */
#include "common.h"
#include "distill_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Programs whose first argument is a subcommand worth keeping. */
static const char *const with_sub[] = {
	"git", "make", "npm", "yarn", "pnpm", "bun", "deno", "cargo", "go",
	"mix", "docker", "podman", "kubectl", "gh", "bundle", "uv", "poetry",
	"pip", "pip3", "helm", "terraform", "dotnet", "mvn", "gradle",
	"./gradlew", "rake", "npx", "rails", "composer", "swift", "zig",
	"systemctl", "brew", "apt", "apt-get", "cmake", "ninja", "just",
	"meson", "stack", "cabal", "dune", "flutter", "dart", "rustup",
};

/* Programs that are a workflow by themselves. */
static const char *const alone[] = {
	"pytest", "jest", "vitest", "ctest", "rspec", "tox", "nox", "eslint",
	"prettier", "ruff", "black", "mypy", "tsc", "clang-format", "gdb",
	"lldb", "valgrind", "perf", "strace", "ltrace", "rsync", "scp", "ssh",
	"curl", "psql", "sqlite3", "mysql", "redis-cli", "ffmpeg", "shellcheck",
	"hyperfine", "wrk", "ab", "playwright", "cypress", "webpack", "vite",
	"rg", "fusermount3", "fusermount", "mount", "umount", "iex", "elixir",
};

static int in_list(const char *w, size_t n, const char *const *tab,
		   size_t ntab)
{
	for (size_t i = 0; i < ntab; i++)
		if (strlen(tab[i]) == n && !strncmp(tab[i], w, n))
			return 1;
	return 0;
}

/* Next word of [*p, e): skips blanks, returns its length (0 at the end). */
static size_t next_word(const char **p, const char *e)
{
	size_t n = 0;

	while (*p < e && isspace((unsigned char)**p))
		(*p)++;
	while (*p + n < e && !isspace((unsigned char)(*p)[n]))
		n++;
	return n;
}

static int subcommand(const char *w, size_t n)
{
	if (!n || !isalpha((unsigned char)w[0]) || n > 24)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("-_:.", w[i]))
			return 0;
	return 1;
}

/* The key of one simple command [p, e) into out, or nothing. */
static void command_key(const char *p, const char *e, struct buf *out)
{
	size_t n;
	const char *w, *base;

	for (;;) {
		n = next_word(&p, e);
		if (!n)
			return;
		w = p;
		p += n;
		if (!memchr(w, '=', n) && !in_list(w, n, (const char *[]){
			"sudo", "time", "env", "nohup", "exec", "command" }, 6))
			break;
	}
	base = w + n;
	while (base > w && base[-1] != '/')
		base--;
	if (strncmp(w, "./", 2))
		n -= (size_t)(base - w), w = base;
	if ((n == 6 && !strncmp(w, "python", 6)) ||
	    (n == 7 && !strncmp(w, "python3", 7))) {
		n = next_word(&p, e);
		if (n != 2 || strncmp(p, "-m", 2))
			return;
		p += n;
		n = next_word(&p, e);
		if (subcommand(p, n))
			buf_add(out, p, n);
		return;
	}
	if (in_list(w, n, alone, ARRAY_SIZE(alone))) {
		buf_add(out, w, n);
		return;
	}
	if (!in_list(w, n, with_sub, ARRAY_SIZE(with_sub)))
		return;
	buf_add(out, w[0] == '.' ? w + 2 : w, w[0] == '.' ? n - 2 : n);
	n = next_word(&p, e);
	if (!subcommand(p, n))
		return;
	buf_addc(out, '_');
	buf_add(out, p, n);
	if (n == 3 && !strncmp(p, "run", 3)) {
		p += n;
		n = next_word(&p, e);
		if (subcommand(p, n)) {
			buf_addc(out, '_');
			buf_add(out, p, n);
		}
	}
}

struct tally {
	struct strv keys;
	unsigned *count;
	size_t cap;
};

static void tally_add(struct tally *t, const char *key)
{
	for (size_t i = 0; i < t->keys.n; i++)
		if (!strcmp(t->keys.v[i], key)) {
			t->count[i]++;
			return;
		}
	XGROW(t->count, t->cap, t->keys.n + 1);
	t->count[t->keys.n] = 1;
	strv_push(&t->keys, key);
}

static void bash_line(const char *cmd, size_t len, struct tally *t)
{
	const char *p = cmd, *e = cmd + len;

	while (p < e) {
		const char *q = p;
		struct buf key = BUF_INIT(64);

		while (q < e && !strchr("&|;\n", *q))
			q++;
		command_key(p, q, &key);
		if (key.len && strncmp(key.p, "cd", 2))
			tally_add(t, key.p);
		buf_release(&key);
		while (q < e && strchr("&|;\n ", *q))
			q++;
		p = q;
	}
}

/* Tests, builds and deploys say what the work was; looking around (git
 * status, git log, git add, ls) says little. */
static unsigned key_weight(const char *key)
{
	static const char *const strong[] = { "test", "build", "deploy",
		"compile", "check", "lint", "release", "publish", "migrat",
		"bench", "pytest", "jest", "vitest", "rspec", "ctest", "tox",
		"install", "credo", "dialyzer", "tsc", "eslint", "ruff",
		"mypy", "valgrind" };
	static const char *const weak_keys[] = { "git_status", "git_log",
		"git_add", "git_diff", "git_show", "git_branch", "rg",
		"git_fetch", "git_rev-parse", "git_ls-files" };

	for (size_t i = 0; i < ARRAY_SIZE(weak_keys); i++)
		if (!strcmp(key, weak_keys[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(strong); i++)
		if (strstr(key, strong[i]))
			return 20;
	return 4;
}

int distill_workflow_tools(const struct distill_input *in, struct buf *key)
{
	const struct tx_conv *c = in->conv;
	struct tally t = { STRV_INIT, NULL, 0 };
	size_t best = 0;

	for (size_t i = in->ply_start; i <= in->ply_end; i++) {
		const char *s = c->msg[i].tools;

		for (; s && *s; s += strcspn(s, "\n"), s += *s == '\n') {
			size_t n = strcspn(s, "\n");

			if (n > 6 && !strncmp(s, "Bash: ", 6))
				bash_line(s + 6, n - 6, &t);
		}
	}
	for (size_t i = 1; i < t.keys.n; i++)
		if (key_weight(t.keys.v[i]) * t.count[i] >
		    key_weight(t.keys.v[best]) * t.count[best])
			best = i;
	if (t.keys.n)
		buf_adds(key, t.keys.v[best]);
	strv_clear(&t.keys);
	free(t.count);
	return key->len > 0;
}

/* Word stems the user may name a specific activity by, and the key they
 * give (kinds of work as broad as testing or debugging gather nothing). */
static const char *const activity[][2] = {
	{ "deploy", "deployment" }, { "benchmark", "benchmarking" },
	{ "profil", "profiling" }, { "migrat", "migration" },
	{ "rebase", "git_rebase" }, { "merge", "git_merge" },
	{ "cherry-pick", "git_cherry_pick" }, { "release", "release" },
	{ "upgrade", "upgrade" },
};

int distill_workflow_text(const struct dtext *t, struct buf *key)
{
	unsigned count[ARRAY_SIZE(activity)] = { 0 };
	size_t best = 0;

	for (size_t i = 0; i < t->nw; i++) {
		if (t->s[t->w[i].sent].src != DSRC_USER)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(activity); k++)
			if (distill_word_is(&t->w[i], activity[k][0]))
				count[k]++;
	}
	for (size_t k = 1; k < ARRAY_SIZE(activity); k++)
		if (count[k] > count[best])
			best = k;
	if (!count[best])
		return 0;
	buf_adds(key, activity[best][1]);
	return 1;
}

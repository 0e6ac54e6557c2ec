/* test_files.c: files_touched extraction, positives and negatives. */
#include "tx_fixture.h"
#include "t.h"
#include "files.h"

#include <pthread.h>

/* The paths of text joined by '|'. */
static char out[4096];

static const char *ext(const char *text)
{
	struct strv v = STRV_INIT;
	size_t n = 0;

	out[0] = 0;
	T_EQ(files_extract(text, &v), 0);
	for (size_t i = 0; i < v.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
				      i ? "|" : "", v.v[i]);
	strv_clear(&v);
	return out;
}

static void test_positives(void)
{
	T_STREQ(ext("edit src/upload.c and tests/test_upload.py"),
		"src/upload.c|tests/test_upload.py");
	T_STREQ(ext("see README.md."), "README.md");
	T_STREQ(ext("config in ~/.config/app/settings.toml now"),
		"~/.config/app/settings.toml");
	T_STREQ(ext("/home/u/proj/core/buf.h:42: error"),
		"/home/u/proj/core/buf.h");
	T_STREQ(ext("upload.c:212 timed out"), "upload.c");
	T_STREQ(ext("(see docs/SPEC.MD)"), "docs/SPEC.MD");
	T_STREQ(ext("the package.json, Cargo.lock and go.mod"),
		"package.json|Cargo.lock");
	T_STREQ(ext("a .env file and .eslintrc.json"), ".env|.eslintrc.json");
	T_STREQ(ext("cpp: src/x.cpp, header src/x.hpp"), "src/x.cpp|src/x.hpp");
	T_STREQ(ext("my-app/web_ui/index.test.tsx"),
		"my-app/web_ui/index.test.tsx");
	T_STREQ(ext("[link](docs/guide.rst)"), "docs/guide.rst");
}

static void test_backticks_first(void)
{
	T_STREQ(ext("first a.py then `b/c.rs` then a.py"), "b/c.rs|a.py");
	T_STREQ(ext("run `make -C build test.sh`"), "test.sh");
	T_STREQ(ext("`x.go` `x.go` x.go"), "x.go");
}

static void test_normalise(void)
{
	T_STREQ(ext("./src/main.c and src/main.c"), "src/main.c");
	T_STREQ(ext("src\\win\\app.cs"), "src/win/app.cs");
	T_STREQ(ext("C:\\Users\\me\\tool.py"), "C:/Users/me/tool.py");
	T_STREQ(ext("././a.js"), "a.js");
	T_STREQ(ext("Package.json then package.json"), "Package.json");
	T_STREQ(ext("root /mix.exs and /etc/app.conf"), "mix.exs|/etc/app.conf");
}

static void test_negatives(void)
{
	T_STREQ(ext("output files (TOML and Markdown)"), "");
	T_STREQ(ext("e.g. this, i.e. that, etc."), "");
	T_STREQ(ext("version v1.2 and 3.14 and 1.2.3"), "");
	T_STREQ(ext("Mr. Smith met Dr. Who at 5 p.m. today"), "");
	T_STREQ(ext("at 10 a.m. sharp"), "");
	T_STREQ(ext("host.ts.net and foo.py.bak"), "");
	T_STREQ(ext("res.json() then console.log(x) and process.env"), "");
	T_STREQ(ext("...md and --.py"), "");
	T_STREQ(ext("mid-word: notafile.cpython and x.pyc"), "");
	T_STREQ(ext(""), "");
	/* globs and bare extensions are not files */
	T_STREQ(ext("Glob: assets/js/**/*.js and *_test.exs"), "");
	T_STREQ(ext("all .tsx and .md files"), "");
	/* library names */
	T_STREQ(ext("Next.js 15 with Node.js and xterm.js, but src/next.js"),
		"src/next.js");
}

/* URLs are not files: neither the host nor the path. */
static void test_urls(void)
{
	T_STREQ(ext("https://example.com/x.html"), "");
	T_STREQ(ext("see http://docs.rs/foo/lib.rs and src/lib.rs"),
		"src/lib.rs");
	T_STREQ(ext("<https://github.com/a/b/blob/main/README.md>"), "");
}

static void test_add_exact(void)
{
	struct strv v = STRV_INIT;

	files_add_exact("./core/buf.c", &v);
	files_add_exact("core\\buf.c", &v);
	files_add_exact("/abs/Makefile", &v);     /* exact: no extension needed */
	files_add_exact(NULL, &v);
	T_EQ(v.n, 2);
	T_STREQ(v.v[0], "core/buf.c");
	T_STREQ(v.v[1], "/abs/Makefile");
	strv_clear(&v);
}

/* A long hostile token cannot make matching explode. */
static void test_hostile(void)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	struct strv v = STRV_INIT;

	for (int i = 0; i < 20000; i++)
		buf_adds(&b, "a/");
	buf_adds(&b, "x");
	for (int i = 0; i < 20000; i++)
		buf_adds(&b, ".a");
	T_EQ(files_extract(b.p, &v), 0);
	T_CHECK(v.n <= 1);      /* at most the one long token, a path by rule */
	strv_clear(&v);
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "f%d.c ", i);
	T_EQ(files_extract(b.p, &v), 0);
	T_EQ(v.n, 256);           /* capped */
	strv_clear(&v);
	buf_release(&b);
}

static void *worker(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		struct strv v = STRV_INIT;

		if (files_extract("fix `src/a.c` and b/c.py", &v) || v.n != 2)
			bad++;
		strv_clear(&v);
	}
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t th[4];
	long bad = 0;

	files_cleanup();          /* compile again under contention */
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(th[i], &r);
		bad += (long)r;
	}
	T_EQ(bad, 0);
	files_cleanup();
}

T_MAIN(test_positives, test_backticks_first, test_normalise, test_negatives,
       test_urls, test_add_exact, test_hostile, test_threads)

/* test_fs_name.c: raw store values -> names in the tree (fs/name.h): one
 * component always, reversible escapes, "." and "..", long names, and
 * file paths as directories. */
#include "common.h"
#include "name.h"

#include <string.h>

#include "t.h"

static const char *enc(const char *raw)
{
	static struct buf b;

	buf_release(&b);
	buf_init(&b, BUF_MAX_SMALL);
	T_EQ(fs_name_encode(raw, &b), 0);
	return buf_str(&b);
}

static const char *penc(const char *raw)
{
	static struct buf b;

	buf_release(&b);
	buf_init(&b, BUF_MAX_SMALL);
	T_EQ(fs_path_encode(raw, &b), 0);
	return buf_str(&b);
}

static void test_names(void)
{
	T_STREQ(enc("retry_timeout"), "retry_timeout");
	T_STREQ(enc("core/buf.c"), "core%2Fbuf.c");
	T_STREQ(enc("100%"), "100%25");
	T_STREQ(enc("a\nb\tc"), "a%0Ab%09c");
	T_STREQ(enc("."), "%2E");
	T_STREQ(enc(".."), "%2E%2E");
	T_STREQ(enc(""), "%00");
	T_STREQ(enc("...x"), "...x");
	T_STREQ(enc("ünïcode"), "ünïcode");
}

static void test_long(void)
{
	char raw[600], raw2[600];
	const char *a;
	char *keep;

	memset(raw, 'x', sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = 0;
	memcpy(raw2, raw, sizeof(raw));
	raw2[500] = 'y';
	a = enc(raw);
	T_CHECK(strlen(a) <= 240);
	T_CHECK(strchr(a, '/') == NULL);
	keep = xstrdup(a);
	T_CHECK(strcmp(keep, enc(raw2)) != 0);   /* the hash tells them apart */
	T_STREQ(enc(raw), keep);                 /* deterministic */
	free(keep);
	/* a cut never splits a %XX escape or a UTF-8 sequence */
	memset(raw, '/', 300);
	raw[300] = 0;
	a = enc(raw);
	T_CHECK(strlen(a) <= 240);
	T_CHECK(a[strlen(a) - 17] == '~');
	T_CHECK(strncmp(a + strlen(a) - 20, "%2F", 3) == 0);
}

static void test_paths(void)
{
	T_STREQ(penc("/home/u/x.c"), "home/u/x.c");
	T_STREQ(penc("home//u/./x.c"), "home/u/x.c");
	T_STREQ(penc("../etc/passwd"), "%2E%2E/etc/passwd");
	T_STREQ(penc("src/a%b.c"), "src/a%25b.c");
	T_STREQ(penc("/"), "");
	T_STREQ(penc("."), "");
	T_STREQ(penc("C:\\x\\y.c"), "C:\\x\\y.c");
}

T_MAIN(test_names, test_long, test_paths)

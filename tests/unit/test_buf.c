/* test_buf.c: the size-capped buffer, the string list and the hash. */
#include "common.h"
#include "hash.h"

#include <errno.h>
#include <unistd.h>

#include "t.h"

static void test_buf_cap(void)
{
	struct buf b = BUF_INIT(8);

	T_EQ(buf_adds(&b, "abcd"), 0);
	T_EQ(buf_adds(&b, "efgh"), 0);
	T_EQ(buf_adds(&b, "i"), -E2BIG);
	T_STREQ(buf_str(&b), "abcdefgh");
	T_EQ(b.len, 8);
	T_EQ(buf_addf(&b, "%d", 1), -E2BIG);
	buf_release(&b);
	T_STREQ(buf_str(&b), "");
}

static void test_buf_addf(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	char *s;

	for (int i = 0; i < 1000; i++)
		T_EQ(buf_addf(&b, "%04d", i), 0);
	T_EQ(b.len, 4000);
	T_CHECK(!memcmp(b.p + 3996, "0999", 4));
	buf_truncate(&b, 2);
	T_STREQ(b.p, "00");
	s = buf_detach(&b);
	T_STREQ(s, "00");
	T_CHECK(b.p == NULL);
	free(s);
}

static void test_buf_files(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL), r = BUF_INIT(BUF_MAX_SMALL);
	char path[512];

	snprintf(path, sizeof(path), "%s/f", t_tmpdir());
	buf_adds(&b, "hello\n");
	T_EQ(buf_write_file_atomic(&b, path), 0);
	T_EQ(buf_read_file(&r, path), 0);
	T_STREQ(buf_str(&r), "hello\n");
	r.max = 3;
	buf_reset(&r);
	T_EQ(buf_read_file(&r, path), -E2BIG);
	T_EQ(buf_read_file(&r, "/nonexistent/x"), -ENOENT);
	unlink(path);
	buf_release(&b);
	buf_release(&r);
}

static void test_strv(void)
{
	struct strv sv = STRV_INIT;

	T_EQ(strv_push_unique(&sv, "a"), 1);
	T_EQ(strv_push_unique(&sv, "a"), 0);
	strv_push(&sv, "b");
	T_EQ(sv.n, 2);
	T_CHECK(sv.v[2] == NULL);
	T_CHECK(strv_has(&sv, "b"));
	strv_clear(&sv);
	T_EQ(sv.n, 0);
}

static void test_hash(void)
{
	char a[HASH_HEX_LEN + 1], b[HASH_HEX_LEN + 1];

	hash_hex("abc", 3, a);
	hash_hex("abc", 3, b);
	T_STREQ(a, b);
	T_EQ(strlen(a), HASH_HEX_LEN);
	hash_hex("abd", 3, b);
	T_CHECK(strcmp(a, b) != 0);
}

T_MAIN(test_buf_cap, test_buf_addf, test_buf_files, test_strv, test_hash)

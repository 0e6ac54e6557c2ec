/* test_fs_tree.c: the symlink trees of a project (fs/tree.c): directories
 * hold everything below them even when a sibling's name sorts between
 * ("a", "a-b", "a/x"), subdirectories are found by name, links by
 * exchange index, the same link twice in a directory counts once, links
 * keep their input order for listing, and a path thousands of parts deep
 * builds without recursion. */
#include "common.h"
#include "view_int.h"

#include <errno.h>
#include <string.h>

#include "t.h"

static uint32_t sub(const struct fs_tree *t, uint32_t di, const char *name)
{
	uint32_t out = UINT32_MAX;

	T_EQ(fs_tree_sub(t, di, name, &out), 0);
	return out;
}

static void test_layout(void)
{
	struct fs_tree_input in = { NULL, 0, 0 };
	struct fs_tree t;
	uint32_t a, ab, ax, b;

	fs_tree_add(&in, "a/x", 5);
	fs_tree_add(&in, "a-b", 1);
	fs_tree_add(&in, "a", 3);
	fs_tree_add(&in, "a/x", 2);
	fs_tree_add(&in, "b", 4);
	fs_tree_add(&in, "a/x", 5);         /* again: one link */
	fs_tree_add(&in, "", 9);            /* nothing left: not shown */
	fs_tree_build(&in, &t);
	T_EQ(in.n, 0);                      /* consumed */
	T_EQ(t.d[0].nsub, 3);               /* a, a-b, b */
	T_EQ(t.d[0].nlink, 0);
	a = sub(&t, 0, "a");
	ab = sub(&t, 0, "a-b");
	b = sub(&t, 0, "b");
	T_STREQ(t.d[t.d[0].sub].name, "a");
	T_STREQ(t.d[t.d[0].sub + 1].name, "a-b");
	T_STREQ(t.d[t.d[0].sub + 2].name, "b");
	T_EQ(fs_tree_sub(&t, 0, "x", &ax), -ENOENT);
	/* "a" holds its own link and the directory x with two links */
	T_EQ(t.d[a].nlink, 1);
	T_EQ(t.links[t.d[a].link], 3);
	T_EQ(t.d[a].nsub, 1);
	ax = sub(&t, a, "x");
	T_EQ(t.d[ax].nlink, 2);
	T_EQ(t.links[t.d[ax].link], 5);     /* input order */
	T_EQ(t.links[t.d[ax].link + 1], 2);
	T_EQ(fs_tree_link(&t, ax, 2), 0);
	T_EQ(fs_tree_link(&t, ax, 5), 0);
	T_EQ(fs_tree_link(&t, ax, 3), -ENOENT);
	T_EQ(fs_tree_link(&t, ab, 1), 0);
	T_EQ(fs_tree_link(&t, b, 4), 0);
	T_EQ(fs_tree_link(&t, b, 1), -ENOENT);
	T_EQ(t.nl, 5);
	fs_tree_release(&t);
}

static void test_deep(void)
{
	struct fs_tree_input in = { NULL, 0, 0 };
	struct buf p = BUF_INIT(BUF_MAX_TEXT);
	struct fs_tree t;
	uint32_t di = 0;
	int ok = 1;

	for (int i = 0; i < 20000; i++)
		buf_adds(&p, i ? "/d" : "d");
	fs_tree_add(&in, buf_str(&p), 7);
	fs_tree_build(&in, &t);
	T_EQ(t.nd, 20001);
	for (int i = 0; i < 20000 && ok; i++)
		ok = !fs_tree_sub(&t, di, "d", &di);
	T_CHECK(ok);
	T_EQ(fs_tree_link(&t, di, 7), 0);
	fs_tree_release(&t);
	buf_release(&p);
}

static void test_empty(void)
{
	struct fs_tree_input in = { NULL, 0, 0 };
	struct fs_tree t;
	uint32_t out;

	fs_tree_build(&in, &t);
	T_EQ(t.nd, 1);
	T_EQ(t.nl, 0);
	T_EQ(fs_tree_sub(&t, 0, "a", &out), -ENOENT);
	T_EQ(fs_tree_link(&t, 0, 0), -ENOENT);
	fs_tree_release(&t);
}

T_MAIN(test_layout, test_deep, test_empty)

/* test_memory_md.c: the MEMORY.md renderer (fs/content.c): a heading per
 * day, entries as number and core (no slug, no time), the detail, later
 * chunks of a long request folded under it, a room only where it adds
 * something. */
#include "common.h"
#include "content.h"
#include "store.h"

#include <unistd.h>

#include "t.h"

static struct store st;
static int64_t pid, cid;

static int64_t put(size_t ply, int64_t t, const char *core,
		   const char *context, const char *room)
{
	struct store_exchange x;
	int64_t id = 0;

	memset(&x, 0, sizeof(x));
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = ply;
	x.ply_end = ply;
	x.t_start = t;
	x.t_end = t;
	x.slug = "a-slug-that-repeats-the-core";
	x.verbatim = "user: hi\n";
	x.d.core = (char *)core;
	x.d.context = (char *)context;
	if (room) {
		x.d.nrooms = 1;
		x.d.rooms[0].type = ROOM_WORKFLOW;
		x.d.rooms[0].key = (char *)room;
		x.d.rooms[0].label = (char *)room;
		x.d.rooms[0].relevance = 0.8;
	}
	x.hash = "h";
	T_EQ(store_put_exchange(&st, &x, &id), 0);
	return id;
}

static void test_memory(void)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);
	struct buf m = BUF_INIT(BUF_MAX_TEXT);

	buf_addf(&path, "%s/memory.db", t_tmpdir());
	unlink(path.p);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	T_EQ(store_project(&st, "app", 1, &pid), 0);
	T_EQ(store_conv_put(&st, pid, "s1", NULL, NULL, "f", 9, 0, 0, &cid), 0);
	/* 2026-02-11 20:36 UTC and later */
	put(0, 1770842160, "Implement the review page. The epic has 3 tasks.",
	    "message_id", "mix_test");
	put(20, 1770842520, "Implement the review page (2/3): All 43 tests "
	    "pass.", "", "mix_test");
	put(40, 1770843000, "Implement the review page (3/3): Pushed.", "",
	    "git_push");
	put(60, 1770929000, "did you push? Both commits are on origin.",
	    "origin/main", "git_push");
	put(61, 1770929100, "Deploy it to staging.", "", "deploy_staging");
	T_EQ(fs_content_memory(&st, pid, "app", &m), 0);
	if (getenv("MEMORY_SHOW"))
		fputs(m.p, stderr);
	T_CONTAINS(m.p, "# app: 5 exchanges, oldest first\n");
	T_CONTAINS(m.p, "\n## 2026-02-11\n000001 Implement the review page. "
		   "The epic has 3 tasks.\n> message_id\n");
	/* later chunks under their request, by number and place */
	T_CONTAINS(m.p, "\n  000002 (2/3) All 43 tests pass.\n");
	T_CONTAINS(m.p, "\n  000003 (3/3) Pushed.\n");
	/* a new day, a new heading */
	T_CONTAINS(m.p, "\n## 2026-02-12\n000004 did you push?");
	/* no slug, no clock time */
	T_CHECK(!strstr(m.p, "a-slug"));
	T_CHECK(!strstr(m.p, "20:36"));
	/* a room shared with another exchange and not the entry above's is
	 * shown (3 has git_push, 2 had mix_test); one in a single exchange,
	 * or the same as above, is not */
	T_CONTAINS(m.p, "Pushed.\nroom workflow/git_push\n");
	T_CHECK(!strstr(m.p, "origin/main\nroom"));
	T_CHECK(!strstr(m.p, "deploy_staging"));
	T_CHECK(!strstr(m.p, "43 tests pass.\nroom"));
	store_close(&st);
	buf_release(&m);
	buf_release(&path);
	buf_release(&err);
}

T_MAIN(test_memory)

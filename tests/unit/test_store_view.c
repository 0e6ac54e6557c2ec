/* test_store_view.c: the listing queries behind the mounted tree: projects,
 * exchanges, rooms, conversations in ply order, files, MEMORY.md material,
 * counts, and data_version moving when another connection commits. */
#include "common.h"
#include "store.h"
#include "store_view.h"

#include <errno.h>
#include <unistd.h>

#include "t.h"

static struct store st;
static int64_t pa, pb, ca, cb, x1, x2, x3;

static int64_t put(int64_t pid, int64_t cid, size_t a, int64_t t,
		   const char *slug, const char *room, const char *file)
{
	struct store_exchange x;
	int64_t id = 0;

	memset(&x, 0, sizeof(x));
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = a;
	x.ply_end = a + 1;
	x.t_start = t;
	x.t_end = t + 5;
	x.slug = (char *)slug;
	x.verbatim = "user: hi\n";
	x.d.core = (char *)slug;
	x.d.context = "ctx";
	x.d.nrooms = 1;
	x.d.rooms[0].type = ROOM_CONCEPT;
	x.d.rooms[0].key = (char *)room;
	x.d.rooms[0].label = (char *)room;
	x.d.rooms[0].relevance = 0.5;
	strv_push(&x.d.files, file);
	x.hash = "h";
	T_EQ(store_put_exchange(&st, &x, &id), 0);
	strv_clear(&x.d.files);
	return id;
}

static void setup(void)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&path, "%s/view.db", t_tmpdir());
	unlink(path.p);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	T_EQ(store_project(&st, "beta", 1, &pb), 0);
	T_EQ(store_project(&st, "alpha", 1, &pa), 0);
	T_EQ(store_conv_put(&st, pa, "s1", NULL, NULL, "f", 4, 0, 0, &ca), 0);
	T_EQ(store_conv_put(&st, pb, "s2", NULL, NULL, "f", 2, 0, 0, &cb), 0);
	/* inserted out of ply order on purpose */
	x2 = put(pa, ca, 2, 2000, "second", "retry", "/home/u/app/up.c");
	x1 = put(pa, ca, 0, 1000, "first", "retry", "core/buf.c");
	x3 = put(pb, cb, 0, 3000, "other", "deploy", "core/buf.c");
	buf_release(&path);
	buf_release(&err);
}

static void test_projects(void)
{
	struct strv sv = STRV_INIT;
	int64_t id = 0, t = 0;

	T_EQ(store_view_projects(&st, &sv), 0);
	T_EQ(sv.n, 2);
	T_STREQ(sv.v[0], "alpha");
	T_STREQ(sv.v[1], "beta");
	strv_clear(&sv);
	T_EQ(store_view_project_id(&st, "beta", &id), 0);
	T_EQ(id, pb);
	T_EQ(store_view_project_id(&st, "gamma", &id), -ENOENT);
	T_EQ(store_view_project_time(&st, pa, &t), 0);
	T_EQ(t, 2005);
}

static void test_exchanges(void)
{
	struct store_xrows r = STORE_XROWS_INIT;
	struct store_xrow one;

	T_EQ(store_view_exchanges(&st, pa, &r), 0);
	T_EQ(r.n, 2);
	T_EQ(r.v[0].id, x2);    /* by id */
	T_STREQ(r.v[0].slug, "second");
	store_xrows_release(&r);
	T_EQ(store_view_exchange(&st, pa, x1, "first", &one), 0);
	T_EQ(one.t_start, 1000);
	store_xrow_release(&one);
	T_EQ(store_view_exchange(&st, pa, x1, "wrong", &one), -ENOENT);
	T_EQ(store_view_exchange(&st, pa, x3, NULL, &one), -ENOENT);
	T_EQ(store_view_exchange(&st, 0, x3, NULL, &one), 0);
	store_xrow_release(&one);
}

static void test_rooms_convs(void)
{
	struct strv sv = STRV_INIT;
	struct store_xrows r = STORE_XROWS_INIT;

	T_EQ(store_view_room_types(&st, pa, &sv), 0);
	T_EQ(sv.n, 1);
	T_STREQ(sv.v[0], "concept");
	strv_clear(&sv);
	T_EQ(store_view_room_keys(&st, pa, "concept", &sv), 0);
	T_EQ(sv.n, 1);
	T_STREQ(sv.v[0], "retry");
	strv_clear(&sv);
	T_EQ(store_view_room_exchanges(&st, pa, "concept", "retry", &r), 0);
	T_EQ(r.n, 2);
	store_xrows_release(&r);
	T_EQ(store_view_room_exchanges(&st, pa, "concept", "deploy", &r), 0);
	T_EQ(r.n, 0);
	store_xrows_release(&r);
	T_EQ(store_view_convs(&st, pa, &sv), 0);
	T_EQ(sv.n, 1);
	strv_clear(&sv);
	T_EQ(store_view_conv_exchanges(&st, pa, "s1", &r), 0);
	T_EQ(r.n, 2);
	T_EQ(r.v[0].id, x1);    /* ply order */
	T_EQ(r.v[1].id, x2);
	store_xrows_release(&r);
	T_EQ(store_view_conv_exchanges(&st, pa, "s2", &r), 0);
	T_EQ(r.n, 0);
	store_xrows_release(&r);
	T_EQ(store_view_rooms_all(&st, pa, &r), 0);
	T_EQ(r.n, 2);
	T_STREQ(r.v[0].room_type, "concept");
	T_STREQ(r.v[0].room_key, "retry");
	T_EQ(r.v[0].id, x2);    /* by id within a room */
	store_xrows_release(&r);
	T_EQ(store_view_convs_all(&st, pa, &r), 0);
	T_EQ(r.n, 2);
	T_STREQ(r.v[0].conv_key, "s1");
	T_EQ(r.v[0].id, x1);    /* ply order */
	store_xrows_release(&r);
	T_EQ(store_view_convs_all(&st, pb, &r), 0);
	T_EQ(r.n, 1);
	store_xrows_release(&r);
}

static void test_files_memory(void)
{
	struct store_xrows r = STORE_XROWS_INIT;
	struct store_view_counts c;

	T_EQ(store_view_files(&st, pa, &r), 0);
	T_EQ(r.n, 2);
	T_STREQ(r.v[0].path, "/home/u/app/up.c");
	T_STREQ(r.v[1].path, "core/buf.c");
	T_EQ(r.v[1].id, x1);
	store_xrows_release(&r);
	T_EQ(store_view_memory(&st, pa, &r), 0);
	T_EQ(r.n, 2);
	T_EQ(r.v[0].id, x1);    /* oldest first */
	T_STREQ(r.v[0].core, "first");
	T_STREQ(r.v[0].rooms, "concept/retry");
	store_xrows_release(&r);
	T_EQ(store_view_counts(&st, &c), 0);
	T_EQ(c.projects, 2);
	T_EQ(c.exchanges, 3);
	T_EQ(c.conversations, 2);
}

static void test_data_version(void)
{
	struct store other;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int64_t v0 = 0, v1 = 0, pid;

	T_EQ(store_view_data_version(&st, &v0), 0);
	T_EQ(store_open(st.path, 0, &other, &err), 0);
	T_EQ(store_project(&other, "gamma", 1, &pid), 0);
	store_close(&other);
	T_EQ(store_view_data_version(&st, &v1), 0);
	T_CHECK(v0 != v1);
	buf_release(&err);
}

static void teardown(void)
{
	store_close(&st);
}

T_MAIN(setup, test_projects, test_exchanges, test_rooms_convs,
       test_files_memory, test_data_version, teardown)

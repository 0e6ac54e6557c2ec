/* test_store.c: the SQLite store: schema and migration, exchanges with
 * rooms and files, update, delete, and SQLite + FTS5 integrity after each
 * mutation. */
#include "common.h"
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <unistd.h>

#include "t.h"

static void open_fresh(struct store *st, const char *name)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&path, "%s/%s", t_tmpdir(), name);
	unlink(path.p);
	T_EQ(store_open(path.p, 0, st, &err), 0);
	buf_release(&path);
	buf_release(&err);
}

static void check_integrity(struct store *st)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc = store_check(st, &err);

	T_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", buf_str(&err));
	buf_release(&err);
}

static long count(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int64_t put(struct store *st, int64_t pid, int64_t cid, size_t a,
		   const char *text, const char *room)
{
	struct store_exchange x;
	int64_t id = 0;

	memset(&x, 0, sizeof(x));
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = a;
	x.ply_end = a + 1;
	x.slug = "fix-retry";
	x.verbatim = (char *)text;
	x.d.core = "Raised the retry cap.";
	x.d.context = "ETIMEDOUT after 30s";
	x.d.nrooms = 1;
	x.d.rooms[0].type = ROOM_CONCEPT;
	x.d.rooms[0].key = (char *)room;
	x.d.rooms[0].label = (char *)room;
	x.d.rooms[0].relevance = 0.9;
	strv_push(&x.d.files, "core/upload.c");
	x.hash = "h";
	T_EQ(store_put_exchange(st, &x, &id), 0);
	strv_clear(&x.d.files);
	return id;
}

static void test_schema(void)
{
	struct store st;

	open_fresh(&st, "schema.db");
	T_EQ(count(&st, "PRAGMA user_version"), 4);
	T_EQ(count(&st, "PRAGMA foreign_keys"), 1);
	check_integrity(&st);
	store_close(&st);
}

static void test_project_names(void)
{
	T_CHECK(store_project_name_ok("app"));
	T_CHECK(!store_project_name_ok(""));
	T_CHECK(!store_project_name_ok(".."));
	T_CHECK(!store_project_name_ok("a/b"));
	T_CHECK(!store_project_name_ok("a\nb"));
}

static void test_put_get_delete(void)
{
	struct store st;
	struct store_exchange x;
	int64_t pid, cid, id, id2, rid;
	size_t np;

	open_fresh(&st, "put.db");
	T_EQ(store_begin(&st), 0);
	T_EQ(store_project(&st, "app", 1, &pid), 0);
	T_EQ(store_conv_put(&st, pid, "s1", NULL, "t", "f.jsonl", 4, 1, 2,
			    &cid), 0);
	id = put(&st, pid, cid, 0, "user: upload times out\n", "retry_timeout");
	id2 = put(&st, pid, cid, 2, "user: flaky test again\n", "retry_timeout");
	T_EQ(store_commit(&st), 0);
	check_integrity(&st);
	T_EQ(store_conv_find(&st, "s1", &cid, &np), 0);
	T_EQ(np, 4);
	T_EQ(count(&st, "SELECT count(*) FROM rooms"), 1);
	T_EQ(count(&st, "SELECT count(*) FROM fts_verbatim WHERE fts_verbatim"
		   " MATCH 'upload'"), 1);
	T_EQ(store_get_exchange(&st, id, &x), 0);
	T_STREQ(x.project, "app");
	T_STREQ(x.d.context, "ETIMEDOUT after 30s");
	T_EQ(x.d.nrooms, 1);
	T_STREQ(x.d.rooms[0].key, "retry_timeout");
	T_EQ(x.d.files.n, 1);
	store_exchange_release(&x);
	T_EQ(store_resolve(&st, "000001-fix-retry", &rid), 0);
	T_EQ(rid, id);
	T_EQ(store_resolve(&st, "1-other-slug", &rid), -ENOENT);
	T_EQ(store_resolve(&st, "app/1", &rid), 0);
	T_EQ(store_resolve(&st, "slug", &rid), -EINVAL);
	T_EQ(store_delete_exchange(&st, id), 0);
	check_integrity(&st);
	T_EQ(store_delete_exchange(&st, id), -ENOENT);
	T_EQ(count(&st, "SELECT count(*) FROM fts_verbatim WHERE fts_verbatim"
		   " MATCH 'upload'"), 0);
	T_EQ(count(&st, "SELECT count(*) FROM exchange_files"), 1);
	T_EQ(store_delete_exchange(&st, id2), 0);
	T_EQ(count(&st, "SELECT count(*) FROM rooms"), 0);
	check_integrity(&st);
	store_close(&st);
}

static void test_update_distilled(void)
{
	struct store st;
	struct distill d;
	int64_t pid, cid, id;

	memset(&d, 0, sizeof(d));
	open_fresh(&st, "upd.db");
	T_EQ(store_project(&st, "app", 1, &pid), 0);
	T_EQ(store_conv_put(&st, pid, "s1", NULL, NULL, "-", 2, 0, 0, &cid), 0);
	id = put(&st, pid, cid, 0, "user: x\n", "old_room");
	d.core = "Switched the cache to LRU.";
	d.context = "maxsize=512";
	d.nrooms = 1;
	d.rooms[0].type = ROOM_WORKFLOW;
	d.rooms[0].key = "cache_eviction";
	d.rooms[0].label = "cache eviction";
	d.rooms[0].relevance = 1;
	d.distiller = "llm";
	T_EQ(store_update_distilled(&st, id, &d, STORE_DONE), 0);
	T_EQ(count(&st, "SELECT count(*) FROM fts_distilled WHERE fts_distilled"
		   " MATCH 'LRU'"), 1);
	T_EQ(count(&st, "SELECT count(*) FROM fts_distilled WHERE fts_distilled"
		   " MATCH 'retry'"), 0);
	T_EQ(count(&st, "SELECT count(*) FROM exchange_rooms er JOIN rooms r ON"
		   " r.id=er.room_id WHERE r.key='cache_eviction'"), 1);
	check_integrity(&st);
	T_EQ(store_update_distilled(&st, id + 100, &d, STORE_DONE), -ENOENT);
	store_close(&st);
}

static void test_reopen_readonly(void)
{
	struct store st;
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	open_fresh(&st, "ro.db");
	store_close(&st);
	buf_addf(&path, "%s/ro.db", t_tmpdir());
	T_EQ(store_open(path.p, STORE_RDONLY, &st, &err), 0);
	T_EQ(count(&st, "PRAGMA user_version"), 4);
	store_close(&st);
	T_CHECK(store_open("/nonexistent/dir/x.db", STORE_RDONLY, &st, &err)
		< 0);
	T_CHECK(err.len > 0);
	buf_release(&path);
	buf_release(&err);
}

/* A command that only reads never creates a database (issue 12.1). */
static void test_no_create(void)
{
	struct store st;
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&path, "%s/absent.db", t_tmpdir());
	unlink(path.p);
	T_EQ(store_open(path.p, STORE_RDONLY, &st, &err), -ENOENT);
	T_CHECK(strstr(buf_str(&err), "no memory there yet") != NULL);
	buf_reset(&err);
	T_EQ(store_open(path.p, STORE_NOCREATE, &st, &err), -ENOENT);
	T_EQ(access(path.p, F_OK), -1);
	T_EQ(store_open(path.p, 0, &st, &err), 0);
	store_close(&st);
	T_EQ(store_open(path.p, STORE_NOCREATE, &st, &err), 0);
	store_close(&st);
	buf_release(&path);
	buf_release(&err);
}

static void test_abs_path(void)
{
	char cwd[4096], *p;
	struct buf want = BUF_INIT(BUF_MAX_SMALL);

	T_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	p = store_abs_path("/x/y.db");
	T_STREQ(p, "/x/y.db");
	free(p);
	p = store_abs_path("r.db");
	buf_addf(&want, "%s/r.db", strcmp(cwd, "/") ? cwd : "");
	T_STREQ(p, buf_str(&want));
	free(p);
	/* an existing folder is made real: no ".." left */
	T_EQ(chdir(t_tmpdir()), 0);
	p = store_abs_path("../m.db");
	T_CHECK(p[0] == '/' && !strstr(p, ".."));
	free(p);
	/* a folder not there yet is joined as written */
	p = store_abs_path("new/dir/m.db");
	T_CHECK(p[0] == '/' && strstr(p, "/new/dir/m.db"));
	free(p);
	T_EQ(chdir(cwd), 0);
	buf_release(&want);
}

/* Forgetting keeps a tombstone with the exchange's identity, no text;
 * dropping (ingest replacing an exchange) keeps none; unforget removes it
 * and marks the conversation for a full re-read. */
static void test_tombstone(void)
{
	struct store st;
	struct buf src = BUF_INIT(BUF_MAX_SMALL);
	int64_t pid, cid, id, id2, id3;
	size_t np;

	open_fresh(&st, "tomb.db");
	T_EQ(store_begin(&st), 0);
	T_EQ(store_project(&st, "app", 1, &pid), 0);
	T_EQ(store_conv_put(&st, pid, "s1", NULL, NULL, "/t/s1.jsonl", 6, 0, 0,
			    &cid), 0);
	id = put(&st, pid, cid, 0, "user: the secret is hunter2\n", "r");
	id2 = put(&st, pid, cid, 2, "user: second\n", "r");
	id3 = put(&st, pid, cid, 4, "user: third\n", "r");
	T_EQ(store_commit(&st), 0);
	T_EQ(store_forgotten(&st, "s1", 0, NULL), 0);
	T_EQ(store_begin(&st), 0);
	T_EQ(store_delete_exchange(&st, id), 0);
	T_EQ(store_drop_exchange(&st, id2), 0);
	T_EQ(store_commit(&st), 0);
	check_integrity(&st);
	T_EQ(store_forgotten(&st, "s1", 0, NULL), 1);
	T_EQ(store_forgotten(&st, "s1", 2, NULL), 0);   /* dropped, not forgot */
	T_EQ(store_forgotten(&st, "s2", 0, NULL), 0);
	T_EQ(count(&st, "SELECT count(*) FROM forgotten"), 1);
	T_EQ(count(&st, "SELECT count(*) FROM forgotten WHERE"
		   " instr(project||conv_key||coalesce(source_id,''),"
		   " 'hunter2')"), 0);
	/* with message ids on both sides they decide (plies may be renumbered
	 * by a newer reader); else the ply */
	T_EQ(sqlite3_exec(st.db, "UPDATE forgotten SET source_id='u1'", NULL,
			  NULL, NULL), SQLITE_OK);
	T_EQ(store_forgotten(&st, "s1", 7, "u1"), 1);
	T_EQ(store_forgotten(&st, "s1", 0, "u9"), 0);
	T_EQ(store_forgotten(&st, "s1", 0, NULL), 1);
	T_EQ(store_unforget(&st, "000002", &src), -ENOENT);
	T_EQ(store_unforget(&st, "slug", &src), -EINVAL);
	T_EQ(store_unforget(&st, "000001-fix-retry", &src), 0);
	T_STREQ(buf_str(&src), "/t/s1.jsonl");
	T_EQ(store_forgotten(&st, "s1", 0, NULL), 0);
	T_EQ(store_conv_find(&st, "s1", &cid, &np), 0);
	T_EQ(np, 0);
	T_EQ(store_unforget(&st, "1", &src), -ENOENT);
	(void)id3;
	store_close(&st);
	buf_release(&src);
}

T_MAIN(test_schema, test_project_names, test_put_get_delete,
       test_update_distilled, test_reopen_readonly, test_no_create,
       test_abs_path, test_tombstone)

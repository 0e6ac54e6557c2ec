/* test_spool.c: the inbox spool on disk (fs/inbox_spool.h), without FUSE:
 * inbox names, writing and committing into the queue, what a restart
 * keeps and discards, the queue order and newest copy, held entries
 * (hidden, empty), moves, removal, failed/ with its one-line reasons, and
 * folders (a project folder and folders below it). */
#include "common.h"
#include "inbox_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"

/* A fresh spool directory path for one test. */
static const char *spool_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s.inbox", t_tmpdir(), name);
	return path;
}

static size_t count_dir(const char *dir, const char *sub)
{
	char path[600];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);

	if (buf_read_file(&b, path)) {
		buf_release(&b);
		return xstrdup("(unreadable)");
	}
	return buf_detach(&b);
}

/* Writes data as inbox path (dir, name) the way the inbox does: create in
 * tmp/, write, commit.  0 or -errno. */
static int put(struct spool *sp, const char *dir, const char *name,
	       const char *data, unsigned long long *seq)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL);
	unsigned long long s;
	int fd = spool_create(sp, &s, &path), rc = 0;

	if (fd < 0)
		return fd;
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		rc = -EIO;
	if (!rc)
		rc = spool_commit(sp, fd, &path, dir, name, s);
	close(fd);
	if (seq)
		*seq = s;
	buf_release(&path);
	return rc;
}

static void test_split(void)
{
	char *p = NULL, longname[NAME_MAX + 2];
	const char *n = NULL;

	T_EQ(spool_split("a.jsonl", &p, &n), 0);
	T_CHECK(p == NULL);
	T_STREQ(n, "a.jsonl");
	T_EQ(spool_split("bikes/chain.txt", &p, &n), 0);
	T_STREQ(p, "bikes");
	T_STREQ(n, "chain.txt");
	free(p);
	T_EQ(spool_split("bikes/failed", &p, &n), 0);   /* only the root's */
	free(p);
	T_EQ(spool_split("a/sess/subagents/agent-x.jsonl", &p, &n), 0);
	T_STREQ(p, "a/sess/subagents");
	T_STREQ(n, "agent-x.jsonl");
	free(p);
	T_EQ(spool_split("failed", &p, &n), -ENOENT);
	T_EQ(spool_split("failed/x", &p, &n), -ENOENT);
	T_EQ(spool_split("failed/d/x", &p, &n), -ENOENT);
	T_EQ(spool_split("", &p, &n), -ENOENT);
	T_EQ(spool_split("bikes/", &p, &n), -ENOENT);
	T_EQ(spool_split("a//c", &p, &n), -ENOENT);
	T_EQ(spool_split("a/../c", &p, &n), -ENOENT);
	T_EQ(spool_split("a/b/c/d/e/f/g/h/i/x", &p, &n), -ENOENT);  /* deep */
	T_CHECK(p == NULL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	T_EQ(spool_split(longname, &p, &n), -ENAMETOOLONG);
	longname[NAME_MAX - SPOOL_SEQ_DIGITS - 1] = 0;   /* fits "SEQ.NAME" */
	T_EQ(spool_split(longname, &p, &n), 0);
	T_CHECK(spool_project_ok("bikes"));
	T_CHECK(!spool_project_ok("failed"));
	T_CHECK(!spool_project_ok("a/b"));
	T_CHECK(!spool_project_ok(""));
	T_CHECK(spool_dir_ok("bikes/sess/subagents"));
	T_CHECK(spool_dir_ok("a/b/c/d/e/f/g/h"));
	T_CHECK(!spool_dir_ok("a/b/c/d/e/f/g/h/i"));
	T_CHECK(!spool_dir_ok("failed/x"));
	T_CHECK(!spool_dir_ok("a/."));
}

static void test_open_layout(void)
{
	struct spool sp;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const char *dir = spool_dir("layout");
	char path[600];
	struct stat st;

	T_EQ(spool_open(&sp, dir, &err), 0);
	for (const char *const *s = (const char *const[]){ "tmp", "queue",
				     "failed", NULL }; *s; s++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *s);
		T_CHECK(!stat(path, &st) && S_ISDIR(st.st_mode));
	}
	spool_release(&sp);
	/* a spool where a file is in the way: one line naming the path */
	snprintf(path, sizeof(path), "%s/blocker", t_tmpdir());
	close(open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/blocker/x.inbox", t_tmpdir());
	T_CHECK(spool_open(&sp, path, &err) < 0);
	T_CONTAINS(buf_str(&err), "blocker");
	T_CHECK(strchr(buf_str(&err), '\n') == NULL);
	buf_release(&err);
}

/* Committed files are in the queue with their bytes; a file never
 * committed (its writer saw the daemon die) is gone after a restart. */
static void test_commit_and_restart(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);
	const char *dir = spool_dir("restart");
	const struct spool_ent *e;
	unsigned long long seq, s2;
	char *data;
	int fd;

	T_EQ(spool_open(&sp, dir, &err), 0);
	T_EQ(put(&sp, NULL, "a.jsonl", "{\"x\":1}\n", &seq), 0);
	T_EQ(count_dir(dir, "tmp"), 0);
	T_EQ(count_dir(dir, "queue"), 1);
	fd = spool_create(&sp, &s2, &path);         /* half written */
	T_CHECK(fd >= 0);
	T_CHECK(s2 > seq);
	T_EQ(write(fd, "{\"y\"", 4), 4);
	close(fd);
	T_EQ(count_dir(dir, "tmp"), 1);
	spool_release(&sp);

	T_EQ(spool_open(&sp, dir, &err), 0);        /* the restart */
	T_EQ(count_dir(dir, "tmp"), 0);
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 1);
	e = spool_find(&q, NULL, "a.jsonl");
	T_CHECK(e != NULL);
	if (e) {
		T_EQ(e->seq, seq);
		data = slurp(e->path);
		T_STREQ(data, "{\"x\":1}\n");
		free(data);
	}
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&path);
	buf_release(&err);
}

/* Two copies of one name: both queued, the newest is what the name
 * shows; the order holds across a restart. */
static void test_newest_and_order(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	unsigned long long s1, s2, s3;
	const struct spool_ent *e;
	char *data;

	T_EQ(spool_open(&sp, spool_dir("newest"), &err), 0);
	T_EQ(put(&sp, NULL, "t.txt", "first", &s1), 0);
	T_EQ(put(&sp, NULL, "u.txt", "other", &s2), 0);
	T_EQ(put(&sp, NULL, "t.txt", "second", &s3), 0);
	T_CHECK(s1 < s2 && s2 < s3);
	spool_release(&sp);
	T_EQ(spool_open(&sp, spool_dir("newest"), &err), 0);
	T_EQ(put(&sp, NULL, "v.txt", "after", &s1), 0);
	T_CHECK(s1 > s3);                   /* larger than any before */
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 4);
	e = spool_find(&q, NULL, "t.txt");
	T_CHECK(e && e->seq == s3);
	data = e ? slurp(e->path) : NULL;
	T_STREQ(data, "second");
	free(data);
	T_CHECK(spool_find(&q, "p", "t.txt") == NULL);
	T_CHECK(spool_find(&q, NULL, "w.txt") == NULL);
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
}

/* Hidden names and empty files are held; the rest is ready; stat shows a
 * regular file of the right size. */
static void test_held(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct stat st;
	const struct spool_ent *e;

	T_EQ(spool_open(&sp, spool_dir("held"), &err), 0);
	T_EQ(put(&sp, NULL, ".x.jsonl.Ab12Cd", "{}\n", NULL), 0);
	T_EQ(put(&sp, NULL, "4913", "", NULL), 0);
	T_EQ(put(&sp, NULL, "real.txt", "User: a\nAssistant: b\n", NULL), 0);
	spool_scan(&sp, &q, NULL);
	e = spool_find(&q, NULL, ".x.jsonl.Ab12Cd");
	T_CHECK(e && !spool_ready(e));
	e = spool_find(&q, NULL, "4913");
	T_CHECK(e && !spool_ready(e));
	T_CHECK(e && spool_stat(e, &st) == 0 && st.st_size == 0);
	e = spool_find(&q, NULL, "real.txt");
	T_CHECK(e && spool_ready(e));
	T_CHECK(e && spool_stat(e, &st) == 0 && st.st_size == 21 &&
		st.st_mode == (S_IFREG | 0644));
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
}

/* A move (rsync's rename of its hidden temp file) gets a newer SEQ, keeps
 * the bytes, and may cross into a project folder. */
static void test_move(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL), path = BUF_INIT(BUF_MAX_SMALL);
	unsigned long long s1, s2 = 0, s3;
	const struct spool_ent *e;
	char *data;

	T_EQ(spool_open(&sp, spool_dir("move"), &err), 0);
	T_EQ(put(&sp, NULL, ".t.json.XyZ", "{\"a\":1}", &s1), 0);
	T_EQ(put(&sp, NULL, "t.json", "older", &s3), 0);
	spool_scan(&sp, &q, NULL);
	e = spool_find(&q, NULL, ".t.json.XyZ");
	T_CHECK(e != NULL);
	buf_adds(&path, e ? e->path : "");
	T_EQ(spool_move(&sp, &path, NULL, "t.json", &s2), 0);
	T_CHECK(s2 > s3);
	spool_list_release(&q);
	spool_scan(&sp, &q, NULL);
	T_CHECK(spool_find(&q, NULL, ".t.json.XyZ") == NULL);
	e = spool_find(&q, NULL, "t.json");
	T_CHECK(e && e->seq == s2 && !strcmp(e->path, buf_str(&path)));
	data = e ? slurp(e->path) : NULL;
	T_STREQ(data, "{\"a\":1}");         /* the renamed bytes show */
	free(data);
	spool_list_release(&q);
	T_EQ(spool_move(&sp, &path, "garage", "t.json", &s2), 0);
	T_CHECK(spool_has_dir(&sp, "garage"));
	spool_scan(&sp, &q, NULL);
	T_CHECK(spool_find(&q, "garage", "t.json") != NULL);
	spool_list_release(&q);
	buf_release(&path);
	spool_release(&sp);
	buf_release(&err);
}

static void test_remove(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	T_EQ(spool_open(&sp, spool_dir("remove"), &err), 0);
	T_EQ(put(&sp, NULL, "a.txt", "x", NULL), 0);
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 1);
	T_EQ(spool_remove(&sp, &q.v[0]), 0);
	T_EQ(spool_remove(&sp, &q.v[0]), -ENOENT);
	spool_list_release(&q);
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 0);
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
}

/* failed/NAME beside NAME.error (one line, newlines flattened); a second
 * failure of the same name takes NAME.2; an entry gone meanwhile leaves
 * nothing in failed/. */
static void test_fail(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL), name = BUF_INIT(BUF_MAX_SMALL);
	struct strv names = STRV_INIT;
	char path[600], *data;
	const char *dir = spool_dir("fail");

	T_EQ(spool_open(&sp, dir, &err), 0);
	T_EQ(put(&sp, NULL, "junk.bin", "\x01\x02", NULL), 0);
	T_EQ(put(&sp, "p", "junk.bin", "\x03", NULL), 0);
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 2);
	for (size_t i = 0; i < q.n; i++) {
		T_EQ(spool_fail(&sp, &q.v[i], "binary data,\nnot a transcript",
				&name), 0);
		T_STREQ(buf_str(&name), q.v[i].dir ? "junk.bin.2" :
			"junk.bin");
	}
	snprintf(path, sizeof(path), "%s/failed/junk.bin.error", dir);
	data = slurp(path);
	T_STREQ(data, "binary data, not a transcript\n");
	free(data);
	snprintf(path, sizeof(path), "%s/failed/junk.bin.2", dir);
	data = slurp(path);
	T_STREQ(data, "\x03");
	free(data);
	T_EQ(spool_fail(&sp, &q.v[0], "again", &name), -ENOENT);
	T_EQ(spool_failed_list(&sp, &names), 0);
	T_EQ(names.n, 4);                   /* no temp file, no dup */
	T_CHECK(strv_has(&names, "junk.bin.2.error"));
	T_EQ(count_dir(dir, "tmp"), 0);
	buf_reset(&name);
	T_EQ(spool_failed_path(&sp, "junk.bin", &name), 0);
	T_CONTAINS(buf_str(&name), "/failed/junk.bin");
	T_EQ(spool_failed_path(&sp, "..", &name), -ENOENT);
	T_EQ(spool_failed_path(&sp, "a/b", &name), -ENOENT);
	T_EQ(spool_failed_path(&sp, "", &name), -ENOENT);
	strv_clear(&names);
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
	buf_release(&name);
}

/* Project folders and folders below them: made on mkdir or on commit,
 * scanned parents first, removable once empty. */
static void test_folders(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct strv dirs = STRV_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const struct spool_ent *e;

	T_EQ(spool_open(&sp, spool_dir("folders"), &err), 0);
	T_CHECK(!spool_has_dir(&sp, "bikes"));
	T_EQ(spool_add_dir(&sp, "bikes", 0), 0);
	T_EQ(spool_add_dir(&sp, "bikes", 0), 0);   /* already there */
	T_EQ(spool_add_dir(&sp, "failed", 0), -EINVAL);
	T_EQ(spool_add_dir(&sp, "bikes/s1/subagents", 0), -ENOENT);
	T_EQ(spool_add_dir(&sp, "bikes/s1", 0), 0);
	T_EQ(spool_add_dir(&sp, "bikes/s1/subagents", 0), 0);
	T_CHECK(spool_has_dir(&sp, "bikes/s1/subagents"));
	T_EQ(put(&sp, "bikes", "chain.txt", "x", NULL), 0);
	T_EQ(put(&sp, "bikes/s1/subagents", "agent-a.jsonl", "y", NULL), 0);
	T_EQ(put(&sp, "notes/d", "n.txt", "z", NULL), 0);  /* made on commit */
	spool_scan(&sp, &q, &dirs);
	T_EQ(q.n, 3);
	e = spool_find(&q, "bikes/s1/subagents", "agent-a.jsonl");
	T_CHECK(e != NULL);
	T_CHECK(spool_find(&q, "bikes", "agent-a.jsonl") == NULL);
	T_EQ(dirs.n, 5);
	for (size_t i = 0; i < dirs.n; i++) {         /* parents first */
		const char *slash = strrchr(dirs.v[i], '/');
		size_t k;

		for (k = 0; slash && k < i; k++)
			if (strlen(dirs.v[k]) == (size_t)(slash - dirs.v[i]) &&
			    !strncmp(dirs.v[k], dirs.v[i], strlen(dirs.v[k])))
				break;
		T_CHECK(!slash || k < i);
	}
	T_CHECK(strv_has(&dirs, "notes/d") && strv_has(&dirs, "bikes/s1"));
	spool_list_release(&q);
	strv_clear(&dirs);
	spool_scan_dir(&sp, "bikes", &q, &dirs);        /* one folder alone */
	T_EQ(q.n, 1);
	T_STREQ(q.n ? q.v[0].name : "", "chain.txt");
	T_EQ(dirs.n, 1);
	T_STREQ(dirs.n ? dirs.v[0] : "", "bikes/s1");
	spool_list_release(&q);
	strv_clear(&dirs);
	spool_scan_dir(&sp, NULL, &q, &dirs);
	T_EQ(q.n, 0);
	T_EQ(dirs.n, 2);
	spool_list_release(&q);
	spool_scan(&sp, &q, NULL);
	T_EQ(spool_remove_dir(&sp, "bikes/s1/subagents"), -ENOTEMPTY);
	T_EQ(spool_remove_dir(&sp, "bikes"), -ENOTEMPTY);
	for (size_t i = 0; i < q.n; i++)
		spool_remove(&sp, &q.v[i]);
	T_EQ(spool_remove_dir(&sp, "bikes/s1/subagents"), 0);
	T_EQ(spool_remove_dir(&sp, "bikes/s1"), 0);
	T_EQ(spool_remove_dir(&sp, "bikes"), 0);
	T_CHECK(!spool_has_dir(&sp, "bikes"));
	strv_clear(&dirs);
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
}

/* Files in the queue that are not "SEQ.NAME" are left alone. */
static void test_foreign_files(void)
{
	struct spool sp;
	struct spool_list q = SPOOL_LIST_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	const char *dir = spool_dir("foreign");
	char path[600];

	T_EQ(spool_open(&sp, dir, &err), 0);
	snprintf(path, sizeof(path), "%s/queue/README", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/queue/123.short", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	spool_scan(&sp, &q, NULL);
	T_EQ(q.n, 0);
	spool_list_release(&q);
	spool_release(&sp);
	buf_release(&err);
}

T_MAIN(test_split, test_open_layout, test_commit_and_restart,
       test_newest_and_order, test_held, test_move, test_remove, test_fail,
       test_folders, test_foreign_files)

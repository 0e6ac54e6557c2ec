/* test_spool_inbox.c: the inbox above its spool (fs/inbox.h), without
 * FUSE: the calls the FUSE operations make, a fake ingest hook, and the
 * real worker thread.  Held files (empty, hidden) are never ingested; an
 * O_APPEND write lands at the end whatever offset it is given; a write
 * error sticks and the file is discarded; a consumed name answers stat for
 * a moment and is announced when it stops; failures go to failed/; a full
 * disk is waited out; folders below a project folder; an unlinked open
 * file; queued files survive a restart; the changed hook hears of every
 * change of a name. */
#include "common.h"
#include "inbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

/* ---- the fake mount ---- */

struct fake {
	pthread_mutex_t mu;
	struct strv ingested;       /* "name|project|bytes" per call */
	struct strv changed;        /* rels, in order */
	int fail_rc;                /* the hook's answer while fails > 0 */
	int fails;
};

static struct fake F = { PTHREAD_MUTEX_INITIALIZER, STRV_INIT, STRV_INIT,
			 0, 0 };

static int hook_ingest(void *ctx, const char *path, const char *name,
		       const char *project, struct buf *err)
{
	struct buf data = BUF_INIT(BUF_MAX_SMALL), line = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	(void)ctx;
	rc = buf_read_file(&data, path);
	pthread_mutex_lock(&F.mu);
	if (!rc && F.fails > 0) {
		F.fails--;
		rc = F.fail_rc;
		buf_adds(err, rc == -EILSEQ ? "not a transcript" : err_str(rc));
	}
	if (!rc) {
		buf_addf(&line, "%s|%s|%s", name, project ? project : "-",
			 buf_str(&data));
		strv_push(&F.ingested, buf_str(&line));
	}
	pthread_mutex_unlock(&F.mu);
	buf_release(&data);
	buf_release(&line);
	return rc;
}

static void hook_projects(void *ctx, struct strv *out)
{
	(void)ctx;
	strv_push(out, "stored");   /* a project of the store, no folder */
}

static void hook_changed(void *ctx, const char *rel)
{
	(void)ctx;
	pthread_mutex_lock(&F.mu);
	strv_push(&F.changed, rel);
	pthread_mutex_unlock(&F.mu);
}

static const struct fs_inbox_hooks HOOKS = {
	.ingest = hook_ingest, .projects = hook_projects,
	.changed = hook_changed, .tick = NULL, .ctx = NULL
};

static void fake_reset(int fail_rc, int fails)
{
	pthread_mutex_lock(&F.mu);
	strv_clear(&F.ingested);
	strv_clear(&F.changed);
	F.fail_rc = fail_rc;
	F.fails = fails;
	pthread_mutex_unlock(&F.mu);
}

static int was_ingested(const char *line)
{
	int yes;

	pthread_mutex_lock(&F.mu);
	yes = strv_has(&F.ingested, line);
	pthread_mutex_unlock(&F.mu);
	return yes;
}

static size_t n_ingested(void)
{
	size_t n;

	pthread_mutex_lock(&F.mu);
	n = F.ingested.n;
	pthread_mutex_unlock(&F.mu);
	return n;
}

static int heard(const char *rel)
{
	int yes;

	pthread_mutex_lock(&F.mu);
	yes = strv_has(&F.changed, rel);
	pthread_mutex_unlock(&F.mu);
	return yes;
}

/* Waits up to 5 s for the changed hook to hear rel (it runs after the
 * state that status shows). */
static int wait_heard(const char *rel)
{
	for (int i = 0; i < 100; i++) {
		if (heard(rel))
			return 1;
		usleep(50000);
	}
	return 0;
}

/* ---- helpers ---- */

static struct fs_inbox *open_inbox(const char *name, int start)
{
	static char dir[512];
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct fs_inbox *ib = NULL;

	snprintf(dir, sizeof(dir), "%s/%s.inbox", t_tmpdir(), name);
	T_EQ(fs_inbox_open(&ib, dir, &HOOKS, &err), 0);
	if (ib && start)
		T_EQ(fs_inbox_start(ib), 0);
	buf_release(&err);
	return ib;
}

/* Writes data to rel as cp does: create, write, flush, release. */
static int put(struct fs_inbox *ib, const char *rel, const char *data)
{
	uint64_t h;
	int rc = fs_inbox_open_file(ib, rel, O_WRONLY | O_CREAT | O_TRUNC, 1,
				    &h);

	if (rc)
		return rc;
	if (*data && fs_inbox_write(ib, h, data, strlen(data), 0) !=
	    (int)strlen(data))
		rc = -EIO;
	if (!rc)
		rc = fs_inbox_flush(ib, h);
	fs_inbox_release(ib, h);
	return rc;
}

static int collect(void *ctx, const char *name, enum fs_kind kind)
{
	struct buf *b = ctx;

	buf_addf(b, "%s%s ", name, kind == FS_DIR ? "/" : "");
	return 0;
}

static const char *listing(struct fs_inbox *ib, const char *rel)
{
	static struct buf b;

	buf_release(&b);
	buf_init(&b, BUF_MAX_SMALL);
	if (fs_inbox_list(ib, rel, collect, &b))
		buf_adds(&b, "(error)");
	return buf_str(&b);
}

static const char *status_line(struct fs_inbox *ib, const char *key)
{
	static char val[256];
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *s;

	fs_inbox_status(ib, &b);
	val[0] = 0;
	for (s = buf_str(&b); s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, key, strlen(key)) && s[strlen(key)] == '\t') {
			snprintf(val, sizeof(val), "%.*s",
				 (int)strcspn(s + strlen(key) + 1, "\n"),
				 s + strlen(key) + 1);
			break;
		}
	buf_release(&b);
	return val;
}

/* Waits up to secs for status key to read want. */
static int wait_status(struct fs_inbox *ib, const char *key, const char *want,
		       int secs)
{
	for (int i = 0; i < secs * 20; i++) {
		if (!strcmp(status_line(ib, key), want))
			return 1;
		usleep(50000);
	}
	return 0;
}

/* ---- tests ---- */

/* cp of a transcript: queued (listed, stat-able), then ingested once. */
static void test_queue_and_ingest(void)
{
	struct fs_inbox *ib = open_inbox("basic", 0);
	struct stat st;

	fake_reset(0, 0);
	T_EQ(put(ib, "a.txt", "User: a\n"), 0);
	T_EQ(fs_inbox_getattr(ib, "a.txt", &st), 0);
	T_EQ(st.st_size, 8);
	T_STREQ(listing(ib, ""), "failed/ stored/ a.txt ");
	T_STREQ(status_line(ib, "inbox_queued"), "1");
	T_CHECK(heard("a.txt"));
	T_EQ(fs_inbox_start(ib), 0);
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 10));
	T_CHECK(was_ingested("a.txt|-|User: a\n"));
	T_EQ(n_ingested(), 1);
	T_STREQ(listing(ib, ""), "failed/ stored/ ");
	fs_inbox_close(ib);
}

/* Empty files and hidden names are held: never handed to the worker;
 * the hidden one is ingested under its new name once renamed. */
static void test_held(void)
{
	struct fs_inbox *ib = open_inbox("held", 1);

	fake_reset(0, 0);
	T_EQ(put(ib, "4913", ""), 0);
	T_EQ(put(ib, ".x.jsonl.Ab12", "User: hidden\n"), 0);
	usleep(1500000);
	T_EQ(n_ingested(), 0);
	T_STREQ(status_line(ib, "inbox_held"), "2");
	T_STREQ(status_line(ib, "inbox_queued"), "0");
	T_STREQ(status_line(ib, "inbox_failed"), "0");
	T_EQ(fs_inbox_unlink(ib, "4913"), 0);
	T_EQ(fs_inbox_rename(ib, ".x.jsonl.Ab12", "x.jsonl"), 0);
	T_CHECK(heard(".x.jsonl.Ab12") && heard("x.jsonl"));    /* at once */
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 10));
	T_CHECK(was_ingested("x.jsonl|-|User: hidden\n"));
	T_STREQ(status_line(ib, "inbox_held"), "0");
	fs_inbox_close(ib);
}

/* An append with the kernel's stale idea of the size (an offset past the
 * end) lands at the end: no NUL bytes. */
static void test_append_offset(void)
{
	struct fs_inbox *ib = open_inbox("append", 0);
	uint64_t h;
	char back[64] = "";
	struct stat st;

	T_EQ(fs_inbox_open_file(ib, "t1.txt", O_WRONLY | O_APPEND | O_CREAT, 1,
				&h), 0);
	T_EQ(fs_inbox_write(ib, h, "second\n", 7, 63), 7);
	T_EQ(fs_inbox_fstat(ib, h, &st), 0);
	T_EQ(st.st_size, 7);
	T_EQ(fs_inbox_write(ib, h, "more\n", 5, 0), 5);
	T_EQ(fs_inbox_flush(ib, h), 0);
	T_EQ(fs_inbox_release(ib, h), 0);
	T_EQ(fs_inbox_open_file(ib, "t1.txt", O_RDONLY, 0, &h), 0);
	T_EQ(fs_inbox_read(ib, h, back, sizeof(back) - 1, 0), 12);
	T_STREQ(back, "second\nmore\n");
	fs_inbox_release(ib, h);
	/* open for append without create: the old bytes come first */
	T_EQ(fs_inbox_open_file(ib, "t1.txt", O_WRONLY | O_APPEND, 0, &h), 0);
	T_EQ(fs_inbox_write(ib, h, "end\n", 4, 0), 4);
	T_EQ(fs_inbox_fstat(ib, h, &st), 0);
	T_EQ(st.st_size, 16);
	fs_inbox_release(ib, h);
	fs_inbox_close(ib);
}

/* A write that fails (here past RLIMIT_FSIZE, as a full disk would)
 * sticks: later writes and the flush report it, and nothing is queued. */
static void test_sticky_error(void)
{
	struct fs_inbox *ib = open_inbox("sticky", 0);
	struct rlimit old, lim;
	char block[4096];
	uint64_t h;
	struct stat st;
	int rc = 0;

	memset(block, 'x', sizeof(block));
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 3 * sizeof(block);
	T_EQ(fs_inbox_open_file(ib, "big.txt", O_WRONLY | O_CREAT, 1, &h), 0);
	setrlimit(RLIMIT_FSIZE, &lim);
	for (int i = 0; i < 5 && rc >= 0; i++)
		rc = fs_inbox_write(ib, h, block, sizeof(block),
				    (off_t)i * (off_t)sizeof(block));
	setrlimit(RLIMIT_FSIZE, &old);
	T_EQ(rc, -EFBIG);
	T_EQ(fs_inbox_write(ib, h, "y", 1, 0), -EFBIG);  /* sticks */
	T_EQ(fs_inbox_flush(ib, h), -EFBIG);
	T_EQ(fs_inbox_release(ib, h), -EFBIG);
	T_STREQ(status_line(ib, "inbox_queued"), "0");
	T_STREQ(listing(ib, ""), "failed/ stored/ ");
	/* listed a moment ago: stat still answers, as for a consumed name */
	T_EQ(fs_inbox_getattr(ib, "big.txt", &st), 0);
	fs_inbox_close(ib);
}

/* A consumed name answers stat for a moment (not listed, not openable),
 * then stops, and the changed hook hears it each time. */
static void test_consumed_name(void)
{
	struct fs_inbox *ib = open_inbox("ghost", 1);
	struct stat st;
	uint64_t h;
	int gone = 0;

	fake_reset(0, 0);
	T_EQ(put(ib, "g.txt", "User: g\n"), 0);
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 10));
	T_EQ(fs_inbox_getattr(ib, "g.txt", &st), 0);
	T_EQ(st.st_size, 8);
	T_STREQ(listing(ib, ""), "failed/ stored/ ");
	T_EQ(fs_inbox_open_file(ib, "g.txt", O_RDONLY, 0, &h), -ENOENT);
	fake_reset(0, 0);
	for (int i = 0; i < 100 && !gone; i++) {
		usleep(50000);
		gone = fs_inbox_getattr(ib, "g.txt", &st) == -ENOENT;
	}
	T_CHECK(gone);
	T_CHECK(wait_heard("g.txt"));   /* told when it stopped answering */
	/* a visible temp file taken before its writer's mv: the mv works */
	T_EQ(put(ib, "v.tmp", "User: v\n"), 0);
	T_CHECK(wait_status(ib, "inbox_ingested", "2", 10));
	T_EQ(fs_inbox_rename(ib, "v.tmp", "v.txt"), 0);
	T_EQ(fs_inbox_getattr(ib, "v.txt", &st), 0);
	T_EQ(fs_inbox_getattr(ib, "v.tmp", &st), -ENOENT);
	T_EQ(n_ingested(), 1);          /* not again */
	fs_inbox_close(ib);
}

/* Not a transcript: failed/NAME beside NAME.error; a full disk: waited
 * out, then ingested. */
static void test_failures(void)
{
	struct fs_inbox *ib = open_inbox("failures", 1);
	struct stat st;

	fake_reset(-EILSEQ, 1);
	T_EQ(put(ib, "junk.bin", "\x01\x02"), 0);
	T_CHECK(wait_status(ib, "inbox_failed", "1", 10));
	T_STREQ(listing(ib, "failed"), "junk.bin junk.bin.error ");
	T_EQ(fs_inbox_getattr(ib, "failed/junk.bin.error", &st), 0);
	T_EQ(st.st_size, 17);           /* "not a transcript\n" */
	T_CHECK(wait_heard("failed/junk.bin"));
	T_CHECK(wait_heard("failed/junk.bin.error"));
	T_EQ(fs_inbox_unlink(ib, "failed/junk.bin"), 0);
	fake_reset(-ENOSPC, 2);
	T_EQ(put(ib, "full.txt", "User: f\n"), 0);
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 15));
	T_CHECK(was_ingested("full.txt|-|User: f\n"));
	T_STREQ(status_line(ib, "inbox_failed"), "1");   /* not this one */
	T_CONTAINS(status_line(ib, "last_error"), "will retry");
	fs_inbox_close(ib);
}

/* Folders: inbox/P/ names the project; folders below it; a file there
 * that is no transcript is skipped, not failed. */
static void test_folders(void)
{
	struct fs_inbox *ib = open_inbox("folders", 1);
	struct stat st;

	fake_reset(0, 0);
	T_EQ(put(ib, "nope/x.txt", "User: x\n"), -ENOENT);
	T_EQ(fs_inbox_mkdir(ib, "stored/s1"), 0);   /* store project: made */
	T_EQ(fs_inbox_mkdir(ib, "stored/s1/subagents"), 0);
	T_EQ(fs_inbox_mkdir(ib, "stored/s1/subagents"), -EEXIST);
	T_EQ(fs_inbox_mkdir(ib, "failed"), -EACCES);
	T_EQ(fs_inbox_getattr(ib, "stored/s1", &st), 0);
	T_CHECK(S_ISDIR(st.st_mode));
	T_STREQ(listing(ib, "stored"), "s1/ ");
	T_EQ(put(ib, "stored/s1/subagents/agent-a.jsonl", "User: sub\n"), 0);
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 10));
	T_CHECK(was_ingested("stored/s1/subagents/agent-a.jsonl|stored|"
			     "User: sub\n"));
	fake_reset(-EILSEQ, 1);
	T_EQ(put(ib, "stored/s1/subagents/agent-a.meta.json",
		 "{\"agentType\":\"general-purpose\"}\n"), 0);
	T_CHECK(wait_status(ib, "inbox_skipped", "1", 10));
	T_STREQ(status_line(ib, "inbox_failed"), "0");
	T_STREQ(listing(ib, "failed"), "");
	T_EQ(fs_inbox_rmdir(ib, "stored/s1"), -ENOTEMPTY);
	T_EQ(fs_inbox_rmdir(ib, "stored/s1/subagents"), 0);
	T_CHECK(heard("stored/s1/subagents"));
	fs_inbox_close(ib);
}

/* rm of a file still open for writing: gone from the listing at once,
 * its bytes discarded at release, never ingested. */
static void test_unlink_open(void)
{
	struct fs_inbox *ib = open_inbox("unlink", 1);
	uint64_t h;

	fake_reset(0, 0);
	T_EQ(fs_inbox_open_file(ib, "u.txt", O_WRONLY | O_CREAT, 1, &h), 0);
	T_EQ(fs_inbox_write(ib, h, "User: u\n", 8, 0), 8);
	T_EQ(fs_inbox_flush(ib, h), 0);     /* queued, still open */
	T_EQ(fs_inbox_unlink(ib, "u.txt"), 0);
	T_STREQ(listing(ib, ""), "failed/ stored/ ");
	T_EQ(fs_inbox_write(ib, h, "more\n", 5, 8), 5);
	T_EQ(fs_inbox_release(ib, h), 0);
	usleep(1500000);
	T_EQ(n_ingested(), 0);
	fs_inbox_close(ib);
}

/* Queued files survive a restart; a file never closed does not. */
static void test_restart(void)
{
	struct fs_inbox *ib = open_inbox("restart", 0);
	uint64_t h;

	fake_reset(0, 0);
	T_EQ(put(ib, "r.txt", "User: r\n"), 0);
	T_EQ(fs_inbox_open_file(ib, "half.txt", O_WRONLY | O_CREAT, 1, &h), 0);
	T_EQ(fs_inbox_write(ib, h, "User: h", 7, 0), 7);
	fs_inbox_close(ib);                 /* the daemon stops */
	ib = open_inbox("restart", 1);
	T_CHECK(wait_status(ib, "inbox_ingested", "1", 10));
	T_CHECK(was_ingested("r.txt|-|User: r\n"));
	usleep(500000);
	T_EQ(n_ingested(), 1);
	T_STREQ(listing(ib, ""), "failed/ stored/ ");
	fs_inbox_close(ib);
}

T_MAIN(test_queue_and_ingest, test_held, test_append_offset,
       test_sticky_error, test_consumed_name, test_failures, test_folders,
       test_unlink_open, test_restart)

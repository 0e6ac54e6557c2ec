/* mount.c: setting up a mount (paths, checks, FUSE arguments,
 * daemonising with a report to the caller, the store connections, the
 * tree's session; inbox/'s is mounted on demand, submount.c) and the
 * inbox hooks that run on the worker thread:
 * ingest (with vectors, and the LLM pass with --distiller llm), each
 * followed by its announcement to the kernel. */
#include "common.h"
#include "daemon.h"
#include "embed.h"
#include "ingest.h"
#include "llm.h"
#include "store_view.h"
#include "vec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 3600.0
#define READY '\1'              /* daemon -> `recallfs mount`: it is up */

/* What mount.c keeps beside the shared state. */
struct mnt {
	struct fsd d;
	int ready_fd;               /* the pipe to the waiting parent */
};

/* ---- inbox hooks ---- */

static void hook_projects(void *ctx, struct strv *out)
{
	struct fsd *d = ctx;

	pthread_mutex_lock(&d->pmu);
	for (size_t i = 0; i < d->projects.n; i++)
		strv_push(out, d->projects.v[i]);
	pthread_mutex_unlock(&d->pmu);
}

static void hook_changed(void *ctx, const char *rel)
{
	struct fsd *d = ctx;

	fsd_ibx_changed(d, rel);
	fsd_status_changed(d);
}

/* The LLM pass: the exchanges it filled changed content. */
static void llm_pass(struct fsd *d)
{
	struct llm_config cfg;
	struct llm_report rep;
	struct store_xrows r = STORE_XROWS_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	llm_config_init(&cfg);
	if (llm_config_load(&cfg, &err) == 0 &&
	    store_view_pending(&d->wst, &r) == 0 && r.n) {
		int64_t *ids = xmalloc(r.n * sizeof(*ids));

		llm_report_init(&rep);
		llm_process_pending(&d->wst, &cfg, 0,
				    d->emb ? idx_embed_hook : NULL, d->emb,
				    &rep);
		llm_report_release(&rep);
		for (size_t i = 0; i < r.n; i++)
			ids[i] = r.v[i].id;
		fsd_announce_exchanges(d, ids, r.n);
		free(ids);
	}
	store_xrows_release(&r);
	buf_release(&err);
	llm_config_release(&cfg);
}

static int hook_ingest(void *ctx, const char *path, const char *name,
		       const char *project, struct buf *err)
{
	struct fsd *d = ctx;
	struct ingest_opts io;
	struct ingest_stats s;
	struct buf e = BUF_INIT(BUF_MAX_SMALL);
	struct buf data = BUF_INIT(TX_MAX_FILE);
	int rc;

	if (!d->emb && emb_open(&d->emb, &e))
		d->emb = NULL;          /* searchable by words only */
	buf_release(&e);
	memset(&io, 0, sizeof(io));
	memset(&s, 0, sizeof(s));
	io.project = d->o->project;
	io.folder_project = project;    /* the transcript's own cwd first */
	io.format = TX_UNKNOWN;
	io.pending = d->o->use_llm;
	if (d->emb && !emb_error(d->emb)) {
		io.on_put = idx_embed_hook;
		io.hook_ctx = d->emb;
	}
	rc = buf_read_file(&data, path);
	if (rc)
		buf_adds(err, rc == -E2BIG ? "larger than the 256 MB transcript "
			 "limit" : err_str(rc));
	else
		rc = ingest_data(&d->wst, name, buf_str(&data), data.len, &io,
				 &s, err);
	buf_release(&data);
	/* the kernel hears of the new exchanges before the file leaves the
	 * inbox: whoever waits for the inbox to drain then sees them */
	fsd_announce(d, 1);
	if (!rc && d->o->use_llm)
		llm_pass(d);
	return rc;
}

/* ---- status ---- */

static void fuse_counts(struct fsd *d, int inbox, struct buf *out)
{
	uint64_t total = 0;

	for (int i = 0; i < OP_N; i++)
		total += __atomic_load_n(&d->nreq[inbox][i], __ATOMIC_RELAXED);
	buf_addf(out, "fuse%s_requests\t%llu\n", inbox ? "_inbox" : "",
		 (unsigned long long)total);
	for (int i = 0; i < OP_N; i++) {
		uint64_t n = __atomic_load_n(&d->nreq[inbox][i],
					     __ATOMIC_RELAXED);

		if (n)
			buf_addf(out, "fuse%s_%s\t%llu\n", inbox ? "_inbox" :
				 "", fsd_op_names[i], (unsigned long long)n);
	}
}

static void status_extra(void *ctx, struct buf *out)
{
	struct fsd *d = ctx;

	buf_addf(out, "distiller\t%s\nmount\t%s%s%s\n",
		 d->o->use_llm ? "llm" : "heuristic",
		 d->o->readonly ? "read-only" : "read-write",
		 d->o->redact ? ", redacted" : "",
		 d->o->project ? ", one project" : "");
	if (d->inbox)
		fs_inbox_status(d->inbox, out);
	fsd_sub_status(d, out);
	fsd_forget_status(d, out);
	buf_addf(out, "pid\t%ld\nsearches\t%llu\n", (long)getpid(),
		 (unsigned long long)__atomic_load_n(&d->searches,
						     __ATOMIC_RELAXED));
	if (!d->counters)
		return;
	fsd_gen_status(d, out);
	fuse_counts(d, 0, out);
	fuse_counts(d, 1, out);
}

/* ---- the view and the stores ---- */

/* Generated files render without d->lock (called with it held). */
static struct store *slow_begin(void *ctx)
{
	struct fsd *d = ctx;

	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&d->qlock);
	return &d->qst;
}

static void slow_end(void *ctx)
{
	struct fsd *d = ctx;

	pthread_mutex_unlock(&d->qlock);
	pthread_mutex_lock(&d->lock);
}

static void setup_view(struct fsd *d)
{
	fs_view_init(&d->v, &d->st);
	d->v.only_project = d->o->project;
	d->v.redact = d->o->redact;
	d->v.live = 1;
	d->v.inbox = !d->o->readonly;
	d->v.managed = 1;
	d->v.fresh = 1;
	d->v.status_fn = status_extra;
	d->v.status_ctx = d;
	d->v.slow_begin = slow_begin;
	d->v.slow_end = slow_end;
	d->v.slow_ctx = d;
}

static int open_stores(struct fsd *d, struct buf *err)
{
	const struct fs_mount_opts *o = d->o;
	int ro = o->readonly ? STORE_RDONLY : 0;
	int rc = store_open(o->db, ro, &d->st, err);

	if (!rc && !o->readonly)
		rc = store_open(o->db, 0, &d->wst, err);
	if (!rc)
		rc = store_open(o->db, STORE_RDONLY, &d->qst, err);
	if (!rc)
		rc = store_open(o->db, ro, &d->ast, err);
	return rc;
}

static double timeout_from_env(void)
{
	const char *e = getenv("RECALLFS_FUSE_TIMEOUT");
	char *end;
	double t;

	if (!e || !*e)
		return DEFAULT_TIMEOUT;
	t = strtod(e, &end);
	return *end || t < 0 ? DEFAULT_TIMEOUT : t;
}

static void fsd_init(struct fsd *d, const struct fs_mount_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->o = o;
	d->uid = getuid();
	d->gid = getgid();
	d->timeout = timeout_from_env();
	d->counters = getenv("RECALLFS_FUSE_COUNTERS") &&
		*getenv("RECALLFS_FUSE_COUNTERS") == '1';
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->qlock, NULL);
	pthread_mutex_init(&d->pmu, NULL);
	setup_view(d);
}

static void fsd_release(struct fsd *d)
{
	fsd_notes_release(d);
	fs_inbox_close(d->inbox);
	d->inbox = NULL;
	fs_view_release(&d->v);
	fsd_gens_release(d);
	fsd_forgets_release(d);
	fsd_ibx_release(d);
	fsd_sub_release(d);
	if (d->emb)
		emb_close(d->emb);
	vec_cache_clear();
	if (d->wst.db)
		store_close(&d->wst);
	if (d->st.db)
		store_close(&d->st);
	if (d->qst.db)
		store_close(&d->qst);
	if (d->ast.db)
		store_close(&d->ast);
	strv_clear(&d->projects);
	free(d->inbox_mnt);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->qlock);
	pthread_mutex_destroy(&d->pmu);
}

/* ---- checks before daemonising ---- */

static int check_project(struct store *st, const char *project,
			 struct buf *err)
{
	struct strv names = STRV_INIT;
	int64_t pid;

	if (!store_view_project_id(st, project, &pid))
		return 0;
	buf_addf(err, "project '%s': no such project", project);
	if (!store_view_projects(st, &names) && names.n) {
		buf_adds(err, " (there are: ");
		for (size_t i = 0; i < names.n; i++)
			buf_addf(err, "%s%s", i ? ", " : "", names.v[i]);
		buf_adds(err, ")");
	} else {
		buf_adds(err, " (the memory holds none yet)");
	}
	strv_clear(&names);
	return -ENOENT;
}

static int check_store(const struct fs_mount_opts *o, struct buf *err)
{
	struct store st;
	struct stat sb;
	int rc;

	if (o->readonly && stat(o->db, &sb)) {
		buf_addf(err, "%s: no memory there yet (ingest something "
			 "first, or mount without --read-only)", o->db);
		return -ENOENT;
	}
	rc = store_open(o->db, o->readonly ? STORE_RDONLY : 0, &st, err);
	if (rc)
		return rc;
	if (o->project)
		rc = check_project(&st, o->project, err);
	store_close(&st);
	return rc;
}

/* ---- sessions ---- */

static void add_opt(struct fuse_args *a, const char *opt)
{
	fuse_opt_add_arg(a, "-o");
	fuse_opt_add_arg(a, opt);
}

struct fuse_session *fsd_new_session(struct fsd *d, int inbox)
{
	const struct fs_mount_opts *o = d->o;
	struct fuse_args a = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	int allow_other = 0;

	fuse_opt_add_arg(&a, "recallfs");
	if (o->debug)
		fuse_opt_add_arg(&a, "-d");
	add_opt(&a, "fsname=recallfs,subtype=recallfs");
	for (size_t i = 0; i < o->fuse_opts.n; i++) {
		add_opt(&a, o->fuse_opts.v[i]);
		if (strstr(o->fuse_opts.v[i], "allow_other"))
			allow_other = 1;
	}
	if (allow_other)
		add_opt(&a, "default_permissions");
	if (o->readonly)
		add_opt(&a, "ro");
	se = fuse_session_new(&a, inbox ? &fsd_inbox_ops : &fsd_ll_ops,
			      sizeof(struct fuse_lowlevel_ops), d);
	fuse_opt_free_args(&a);
	return se;
}

static int run_loop(struct fuse_session *se)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	int rc;

	/* lookups of inbox/ may wait while it is mounted, and the mount
	 * needs a thread of this loop to answer its own lookup */
	fuse_loop_cfg_set_max_threads(lc, 64);
	rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	/* stopped by SIGTERM, SIGINT or SIGHUP (the loop returns the
	 * signal's number): a clean stop */
	return rc == 0 || rc == SIGTERM || rc == SIGINT || rc == SIGHUP ? 0 :
		-EIO;
}

/* ---- daemonising ---- */

/* Forks; the parent waits for the child's report and never returns (its
 * exit status is the mount's).  The child's stderr goes to the parent
 * until it is ready. */
static int daemonise(struct mnt *m, int fuse_fd, struct buf *err)
{
	int pfd[2], nul;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		buf_addf(err, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		buf_addf(err, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		struct buf msg = BUF_INIT(BUF_MAX_SMALL);
		char c[512];
		ssize_t n;

		int up;

		close(pfd[1]);
		close(fuse_fd);         /* the daemon's alone */
		while ((n = read(pfd[0], c, sizeof(c))) > 0)
			buf_add(&msg, c, (size_t)n);
		up = msg.len && msg.p[msg.len - 1] == READY;
		if (up)
			buf_truncate(&msg, msg.len - 1);
		else if (!msg.len)
			buf_adds(&msg, "recallfs: mount: the daemon stopped "
				 "before the mount was ready\n");
		fputs(buf_str(&msg), stderr);
		/* as fuse_daemonize: the parent leaves without cleaning up
		 * what now belongs to the daemon */
		_exit(up ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	if (chdir("/")) {
		/* nothing: every path is absolute */
	}
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		close(nul);
	}
	dup2(pfd[1], 2);
	m->ready_fd = pfd[1];
	return 0;
}

/* The mount is up (msg NULL) or not (msg says why); the parent exits. */
static void ready(struct mnt *m, const char *msg)
{
	char c = READY;
	int nul;

	if (msg)
		fprintf(stderr, "recallfs: mount: %s\n", msg);
	if (m->ready_fd < 0)
		return;
	if (!msg && write(m->ready_fd, &c, 1) < 0) {
		/* the parent is gone: nothing to tell */
	}
	close(m->ready_fd);
	m->ready_fd = -1;
	nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, 2);
		close(nul);
	}
}

/* ---- the two sessions ---- */

static int start(struct mnt *m, struct buf *err)
{
	struct fsd *d = &m->d;
	struct fs_inbox_hooks h = { hook_ingest, hook_projects, hook_changed,
				    NULL, d };
	struct buf dir = BUF_INIT(BUF_MAX_SMALL);
	int rc = open_stores(d, err);

	if (!rc)
		rc = fsd_gens_init(d);
	if (!rc)
		rc = fsd_forgets_init(d);
	if (!rc)
		rc = fsd_notes_init(d);
	if (!rc)
		rc = fsd_ibx_init(d);
	if (!rc)
		rc = fsd_sub_init(d);
	if (!rc && !d->o->readonly) {
		buf_addf(&dir, "%s.inbox", d->o->db);
		rc = fs_inbox_open(&d->inbox, buf_str(&dir), &h, err);
	}
	buf_release(&dir);
	if (!rc)
		rc = fsd_notes_start(d);
	if (!rc && d->inbox) {
		sigset_t all, old;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		rc = fs_inbox_start(d->inbox);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rc && !err->len)
		buf_addf(err, "cannot start: %s", err_str(rc));
	return rc;
}

/* Everything stops: notices first (they write to the sessions), then
 * inbox/, then the tree. */
static void stop(struct mnt *m)
{
	struct fsd *d = &m->d;

	fsd_notes_stop(d);
	fsd_sub_stop(d);
	fuse_remove_signal_handlers(d->se);
	fuse_session_unmount(d->se);
	fs_inbox_close(d->inbox);       /* after the file being ingested */
	d->inbox = NULL;
	fuse_session_destroy(d->se);
	d->se = NULL;
}

static int serve(struct mnt *m, struct buf *err)
{
	int rc = start(m, err);

	if (rc) {
		ready(m, buf_str(err));
		buf_reset(err);         /* said */
	} else {
		ready(m, NULL);
		rc = run_loop(m->d.se);
	}
	stop(m);
	return rc;
}

int fs_mount(const struct fs_mount_opts *in, struct buf *err)
{
	struct fs_mount_opts o = *in;
	struct mnt *m;
	char *mnt = fs_abspath(in->mountpoint), *db = fs_abspath(in->db);
	int rc;

	/* the daemon works from / : every path it keeps is absolute */
	o.mountpoint = mnt;
	o.db = db;
	rc = fs_mountpoint_check(mnt, o.nonempty, err);
	if (!rc)
		rc = check_store(&o, err);
	if (rc) {
		free(mnt);
		free(db);
		return rc;
	}
	m = xcalloc(1, sizeof(*m));
	m->ready_fd = -1;
	fsd_init(&m->d, &o);
	m->d.inbox_mnt = xmalloc(strlen(mnt) + 7);
	memcpy(m->d.inbox_mnt, mnt, strlen(mnt));
	memcpy(m->d.inbox_mnt + strlen(mnt), "/inbox", 7);
	m->d.se = fsd_new_session(&m->d, 0);
	if (!m->d.se || fuse_session_mount(m->d.se, mnt)) {
		buf_addf(err, "%s: cannot mount (FUSE said why above)", mnt);
		rc = -EIO;
	}
	if (!rc && !o.foreground)
		rc = daemonise(m, fuse_session_fd(m->d.se), err);
	if (!rc && fuse_set_signal_handlers(m->d.se)) {
		buf_adds(err, "cannot set signal handlers");
		rc = -EIO;
	}
	if (!rc)
		rc = serve(m, err);
	else if (m->d.se)
		fuse_session_destroy(m->d.se);
	fsd_release(&m->d);
	free(m);
	free(mnt);
	free(db);
	return rc;
}

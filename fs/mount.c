/* mount.c: setting up a mount (checks, FUSE arguments, daemonising, the
 * two store connections) and the inbox hooks that run on the worker
 * thread: ingest (with vectors, and the LLM pass with --distiller llm)
 * and the tick that turns store changes into kernel cache invalidations. */
#include "common.h"
#include "daemon.h"
#include "embed.h"
#include "ingest.h"
#include "llm.h"
#include "store_view.h"
#include "vec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 60.0

void fsd_invalidate(struct fsd *d, const char *path)
{
	pthread_mutex_lock(&d->ilock);
	if (d->inval.n < 4096)
		strv_push_unique(&d->inval, path);
	pthread_mutex_unlock(&d->ilock);
}

void fsd_changed_locked(struct fsd *d)
{
	d->v.gen++;
	pthread_mutex_lock(&d->ilock);
	d->dirty = 1;
	pthread_mutex_unlock(&d->ilock);
}

/* ---- inbox hooks ---- */

static void hook_projects(void *ctx, struct strv *out)
{
	struct fsd *d = ctx;

	pthread_mutex_lock(&d->ilock);
	for (size_t i = 0; i < d->projects.n; i++)
		strv_push(out, d->projects.v[i]);
	pthread_mutex_unlock(&d->ilock);
}

static void hook_changed(void *ctx, const char *rel)
{
	struct fsd *d = ctx;
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	const char *slash = strchr(rel, '/');

	pthread_mutex_lock(&d->lock);
	fsd_changed_locked(d);
	pthread_mutex_unlock(&d->lock);
	fsd_invalidate(d, "/inbox");
	if (slash) {
		buf_addf(&p, "/inbox/%.*s", (int)(slash - rel), rel);
		fsd_invalidate(d, buf_str(&p));
		buf_reset(&p);
	}
	if (*rel) {
		buf_addf(&p, "/inbox/%s", rel);
		fsd_invalidate(d, buf_str(&p));
	}
	buf_release(&p);
}

/* After an LLM pass: the exchanges it filled changed content. */
static void invalidate_exchanges(struct fsd *d, const struct store_xrows *r)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);

	for (size_t i = 0; i < r->n; i++)
		for (int k = 0; k <= 7; k++) {
			static const char *const f[] = { "core", "context",
				"distilled", "rooms", "files", "verbatim",
				"meta.json", "" };

			buf_reset(&p);
			buf_addf(&p, "/projects/%s/exchanges/", r->v[i].project);
			store_exchange_name(r->v[i].id, r->v[i].slug, &p);
			if (*f[k])
				buf_addf(&p, "/%s", f[k]);
			fsd_invalidate(d, buf_str(&p));
		}
	buf_release(&p);
}

static void llm_pass(struct fsd *d)
{
	struct llm_config cfg;
	struct llm_report rep;
	struct store_xrows r = STORE_XROWS_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	llm_config_init(&cfg);
	if (llm_config_load(&cfg, &err) == 0 &&
	    store_view_pending(&d->wst, &r) == 0 && r.n) {
		llm_report_init(&rep);
		llm_process_pending(&d->wst, &cfg, 0,
				    d->emb ? idx_embed_hook : NULL, d->emb,
				    &rep);
		llm_report_release(&rep);
		invalidate_exchanges(d, &r);
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
	if (!rc && d->o->use_llm)
		llm_pass(d);
	return rc;
}

static void refresh_projects(struct fsd *d)
{
	struct strv sv = STRV_INIT;

	if (store_view_projects(&d->st, &sv))
		return;
	pthread_mutex_lock(&d->ilock);
	strv_clear(&d->projects);
	for (size_t i = 0; i < sv.n; i++)
		if (!d->o->project || !strcmp(sv.v[i], d->o->project))
			strv_push(&d->projects, sv.v[i]);
	pthread_mutex_unlock(&d->ilock);
	strv_clear(&sv);
}

/* The paths whose cached attributes may be stale after a change. */
static void generated_paths(struct fsd *d, struct strv *out)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	static const char *const top[] = { "/", "/status", "/projects",
					   "/query" };

	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		strv_push(out, top[i]);
	for (size_t i = 0; i < d->projects.n; i++) {
		static const char *const sub[] = { "", "/MEMORY.md",
			"/exchanges", "/rooms", "/conversations", "/files" };

		for (size_t k = 0; k < ARRAY_SIZE(sub); k++) {
			buf_reset(&p);
			buf_addf(&p, "/projects/%s%s", d->projects.v[i],
				 sub[k]);
			strv_push(out, buf_str(&p));
		}
	}
	for (size_t i = 0; i < d->qpaths.n; i++)
		strv_push(out, d->qpaths.v[i]);
	strv_clear(&d->qpaths);
	buf_release(&p);
}

int fsd_refresh_locked(struct fsd *d)
{
	int64_t v = 0;

	if (store_view_data_version(&d->st, &v) || v == d->data_version)
		return 0;
	d->data_version = v;
	fsd_changed_locked(d);
	return 1;
}

void fsd_tick(void *ctx)
{
	struct fsd *d = ctx;
	struct strv todo = STRV_INIT;
	int dirty;

	pthread_mutex_lock(&d->lock);
	fsd_refresh_locked(d);
	pthread_mutex_lock(&d->ilock);
	dirty = d->dirty;
	d->dirty = 0;
	pthread_mutex_unlock(&d->ilock);
	if (dirty)
		refresh_projects(d);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&d->ilock);
	if (dirty)
		generated_paths(d, &todo);
	for (size_t i = 0; i < d->inval.n; i++)
		strv_push(&todo, d->inval.v[i]);
	strv_clear(&d->inval);
	pthread_mutex_unlock(&d->ilock);
	for (size_t i = 0; d->fuse && i < todo.n; i++)
		fuse_invalidate_path(d->fuse, todo.v[i]);   /* -ENOENT: unseen */
	strv_clear(&todo);
}

/* ---- setup ---- */

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
	if (!rc)
		store_close(&st);
	return rc;
}

static int open_stores(struct fsd *d, struct buf *err)
{
	const struct fs_mount_opts *o = d->o;
	int rc = store_open(o->db, o->readonly ? STORE_RDONLY : 0, &d->st, err);

	if (!rc && !o->readonly)
		rc = store_open(o->db, 0, &d->wst, err);
	if (!rc)
		rc = store_open(o->db, STORE_RDONLY, &d->qst, err);
	if (!rc)
		rc = store_view_data_version(&d->st, &d->data_version);
	return rc;
}

static void add_opt(struct fuse_args *a, const char *opt)
{
	fuse_opt_add_arg(a, "-o");
	fuse_opt_add_arg(a, opt);
}

static void build_args(const struct fs_mount_opts *o, struct fuse_args *a)
{
	int allow_other = 0;

	fuse_opt_add_arg(a, "recallfs");
	if (o->debug)
		fuse_opt_add_arg(a, "-d");
	add_opt(a, "fsname=recallfs,subtype=recallfs");
	for (size_t i = 0; i < o->fuse_opts.n; i++) {
		add_opt(a, o->fuse_opts.v[i]);
		if (strstr(o->fuse_opts.v[i], "allow_other"))
			allow_other = 1;
	}
	if (allow_other)
		add_opt(a, "default_permissions");
	if (o->readonly)
		add_opt(a, "ro");
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
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->qlock, NULL);
	pthread_mutex_init(&d->ilock, NULL);
}

static void fsd_release(struct fsd *d)
{
	fs_inbox_close(d->inbox);
	fs_view_release(&d->v);
	if (d->emb)
		emb_close(d->emb);
	vec_cache_clear();
	if (d->wst.db)
		store_close(&d->wst);
	if (d->st.db)
		store_close(&d->st);
	if (d->qst.db)
		store_close(&d->qst);
	strv_clear(&d->inval);
	strv_clear(&d->qpaths);
	strv_clear(&d->projects);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->qlock);
	pthread_mutex_destroy(&d->ilock);
}

static int open_inbox(struct fsd *d, struct buf *err)
{
	struct fs_inbox_hooks h = { hook_ingest, hook_projects, hook_changed,
				    fsd_tick, d };
	struct buf dir = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	buf_addf(&dir, "%s.inbox", d->o->db);
	rc = fs_inbox_open(&d->inbox, buf_str(&dir), &h, err);
	buf_release(&dir);
	return rc;
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
}

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
	d->v.status_fn = status_extra;
	d->v.status_ctx = d;
	d->v.slow_begin = slow_begin;
	d->v.slow_end = slow_end;
	d->v.slow_ctx = d;
	refresh_projects(d);
}

/* After daemonising: the stores, the inbox, the view; then serve. */
static int serve(struct fsd *d, struct fuse *f, struct buf *err)
{
	struct fuse_loop_config *lc;
	int rc = open_stores(d, err);

	if (!rc && !d->o->readonly)
		rc = open_inbox(d, err);
	if (rc)
		return rc;
	setup_view(d);
	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 16);
	rc = fuse_loop_mt(f, lc) ? -EIO : 0;
	fuse_loop_cfg_destroy(lc);
	/* stop the worker now: fuse_destroy frees the node table before it
	 * calls our destroy, and the worker's invalidations walk that table */
	fs_inbox_close(d->inbox);
	d->inbox = NULL;
	d->fuse = NULL;
	return rc;
}

int fs_mount(const struct fs_mount_opts *o, struct buf *err)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fsd d;
	struct fuse *f;
	struct stat sb;
	int rc;

	if (stat(o->mountpoint, &sb) || !S_ISDIR(sb.st_mode)) {
		buf_addf(err, "%s: not a directory", o->mountpoint);
		return -ENOTDIR;
	}
	rc = check_store(o, err);
	if (rc)
		return rc;
	fsd_init(&d, o);
	build_args(o, &args);
	f = fuse_new(&args, &fs_ops, sizeof(fs_ops), &d);
	if (!f || fuse_mount(f, o->mountpoint)) {
		buf_addf(err, "%s: cannot mount (FUSE said why above)",
			 o->mountpoint);
		if (f)
			fuse_destroy(f);
		fuse_opt_free_args(&args);
		fsd_release(&d);
		return -EIO;
	}
	fuse_set_signal_handlers(fuse_get_session(f));
	fuse_daemonize(o->foreground);
	rc = serve(&d, f, err);
	if (rc && err->len)
		fprintf(stderr, "recallfs: mount: %s\n", buf_str(err));
	fuse_remove_signal_handlers(fuse_get_session(f));
	fuse_unmount(f);
	fuse_destroy(f);
	fuse_opt_free_args(&args);
	fsd_release(&d);
	return rc;
}

/* notify.c: telling the kernel what changed, so that everything else can
 * be cached for as long as it likes.
 *
 * Notices (fsd_note_*) are queued by anyone and sent by the notifier
 * thread (never by a request handler: the kernel may hold a directory's
 * lock until the request that is waiting for the notice is answered).
 * Each notice is sent twice, the second time a moment later, for the
 * reply that was on its way to the kernel when the first was sent.
 *
 * The announcer (fsd_announce) finds what changed in the store: a
 * per-project summary (count and largest id, from an index) says which
 * projects gained or lost exchanges; when the store changed and the
 * summary did not, a fingerprint of every exchange's distilled fields
 * says which were redistilled.  A changed project whose index the view
 * holds gets a new one, and the two are compared: exchanges that came or
 * went, tree directories whose entries changed or that vanished, links
 * that went; each becomes a notice for the inode or the entry concerned.
 * Generated files' renderings of older versions are deleted (gen.c).
 *
 * The thread wakes on an inotify event on the database's directory (a
 * commit by anyone, `recallfs ingest` from a shell included), on a kick,
 * and at least once a second; it also commits forgets whose grace period
 * is over (forget.c). */
#include "common.h"
#include "daemon.h"
#include "content.h"
#include "ino.h"
#include "store_view.h"
#include "view_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define RESEND_MS 200
#define TICK_MS 1000
#define BASELINE_MS 5000

enum note_kind { N_INODE, N_ENTRY, N_DELETE };

struct note {
	enum note_kind kind;
	int inbox;
	struct fuse_session *se;        /* inbox: the session it was for */
	uint64_t a, b;          /* ino / parent, child */
	char *name;
	int round;              /* 1 first, 2 the resend */
	uint64_t due;           /* ms (CLOCK_MONOTONIC) */
};

/* A project as the last announcement left it. */
struct proj {
	int64_t pid, count, maxid;
	char *name;
};

struct fsd_notes {
	pthread_mutex_t mu;     /* the queue */
	struct note *q;
	size_t n, cap;
	pthread_t thr;
	int started, stop;
	int kick[2];            /* a pipe: wakes the thread */
	int ifd;                /* inotify on the database's directory */
	char *dbbase;           /* the database's file name */
	pthread_mutex_t alock;  /* the announcer's state below */
	int64_t dv;             /* data_version last seen */
	struct proj *pr;        /* by pid */
	size_t npr;
	struct store_xfp *fps;  /* fingerprints, by id */
	size_t nfps;
	int have_fps;           /* taken at least once */
	int64_t ptime0;         /* latest exchange time of all */
	uint64_t status_seen;   /* status_ver at the last retirement */
	uint64_t sent, failed;  /* notices sent, and answered ENOENT */
};


/* ---- the queue ---- */

static void push(struct fsd *d, enum note_kind k, int inbox, uint64_t a,
		 uint64_t b, const char *name)
{
	struct fsd_notes *t = d->notes;
	struct note *n;

	struct fuse_session *ise = __atomic_load_n(&d->ise, __ATOMIC_ACQUIRE);

	if (!t || !a || (inbox && !ise))
		return;
	pthread_mutex_lock(&t->mu);
	XGROW(t->q, t->cap, t->n + 1);
	n = &t->q[t->n++];
	n->kind = k;
	n->inbox = inbox;
	n->se = inbox ? ise : NULL;
	n->a = a;
	n->b = b;
	n->name = name ? xstrdup(name) : NULL;
	n->round = 1;
	n->due = 0;
	pthread_mutex_unlock(&t->mu);
}

void fsd_note_inode(struct fsd *d, int inbox, uint64_t ino)
{
	push(d, N_INODE, inbox, ino, 0, NULL);
}

void fsd_note_entry(struct fsd *d, int inbox, uint64_t parent,
		    const char *name)
{
	push(d, N_ENTRY, inbox, parent, 0, name);
}

void fsd_note_delete(struct fsd *d, int inbox, uint64_t parent,
		     uint64_t child, const char *name)
{
	push(d, N_DELETE, inbox, parent, child, name);
}

void fsd_notes_kick(struct fsd *d)
{
	char c = 1;

	if (d->notes && d->notes->kick[1] >= 0 &&
	    write(d->notes->kick[1], &c, 1) < 0) {
		/* full: a kick is pending anyway */
	}
}

static int send_one(struct fsd *d, const struct note *n)
{
	struct fuse_session *se = d->se;

	if (n->inbox) {
		/* (the notifier alone retires an inbox session) */
		se = __atomic_load_n(&d->ise, __ATOMIC_ACQUIRE);
		if (se != n->se)
			return 0;       /* for a session that is gone */
	}
	if (!se)
		return 0;
	switch (n->kind) {
	case N_INODE:
		return fuse_lowlevel_notify_inval_inode(se, n->a, 0, 0);
	case N_ENTRY:
		return fuse_lowlevel_notify_inval_entry(se, n->a, n->name,
							strlen(n->name));
	default:
		return fuse_lowlevel_notify_delete(se, n->a, n->b, n->name,
						   strlen(n->name));
	}
}

/* Sends the notices that are due; first-round ones come back for the
 * resend.  Returns the ms until the next is due (-1: none). */
static int send_due(struct fsd *d)
{
	struct fsd_notes *t = d->notes;
	struct note *due = NULL;
	size_t ndue = 0, cap = 0, k = 0;
	uint64_t now = fsd_now_ms(), next = 0;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		if (t->q[i].due <= now) {
			XGROW(due, cap, ndue + 1);
			due[ndue++] = t->q[i];
		} else {
			if (!next || t->q[i].due < next)
				next = t->q[i].due;
			t->q[k++] = t->q[i];
		}
	}
	t->n = k;
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < ndue; i++) {
		int rc = send_one(d, &due[i]);

		__atomic_add_fetch(rc ? &t->failed : &t->sent, 1,
				   __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < ndue; i++) {
		if (due[i].round == 1) {
			due[i].round = 2;
			due[i].due = now + RESEND_MS;
			XGROW(t->q, t->cap, t->n + 1);
			t->q[t->n++] = due[i];
			if (!next || due[i].due < next)
				next = due[i].due;
		} else {
			free(due[i].name);
		}
	}
	pthread_mutex_unlock(&t->mu);
	free(due);
	return next ? (int)(next > now ? next - now : 0) : -1;
}

/* ---- the announcer ---- */

static int cmp_proj(const void *a, const void *b)
{
	const struct proj *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static struct proj *proj_find(struct proj *v, size_t n, int64_t pid)
{
	struct proj key = { pid, 0, 0, NULL };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_proj) : NULL;
}

static void projs_free(struct proj *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The projects now: every named project with its summary. */
static int read_projects(struct fsd *d, struct proj **out, size_t *n)
{
	struct store_psum *s = NULL;
	struct strv names = STRV_INIT;
	size_t ns = 0;
	int rc = store_view_summary(&d->ast, &s, &ns);

	if (!rc)
		rc = store_view_projects(&d->ast, &names);
	*out = xcalloc(names.n + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; !rc && i < names.n; i++) {
		struct proj *p = &(*out)[*n];

		if (d->o->project && strcmp(names.v[i], d->o->project))
			continue;
		if (store_view_project_id(&d->ast, names.v[i], &p->pid))
			continue;
		p->name = xstrdup(names.v[i]);
		for (size_t k = 0; k < ns; k++)
			if (s[k].pid == p->pid) {
				p->count = s[k].count;
				p->maxid = s[k].maxid;
			}
		(*n)++;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_proj);
	free(s);
	strv_clear(&names);
	return rc;
}

static int cmp_xfp(const void *a, const void *b)
{
	const struct store_xfp *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Exchanges whose fingerprint changed since the last scan (their ids into
 * *mod, sorted); the scan becomes the new reference. */
static int redistilled(struct fsd *d, int64_t **mod, size_t *nmod)
{
	struct fsd_notes *t = d->notes;
	struct store_xfp *f = NULL;
	size_t n = 0, cap = 0;
	int rc = store_view_fingerprints(&d->ast, &f, &n);

	*mod = NULL;
	*nmod = 0;
	if (rc)
		return rc;
	for (size_t i = 0; t->have_fps && i < n; i++) {
		struct store_xfp *o = bsearch(&f[i], t->fps, t->nfps,
					      sizeof(*f), cmp_xfp);

		if (o && o->fp != f[i].fp) {
			XGROW(*mod, cap, *nmod + 1);
			(*mod)[(*nmod)++] = f[i].id;
		}
	}
	free(t->fps);
	t->fps = f;
	t->nfps = n;
	t->have_fps = 1;
	return 0;
}


static int in_set(const int64_t *v, size_t n, int64_t id)
{
	return n && bsearch(&id, v, n, sizeof(*v), fsd_cmp_i64);
}

static void xname(const struct fs_pidx *p, size_t xi, struct buf *b)
{
	buf_reset(b);
	store_exchange_name(p->x.v[xi].id, p->x.v[xi].slug, b);
}

/* The inode of directory di of tree w of project pid. */
static uint64_t tdir_ino(int64_t pid, uint32_t w, const struct fs_tree *t,
			 uint32_t di)
{
	static const int top[] = { FSP_ROOMS, FSP_CONVS, FSP_FILES };

	return di ? fs_ino_tdir(pid, t->d[di].ih) : fs_ino_proj(top[w], pid);
}

/* Did directory a (of o) and directory b (of n) list the same? */
static int same_dir(const struct fs_pidx *o, const struct fs_tree *to,
		    uint32_t a, const struct fs_pidx *n,
		    const struct fs_tree *tn, uint32_t b)
{
	const struct fs_tdir *x = &to->d[a], *y = &tn->d[b];

	if (x->nsub != y->nsub || x->nlink != y->nlink || x->mtime != y->mtime)
		return 0;
	for (uint32_t i = 0; i < x->nsub; i++)
		if (to->d[x->sub + i].ih != tn->d[y->sub + i].ih)
			return 0;
	for (uint32_t i = 0; i < x->nlink; i++)
		if (o->x.v[to->links[x->link + i]].id !=
		    n->x.v[tn->links[y->link + i]].id)
			return 0;
	return 1;
}

/* Tree w: directories whose listing changed, that vanished, and links
 * that went away. */
static void diff_tree(struct fsd *d, const struct fs_pidx *o,
		      const struct fs_pidx *n, uint32_t w)
{
	const struct fs_tree *to = fs_pidx_tree(o, w), *tn = fs_pidx_tree(n, w);
	struct buf name = BUF_INIT(BUF_MAX_SMALL);
	int64_t pid = n->pid;

	for (uint32_t a = 0; a < to->nd; a++) {
		const struct fs_tdir *x = &to->d[a];
		uint64_t ino = tdir_ino(pid, w, to, a);
		uint32_t tw, b = 0;

		if (a && (fs_pidx_dir(n, x->ih, &tw, &b) || tw != w)) {
			fsd_note_entry(d, 0, tdir_ino(pid, w, to, x->parent),
				       x->name);
			continue;
		}
		if (same_dir(o, to, a, n, tn, b))
			continue;
		fsd_note_inode(d, 0, ino);
		for (uint32_t i = 0; i < x->nlink; i++) {
			uint32_t xi = to->links[x->link + i];
			long nx = fs_pidx_xindex(n, o->x.v[xi].id);

			if (nx < 0 || fs_tree_link(tn, b, (uint32_t)nx)) {
				xname(o, xi, &name);
				fsd_note_entry(d, 0, ino, buf_str(&name));
			}
		}
	}
	buf_release(&name);
}

/* Exchanges that came, went or changed between o and n. */
static void diff_exchanges(struct fsd *d, const struct fs_pidx *o,
			   const struct fs_pidx *n, const int64_t *mod,
			   size_t nmod)
{
	uint64_t dir = fs_ino_proj(FSP_EXCHANGES, n->pid);
	struct buf name = BUF_INIT(BUF_MAX_SMALL);
	size_t i = 0, k = 0;
	int listing = 0;

	while (i < o->x.n || k < n->x.n) {
		int64_t a = i < o->x.n ? o->x.v[i].id : INT64_MAX;
		int64_t b = k < n->x.n ? n->x.v[k].id : INT64_MAX;

		if (a < b) {            /* gone */
			xname(o, i++, &name);
			fsd_note_delete(d, 0, dir, fs_ino_xdir(a),
					buf_str(&name));
			listing = 1;
		} else if (b < a) {     /* new: a cached absence goes */
			xname(n, k++, &name);
			fsd_note_entry(d, 0, dir, buf_str(&name));
			listing = 1;
		} else {
			if (in_set(mod, nmod, a)) {
				for (int f = 0; f < FSX_N; f++)
					fsd_note_inode(d, 0,
						       fs_ino_xfile(a, f));
				fsd_note_inode(d, 0, fs_ino_xdir(a));
			}
			i++;
			k++;
		}
	}
	if (listing)
		fsd_note_inode(d, 0, dir);
	buf_release(&name);
}

static void diff_project(struct fsd *d, const struct fs_pidx *o,
			 const struct fs_pidx *n, const int64_t *mod,
			 size_t nmod)
{
	diff_exchanges(d, o, n, mod, nmod);
	for (uint32_t w = 0; w < 3; w++)
		diff_tree(d, o, n, w);
	if (o->mtime != n->mtime) {
		fsd_note_inode(d, 0, fs_ino_proj(FSP_DIR, n->pid));
		fsd_note_inode(d, 0, fs_ino_proj(FSP_QUERY, n->pid));
		fsd_note_inode(d, 0, fs_ino_proj(FSP_QUERYJ, n->pid));
	}
}

/* Sizes already known carry over to the new index (under d->lock). */
static void carry_sizes(const struct fs_pidx *o, struct fs_pidx *n,
			const int64_t *mod, size_t nmod)
{
	for (size_t k = 0; k < n->x.n; k++) {
		long i = fs_pidx_xindex(o, n->x.v[k].id);

		if (i >= 0 && !in_set(mod, nmod, n->x.v[k].id))
			memcpy(&n->xsize[k * FSX_N], &o->xsize[(size_t)i * FSX_N],
			       FSX_N * sizeof(*n->xsize));
	}
}

/* A project changed: its new index replaces the one the view holds (if
 * it holds one: else nothing of it can be cached), and the two are
 * compared. */
static void renew_project(struct fsd *d, int64_t pid, int gone,
			  const int64_t *mod, size_t nmod)
{
	struct fs_pidx *n = NULL, *o;
	int held;

	pthread_mutex_lock(&d->lock);
	held = fs_view_get_pidx(&d->v, pid) != NULL;
	pthread_mutex_unlock(&d->lock);
	if (!held)
		return;
	if (!gone) {
		n = xcalloc(1, sizeof(*n));
		if (fs_pidx_build(&d->ast, pid, n)) {
			fs_pidx_free(n);
			n = NULL;       /* rebuilt from the view when next used */
		}
	}
	pthread_mutex_lock(&d->lock);
	o = fs_view_get_pidx(&d->v, pid);
	if (o && n)
		carry_sizes(o, n, mod, nmod);
	fs_view_set_pidx(&d->v, pid, n, &o);
	pthread_mutex_unlock(&d->lock);
	if (o && n)
		diff_project(d, o, n, mod, nmod);
	fs_pidx_free(o);
}

/* Does the view's index of project pid hold one of the exchanges mod? */
static int touched(struct fsd *d, int64_t pid, const int64_t *mod,
		   size_t nmod)
{
	struct fs_pidx *p;
	int hit = 0;

	if (!nmod)
		return 0;
	pthread_mutex_lock(&d->lock);
	p = fs_view_get_pidx(&d->v, pid);
	for (size_t k = 0; p && k < nmod && !hit; k++)
		hit = fs_pidx_xindex(p, mod[k]) >= 0;
	pthread_mutex_unlock(&d->lock);
	return hit;
}

/* Which projects changed: came, went, or gained or lost exchanges. */
static void projects_changed(struct fsd *d, struct proj *now, size_t nnow,
			     const int64_t *mod, size_t nmod)
{
	struct fsd_notes *t = d->notes;
	int listing = 0;

	for (size_t i = 0; i < nnow; i++) {
		struct proj *was = proj_find(t->pr, t->npr, now[i].pid);

		if (!was) {
			fsd_note_entry(d, 0, FSI_PROJECTS, now[i].name);
			listing = 1;
		}
		if (!was || was->count != now[i].count ||
		    was->maxid != now[i].maxid ||
		    touched(d, now[i].pid, mod, nmod))
			renew_project(d, now[i].pid, 0, mod, nmod);
	}
	for (size_t i = 0; i < t->npr; i++)
		if (!proj_find(now, nnow, t->pr[i].pid)) {
			renew_project(d, t->pr[i].pid, 1, NULL, 0);
			fsd_note_delete(d, 0, FSI_PROJECTS,
					fs_ino_proj(FSP_DIR, t->pr[i].pid),
					t->pr[i].name);
			listing = 1;
		}
	if (listing)
		fsd_note_inode(d, 0, FSI_PROJECTS);
}

static int same_projects(const struct proj *a, size_t na, const struct proj *b,
			 size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (a[i].pid != b[i].pid || a[i].count != b[i].count ||
		    a[i].maxid != b[i].maxid)
			return 0;
	return 1;
}

/* The top directories carry the latest exchange time of all. */
static void top_times(struct fsd *d)
{
	struct fsd_notes *t = d->notes;
	static const uint64_t tops[] = { FSI_ROOT, FSI_PROJECTS, FSI_QUERY,
		FSI_QUERYJ, FSI_README };
	int64_t p0 = 0;

	if (store_view_project_time(&d->ast, 0, &p0) || p0 == t->ptime0)
		return;
	t->ptime0 = p0;
	for (size_t i = 0; i < ARRAY_SIZE(tops); i++)
		fsd_note_inode(d, 0, tops[i]);
}

/* The project names the inbox shows as inbox/P/ (under t->alock). */
static void publish_projects(struct fsd *d)
{
	struct fsd_notes *t = d->notes;

	pthread_mutex_lock(&d->pmu);
	strv_clear(&d->projects);
	for (size_t i = 0; i < t->npr; i++)
		strv_push(&d->projects, t->pr[i].name);
	pthread_mutex_unlock(&d->pmu);
}

void fsd_status_changed(struct fsd *d)
{
	__atomic_add_fetch(&d->status_ver, 1, __ATOMIC_RELEASE);
	fsd_notes_kick(d);
}

/* Renderings of status older than status_ver are retired. */
static void status_stale(struct fsd *d)
{
	struct fsd_notes *t = d->notes;
	uint64_t sv = __atomic_load_n(&d->status_ver, __ATOMIC_ACQUIRE);
	uint64_t gen;

	if (sv == t->status_seen)
		return;
	t->status_seen = sv;
	pthread_mutex_lock(&d->lock);
	gen = d->v.gen;
	pthread_mutex_unlock(&d->lock);
	fsd_gen_stale(d, gen);
}

/* Under t->alock: what changed since the last time, announced. */
static void announce_locked(struct fsd *d, int explained,
			    const int64_t *ids, size_t nids)
{
	struct fsd_notes *t = d->notes;
	struct proj *now = NULL;
	size_t nnow = 0, nmod = 0;
	int64_t dv = 0, *mod = NULL;
	uint64_t gen;

	if (store_view_data_version(&d->ast, &dv) ||
	    (dv == t->dv && !ids))
		return;
	t->dv = dv;
	if (read_projects(d, &now, &nnow)) {
		projs_free(now, nnow);
		return;
	}
	if (ids) {
		mod = xmalloc((nids ? nids : 1) * sizeof(*mod));
		memcpy(mod, ids, nids * sizeof(*mod));
		nmod = nids;
		qsort(mod, nmod, sizeof(*mod), fsd_cmp_i64);
	} else if (!explained && same_projects(now, nnow, t->pr, t->npr)) {
		redistilled(d, &mod, &nmod);    /* (or nothing at all) */
	}
	pthread_mutex_lock(&d->lock);
	gen = ++d->v.gen;       /* the view's other caches start over */
	pthread_mutex_unlock(&d->lock);
	__atomic_add_fetch(&d->status_ver, 1, __ATOMIC_RELEASE);
	projects_changed(d, now, nnow, mod, nmod);
	top_times(d);
	fsd_gen_stale(d, gen);
	projs_free(t->pr, t->npr);
	t->pr = now;
	t->npr = nnow;
	publish_projects(d);
	free(mod);
}

void fsd_announce(struct fsd *d, int explained)
{
	if (!d->notes)
		return;
	pthread_mutex_lock(&d->notes->alock);
	announce_locked(d, explained, NULL, 0);
	pthread_mutex_unlock(&d->notes->alock);
	send_due(d);
}

void fsd_announce_exchanges(struct fsd *d, const int64_t *ids, size_t n)
{
	if (!d->notes)
		return;
	pthread_mutex_lock(&d->notes->alock);
	announce_locked(d, 1, ids, n);
	pthread_mutex_unlock(&d->notes->alock);
	send_due(d);
}

/* ---- the thread ---- */

static void watch_db(struct fsd *d)
{
	struct fsd_notes *t = d->notes;
	char *copy = xstrdup(d->o->db), *copy2 = xstrdup(d->o->db);

	t->dbbase = xstrdup(basename(copy2));
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd >= 0 && inotify_add_watch(t->ifd, dirname(copy),
					     IN_MODIFY | IN_CLOSE_WRITE |
					     IN_MOVED_TO) < 0) {
		close(t->ifd);
		t->ifd = -1;    /* the once-a-second check still runs */
	}
	free(copy);
	free(copy2);
}

/* Reads the inotify events; 1 if one concerns the database. */
static int db_touched(struct fsd_notes *t)
{
	char buf[4096] __attribute__((aligned(8)));
	size_t n = strlen(t->dbbase);
	ssize_t len;
	int hit = 0;

	while ((len = read(t->ifd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && !strncmp(e->name, t->dbbase, n))
				hit = 1;
			p += sizeof(*e) + e->len;
		}
	return hit;
}

/* The fingerprints a later redistill is told apart by (a full read of
 * the exchanges: taken a while after mounting, not during the first
 * walk). */
static void baseline(struct fsd *d)
{
	int64_t *mod;
	size_t nmod;

	pthread_mutex_lock(&d->notes->alock);
	if (redistilled(d, &mod, &nmod) == 0)
		free(mod);
	pthread_mutex_unlock(&d->notes->alock);
}

static int min_wait(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void *notifier(void *arg)
{
	struct fsd *d = arg;
	struct fsd_notes *t = d->notes;
	uint64_t last = 0, start = fsd_now_ms();
	int wait = 0;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pf[2] = { { t->kick[0], POLLIN, 0 },
					{ t->ifd, POLLIN, 0 } };
		int check = 0;
		char c;

		if (poll(pf, t->ifd >= 0 ? 2 : 1, wait) > 0) {
			while (read(t->kick[0], &c, 1) > 0)
				check = 1;
			if (t->ifd >= 0 && db_touched(t))
				check = 1;
		}
		if (check || fsd_now_ms() - last >= TICK_MS) {
			last = fsd_now_ms();
			fsd_announce(d, 0);
		}
		if (!t->have_fps && fsd_now_ms() - start >= BASELINE_MS)
			baseline(d);
		status_stale(d);
		wait = min_wait(fsd_forget_tick(d), send_due(d));
		wait = min_wait(wait, fsd_sub_tick(d));
		wait = min_wait(wait, TICK_MS);
	}
	return NULL;
}

int fsd_notes_init(struct fsd *d)
{
	struct fsd_notes *t = xcalloc(1, sizeof(*t));

	d->notes = t;
	pthread_mutex_init(&t->mu, NULL);
	pthread_mutex_init(&t->alock, NULL);
	t->ifd = -1;
	if (pipe2(t->kick, O_NONBLOCK | O_CLOEXEC)) {
		t->kick[0] = t->kick[1] = -1;
		return -errno;
	}
	return 0;
}

int fsd_notes_start(struct fsd *d)
{
	struct fsd_notes *t = d->notes;
	int rc;

	/* the reference the first change is compared with */
	store_view_data_version(&d->ast, &t->dv);
	read_projects(d, &t->pr, &t->npr);
	publish_projects(d);
	store_view_project_time(&d->ast, 0, &t->ptime0);
	watch_db(d);
	rc = pthread_create(&t->thr, NULL, notifier, d);
	if (rc)
		return -rc;
	t->started = 1;
	return 0;
}

void fsd_notes_stop(struct fsd *d)
{
	struct fsd_notes *t = d->notes;

	if (!t || !t->started)
		return;
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	fsd_notes_kick(d);
	pthread_join(t->thr, NULL);
	t->started = 0;
}

void fsd_notes_release(struct fsd *d)
{
	struct fsd_notes *t = d->notes;

	if (!t)
		return;
	fsd_notes_stop(d);
	for (size_t i = 0; i < t->n; i++)
		free(t->q[i].name);
	free(t->q);
	projs_free(t->pr, t->npr);
	free(t->fps);
	free(t->dbbase);
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->kick[0] >= 0) {
		close(t->kick[0]);
		close(t->kick[1]);
	}
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->alock);
	free(t);
	d->notes = NULL;
}

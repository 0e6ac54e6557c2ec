/* redistill.c: filling marked exchanges with the LLM's fields.
 *
 * Every exchange is its own job: reply cache first, then a request through
 * an http_pool (core/http.c: at most cfg->parallel in flight, retries with
 * backoff and Retry-After, one at a time while the server does not
 * answer, and after LLM_BREAKER such failures in a row the rest fail
 * unsent, for the next redistill).  A job ends either filled (one
 * transaction: cache row, fields, state DONE, the index hook) or marked
 * STORE_FAILED. */
#include "common.h"
#include "http.h"
#include "llm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#define LLM_BREAKER 5

struct job {
	int64_t id;
	char *verbatim;         /* owned */
	char *fallback;         /* the stored (heuristic) context, owned */
	char key[HASH_HEX_LEN + 1];
	int schema;             /* the last request carried response_format */
	struct http_req http;
};

struct run {
	struct store *st;
	const struct llm_config *cfg;
	ingest_hook_fn hook;
	void *ctx;
	struct llm_report *rep;
	struct http_pool pool;
	int no_schema;          /* the server refused response_format */
};

void llm_report_init(struct llm_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	buf_init(&rep->first_error, BUF_MAX_SMALL);
}

void llm_report_release(struct llm_report *rep)
{
	buf_release(&rep->first_error);
}

/* --- store side --------------------------------------------------------- */

static int select_ids(struct store *st, int64_t project_id, int sel,
		      int64_t **ids, size_t *n)
{
	static const char sql[] =
		"SELECT id FROM exchanges WHERE ((state=1 AND ?1&1)"
		" OR (state=2 AND ?1&2)"
		" OR (state=0 AND distiller='heuristic' AND ?1&4))"
		" AND (?2=0 OR project_id=?2) ORDER BY id";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	*ids = NULL;
	*n = 0;
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int(s, 1, sel);
	sqlite3_bind_int64(s, 2, project_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, cap, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static int exec_bind(struct store *st, const char *sql, int64_t id,
		     const char *a, const char *b)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, id);
	if (a)
		sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
		-err_from_sqlite(rc);
}

/* The cached reply content for key, or NULL.  Owned by the caller. */
static char *cache_get(struct store *st, const char *key)
{
	sqlite3_stmt *s;
	char *out = NULL;

	if (sqlite3_prepare_v2(st->db, "SELECT reply FROM llm_cache WHERE "
			       "hash=?", -1, &s, NULL))
		return NULL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

static int cache_put(struct store *st, const char *key, const char *reply)
{
	return exec_bind(st, "INSERT OR REPLACE INTO llm_cache(hash, reply,"
			 " created) VALUES (?2, ?3, strftime('%s','now'))"
			 "", 0, key, reply);
}

static void note_error(struct llm_report *rep, int64_t id, const char *why)
{
	if (!rep->first_error.len)
		buf_addf(&rep->first_error, "exchange %06lld: %s",
			 (long long)id, why);
}

/* One transaction: cache row (unless from the cache), fields, state DONE,
 * then the hook with the exchange as now stored. */
static int apply(struct run *r, int64_t id, const struct distill *d,
		 const char *key, const char *content)
{
	struct store_exchange x;
	int rc = store_begin(r->st);

	if (!rc && content)
		rc = cache_put(r->st, key, content);
	if (!rc)
		rc = store_update_distilled(r->st, id, d, STORE_DONE);
	if (!rc && r->hook) {
		rc = store_get_exchange(r->st, id, &x);
		if (!rc) {
			rc = r->hook(r->ctx, r->st, &x);
			store_exchange_release(&x);
		}
	}
	if (!rc)
		rc = store_commit(r->st);
	if (rc)
		store_rollback(r->st);
	return rc;
}

static void mark_failed(struct run *r, int64_t id, const char *why)
{
	int rc = exec_bind(r->st, "UPDATE exchanges SET state=2 WHERE id=?1",
			   id, NULL, NULL);

	r->rep->failed++;
	note_error(r->rep, id, why);
	if (rc)
		note_error(r->rep, id, err_str(rc));
}

/* Parses content and stores it; 0 filled, -ENOENT gone, else -errno with
 * why set. */
static int fill(struct run *r, struct job *j, const char *content,
		int from_cache, struct buf *why)
{
	struct distill d;
	int rc = llm_parse_fields(content, j->verbatim, j->fallback, &d, why);

	if (!rc) {
		rc = apply(r, j->id, &d, j->key, from_cache ? NULL : content);
		if (rc && rc != -ENOENT)
			buf_addf(why, "storing the fields: %s", err_str(rc));
	}
	distill_release(&d);
	if (!rc) {
		r->rep->filled++;
		r->rep->cached += from_cache;
	} else if (rc == -ENOENT) {
		r->rep->gone++;
	}
	return rc;
}

/* --- jobs --------------------------------------------------------------- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	http_req_release(&j->http);
	free(j->verbatim);
	free(j->fallback);
	free(j);
}

/* Loads exchange id; answers it from the cache when it can.  Returns the
 * job still needing a request, or NULL (done, gone or failed). */
static struct job *job_take(struct run *r, int64_t id)
{
	struct store_exchange x;
	struct job *j;
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	char *cached;

	if (store_get_exchange(r->st, id, &x)) {
		r->rep->gone++;
		return NULL;
	}
	r->rep->selected++;
	j = xcalloc(1, sizeof(*j));
	j->id = id;
	j->verbatim = x.verbatim;
	j->fallback = x.d.context;
	x.verbatim = NULL;
	x.d.context = NULL;
	store_exchange_release(&x);
	llm_cache_key(r->cfg, j->verbatim, j->key);
	cached = cache_get(r->st, j->key);
	if (cached) {
		int rc = fill(r, j, cached, 1, &why);

		free(cached);
		if (rc == 0 || rc == -ENOENT) {
			buf_release(&why);
			job_free(j);
			return NULL;
		}
		/* A stale or unusable cache row: ask again. */
		exec_bind(r->st, "DELETE FROM llm_cache WHERE hash=?2",
			  0, j->key, NULL);
	}
	buf_release(&why);
	http_req_init(&j->http, NULL, j);
	return j;
}

static void job_send(struct run *r, struct job *j)
{
	j->schema = r->cfg->schema && !r->no_schema;
	http_req_set_body(&j->http, llm_request_body(r->cfg, j->verbatim,
						     j->schema));
	http_pool_add(&r->pool, &j->http);
}

/* A 400 naming response_format: an older server that takes no schema.
 * The job is sent again without one, and so is every later job. */
static int schema_refused(struct run *r, struct job *j)
{
	const struct buf *b = &j->http.reply;

	if (!j->schema || j->http.status != 400 || !b->len ||
	    (!memmem(b->p, b->len, "response_format", 15) &&
	     !memmem(b->p, b->len, "json_schema", 11)))
		return 0;
	r->no_schema = 1;
	return 1;
}

static void job_done(struct run *r, struct job *j)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	char *content = NULL;
	int rc;

	if (j->http.err && schema_refused(r, j)) {
		job_send(r, j);
		return;
	}
	if (j->http.err) {
		mark_failed(r, j->id, buf_str(&j->http.why));
	} else {
		buf_adds(&why, "reply rejected: ");
		rc = llm_reply_content(buf_str(&j->http.reply),
				       j->http.reply.len, &content, &why);
		if (!rc)
			rc = fill(r, j, content, 0, &why);
		if (rc && rc != -ENOENT)
			mark_failed(r, j->id, buf_str(&why));
	}
	free(content);
	buf_release(&why);
	job_free(j);
}

/* --- the loop ----------------------------------------------------------- */

static void run_loop(struct run *r, const int64_t *ids, size_t nids)
{
	struct http_req *h;
	size_t next = 0;

	for (;;) {
		while (next < nids && http_pool_room(&r->pool)) {
			struct job *j = job_take(r, ids[next++]);

			if (j)
				job_send(r, j);
		}
		h = http_pool_next(&r->pool);
		if (h)
			job_done(r, h->data);
		else if (next >= nids)
			break;
	}
}

static void pool_opts(const struct llm_config *cfg, struct buf *url,
		      struct http_opts *o)
{
	buf_addf(url, "%s/chat/completions", cfg->url);
	memset(o, 0, sizeof(*o));
	o->url = buf_str(url);
	o->key = cfg->key;
	o->connect_timeout_ms = cfg->connect_timeout_ms;
	o->timeout_ms = cfg->timeout_ms;
	o->attempts = cfg->attempts;
	o->backoff_ms = cfg->backoff_ms;
	o->max_wait_ms = cfg->max_wait_ms;
	o->max_reply = cfg->max_reply;
	o->parallel = cfg->parallel;
	o->breaker = LLM_BREAKER;
}

int llm_redistill(struct store *st, const struct llm_config *cfg,
		  int64_t project_id, int sel, ingest_hook_fn hook, void *ctx,
		  struct llm_report *rep)
{
	struct run r = { .st = st, .cfg = cfg, .hook = hook, .ctx = ctx,
			 .rep = rep };
	struct buf url = BUF_INIT(BUF_MAX_SMALL);
	struct http_opts o;
	int64_t *ids;
	size_t nids;
	int rc = select_ids(st, project_id, sel, &ids, &nids);

	if (rc)
		return rc;
	pool_opts(cfg, &url, &o);
	http_pool_init(&r.pool, &o);
	buf_release(&url);
	run_loop(&r, ids, nids);
	rep->requests += r.pool.requests;
	rep->retries += r.pool.retries;
	http_pool_release(&r.pool);
	free(ids);
	return 0;
}

int llm_process_pending(struct store *st, const struct llm_config *cfg,
			int64_t project_id, ingest_hook_fn hook, void *ctx,
			struct llm_report *rep)
{
	return llm_redistill(st, cfg, project_id, LLM_SEL_PENDING, hook, ctx,
			     rep);
}

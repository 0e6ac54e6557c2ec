/* redistill.c: filling marked exchanges with the LLM's fields (and, for
 * `redistill --distiller heuristic`, recomputing the heuristic ones).
 *
 * One thread drives a curl multi handle with at most cfg->parallel
 * requests in flight; every exchange is its own job: reply cache first,
 * then a request, retried with exponential backoff and jitter on 429/5xx
 * (Retry-After honoured), and ends either filled (one transaction: cache
 * row, fields, state DONE, the index hook) or marked STORE_FAILED.  After
 * a transport failure (refused, timed out) only one request is in flight
 * until one gets through, and after LLM_BREAKER in a row (server down,
 * nothing answers) the jobs not yet sent are marked without a request, for
 * the next redistill. */
#include "common.h"
#include "llm.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#define LLM_BREAKER 5
#define LLM_BACKOFF_CAP_MS 60000L

struct job {
	int64_t id;
	char *verbatim;         /* owned */
	char *fallback;         /* the stored (heuristic) context, owned */
	char key[HASH_HEX_LEN + 1];
	int tries;              /* requests sent */
	int schema;             /* the last one carried response_format */
	int64_t due_ms;         /* backing off until then (monotonic) */
	struct llm_http http;
};

struct run {
	struct store *st;
	const struct llm_config *cfg;
	ingest_hook_fn hook;
	void *ctx;
	struct llm_report *rep;
	CURLM *multi;
	int64_t *ids;
	size_t nids, next;      /* selection, and the next one to start */
	struct job **wait;      /* backing off before a retry */
	size_t nwait, capwait;
	int running;
	int streak;             /* transport failures in a row */
	int no_schema;          /* the server refused response_format */
	uint64_t rng;
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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t next_rand(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
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
	llm_http_release(&j->http);
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
	return j;
}

static int job_send(struct run *r, struct job *j)
{
	int rc = 0;

	j->schema = r->cfg->schema && !r->no_schema;
	if (!j->http.easy)
		rc = llm_http_init(&j->http, r->cfg,
				   llm_request_body(r->cfg, j->verbatim,
						    j->schema));
	else
		llm_http_rearm(&j->http);
	if (!rc && curl_multi_add_handle(r->multi, j->http.easy) != CURLM_OK)
		rc = -ENOMEM;
	if (rc) {
		mark_failed(r, j->id, err_str(rc));
		job_free(j);
		return rc;
	}
	j->tries++;
	r->running++;
	r->rep->requests++;
	return 0;
}

/* Delay before the next try, or -1 to give up (why says why). */
static long retry_delay(struct run *r, struct job *j, long ra,
			struct buf *why)
{
	long base;

	if (j->tries >= r->cfg->attempts) {
		buf_addf(why, " (after %d tries)", j->tries);
		return -1;
	}
	if (ra >= 0) {
		if (ra > r->cfg->max_wait_ms) {
			buf_addf(why, " (server asks to wait %ld s)", ra / 1000);
			return -1;
		}
		return ra + (long)(next_rand(r) % (uint64_t)(ra / 10 + 1));
	}
	base = r->cfg->backoff_ms;
	for (int i = 1; i < j->tries && base < LLM_BACKOFF_CAP_MS; i++)
		base *= 2;
	if (base > LLM_BACKOFF_CAP_MS)
		base = LLM_BACKOFF_CAP_MS;
	return base / 2 + (long)(next_rand(r) % (uint64_t)(base / 2 + 1));
}

static void job_wait(struct run *r, struct job *j, long delay)
{
	j->due_ms = now_ms() + delay;
	XGROW(r->wait, r->capwait, r->nwait + 1);
	r->wait[r->nwait++] = j;
	r->rep->retries++;
}

/* A 400 naming response_format: an older server that takes no schema.
 * The job is sent again without one, and so is every later job. */
static int schema_refused(struct run *r, struct job *j)
{
	long status = 0;
	const struct buf *b = &j->http.reply;

	curl_easy_getinfo(j->http.easy, CURLINFO_RESPONSE_CODE, &status);
	if (!j->schema || status != 400 || !b->len ||
	    (!memmem(b->p, b->len, "response_format", 15) &&
	     !memmem(b->p, b->len, "json_schema", 11)))
		return 0;
	r->no_schema = 1;
	llm_http_release(&j->http);
	return 1;
}

static void job_done(struct run *r, struct job *j, CURLcode cc)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	char *content = NULL;
	long ra = -1, delay;
	int e = 0, rc;
	enum llm_verdict v = llm_http_verdict(&j->http, r->cfg, cc, &ra, &e,
					      &why);

	/* No HTTP answer at all (refused, timed out, TLS refused...), and
	 * not a retry: the server, not this exchange, is the problem. */
	r->streak = cc != CURLE_OK && v == LLM_FAIL && e != -E2BIG ?
		r->streak + 1 : 0;
	if (v == LLM_FAIL && cc == CURLE_OK && schema_refused(r, j)) {
		buf_release(&why);
		job_wait(r, j, 0);
		return;
	}
	if (v == LLM_RETRY && (delay = retry_delay(r, j, ra, &why)) >= 0) {
		buf_release(&why);
		job_wait(r, j, delay);
		return;
	}
	if (v == LLM_OK) {
		buf_adds(&why, "reply rejected: ");
		rc = llm_reply_content(buf_str(&j->http.reply), j->http.reply.len,
				       &content, &why);
		if (!rc)
			rc = fill(r, j, content, 0, &why);
		if (rc && rc != -ENOENT)
			mark_failed(r, j->id, buf_str(&why));
	} else {
		mark_failed(r, j->id, buf_str(&why));
	}
	free(content);
	buf_release(&why);
	job_free(j);
}

/* --- the loop ----------------------------------------------------------- */

/* Requests allowed in flight: one probe at a time while the server fails
 * at the transport level, else cfg->parallel. */
static int room_for(const struct run *r)
{
	return r->running < (r->streak ? 1 : r->cfg->parallel);
}

static void start_due(struct run *r)
{
	int64_t t = now_ms();

	for (size_t i = 0; i < r->nwait && room_for(r);) {
		struct job *j = r->wait[i];

		if (j->due_ms > t) {
			i++;
			continue;
		}
		r->wait[i] = r->wait[--r->nwait];
		job_send(r, j);
	}
	while (room_for(r) && r->next < r->nids && r->streak < LLM_BREAKER) {
		struct job *j = job_take(r, r->ids[r->next++]);

		if (j)
			job_send(r, j);
	}
}

/* After LLM_BREAKER transport failures in a row, the rest are marked
 * without a request. */
static void trip_breaker(struct run *r)
{
	char why[160];

	snprintf(why, sizeof(why), "not sent: the LLM server failed %d "
		 "times in a row", r->streak);
	for (size_t i = 0; i < r->nwait; i++) {
		mark_failed(r, r->wait[i]->id, why);
		job_free(r->wait[i]);
	}
	r->nwait = 0;
	for (; r->next < r->nids; r->next++) {
		r->rep->selected++;
		mark_failed(r, r->ids[r->next], why);
	}
}

static void drain(struct run *r)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(r->multi, &left))) {
		struct llm_http *h = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&h);
		curl_multi_remove_handle(r->multi, m->easy_handle);
		r->running--;
		/* h is the first member's address: struct job holds it. */
		job_done(r, (struct job *)((char *)h -
			 offsetof(struct job, http)), m->data.result);
	}
}

static int poll_ms(const struct run *r)
{
	int64_t t = now_ms(), soonest = t + 1000;

	for (size_t i = 0; i < r->nwait; i++)
		if (r->wait[i]->due_ms < soonest)
			soonest = r->wait[i]->due_ms;
	return soonest <= t ? 0 : (int)(soonest - t);
}

static void run_loop(struct run *r)
{
	int still = 0;

	for (;;) {
		if (r->streak >= LLM_BREAKER)
			trip_breaker(r);
		start_due(r);
		if (!r->running && !r->nwait && r->next >= r->nids)
			break;
		curl_multi_perform(r->multi, &still);
		drain(r);
		if (r->running || r->nwait)
			curl_multi_poll(r->multi, NULL, 0, poll_ms(r), NULL);
	}
}

int llm_redistill(struct store *st, const struct llm_config *cfg,
		  int64_t project_id, int sel, ingest_hook_fn hook, void *ctx,
		  struct llm_report *rep)
{
	struct run r = { st, cfg, hook, ctx, rep, NULL, NULL, 0, 0, NULL,
			 0, 0, 0, 0, 0 };
	int rc = select_ids(st, project_id, sel, &r.ids, &r.nids);

	if (rc)
		return rc;
	r.rng = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ULL ^
		(uint64_t)getpid() ^ 1;
	if (r.nids) {
		/* llm_http_init does the global init; the multi needs it too. */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		r.multi = curl_multi_init();
		if (!r.multi) {
			free(r.ids);
			return -ENOMEM;
		}
		run_loop(&r);
		curl_multi_cleanup(r.multi);
		curl_global_cleanup();
	}
	free(r.ids);
	free(r.wait);
	return 0;
}

int llm_process_pending(struct store *st, const struct llm_config *cfg,
			int64_t project_id, ingest_hook_fn hook, void *ctx,
			struct llm_report *rep)
{
	return llm_redistill(st, cfg, project_id, LLM_SEL_PENDING, hook, ctx,
			     rep);
}

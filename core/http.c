/* http.c: the one HTTP client (see http.h for the policy).  In order: the
 * retry delay, the requests, the pool (setup, sending, classifying a
 * finished transfer, the wait loop); the texts of its messages are in
 * http_text.c.  Every transfer goes through one curl multi handle per
 * pool, which also keeps connections alive between requests. */
#include "common.h"
#include "http.h"
#include "http_curl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HTTP_BACKOFF_CAP_MS 60000L

#define cu (&http_curl_fn)      /* filled once libcurl is loaded */

/* --- retry delay -------------------------------------------------------- */

long http_retry_delay(const struct http_opts *o, int tries,
		      long retry_after_ms, uint64_t rnd)
{
	long base = o->backoff_ms;

	if (tries >= o->attempts)
		return -1;
	if (retry_after_ms >= 0) {
		if (retry_after_ms > o->max_wait_ms)
			return -1;
		return retry_after_ms +
			(long)(rnd % (uint64_t)(retry_after_ms / 10 + 1));
	}
	for (int i = 1; i < tries && base < HTTP_BACKOFF_CAP_MS; i++)
		base *= 2;
	if (base > HTTP_BACKOFF_CAP_MS)
		base = HTTP_BACKOFF_CAP_MS;
	return base - base / 2 + (long)(rnd % (uint64_t)(base / 2 + 1));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t next_rand(struct http_pool *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

/* --- requests ----------------------------------------------------------- */

void http_req_init(struct http_req *r, char *body, void *data)
{
	memset(r, 0, sizeof(*r));
	r->body = body;
	r->data = data;
	buf_init(&r->reply, BUF_MAX_TEXT);
	buf_init(&r->why, BUF_MAX_SMALL);
}

void http_req_set_body(struct http_req *r, char *body)
{
	free(r->body);
	r->body = body;
}

void http_req_release(struct http_req *r)
{
	if (r->easy)
		cu->easy_cleanup(r->easy);
	free(r->body);
	buf_release(&r->reply);
	buf_release(&r->why);
	memset(r, 0, sizeof(*r));
}

/* --- the pool: setup ---------------------------------------------------- */

void http_pool_init(struct http_pool *p, const struct http_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->url = xstrdup(o->url);
	p->shown = http_shown_url(o->url);
	p->o.url = p->url;
	p->o.key = NULL;
	if (o->key && *o->key) {
		struct buf a = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&a, "Authorization: Bearer %s", o->key);
		p->auth = buf_detach(&a);
		p->o.key = p->auth + strlen("Authorization: Bearer ");
	}
	if (p->o.attempts < 1)
		p->o.attempts = 1;
	if (p->o.parallel < 1)
		p->o.parallel = 1;
	p->rng = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ULL ^
		(uint64_t)getpid() ^ (uint64_t)(uintptr_t)p ^ 1;
}

void http_pool_release(struct http_pool *p)
{
	if (p->multi)
		cu->multi_cleanup(p->multi);
	if (p->headers)
		cu->slist_free_all(p->headers);
	if (p->auth) {
		explicit_bzero(p->auth, strlen(p->auth));
		free(p->auth);
	}
	free(p->url);
	free(p->shown);
	free(p->wait);
	free(p->done);
	memset(p, 0, sizeof(*p));
}

const char *http_pool_url(const struct http_pool *p)
{
	return p->shown;
}

/* libcurl, the multi handle and the headers, at the first send.  0, or
 * -errno with why set. */
static int pool_start(struct http_pool *p, struct buf *why)
{
	struct curl_slist *l = NULL, *t;
	const char *err;

	if (p->multi)
		return 0;
	if (http_curl_load(&err)) {
		buf_adds(why, err);
		return -ENOSYS;
	}
	l = cu->slist_append(NULL, "Content-Type: application/json");
	if (l && (t = cu->slist_append(l, "Expect:")))
		l = t;
	if (l && p->auth && (t = cu->slist_append(l, p->auth)))
		l = t;
	p->multi = l ? cu->multi_init() : NULL;
	if (!p->multi) {
		cu->slist_free_all(l);
		buf_adds(why, "out of memory starting libcurl");
		return -ENOMEM;
	}
	p->headers = l;
	return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;

	if (buf_add(&r->reply, data, size * n) < 0) {
		r->overflow = 1;
		return 0;       /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return size * n;
}

static CURL *easy_new(struct http_pool *p, struct http_req *r)
{
	CURL *e = cu->easy_init();

	if (!e)
		return NULL;
	cu->easy_setopt(e, CURLOPT_URL, p->url);
	cu->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	cu->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	cu->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	cu->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, p->o.connect_timeout_ms);
	cu->easy_setopt(e, CURLOPT_TIMEOUT_MS, p->o.timeout_ms);
	cu->easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			(curl_off_t)p->o.max_reply);
	cu->easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
	cu->easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	cu->easy_setopt(e, CURLOPT_WRITEDATA, r);
	cu->easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	cu->easy_setopt(e, CURLOPT_USERAGENT, "recallfs");
	cu->easy_setopt(e, CURLOPT_PRIVATE, r);
	return e;
}

/* --- the pool: queues --------------------------------------------------- */

static void finish(struct http_pool *p, struct http_req *r)
{
	XGROW(p->done, p->capdone, p->ndone + 1);
	p->done[p->ndone++] = r;
}

static void fail(struct http_pool *p, struct http_req *r, int err,
		 const char *what)
{
	r->err = err;
	buf_reset(&r->why);
	buf_addf(&r->why, "%s: %s", p->shown, what);
	http_scrub(&r->why, p->o.key);
	finish(p, r);
}

static void wait_push(struct http_pool *p, struct http_req *r, long delay)
{
	r->due_ms = now_ms() + delay;
	XGROW(p->wait, p->capwait, p->nwait + 1);
	p->wait[p->nwait++] = r;
}

static struct http_req *wait_take(struct http_pool *p, size_t i)
{
	struct http_req *r = p->wait[i];

	memmove(p->wait + i, p->wait + i + 1,
		(p->nwait - i - 1) * sizeof(*p->wait));
	p->nwait--;
	return r;
}

/* In flight at most: one while the server does not answer. */
static int inflight_cap(const struct http_pool *p)
{
	return p->streak ? 1 : p->o.parallel;
}

static int is_down(const struct http_pool *p)
{
	return p->o.breaker && p->streak >= p->o.breaker;
}

int http_pool_room(const struct http_pool *p)
{
	return (size_t)p->running + p->nwait + p->ndone <
		(size_t)inflight_cap(p);
}

void http_pool_add(struct http_pool *p, struct http_req *r)
{
	wait_push(p, r, 0);
}

static void send_one(struct http_pool *p, struct http_req *r)
{
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	int rc = pool_start(p, &why);

	if (!rc && !r->easy && !(r->easy = easy_new(p, r)))
		rc = -ENOMEM;
	if (rc) {
		fail(p, r, rc, why.len ? why.p : err_str(rc));
		buf_release(&why);
		return;
	}
	buf_release(&why);
	r->reply.max = p->o.max_reply;
	buf_reset(&r->reply);
	buf_reset(&r->why);
	r->overflow = 0;
	r->status = 0;
	r->err = 0;
	r->errbuf[0] = 0;
	cu->easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body ? r->body : "");
	cu->easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			(curl_off_t)(r->body ? strlen(r->body) : 0));
	if (cu->multi_add_handle(p->multi, r->easy) != CURLM_OK) {
		fail(p, r, -ENOMEM, "cannot queue the request");
		return;
	}
	r->tries++;
	p->requests++;
	p->retries += r->tries > 1;
	p->running++;
}

/* Sends what is due while there is room; when the breaker is tripped,
 * what waits fails unsent. */
static void start_due(struct http_pool *p)
{
	int64_t t = now_ms();

	for (size_t i = 0; i < p->nwait;) {
		struct http_req *r = p->wait[i];

		if (is_down(p)) {
			wait_take(p, i);
			if (r->tries) {     /* keeps its own last failure */
				buf_addf(&r->why, " (not retried: the server "
					 "failed %d times in a row)", p->streak);
				finish(p, r);
			} else {
				char m[96];

				snprintf(m, sizeof(m), "not sent: the server "
					 "failed %d times in a row", p->streak);
				fail(p, r, p->down_err, m);
			}
		} else if (r->due_ms <= t && p->running < inflight_cap(p)) {
			send_one(p, wait_take(p, i));
		} else {
			i++;
		}
	}
}

/* --- the pool: a finished transfer -------------------------------------- */

/* Whether a transfer that ended with cc may be tried again. */
static int transport_retryable(struct http_req *r, CURLcode cc)
{
	curl_off_t connect_us = 0;

	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return 1;
	case CURLE_OPERATION_TIMEDOUT:
		/* Only a connection not made in time: a request the server
		 * took and did not answer is not sent again. */
		return cu->easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T,
					&connect_us) == CURLE_OK &&
			connect_us == 0;
	default:
		return 0;
	}
}

/* r->err and r->why for a transfer that got no (complete) answer. */
static int transport_failed(struct http_pool *p, struct http_req *r,
			    CURLcode cc)
{
	int retry;

	r->err = -err_from_curl(cc);
	buf_addf(&r->why, "%s: ", p->shown);
	if (r->overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		r->err = -E2BIG;
		buf_addf(&r->why, "reply too large (more than %zu bytes)",
			 p->o.max_reply);
		return 0;
	}
	retry = transport_retryable(r, cc);
	if (cc == CURLE_OPERATION_TIMEDOUT && !retry)
		buf_addf(&r->why, "timeout: no complete reply within %ld ms",
			 p->o.timeout_ms);
	else
		buf_adds(&r->why, r->errbuf[0] ? r->errbuf :
			 cu->easy_strerror(cc));
	return retry;
}

/* r->err and r->why for an HTTP answer; *ra_ms the Retry-After or -1. */
static int status_failed(struct http_pool *p, struct http_req *r,
			 long *ra_ms)
{
	curl_off_t ra = -1;
	int retry = r->status == 408 || r->status == 429 || r->status >= 500;

	r->err = -err_from_http(r->status);
	buf_addf(&r->why, "%s: HTTP %ld", p->shown, r->status);
	http_excerpt(&r->why, r->reply.p, r->reply.len);
	/* libcurl says 0 for "no Retry-After" too: then the backoff. */
	if (retry && cu->easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra) ==
	    CURLE_OK && ra > 0)
		*ra_ms = ra > 86400 ? 86400000L : (long)ra * 1000;
	return retry;
}

static void transfer_done(struct http_pool *p, struct http_req *r,
			  CURLcode cc)
{
	long ra = -1, delay;
	int retry;

	if (cc == CURLE_OK)
		cu->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc == CURLE_OK && r->status >= 200 && r->status < 300) {
		p->streak = 0;
		finish(p, r);
		return;
	}
	if (cc == CURLE_OK)
		retry = status_failed(p, r, &ra);
	else
		retry = transport_failed(p, r, cc);
	if (cc != CURLE_OK && r->err != -E2BIG) {
		p->streak++;
		p->down_err = r->err;
	} else {
		p->streak = 0;
	}
	delay = retry ? http_retry_delay(&p->o, r->tries, ra, next_rand(p))
		: -1;
	if (retry && delay < 0 && r->tries >= p->o.attempts)
		buf_addf(&r->why, " (after %d tries)", r->tries);
	else if (retry && delay < 0)
		buf_addf(&r->why, " (the server asks to wait %ld s)", ra / 1000);
	else if (retry && is_down(p))
		buf_addf(&r->why, " (not retried: the server failed %d times "
			 "in a row)", p->streak);
	http_scrub(&r->why, p->o.key);
	if (delay < 0 || is_down(p))
		finish(p, r);
	else
		wait_push(p, r, delay);
}

static void drain(struct http_pool *p)
{
	CURLMsg *m;
	int left;

	while ((m = cu->multi_info_read(p->multi, &left))) {
		struct http_req *r = NULL;
		CURLcode cc = m->data.result;   /* m dies with the removal */

		if (m->msg != CURLMSG_DONE)
			continue;
		cu->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		cu->multi_remove_handle(p->multi, m->easy_handle);
		p->running--;
		transfer_done(p, r, cc);
	}
}

/* --- the pool: waiting -------------------------------------------------- */

/* How long to wait for a transfer: until the next request is due, unless
 * no more may be in flight (then a finished transfer wakes the poll). */
static int poll_ms(const struct http_pool *p)
{
	int64_t t = now_ms(), soonest = t + 1000;

	for (size_t i = 0; i < p->nwait && p->running < inflight_cap(p); i++)
		if (p->wait[i]->due_ms < soonest)
			soonest = p->wait[i]->due_ms;
	return soonest <= t ? 0 : (int)(soonest - t);
}

struct http_req *http_pool_next(struct http_pool *p)
{
	int still = 0;

	for (;;) {
		start_due(p);
		if (p->ndone) {
			struct http_req *r = p->done[0];

			memmove(p->done, p->done + 1,
				--p->ndone * sizeof(*p->done));
			return r;
		}
		if (!p->running && !p->nwait)
			return NULL;
		if (p->running) {
			cu->multi_perform(p->multi, &still);
			drain(p);
			if (p->ndone)
				continue;
		}
		if (p->running)
			cu->multi_poll(p->multi, NULL, 0, poll_ms(p), NULL);
		else if (p->nwait)
			usleep((useconds_t)poll_ms(p) * 1000);
	}
}

int http_send(struct http_pool *p, struct http_req *r)
{
	struct http_req *got;

	http_pool_add(p, r);
	while ((got = http_pool_next(p)) && got != r)
		;
	return r->err;
}

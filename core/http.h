/* http.h: the one HTTP client of recallfs: POST a JSON body, read a capped
 * reply.  The LLM distiller (chat completions, many requests in parallel)
 * and the HTTP embedder (one batch at a time) both go through it, so they
 * retry, back off, cap replies, map statuses to errno and hide the key in
 * the same way.
 *
 *   struct http_pool p;                      one endpoint, its settings
 *   http_pool_init(&p, &opts);               (no libcurl yet: cheap)
 *   struct http_req r;
 *   http_req_init(&r, body, NULL);           takes ownership of body
 *   if (http_send(&p, &r)) ... r.why ...     one request with its retries
 *   use r.reply
 *   http_req_release(&r); http_pool_release(&p);
 *
 * Many at once: add requests while http_pool_room() says so, and take each
 * finished one (after its retries) from http_pool_next().
 *
 * Policy, the same for every caller:
 *   - retried: HTTP 408, 429 and 5xx; a connection refused or not made in
 *     time; a connection lost before the reply (nothing received, reset).
 *     Not retried: a request the server took but did not answer within
 *     timeout_ms (sending it again doubles the load on a server already too
 *     slow for it), other statuses, TLS failures, a reply over the cap.
 *   - the delay before try n+1 is backoff_ms * 2^(n-1), capped at 60 s,
 *     jittered to [half, whole]; a Retry-After from the server replaces it
 *     (plus up to 10% jitter), and one longer than max_wait_ms gives up.
 *   - after a failure without an HTTP answer, one request at a time is in
 *     flight until one gets an answer; with breaker set, after that many
 *     such failures in a row the requests still waiting fail unsent.
 *   - the reply is read into a buf capped at max_reply: a longer one fails
 *     fast (Content-Length) or as soon as the cap is passed.
 *   - TLS is verified, redirects are not followed, only http and https.
 *   - errors: r.err is -errno (err_from_http / err_from_curl, core/err.c),
 *     r.why one line "URL: what" with the URL shown without user:password,
 *     an excerpt of an error body, and the key replaced by "[key]".
 *
 * libcurl is loaded at run time (dlopen of libcurl.so.4) the first time a
 * request is sent, so a process that never speaks HTTP never loads it.
 * Without it, every request fails with one line saying so (-ENOSYS). */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct http_opts {
	const char *url;          /* the endpoint, http:// or https:// */
	const char *key;          /* bearer key; NULL or "" for none */
	long connect_timeout_ms;
	long timeout_ms;          /* the whole request */
	int attempts;             /* tries per request, >= 1 */
	long backoff_ms;          /* before the second try */
	long max_wait_ms;         /* longest Retry-After honoured */
	size_t max_reply;         /* reply body cap, bytes */
	int parallel;             /* requests in flight, >= 1 */
	int breaker;              /* failures without an answer in a row that
	                             stop the rest; 0: never */
};

/* One request; lives across its retries. */
struct http_req {
	char *body;               /* the JSON sent (owned) */
	void *data;               /* the caller's */
	long status;              /* HTTP status; 0 without an answer */
	struct buf reply;         /* the body, capped at max_reply */
	int err;                  /* 0 for a 2xx, else -errno */
	struct buf why;           /* one line when err */
	int tries;                /* times sent */
	/* private to http.c */
	void *easy;
	int overflow;
	int64_t due_ms;
	char errbuf[256];
};

struct http_pool {
	struct http_opts o;       /* url and key point to the copies below */
	char *url, *shown, *auth; /* owned; auth = "Authorization: ..." */
	void *multi, *headers;
	struct http_req **wait;   /* to send (new, or backing off) */
	size_t nwait, capwait;
	struct http_req **done;   /* finished, for http_pool_next */
	size_t ndone, capdone;
	int running;              /* in flight */
	int streak;               /* failures without an answer in a row */
	int down_err;             /* the last of them, -errno */
	uint64_t rng;
	size_t requests, retries; /* sent, and of those re-sent */
};

/* Copies o (the strings too).  No libcurl call. */
void http_pool_init(struct http_pool *p, const struct http_opts *o);
/* Frees p.  Requests still queued are not freed (drain p first). */
void http_pool_release(struct http_pool *p);
/* The endpoint as shown in messages (no user:password).  Owned by p. */
const char *http_pool_url(const struct http_pool *p);

/* Takes ownership of body (may be NULL until http_req_set_body). */
void http_req_init(struct http_req *r, char *body, void *data);
/* Replaces the body (to send r again differently); frees the old one. */
void http_req_set_body(struct http_req *r, char *body);
void http_req_release(struct http_req *r);

/* Whether to add another request now: fewer than parallel queued, in
 * flight or waiting to be taken (one while the server does not answer). */
int http_pool_room(const struct http_pool *p);
/* Queues r; it is sent when its turn comes.  r stays the caller's. */
void http_pool_add(struct http_pool *p, struct http_req *r);
/* Waits for the next request that finished (answered, or failed for good
 * after its retries) and returns it; NULL when none is queued. */
struct http_req *http_pool_next(struct http_pool *p);
/* http_pool_add + http_pool_next on an otherwise idle pool: r.err. */
int http_send(struct http_pool *p, struct http_req *r);

/* Delay before the next try after tries sends, given the server's
 * Retry-After in ms (-1: none) and a random number; -1 to give up
 * (attempts spent, or a wait over max_wait_ms). */
long http_retry_delay(const struct http_opts *o, int tries,
		      long retry_after_ms, uint64_t rnd);
/* --- texts safe to print (http_text.c) --------------------------------- */

/* Replaces every copy of key in b by "[key]" (nothing for NULL or ""). */
void http_scrub(struct buf *b, const char *key);
/* Appends ": " and the first 160 bytes of body, control bytes as spaces,
 * cut at a UTF-8 boundary, "..." when cut; nothing for an empty body. */
void http_excerpt(struct buf *out, const char *body, size_t len);
/* "scheme://host/path" of url without a "user:password@" part.  Owned by
 * the caller. */
char *http_shown_url(const char *url);

#endif

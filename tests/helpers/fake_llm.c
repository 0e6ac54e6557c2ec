/* fake_llm.c: a loopback HTTP/1.1 server speaking just enough of the
 * chat-completions and embeddings protocols for the tests of the LLM
 * distiller, the HTTP embedder and core/http.c.
 *
 *   fake_llm [--mode M] [--log FILE] [--lifetime SECONDS]
 *
 * Binds 127.0.0.1 on a free port and prints the port on stdout.  Each
 * POST picks its behaviour from a marker in the request body,
 * "fakellm:MODE" or "fakellm:MODE.TAG" (the exchange text carries it), else
 * --mode (default good).  Counters are per marker, so "r500.a" fails once
 * and then answers well.  Modes:
 *   good       a valid object (specific_context = the marker itself)
 *   fenced     the object inside ```json fences, with prose around
 *   prose      the object amid prose, no fences
 *   object     message.content is a JSON object, not a string
 *   badctx     valid, but a specific_context not in the exchange
 *   malformed  a truncated JSON body
 *   badjson    content that holds no JSON object
 *   schema     four rooms, one of type "topic"
 *   notype     a room without room_type
 *   r429       first 429 with Retry-After: 1, then good
 *   r500       first 500, then good
 *   always500  500 every time
 *   e400       400 every time
 *   closeonce  first closes without answering, then good
 *   hang       reads the request and never answers
 *   huge       200 with Content-Length 50 MB, streamed
 *   hugestream 200 with 50 MB until close, no Content-Length
 *   slow       good after one second
 *   noschema   400 naming response_format when the request has a schema,
 *              else good (an older server)
 *   e404       404 every time
 *   e413       413 every time
 *   echo401    401 whose body echoes the Authorization header it got (as
 *              some servers do: the client must mask the key)
 * A POST to a path ending in /embeddings gets the same behaviours, with
 * "good" (and every mode that ends in good) answering one 4-d vector per
 * input, [length of the text, index, 1, 1].
 * Each request appends a line to the log: "req=N marker=M nth=K
 * inflight=I auth=ok|none schema=1|0"; GET /stats answers "requests=N
 * max_inflight=M".  The key expected in "Authorization: Bearer" comes from
 * $FAKE_LLM_KEY.  The process exits after --lifetime seconds (120). */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD (64 << 10)
#define MAX_BODY (16 << 20)
#define HUGE_BYTES (50L << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *default_mode = "good";
static FILE *log_file;
static long nreq, inflight, max_inflight;
static struct { char name[64]; int n; } counters[512];
static int ncounters;

static int send_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void respond(int fd, int status, const char *extra, const char *body)
{
	char head[512];
	const char *reason = status == 200 ? "OK" : status == 429 ?
		"Too Many Requests" : status == 400 ? "Bad Request" :
		status == 401 ? "Unauthorized" : status == 404 ? "Not Found" :
		status == 413 ? "Payload Too Large" : "Internal Server Error";

	snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: "
		 "application/json\r\nContent-Length: %zu\r\n%sConnection: "
		 "close\r\n\r\n", status, reason, strlen(body), extra ? extra : "");
	if (!send_all(fd, head, strlen(head)))
		send_all(fd, body, strlen(body));
}

static int counter_next(const char *name)
{
	int i;

	for (i = 0; i < ncounters; i++)
		if (!strcmp(counters[i].name, name))
			return ++counters[i].n;
	if (ncounters < (int)(sizeof(counters) / sizeof(counters[0]))) {
		snprintf(counters[ncounters].name, sizeof(counters[0].name),
			 "%s", name);
		counters[ncounters++].n = 1;
	}
	return 1;
}

/* The fields object for marker, in the given flavour. */
static cJSON *fields(const char *marker, const char *mode, int nth)
{
	cJSON *o = cJSON_CreateObject(), *rooms = cJSON_CreateArray();
	int nrooms = !strcmp(mode, "schema") ? 4 : 2;
	char core[160];

	snprintf(core, sizeof(core), "Fake LLM distilled %s on request %d.",
		 marker, nth);
	cJSON_AddStringToObject(o, "exchange_core", core);
	cJSON_AddStringToObject(o, "specific_context", !strcmp(mode, "badctx")
				? "an invented detail that is not there" : marker);
	for (int i = 0; i < nrooms; i++) {
		cJSON *r = cJSON_CreateObject();

		if (strcmp(mode, "notype"))
			cJSON_AddStringToObject(r, "room_type", i == 3 ? "topic" :
						i == 1 ? "workflow" : "concept");
		cJSON_AddStringToObject(r, "room_key", i == 0 ? "fake_llm_room" :
					i == 1 ? "Fake Testing" : "extra_room");
		cJSON_AddStringToObject(r, "room_label", "Fake room");
		cJSON_AddNumberToObject(r, "relevance", i == 0 ? 0.9 : 0.4);
		cJSON_AddItemToArray(rooms, r);
	}
	cJSON_AddItemToObject(o, "room_assignments", rooms);
	return o;
}

static void reply_fields(int fd, const char *marker, const char *mode,
			 int nth)
{
	cJSON *f = fields(marker, mode, nth), *top = cJSON_CreateObject();
	cJSON *choices = cJSON_CreateArray(), *ch = cJSON_CreateObject();
	cJSON *msg = cJSON_CreateObject();
	char *ftext = cJSON_PrintUnformatted(f), *body, *content = NULL;

	cJSON_AddStringToObject(msg, "role", "assistant");
	if (!strcmp(mode, "object")) {
		cJSON_AddItemToObject(msg, "content", f);
		f = NULL;
	} else {
		size_t n = strlen(ftext) + 200;

		content = malloc(n);
		if (!strcmp(mode, "fenced"))
			snprintf(content, n, "Here is the record:\n```json\n%s\n"
				 "```\nDone.", ftext);
		else if (!strcmp(mode, "prose"))
			snprintf(content, n, "Sure. %s Hope that helps.", ftext);
		else if (!strcmp(mode, "badjson"))
			snprintf(content, n, "I cannot produce JSON today.");
		else
			snprintf(content, n, "%s", ftext);
		cJSON_AddStringToObject(msg, "content", content);
	}
	cJSON_AddItemToObject(ch, "message", msg);
	cJSON_AddStringToObject(ch, "finish_reason", "stop");
	cJSON_AddItemToArray(choices, ch);
	cJSON_AddStringToObject(top, "object", "chat.completion");
	cJSON_AddItemToObject(top, "choices", choices);
	body = cJSON_PrintUnformatted(top);
	respond(fd, 200, NULL, body);
	free(body);
	free(content);
	free(ftext);
	cJSON_Delete(f);
	cJSON_Delete(top);
}

static void reply_embeddings(int fd, const char *body)
{
	cJSON *req = cJSON_Parse(body), *in = cJSON_GetObjectItem(req, "input");
	cJSON *top = cJSON_CreateObject(), *data = cJSON_CreateArray(), *t;
	char *out;
	int i = 0;

	cJSON_ArrayForEach(t, in) {
		cJSON *row = cJSON_CreateObject(), *v = cJSON_CreateArray();
		double len = cJSON_IsString(t) ? (double)strlen(t->valuestring) : 0;

		cJSON_AddItemToArray(v, cJSON_CreateNumber(len));
		cJSON_AddItemToArray(v, cJSON_CreateNumber(i));
		cJSON_AddItemToArray(v, cJSON_CreateNumber(1));
		cJSON_AddItemToArray(v, cJSON_CreateNumber(1));
		cJSON_AddNumberToObject(row, "index", i++);
		cJSON_AddItemToObject(row, "embedding", v);
		cJSON_AddItemToArray(data, row);
	}
	cJSON_AddStringToObject(top, "object", "list");
	cJSON_AddItemToObject(top, "data", data);
	out = cJSON_PrintUnformatted(top);
	respond(fd, 200, NULL, out);
	free(out);
	cJSON_Delete(top);
	cJSON_Delete(req);
}

/* 401 with the Authorization header it got in the body. */
static void echo_auth(int fd, const char *req)
{
	const char *a = strcasestr(req, "\r\nauthorization: ");
	char body[512];

	snprintf(body, sizeof(body), "{\"error\":\"bad key %.*s\"}",
		 a ? (int)strcspn(a + 17, "\r\n") : 0, a ? a + 17 : "");
	respond(fd, 401, NULL, body);
}

static void stream_huge(int fd, int with_length)
{
	static char chunk[64 << 10];
	char head[256];

	memset(chunk, 'x', sizeof(chunk));
	if (with_length)
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
			 "application/json\r\nContent-Length: %ld\r\n"
			 "Connection: close\r\n\r\n", HUGE_BYTES);
	else
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
			 "application/json\r\nConnection: close\r\n\r\n");
	if (send_all(fd, head, strlen(head)))
		return;
	send_all(fd, "{\"choices\":\"", 12);
	for (long sent = 0; sent < HUGE_BYTES; sent += (long)sizeof(chunk))
		if (send_all(fd, chunk, sizeof(chunk)))
			return;
}

/* Waits until the client goes away (or forever, bounded by lifetime). */
static void hang(int fd)
{
	char b[4096];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 1000) > 0 && recv(fd, b, sizeof(b), 0) <= 0)
			return;
	}
}

static void behave(int fd, const char *req, const char *body,
		   const char *marker, const char *mode, int nth)
{
	int schema = strstr(body, "\"json_schema\"") != NULL;
	const char *sp = strchr(req, ' '), *path_end = sp ? strchr(sp + 1, ' ') :
		NULL;
	int embed = path_end && path_end - sp > 11 &&
		!strncmp(path_end - 11, "/embeddings", 11);

	if (!strcmp(mode, "malformed"))
		respond(fd, 200, NULL, "{\"choices\": [{\"message\": {\"con");
	else if (!strcmp(mode, "r429") && nth == 1)
		respond(fd, 429, "Retry-After: 1\r\n", "{\"error\":\"slow down\"}");
	else if ((!strcmp(mode, "r500") && nth == 1) || !strcmp(mode, "always500"))
		respond(fd, 500, NULL, "{\"error\":\"internal\"}");
	else if (!strcmp(mode, "e400"))
		respond(fd, 400, NULL, "{\"error\":\"bad request\"}");
	else if (!strcmp(mode, "noschema") && schema)
		respond(fd, 400, NULL, "{\"error\":{\"message\":\"response_format "
			"type json_schema is not supported\"}}");
	else if (!strcmp(mode, "closeonce") && nth == 1)
		return;
	else if (!strcmp(mode, "hang"))
		hang(fd);
	else if (!strcmp(mode, "huge") || !strcmp(mode, "hugestream"))
		stream_huge(fd, !strcmp(mode, "huge"));
	else if (!strcmp(mode, "e404") || !strcmp(mode, "e413"))
		respond(fd, atoi(mode + 1), NULL, "{\"error\":\"no such thing\"}");
	else if (!strcmp(mode, "echo401"))
		echo_auth(fd, req);
	else if (embed)
		reply_embeddings(fd, body);
	else {
		if (!strcmp(mode, "slow"))
			sleep(1);
		reply_fields(fd, marker, mode, nth);
	}
}

/* "fakellm:MODE[.TAG]" in body, else the default mode. */
static void find_marker(const char *body, char *marker, size_t msz,
			char *mode, size_t modesz)
{
	const char *p = strstr(body, "fakellm:");
	size_t n = 0;

	if (!p) {
		snprintf(marker, msz, "default");
		snprintf(mode, modesz, "%s", default_mode);
		return;
	}
	while (n + 1 < msz && (p[n] == ':' || p[n] == '.' ||
	       (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9')))
		n++;
	snprintf(marker, msz, "%.*s", (int)n, p);
	snprintf(mode, modesz, "%.*s", (int)strcspn(marker + 8, "."),
		 marker + 8);
}

/* Reads the head and body of one request into *req; body at *body. */
static int read_request(int fd, char **req, char **body, size_t *blen)
{
	size_t cap = MAX_HEAD + MAX_BODY + 1, len = 0, need = 0;
	char *b = malloc(cap), *end = NULL;

	*req = b;
	while (!end || len < need) {
		ssize_t r = recv(fd, b + len, cap - 1 - len, 0);

		if (r <= 0)
			return -1;
		len += (size_t)r;
		b[len] = 0;
		if (!end && (end = strstr(b, "\r\n\r\n"))) {
			const char *cl = strcasestr(b, "\r\ncontent-length:");
			long n = cl ? atol(cl + 17) : 0;

			if (n < 0 || n > MAX_BODY)
				return -1;
			need = (size_t)(end + 4 - b) + (size_t)n;
		}
		if (!end && len > MAX_HEAD)
			return -1;
	}
	*body = end + 4;
	*blen = len - (size_t)(end + 4 - b);
	return 0;
}

static const char *auth_state(const char *req)
{
	const char *a = strcasestr(req, "\r\nauthorization: bearer ");
	const char *key = getenv("FAKE_LLM_KEY");

	if (!a)
		return "none";
	a += 24;
	return key && !strncmp(a, key, strlen(key)) &&
		a[strlen(key)] == '\r' ? "ok" : "wrong";
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg, nth;
	char *req = NULL, *body = NULL, marker[64], mode[32];
	size_t blen = 0;
	long id;

	if (read_request(fd, &req, &body, &blen))
		goto out;
	if (!strncmp(req, "GET /stats", 10)) {
		char s[128];

		pthread_mutex_lock(&lock);
		snprintf(s, sizeof(s), "requests=%ld max_inflight=%ld\n", nreq,
			 max_inflight);
		pthread_mutex_unlock(&lock);
		respond(fd, 200, NULL, s);
		goto out;
	}
	find_marker(body, marker, sizeof(marker), mode, sizeof(mode));
	pthread_mutex_lock(&lock);
	id = ++nreq;
	nth = counter_next(marker);
	if (++inflight > max_inflight)
		max_inflight = inflight;
	if (log_file) {
		fprintf(log_file, "req=%ld marker=%s nth=%d inflight=%ld auth=%s "
			"schema=%d\n", id, marker, nth, inflight, auth_state(req),
			strstr(body, "\"json_schema\"") != NULL);
		fflush(log_file);
	}
	pthread_mutex_unlock(&lock);
	behave(fd, req, body, marker, mode, nth);
	pthread_mutex_lock(&lock);
	inflight--;
	pthread_mutex_unlock(&lock);
out:
	free(req);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	long lifetime = 120;
	time_t start = time(NULL);

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mode"))
			default_mode = argv[i + 1];
		else if (!strcmp(argv[i], "--log"))
			log_file = fopen(argv[i + 1], "a");
		else if (!strcmp(argv[i], "--lifetime"))
			lifetime = atol(argv[i + 1]);
	}
	signal(SIGPIPE, SIG_IGN);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s, 64) || getsockname(s, (struct sockaddr *)&a, &al)) {
		perror("fake_llm");
		return 1;
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	while (time(NULL) - start < lifetime) {
		struct pollfd p = { s, POLLIN, 0 };
		pthread_t t;
		int c;

		if (poll(&p, 1, 500) <= 0)
			continue;
		c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c))
			close(c);
		else
			pthread_detach(t);
	}
	return 0;
}

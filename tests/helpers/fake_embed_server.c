/* fake_embed_server.c: a loopback HTTP server speaking POST /v1/embeddings
 * for the embedder tests.  Binds 127.0.0.1 on a free port, prints the port
 * on stdout, and serves one scripted behaviour (argv[1]):
 *   ok          200 with one 8-d vector per input; requires "Authorization:
 *               Bearer sekrit-key" (else 401); on SIGTERM exits 0 iff it
 *               served exactly 4 requests
 *   flaky       503, then 429, then 200 (no key needed); exits 0 iff the
 *               third request succeeded
 *   status500 | status400 | status401   that status with a JSON error body
 *               (401 echoes the Authorization header it got, as some
 *               servers do: the client must mask the key)
 *   malformed   200, "embedding" is a string
 *   wrongcount  200, one embedding more than asked for
 *   notjson     200, an HTML page
 *   huge        200, a body of 100 MB (the client must stop reading)
 *   hang        reads the request and never answers
 * The vector for input i of a request whose text has length L is
 * [L, i, 1, 1, 1, 1, 1, 1] (the client normalises it).
 * It stops by itself after 120 s or 200 requests. */
#include "common.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static int served, good;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, int status, const char *body)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	buf_addf(&b, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status,
		 strlen(body), body);
	send_all(fd, b.p, b.len);
	buf_release(&b);
}

/* Reads one request: headers into hdr, body into body.  -1 on EOF. */
static int read_request(int fd, struct buf *hdr, struct buf *body)
{
	char tmp[8192];
	size_t want = 0;
	char *end = NULL;

	while (!end) {
		ssize_t r = read(fd, tmp, sizeof(tmp));

		if (r <= 0 || buf_add(hdr, tmp, (size_t)r) < 0)
			return -1;
		end = strstr(hdr->p, "\r\n\r\n");
	}
	{
		const char *cl = strcasestr(hdr->p, "content-length:");

		want = cl ? strtoul(cl + 15, NULL, 10) : 0;
	}
	buf_add(body, end + 4, hdr->len - (size_t)(end + 4 - hdr->p));
	buf_truncate(hdr, (size_t)(end - hdr->p));
	while (body->len < want) {
		ssize_t r = read(fd, tmp, sizeof(tmp));

		if (r <= 0 || buf_add(body, tmp, (size_t)r) < 0)
			return -1;
	}
	return 0;
}

static void embeddings(int fd, const struct buf *body, int extra)
{
	cJSON *req = cJSON_Parse(buf_str(body));
	cJSON *in = cJSON_GetObjectItem(req, "input"), *t;
	cJSON *model = cJSON_GetObjectItem(req, "model");
	struct buf out = BUF_INIT(BUF_MAX_TEXT);
	int i = 0;

	if (!cJSON_IsArray(in) || !cJSON_IsString(model)) {
		reply(fd, 400, "{\"error\":\"bad request\"}");
		cJSON_Delete(req);
		return;
	}
	buf_adds(&out, "{\"object\":\"list\",\"data\":[");
	cJSON_ArrayForEach(t, in) {
		buf_addf(&out, "%s{\"object\":\"embedding\",\"index\":%d,"
			 "\"embedding\":[%zu,%d,1,1,1,1,1,1]}", i ? "," : "", i,
			 cJSON_IsString(t) ? strlen(t->valuestring) : 0, i);
		i++;
	}
	for (int k = 0; k < extra; k++)
		buf_addf(&out, ",{\"index\":%d,\"embedding\":[1,1,1,1,1,1,1,1]}",
			 i + k);
	buf_addf(&out, "],\"model\":\"%s\"}", model->valuestring);
	reply(fd, 200, out.p);
	buf_release(&out);
	cJSON_Delete(req);
}

static void huge(int fd)
{
	static char chunk[65536];
	const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Content-Length: 104857600\r\n\r\n";

	memset(chunk, ' ', sizeof(chunk));
	send_all(fd, h, strlen(h));
	for (int i = 0; i < 1600; i++) {
		if (write(fd, chunk, sizeof(chunk)) <= 0)
			return;
	}
}

static void serve(int fd, const char *mode)
{
	struct buf hdr = BUF_INIT(1 << 20), body = BUF_INIT(BUF_MAX_TEXT);

	if (read_request(fd, &hdr, &body) < 0)
		goto out;
	served++;
	if (strncmp(hdr.p, "POST /v1/embeddings ", 20)) {
		reply(fd, 404, "{\"error\":\"not found\"}");
	} else if (!strcmp(mode, "ok")) {
		if (!strstr(hdr.p, "\r\nAuthorization: Bearer sekrit-key"))
			reply(fd, 401, "{\"error\":\"no key\"}");
		else
			embeddings(fd, &body, 0);
	} else if (!strcmp(mode, "flaky")) {
		if (served == 1)
			reply(fd, 503, "{\"error\":\"loading model\"}");
		else if (served == 2)
			reply(fd, 429, "{\"error\":\"slow down\"}");
		else {
			embeddings(fd, &body, 0);
			good = served == 3;
		}
	} else if (!strcmp(mode, "status401")) {
		const char *a = strcasestr(hdr.p, "authorization: ");
		struct buf m = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&m, "{\"error\":\"bad key %.*s\"}", a ?
			 (int)strcspn(a + 15, "\r\n") : 0, a ? a + 15 : "");
		reply(fd, 401, m.p);
		buf_release(&m);
	} else if (!strncmp(mode, "status", 6)) {
		reply(fd, atoi(mode + 6), "{\"error\":{\"message\":\"boom\"}}");
	} else if (!strcmp(mode, "malformed")) {
		reply(fd, 200, "{\"data\":[{\"index\":0,\"embedding\":\"no\"}]}");
	} else if (!strcmp(mode, "wrongcount")) {
		embeddings(fd, &body, 1);
	} else if (!strcmp(mode, "notjson")) {
		reply(fd, 200, "<html><body>oops</body></html>");
	} else if (!strcmp(mode, "huge")) {
		huge(fd);
	} else if (!strcmp(mode, "hang")) {
		buf_release(&hdr);
		buf_release(&body);
		return;         /* the connection stays open, unanswered */
	}
out:
	close(fd);
	buf_release(&hdr);
	buf_release(&body);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct sigaction sa;
	const char *mode = argc > 1 ? argv[1] : "ok";
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;        /* no SA_RESTART: accept returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s, 16) || getsockname(s, (struct sockaddr *)&a, &alen)) {
		perror("fake_embed_server");
		return 2;
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	alarm(120);     /* stops by itself */
	while (!stop && served < 200) {
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		serve(c, mode);
	}
	close(s);
	if (!strcmp(mode, "ok"))
		return served == 4 ? 0 : 1;
	if (!strcmp(mode, "flaky"))
		return good ? 0 : 1;
	return 0;
}

/* llm_fixture.h: what the tests of the LLM distiller and of core/http.c
 * share: the loopback fake_llm server (start, stop, count its log lines),
 * a free port nobody listens on, a store with exchanges to distil, and an
 * LLM configuration for the fake (short timeouts and backoff). */
#ifndef LLM_FIXTURE_H
#define LLM_FIXTURE_H

#include "common.h"
#include "llm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

struct fake {
	pid_t pid;
	int port;
	char log[512];
};

static int fake_start(struct fake *f, const char *tag)
{
	const char *b = getenv("RECALLFS_TEST_BUILD");
	char bin[512], port[32] = "";
	int p[2];
	ssize_t n;

	snprintf(bin, sizeof(bin), "%s/tests/fake_llm", b ? b : "build");
	snprintf(f->log, sizeof(f->log), "%s/fake-%s.log", t_tmpdir(), tag);
	setenv("FAKE_LLM_KEY", "sk-test-key-42", 1);
	if (pipe(p))
		return -1;
	f->pid = fork();
	if (f->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(bin, bin, "--log", f->log, "--lifetime", "60", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], port, sizeof(port) - 1);
	close(p[0]);
	f->port = n > 0 ? atoi(port) : 0;
	return f->port ? 0 : -1;
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	f->pid = 0;
}

/* Lines of the fake server's log holding s. */
static int fake_count(const struct fake *f, const char *s)
{
	struct buf b = BUF_INIT(BUF_MAX_TEXT);
	int n = 0;

	buf_read_file(&b, f->log);
	for (const char *p = buf_str(&b); (p = strstr(p, s)); p++)
		n++;
	buf_release(&b);
	return n;
}

static void cfg_for(struct llm_config *cfg, int port)
{
	char url[64];

	llm_config_init(cfg);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	cfg->url = xstrdup(url);
	cfg->key = xstrdup("sk-test-key-42");
	cfg->timeout_ms = 1500;
	cfg->connect_timeout_ms = 1000;
	cfg->backoff_ms = 50;
	cfg->attempts = 3;
	cfg->parallel = 4;
}

static void open_store(struct store *st, const char *name)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), err = BUF_INIT(BUF_MAX_SMALL);

	buf_addf(&path, "%s/%s", t_tmpdir(), name);
	unlink(path.p);
	T_EQ(store_open(path.p, 0, st, &err), 0);
	buf_release(&path);
	buf_release(&err);
}

/* An exchange whose text holds marker and the search word zq<n>. */
static int64_t put(struct store *st, const char *conv, int n,
		   const char *marker, int state)
{
	struct store_exchange x;
	struct buf text = BUF_INIT(4096);
	int64_t pid = 0, cid = 0, id = 0;

	T_EQ(store_project(st, "proj", 1, &pid), 0);
	T_EQ(store_conv_put(st, pid, conv, NULL, NULL, "test", 100, 0, 0, &cid),
	     0);
	buf_addf(&text, "user: please look at zq%d %s in core/x.c\n\n"
		 "assistant: done, the heuristic detail is here.", n, marker);
	memset(&x, 0, sizeof(x));
	x.project_id = pid;
	x.conv_id = cid;
	x.ply_start = (size_t)n * 2;
	x.ply_end = (size_t)n * 2 + 1;
	x.slug = "look";
	x.verbatim = text.p;
	x.d.core = "please look at the heuristic core";
	x.d.context = "heuristic detail";
	x.d.nrooms = 1;
	x.d.rooms[0].type = ROOM_CONCEPT;
	x.d.rooms[0].key = "heuristic_room";
	x.d.rooms[0].label = "heuristic room";
	x.d.rooms[0].relevance = 0.5;
	strv_push(&x.d.files, "core/x.c");
	x.d.distiller = "heuristic";
	x.state = state;
	x.hash = "h";
	T_EQ(store_put_exchange(st, &x, &id), 0);
	strv_clear(&x.d.files);
	buf_release(&text);
	return id;
}

static long qnum(struct store *st, const char *sql, int64_t id)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int free_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(s, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	close(s);
	return port;
}

#endif

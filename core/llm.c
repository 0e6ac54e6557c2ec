/* llm.c: the LLM configuration (config file + environment), the distiller
 * choice, key scrubbing, and the libcurl request for POST
 * {url}/chat/completions with its verdict (OK, retry, fail). */
#include "common.h"
#include "llm.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LLM_MAX_REPLY (4u << 20)

void llm_config_init(struct llm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->model = xstrdup("");
	cfg->connect_timeout_ms = 10000;
	cfg->timeout_ms = 300000;
	cfg->parallel = 4;
	cfg->attempts = 4;
	cfg->backoff_ms = 1000;
	cfg->max_wait_ms = 120000;
	cfg->max_reply = LLM_MAX_REPLY;
	cfg->max_chars = 24000;
	cfg->schema = 1;
}

void llm_config_release(struct llm_config *cfg)
{
	free(cfg->url);
	free(cfg->model);
	if (cfg->key) {
		explicit_bzero(cfg->key, strlen(cfg->key));
		free(cfg->key);
	}
	memset(cfg, 0, sizeof(*cfg));
}

char *llm_config_path(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *e = getenv("RECALLFS_CONFIG");

	if (e && *e)
		return xstrdup(e);
	e = getenv("XDG_CONFIG_HOME");
	if (e && *e == '/')
		buf_addf(&b, "%s/recallfs/config", e);
	else
		buf_addf(&b, "%s/.config/recallfs/config",
			 getenv("HOME") ? getenv("HOME") : ".");
	return buf_detach(&b);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	if (*dst)
		explicit_bzero(*dst, strlen(*dst));
	free(*dst);
	*dst = xstrdup(v);
}

/* One setting by its short name (url, model, key, ...). */
static int set_one(struct llm_config *cfg, const char *name, const char *v)
{
	long n = 0;
	int rc = 0;

	if (!strcmp(name, "url"))
		set_str(&cfg->url, v);
	else if (!strcmp(name, "model"))
		set_str(&cfg->model, v);
	else if (!strcmp(name, "key"))
		set_str(&cfg->key, v);
	else if (!strcmp(name, "parallel") &&
		 !(rc = parse_long(v, 1, 64, &n)))
		cfg->parallel = (int)n;
	else if (!strcmp(name, "attempts") &&
		 !(rc = parse_long(v, 1, 20, &n)))
		cfg->attempts = (int)n;
	else if (!strcmp(name, "timeout_ms") &&
		 !(rc = parse_long(v, 1, 86400000, &n)))
		cfg->timeout_ms = n;
	else if (!strcmp(name, "connect_timeout_ms") &&
		 !(rc = parse_long(v, 1, 600000, &n)))
		cfg->connect_timeout_ms = n;
	else if (!strcmp(name, "backoff_ms") &&
		 !(rc = parse_long(v, 0, 600000, &n)))
		cfg->backoff_ms = n;
	else if (!strcmp(name, "max_wait_ms") &&
		 !(rc = parse_long(v, 0, 3600000, &n)))
		cfg->max_wait_ms = n;
	else if (!strcmp(name, "max_chars") &&
		 !(rc = parse_long(v, 1000, 10000000, &n)))
		cfg->max_chars = (size_t)n;
	else if (!strcmp(name, "schema") && !(rc = parse_long(v, 0, 1, &n)))
		cfg->schema = (int)n;
	else if (!rc)
		return -ENOENT;
	return rc;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Refuses a file someone else owns or can write, or (holding a key) read. */
static int check_perms(int fd, const char *path, const char *data,
		       struct buf *err)
{
	struct stat sb;
	int has_key = strstr(data, "llm_key") != NULL;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (sb.st_uid != geteuid() || (sb.st_mode & 022) ||
	    (has_key && (sb.st_mode & 044))) {
		buf_addf(err, "config file %s: mode %04o, owner uid %u: it must "
			 "belong to you and not be readable or writable by "
			 "others (chmod 600 %s)", path,
			 (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
			 path);
		return -EACCES;
	}
	return 0;
}

static int parse_file(struct llm_config *cfg, const char *path, char *data,
		      struct buf *err)
{
	int lineno = 0;

	for (char *line = data, *next; line; line = next) {
		char *eq, *name, *v;
		int rc;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		name = trim(line);
		if (!*name || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq) {
			buf_addf(err, "config file %s: line %d: expected "
				 "name=value", path, lineno);
			return -EINVAL;
		}
		*eq = 0;
		name = trim(name);
		v = trim(eq + 1);
		if (strncmp(name, "llm_", 4))
			continue;
		rc = set_one(cfg, name + 4, v);
		if (rc) {
			buf_addf(err, "config file %s: line %d: %s '%s'", path,
				 lineno, rc == -ENOENT ? "unknown setting" :
				 "bad value for", name);
			return rc == -ENOENT ? -EINVAL : rc;
		}
	}
	return 0;
}

static int load_file(struct llm_config *cfg, struct buf *err)
{
	char *path = llm_config_path();
	struct buf data = BUF_INIT(1u << 20);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		rc = errno == ENOENT ? 0 : -errno;
		if (rc)
			buf_addf(err, "config file %s: %s", path, strerror(-rc));
		free(path);
		return rc;
	}
	rc = buf_read_fd(&data, fd);
	if (!rc)
		rc = check_perms(fd, path, buf_str(&data), err);
	else
		buf_addf(err, "config file %s: %s", path, err_str(rc));
	close(fd);
	if (!rc && data.len)
		rc = parse_file(cfg, path, data.p, err);
	if (data.p)
		explicit_bzero(data.p, data.len);
	buf_release(&data);
	free(path);
	return rc;
}

static int load_env(struct llm_config *cfg, struct buf *err)
{
	static const char *const names[] = {
		"url", "model", "key", "parallel", "attempts", "timeout_ms",
		"connect_timeout_ms", "backoff_ms", "max_wait_ms", "max_chars",
		"schema",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char var[64], *p;
		const char *v;

		snprintf(var, sizeof(var), "RECALLFS_LLM_%s", names[i]);
		for (p = var; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		v = getenv(var);
		if (!v || !*v)
			continue;
		if (set_one(cfg, names[i], v)) {
			buf_addf(err, "%s: bad value", var);
			return -EINVAL;
		}
	}
	return 0;
}

/* Keeps the base URL: http(s) only, no trailing '/' or /chat/completions. */
static int check_url(struct llm_config *cfg, struct buf *err)
{
	static const char tail[] = "/chat/completions";
	size_t n;

	if (!cfg->url || !*cfg->url) {
		buf_adds(err, "no LLM configured: set RECALLFS_LLM_URL (e.g. "
			 "http://127.0.0.1:8080/v1) or llm_url= in the config "
			 "file");
		return -ENOENT;
	}
	if (strncmp(cfg->url, "http://", 7) && strncmp(cfg->url, "https://", 8)) {
		buf_adds(err, "RECALLFS_LLM_URL: must start with http:// or "
			 "https://");
		return -EINVAL;
	}
	n = strlen(cfg->url);
	if (n > sizeof(tail) - 1 &&
	    !strcmp(cfg->url + n - (sizeof(tail) - 1), tail))
		cfg->url[n -= sizeof(tail) - 1] = 0;
	while (n > 8 && cfg->url[n - 1] == '/')
		cfg->url[--n] = 0;
	return 0;
}

int llm_config_load(struct llm_config *cfg, struct buf *err)
{
	int rc;

	llm_config_init(cfg);
	rc = load_file(cfg, err);
	if (!rc)
		rc = load_env(cfg, err);
	if (!rc)
		rc = check_url(cfg, err);
	llm_scrub(err, cfg->key);
	return rc;
}

int llm_distiller_choose(const char *opt, int *use_llm, struct buf *err)
{
	const char *v = opt ? opt : getenv("RECALLFS_DISTILLER");
	const char *what = opt ? "--distiller" : "RECALLFS_DISTILLER";

	*use_llm = 0;
	if (!v || !*v || !strcmp(v, "heuristic"))
		return 0;
	if (!strcmp(v, "llm")) {
		*use_llm = 1;
		return 0;
	}
	buf_addf(err, "%s: '%s' is not a distiller (heuristic or llm)", what,
		 v);
	return -EINVAL;
}

void llm_scrub(struct buf *b, const char *key)
{
	size_t kn = key ? strlen(key) : 0;
	char *p;

	if (!kn || !b->len)
		return;
	while ((p = memmem(b->p, b->len, key, kn))) {
		struct buf t = BUF_INIT(b->max);
		size_t off = (size_t)(p - b->p);

		buf_add(&t, b->p, off);
		buf_adds(&t, "[key]");
		buf_add(&t, p + kn, b->len - off - kn);
		buf_release(b);
		*b = t;
	}
}

/* --- HTTP --------------------------------------------------------------- */

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct llm_http *h = arg;

	if (buf_add(&h->reply, data, size * n) < 0) {
		h->overflow = 1;
		return 0;       /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return size * n;
}

static int global_rc;

static void global_once(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) ? -EIO : 0;
}

static int global_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, global_once);
	return global_rc;
}

static int set_headers(struct llm_http *h, const struct llm_config *cfg)
{
	struct curl_slist *l = NULL, *t;
	struct buf auth = BUF_INIT(BUF_MAX_SMALL);
	int rc = 0;

	l = curl_slist_append(l, "Content-Type: application/json");
	if (l && (t = curl_slist_append(l, "Expect:")))
		l = t;
	if (l && cfg->key && *cfg->key) {
		rc = buf_addf(&auth, "Authorization: Bearer %s", cfg->key);
		t = rc ? NULL : curl_slist_append(l, auth.p);
		if (t)
			l = t;
		else
			rc = -EINVAL;
		if (auth.p)
			explicit_bzero(auth.p, auth.len);
		buf_release(&auth);
	}
	h->headers = l;
	return !l ? -ENOMEM : rc;
}

int llm_http_init(struct llm_http *h, const struct llm_config *cfg,
		  char *body)
{
	struct buf url = BUF_INIT(BUF_MAX_SMALL);
	CURL *e;
	int rc;

	memset(h, 0, sizeof(*h));
	h->body = body;
	buf_init(&h->reply, cfg->max_reply);
	rc = global_init();
	if (rc)
		return rc;
	e = curl_easy_init();
	if (!e)
		return -ENOMEM;
	h->easy = e;
	rc = set_headers(h, cfg);
	if (!rc)
		rc = buf_addf(&url, "%s/chat/completions", cfg->url);
	if (rc) {
		buf_release(&url);
		return rc;
	}
	curl_easy_setopt(e, CURLOPT_URL, url.p);
	buf_release(&url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)cfg->max_reply);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)strlen(h->body));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "recallfs");
	curl_easy_setopt(e, CURLOPT_PRIVATE, h);
	return 0;
}

void llm_http_rearm(struct llm_http *h)
{
	buf_reset(&h->reply);
	h->overflow = 0;
	h->errbuf[0] = 0;
}

void llm_http_release(struct llm_http *h)
{
	if (h->easy)
		curl_easy_cleanup(h->easy);
	curl_slist_free_all(h->headers);
	free(h->body);
	buf_release(&h->reply);
	memset(h, 0, sizeof(*h));
}

/* A short, printable excerpt of an error body. */
static void add_excerpt(struct buf *why, const struct buf *reply)
{
	size_t n = reply->len < 160 ? reply->len : 160;

	if (!n)
		return;
	buf_adds(why, ": ");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)reply->p[i];

		buf_addc(why, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (n < reply->len)
		buf_adds(why, "...");
}

static enum llm_verdict transport_verdict(struct llm_http *h,
					  const struct llm_config *cfg,
					  CURLcode cc, int *e, struct buf *why)
{
	*e = -err_from_curl(cc);
	if (h->overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		*e = -E2BIG;
		buf_addf(why, "reply larger than %zu bytes", cfg->max_reply);
		return LLM_FAIL;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		buf_addf(why, "no complete reply within %ld ms",
			 cfg->timeout_ms);
	else
		buf_addf(why, "%s", h->errbuf[0] ? h->errbuf :
			 curl_easy_strerror(cc));
	return cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR ||
		cc == CURLE_SEND_ERROR ? LLM_RETRY : LLM_FAIL;
}

enum llm_verdict llm_http_verdict(struct llm_http *h,
				  const struct llm_config *cfg, int curl_code,
				  long *retry_after_ms, int *err_out,
				  struct buf *why)
{
	enum llm_verdict v = LLM_FAIL;
	curl_off_t ra = -1;
	long status = 0;

	*retry_after_ms = -1;
	*err_out = 0;
	if (curl_code != CURLE_OK) {
		v = transport_verdict(h, cfg, (CURLcode)curl_code, err_out, why);
		llm_scrub(why, cfg->key);
		return v;
	}
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return LLM_OK;
	if (status == 429 || status >= 500) {
		v = LLM_RETRY;
		if (curl_easy_getinfo(h->easy, CURLINFO_RETRY_AFTER, &ra) ==
		    CURLE_OK && ra >= 0)
			*retry_after_ms = ra > 86400 ? 86400000L :
				(long)ra * 1000;
	}
	*err_out = status == 429 ? -EAGAIN : status >= 500 ? -EIO :
		status == 401 || status == 403 ? -EACCES : -EPROTO;
	buf_addf(why, "HTTP %ld", status);
	add_excerpt(why, &h->reply);
	llm_scrub(why, cfg->key);
	return v;
}

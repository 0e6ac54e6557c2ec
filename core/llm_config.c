/* llm_config.c: the LLM's settings: defaults, the config file (owner-only
 * when it holds a key), then the RECALLFS_LLM_* environment, which wins;
 * and the distiller choice.  Every getenv of the LLM's settings is here. */
#include "common.h"
#include "http.h"
#include "llm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
	http_scrub(err, cfg->key);
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

/* http_curl.c: loads libcurl when the first HTTP request is made, not at
 * process start.  Linking it would load 30-odd libraries (TLS, Kerberos,
 * LDAP, IDN...) into every recallfs process, costing milliseconds of CPU to
 * commands that never speak HTTP (issue 14).  The table of functions
 * http.c calls is filled once by dlsym, under pthread_once, and never
 * unloaded. */
#include "common.h"
#include "http_curl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The soname of libcurl's ABI 4, from the runtime package (Debian and
 * Ubuntu: libcurl4; Fedora: libcurl). */
#define HTTP_CURL_SONAME "libcurl.so.4"

struct http_curl http_curl_fn;
static int loaded;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SYM(field) { offsetof(struct http_curl, field), "curl_" #field }
static const struct {
	size_t off;
	const char *name;
} syms[] = {
	SYM(easy_init), SYM(easy_setopt), SYM(easy_getinfo),
	SYM(easy_cleanup), SYM(easy_strerror), SYM(slist_append),
	SYM(slist_free_all), SYM(multi_init), SYM(multi_add_handle),
	SYM(multi_remove_handle), SYM(multi_perform), SYM(multi_poll),
	SYM(multi_info_read), SYM(multi_cleanup),
};

static void load(void)
{
	CURLcode (*global_init)(long);
	/* Lazy binding, as when linked: RTLD_NOW would bind every symbol of
	 * libcurl and its 30 libraries up front (3.0M more instructions per
	 * process, measured with callgrind); the functions used here are
	 * bound by dlsym below anyway. */
	void *lib = dlopen(HTTP_CURL_SONAME, RTLD_LAZY | RTLD_LOCAL), *f;

	if (!lib) {
		snprintf(load_error, sizeof(load_error), "HTTP needs libcurl "
			 "(install libcurl4): %s", dlerror());
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
		f = dlsym(lib, syms[i].name);
		if (!f) {
			snprintf(load_error, sizeof(load_error), "%s: no %s (a "
				 "libcurl older than 7.66)", HTTP_CURL_SONAME,
				 syms[i].name);
			return;
		}
		/* POSIX: a data pointer from dlsym holds a function's address. */
		memcpy((char *)&http_curl_fn + syms[i].off, &f, sizeof(f));
	}
	f = dlsym(lib, "curl_global_init");
	if (f)
		memcpy(&global_init, &f, sizeof(f));
	if (!f || global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "%s: curl_global_init "
			 "failed", HTTP_CURL_SONAME);
		return;
	}
	loaded = 1;
}

int http_curl_load(const char **why)
{
	pthread_once(&once, load);
	*why = load_error;
	return loaded ? 0 : -ENOSYS;
}

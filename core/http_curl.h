/* http_curl.h: libcurl as loaded at run time (http_curl.c), for http.c
 * only: the functions http.c calls, as pointers.  curl.h gives the types at
 * build time; nothing links against libcurl. */
#ifndef HTTP_CURL_H
#define HTTP_CURL_H

#include <curl/curl.h>

struct http_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int,
				int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
};

/* The table: filled only inside http_curl_load's pthread_once, so it may
 * be read once a call of http_curl_load in this thread succeeded. */
extern struct http_curl http_curl_fn;

/* Loads libcurl.so.4 and runs curl_global_init, once per process.  0, or
 * -ENOSYS with *why set to one line saying what is missing (static
 * storage). */
int http_curl_load(const char **why);

#endif

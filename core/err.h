/* err.h: every foreign error (SQLite, libcurl, HTTP, PCRE2, parse) becomes an errno
 * here and nowhere else, so FUSE handlers can return -errno and commands can
 * print one line. */
#ifndef ERR_H
#define ERR_H

/* SQLite result code -> positive errno. */
int err_from_sqlite(int rc);
/* libcurl CURLcode -> positive errno. */
int err_from_curl(int code);
/* HTTP status -> positive errno (0 for 2xx). */
int err_from_http(long status);
/* PCRE2 match/compile error -> positive errno. */
int err_from_pcre2(int rc);
/* A short phrase for -errno values, including recallfs's own uses
 * (E2BIG: too large, EILSEQ: not a transcript / malformed). */
const char *err_str(int neg_errno);

#endif

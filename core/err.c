/* err.c: the one place foreign error codes become errno values.  curl.h
 * is here for CURLcode's names only: libcurl is loaded at run time. */
#include "common.h"

#include <curl/curl.h>
#include <errno.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <string.h>

int err_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_ROW: case SQLITE_DONE: return 0;
	case SQLITE_NOMEM: return ENOMEM;
	case SQLITE_BUSY: case SQLITE_LOCKED: return EBUSY;
	case SQLITE_READONLY: return EROFS;
	case SQLITE_FULL: return ENOSPC;
	case SQLITE_CANTOPEN: return ENOENT;
	case SQLITE_PERM: case SQLITE_AUTH: return EACCES;
	case SQLITE_TOOBIG: return E2BIG;
	case SQLITE_CONSTRAINT: return EEXIST;
	case SQLITE_CORRUPT: case SQLITE_NOTADB: return EUCLEAN;
	case SQLITE_INTERRUPT: return EINTR;
	case SQLITE_MISUSE: case SQLITE_RANGE: case SQLITE_MISMATCH: return EINVAL;
	default: return EIO;
	}
}

int err_from_curl(int code)
{
	switch ((CURLcode)code) {
	case CURLE_OK: return 0;
	case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
	case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY: return ENOMEM;
	case CURLE_FILESIZE_EXCEEDED: case CURLE_WRITE_ERROR: return E2BIG;
	case CURLE_URL_MALFORMAT: case CURLE_UNSUPPORTED_PROTOCOL: return EINVAL;
	case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CONNECT_ERROR:
		return EPROTO;
	case CURLE_GOT_NOTHING: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
		return ECONNRESET;
	default: return EIO;
	}
}

int err_from_http(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 401: case 403: return EACCES;
	case 404: case 410: return ENOENT;
	case 408: return ETIMEDOUT;
	case 413: return E2BIG;
	case 429: return EAGAIN;
	default: return status >= 500 && status < 600 ? EIO : EPROTO;
	}
}

int err_from_pcre2(int rc)
{
	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return ENOMEM;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		return E2BIG;
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		return EILSEQ;
	return EINVAL;
}

const char *err_str(int neg_errno)
{
	switch (-neg_errno) {
	case E2BIG: return "too large";
	case EILSEQ: return "not a transcript recallfs can read";
	case EUCLEAN: return "database is corrupt";
	case EBUSY: return "database is busy";
	default: return strerror(-neg_errno);
	}
}

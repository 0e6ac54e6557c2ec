/* test_redact.c: core/redact.h masks each kind of secret it names, keeps
 * the text around it, and leaves ordinary text alone. */
#include "common.h"
#include "redact.h"

#include <string.h>

#include "t.h"

static struct buf out;

static const char *red(const char *in, int want)
{
	buf_release(&out);
	buf_init(&out, BUF_MAX_TEXT);
	T_EQ(redact_text(in, strlen(in), &out), want);
	return buf_str(&out);
}

static void test_tokens(void)
{
	T_STREQ(red("key AKIAIOSFODNN7EXAMPLE here", 1), "key [REDACTED] here");
	T_STREQ(red("ghp_abcdefghijklmnopqrstuvwxyz0123456789", 1), "[REDACTED]");
	T_STREQ(red("use sk-proj-abcdefghijklmnopqrstuvwx now", 1),
		"use [REDACTED] now");
	T_STREQ(red("xoxb-1234567890-abcdefghij", 1), "[REDACTED]");
	T_STREQ(red("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijkl end",
		    1), "jwt [REDACTED] end");
	T_STREQ(red("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", 1),
		"Authorization: Bearer [REDACTED]");
}

static void test_values(void)
{
	T_STREQ(red("postgres://deploy:hunter2@db.example.com/app", 1),
		"postgres://deploy:[REDACTED]@db.example.com/app");
	T_STREQ(red("password=s3cr3tvalue; next", 1),
		"password=[REDACTED]; next");
	T_STREQ(red("\"api_key\": \"abcd1234efgh\"", 1),
		"\"api_key\": \"[REDACTED]\"");
	T_STREQ(red("TOKEN: zzzz9999", 1), "TOKEN: [REDACTED]");
}

static void test_pem(void)
{
	const char *pem = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n"
		"-----END RSA PRIVATE KEY-----\nafter";

	T_STREQ(red(pem, 1), "before\n[REDACTED]\nafter");
	T_STREQ(red("-----BEGIN PRIVATE KEY-----\ncut off", 1), "[REDACTED]");
}

static void test_plain(void)
{
	const char *s = "Raised the retry cap to 5; see https://example.com/a b.";

	T_STREQ(red(s, 0), s);
	T_STREQ(red("", 0), "");
	T_STREQ(red("the password is long enough to matter", 0),
		"the password is long enough to matter");
	buf_release(&out);
}

T_MAIN(test_tokens, test_values, test_pem, test_plain)

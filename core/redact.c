/* redact.c: the secret patterns of redact.h and the masking loop.  A pattern
 * with a capture group masks only group 1 (the value after "password=",
 * the password of a URL); one without masks the whole match. */
#include "common.h"
#include "redact.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <pcre2.h>

static const char *const patterns[] = {
	"-----BEGIN[A-Z ]*PRIVATE KEY-----[\\s\\S]*?"
	"(?:-----END[A-Z ]*PRIVATE KEY-----|\\z)",
	"\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b",
	"\\bgh[pousr]_[A-Za-z0-9]{30,}",
	"\\bgithub_pat_[A-Za-z0-9_]{20,}",
	"\\bsk-[A-Za-z0-9_-]{20,}",
	"\\bxox[abposr]-[A-Za-z0-9-]{10,}",
	"\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
	"\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]+:([^@\\s/]+)@",
	"(?i)\\bbearer\\s+([A-Za-z0-9._~+/=-]{16,})",
	"(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
	"|client[_-]?secret|auth[_-]?token)[\"']?\\s*[=:]\\s*[\"']?"
	"([^\\s\"'&,;<>]{4,})",
	/* Added with the secrets tests (issue 7): kinds the distiller's word
	 * filter (words_secretish) knew and --redact did not. */
	"\\bAIza[0-9A-Za-z_-]{30,}",                  /* Google API key */
	"\\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}",   /* Stripe */
	"\\bglpat-[A-Za-z0-9_-]{20,}",                /* GitLab */
	"\\bhf_[A-Za-z0-9]{30,}",                     /* Hugging Face */
	"\\bnpm_[A-Za-z0-9]{30,}",                    /* npm */
	"(?i)\\bauthorization:\\s*basic\\s+([A-Za-z0-9+/=]{8,})",
};

static pcre2_code *codes[ARRAY_SIZE(patterns)];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int compile_rc;
static uint32_t ngroups_max;   /* capture groups of the pattern with most */

static void compile_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		int e;
		uint32_t g = 0;
		PCRE2_SIZE off;

		codes[i] = pcre2_compile((PCRE2_SPTR)patterns[i],
					 PCRE2_ZERO_TERMINATED, 0, &e, &off,
					 NULL);
		if (!codes[i]) {
			compile_rc = -EINVAL;
			return;
		}
		pcre2_jit_compile(codes[i], PCRE2_JIT_COMPLETE);
		pcre2_pattern_info(codes[i], PCRE2_INFO_CAPTURECOUNT, &g);
		if (g > ngroups_max)
			ngroups_max = g;
	}
}

/* One pattern over in, masked into out.  Count of masks, or -errno.
 * Without any match out is left untouched (no copy). */
static int mask_one(pcre2_code *re, pcre2_match_data *md, const char *in,
		    size_t len, struct buf *out)
{
	uint32_t ngroups = 0;
	size_t pos = 0;
	int n = 0, rc = 0, first = 1;

	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	while (pos <= len) {
		int m = pcre2_match(re, (PCRE2_SPTR)in, len, pos, 0, md, NULL);
		PCRE2_SIZE *ov, a, b;

		if (first && m == PCRE2_ERROR_NOMATCH)
			return 0;
		first = 0;

		if (m < 0) {
			if (m != PCRE2_ERROR_NOMATCH)
				rc = -err_from_pcre2(m);
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		a = ngroups ? ov[2] : ov[0];
		b = ngroups ? ov[3] : ov[1];
		if (a == PCRE2_UNSET || b <= a) {
			/* empty or unset: step past to avoid looping */
			b = ov[1] > pos ? ov[1] : pos + 1;
			if (!rc)
				rc = buf_add(out, in + pos, (b > len ? len : b) - pos);
			pos = b;
			continue;
		}
		rc = buf_add(out, in + pos, a - pos);
		if (!rc)
			rc = buf_adds(out, REDACT_MASK);
		n++;
		pos = b;        /* the rest of the match ("@") is kept */
		if (rc)
			break;
	}
	if (!rc && pos < len)
		rc = buf_add(out, in + pos, len - pos);
	return rc ? rc : n;
}

int redact_text(const char *text, size_t len, struct buf *out)
{
	struct buf cur = BUF_INIT(out->max), next = BUF_INIT(out->max);
	pcre2_match_data *md;
	int total = 0, rc;

	pthread_once(&once, compile_all);
	if (compile_rc)
		return compile_rc;
	/* one block for all patterns: room for the most groups (ngroups_max) */
	if (!(md = pcre2_match_data_create(ngroups_max + 1, NULL)))
		return -ENOMEM;
	rc = buf_add(&cur, text, len);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(codes); i++) {
		int n = mask_one(codes[i], md, buf_str(&cur), cur.len, &next);

		if (n < 0) {
			rc = n;
			break;
		}
		if (!n && !next.len)
			continue;       /* no match: cur stays as it is */
		total += n;
		buf_release(&cur);
		cur = next;
		buf_init(&next, out->max);
	}
	if (!rc)
		rc = buf_add(out, buf_str(&cur), cur.len);
	pcre2_match_data_free(md);
	buf_release(&cur);
	buf_release(&next);
	return rc ? rc : total;
}

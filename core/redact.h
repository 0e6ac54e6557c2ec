/* redact.h: masks secrets in text (PCRE2), for serving a memory with
 * --redact.  What is masked, each replaced by "[REDACTED]":
 *   AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_, gho_, ghu_,
 *   ghs_, ghr_, github_pat_), OpenAI/Anthropic style keys (sk-...), Slack
 *   tokens (xoxb-, xoxp-, ...), JWTs (eyJ...eyJ...sig), PEM private key
 *   blocks (the whole block), the password of a URL (scheme://user:PW@),
 *   the value of password=/passwd=/secret=/token=/api_key=/apikey= style
 *   assignments (also with ':' and quotes), "Bearer TOKEN", and (added
 *   with the issue 7 tests) Google API keys (AIza...), Stripe keys
 *   (sk_live_, rk_test_, ...), GitLab (glpat-), Hugging Face (hf_) and npm
 *   (npm_) tokens, and "Authorization: Basic CREDENTIALS".
 * The patterns are compiled once and shared by every thread. */
#ifndef REDACT_H
#define REDACT_H

#include <stddef.h>

#include "buf.h"

#define REDACT_MASK "[REDACTED]"

/* Appends text (len bytes) to out with every secret masked.  Returns the
 * number of secrets masked (>= 0), or -errno (out unchanged then). */
int redact_text(const char *text, size_t len, struct buf *out);

#endif

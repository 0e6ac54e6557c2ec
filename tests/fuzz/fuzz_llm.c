/* fuzz_llm.c: libFuzzer target for the LLM-reply parser (core/llm.h):
 * the input is a chat-completions body (llm_reply_content) and, on its
 * own, reply content (llm_parse_fields, with a fixed exchange text).
 * Checks: errors are one line; accepted fields obey the schema limits
 * (core 1..LLM_MAX_CORE bytes, or longer only by masked secrets, 1..3
 * rooms, relevance 0..1, no files). */
#include "common.h"
#include "llm.h"
#include "redact.h"
#include "fuzz.h"

static const char verbatim[] =
	"user: the upload retries time out after 30s in upload.c\n\n"
	"assistant: Raised the retry cap to 5 with jittered backoff; "
	"ETIMEDOUT after 30s in upload.c:212 is gone. token=abcd1234secret";

static void llm_fields(const char *content)
{
	struct distill d;
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	int rc = llm_parse_fields(content, verbatim, "fallback detail", &d,
				  &why);

	if (rc) {
		FUZZ_ASSERT(rc == -EBADMSG);
		FUZZ_ASSERT(fuzz_one_line(buf_str(&why), why.len));
	} else {
		FUZZ_ASSERT(d.core && d.core[0]);
		/* masking a secret may lengthen a core validated at 600 */
		FUZZ_ASSERT(strlen(d.core) <= LLM_MAX_CORE ||
			    strstr(d.core, REDACT_MASK));
		FUZZ_ASSERT(d.context);
		FUZZ_ASSERT(d.nrooms >= 1 && d.nrooms <= DISTILL_MAX_ROOMS);
		for (int i = 0; i < d.nrooms; i++) {
			FUZZ_ASSERT(d.rooms[i].key && d.rooms[i].label);
			FUZZ_ASSERT(d.rooms[i].relevance >= 0 &&
				    d.rooms[i].relevance <= 1);
			FUZZ_ASSERT(d.rooms[i].type <= ROOM_WORKFLOW);
		}
		FUZZ_ASSERT(d.files.n == 0);
	}
	distill_release(&d);
	buf_release(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *content = NULL;
	struct buf why = BUF_INIT(BUF_MAX_SMALL);
	int rc = llm_reply_content(s, size, &content, &why);

	if (rc) {
		FUZZ_ASSERT(content == NULL);
		FUZZ_ASSERT(fuzz_one_line(buf_str(&why), why.len));
	} else {
		FUZZ_ASSERT(content);
		llm_fields(content);
	}
	llm_fields(s);
	free(content);
	buf_release(&why);
	free(s);
	return 0;
}

/* fuzz_redact.c: libFuzzer target for the secret masker (core/redact.h).
 * Checks: it never fails on any text, its own output included (a second
 * pass over masked text, as a view over an export would do). */
#include "common.h"
#include "redact.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT(BUF_MAX_TEXT), b = BUF_INIT(BUF_MAX_TEXT);
	char *s = fuzz_bytes(data, size);
	int n = redact_text(s, size, &a);

	FUZZ_ASSERT(n >= 0);
	FUZZ_ASSERT(redact_text(buf_str(&a), a.len, &b) >= 0);
	buf_release(&a);
	buf_release(&b);
	free(s);
	return 0;
}

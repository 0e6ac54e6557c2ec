/* fuzz_detect.c: libFuzzer target for format detection and the whole
 * reader entry: tx_detect, then tx_read with TX_UNKNOWN (detection, the
 * chosen reader, or the one-line diagnosis of what the input is not).
 * The format tx_read reports must be the one tx_detect chose. */
#include "fuzz_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d = fuzz_bytes(data, size);
	struct tx_set set = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	enum tx_format f = tx_detect(d, size);
	int rc;

	FUZZ_ASSERT(f <= TX_TEXT);
	FUZZ_ASSERT(tx_format_parse(tx_format_name(f)) == f);
	rc = tx_read("-", d, size, TX_UNKNOWN, &set, &err);
	fuzz_check_set(rc, &set, &err, 1);
	if (!rc)
		FUZZ_ASSERT(set.format == f);
	if (f == TX_UNKNOWN)
		FUZZ_ASSERT(rc < 0);
	tx_set_release(&set);
	buf_release(&err);
	free(d);
	return 0;
}

/* fuzz_codex.c: libFuzzer target for the codex transcript reader
 * (tx_read with the format forced, so every input reaches tx_read_codex). */
#include "fuzz_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d = fuzz_bytes(data, size);
	struct tx_set set = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc = tx_read("fuzz/session.jsonl", d, size, TX_CODEX,
			 &set, &err);

	fuzz_check_set(rc, &set, &err, 1);
	tx_set_release(&set);
	buf_release(&err);
	free(d);
	return 0;
}

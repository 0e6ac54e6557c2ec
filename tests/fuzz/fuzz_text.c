/* fuzz_text.c: libFuzzer target for the text transcript reader
 * (tx_read with the format forced, so every input reaches tx_read_text). */
#include "fuzz_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, TX_TEXT);
}

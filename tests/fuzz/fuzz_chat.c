/* fuzz_chat.c: libFuzzer target for the chat transcript reader
 * (tx_read with the format forced, so every input reaches tx_read_chat). */
#include "fuzz_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, TX_CHAT);
}

/* fuzz_tx.h: checks of a reader's result, shared by the transcript targets:
 * on success every conversation has an id and at least one ply, every ply
 * text is clean UTF-8 (tx_conv_add's promise), counts within the limits;
 * on failure one line of error and an empty set. */
#ifndef FUZZ_TX_H
#define FUZZ_TX_H

#include "common.h"
#include "tx.h"
#include "fuzz.h"

static inline void fuzz_check_set(int rc, const struct tx_set *set,
				  const struct buf *err, int from_tx_read)
{
	if (rc) {
		FUZZ_ASSERT(rc < 0);
		FUZZ_ASSERT(fuzz_one_line(buf_str(err), err->len));
		if (from_tx_read)
			FUZZ_ASSERT(set->n == 0 && set->conv == NULL);
		return;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct tx_conv *c = &set->conv[i];

		FUZZ_ASSERT(c->id && c->id[0]);
		FUZZ_ASSERT(!from_tx_read || c->nmsg > 0);
		FUZZ_ASSERT(c->nmsg <= TX_MAX_MSGS);
		for (size_t k = 0; k < c->nmsg; k++) {
			FUZZ_ASSERT(c->msg[k].text);
			FUZZ_ASSERT(fuzz_clean_text(c->msg[k].text));
			FUZZ_ASSERT(c->msg[k].role <= TX_SYSTEM);
		}
	}
	if (err->len)   /* the truncated-last-line note */
		FUZZ_ASSERT(fuzz_one_line(buf_str(err), err->len));
}

/* One input through tx_read with the format forced, then the checks above:
 * the body of every reader target. */
static inline int fuzz_reader(const uint8_t *data, size_t size,
			      enum tx_format format)
{
	char *d = fuzz_bytes(data, size);
	struct tx_set set = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc = tx_read("fuzz/session.jsonl", d, size, format, &set, &err);

	fuzz_check_set(rc, &set, &err, 1);
	tx_set_release(&set);
	buf_release(&err);
	free(d);
	return 0;
}

#endif

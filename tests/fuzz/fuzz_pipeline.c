/* fuzz_pipeline.c: libFuzzer target for what runs on a transcript after a
 * reader accepts it: segmentation (seg_split, seg_verbatim) and the
 * heuristic distiller with files_touched, as ingest does per exchange.
 * Checks: exchanges lie inside the conversation, in order, without
 * overlap; distilled fields are set and rooms obey their bounds. */
#include "fuzz_tx.h"
#include "distill.h"
#include "segment.h"

static void pipeline_exchanges(const struct tx_conv *c)
{
	struct seg_list l = SEG_LIST_INIT;

	seg_split(c, &l);
	for (size_t i = 0; i < l.n && i < 64; i++) {
		const struct seg_exchange *x = &l.x[i];
		struct buf v = BUF_INIT(BUF_MAX_TEXT);
		struct distill d;
		struct distill_input in;

		FUZZ_ASSERT(x->ply_start <= x->ply_end);
		FUZZ_ASSERT(x->ply_end < c->nmsg);
		FUZZ_ASSERT(i == 0 || x->ply_start > l.x[i - 1].ply_end);
		if (seg_verbatim(c, x->ply_start, x->ply_end, &v)) {
			buf_release(&v);
			continue;
		}
		memset(&d, 0, sizeof(d));
		in = (struct distill_input){ c, x->ply_start, x->ply_end,
					     buf_str(&v) };
		if (!distill_heuristic(&in, &d)) {
			FUZZ_ASSERT(d.core && d.context);
			FUZZ_ASSERT(d.nrooms >= 0 &&
				    d.nrooms <= DISTILL_MAX_ROOMS);
			for (int k = 0; k < d.nrooms; k++)
				FUZZ_ASSERT(d.rooms[k].key &&
					    d.rooms[k].key[0]);
		}
		distill_release(&d);
		buf_release(&v);
	}
	seg_list_release(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d = fuzz_bytes(data, size);
	struct tx_set set = TX_SET_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);

	if (!tx_read("-", d, size, TX_UNKNOWN, &set, &err))
		for (size_t i = 0; i < set.n; i++)
			pipeline_exchanges(&set.conv[i]);
	tx_set_release(&set);
	buf_release(&err);
	free(d);
	return 0;
}

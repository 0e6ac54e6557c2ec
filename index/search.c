/* search.c: idx_search, the one entry of a search: resolves filters, runs
 * the signals of the mode (BM25 in fts.c, vectors through vec.h), fuses
 * them (fuse.c), optionally keeps one exchange per conversation, and cuts
 * to the limit. */
#include "common.h"
#include "search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "embed.h"
#include "vec.h"

static const char *const sig_names[IDX_NSIG] = {
	"verbatim", "distilled", "vector", "vector_verbatim",
};

const char *idx_sig_name(int sig)
{
	return sig >= 0 && sig < IDX_NSIG ? sig_names[sig] : "?";
}

#define SIG(s) (1u << (s))
#define SIG_VEC (SIG(IDX_SIG_VECTOR) | SIG(IDX_SIG_VECTOR_VERBATIM))

unsigned idx_mode_signals(int mode)
{
	switch (mode) {
	case IDX_MODE_VERBATIM:
		return SIG(IDX_SIG_VERBATIM);
	case IDX_MODE_DISTILLED:
		return SIG(IDX_SIG_DISTILLED);
	case IDX_MODE_VECTOR:
		return SIG_VEC;
	case IDX_MODE_CROSS:
		return SIG(IDX_SIG_VERBATIM) | SIG(IDX_SIG_VECTOR);
	default:
		return SIG(IDX_SIG_VERBATIM) | SIG(IDX_SIG_DISTILLED) | SIG_VEC;
	}
}

void idx_opts_default(struct idx_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fusion = IDX_FUSE_WEIGHTED;
	o->weight[IDX_SIG_VERBATIM] = 1.0;
	o->weight[IDX_SIG_DISTILLED] = 1.0;
	o->weight[IDX_SIG_VECTOR] = 1.0;
	o->weight[IDX_SIG_VECTOR_VERBATIM] = 1.0;
	o->depth = IDX_DEPTH_DEFAULT;
}

void idx_results_release(struct idx_results *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Vector signals of mask for q->text, within f, k each. */
static int run_vectors(struct store *st, const struct idx_query *q,
		       const struct idx_opts *o, const struct idx_filter *f,
		       unsigned mask, size_t k, struct idx_list *lists,
		       struct buf *err)
{
	struct emb *e = o->emb;
	const char *text = q->text;
	float *qv = NULL;
	size_t kk = idx_filter_narrow(f) ? k * 20 : k, n = 0;
	struct vec_hit *hits = xcalloc(kk, sizeof(*hits));
	int rc = 0;

	if (!e)
		rc = emb_open(&e, err);
	if (!rc)
		rc = emb_embed_alloc(e, &text, 1, &qv, err);
	for (int s = IDX_SIG_VECTOR; !rc && s <= IDX_SIG_VECTOR_VERBATIM;
	     s++) {
		if (!(mask & SIG(s)))
			continue;
		rc = vec_search(st, e, s == IDX_SIG_VECTOR ? VEC_DISTILLED :
				VEC_VERBATIM, qv, f->project_id, kk, hits, &n);
		for (size_t i = 0; !rc && i < n; i++)
			idx_list_push(&lists[s], hits[i].id, hits[i].score);
		if (!rc && idx_filter_narrow(f))
			rc = idx_filter_apply(st, f, &lists[s]);
		if (!rc && lists[s].n > k)
			lists[s].n = k;
	}
	free(qv);
	free(hits);
	if (e && e != o->emb)
		emb_close(e);
	return rc;
}

static int run_signals(struct store *st, const struct idx_query *q,
		       const struct idx_opts *o, const struct idx_filter *f,
		       unsigned mask, size_t k, struct idx_list *lists,
		       struct buf *err)
{
	struct buf match = BUF_INIT(IDX_QUERY_MAX * 4);
	int rc = idx_query_fts(q, &match);

	for (int s = IDX_SIG_VERBATIM; !rc && s <= IDX_SIG_DISTILLED; s++)
		if ((mask & SIG(s)) && match.len)
			rc = idx_fts_search(st, s, buf_str(&match), f, k,
					    &lists[s]);
	if (rc && !err->len)
		buf_addf(err, "full-text search failed: %s",
			 sqlite3_errmsg(st->db));
	buf_release(&match);
	if (rc || !(mask & SIG_VEC) || !q->text[0])
		return rc;
	rc = run_vectors(st, q, o, f, mask, k, lists, err);
	/* A fused mode still answers by words when the embedder fails. */
	if (rc && (mask & ~SIG_VEC)) {
		for (int s = IDX_SIG_VECTOR; s < IDX_NSIG; s++)
			lists[s].n = 0;
		buf_reset(err);
		rc = 0;
	}
	return rc;
}

/* Keeps the first (best) hit of each conversation. */
static int dedup_convs(struct store *st, struct idx_results *res)
{
	sqlite3_stmt *s;
	int64_t *conv = xcalloc(res->n + 1, sizeof(*conv));
	size_t w = 0;
	int rc = sqlite3_prepare_v2(st->db, "SELECT conversation_id FROM "
				    "exchanges WHERE id = ?", -1, &s, NULL);

	for (size_t i = 0; !rc && i < res->n; i++) {
		int dup = 0;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, res->v[i].id);
		if (sqlite3_step(s) == SQLITE_ROW)
			conv[w] = sqlite3_column_int64(s, 0);
		for (size_t j = 0; j < w && !dup; j++)
			dup = conv[j] == conv[w];
		if (!dup)
			res->v[w++] = res->v[i];
	}
	sqlite3_finalize(s);
	free(conv);
	if (!rc)
		res->n = w;
	return -err_from_sqlite(rc);
}

/* No words: the newest exchanges within f, score 0, no signal. */
static int browse(struct store *st, const struct idx_filter *f, size_t k,
		  struct idx_results *res)
{
	struct idx_list l = { NULL, 0, 0 };
	int rc = idx_fts_browse(st, f, k, &l);

	for (size_t i = 0; !rc && i < l.n; i++) {
		XGROW(res->v, res->cap, res->n + 1);
		memset(&res->v[res->n], 0, sizeof(res->v[0]));
		res->v[res->n++].id = l.v[i].id;
	}
	idx_list_release(&l);
	return rc;
}

static int resolve_filter(struct store *st, const struct idx_query *q,
			  struct idx_filter *f, int *none)
{
	int rc;

	memset(f, 0, sizeof(*f));
	*none = 0;
	f->room = q->room;
	f->file = q->file;
	f->since = q->since;
	f->until = q->until;
	if (!q->project)
		return 0;
	rc = store_project(st, q->project, 0, &f->project_id);
	if (rc == -ENOENT || rc == -EINVAL) {
		*none = 1;
		rc = 0;
	}
	return rc;
}

int idx_search(struct store *st, const struct idx_query *q,
	       const struct idx_opts *o, struct idx_results *res,
	       struct buf *err)
{
	struct idx_opts def;
	struct idx_list lists[IDX_NSIG];
	struct idx_filter f;
	int mode = q->mode < 0 ? IDX_MODE_DEFAULT : q->mode, none, rc;
	unsigned mask = idx_mode_signals(mode);
	size_t k;

	if (!o) {
		idx_opts_default(&def);
		o = &def;
	}
	k = o->depth > q->limit ? o->depth : q->limit;
	memset(lists, 0, sizeof(lists));
	res->n = 0;
	res->mode = mode;
	rc = resolve_filter(st, q, &f, &none);
	if (rc || none)
		return rc;
	if (!q->text[0])
		rc = browse(st, &f, q->limit, res);
	else
		rc = run_signals(st, q, o, &f, mask, k, lists, err);
	if (!rc && q->text[0])
		idx_fuse(lists, mask, o, res);
	if (!rc && o->dedup)
		rc = dedup_convs(st, res);
	if (res->n > q->limit)
		res->n = q->limit;
	for (int s = 0; s < IDX_NSIG; s++)
		idx_list_release(&lists[s]);
	return rc;
}

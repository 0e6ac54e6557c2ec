/* search.c: idx_search, the one entry of a search: resolves filters, runs
 * the signals of the mode (BM25 in fts.c, vectors through vec.h), fuses
 * them (fuse.c), optionally keeps one exchange per conversation, and cuts
 * to the limit. */
#include "common.h"
#include "search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
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

/* Measured with `recallfs eval` on the 5 LoCoMo conversations (760
 * queries, contrib/locomo2chat), built-in hashed embedder:
 *   verbatim BM25, IDF over all projects              MRR .563
 *   verbatim BM25, IDF within the searched project    MRR .576
 *   hybrid, RRF k=60, equal weights                   MRR .536
 *   hybrid, min-max weighted 1/.5/.5/.5               MRR .555
 *   hybrid, weighted 1/.2/.2/.2                       MRR .573
 *   hybrid, weighted 1/.2/.2/.2 + neighbours .25      MRR .589
 *   the same + month/year in the query match date .5  MRR .601 (default)
 *   the same, best exchange per conversation only     MRR .53
 * (the date weight measured .596 at .3, .605 at 1; .5 leaves words the
 * larger say when a number or a month name is not meant as a date).
 * The built-in vectors and the distilled BM25 are lexical like the
 * verbatim BM25 and add little to it; they keep a small weight so a
 * semantic embedder (RECALLFS_EMBED_URL) has its say.  k1 1.2, b 0.75 are
 * the usual values (b .4 measured .549 vs .535 on LoCoMo's short,
 * even-length turns, but coding exchanges vary a lot in length).
 * Tried and left out (same data, default .603; verbatim .576):
 *   RM3 pseudo-relevance feedback on both BM25 signals (10 exchanges,
 *   10 words, query weight .5, the Anserini defaults)   hybrid .567,
 *   verbatim .542; 3 exchanges, weight .3                hybrid .591;
 *   its list fused with the first pass at .3 or .5       hybrid .595, .593
 *   neighbouring query words as phrases, weight .5 / 1   hybrid .602, .596
 *   distilled weight .4 / .6 (vectors .2)                hybrid .601, .598
 *   neighbours .15 / .35 / .5                            .596 .592 .580
 *   BM25 times 1 + c * (IDF share of the query words matched), a
 *   coordination factor, c .5 / 1: verbatim .579 .585, hybrid .608 .609
 *   BM25 k1 .9, b .4 (Anserini's)  every mode ~+.011: verbatim .590,
 *   hybrid .614 -- the margin does not grow, and see above on b. */
void idx_opts_default(struct idx_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fusion = IDX_FUSE_WEIGHTED;
	o->weight[IDX_SIG_VERBATIM] = 1.0;
	o->weight[IDX_SIG_DISTILLED] = 0.2;
	o->weight[IDX_SIG_VECTOR] = 0.2;
	o->weight[IDX_SIG_VECTOR_VERBATIM] = 0.2;
	o->smooth = 0.25;
	o->dates = 0.5;
	o->depth = IDX_DEPTH_DEFAULT;
	o->k1 = 1.2;
	o->b = 0.75;
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
	double *idf = xcalloc(q->words.n + 1, sizeof(*idf));
	struct idx_bm25 bm = { o->k1, o->b, NULL, q->words.n };
	int rc = idx_query_fts(q, &match);

	for (int s = IDX_SIG_VERBATIM; !rc && s <= IDX_SIG_DISTILLED; s++) {
		if (!(mask & SIG(s)) || !match.len)
			continue;
		if (f->project_id && !o->global_idf) {
			rc = idx_fts_project_idf(st, s, q, f->project_id, idf);
			bm.idf = idf;
		}
		if (!rc)
			rc = idx_fts_search(st, s, buf_str(&match), &bm, f, k,
					    &lists[s]);
	}
	free(idf);
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

static int cmp_hit_score(const void *a, const void *b)
{
	const struct idx_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static ssize_t hit_index(const struct idx_results *res, int64_t id)
{
	for (size_t i = 0; i < res->n; i++)
		if (res->v[i].id == id)
			return (ssize_t)i;
	return -1;
}

/* Session context: each hit gains alpha times the (pre-smoothing) score of
 * the hits just before and after it in the same conversation, so an
 * exchange next to the best match, which often holds the answer to it,
 * rises.  Measured on LoCoMo, see idx_opts_default. */
static int smooth_neighbours(struct store *st, struct idx_results *res,
			     double alpha)
{
	static const char sql[] =
		"SELECT (SELECT p.id FROM exchanges p WHERE"
		"  p.conversation_id = e.conversation_id AND"
		"  p.ply_start < e.ply_start ORDER BY p.ply_start DESC LIMIT 1),"
		" (SELECT n.id FROM exchanges n WHERE"
		"  n.conversation_id = e.conversation_id AND"
		"  n.ply_start > e.ply_start ORDER BY n.ply_start LIMIT 1)"
		" FROM exchanges e WHERE e.id = ?";
	double *base = xcalloc(res->n + 1, sizeof(*base));
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	for (size_t i = 0; i < res->n; i++)
		base[i] = res->v[i].score;
	for (size_t i = 0; !rc && i < res->n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, res->v[i].id);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? 0 : rc;
			continue;
		}
		for (int c = 0; c < 2; c++) {
			ssize_t k = sqlite3_column_type(s, c) == SQLITE_NULL ?
				-1 : hit_index(res, sqlite3_column_int64(s, c));

			if (k >= 0)
				res->v[i].score += alpha * base[k];
		}
		rc = 0;
	}
	sqlite3_finalize(s);
	free(base);
	if (!rc && res->n)
		qsort(res->v, res->n, sizeof(*res->v), cmp_hit_score);
	return -err_from_sqlite(rc);
}

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

/* The month names (1..12) and years (1970..2199) among q's words, as
 * codes: month m is m, year y is y.  Returns how many (<= max).  An
 * exchange's date is its t_start in UTC. */
static size_t query_dates(const struct idx_query *q, int *codes, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < q->words.n && n < max; i++) {
		const char *w = q->words.v[i];
		char *end;
		long y = strtol(w, &end, 10);

		if (strlen(w) == 4 && !*end && y >= 1970 && y < 2200) {
			codes[n++] = (int)y;
			continue;
		}
		/* "may" is a month only as "May" */
		for (int m = 0; m < 12 && n < max; m++)
			if (!strcasecmp(w, month_names[m]) &&
			    (m != 4 || w[0] == 'M'))
				codes[n++] = m + 1;
	}
	return n;
}

/* A month or year in the query is a strong hint: each hit gains w times
 * the share of those the exchange's date matches. */
static int date_boost(struct store *st, const struct idx_query *q,
		      struct idx_results *res, double w)
{
	int codes[8];
	size_t nd = query_dates(q, codes, ARRAY_SIZE(codes));
	sqlite3_stmt *s;
	int rc;

	if (!nd)
		return 0;
	rc = sqlite3_prepare_v2(st->db, "SELECT t_start FROM exchanges WHERE "
				"id = ?", -1, &s, NULL);
	for (size_t i = 0; !rc && i < res->n; i++) {
		time_t t;
		struct tm tm;
		size_t hit = 0;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, res->v[i].id);
		if (sqlite3_step(s) != SQLITE_ROW)
			continue;
		t = (time_t)sqlite3_column_int64(s, 0);
		if (!t || !gmtime_r(&t, &tm))
			continue;
		for (size_t k = 0; k < nd; k++)
			hit += codes[k] == tm.tm_mon + 1 ||
				codes[k] == tm.tm_year + 1900;
		res->v[i].score += w * (double)hit / (double)nd;
	}
	sqlite3_finalize(s);
	if (!rc && res->n)
		qsort(res->v, res->n, sizeof(*res->v), cmp_hit_score);
	return -err_from_sqlite(rc);
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
	if (!rc && q->text[0] && o->dates > 0 && (mask & (mask - 1)))
		rc = date_boost(st, q, res, o->dates);
	if (!rc && q->text[0] && o->smooth > 0 && (mask & (mask - 1)))
		rc = smooth_neighbours(st, res, o->smooth);
	if (!rc && o->dedup)
		rc = dedup_convs(st, res);
	if (res->n > q->limit)
		res->n = q->limit;
	for (int s = 0; s < IDX_NSIG; s++)
		idx_list_release(&lists[s]);
	return rc;
}

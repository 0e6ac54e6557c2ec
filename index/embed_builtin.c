/* embed_builtin.c: the built-in embedder: offline, deterministic.
 * A text becomes a bag of features
 *   - each word that is not a stop word, Porter-stemmed exactly as the FTS5
 *     index stems it (SQLite's own "porter unicode61 remove_diacritics 2"
 *     tokenizer, reached through fts5_api on a private in-memory database);
 *   - the character 3-, 4- and 5-grams of each such word, with word
 *     boundaries ("<paint>"), which catch inflections and compounds the
 *     stemmer misses, at a lower weight;
 * weighted by sublinear term frequency (1 + ln tf) and folded into `dim`
 * signed buckets by a 64-bit hash (the "hashing trick": an unbiased random
 * projection of the sparse TF vector).  The cosine of two such vectors
 * approximates the cosine of their sparse feature vectors.
 *
 * With the optional word vectors (embed_words.c) the vector gets a second
 * part: the SIF-weighted sum of the GloVe vectors of the words, and the
 * cosine becomes W_LEX * lexical + (1 - W_LEX) * word-vector cosine.
 *
 * The design and its weights were chosen by measuring MRR on LoCoMo
 * (prototypes, then `recallfs eval` on contrib/locomo2chat output): Porter
 * stems beat raw words by +.09, character n-grams added +.01, a fixed IDF
 * from a general frequency list (GloVe rank) made it worse, so there is
 * none; 384 buckets lose .04 against the exact sparse cosine, 1024 buckets
 * .02.  `recallfs eval`, vector mode: lexical .417, with word vectors .463
 * (W_LEX .3 .466, .5 .463, .7 .446; 100k words instead of 50k: .464).
 *
 * Changing anything that changes a vector must change EMB_BUILTIN_MODEL, so
 * stored vectors are re-embedded. */
#include "common.h"
#include "embed_priv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define EMB_BUILTIN_DIM 384
#define EMB_BUILTIN_MODEL "builtin-hash-v1-384"
#define W_WORD 1.0f
#define W_CHAR 0.3f
#ifndef W_LEX
#define W_LEX 0.5f              /* share of the lexical part, with words */
#endif
#define SIF_A 1e-3f
#define CHAR_MAX_WORD 40        /* longer tokens (hashes, base64): no n-grams */
#define TEXT_MAX (1u << 20)     /* bytes of one text that are embedded */

struct feat {
	uint64_t key;           /* 0 = empty slot */
	float w;                /* weight per occurrence */
	uint32_t tf;
};

/* A distinct word of the text being embedded, as written (lower case). */
struct rword {
	uint64_t key;           /* 0 = empty slot */
	uint32_t tf, off;       /* occurrences; offset of its bytes in arena */
	uint32_t len;
};

struct emb_builtin {
	sqlite3 *db;
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
	const struct emb_words *w;      /* optional word vectors, shared */
	float *wacc;                    /* their weighted sum for one text */
	struct feat *tab;       /* open addressing, power-of-two size */
	size_t cap, used;
	uint32_t *slots;        /* the used slots of tab, in insertion order */
	struct rword *rw;       /* the text's distinct words, same scheme */
	size_t rwcap, rwused;
	uint32_t *rwslots;
	struct buf arena;
};

/* Stop words, lower case, as the tokenizer splits them ("don't" is "don"
 * "t").  Words too common to say anything about meaning. */
static const char *const stop_words[] = {
	"a", "about", "above", "after", "again", "against", "all", "am", "an",
	"and", "any", "are", "as", "at", "be", "because", "been", "before",
	"being", "below", "between", "both", "but", "by", "can", "could", "d",
	"did", "do", "does", "doing", "don", "down", "during", "each", "few",
	"for", "from", "further", "had", "has", "have", "having", "he", "her",
	"here", "hers", "herself", "him", "himself", "his", "how", "i", "if",
	"in", "into", "is", "it", "its", "itself", "just", "ll", "m", "me",
	"more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off",
	"on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
	"over", "own", "re", "s", "same", "she", "should", "so", "some", "such",
	"t", "than", "that", "the", "their", "theirs", "them", "themselves",
	"then", "there", "these", "they", "this", "those", "through", "to",
	"too", "under", "until", "up", "ve", "very", "was", "we", "were", "what",
	"when", "where", "which", "while", "who", "whom", "why", "will", "with",
	"would", "you", "your", "yours", "yourself", "yourselves",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stop(const char *w)
{
	return bsearch(&w, stop_words, ARRAY_SIZE(stop_words),
		       sizeof(stop_words[0]), cmp_str) != NULL;
}

/* FNV-1a over a tag and the bytes, then a splitmix64 finish for good high
 * bits (the sign) and low bits (the bucket). */
static uint64_t feat_hash(char tag, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	h = (h ^ (unsigned char)tag) * 1099511628211ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

static void tab_grow(struct emb_builtin *b)
{
	struct feat *old = b->tab;
	size_t ocap = b->cap;

	b->cap = ocap ? ocap * 2 : 1024;
	b->tab = xcalloc(b->cap, sizeof(*b->tab));
	b->slots = xrealloc(b->slots, b->cap / 2 * sizeof(*b->slots));
	for (size_t k = 0; k < b->used; k++) {
		const struct feat *f = &old[b->slots[k]];
		size_t j = f->key & (b->cap - 1);

		while (b->tab[j].key)
			j = (j + 1) & (b->cap - 1);
		b->tab[j] = *f;
		b->slots[k] = (uint32_t)j;
	}
	free(old);
}

static void feat_add(struct emb_builtin *b, uint64_t key, float w,
		     uint32_t tf)
{
	size_t j;

	if ((b->used + 1) * 2 > b->cap)
		tab_grow(b);
	j = key & (b->cap - 1);
	while (b->tab[j].key && b->tab[j].key != key)
		j = (j + 1) & (b->cap - 1);
	if (!b->tab[j].key) {
		b->tab[j].key = key;
		b->tab[j].w = w;
		b->slots[b->used++] = (uint32_t)j;
	}
	b->tab[j].tf += tf;
}

static void rw_grow(struct emb_builtin *b)
{
	struct rword *old = b->rw;
	size_t ocap = b->rwcap;

	b->rwcap = ocap ? ocap * 2 : 512;
	b->rw = xcalloc(b->rwcap, sizeof(*b->rw));
	b->rwslots = xrealloc(b->rwslots, b->rwcap / 2 * sizeof(*b->rwslots));
	for (size_t k = 0; k < b->rwused; k++) {
		const struct rword *r = &old[b->rwslots[k]];
		size_t j = r->key & (b->rwcap - 1);

		while (b->rw[j].key)
			j = (j + 1) & (b->rwcap - 1);
		b->rw[j] = *r;
		b->rwslots[k] = (uint32_t)j;
	}
	free(old);
}

/* Counts a word as written; its n-grams and meaning are added once per
 * distinct word (with its count) when the text is done. */
static void rw_add(struct emb_builtin *b, const char *w, size_t n)
{
	uint64_t key = feat_hash('r', w, n);
	size_t j;

	if ((b->rwused + 1) * 2 > b->rwcap)
		rw_grow(b);
	j = key & (b->rwcap - 1);
	while (b->rw[j].key && b->rw[j].key != key)
		j = (j + 1) & (b->rwcap - 1);
	if (!b->rw[j].key) {
		if (buf_add(&b->arena, w, n) < 0)
			return;         /* past TEXT_MAX: cannot happen */
		b->rw[j].key = key;
		b->rw[j].off = (uint32_t)(b->arena.len - n);
		b->rw[j].len = (uint32_t)n;
		b->rwslots[b->rwused++] = (uint32_t)j;
	}
	b->rw[j].tf++;
}

static void add_char_ngrams(struct emb_builtin *b, const char *w, size_t n,
			    uint32_t tf)
{
	char p[CHAR_MAX_WORD + 2];

	if (n > CHAR_MAX_WORD)
		return;
	p[0] = '<';
	memcpy(p + 1, w, n);
	p[n + 1] = '>';
	for (size_t g = 3; g <= 5; g++)
		for (size_t i = 0; i + g <= n + 2; i++)
			feat_add(b, feat_hash('c', p + i, g), W_CHAR, tf);
}

/* Smooth inverse frequency (Arora et al. 2017): a word weighs
 * SIF_A / (SIF_A + p(w)), p estimated from its frequency rank r by Zipf's
 * law, so frequent words say little and rare ones much. */
static void add_word_vector(struct emb_builtin *b, const char *w, size_t n,
			    uint32_t tf)
{
	long i = emb_words_find(b->w, w, n);
	float p;

	if (i < 0)
		return;
	p = 1.0f / (9.0f * (float)(i + 1 + 50));
	emb_words_add(b->w, i, (float)tf * SIF_A / (SIF_A + p), b->wacc);
}

struct tok_ctx {
	struct emb_builtin *b;
	const char *text;
};

static int on_token(void *ctx, int flags, const char *tok, int ntok,
		    int start, int end)
{
	struct tok_ctx *c = ctx;
	char raw[CHAR_MAX_WORD + 1];
	size_t n = (size_t)(end - start);

	(void)flags;
	if (ntok <= 0 || end <= start)
		return SQLITE_OK;
	/* The stop-word test and the n-grams use the word as written, lower
	 * cased; the word feature uses the stem the index uses. */
	if (n <= CHAR_MAX_WORD) {
		for (size_t i = 0; i < n; i++)
			raw[i] = (char)tolower((unsigned char)c->text[start + i]);
		raw[n] = 0;
		if (is_stop(raw))
			return SQLITE_OK;
		rw_add(c->b, raw, n);
	}
	feat_add(c->b, feat_hash('w', tok, (size_t)ntok), W_WORD, 1);
	return SQLITE_OK;
}

static void add_words(struct emb_builtin *b)
{
	for (size_t k = 0; k < b->rwused; k++) {
		const struct rword *r = &b->rw[b->rwslots[k]];

		add_char_ngrams(b, b->arena.p + r->off, r->len, r->tf);
		if (b->w)
			add_word_vector(b, b->arena.p + r->off, r->len, r->tf);
	}
}

static void project_lex(struct emb_builtin *b, float *out, int dim);

/* out = [sqrt(W_LEX) * lexical part ; sqrt(1 - W_LEX) * word vectors],
 * each part unit length, so the cosine is W_LEX * lexical cosine +
 * (1 - W_LEX) * word-vector cosine. */
static void project(struct emb_builtin *b, float *out, int dim)
{
	int wd = b->w ? emb_words_dim(b->w) : 0;

	project_lex(b, out, dim - wd);
	if (!wd)
		return;
	memcpy(out + dim - wd, b->wacc, (size_t)wd * sizeof(float));
	emb_normalise(out + dim - wd, wd);
	for (int i = 0; i < dim - wd; i++)
		out[i] *= sqrtf(W_LEX);
	for (int i = dim - wd; i < dim; i++)
		out[i] *= sqrtf(1.0f - W_LEX);
	emb_normalise(out, dim);
}

static void project_lex(struct emb_builtin *b, float *out, int dim)
{
	memset(out, 0, (size_t)dim * sizeof(*out));
	for (size_t k = 0; k < b->used; k++) {
		const struct feat *f = &b->tab[b->slots[k]];
		float v = f->w * (1.0f + logf((float)f->tf));
		out[(f->key >> 1) % (uint64_t)dim] += (f->key >> 63) ? -v : v;
	}
	emb_normalise(out, dim);
}

static int embed_one(struct emb *e, const char *text, float *out)
{
	struct emb_builtin *b = e->b;
	struct tok_ctx c = { b, text };
	size_t n = strlen(text);
	int rc;

	/* clear only what the last text used: a table grown by one huge
	 * text is not wiped whole for every small one */
	for (size_t k = 0; k < b->used; k++)
		memset(&b->tab[b->slots[k]], 0, sizeof(*b->tab));
	for (size_t k = 0; k < b->rwused; k++)
		memset(&b->rw[b->rwslots[k]], 0, sizeof(*b->rw));
	b->used = b->rwused = 0;
	buf_reset(&b->arena);
	if (b->w)
		memset(b->wacc, 0, (size_t)emb_words_dim(b->w) * sizeof(float));
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	rc = b->api.xTokenize(b->tok, &c, FTS5_TOKENIZE_DOCUMENT, text,
			      (int)n, on_token);
	if (rc != SQLITE_OK)
		return -err_from_sqlite(rc);
	add_words(b);
	project(b, out, e->dim);
	return 0;
}

int emb_builtin_embed(struct emb *e, const char *const *texts, size_t n,
		      float *out)
{
	for (size_t i = 0; i < n; i++) {
		int rc = embed_one(e, texts[i] ? texts[i] : "",
				   out + i * (size_t)e->dim);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
	return api;
}

int emb_open_builtin(struct emb **out)
{
	static const char *const args[] = {
		"unicode61", "remove_diacritics", "2",
	};
	struct emb_builtin *b;
	const struct emb_words *w;
	struct emb *e;
	fts5_api *api;
	void *ud = NULL;
	int rc;

	*out = NULL;
	rc = emb_words_get(&w, NULL);
	if (rc < 0)
		return rc;
	b = xcalloc(1, sizeof(*b));
	b->w = w;
	buf_init(&b->arena, TEXT_MAX + 1);
	rc = sqlite3_open_v2(":memory:", &b->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	api = rc == SQLITE_OK ? fts5_api_of(b->db) : NULL;
	if (!api || api->xFindTokenizer(api, "porter", &ud, &b->api) !=
	    SQLITE_OK || b->api.xCreate(ud, (const char **)args,
					(int)ARRAY_SIZE(args), &b->tok) !=
	    SQLITE_OK) {
		rc = rc != SQLITE_OK ? rc : SQLITE_ERROR;
		emb_builtin_free(b);
		return -err_from_sqlite(rc);
	}
	e = xcalloc(1, sizeof(*e));
	e->kind = EMB_BUILTIN;
	e->dim = EMB_BUILTIN_DIM;
	if (w) {
		struct buf m = BUF_INIT(BUF_MAX_SMALL);

		/* the name says what makes the vectors: another word file is
		 * another model */
		e->dim += emb_words_dim(w);
		b->wacc = xcalloc((size_t)emb_words_dim(w), sizeof(float));
		buf_addf(&m, "builtin-hashglove-v1-%d-%ldw", e->dim,
			 emb_words_count(w));
		e->model = buf_detach(&m);
	} else {
		e->model = xstrdup(EMB_BUILTIN_MODEL);
	}
	e->b = b;
	*out = e;
	return 0;
}

void emb_builtin_free(struct emb_builtin *b)
{
	if (!b)
		return;
	if (b->tok)
		b->api.xDelete(b->tok);
	sqlite3_close(b->db);
	free(b->tab);
	free(b->slots);
	free(b->rw);
	free(b->rwslots);
	buf_release(&b->arena);
	free(b->wacc);
	free(b);
}

/* embed_words.c: the optional word vectors of the built-in embedder (a file
 * made by contrib/embed-data from GloVe 100-d, see there for the format),
 * loaded once per process and shared read-only by every handle.
 *
 * Where: $RECALLFS_EMBED_DATA (a path; "" or "none" = do without), else the
 * first of $XDG_DATA_HOME/recallfs, ~/.local/share/recallfs,
 * /usr/local/share/recallfs, /usr/share/recallfs holding glove-100d.bin.
 * Without the file the built-in embedder is purely lexical. */
#include "common.h"
#include "embed_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS_FILE "glove-100d.bin"
#define WORDS_MAX_FILE (256u << 20)
#define WORDS_MAX_DIM 1024

struct emb_words {
	struct buf data;        /* the file */
	uint32_t count, dim;
	const uint8_t **rec;    /* count records: len, word, scale, values */
	uint32_t *slot;         /* hash table of index + 1, 0 = empty */
	size_t nslot;
	char *path;
};

static pthread_once_t words_once = PTHREAD_ONCE_INIT;
static struct emb_words *words;
static int words_rc;
static const char *words_tried = "";  /* the file last loaded */
static char *words_tried_own;

static uint64_t word_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void words_free(struct emb_words *w)
{
	if (!w)
		return;
	buf_release(&w->data);
	free(w->rec);
	free(w->slot);
	free(w->path);
	free(w);
}

/* Parses and indexes the file; -EILSEQ when it is not one. */
static int words_index(struct emb_words *w)
{
	const uint8_t *p = (const uint8_t *)w->data.p, *end = p + w->data.len;

	if (w->data.len < 16 || memcmp(p, "RFWVEC01", 8))
		return -EILSEQ;
	memcpy(&w->count, p + 8, 4);
	memcpy(&w->dim, p + 12, 4);
	if (!w->count || !w->dim || w->dim > WORDS_MAX_DIM ||
	    w->count > w->data.len / (w->dim + 6))
		return -EILSEQ;
	p += 16;
	w->rec = xcalloc(w->count, sizeof(*w->rec));
	w->nslot = 2;
	while (w->nslot < 2 * (size_t)w->count)
		w->nslot *= 2;
	w->slot = xcalloc(w->nslot, sizeof(*w->slot));
	for (uint32_t i = 0; i < w->count; i++) {
		size_t j;

		if (p >= end || (size_t)(end - p) < 1u + p[0] + 4 + w->dim ||
		    !p[0])
			return -EILSEQ;
		w->rec[i] = p;
		j = word_hash((const char *)p + 1, p[0]) & (w->nslot - 1);
		while (w->slot[j])
			j = (j + 1) & (w->nslot - 1);
		w->slot[j] = i + 1;
		p += 1u + p[0] + 4 + w->dim;
	}
	return p == end ? 0 : -EILSEQ;
}

static int words_load(const char *path, struct emb_words **out)
{
	struct emb_words *w = xcalloc(1, sizeof(*w));
	int rc;

	buf_init(&w->data, WORDS_MAX_FILE);
	rc = buf_read_file(&w->data, path);
	if (rc == 0)
		rc = words_index(w);
	if (rc < 0) {
		words_free(w);
		return rc;
	}
	w->path = xstrdup(path);
	*out = w;
	return 0;
}

static void words_init(void)
{
	const char *env = getenv("RECALLFS_EMBED_DATA");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char cand[4][1024];
	int n = 0;

	if (env) {
		if (*env && strcmp(env, "none")) {
			words_rc = words_load(env, &words);
			words_tried = words_tried_own = xstrdup(env);
		}
		return;
	}
	if (xdg && *xdg)
		snprintf(cand[n++], sizeof(cand[0]), "%s/recallfs/%s", xdg,
			 WORDS_FILE);
	else if (home && *home)
		snprintf(cand[n++], sizeof(cand[0]),
			 "%s/.local/share/recallfs/%s", home, WORDS_FILE);
	snprintf(cand[n++], sizeof(cand[0]), "/usr/local/share/recallfs/%s",
		 WORDS_FILE);
	snprintf(cand[n++], sizeof(cand[0]), "/usr/share/recallfs/%s",
		 WORDS_FILE);
	for (int i = 0; i < n; i++)
		if (access(cand[i], R_OK) == 0) {
			words_rc = words_load(cand[i], &words);
			words_tried = words_tried_own = xstrdup(cand[i]);
			return;
		}
}

int emb_words_get(const struct emb_words **out, const char **path)
{
	pthread_once(&words_once, words_init);
	*out = words;
	if (path)
		*path = words_tried;
	return words_rc;
}

int emb_words_dim(const struct emb_words *w)
{
	return (int)w->dim;
}

long emb_words_count(const struct emb_words *w)
{
	return (long)w->count;
}

long emb_words_find(const struct emb_words *w, const char *s, size_t n)
{
	size_t j = word_hash(s, n) & (w->nslot - 1);

	for (; w->slot[j]; j = (j + 1) & (w->nslot - 1)) {
		const uint8_t *r = w->rec[w->slot[j] - 1];

		if (r[0] == n && !memcmp(r + 1, s, n))
			return (long)w->slot[j] - 1;
	}
	return -1;
}

void emb_words_add(const struct emb_words *w, long i, float weight,
		   float *acc)
{
	const uint8_t *r = w->rec[i];
	const int8_t *v = (const int8_t *)(r + 1 + r[0] + 4);
	float scale;

	memcpy(&scale, r + 1 + r[0], sizeof(scale));
	weight *= scale;
	for (uint32_t k = 0; k < w->dim; k++)
		acc[k] += weight * (float)v[k];
}

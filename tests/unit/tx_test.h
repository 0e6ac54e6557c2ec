/* tx_test.h: helpers shared by the transcript reader tests (test_tx*.c):
 * read a fixture file or a string through tx_read, find a ply. */
#ifndef TX_TEST_H
#define TX_TEST_H

#include "common.h"
#include "tx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TX_FIXTURES "tests/fixtures/tx/"

/* Reads str through tx_read as file name; err (if given) gets the line. */
static inline int tx_str(const char *name, const char *str, struct tx_set *s,
			 struct buf *err)
{
	struct buf e = BUF_INIT(BUF_MAX_SMALL);
	int rc = tx_read(name, str, strlen(str), TX_UNKNOWN, s, err ? err : &e);

	buf_release(&e);
	return rc;
}

/* Reads the fixture tests/fixtures/tx/<file>; -errno when it is missing. */
static inline int tx_fixture(const char *file, struct tx_set *s,
			     struct buf *err)
{
	struct buf path = BUF_INIT(BUF_MAX_SMALL), d = BUF_INIT(TX_MAX_FILE);
	struct buf e = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	buf_addf(&path, TX_FIXTURES "%s", file);
	rc = buf_read_file(&d, path.p);
	if (rc)
		fprintf(stderr, "fixture %s: %s\n", path.p, strerror(-rc));
	else
		rc = tx_read(path.p, buf_str(&d), d.len, TX_UNKNOWN, s,
			     err ? err : &e);
	buf_release(&path);
	buf_release(&d);
	buf_release(&e);
	return rc;
}

/* The conversation with this id, or NULL. */
static inline struct tx_conv *tx_find(struct tx_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->conv[i].id, id))
			return &s->conv[i];
	return NULL;
}

static inline size_t tx_count(const struct tx_conv *c, enum tx_role r)
{
	size_t n = 0;

	for (size_t i = 0; c && i < c->nmsg; i++)
		n += c->msg[i].role == r;
	return n;
}

/* Writes str to path (test temp files). */
static inline void tx_write(const char *path, const char *str)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(str, f);
	fclose(f);
}

#endif

/* test_embed_words.c: the built-in embedder with a word-vector file (the
 * format contrib/embed-data writes), made here: the model name and
 * dimension say so, words with close vectors make texts closer, and a bad
 * file is one clear error naming it. */
#include "common.h"
#include "embed.h"
#include "t.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WD 4

static void put_word(FILE *f, const char *w, const float *v)
{
	unsigned char n = (unsigned char)strlen(w);
	float m = 0, scale;

	for (int i = 0; i < WD; i++)
		m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
	scale = m / 127;
	fwrite(&n, 1, 1, f);
	fwrite(w, 1, n, f);
	fwrite(&scale, 4, 1, f);
	for (int i = 0; i < WD; i++) {
		signed char q = (signed char)lrintf(v[i] / scale);

		fwrite(&q, 1, 1, f);
	}
}

static const char *make_file(const char *name, int corrupt)
{
	static char path[512];
	static const float car[WD] = { 1, 0.1f, 0, 0 };
	static const float automobile[WD] = { 0.95f, 0.12f, 0.02f, 0 };
	static const float banana[WD] = { 0, 0, 1, 0.2f };
	static const float yellow[WD] = { 0, 0.1f, 0.9f, 0.3f };
	uint32_t count = 4, dim = WD;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	f = fopen(path, "wb");
	fwrite("RFWVEC01", 1, 8, f);
	fwrite(&count, 4, 1, f);
	fwrite(&dim, 4, 1, f);
	put_word(f, "car", car);
	put_word(f, "automobile", automobile);
	put_word(f, "banana", banana);
	if (!corrupt)
		put_word(f, "yellow", yellow);
	fclose(f);
	return path;
}

static float dot(const float *a, const float *b, int n)
{
	float s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* emb_open in a child with RECALLFS_EMBED_DATA=path; its error line. */
static void open_in_child(const char *path, char *line, size_t n)
{
	int fd[2];
	pid_t pid;
	ssize_t got;

	line[0] = 0;
	if (pipe(fd))
		return;
	pid = fork();
	if (pid == 0) {
		struct buf err = BUF_INIT(BUF_MAX_SMALL);
		struct emb *e = NULL;
		int rc;

		setenv("RECALLFS_EMBED_DATA", path, 1);
		rc = emb_open(&e, &err);
		if (write(fd[1], buf_str(&err), err.len) < 0)
			_exit(3);
		emb_close(e);
		buf_release(&err);
		_exit(rc < 0 ? 1 : 0);
	}
	close(fd[1]);
	got = read(fd[0], line, n - 1);
	line[got > 0 ? got : 0] = 0;
	close(fd[0]);
	waitpid(pid, NULL, 0);
}

static void test_bad_files(void)
{
	char line[1024];

	open_in_child(make_file("short.bin", 1), line, sizeof(line));
	T_CONTAINS(line, "short.bin");
	T_CONTAINS(line, "not a word-vector file");
	T_CHECK(!strchr(line, '\n'));
	open_in_child("/nonexistent/words.bin", line, sizeof(line));
	T_CONTAINS(line, "/nonexistent/words.bin");
	open_in_child("none", line, sizeof(line));
	T_STREQ(line, "");
}

static void test_word_vectors(void)
{
	const char *t[] = {
		"my car broke down",
		"the automobile broke down",
		"a banana broke down",
		"CAR",
	};
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	struct emb *e = NULL;
	float *v = NULL, *again = NULL;
	int d;

	setenv("RECALLFS_EMBED_DATA", make_file("words.bin", 0), 1);
	T_EQ(emb_open(&e, &err), 0);
	T_STREQ(buf_str(&err), "");
	if (!e)
		return;
	d = emb_dim(e);
	T_EQ(d, 384 + WD);
	T_STREQ(emb_model(e), "builtin-hashglove-v1-388-4w");
	T_EQ(emb_embed_alloc(e, t, 4, &v, &err), 0);
	T_EQ(emb_embed_alloc(e, t, 4, &again, &err), 0);
	T_CHECK(!memcmp(v, again, 4 * (size_t)d * sizeof(float)));
	for (int i = 0; i < 4; i++)
		T_CHECK(fabsf(dot(v + i * d, v + i * d, d) - 1.0f) < 1e-4f);
	/* "broke down" is shared by all three; the word vectors make car
	 * and automobile the closer pair */
	T_CHECK(dot(v, v + d, d) > dot(v, v + 2 * d, d) + 0.2f);
	T_CHECK(dot(v + d, v, d) > dot(v + d, v + 2 * d, d) + 0.2f);
	/* the word part of "CAR" is car's vector, case folded */
	T_CHECK(dot(v + 3 * d + 384, v + 384, WD) > 0.4f);
	free(v);
	free(again);
	emb_close(e);
	buf_release(&err);
}

T_MAIN(test_bad_files, test_word_vectors)

/* readcheck.c: torn-read check for the mount tests.
 *
 *   readcheck [--stat] FILE...
 *
 * For each FILE: open it, fstat, read it to the end, and read it again
 * from offset 0 (pread).  Fails (exit 1, one line per file on stderr) when
 * the bytes read differ from the size fstat reported or the two reads
 * differ.  With --stat the size stat(2) gives for the path must match too
 * (for files that never change, such as an exchange's fields).  Files that
 * vanished before the open (ENOENT) are skipped; any other error fails.
 * Prints "N files" on stdout. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads fd from off to the end into *out (malloc'd); -1 on error. */
static long long slurp(int fd, char **out)
{
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);

	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				return -1;
			}
			b = nb;
		}
		n = pread(fd, b + len, cap - len, (off_t)len);
		if (n < 0) {
			free(b);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = b;
	return (long long)len;
}

static int check(const char *path, int want_stat, int snapshot)
{
	struct stat st, sp;
	char *a = NULL, *b = NULL;
	long long na, nb;
	int fd = open(path, O_RDONLY), bad = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "readcheck: %s: open: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (na = slurp(fd, &a)) < 0 ||
	    (nb = slurp(fd, &b)) < 0) {
		fprintf(stderr, "readcheck: %s: %s\n", path, strerror(errno));
		close(fd);
		free(a);
		return -1;
	}
	if (!snapshot && na != (long long)st.st_size) {
		fprintf(stderr, "readcheck: %s: fstat says %lld bytes, read "
			"%lld\n", path, (long long)st.st_size, na);
		bad = 1;
	} else if (na != nb || memcmp(a, b, (size_t)na)) {
		fprintf(stderr, "readcheck: %s: a second read differs\n", path);
		bad = 1;
	} else if (want_stat && (stat(path, &sp) ||
				 sp.st_size != st.st_size)) {
		fprintf(stderr, "readcheck: %s: stat says %lld bytes, read "
			"%lld\n", path, (long long)sp.st_size, na);
		bad = 1;
	}
	close(fd);
	free(a);
	free(b);
	return bad ? -1 : (int)(na > 0);
}

int main(int argc, char **argv)
{
	int i = 1, want_stat = 0, snapshot = 0, failed = 0;
	long files = 0;

	if (i < argc && !strcmp(argv[i], "--stat"))
		want_stat = 1, i++;
	else if (i < argc && !strcmp(argv[i], "--snapshot"))
		snapshot = 1, i++;
	for (; i < argc; i++) {
		int rc = check(argv[i], want_stat, snapshot);

		failed |= rc < 0;
		files += rc >= 0;
	}
	printf("%ld files\n", files);
	return failed;
}

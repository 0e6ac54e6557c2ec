/* evict.c: drops the page cache of the regular files below each PATH
 * (posix_fadvise DONTNEED), so that a walk after it reads from disk again,
 * without dropping the whole machine's caches (the machine is shared).
 * Directory entries and inodes stay cached, and so do dirty pages (write
 * them back first: sync -f PATH).  Not part of recallfs.
 *
 *   evict PATH...          prints "N files" */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static long nfiles;

static int one(const char *path, const struct stat *sb, int type,
	       struct FTW *ftw)
{
	int fd;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	nfiles++;
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		nftw(argv[i], one, 64, FTW_PHYS);
	printf("%ld files\n", nfiles);
	return 0;
}

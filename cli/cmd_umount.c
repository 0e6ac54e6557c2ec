/* cmd_umount.c: `recallfs umount MOUNTPOINT`: unmounts the tree and its
 * inbox/ (fs_umount); a busy mount gets a line that says what to do. */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "mount.h"

static const char usage_text[] = "MOUNTPOINT";

int cmd_umount(int argc, char **argv)
{
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: recallfs umount %s\n", usage_text);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("umount", usage_text);
	rc = fs_umount(argv[1], &err);
	if (rc)
		fprintf(stderr, "recallfs: umount: %s\n", buf_str(&err));
	buf_release(&err);
	return rc ? 1 : 0;
}

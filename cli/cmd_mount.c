/* cmd_mount.c: placeholder until the mount command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_mount(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: mount: not built yet\n");
	return 1;
}

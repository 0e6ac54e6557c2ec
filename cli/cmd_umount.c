/* cmd_umount.c: placeholder until the umount command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_umount(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: umount: not built yet\n");
	return 1;
}

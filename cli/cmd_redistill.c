/* cmd_redistill.c: placeholder until the redistill command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_redistill(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: redistill: not built yet\n");
	return 1;
}

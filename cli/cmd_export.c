/* cmd_export.c: placeholder until the export command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: export: not built yet\n");
	return 1;
}

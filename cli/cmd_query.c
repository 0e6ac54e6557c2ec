/* cmd_query.c: placeholder until the query command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_query(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: query: not built yet\n");
	return 1;
}

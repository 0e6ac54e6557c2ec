/* cmd_eval.c: placeholder until the eval command is built (see issues). */
#include "common.h"
#include "cli.h"

#include <stdio.h>

int cmd_eval(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "recallfs: eval: not built yet\n");
	return 1;
}

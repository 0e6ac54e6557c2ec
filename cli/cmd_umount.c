/* cmd_umount.c: `recallfs umount MOUNTPOINT`: unmounts cleanly through
 * fusermount3 -u (which works for the owner without root too). */
#include "common.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] = "MOUNTPOINT";

int cmd_umount(int argc, char **argv)
{
	pid_t pid;
	int status = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: recallfs umount %s\n", usage_text);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("umount", usage_text);
	pid = fork();
	if (pid < 0)
		return cli_fail("umount", strerror(errno));
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", argv[1], (char *)NULL);
		fprintf(stderr, "recallfs: umount: fusermount3: %s\n",
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return cli_fail("umount", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return cli_fail(argv[1], "not unmounted (fusermount3 said why "
				"above)");
	return 0;
}

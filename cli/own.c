/* own.c: recognising the memory's own files, so that ingest never swallows
 * them as new conversations: a recallfs mount (its device number, from
 * /proc/self/mountinfo: file system type fuse.recallfs) and a recallfs
 * export (the FS_EXPORT_MARKER file at its root). */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "export.h"

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE
 * SOURCE SUPEROPTS".  1 with *dev set when it is a recallfs mount. */
static int recallfs_line(const char *line, dev_t *dev)
{
	unsigned maj, min;
	const char *sep = strstr(line, " - ");
	char type[64], source[64];

	if (!sep || sscanf(line, "%*s %*s %u:%u", &maj, &min) != 2 ||
	    sscanf(sep + 3, "%63s %63s", type, source) != 2)
		return 0;
	if (strcmp(type, "fuse.recallfs") &&
	    !(!strncmp(type, "fuse", 4) && !strcmp(source, "recallfs")))
		return 0;
	*dev = makedev(maj, min);
	return 1;
}

void cli_own_load(struct cli_own *o)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	dev_t dev;

	memset(o, 0, sizeof(*o));
	if (!f)
		return;         /* no /proc: exports are still recognised */
	while (getline(&line, &cap, f) > 0)
		if (recallfs_line(line, &dev)) {
			XGROW(o->dev, o->cap, o->n + 1);
			o->dev[o->n++] = dev;
		}
	free(line);
	fclose(f);
}

void cli_own_release(struct cli_own *o)
{
	free(o->dev);
	memset(o, 0, sizeof(*o));
}

static int has_marker(const char *dir)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL);
	struct stat sb;
	int yes = !buf_addf(&p, "%s/%s", dir, FS_EXPORT_MARKER) &&
		lstat(buf_str(&p), &sb) == 0 && S_ISREG(sb.st_mode);

	buf_release(&p);
	return yes;
}

const char *cli_own_what(const struct cli_own *o, const char *path,
			 const struct stat *st, int ancestors)
{
	char *real, *slash;
	int found = 0;

	for (size_t i = 0; i < o->n; i++)
		if (st->st_dev == o->dev[i])
			return "in a recallfs mount";
	if (S_ISDIR(st->st_mode) && has_marker(path))
		return "in a recallfs export";
	if (!ancestors || !(real = realpath(path, NULL)))
		return NULL;
	while (!found && (slash = strrchr(real, '/')) && slash != real) {
		*slash = 0;
		found = has_marker(real);
	}
	free(real);
	return found ? "in a recallfs export" : NULL;
}

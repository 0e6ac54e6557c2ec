/* mountpoint.c: the mount point before a mount and at unmount.  What is
 * mounted where comes from /proc/self/mountinfo (a recallfs mount is of
 * type fuse.recallfs); whether its daemon lives from a stat (a dead one
 * answers ENOTCONN) and its pid from its status file. */
#include "common.h"
#include "mount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECALLFS_TYPE "fuse.recallfs"

char *fs_abspath(const char *path)
{
	struct buf in = BUF_INIT(BUF_MAX_SMALL), out = BUF_INIT(BUF_MAX_SMALL);
	char cwd[4096];
	const char *p;

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		buf_addf(&in, "%s/", cwd);
	buf_adds(&in, path);
	for (p = buf_str(&in); *p;) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || n == 0) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = out.len ? strrchr(out.p, '/') : NULL;

			buf_truncate(&out, slash ? (size_t)(slash - out.p) : 0);
		} else {
			buf_addc(&out, '/');
			buf_add(&out, p, n);
		}
		p += n;
		if (*p)
			p++;
	}
	if (!out.len)
		buf_addc(&out, '/');
	buf_release(&in);
	return buf_detach(&out);
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] &&
		    r[3]) {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				      (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

/* The file system type of the topmost mount at path ("" when none),
 * into type. */
static void mounted_type(const char *path, char *type, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	type[0] = 0;
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], fst[256];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep + 3, "%255s", fst) != 1)
			continue;
		unescape(mp);
		if (!strcmp(mp, path))
			snprintf(type, size, "%s", fst);    /* the last wins */
	}
	free(line);
	fclose(f);
}

/* The pid a live recallfs mount's status file names (0 if unknown). */
static long daemon_pid(const char *mnt)
{
	struct buf p = BUF_INIT(BUF_MAX_SMALL), s = BUF_INIT(1u << 20);
	const char *at;
	long pid = 0;

	buf_addf(&p, "%s/status", mnt);
	if (!buf_read_file(&s, buf_str(&p)) &&
	    (at = strstr(buf_str(&s), "\npid\t")))
		pid = strtol(at + 5, NULL, 10);
	buf_release(&p);
	buf_release(&s);
	return pid;
}

/* Runs fusermount3 -u [-z] path; 0, or -EBUSY / -EIO. */
static int fusermount_u(const char *path, int lazy)
{
	int pfd[2], status = 0;
	char msg[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pfd[1], 2);
		execlp("fusermount3", "fusermount3", lazy ? "-uz" : "-u", "--",
		       path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return strstr(msg, "busy") ? -EBUSY : -EIO;
}

/* Unmounts path: umount2 as root (the errno says why not), else
 * fusermount3. */
static int unmount_one(const char *path, int lazy)
{
	if (geteuid() == 0)
		return umount2(path, lazy ? MNT_DETACH : 0) ? -errno : 0;
	return fusermount_u(path, lazy);
}

static int empty_dir(const char *mnt)
{
	DIR *d = opendir(mnt);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return 1;       /* the mount will say why */
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* A recallfs mount at mnt: refused when its daemon lives, cleared when
 * it is dead.  (statfs always asks the daemon; a stat may be answered
 * from the kernel's cache.) */
static int check_mounted(const char *mnt, struct buf *err)
{
	char type[256];
	struct statvfs sv;
	long pid;

	mounted_type(mnt, type, sizeof(type));
	if (!type[0] || strncmp(type, "fuse", 4))
		return 0;
	if (!statvfs(mnt, &sv)) {
		if (strcmp(type, RECALLFS_TYPE))
			return 0;       /* another live FUSE file system */
		pid = daemon_pid(mnt);
		if (pid)
			buf_addf(err, "%s: already mounted (recallfs pid %ld)",
				 mnt, pid);
		else
			buf_addf(err, "%s: already mounted (recallfs)", mnt);
		return -EBUSY;
	}
	if (errno != ENOTCONN && errno != ECONNABORTED)
		return 0;
	if (strcmp(type, RECALLFS_TYPE)) {
		buf_addf(err, "%s: a %s mount whose daemon is gone is still "
			 "there; clear it with: fusermount3 -uz %s", mnt, type,
			 mnt);
		return -ENOTCONN;
	}
	if (unmount_one(mnt, 1)) {
		buf_addf(err, "%s: a recallfs mount whose daemon is gone is "
			 "still there and could not be cleared; clear it with: "
			 "fusermount3 -uz %s", mnt, mnt);
		return -ENOTCONN;
	}
	fprintf(stderr, "recallfs: mount: %s: cleared the mount a recallfs "
		"daemon that is gone left behind\n", mnt);
	return 0;
}

int fs_mountpoint_check(const char *mnt, int nonempty, struct buf *err)
{
	struct stat sb;
	int rc = check_mounted(mnt, err);

	if (rc)
		return rc;
	if (stat(mnt, &sb)) {
		rc = -errno;
		buf_addf(err, "%s: %s", mnt, rc == -ENOENT ?
			 "no such directory (create it first: mkdir -p)" :
			 err_str(rc));
		return rc;
	}
	if (!S_ISDIR(sb.st_mode)) {
		buf_addf(err, "%s: not a directory", mnt);
		return -ENOTDIR;
	}
	if (!nonempty && !empty_dir(mnt)) {
		buf_addf(err, "%s: not empty (the mount would hide its files); "
			 "mount on an empty directory, or add -o nonempty", mnt);
		return -ENOTEMPTY;
	}
	return 0;
}

static int busy(const char *mnt, struct buf *err)
{
	buf_addf(err, "%s: busy: close the files and shells open under it "
		 "(fuser -vm %s shows them), or detach it now and let it go "
		 "when they close: fusermount3 -uz %s (or umount -l)", mnt, mnt,
		 mnt);
	return -EBUSY;
}

int fs_umount(const char *mountpoint, struct buf *err)
{
	char *mnt = fs_abspath(mountpoint), type[256];
	struct buf inbox = BUF_INIT(BUF_MAX_SMALL);
	int rc = 0;

	buf_addf(&inbox, "%s/inbox", mnt);
	mounted_type(mnt, type, sizeof(type));
	if (!type[0]) {
		buf_addf(err, "%s: not mounted", mnt);
		rc = -EINVAL;
	}
	/* inbox/ first: a mount under it keeps the tree's mount busy; its
	 * last release may still be on its way, so a busy one is retried */
	mounted_type(buf_str(&inbox), type, sizeof(type));
	for (int i = 0; !rc && !strcmp(type, RECALLFS_TYPE) && i < 20; i++) {
		int r = unmount_one(buf_str(&inbox), 0);

		if (r != -EBUSY)
			break;          /* gone (or going): the tree decides */
		rc = i == 19 ? r : 0;
		usleep(100000);
	}
	if (!rc)
		rc = unmount_one(mnt, 0);
	if (rc == -EBUSY)
		busy(mnt, err);
	else if (rc && !err->len)
		buf_addf(err, "%s: not unmounted: %s", mnt, err_str(rc));
	buf_release(&inbox);
	free(mnt);
	return rc;
}

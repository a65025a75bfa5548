/*
 * NAME
 *	ctl_logrotate - postern logrotate: rotate maillog_file.
 *
 * SYNOPSIS
 *	postern logrotate
 *
 * DESCRIPTION
 *	As Postfix's `postfix logrotate`: renames maillog_file to
 *	NAME.SUFFIX (SUFFIX: maillog_file_rotate_suffix through
 *	strftime(3), local time), reloads the running master so that the
 *	lines from then on go into a new file (lib/postlog.h: the reload
 *	sends the new file down the log service's queue), waits until no
 *	process holds the old file open any more (the log service has
 *	written everything sent before the reload), and then runs
 *	maillog_file_compressor on it. A master that is not running is
 *	not started: the file is only renamed and compressed.
 *
 *	For a host with logrotate(8), a "postrotate" of `postern reload`
 *	does the same; this command is for hosts without it (containers).
 *
 * SECURITY
 *	Run by root. The rename happens in the directory lib/maillog
 *	checked (root's, writable by root only), relative to its
 *	descriptor, and never replaces an existing file. The compressor
 *	is the admin's own setting (main.cf).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "maillog.h"
#include "params.h"
#include "xmalloc.h"

#define CTL_LOGROTATE_WAIT_MS	30000
#define CTL_LOGROTATE_STEP_MS	50

/* Does any process have the file dev/ino open? (/proc, as far as we see) */
static int
ctl_logrotate_open_anywhere(dev_t dev, ino_t ino)
{
	char path[PATH_MAX];
	struct dirent *p, *f;
	struct stat st;
	DIR *proc, *fds;
	int found = 0;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (!found && (p = readdir(proc)) != NULL) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (!found && (f = readdir(fds)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
			    p->d_name, f->d_name);
			found = stat(path, &st) == 0 && st.st_dev == dev &&
			    st.st_ino == ino;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* Wait until the old file is closed everywhere: 0, or -1 at the bound. */
static int
ctl_logrotate_wait(int dfd, const char *name)
{
	struct timespec step = { 0, CTL_LOGROTATE_STEP_MS * 1000000L };
	struct stat st;
	int waited;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	for (waited = 0; waited < CTL_LOGROTATE_WAIT_MS;
	    waited += CTL_LOGROTATE_STEP_MS) {
		if (!ctl_logrotate_open_anywhere(st.st_dev, st.st_ino))
			return 0;
		nanosleep(&step, NULL);
	}
	return -1;
}

/* maillog_file_compressor PATH, waited for: 0 or -1 (said why). */
static int
ctl_logrotate_compress(const char *path)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0) {
		fprintf(stderr, "postern: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp(var_maillog_file_compressor,
		    var_maillog_file_compressor, path, (char *)NULL);
		fprintf(stderr, "postern: maillog_file_compressor %s: %s\n",
		    var_maillog_file_compressor, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "postern: %s %s failed: the rotated file stays as it "
	    "is\n", var_maillog_file_compressor, path);
	return -1;
}

/* The suffix for now: 0, or -1 when the format makes no file name. */
static int
ctl_logrotate_suffix(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);
	size_t n;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	/* the format is the admin's (main.cf), as in Postfix */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, size, var_maillog_file_rotate_suffix, &tm);
#pragma GCC diagnostic pop
	return n == 0 || strchr(buf, '/') != NULL ? -1 : 0;
}

int
ctl_logrotate(int argc, char **argv)
{
	char suffix[128], *newname, *newpath, *err;
	const char *base;
	int dfd, r = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern logrotate\n");
		return EX_USAGE_CTL;
	}
	if (params_load(ctl_config_dir(), NULL, &err) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		return 1;
	}
	if (*var_maillog_file == '\0' ||
	    strcmp(var_maillog_file, MAILLOG_STDOUT) == 0) {
		fprintf(stderr, "postern: maillog_file is %s: there is no file "
		    "to rotate\n", *var_maillog_file == '\0' ? "not set "
		    "(the log goes to syslog)" : var_maillog_file);
		return 1;
	}
	if (ctl_logrotate_suffix(suffix, sizeof(suffix)) < 0) {
		fprintf(stderr, "postern: maillog_file_rotate_suffix = %s: not "
		    "a suffix for a file name\n",
		    var_maillog_file_rotate_suffix);
		return 1;
	}
	if ((dfd = maillog_dir_open(var_maillog_file,
	    var_maillog_file_prefixes, &base, &err)) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		return 1;
	}
	newname = xasprintf("%s.%s", base, suffix);
	newpath = xasprintf("%s.%s", var_maillog_file, suffix);
	if (renameat2(dfd, base, dfd, newname, RENAME_NOREPLACE) < 0) {
		fprintf(stderr, "postern: rename %s to %s: %s\n",
		    var_maillog_file, newpath, strerror(errno));
		r = 1;
		goto out;
	}
	printf("postern: renamed %s to %s\n", var_maillog_file, newpath);
	if (ctl_master_is_running() && ctl_master_reload() != 0) {
		r = 1;
		goto out;
	}
	if (*var_maillog_file_compressor == '\0')
		goto out;
	if (ctl_logrotate_wait(dfd, newname) < 0) {
		fprintf(stderr, "postern: %s is still open after %ds: not "
		    "compressing it\n", newpath, CTL_LOGROTATE_WAIT_MS / 1000);
		r = 1;
	} else if (ctl_logrotate_compress(newpath) < 0)
		r = 1;
out:
	close(dfd);
	free(newname);
	free(newpath);
	return r;
}

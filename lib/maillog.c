/*
 * maillog - maillog_file names and opening; see maillog.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maillog.h"
#include "mastercf.h"
#include "params.h"
#include "priv.h"
#include "xmalloc.h"

/* Is prefix path itself or one of its parent directories? */
static int
maillog_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 0 || strncmp(path, prefix, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && *prefix == '/');
}

/* An absolute name of non-empty components, none "." or "..". */
static int
maillog_plain(const char *path)
{
	const char *p = path, *end;
	size_t n;

	while (*p == '/') {
		p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p = end;
	}
	return *p == '\0';
}

int
maillog_name_check(const char *path, const char *prefixes, char **err_r)
{
	char **list;
	const char *p;
	size_t i;
	int ok = 0;

	if (path[0] != '/') {
		*err_r = xasprintf("maillog_file = %s: not an absolute path",
		    path);
		return -1;
	}
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*err_r = xasprintf("maillog_file: a control character "
			    "in the name");
			return -1;
		}
	if (!maillog_plain(path)) {
		*err_r = xasprintf("maillog_file = %s: not a plain file name "
		    "(no \".\" or \"..\" component, no \"//\", no trailing "
		    "\"/\")", path);
		return -1;
	}
	list = params_list(prefixes);
	for (i = 0; list[i] != NULL && !ok; i++)
		ok = maillog_under(path, list[i]);
	params_list_free(list);
	if (!ok) {
		*err_r = xasprintf("maillog_file = %s: not under any of "
		    "maillog_file_prefixes (%s)", path, prefixes);
		return -1;
	}
	return 0;
}

int
maillog_dir_open(const char *path, const char *prefixes,
    const char **base_r, char **err_r)
{
	struct stat st;
	const char *slash;
	char *dir;
	int fd;

	if (maillog_name_check(path, prefixes, err_r) < 0)
		return -1;
	slash = strrchr(path, '/');
	dir = slash == path ? xstrdup("/") : xstrndup(path,
	    (size_t)(slash - path));
	*base_r = slash + 1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*err_r = xasprintf("maillog_file = %s: directory %s: %s", path,
		    dir, strerror(errno));
		free(dir);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*err_r = xasprintf("maillog_file = %s: directory %s: %s", path,
		    dir, strerror(errno));
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*err_r = xasprintf("maillog_file = %s: directory %s belongs "
		    "to uid %lu: it must belong to root%s", path, dir,
		    (unsigned long)st.st_uid, geteuid() == 0 ? "" :
		    " or to the user running the mail system");
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*err_r = xasprintf("maillog_file = %s: directory %s (mode "
		    "%03o) is writable by other users", path, dir,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	free(dir);
	return fd;
fail:
	free(dir);
	close(fd);
	return -1;
}

int
maillog_open(const char *path, const char *prefixes, char **err_r)
{
	struct stat st;
	const char *base;
	int dfd, fd;

	if (strcmp(path, MAILLOG_STDOUT) == 0) {
		if ((fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
			*err_r = xasprintf("maillog_file = %s: standard output: "
			    "%s", path, strerror(errno));
		return fd;
	}
	if ((dfd = maillog_dir_open(path, prefixes, &base, err_r)) < 0)
		return -1;
	fd = openat(dfd, base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0640);
	close(dfd);
	if (fd < 0) {
		*err_r = xasprintf("maillog_file = %s: %s", path,
		    errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err_r = xasprintf("maillog_file = %s: not a regular file",
		    path);
		close(fd);
		return -1;
	}
	/* O_NONBLOCK was only for the open (a FIFO would have blocked it) */
	(void)fcntl(fd, F_SETFL, O_APPEND);
	return fd;
}

/* log_owner may not be the user of another service. */
static int
maillog_owner_check(char **err_r)
{
	static const char *const others[] = { "mail_owner", "vmail_owner",
	    "auth_owner", "resolver_owner" };
	struct priv_user log, pu;
	const char *why, *name;
	size_t i;

	if (priv_lookup(var_log_owner, &log, &why) < 0)
		return 0;	/* missing: whoever needs it says so */
	if (log.uid == 0) {
		*err_r = xasprintf("log_owner = %s: the log service must not "
		    "run as root", var_log_owner);
		return -1;
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if ((name = params_get(others[i])) == NULL ||
		    priv_lookup(name, &pu, &why) < 0 || pu.uid != log.uid)
			continue;
		*err_r = xasprintf("log_owner = %s: %s runs as that user too; "
		    "give the log service a user of its own (e.g. %s)",
		    var_log_owner, others[i], DEF_LOG_OWNER);
		return -1;
	}
	return 0;
}

int
maillog_conf_check(const struct mastercf *mcf, char **err_r)
{
	const struct mastercf_entry *e;
	size_t i;

	for (i = 0; i < mcf->n; i++) {
		e = &mcf->entries[i];
		if (e->type == MASTERCF_UNIX_DGRAM &&
		    strcmp(e->name, var_postlog_service_name) != 0) {
			*err_r = xasprintf("%s:%d: service \"%s\": unix-dgram "
			    "is the type of the log service only "
			    "(postlog_service_name = %s)", e->path, e->line,
			    e->name, var_postlog_service_name);
			return -1;
		}
	}
	if (*var_maillog_file == '\0')
		return 0;
	e = mastercf_find(mcf, var_postlog_service_name, MASTERCF_UNIX_DGRAM);
	if (e == NULL) {
		*err_r = xasprintf("maillog_file is set, but master.cf has no "
		    "log service: add the line \"%s unix-dgram n n y - 1 "
		    "postlogd\"", var_postlog_service_name);
		return -1;
	}
	if (e->unpriv) {
		*err_r = xasprintf("%s:%d: service \"%s\": the log service "
		    "runs as log_owner, never as mail_owner: set its unpriv "
		    "column to n", e->path, e->line, e->name);
		return -1;
	}
	return geteuid() == 0 ? maillog_owner_check(err_r) : 0;
}

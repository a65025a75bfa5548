/*
 * NAME
 *	maildir - open and create Maildirs beneath the mail root, unique
 *	names, tmp/ cleaning; see maildir.h.
 *
 * DESCRIPTION
 *	Every directory is reached by openat() from its parent, one path
 *	component at a time, so the only directory named by a path string
 *	outside this file is the root the caller opened.
 *
 * SECURITY
 *	Paths and folder names are untrusted (table values, address
 *	extensions): see maildir.h. O_NOFOLLOW on every component means
 *	that a mailbox owner who plants a symbolic link in his Maildir gets
 *	an error, never a write elsewhere.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "maildir.h"
#include "xmalloc.h"

#define MAILDIR_DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | \
				 O_CLOEXEC)

/* *err_r = "WHAT PATH[/SUB]: reason" (err_set), errno kept. */
static void
maildir_err(char **err_r, const char *what, const char *path,
    const char *sub)
{
	(void)err_set(err_r, "%s %s%s%s: %s", what, path,
	    sub != NULL ? "/" : "", sub != NULL ? sub : "", errno == ELOOP ?
	    "is a symbolic link (refused)" : strerror(errno));
}

int
maildir_path_ok(const char *path)
{
	const char *p = path, *comp;
	size_t len, n = 0;

	if (strlen(path) > MAILDIR_PATH_MAX)
		return 0;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	for (p = path; *p != '\0'; p += len) {
		p += strspn(p, "/");
		comp = p;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if ((len == 1 && comp[0] == '.') ||
		    (len == 2 && comp[0] == '.' && comp[1] == '.'))
			return 0;
		n++;
	}
	return n > 0;
}

int
maildir_folder_name_ok(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (len == 0 || len > 255 || name[0] == '.' || name[len - 1] == '.' ||
	    strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
			return 0;
	return 1;
}

/* openat a directory without following a link; ELOOP for a link. */
static int
maildir_opendir(int dirfd, const char *name)
{
	struct stat st;
	int fd;

	if ((fd = fsutil_open_beneath(dirfd, name, MAILDIR_DIR_FLAGS, 0)) < 0 &&
	    errno == ENOTDIR && fstatat(dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		errno = ELOOP;
	return fd;
}

/*
 * The directory name below dirfd, created (0700) when missing and
 * create is set; the parent is then fsynced so the new entry is
 * durable. -1 with errno.
 */
static int
maildir_subdir(int dirfd, const char *name, int create)
{
	int fd;

	if ((fd = maildir_opendir(dirfd, name)) >= 0 || errno != ENOENT ||
	    !create)
		return fd;
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	if (fsync(dirfd) < 0)
		return -1;
	return maildir_opendir(dirfd, name);
}

static void
maildir_free(struct maildir *md)
{
	if (md->curfd >= 0)
		close(md->curfd);
	if (md->newfd >= 0)
		close(md->newfd);
	if (md->tmpfd >= 0)
		close(md->tmpfd);
	if (md->fd >= 0)
		close(md->fd);
	free(md->path);
	free(md);
}

void
maildir_close(struct maildir **mdp)
{
	if (*mdp == NULL)
		return;
	maildir_free(*mdp);
	*mdp = NULL;
}

/* tmp/, new/ and cur/ of md->fd; create them when create is set. */
static int
maildir_open_subdirs(struct maildir *md, int create, char **err_r)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	int *fds[] = { &md->tmpfd, &md->newfd, &md->curfd };
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((*fds[i] = maildir_subdir(md->fd, sub[i], create)) < 0) {
			maildir_err(err_r, "open", md->path, sub[i]);
			return -1;
		}
	}
	return 0;
}

static struct maildir *
maildir_alloc(int fd, const char *path)
{
	struct maildir *md = xcalloc(1, sizeof(*md));

	md->fd = fd;
	md->tmpfd = md->newfd = md->curfd = -1;
	md->path = xstrdup(path);
	return md;
}

int
maildir_open(int rootfd, const char *path, int flags,
    struct maildir **md_r, char **err_r)
{
	const char *p;
	char comp[MAILDIR_PATH_MAX + 1], norm[MAILDIR_PATH_MAX + 1];
	struct maildir *md;
	int cur = rootfd, next, create = (flags & MAILDIR_CREATE) != 0;
	size_t len;

	*md_r = NULL;
	if (!maildir_path_ok(path)) {
		errno = EINVAL;
		return err_set(err_r, "bad Maildir path \"%.*s\"", 200, path);
	}
	norm[0] = '\0';
	for (p = path; ; p += len) {
		p += strspn(p, "/");
		if ((len = strcspn(p, "/")) == 0)
			break;
		memcpy(comp, p, len);
		comp[len] = '\0';
		/* the path as messages show it: a/b/c, no extra slashes */
		if (p != path + strspn(path, "/"))
			(void)strlcat(norm, "/", sizeof(norm));
		(void)strlcat(norm, comp, sizeof(norm));
		next = maildir_subdir(cur, comp, create);
		if (next < 0) {
			maildir_err(err_r, "open", path, NULL);
			if (cur != rootfd)
				close(cur);
			return -1;
		}
		if (cur != rootfd)
			close(cur);
		cur = next;
	}
	md = maildir_alloc(cur, norm);
	if (maildir_open_subdirs(md, create, err_r) < 0) {
		maildir_free(md);
		return -1;
	}
	*md_r = md;
	return 0;
}

/* Find ".name" ignoring ASCII case; 1 and the real name in buf. */
static int
maildir_folder_find(int dirfd, const char *name, char *buf, size_t len)
{
	struct dirent *de;
	DIR *d;
	int fd, found = 0;

	if ((fd = dup(dirfd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    strcasecmp(de->d_name + 1, name) == 0 &&
		    strlen(de->d_name) < len) {
			strlcpy(buf, de->d_name, len);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

int
maildir_open_folder(struct maildir *md, const char *name,
    struct maildir **f_r, char **err_r)
{
	char dname[MAILDIR_NAME_MAX + 2], *path;
	struct maildir *f;
	int fd, r;

	*f_r = NULL;
	if (!maildir_folder_name_ok(name))
		return 0;
	snprintf(dname, sizeof(dname), ".%s", name);
	if ((fd = maildir_opendir(md->fd, dname)) < 0 && errno == ENOENT) {
		if ((r = maildir_folder_find(md->fd, name, dname,
		    sizeof(dname))) <= 0) {
			if (r == 0)
				return 0;
			maildir_err(err_r, "read", md->path, NULL);
			return -1;
		}
		fd = maildir_opendir(md->fd, dname);
	}
	/* a link or a file is not a folder: the inbox it is */
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR || errno == ENOENT))
		return 0;
	if (fd < 0) {
		maildir_err(err_r, "open", md->path, dname);
		return -1;
	}
	path = xasprintf("%s/%s", md->path, dname);
	f = maildir_alloc(fd, path);
	free(path);
	if (maildir_open_subdirs(f, 1, err_r) < 0) {
		maildir_free(f);
		return -1;
	}
	*f_r = f;
	return 1;
}

int
maildir_unique(char *buf, size_t len, const struct timeval *tv, long pid,
    unsigned long q, const char *host)
{
	int n;

	n = snprintf(buf, len, "%lld.M%ldP%ldQ%lu.%s", (long long)tv->tv_sec,
	    (long)tv->tv_usec, pid, q, host);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
maildir_hostname(void)
{
	static char esc[MAILDIR_HOST_MAX + 1];
	char host[256], *o;
	const char *p;
	size_t n;

	if (esc[0] != '\0')
		return esc;
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (p = host, o = esc; *p != '\0'; p++) {
		/* room for an escape and the NUL */
		n = (size_t)(o - esc);
		if (n + 5 > sizeof(esc))
			break;
		if (*p == '/' || *p == ':' || *p == ',') {
			snprintf(o, 5, "\\%03o", (unsigned char)*p);
			o += 4;
		} else if ((unsigned char)*p > 0x20 && *p != 0x7f)
			*o++ = *p;
	}
	*o = '\0';
	if (esc[0] == '\0')
		strlcpy(esc, "localhost", sizeof(esc));
	return esc;
}

int
maildir_name_field(const char *name, int field, uint64_t *value_r)
{
	const char *p, *d, *end;
	uint64_t v;

	/* the fields sit after the unique part, before any :2,info */
	if ((end = strchr(name, ':')) == NULL)
		end = name + strlen(name);
	for (p = name; (p = memchr(p, ',', (size_t)(end - p))) != NULL;
	    p++) {
		if (end - p < 3 || p[1] != field || p[2] != '=')
			continue;
		d = p + 3;
		if (d >= end || *d < '0' || *d > '9')
			continue;
		for (v = 0; d < end && *d >= '0' && *d <= '9'; d++) {
			if (v > (UINT64_MAX - 9) / 10)
				return 0;
			v = v * 10 + (uint64_t)(*d - '0');
		}
		if (d == end || *d == ',') {
			*value_r = v;
			return 1;
		}
	}
	return 0;
}

int
maildir_name_size(const char *name, uint64_t *size_r)
{
	return maildir_name_field(name, 'S', size_r);
}

int
maildir_clean_tmp(struct maildir *md, time_t now)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, n = 0, seen = 0;

	if ((fd = dup(md->tmpfd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL && seen++ < MAILDIR_CLEAN_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(md->tmpfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ||
		    st.st_mtime > now - MAILDIR_TMP_MAX_AGE)
			continue;
		if (unlinkat(md->tmpfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

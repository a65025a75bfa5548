/*
 * NAME
 *	maildir_quota - the Maildir++ maildirsize file; see
 *	maildir_quota.h.
 *
 * SECURITY
 *	The file belongs to the mailbox owner and is parsed as untrusted:
 *	bounded read, overflow-checked numbers, rebuild on any doubt.
 *	Folders are opened with O_NOFOLLOW: a symbolic link planted as a
 *	.Folder is skipped, never followed.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "maildir.h"
#include "maildir_quota.h"
#include "xmalloc.h"

#define MQ_READ_MAX	(MAILDIR_QUOTA_FILE_MAX * 2)
#define MQ_DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* *err_r = "WHAT MAILDIR/maildirsize: reason" (err_set), errno kept. */
static void
mq_err(char **err_r, const struct maildir *md, const char *what)
{
	(void)err_set(err_r, "%s %s/%s: %m", what, md->path,
	    MAILDIR_QUOTA_FILE);
}

/* A signed decimal at *pp, overflow-checked; 0 and *v, or -1. */
static int
mq_number(const char **pp, const char *end, long long *v)
{
	const char *p = *pp;
	long long n = 0;
	int neg = 0, digits = 0;

	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (n > (LLONG_MAX - (*p - '0')) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (digits == 0)
		return -1;
	*v = neg ? -n : n;
	*pp = p;
	return 0;
}

int
maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	const char *p = text, *end = text + len, *eol;
	long long v, b, c;

	q->limit_bytes = q->limit_count = q->bytes = q->count = 0;
	if ((eol = memchr(p, '\n', len)) == NULL)
		return -1;
	/* the limits: NUMBER S and/or NUMBER C, comma-separated */
	while (p < eol) {
		if (mq_number(&p, eol, &v) < 0 || v < 0 || p == eol)
			return -1;
		if (*p == 'S')
			q->limit_bytes = v;
		else if (*p == 'C')
			q->limit_count = v;
		else
			return -1;
		p++;
		if (p < eol && *p++ != ',')
			return -1;
	}
	for (p = eol + 1; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;	/* a torn last line */
		p += strspn(p, " ");
		if (mq_number(&p, eol, &b) < 0)
			return -1;
		if (p == eol || *p != ' ')
			return -1;
		p += strspn(p, " ");
		if (mq_number(&p, eol, &c) < 0)
			return -1;
		p += strspn(p, " ");
		if (p != eol)
			return -1;
		if ((b > 0 && q->bytes > LLONG_MAX - b) ||
		    (b < 0 && q->bytes < LLONG_MIN - b) ||
		    (c > 0 && q->count > LLONG_MAX - c) ||
		    (c < 0 && q->count < LLONG_MIN - c))
			return -1;
		q->bytes += b;
		q->count += c;
	}
	return 0;
}

void
maildir_quota_def(const struct maildir_quota *q, char *buf, size_t len)
{
	if (q->limit_bytes > 0 && q->limit_count > 0)
		snprintf(buf, len, "%lldS,%lldC", q->limit_bytes,
		    q->limit_count);
	else if (q->limit_count > 0)
		snprintf(buf, len, "%lldC", q->limit_count);
	else
		snprintf(buf, len, "%lldS", q->limit_bytes);
}

int
maildir_quota_exceeded(const struct maildir_quota *q, uint64_t bytes,
    long long count)
{
	if (q->limit_bytes > 0 && (q->bytes > q->limit_bytes ||
	    bytes > (uint64_t)(q->limit_bytes - q->bytes)))
		return 1;
	if (q->limit_count > 0 && (q->count > q->limit_count ||
	    count > q->limit_count - q->count))
		return 1;
	return 0;
}

/* Add the messages of one cur/ or new/ directory (below dirfd). */
static void
mq_sum_dir(int dirfd, const char *sub, struct maildir_quota *q)
{
	struct dirent *de;
	struct stat st;
	uint64_t size;
	DIR *d;
	int fd;

	if ((fd = openat(dirfd, sub, MQ_DIR_FLAGS)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!maildir_name_size(de->d_name, &size)) {
			if (fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			size = (uint64_t)st.st_size;
		}
		if (size > (uint64_t)(LLONG_MAX - q->bytes))
			size = (uint64_t)(LLONG_MAX - q->bytes);
		q->bytes += (long long)size;
		q->count++;
	}
	closedir(d);
}

/* cur/ and new/ of the Maildir and of each .Folder. */
static int
mq_sum(struct maildir *md, struct maildir_quota *q)
{
	struct dirent *de;
	DIR *d;
	int fd, ffd;

	q->bytes = q->count = 0;
	mq_sum_dir(md->fd, "cur", q);
	mq_sum_dir(md->fd, "new", q);
	if ((fd = dup(md->fd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((ffd = openat(md->fd, de->d_name, MQ_DIR_FLAGS)) < 0)
			continue;	/* a file, or a link: not a folder */
		mq_sum_dir(ffd, "cur", q);
		mq_sum_dir(ffd, "new", q);
		close(ffd);
	}
	closedir(d);
	return 0;
}

int
maildir_quota_recalc(struct maildir *md, struct maildir_quota *q,
    char **err_r)
{
	char def[64], text[128], tmpname[MAILDIR_NAME_MAX + 1];
	struct timeval tv;
	ssize_t n;
	int fd, len;

	if (mq_sum(md, q) < 0) {
		mq_err(err_r, md, "rebuild");
		return -1;
	}
	maildir_quota_def(q, def, sizeof(def));
	len = snprintf(text, sizeof(text), "%s\n%lld %lld\n", def, q->bytes,
	    q->count);
	gettimeofday(&tv, NULL);
	if (maildir_unique(tmpname, sizeof(tmpname), &tv, (long)getpid(), 0,
	    "maildirsize") < 0) {
		errno = ENAMETOOLONG;
		mq_err(err_r, md, "rebuild");
		return -1;
	}
	fd = openat(md->tmpfd, tmpname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		mq_err(err_r, md, "rebuild");
		return -1;
	}
	n = write(fd, text, (size_t)len);
	if (n != len || close(fd) < 0) {
		if (n >= 0 && n != len)
			errno = EIO;
		mq_err(err_r, md, "rebuild");
		(void)unlinkat(md->tmpfd, tmpname, 0);
		return -1;
	}
	if (renameat(md->tmpfd, tmpname, md->fd, MAILDIR_QUOTA_FILE) < 0) {
		mq_err(err_r, md, "rebuild");
		(void)unlinkat(md->tmpfd, tmpname, 0);
		return -1;
	}
	return 0;
}

int
maildir_quota_get(struct maildir *md, struct maildir_quota *q, time_t now,
    char **err_r)
{
	struct maildir_quota file;
	struct stat st;
	char buf[MQ_READ_MAX];
	ssize_t n;
	int fd;

	fd = openat(md->fd, MAILDIR_QUOTA_FILE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			return maildir_quota_recalc(md, q, err_r);
		mq_err(err_r, md, "open");
		return -1;
	}
	if (fstat(fd, &st) < 0 || (n = read(fd, buf, sizeof(buf))) < 0) {
		mq_err(err_r, md, "read");
		close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || n > MAILDIR_QUOTA_FILE_MAX ||
	    maildir_quota_parse(buf, (size_t)n, &file) < 0 ||
	    file.limit_bytes != q->limit_bytes ||
	    file.limit_count != q->limit_count || file.bytes < 0 ||
	    file.count < 0)
		return maildir_quota_recalc(md, q, err_r);
	q->bytes = file.bytes;
	q->count = file.count;
	if (maildir_quota_exceeded(q, 0, 0) &&
	    st.st_mtime < now - MAILDIR_QUOTA_RECHECK)
		return maildir_quota_recalc(md, q, err_r);
	return 0;
}

int
maildir_quota_add(struct maildir *md, long long bytes, long long count)
{
	char line[64];
	ssize_t n;
	int fd, len;

	fd = openat(md->fd, MAILDIR_QUOTA_FILE, O_WRONLY | O_APPEND |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	len = snprintf(line, sizeof(line), "%lld %lld\n", bytes, count);
	n = write(fd, line, (size_t)len);
	if (n >= 0 && n != len)
		errno = EIO;
	if (close(fd) < 0 || n != len)
		return -1;
	return 0;
}

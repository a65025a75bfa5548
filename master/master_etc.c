/*
 * NAME
 *	master_etc - the files name resolution reads, copied into the jail.
 *
 * DESCRIPTION
 *	smtpd runs chrooted to queue_directory and looks up client names
 *	with the C library, which reads /etc/hosts, /etc/nsswitch.conf,
 *	/etc/resolv.conf and friends at each lookup. Inside the jail they
 *	are missing: every lookup then asks a name server on 127.0.0.1 that
 *	is usually not there, and local clients are "unknown". As Debian
 *	does for Postfix, the master copies them to queue_directory/etc at
 *	start and at each reload, root only (without root nothing is
 *	chrooted). A file that is gone from /etc goes from the copy too.
 *
 * SECURITY
 *	queue_directory belongs to root; etc/ in it is made by root, mode
 *	0755, and a copy is written under a temporary name and renamed, so
 *	no service user can change what another service reads. A source
 *	file over MASTER_ETC_MAX bytes is not copied.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "master.h"
#include "xmalloc.h"

#define MASTER_ETC_DIR	"etc"
#define MASTER_ETC_MAX	(1024 * 1024)

static const char *const master_etc_files[] = {
	"hosts", "nsswitch.conf", "resolv.conf", "host.conf", "gai.conf",
	"services", "localtime", NULL
};

/* The whole file into *buf: its length, or -1 with errno. */
static ssize_t
master_etc_read(const char *path, char **buf)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > MASTER_ETC_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	while (got < st.st_size) {
		n = read(fd, *buf + got, (size_t)(st.st_size - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;		/* shrank meanwhile: what is there */
		got += n;
	}
	close(fd);
	return got;
fail:
	n = errno;
	free(*buf);
	*buf = NULL;
	close(fd);
	errno = (int)n;
	return -1;
}

static void
master_etc_copy(const char *name)
{
	char src[256], dst[256], tmp[256], *want, *have;
	ssize_t wlen, hlen;
	int fd;

	snprintf(src, sizeof(src), "/etc/%s", name);
	snprintf(dst, sizeof(dst), "%s/%s", MASTER_ETC_DIR, name);
	if ((wlen = master_etc_read(src, &want)) < 0) {
		if (errno == ENOENT && unlink(dst) == 0)
			log_info("removed %s/%s: %s is gone", master_qdir, dst,
			    src);
		else if (errno != ENOENT)
			log_warn("%s: %m; not copied into the jail", src);
		return;
	}
	hlen = master_etc_read(dst, &have);
	if (hlen == wlen && memcmp(want, have, (size_t)wlen) == 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", MASTER_ETC_DIR, name);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 ||
	    fsutil_write_all(fd, want, (size_t)wlen) < 0 ||
	    close(fd) < 0 || rename(tmp, dst) < 0) {
		log_warn("copy %s to %s/%s: %m", src, master_qdir, dst);
		(void)unlink(tmp);
	}
out:
	free(want);
	free(have);
}

void
master_etc_update(void)
{
	struct stat st;
	size_t i;

	if (geteuid() != 0)
		return;
	if (mkdir(MASTER_ETC_DIR, 0755) < 0 && errno != EEXIST) {
		log_warn("mkdir %s/%s: %m", master_qdir, MASTER_ETC_DIR);
		return;
	}
	if (lstat(MASTER_ETC_DIR, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 022) != 0) {
		log_warn("%s/%s: not a directory of root's that only root "
		    "can write; name lookups in the jail use no copy of /etc",
		    master_qdir, MASTER_ETC_DIR);
		return;
	}
	for (i = 0; master_etc_files[i] != NULL; i++)
		master_etc_copy(master_etc_files[i]);
}

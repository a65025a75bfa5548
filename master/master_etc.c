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
 *	queue_directory belongs to root (main.c checks it); etc/ in it is
 *	made root's, mode 0755, through its descriptor, and every copy is
 *	written under a temporary name through that descriptor and renamed
 *	(lib/fsat), so no service user can change what another service
 *	reads. A source file over MASTER_ETC_MAX bytes is not copied.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsat.h"
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

/* The whole file dfd/name into *buf: its length, or -1 with errno. */
static ssize_t
master_etc_read(int dfd, const char *name, int nofollow, char **buf)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd;

	*buf = NULL;
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    (nofollow ? O_NOFOLLOW : 0))) < 0)
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
master_etc_copy(int sysfd, int etcfd, const char *name)
{
	char tmp[256], *want, *have, *err;
	ssize_t wlen, hlen;
	int fd;

	if ((wlen = master_etc_read(sysfd, name, 0, &want)) < 0) {
		if (errno == ENOENT && unlinkat(etcfd, name, 0) == 0)
			log_info("removed %s/%s/%s: /etc/%s is gone",
			    master_qdir, MASTER_ETC_DIR, name, name);
		else if (errno != ENOENT)
			log_warn("/etc/%s: %m; not copied into the jail", name);
		return;
	}
	hlen = master_etc_read(etcfd, name, 1, &have);
	if (hlen == wlen && memcmp(want, have, (size_t)wlen) == 0)
		goto out;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)unlinkat(etcfd, tmp, 0);
	if ((fd = fsat_open(etcfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0644,
	    geteuid(), &err)) < 0) {
		log_warn("copy /etc/%s to %s/%s: %s", name, master_qdir,
		    MASTER_ETC_DIR, err);
		free(err);
		goto out;
	}
	if (fsutil_write_all(fd, want, (size_t)wlen) < 0 || close(fd) < 0 ||
	    renameat(etcfd, tmp, etcfd, name) < 0) {
		log_warn("copy /etc/%s to %s/%s/%s: %m", name, master_qdir,
		    MASTER_ETC_DIR, name);
		(void)unlinkat(etcfd, tmp, 0);
	}
out:
	free(want);
	free(have);
}

void
master_etc_update(void)
{
	char *err;
	size_t i;
	int sysfd, etcfd;

	if (geteuid() != 0)
		return;
	if ((etcfd = fsat_mkdir(AT_FDCWD, MASTER_ETC_DIR, 0755, 0, 0,
	    &err)) < 0) {
		log_warn("%s/%s; name lookups in the jail use no copy of /etc",
		    master_qdir, err);
		free(err);
		return;
	}
	if ((sysfd = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_warn("/etc: %m; not copied into the jail");
		close(etcfd);
		return;
	}
	for (i = 0; master_etc_files[i] != NULL; i++)
		master_etc_copy(sysfd, etcfd, master_etc_files[i]);
	close(sysfd);
	close(etcfd);
}

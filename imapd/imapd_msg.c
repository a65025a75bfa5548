/*
 * imapd_msg - a message's bytes for FETCH and SEARCH; see imapd.h.
 *
 * A whole message is mapped (read-only, private: Maildir files are
 * never changed in place); for the header alone the file is read in
 * growing pieces until its empty line, so a header search does not
 * touch the bodies.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "mime.h"
#include "xmalloc.h"

#define HEADER_FIRST	8192	/* bytes read first for a header */

/* Does buf hold the empty line that ends a header section? */
static int
header_ends(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;

	if (len > 0 && (buf[0] == '\n' || (len > 1 && buf[0] == '\r' &&
	    buf[1] == '\n')))
		return 1;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl + 1 < end && (nl[1] == '\n' ||
		    (nl[1] == '\r' && nl + 2 < end && nl[2] == '\n')))
			return 1;
		p = nl + 1;
	}
	return 0;
}

static int
read_header(int fd, size_t size, struct imapd_msg *m)
{
	size_t want = HEADER_FIRST, got = 0;
	char *buf = NULL;
	ssize_t n;

	for (;;) {
		if (want > size)
			want = size;
		buf = xreallocarray(buf, want + 1, 1);
		while (got < want) {
			n = pread(fd, buf + got, want - got, (off_t)got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < want || want == size || header_ends(buf, got))
			break;
		want *= 4;
	}
	m->data = buf;
	m->len = got;
	m->full = got == size;
	m->owned = 1;
	return 0;
}

int
imapd_msg_load(struct imapd *d, uint32_t uid, int full, struct imapd_msg *m)
{
	struct stat st;
	char *err = NULL;
	void *p;
	int fd, r;

	memset(m, 0, sizeof(*m));
	m->uid = uid;
	if ((r = mailbox_msg_open(d->sel->mb, uid, &fd, &err)) <= 0) {
		if (r < 0) {
			log_warn("%s: %s", d->sess.user, err);
			free(err);
		}
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warn("%s: message %u: %s", d->sess.user, uid,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!full) {
		(void)read_header(fd, (size_t)st.st_size, m);
		close(fd);
		return 1;
	}
	m->full = 1;
	m->len = (size_t)st.st_size;
	if (m->len == 0) {
		m->data = "";
		close(fd);
		return 1;
	}
	p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("%s: message %u: mmap: %s", d->sess.user, uid,
		    strerror(errno));
		m->len = 0;
		return -1;
	}
	m->data = p;
	m->mapped = 1;
	return 1;
}

struct mime_msg *
imapd_msg_mime(struct imapd_msg *m)
{
	if (m->mime == NULL)
		m->mime = mime_parse(m->data, m->len);
	return m->mime;
}

void
imapd_msg_free(struct imapd_msg *m)
{
	mime_free(&m->mime);
	if (m->mapped)
		(void)munmap((void *)(uintptr_t)m->data, m->len);
	else if (m->owned)
		free((void *)(uintptr_t)m->data);
	memset(m, 0, sizeof(*m));
}

void
imapd_msg_prefetch(struct imapd *d, uint32_t uid, size_t bytes)
{
	char *err = NULL;
	int fd;

	/* ask for the start of the file now; the read comes later */
	if (mailbox_msg_open(d->sel->mb, uid, &fd, &err) <= 0) {
		free(err);
		return;
	}
	(void)posix_fadvise(fd, 0, (off_t)bytes, POSIX_FADV_WILLNEED);
	close(fd);
}

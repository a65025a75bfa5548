/*
 * NAME
 *	maildir_msg - write one message into a Maildir: tmp/, fsync,
 *	link into new/, fsync new/ (shared with other deliveries into it,
 *	lib/dirsync), unlink from tmp/; see maildir.h.
 *
 * DESCRIPTION
 *	The message is buffered in MAILDIR_MSG_BUF bytes and written in
 *	whole buffers. CRLF conversion keeps one state bit: a CR that
 *	ended the previous chunk and may be the first half of a CRLF.
 *	Errors are sticky: the first failed write is remembered and
 *	reported by every later call, so a caller can write everything and
 *	check at commit.
 *
 * SECURITY
 *	The file is created O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600, in a
 *	tmp/ directory opened without following links; the new/ name is
 *	made with linkat(), which never replaces an existing file.
 *
 *	UNSAFE: buffer arithmetic in maildir_msg_put and the CRLF scan;
 *	every copy is bounded by the room left in the buffer.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirsync.h"
#include "err.h"
#include "maildir.h"
#include "xmalloc.h"

#define MAILDIR_MSG_BUF		(64 * 1024)
#define MAILDIR_MSG_TRIES	20	/* names tried before giving up */

struct maildir_msg {
	struct maildir	*md;
	int		 fd;
	int		 flags;
	int		 err;		/* sticky errno, 0 when fine */
	int		 pending_cr;	/* a CR ended the last chunk */
	uint64_t	 size;		/* stored, buffered included */
	uint64_t	 bare_lf;	/* LFs stored without a CR before */
	int		 last_cr;	/* the last byte stored was a CR */
	size_t		 buflen;
	char		 name[MAILDIR_NAME_MAX + 1];	/* in tmp/ */
	char		 buf[MAILDIR_MSG_BUF];
};

static unsigned long maildir_msg_q;

/* *err_r = "WHAT MAILDIR/SUB/NAME: reason" (err_set), errno kept. */
static void
maildir_msg_err(char **err_r, struct maildir *md, const char *what,
    const char *sub, const char *name)
{
	(void)err_set(err_r, "%s %s/%s/%s: %m", what, md->path, sub, name);
}

/* A fresh unique name into buf. */
static int
maildir_msg_name(char *buf, size_t len)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return maildir_unique(buf, len, &tv, (long)getpid(), ++maildir_msg_q,
	    maildir_hostname());
}

struct maildir_msg *
maildir_msg_new(struct maildir *md, int flags, char **err_r)
{
	struct maildir_msg *m;
	int i;

	m = xmalloc(sizeof(*m));
	m->md = md;
	m->flags = flags;
	m->err = 0;
	m->pending_cr = 0;
	m->size = 0;
	m->bare_lf = 0;
	m->last_cr = 0;
	m->buflen = 0;
	m->fd = -1;
	for (i = 0; i < MAILDIR_MSG_TRIES && m->fd < 0; i++) {
		if (maildir_msg_name(m->name, sizeof(m->name)) < 0) {
			errno = ENAMETOOLONG;
			break;
		}
		m->fd = openat(md->tmpfd, m->name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (m->fd < 0 && errno != EEXIST)
			break;
	}
	if (m->fd < 0) {
		maildir_msg_err(err_r, md, "create", "tmp", m->name);
		free(m);
		return NULL;
	}
	return m;
}

static int
maildir_msg_flush(struct maildir_msg *m)
{
	const char *p = m->buf;
	size_t len = m->buflen;
	ssize_t n;

	while (len > 0) {
		if ((n = write(m->fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			m->err = errno;
			return -1;
		}
		if (n == 0) {
			m->err = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	m->buflen = 0;
	return 0;
}

uint64_t
maildir_bare_lf(const void *buf, size_t len, int *last_cr)
{
	const char *p = buf, *lf, *end = p + len;
	uint64_t n = 0;

	if (len == 0)
		return 0;
	for (; (lf = memchr(p, '\n', (size_t)(end - p))) != NULL; p = lf + 1)
		if (!(lf > (const char *)buf ? lf[-1] == '\r' : *last_cr))
			n++;
	*last_cr = end[-1] == '\r';
	return n;
}

/* Append bytes as they are. */
static int
maildir_msg_put(struct maildir_msg *m, const char *p, size_t len)
{
	size_t room;

	m->bare_lf += maildir_bare_lf(p, len, &m->last_cr);
	while (len > 0) {
		if (m->buflen == sizeof(m->buf) && maildir_msg_flush(m) < 0)
			return -1;
		room = sizeof(m->buf) - m->buflen;
		if (room > len)
			room = len;
		memcpy(m->buf + m->buflen, p, room);
		m->buflen += room;
		m->size += room;
		p += room;
		len -= room;
	}
	return 0;
}

/*
 * CR LF pairs of p..end as LF, straight into the buffer, as much as its
 * room takes (one pass and one copy per line, not a call per line): the
 * input not used yet, or NULL when the last byte is a CR whose next
 * byte has not come.
 */
static const char *
maildir_msg_unfold(struct maildir_msg *m, const char *p, const char *end)
{
	size_t room = sizeof(m->buf) - m->buflen;
	char *dst = m->buf + m->buflen, *out = dst;
	const char *lim, *cr;

	/* UNSAFE: every output byte stands for an input byte before lim */
	lim = (size_t)(end - p) > room ? p + room : end;
	while (p < lim) {
		if ((cr = memchr(p, '\r', (size_t)(lim - p))) == NULL)
			cr = lim;
		memcpy(out, p, (size_t)(cr - p));
		out += cr - p;
		p = cr;
		if (cr == lim)
			break;
		if (cr + 1 == end) {
			p = NULL;
			break;
		}
		/* a pair gives one byte for two, a bare CR is kept */
		*out++ = cr[1] == '\n' ? '\n' : '\r';
		p = cr[1] == '\n' ? cr + 2 : cr + 1;
	}
	m->bare_lf += maildir_bare_lf(dst, (size_t)(out - dst), &m->last_cr);
	m->buflen += (size_t)(out - dst);
	m->size += (size_t)(out - dst);
	return p;
}

int
maildir_msg_write(struct maildir_msg *m, const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;

	if (m->err != 0) {
		errno = m->err;
		return -1;
	}
	if ((m->flags & MAILDIR_MSG_CRLF) == 0) {
		if (maildir_msg_put(m, p, len) < 0)
			goto fail;
		return 0;
	}
	if (m->pending_cr && p < end) {
		m->pending_cr = 0;
		if (*p == '\n') {
			if (maildir_msg_put(m, "\n", 1) < 0)
				goto fail;
			p++;
		} else if (maildir_msg_put(m, "\r", 1) < 0)
			goto fail;
	}
	while (p < end) {
		if (m->buflen == sizeof(m->buf) && maildir_msg_flush(m) < 0)
			goto fail;
		if ((p = maildir_msg_unfold(m, p, end)) == NULL) {
			m->pending_cr = 1;	/* the last byte: a CR */
			break;
		}
	}
	return 0;
fail:
	errno = m->err;
	return -1;
}

uint64_t
maildir_msg_size(const struct maildir_msg *m)
{
	return m->size + (m->pending_cr ? 1 : 0);
}

uint64_t
maildir_msg_vsize(const struct maildir_msg *m)
{
	return maildir_msg_size(m) + m->bare_lf;
}

void
maildir_msg_abort(struct maildir_msg *m)
{
	int saved = errno;

	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	(void)unlinkat(m->md->tmpfd, m->name, 0);
	free(m);
	errno = saved;
}

/*
 * Give tmp/name its name in new/, with ,S=, never over another name:
 * link it (the tmp/ name goes after the sync of new/). Not a rename: a
 * rename across directories holds the file system's one rename lock
 * while it waits for both directories, and tmp/ is busy with the
 * creates of parallel deliveries, so smtpd's commits (which rename too)
 * waited behind it; link locks new/ alone, the unlink tmp/ alone.
 */
static int
maildir_msg_link(struct maildir_msg *m, char *newname, size_t len,
    char **err_r)
{
	char base[MAILDIR_NAME_MAX + 1];
	int i, n;

	strlcpy(base, m->name, sizeof(base));
	for (i = 0; i < MAILDIR_MSG_TRIES; i++) {
		n = snprintf(newname, len, "%s,S=%llu,W=%llu", base,
		    (unsigned long long)m->size,
		    (unsigned long long)(m->size + m->bare_lf));
		if (n < 0 || (size_t)n >= len) {
			errno = ENAMETOOLONG;
			break;
		}
		if (linkat(m->md->tmpfd, m->name, m->md->newfd, newname,
		    0) == 0)
			return 0;
		if (errno != EEXIST)
			break;
		/* someone has that name (cannot happen with sane clocks) */
		if (maildir_msg_name(base, sizeof(base)) < 0) {
			errno = ENAMETOOLONG;
			break;
		}
	}
	maildir_msg_err(err_r, m->md, "move into", "new", newname);
	return -1;
}

static int maildir_dir_sync = 1;
static struct dirsync *maildir_dirsync;

void
maildir_set_dir_sync(int on)
{
	maildir_dir_sync = on;
}

void
maildir_share_dir_syncs(struct dirsync *ds)
{
	maildir_dirsync = ds;
}

int
maildir_msg_commit(struct maildir_msg *m, char *name_r, size_t namelen,
    char **err_r)
{
	char newname[MAILDIR_NAME_MAX + 1];
	int saved;

	if (m->pending_cr) {
		m->pending_cr = 0;
		(void)maildir_msg_put(m, "\r", 1);
	}
	if (m->err == 0)
		(void)maildir_msg_flush(m);
	if (m->err != 0) {
		errno = m->err;
		maildir_msg_err(err_r, m->md, "write", "tmp", m->name);
		goto fail;
	}
	if (fsync(m->fd) < 0) {
		maildir_msg_err(err_r, m->md, "fsync", "tmp", m->name);
		goto fail;
	}
	if (close(m->fd) < 0) {
		m->fd = -1;
		maildir_msg_err(err_r, m->md, "close", "tmp", m->name);
		goto fail;
	}
	m->fd = -1;
	if (maildir_msg_link(m, newname, sizeof(newname), err_r) < 0)
		goto fail;
	if (maildir_dir_sync && dirsync_fsync(maildir_dirsync,
	    m->md->newfd) < 0) {
		/* not durable: take it back; the queue still has it */
		maildir_msg_err(err_r, m->md, "fsync", "new", "");
		saved = errno;
		(void)unlinkat(m->md->newfd, newname, 0);
		errno = saved;
		goto fail;
	}
	/*
	 * new/ has it for good: the tmp/ name goes (a crash keeps it, as a
	 * leftover that the 36-hour cleaning removes, never the message).
	 */
	(void)unlinkat(m->md->tmpfd, m->name, 0);
	if (name_r != NULL)
		strlcpy(name_r, newname, namelen);
	free(m);
	return 0;
fail:
	maildir_msg_abort(m);
	return -1;
}

/*
 * NAME
 *	relay_data - the message content on its way out: read from the
 *	queue file line by line, written to the server as SMTP DATA.
 *
 * DESCRIPTION
 *	The queue file holds the content with CR LF line ends, without
 *	SMTP's dot-stuffing. On the way out:
 *	  - a line that starts with "." gets another one (RFC 5321 4.5.2);
 *	  - a line longer than smtp_line_length_limit - 1 bytes is broken
 *	    by inserting CR LF SPACE, as Postfix does (RFC 5321 4.5.3.1.6
 *	    allows 998 bytes); 0 means no limit;
 *	  - with the 8BITMIME downgrade, lines go through relay_mime first.
 *	The final "." is left to the caller, so that it knows whether the
 *	server can have seen a complete message.
 *
 *	relay_reader_* read the content: whole lines when they fit the
 *	buffer, else pieces of one line (eol 0) in order.
 *
 * SECURITY
 *	The content is the sender's and is copied, never interpreted,
 *	except by relay_mime's downgrade. Reads are bounded by the content
 *	range qmgr gave, which lib/deliver_agent checked against the file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "params.h"
#include "relay.h"
#include "stream.h"
#include "xmalloc.h"

#define RELAY_READ_BUF	(64 * 1024)	/* below malloc's mmap threshold */

struct relay_reader {
	int		 fd;
	uint64_t	 off, end;	/* next file offset, end of content */
	char		*buf;
	size_t		 len, pos;	/* bytes in buf, next to return */
	int		 eof;
};

struct relay_reader *
relay_reader_new(const struct deliver_req *req)
{
	struct relay_reader *r = xcalloc(1, sizeof(*r));

	r->fd = req->qfd;
	r->off = req->content_offset;
	r->end = req->content_offset + req->content_size;
	r->buf = xmalloc(RELAY_READ_BUF);
	return r;
}

void
relay_reader_free(struct relay_reader **rp)
{
	if (*rp == NULL)
		return;
	free((*rp)->buf);
	free(*rp);
	*rp = NULL;
}

/* Move what is left to the front and read more: 0, or -1 with errno. */
static int
relay_reader_fill(struct relay_reader *r)
{
	size_t want;
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (!r->eof && r->len < RELAY_READ_BUF) {
		want = RELAY_READ_BUF - r->len;
		if (r->end - r->off < want)
			want = (size_t)(r->end - r->off);
		if (want == 0) {
			r->eof = 1;
			break;
		}
		n = pread(r->fd, r->buf + r->len, want, (off_t)r->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* shorter than announced */
			return -1;
		}
		r->len += (size_t)n;
		r->off += (uint64_t)n;
		break;
	}
	return 0;
}

int
relay_reader_line(struct relay_reader *r, const char **line_r, size_t *len_r,
    int *eol_r)
{
	char *nl;
	size_t avail, n;

	for (;;) {
		avail = r->len - r->pos;
		nl = avail > 0 ? memchr(r->buf + r->pos, '\n', avail) : NULL;
		if (nl != NULL || (r->eof && avail > 0) ||
		    (r->pos == 0 && r->len == RELAY_READ_BUF))
			break;
		if (r->eof)
			return 0;
		if (relay_reader_fill(r) < 0)
			return -1;
	}
	*line_r = r->buf + r->pos;
	if (nl != NULL) {
		n = (size_t)(nl - (r->buf + r->pos));
		r->pos += n + 1;
		if (n > 0 && (*line_r)[n - 1] == '\r')
			n--;
		*eol_r = 1;
	} else {
		/* a piece of an over-long line, or a last line without
		   its line end; never split a CR from its LF */
		n = avail;
		if (!r->eof && n > 1 && (*line_r)[n - 1] == '\r')
			n--;
		r->pos += n;
		*eol_r = r->eof && r->pos == r->len;
	}
	*len_r = n;
	return 1;
}

/* The output side: dot-stuffing and long-line breaking. */
struct relay_out {
	struct stream	*s;
	size_t		 col;		/* bytes on the output line so far */
	size_t		 limit;		/* most bytes per line, 0: any */
	int		 bol;		/* at the start of a content line */
};

static int
relay_out(struct relay_out *o, const char *p, size_t len, int eol)
{
	size_t avail;

	if (o->bol && len > 0 && p[0] == '.' && stream_write(o->s, ".", 1) < 0)
		return -1;
	while (len > 0) {
		avail = o->limit == 0 ? len : o->limit - o->col;
		if (len <= avail) {
			if (stream_write(o->s, p, len) < 0)
				return -1;
			o->col += len;
			break;
		}
		if (stream_write(o->s, p, avail) < 0 ||
		    stream_write(o->s, "\r\n ", 3) < 0)
			return -1;
		o->col = 1;
		p += avail;
		len -= avail;
	}
	o->bol = 0;
	if (eol) {
		if (stream_write(o->s, "\r\n", 2) < 0)
			return -1;
		o->col = 0;
		o->bol = 1;
	}
	return 0;
}

static int
relay_out_line(const char *line, size_t len, void *arg)
{
	return relay_out(arg, line, len, 1);
}

int
relay_data_send(struct stream *s, const struct deliver_req *req,
    struct relay_mime *mime, int *qerr_r)
{
	struct relay_reader *r = relay_reader_new(req);
	struct relay_out o;
	const char *line;
	size_t len;
	int n, eol, ret = 0;

	*qerr_r = 0;
	memset(&o, 0, sizeof(o));
	o.s = s;
	o.bol = 1;
	o.limit = var_smtp_line_length_limit > 1 ?
	    (size_t)var_smtp_line_length_limit - 1 : 0;
	if (mime != NULL)
		relay_mime_convert(mime, relay_out_line, &o);
	while ((n = relay_reader_line(r, &line, &len, &eol)) > 0) {
		if (mime != NULL ? relay_mime_line(mime, line, len) :
		    relay_out(&o, line, len, eol)) {
			ret = -1;
			break;
		}
	}
	if (n < 0) {
		*qerr_r = 1;
		ret = -1;
	} else if (ret == 0 && mime != NULL && relay_mime_end(mime) < 0)
		ret = -1;
	else if (ret == 0 && !o.bol && relay_out(&o, "", 0, 1) < 0)
		ret = -1;	/* content without a final line end */
	relay_reader_free(&r);
	return ret;
}

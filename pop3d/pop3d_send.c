/*
 * NAME
 *	pop3d_send - a message as RETR and TOP send it (RFC 1939 3).
 *
 * DESCRIPTION
 *	The file holds the message as delivery stored it, usually with LF
 *	line ends. Every LF without a CR before it goes out as CR LF (the
 *	rule ,W= sizes are counted by, lib/maildir), a line that begins
 *	with "." gets another one in front, a last line without its line
 *	end gets one, and "." on a line of its own ends the reply. The
 *	file is read in large pieces and scanned with memchr; the state
 *	that crosses pieces is whether we are at the start of a line and
 *	whether the last byte was a CR.
 *
 *	TOP sends the header, the empty line after it, and the asked
 *	number of body lines.
 *
 * SECURITY
 *	The file is the mailbox owner's (and a remote sender's); any bytes
 *	go through. Every copy is bounded by the piece read.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pop3d.h"
#include "stream.h"

#define POP3D_SEND_BUF	(64 * 1024)

struct pop3d_send {
	int		 bol;		/* at the start of a line */
	int		 last_cr;	/* the last byte was a CR */
	uint64_t	 line_bytes;	/* of the current line so far */
	int		 header;	/* TOP: still in the header */
	int64_t		 lines;		/* TOP: body lines left; < 0: all */
	uint64_t	 octets;
};

/* One piece of the file; 1 when TOP has sent all it wants. */
static int
pop3d_send_piece(struct stream *s, struct pop3d_send *st, const char *p,
    size_t len)
{
	const char *end = p + len, *lf;
	int cr, empty;

	while (p < end) {
		if (st->bol) {
			if (!st->header && st->lines == 0)
				return 1;
			if (*p == '.')
				stream_write(s, ".", 1);
			st->bol = 0;
			st->line_bytes = 0;
		}
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			stream_write(s, p, (size_t)(end - p));
			st->octets += (uint64_t)(end - p);
			st->line_bytes += (uint64_t)(end - p);
			st->last_cr = end[-1] == '\r';
			return 0;
		}
		cr = lf > p ? lf[-1] == '\r' : st->last_cr;
		if (cr) {
			stream_write(s, p, (size_t)(lf + 1 - p));
			st->octets += (uint64_t)(lf + 1 - p);
		} else {
			stream_write(s, p, (size_t)(lf - p));
			stream_write(s, "\r\n", 2);
			st->octets += (uint64_t)(lf - p) + 2;
		}
		st->line_bytes += (uint64_t)(lf - p);
		empty = st->line_bytes == 0 || (st->line_bytes == 1 && cr);
		if (st->header) {
			if (empty)
				st->header = 0;
		} else if (st->lines > 0)
			st->lines--;
		st->bol = 1;
		st->last_cr = 0;
		p = lf + 1;
	}
	return 0;
}

int
pop3d_send_msg(struct pop3d *p, int fd, int64_t lines, uint64_t *octets_r)
{
	static char buf[POP3D_SEND_BUF];
	struct pop3d_send st;
	ssize_t n;

	memset(&st, 0, sizeof(st));
	st.bol = 1;
	st.header = lines >= 0;
	st.lines = lines;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (pop3d_send_piece(p->s, &st, buf, (size_t)n) == 1)
			break;
	}
	if (!st.bol) {
		stream_write(p->s, "\r\n", 2);
		st.octets += 2;
	}
	stream_write(p->s, ".\r\n", 3);
	*octets_r = st.octets;
	return 0;
}

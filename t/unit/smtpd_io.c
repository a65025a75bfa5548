/*
 * Unit tests for smtpd/smtpd_io: command lines with the push-back area
 * (what DATA read past its end), the line limit across both, bare LF,
 * in big chunks and one byte at a time.
 */
#include "config.h"

#include <string.h>

#include "smtpd/smtpd.h"
#include "stream.h"
#include "tap.h"

#define LIMIT	16

static struct stream *
open_io(struct smtpd_io *io, const char *in, size_t chunk)
{
	struct stream *s = stream_mem_open(in, strlen(in));

	stream_mem_set_chunk(s, chunk);
	smtpd_io_init(io, s);
	io->limit = LIMIT;
	stream_set_line_limit(s, LIMIT);
	return s;
}

/* All lines as "line|line|" with -2 as "<long>|" and a bare LF as "!". */
static void
collect(struct smtpd_io *io, char *out, size_t len)
{
	struct span l;
	ssize_t n;

	out[0] = '\0';
	while ((n = smtpd_io_read_line(io, &l)) != -1) {
		if (n == -2) {
			strlcat(out, "<long>|", len);
			continue;
		}
		strncat(out, l.ptr, l.len < len - strlen(out) - 1 ? l.len :
		    len - strlen(out) - 1);
		strlcat(out, io->bare_lf ? "!|" : "|", len);
	}
}

static const struct {
	const char	*name;
	const char	*back;		/* pushed back first */
	const char	*in;		/* then the stream */
	const char	*want;
} cases[] = {
	{ "stream only", "", "EHLO x\r\nQUIT\r\n", "EHLO x|QUIT|" },
	{ "back only", "NOOP\r\nQUIT\r\n", "", "NOOP|QUIT|" },
	{ "back then stream", "NOOP\r\n", "QUIT\r\n", "NOOP|QUIT|" },
	{ "a line split across", "NO", "OP\r\nQUIT\r\n", "NOOP|QUIT|" },
	{ "CR in back, LF in stream", "NOOP\r", "\nQUIT\r\n", "NOOP|QUIT|" },
	{ "bare LF in back", "NOOP\nQUIT\r\n", "", "NOOP!|QUIT|" },
	{ "bare LF across", "NO", "OP\nQUIT\r\n", "NOOP!|QUIT|" },
	{ "long line in back", "0123456789abcdefXYZ\r\nQUIT\r\n", "",
	    "<long>|QUIT|" },
	{ "exactly the limit in back", "0123456789abcd\r\nQUIT\r\n", "",
	    "0123456789abcd|QUIT|" },
	{ "long without end in back", "0123456789abcdefXYZ",
	    "more of it\r\nQUIT\r\n", "<long>|QUIT|" },
	{ "long across", "0123456789", "abcdefghij\r\nQUIT\r\n",
	    "<long>|QUIT|" },
	{ "exactly the limit across", "0123456789", "abcd\r\nQUIT\r\n",
	    "0123456789abcd|QUIT|" },
	{ "long in the stream", "", "0123456789abcdefghij\r\nQUIT\r\n",
	    "<long>|QUIT|" },
	{ "empty lines", "\r\n", "\r\n", "||" },
	{ "no end at EOF is no line", "", "QUIT", "" },
};

int
main(void)
{
	struct smtpd_io io;
	struct stream *s;
	char got[512], buf[8];
	size_t i, chunk;
	ssize_t n;

	tap_init("smtpd_io");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (chunk = 0; chunk <= 1; chunk++) {
			s = open_io(&io, cases[i].in, chunk);
			smtpd_io_unread(&io, cases[i].back,
			    strlen(cases[i].back));
			collect(&io, got, sizeof(got));
			is_str(got, cases[i].want, "%s%s", cases[i].name,
			    chunk ? ", a byte at a time" : "");
			smtpd_io_free(&io);
			stream_free(&s);
		}

	/* bytes: push-back first, and a second push-back goes in front */
	s = open_io(&io, "tail", 0);
	smtpd_io_unread(&io, "BC", 2);
	smtpd_io_unread(&io, "A", 1);
	is_int((long long)smtpd_io_pending(&io), 7,
	    "pending counts push-back and what the stream holds");
	n = smtpd_io_read(&io, buf, sizeof(buf));
	is_int(n, 3, "read takes the push-back area first");
	is_str((buf[n] = '\0', buf), "ABC", "in order");
	n = smtpd_io_read(&io, buf, sizeof(buf));
	is_str((buf[n > 0 ? n : 0] = '\0', buf), "tail", "then the stream");
	is_int(smtpd_io_read(&io, buf, sizeof(buf)), -1, "then end of file");
	smtpd_io_free(&io);
	stream_free(&s);
	return done_testing();
}

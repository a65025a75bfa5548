/*
 * Unit tests for pop3d/pop3d_send: a message as RETR and TOP send it:
 * CR LF line ends (a CR LF already there counts once), dot-stuffing, a
 * last line without its line end, the final dot; TOP's header, empty
 * line and body lines; the octets counted, which equal the ,W= size of
 * lib/maildir for every message that ends in a line end.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir.h"
#include "pop3d/pop3d.h"
#include "stream.h"
#include "tap.h"

static const struct {
	const char	*name;
	const char	*file;
	long		 lines;		/* -1: RETR */
	const char	*want;		/* what goes out, the final dot too */
} cases[] = {
	{ "LF", "a: b\n\nbody\n", -1, "a: b\r\n\r\nbody\r\n.\r\n" },
	{ "CR LF kept", "a: b\r\n\r\nx\r\n", -1, "a: b\r\n\r\nx\r\n.\r\n" },
	{ "a dot doubled", ".x\n..y\nz.\n.\n", -1,
	    "..x\r\n...y\r\nz.\r\n..\r\n.\r\n" },
	{ "no last line end", "a\nb", -1, "a\r\nb\r\n.\r\n" },
	{ "a lone CR stays", "a\rb\n", -1, "a\rb\r\n.\r\n" },
	{ "CR at a line end", "a\r\r\n", -1, "a\r\r\n.\r\n" },
	{ "empty", "", -1, ".\r\n" },
	{ "TOP 0", "h: 1\ng: 2\n\nl1\nl2\n", 0, "h: 1\r\ng: 2\r\n\r\n.\r\n" },
	{ "TOP 1", "h: 1\n\nl1\nl2\n", 1, "h: 1\r\n\r\nl1\r\n.\r\n" },
	{ "TOP 5 of 2", "h: 1\n\n.l1\nl2\n", 5, "h: 1\r\n\r\n..l1\r\nl2\r\n"
	    ".\r\n" },
	{ "TOP with CR LF", "h: 1\r\n\r\nl1\r\nl2\r\n", 1,
	    "h: 1\r\n\r\nl1\r\n.\r\n" },
	{ "TOP without a body", "h: 1\nh: 2\n", 3, "h: 1\r\nh: 2\r\n.\r\n" },
};

static int
tmpfile_with(const char *text)
{
	char path[] = "/tmp/pop3d_send.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail_out("tmp file: %m");
	unlink(path);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The octets a message's lines take, without stuffing and the dot. */
static size_t
plain_octets(const char *want)
{
	size_t n = strlen(want) - 3, i, dots = 0;

	for (i = 0; i < n; i++)
		if (want[i] == '.' && (i == 0 || want[i - 1] == '\n'))
			dots++;
	return n - dots;
}

int
main(void)
{
	struct pop3d p;
	uint64_t octets, vsize;
	const char *out;
	size_t i, len;
	int fd, last_cr;

	tap_init("pop3d_send");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.s = stream_mem_open("", 0);
		fd = tmpfile_with(cases[i].file);
		ok(pop3d_send_msg(&p, fd, cases[i].lines, &octets) == 0,
		    "%s: sent", cases[i].name);
		close(fd);
		stream_flush(p.s);
		out = stream_mem_output(p.s, &len);
		is_mem(out, len, cases[i].want, strlen(cases[i].want),
		    "%s: the bytes", cases[i].name);
		is_int((long long)octets, (long long)plain_octets(
		    cases[i].want), "%s: the octets counted", cases[i].name);
		if (cases[i].lines < 0 && strlen(cases[i].file) > 0 &&
		    cases[i].file[strlen(cases[i].file) - 1] == '\n') {
			last_cr = 0;
			vsize = strlen(cases[i].file) + maildir_bare_lf(
			    cases[i].file, strlen(cases[i].file), &last_cr);
			is_int((long long)octets, (long long)vsize,
			    "%s: RETR sends the ,W= size", cases[i].name);
		}
		stream_free(&p.s);
	}
	return done_testing();
}

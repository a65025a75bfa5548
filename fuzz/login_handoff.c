/*
 * fuzz/login_handoff - the session side of pop3d and imapd taking a
 * client over (lib/session: session_accept), from whatever a login
 * process (perhaps a compromised one) sends on the handoff connection.
 *
 * Input: one control byte, then the stream. Bit 0: a socket rides with
 * the first byte; bit 1: a regular file does instead; bit 2: the rest
 * is a list of attributes (a name length byte, the name, a 2-byte value
 * length, the value) that the harness frames as one record with the
 * right lengths, so the fuzzer reaches the checks of the values.
 *
 * Properties: session_accept answers 0 or -1 and never blocks past end
 * of file; on 0 the client is a socket (plain) or the connection
 * itself (relay), the token is at most 64 characters, the pipelined
 * input within its bound; nothing leaks: after session_free no
 * descriptor is left open that was not before.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "fuzz.h"
#include "session.h"
#include "vbuf.h"

static int
open_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* opendir's own */
}

/* The attribute list as one framed record. */
static void
frame(const uint8_t *p, size_t n, struct vbuf *out)
{
	struct vbuf *pl = vbuf_new(n + 16, VBUF_NOLIMIT);
	uint32_t len;
	size_t nl, vl;

	while (n >= 1) {
		nl = p[0];
		p++;
		n--;
		if (nl > n)
			nl = n;
		vbuf_append(pl, p, nl);
		vbuf_appendc(pl, 0);
		p += nl;
		n -= nl;
		vl = n >= 2 ? ((size_t)p[0] | (size_t)p[1] << 8) : 0;
		p += n >= 2 ? 2 : n;
		n -= n >= 2 ? 2 : n;
		if (vl > n)
			vl = n;
		len = htonl((uint32_t)vl);
		vbuf_append(pl, &len, 4);
		vbuf_append(pl, p, vl);
		p += vl;
		n -= vl;
	}
	len = htonl((uint32_t)vbuf_len(pl));
	vbuf_append(out, &len, 4);
	vbuf_append(out, pl->data, pl->len);
	vbuf_free(&pl);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vbuf *in = vbuf_new(size + 8, VBUF_NOLIMIT);
	struct session s;
	struct stat st;
	unsigned ctl = size > 0 ? data[0] : 0;
	int sv[2], extra[2] = { -1, -1 }, fd = -1, before, r;
	char *err = NULL;

	if (size > 0) {
		data++;
		size--;
	}
	if (ctl & 4)
		frame(data, size, in);
	else
		vbuf_append(in, data, size);
	if (in->len > 200000)
		vbuf_truncate(in, 200000);	/* the socket buffer's size */
	before = open_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (ctl & 2)
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	else if ((ctl & 1) && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
	    0, extra) == 0)
		fd = extra[0];
	if (in->len > 0 &&
	    fdpass_send(sv[1], in->data, in->len, fd, 1000) < 0)
		abort();
	shutdown(sv[1], SHUT_WR);
	if (fd >= 0)
		close(fd);
	if (extra[1] >= 0)
		close(extra[1]);
	vbuf_free(&in);
	r = session_accept(sv[0], "pop3d", &s, &err);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		FUZZ_CHECK(s.fd >= 0 && fstat(s.fd, &st) == 0 &&
		    S_ISSOCK(st.st_mode));
		FUZZ_CHECK(strlen(s.token) <= AUTH_TOKEN_LEN);
		FUZZ_CHECK(vbuf_len(s.input) <= LOGIN_INPUT_MAX);
		FUZZ_CHECK(s.transport == SESSION_PLAIN ||
		    s.transport == SESSION_KTLS ||
		    s.transport == SESSION_RELAY);
		session_free(&s);
	} else {
		FUZZ_CHECK(err != NULL);
		free(err);
	}
	close(sv[0]);
	close(sv[1]);
	FUZZ_CHECK(open_fds() == before);
	return 0;
}

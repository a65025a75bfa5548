/*
 * Unit tests for the SMTP client's own parsing and writing
 * (delivery/relay): next hops, the content on the wire (dot-stuffing,
 * long lines), quoted-printable, and the 8BITMIME downgrade of MIME
 * structures, on a temporary queue file and a memory stream.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delivery/relay/relay.h"
#include "params.h"
#include "stream.h"
#include "tap.h"
#include "vbuf.h"
#include "xmalloc.h"

static void
test_hops(void)
{
	static const struct {
		const char	*in;
		const char	*host;
		unsigned	 port;
		int		 mx, literal;
	} good[] = {
		{ "example.org", "example.org", 25, 1, 0 },
		{ "example.org:2525", "example.org", 2525, 1, 0 },
		{ "[mx.example.org]", "mx.example.org", 25, 0, 0 },
		{ "[mx.example.org]:submission", "mx.example.org", 587, 0, 0 },
		{ "[192.0.2.1]:26", "192.0.2.1", 26, 0, 1 },
		{ "[ipv6:2001:db8::1]:2525", "2001:db8::1", 2525, 0, 1 },
		{ "[2001:db8::1]", "2001:db8::1", 25, 0, 1 },
		{ "192.0.2.9", "192.0.2.9", 25, 0, 1 },
		{ "b\303\274cher.example", "b\303\274cher.example", 25, 1, 0 },
	};
	static const char *const bad[] = {
		"", "[", "[]", "[mx.example.org", "[mx]x", "host:0",
		"host:99999", "host:smtpx", "a b.example", "a/b", "[x]:",
	};
	struct relay_hop h;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!ok(relay_hop_parse(good[i].in, &h, &why) == 0,
		    "next hop \"%s\"", good[i].in))
			continue;
		is_str(h.host, good[i].host, "\"%s\": host", good[i].in);
		is_int(h.port, good[i].port, "\"%s\": port", good[i].in);
		is_int(h.mx, good[i].mx, "\"%s\": MX lookup", good[i].in);
		is_int(h.literal, good[i].literal, "\"%s\": literal",
		    good[i].in);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(relay_hop_parse(bad[i], &h, &why) < 0, "next hop \"%s\" "
		    "refused", bad[i]);
}

static void
test_qp(void)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "plain text", "plain text" },
		{ "a=b", "a=3Db" },
		{ "trailing space ", "trailing space=20" },
		{ "trailing tab\t", "trailing tab=09" },
		{ "in between\tok", "in between\tok" },
		{ "Gr\303\274\303\237e", "Gr=C3=BC=C3=9Fe" },
		{ "", "" },
	};
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char line[300];
	size_t i, max = 0, n;
	const char *p, *nl;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vbuf_reset(b);
		relay_mime_qp(cases[i].in, strlen(cases[i].in), b);
		is_str(vbuf_str(b), cases[i].out, "qp \"%s\"", cases[i].in);
	}
	memset(line, 0xe4, sizeof(line));
	vbuf_reset(b);
	relay_mime_qp(line, sizeof(line), b);
	for (p = vbuf_str(b); *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > max)
			max = n;
		if (nl == NULL)
			break;
	}
	ok(max <= 76, "qp: lines at most 76 (%zu)", max);
	like(vbuf_str(b), "=E4=E4=\n=E4", "qp: soft line breaks between "
	    "whole escapes");
	vbuf_free(&b);
}

/* A request over a temporary file holding content. */
static struct deliver_req *
req_for(const char *content, int smtputf8, const char *rcpt)
{
	static struct deliver_rcpt rc;
	struct deliver_req *req = xcalloc(1, sizeof(*req));
	char path[] = "/tmp/relay-unit.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, "HEAD", 4) != 4 ||
	    write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		bail_out("temporary file: %m");
	unlink(path);
	req->qfd = fd;
	req->content_offset = 4;
	req->content_size = strlen(content);
	req->sender = "s@example.org";
	req->smtputf8 = smtputf8;
	memset(&rc, 0, sizeof(rc));
	rc.addr = rcpt;
	rc.orig = rc.orcpt = rc.notify = "";
	req->rcpts = &rc;
	req->count = 1;
	return req;
}

static void
req_free(struct deliver_req *req)
{
	close(req->qfd);
	free(req);
}

/* What relay_data_send writes for content, with or without downgrade. */
static char *
wire(const char *content, int downgrade, struct relay_msg *msg)
{
	struct deliver_req *req = req_for(content, 0, "r@example.org");
	struct relay_mime *mime = NULL;
	struct stream *s = stream_mem_open("", 0);
	const char *out;
	size_t len;
	char *copy;
	int qerr;

	if (relay_mime_scan(req, msg, &mime) < 0)
		bail_out("scan: %m");
	if (relay_data_send(s, req, downgrade ? mime : NULL, &qerr) < 0)
		bail_out("relay_data_send failed");
	stream_flush(s);
	out = stream_mem_output(s, &len);
	copy = xstrndup(out, len);
	stream_free(&s);
	relay_mime_free(&mime);
	req_free(req);
	return copy;
}

static void
test_wire(void)
{
	struct relay_msg m;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char *w;
	int i;

	w = wire("Subject: x\r\n\r\n.dot\r\n..two\r\nend", 0, &m);
	is_str(w, "Subject: x\r\n\r\n..dot\r\n...two\r\nend\r\n",
	    "dot-stuffing, and a last line without its line end gets one");
	ok(!m.body8 && !m.head8, "7-bit content");
	free(w);

	vbuf_appends(b, "Subject: long\r\n\r\n");
	for (i = 0; i < 2000; i++)
		vbuf_appendc(b, 'a' + i % 26);
	vbuf_appends(b, "\r\n");
	w = wire(vbuf_str(b), 0, &m);
	ok(strstr(w, "\r\n ") != NULL, "a long line is broken with CR LF "
	    "SPACE");
	{
		char *p, *line = w;
		size_t max = 0;

		while ((p = strstr(line, "\r\n")) != NULL) {
			if ((size_t)(p - line) > max)
				max = (size_t)(p - line);
			line = p + 2;
		}
		is_int((long long)max, 998, "no line over 998 bytes");
	}
	free(w);

	w = wire("Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
	    "caf\303\251\r\n", 1, &m);
	ok(m.body8 && !m.head8 && m.noconv == NULL, "8-bit body, convertible");
	is_str(w, "Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\ncaf=C3=A9\r\n",
	    "8bit becomes quoted-printable, the declaration replaced");
	free(w);

	w = wire("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\nContent-Type: multipart/alternative; "
	    "boundary=b2\r\n\r\n--b2\r\n\r\n\303\251\r\n--b2--\r\n"
	    "--b1\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"
	    "--b1--\r\n", 1, &m);
	like(w, "--b2\r\nContent-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n=C3=A9\r\n--b2--", "a part inside a message inside a "
	    "multipart is converted");
	like(w, "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n",
	    "a 7-bit part stays as it is");
	ok(strchr(w, '\303') == NULL, "nothing 8-bit is left");
	free(w);

	w = wire("Subject: caf\303\251\r\n\r\nbody\r\n", 1, &m);
	ok(m.head8 && m.noconv != NULL && strstr(m.noconv, "header"),
	    "an 8-bit header cannot be converted (%s)",
	    m.noconv != NULL ? m.noconv : "");
	free(w);
	w = wire("Content-Type: multipart/mixed; boundary=x\r\n\r\n"
	    "pre\303\251amble\r\n--x\r\n\r\nok\r\n--x--\r\n", 1, &m);
	ok(m.noconv != NULL && strstr(m.noconv, "preamble"),
	    "8-bit in a preamble cannot be converted");
	free(w);
	w = wire("Content-Transfer-Encoding: base64\r\n\r\n\303\251\r\n", 1,
	    &m);
	ok(m.noconv != NULL && strstr(m.noconv, "base64"),
	    "8-bit in a part declared base64 cannot be converted");
	free(w);
	vbuf_free(&b);
}

static void
test_utf8(void)
{
	struct deliver_req *req;
	struct relay_mime *mime = NULL;
	struct relay_msg m;

	req = req_for("Subject: x\r\n\r\nb\r\n", 1, "j\303\274rgen@x.example");
	relay_mime_scan(req, &m, &mime);
	ok(m.utf8, "SMTPUTF8 message with a UTF-8 recipient needs SMTPUTF8");
	relay_mime_free(&mime);
	req_free(req);
	req = req_for("Subject: x\r\n\r\nb\r\n", 1, "plain@x.example");
	relay_mime_scan(req, &m, &mime);
	ok(!m.utf8, "an SMTPUTF8 message with nothing UTF-8 does not");
	relay_mime_free(&mime);
	req_free(req);
	req = req_for("Subject: \303\274\r\n\r\nb\r\n", 1, "plain@x.example");
	relay_mime_scan(req, &m, &mime);
	ok(m.utf8, "a UTF-8 header of an SMTPUTF8 message does");
	relay_mime_free(&mime);
	req_free(req);
}

int
main(void)
{
	char *err;

	tap_init("relay_content");
	if (params_load(NULL, NULL, &err) < 0)
		bail_out("%s", err);
	test_hops();
	test_qp();
	test_wire();
	test_utf8();
	tap_check_log("relay_content");
	return done_testing();
}

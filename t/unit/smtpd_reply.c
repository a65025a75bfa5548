/* Unit tests for smtpd/smtpd_reply: reply lines and the reject footer. */
#include "config.h"

#include <string.h>

#include "params.h"
#include "smtpd/smtpd.h"
#include "tap.h"
#include "vbuf.h"

static const struct {
	int		 code;
	const char	*enh;
	const char	*text;
	const char	*want;
} fmt_cases[] = {
	{ 250, "2.0.0", "Ok", "250 2.0.0 Ok\r\n" },
	{ 220, NULL, "mx ESMTP", "220 mx ESMTP\r\n" },
	{ 250, NULL, "mx\nPIPELINING\nCHUNKING",
	    "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n" },
	{ 214, "2.0.0", "a\nb", "214-2.0.0 a\r\n214 2.0.0 b\r\n" },
	{ 550, "5.1.1", "bad\rcr and \x01 ctl",
	    "550 5.1.1 bad?cr and ? ctl\r\n" },
	{ 250, "2.0.0", "", "250 2.0.0 \r\n" },
	{ 554, "5.7.1", "utf-8 stays: \xc3\xa9",
	    "554 5.7.1 utf-8 stays: \xc3\xa9\r\n" },
};

int
main(void)
{
	static const char *const ov[] = {
		"myhostname=mx.example.org",
		"smtpd_reject_footer=Contact $myhostname\\nAbout "
		    "${client_address}: $client_name$bogus",
		NULL,
	};
	struct smtpd_session sess;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t i;

	tap_init("smtpd_reply");
	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		vbuf_reset(b);
		smtpd_reply_format(b, fmt_cases[i].code, fmt_cases[i].enh,
		    fmt_cases[i].text);
		is_str(vbuf_str(b), fmt_cases[i].want, "format %zu", i);
	}
	/* a long line is cut */
	vbuf_reset(b);
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		smtpd_reply_format(b, 500, "5.5.2", big);
		is_int((long long)vbuf_len(b), SMTPD_REPLY_LINE,
		    "a reply line is cut at 512 octets with its CR LF "
		    "(RFC 5321 4.5.3.1.5)");
		/* "é" is 2 octets: the cut falls between two of them */
		for (i = 0; i + 1 < sizeof(big) - 1; i += 2)
			memcpy(big + i, "\xc3\xa9", 2);
		big[i] = '\0';
		vbuf_reset(b);
		smtpd_reply_format(b, 458, "4.3.0", big);
		ok(vbuf_len(b) <= SMTPD_REPLY_LINE &&
		    (vbuf_len(b) - 4 - 6 - 2) % 2 == 0 &&
		    (unsigned char)vbuf_str(b)[vbuf_len(b) - 3] == 0xa9,
		    "... and never inside a UTF-8 character");
	}

	params_load_or_die(NULL, ov);
	memset(&sess, 0, sizeof(sess));
	strlcpy(sess.addr, "192.0.2.1", sizeof(sess.addr));
	strlcpy(sess.name, "client.example", sizeof(sess.name));
	vbuf_reset(b);
	vbuf_appends(b, "Relay access denied");
	smtpd_reply_footer(&sess, b);
	is_str(vbuf_str(b), "Relay access denied\nContact mx.example.org\n"
	    "About 192.0.2.1: client.example$bogus",
	    "footer: \\n and $names filled in, unknown $name kept");
	vbuf_reset(b);
	smtpd_reply_format(b, 554, "5.7.1", "x\nContact mx\nAbout");
	is_str(vbuf_str(b), "554-5.7.1 x\r\n554-5.7.1 Contact mx\r\n"
	    "554 5.7.1 About\r\n", "footer lines carry the code");
	vbuf_free(&b);
	return done_testing();
}

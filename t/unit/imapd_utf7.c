/* Unit tests for imapd's modified UTF-7 mailbox names (RFC 3501 5.1.3). */
#include "config.h"

#include <string.h>

#include "imapd/imap_utf7.h"
#include "tap.h"
#include "vbuf.h"

static const struct {
	const char	*utf8;
	const char	*utf7;
} pairs[] = {
	{ "INBOX", "INBOX" },
	{ "a&b", "a&-b" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
	{ "\xc3\xa9t\xc3\xa9", "&AOk-t&AOk-" },
	{ "Gesendete Objekte", "Gesendete Objekte" },
};

static const char *const bad7[] = {
	"&", "&-&", "&AGE-", "&AOk", "&AOkA-", "&2D0-", "&3gA-", "&AOk-&AOk-",
	"&Jjo!-", "tab\there", "\xc3\xa9",
};

static const char *const bad8[] = {
	"\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "a\x01",
};

int
main(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t i;
	int n;

	tap_init("imapd_utf7");
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		vbuf_reset(b);
		ok(imap_utf8_to_utf7(pairs[i].utf8, b) == 0 &&
		    strcmp(vbuf_str(b), pairs[i].utf7) == 0,
		    "to UTF-7: %s (%s)", pairs[i].utf7, vbuf_str(b));
		vbuf_reset(b);
		ok(imap_utf7_to_utf8(pairs[i].utf7, b) == 0 &&
		    strcmp(vbuf_str(b), pairs[i].utf8) == 0,
		    "to UTF-8: %s", pairs[i].utf7);
	}
	for (i = 0, n = 0; i < sizeof(bad7) / sizeof(bad7[0]); i++)
		if (imap_utf7_valid(bad7[i])) {
			diag("accepted: %s", bad7[i]);
			n++;
		}
	ok(n == 0, "invalid modified UTF-7 is refused");
	for (i = 0, n = 0; i < sizeof(bad8) / sizeof(bad8[0]); i++) {
		vbuf_reset(b);
		if (imap_utf8_to_utf7(bad8[i], b) == 0 || vbuf_len(b) != 0) {
			diag("accepted: %s", bad8[i]);
			n++;
		}
	}
	ok(n == 0, "invalid UTF-8 is refused and nothing appended");
	vbuf_free(&b);
	return done_testing();
}

/*
 * Unit tests for smtpd/smtpd_domain and smtpd/smtpd_check: domain lists
 * and the recipient and relay policy, with inline: tables.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "err.h"
#include "params.h"
#include "smtpd/smtpd.h"
#include "tap.h"

static const struct {
	const char	*list;
	int		 parent;
	const char	*domain;
	int		 want;
} dcases[] = {
	{ "example.org", 0, "example.org", 1 },
	{ "Example.ORG", 0, "example.org", 1 },
	{ "example.org", 0, "sub.example.org", 0 },
	{ "example.org", 1, "sub.example.org", 1 },
	{ "example.org", 1, "badexample.org", 0 },
	{ ".example.org", 0, "sub.example.org", 1 },
	{ ".example.org", 0, "example.org", 0 },
	{ "a.example, b.example c.example", 0, "c.example", 1 },
	{ "inline:{ example.net=x }", 0, "example.net", 1 },
	{ "inline:{ example.net=x }", 0, "sub.example.net", 0 },
	{ "inline:{ example.net=x }", 1, "sub.example.net", 1 },
	{ "inline:{ .example.net=x }", 0, "sub.example.net", 1 },
	{ "", 0, "example.org", 0 },
	{ "example.org", 0, "", 0 },
};

struct rcase {
	const char	*rcpt;
	int		 flags;		/* session flags */
	int		 code;		/* 0: accepted */
	const char	*text;
};

static const struct rcase rcases[] = {
	{ "root@localhost", 0, 0, NULL },
	{ "ROOT@LocalHost", 0, 0, NULL },
	{ "root+x@localhost", 0, 0, NULL },
	{ "postmaster@localhost", 0, 0, NULL },
	{ "nobody@localhost", 0, 550, "<nobody@localhost>: Recipient address "
	    "rejected: User unknown in local recipient table" },
	{ "fwd@localhost", 0, 0, NULL },	/* virtual_alias_maps */
	{ "user@example.test", 0, 0, NULL },
	{ "user+tag@example.test", 0, 0, NULL },
	{ "nobody@example.test", 0, 550, "<nobody@example.test>: Recipient "
	    "address rejected: User unknown in virtual mailbox table" },
	{ "any@catch.test", 0, 0, NULL },
	{ "sales@alias.test", 0, 0, NULL },
	{ "x@alias.test", 0, 550, "<x@alias.test>: Recipient address "
	    "rejected: User unknown in virtual alias table" },
	{ "x@relay.test", 0, 0, NULL },
	{ "x@deep.relay.test", 0, 0, NULL },
	{ "x@elsewhere.test", 0, 554, "<x@elsewhere.test>: Relay access "
	    "denied" },
	{ "x@elsewhere.test", SMTPD_F_MYNETWORKS, 0, NULL },
	{ "x@elsewhere.test", SMTPD_F_LOCAL, 0, NULL },
	{ "x@elsewhere.test", SMTPD_F_AUTH, 0, NULL },
	{ "nobody@example.test", SMTPD_F_MYNETWORKS, 550, NULL },
};

static void
test_rcpt(const struct rcase *rc)
{
	struct smtpd_session sess;
	struct addr a;
	enum addr_err err;
	const char *enh;
	char text[600];
	int code = 0, r;

	memset(&sess, 0, sizeof(sess));
	sess.flags = rc->flags;
	strlcpy(sess.namaddr, "client[192.0.2.1]", sizeof(sess.namaddr));
	if (addr_parse_mailbox(rc->rcpt, 0, &a, &err) < 0) {
		ok(0, "parse %s", rc->rcpt);
		return;
	}
	r = smtpd_check_rcpt(&sess, &a, &code, &enh, text, sizeof(text));
	if (rc->code == 0) {
		is_int(r, 0, "%s (flags %#x): accepted", rc->rcpt, rc->flags);
		return;
	}
	is_int(code, rc->code, "%s (flags %#x): %d", rc->rcpt, rc->flags,
	    rc->code);
	if (rc->text != NULL)
		is_str(text, rc->text, "%s: the text", rc->rcpt);
	is_str(enh, rc->code == 550 ? "5.1.1" : "5.7.1", "%s: enhanced code",
	    rc->rcpt);
}

int
main(void)
{
	static const char *const ov[] = {
		"mydestination=localhost",
		"alias_maps=inline:{ root=admin@example.test }",
		"virtual_mailbox_domains=example.test, catch.test",
		"virtual_mailbox_maps=inline:{ user@example.test=u/, "
		    "@catch.test=c/ }",
		"virtual_alias_domains=alias.test",
		"virtual_alias_maps=inline:{ "
		    "sales@alias.test=user@example.test, "
		    "fwd@localhost=user@example.test }",
		"relay_domains=relay.test",
		"recipient_delimiter=+",
		NULL,
	};
	static const char *const ov_broken[] = {
		"virtual_mailbox_domains=example.test",
		"virtual_mailbox_maps=hash:/nonexistent/postern-test-table",
		NULL,
	};
	struct smtpd_domains *d;
	struct smtpd_session sess;
	struct addr a;
	enum addr_err aerr;
	const char *enh;
	char text[600], *err = NULL;
	size_t i;
	int code;

	tap_init("smtpd_check");
	params_load_or_die(NULL, NULL);
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		d = smtpd_domains_new("test", dcases[i].list, dcases[i].parent);
		is_int(smtpd_domains_match(d, dcases[i].domain, &err),
		    dcases[i].want, "\"%s\"%s: %s", dcases[i].list,
		    dcases[i].parent ? " (parent)" : "", dcases[i].domain);
		err_free(&err);
		smtpd_domains_free(&d);
	}

	params_load_or_die(NULL, ov);
	smtpd_check_init();
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		test_rcpt(&rcases[i]);
	is_int(smtpd_check_etrn("relay.test"), 1, "ETRN: a relay domain");
	is_int(smtpd_check_etrn("example.test"), 0, "ETRN: not a relay domain");

	/* a table that cannot be read: 451 4.3.0, never 5xx or acceptance */
	params_load_or_die(NULL, ov_broken);
	smtpd_check_init();
	memset(&sess, 0, sizeof(sess));
	sess.flags = SMTPD_F_MYNETWORKS;
	strlcpy(sess.namaddr, "client[192.0.2.1]", sizeof(sess.namaddr));
	addr_parse_mailbox("user@example.test", 0, &a, &aerr);
	tap_expect_log("postern-test-table");
	is_int(smtpd_check_rcpt(&sess, &a, &code, &enh, text, sizeof(text)),
	    -1, "unreadable table: refused for now");
	is_int(code, 451, "451");
	is_str(enh, "4.3.0", "4.3.0");
	is_str(text, "<user@example.test>: Temporary lookup failure", "text");
	tap_check_log("the warning names the table");
	smtpd_check_free();
	params_free();
	return done_testing();
}

/*
 * Unit tests for smtpd/smtpd_check: the recipient and relay policy, with
 * inline: tables, and what smtpd makes of every domain of the table that
 * qmgr must agree with (t/unit/domain_cases.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "domain_cases.h"
#include "params.h"
#include "smtpd/smtpd.h"
#include "tap.h"

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

/*
 * Every domain of the shared table: an unknown user from an outside
 * client is refused by the class's table, accepted for relay, or is
 * relay access denied. qmgr routes the same domains (t/unit/resolve.c).
 */
static void
test_classes(void)
{
	static const char *const empty[] = {
		"alias_maps=", "virtual_alias_maps=", "virtual_mailbox_maps=",
		NULL,
	};
	static const char *const table[] = {
		[DOMAIN_LOCAL] = "local recipient table",
		[DOMAIN_VALIAS] = "virtual alias table",
		[DOMAIN_VMAILBOX] = "virtual mailbox table",
	};
	const char *ov[16], *enh;
	struct smtpd_session sess;
	char rcpt[300], want[400], text[600];
	enum addr_err aerr;
	struct addr a;
	size_t i, n = 0;
	int code, r, c;

	for (i = 0; domain_case_params[i] != NULL; i++)
		ov[n++] = domain_case_params[i];
	for (i = 0; empty[i] != NULL; i++)
		ov[n++] = empty[i];
	ov[n] = NULL;
	params_load_or_die(NULL, ov);
	smtpd_check_init();
	memset(&sess, 0, sizeof(sess));
	strlcpy(sess.namaddr, "client[192.0.2.1]", sizeof(sess.namaddr));
	for (i = 0; i < DOMAIN_NCASES; i++) {
		c = domain_cases[i].class;
		snprintf(rcpt, sizeof(rcpt), "nobody@%s",
		    domain_cases[i].domain);
		if (addr_parse_mailbox(rcpt, 0, &a, &aerr) < 0)
			bail_out("parse %s", rcpt);
		code = 0;
		text[0] = '\0';
		r = smtpd_check_rcpt(&sess, &a, &code, &enh, text,
		    sizeof(text));
		if (c == DOMAIN_RELAY) {
			is_int(r, 0, "%s (%s): accepted from anyone", rcpt,
			    domain_class_param(c));
			continue;
		}
		if (c == DOMAIN_REMOTE)
			snprintf(want, sizeof(want), "<%s>: Relay access "
			    "denied", rcpt);
		else
			snprintf(want, sizeof(want), "<%s>: Recipient address "
			    "rejected: User unknown in %s", rcpt, table[c]);
		is_str(r < 0 ? text : "accepted", want, "%s (%s)", rcpt,
		    domain_class_param(c));
	}
	smtpd_check_free();
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
	struct smtpd_session sess;
	struct addr a;
	enum addr_err aerr;
	const char *enh;
	char text[600];
	size_t i;
	int code;

	tap_init("smtpd_check");
	test_classes();

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

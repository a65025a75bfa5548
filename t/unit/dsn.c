/* Unit tests for lib/dsn: status codes, actions, NOTIFY, ORCPT, dates. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "tap.h"

static const struct {
	const char	*s;
	int		 valid;
} status_cases[] = {
	{ "2.0.0", 1 }, { "4.4.1", 1 }, { "5.1.1", 1 }, { "5.7.26", 1 },
	{ "5.123.999", 1 }, { "4.0.0", 1 },
	{ "3.0.0", 0 }, { "5.1", 0 }, { "5.1.", 0 }, { "5..1", 0 },
	{ "5.1.1 ", 0 }, { "5.1.1.1", 0 }, { "5.1234.1", 0 }, { "5.01.1", 0 },
	{ "5.1.01", 0 }, { "", 0 }, { "x.1.1", 0 }, { "55.1.1", 0 },
};

static const struct {
	const char	*notify;
	enum dsn_action	 a;
	int		 want;
} notify_cases[] = {
	{ NULL, DSN_ACTION_FAILED, 1 },
	{ NULL, DSN_ACTION_DELAYED, 1 },
	{ NULL, DSN_ACTION_DELIVERED, 0 },
	{ "", DSN_ACTION_FAILED, 1 },
	{ "NEVER", DSN_ACTION_FAILED, 0 },
	{ "NEVER", DSN_ACTION_DELAYED, 0 },
	{ "never", DSN_ACTION_DELIVERED, 0 },
	{ "SUCCESS", DSN_ACTION_FAILED, 0 },
	{ "SUCCESS", DSN_ACTION_DELIVERED, 1 },
	{ "SUCCESS", DSN_ACTION_RELAYED, 1 },
	{ "SUCCESS", DSN_ACTION_EXPANDED, 1 },
	{ "SUCCESS", DSN_ACTION_DELAYED, 0 },
	{ "FAILURE", DSN_ACTION_FAILED, 1 },
	{ "FAILURE", DSN_ACTION_DELAYED, 0 },
	{ "DELAY", DSN_ACTION_DELAYED, 1 },
	{ "DELAY", DSN_ACTION_FAILED, 0 },
	{ "SUCCESS,FAILURE,DELAY", DSN_ACTION_FAILED, 1 },
	{ "failure,delay", DSN_ACTION_DELAYED, 1 },
	/* malformed stored values count as absent */
	{ "BOGUS", DSN_ACTION_FAILED, 1 },
	{ "NEVER,SUCCESS", DSN_ACTION_DELIVERED, 0 },
};

static const struct {
	const char	*orcpt;
	int		 ret;
	const char	*type, *addr;
} orcpt_cases[] = {
	{ "rfc822;bob@example.org", 0, "rfc822", "bob@example.org" },
	{ "RFC822;Bob@Example.org", 0, "rfc822", "Bob@Example.org" },
	{ "rfc822;bob+2Balias@example.org", 0, "rfc822",
	    "bob+alias@example.org" },
	{ "rfc822;a+3Db@example.org", 0, "rfc822", "a=b@example.org" },
	{ "rfc822;+22john+20doe+22@example.org", 0, "rfc822",
	    "\"john doe\"@example.org" },
	{ "x-local;user", 0, "x-local", "user" },
	{ "utf-8;j\\x{F6}rg@example.org", 0, "utf-8",
	    "j\xc3\xb6rg@example.org" },
	{ "utf-8;\\x{65E5}\\x{672C}@example.jp", 0, "utf-8",
	    "\xe6\x97\xa5\xe6\x9c\xac@example.jp" },
	{ "utf-8;a\\x{1F600}@x", 0, "utf-8", "a\xf0\x9f\x98\x80@x" },
	{ "utf-8;a\\x{5C}b@x", 0, "utf-8", "a\\b@x" },
	/* malformed */
	{ "rfc822;bob+2balias@x", -1, NULL, NULL },	/* lower-case hex */
	{ "rfc822;bob+0Aevil@x", -1, NULL, NULL },	/* decodes to LF */
	{ "rfc822;bob+00@x", -1, NULL, NULL },
	{ "rfc822;", -1, NULL, NULL },
	{ ";bob@x", -1, NULL, NULL },
	{ "bob@x", -1, NULL, NULL },
	{ "rf c822;bob@x", -1, NULL, NULL },
	{ "rfc822;bob=x", -1, NULL, NULL },
	{ "utf-8;a\\x{D800}@x", -1, NULL, NULL },	/* surrogate */
	{ "utf-8;a\\x{110000}@x", -1, NULL, NULL },
	{ "utf-8;a\\x{0A}@x", -1, NULL, NULL },	/* control */
	{ "utf-8;a\\x{85}@x", -1, NULL, NULL },	/* C1 control (NEL) */
	{ "utf-8;a\\x{9F}@x", -1, NULL, NULL },	/* the last C1 */
	{ "utf-8;a\\x{A0}@x", 0, "utf-8", "a\xc2\xa0@x" },	/* after C1 */
	{ "utf-8;a\\x{}@x", -1, NULL, NULL },
	{ "utf-8;a\\x{41@x", -1, NULL, NULL },
	{ "utf-8;a\\y{41}@x", -1, NULL, NULL },
	/* '+' is not utf-8-addr-xtext */
	{ "utf-8;a+2B@x", -1, NULL, NULL },
};

int
main(void)
{
	char type[32], addr[256], date[DSN_DATE_SIZE], small[8];
	enum dsn_action a;
	size_t i;
	int r;

	tap_init("dsn");

	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++)
		is_int(dsn_status_valid(status_cases[i].s),
		    status_cases[i].valid, "status \"%s\"", status_cases[i].s);
	is_int(dsn_status_valid(NULL), 0, "status NULL");

	for (a = DSN_ACTION_FAILED; a <= DSN_ACTION_EXPANDED; a++) {
		enum dsn_action back;

		ok(dsn_action_parse(dsn_action_name(a), &back) == 0 &&
		    back == a, "action %s round trip", dsn_action_name(a));
	}
	ok(dsn_action_parse("DELIVERED", &a) == 0 &&
	    a == DSN_ACTION_DELIVERED, "action names are case-insensitive");
	is_int(dsn_action_parse("bounced", &a), -1, "unknown action");

	for (i = 0; i < sizeof(notify_cases) / sizeof(notify_cases[0]); i++)
		is_int(dsn_notify_wants(notify_cases[i].notify,
		    notify_cases[i].a), notify_cases[i].want,
		    "NOTIFY=%s wants %s", notify_cases[i].notify ?
		    notify_cases[i].notify : "(none)",
		    dsn_action_name(notify_cases[i].a));

	for (i = 0; i < sizeof(orcpt_cases) / sizeof(orcpt_cases[0]); i++) {
		r = dsn_orcpt_decode(orcpt_cases[i].orcpt, type, sizeof(type),
		    addr, sizeof(addr));
		is_int(r, orcpt_cases[i].ret, "ORCPT %s", orcpt_cases[i].orcpt);
		if (r == 0 && orcpt_cases[i].ret == 0) {
			is_str(type, orcpt_cases[i].type, "  type");
			is_str(addr, orcpt_cases[i].addr, "  address");
		}
	}
	is_int(dsn_orcpt_decode("rfc822;bob@example.org", type, sizeof(type),
	    small, sizeof(small)), -1, "ORCPT too long for the buffer");
	is_int(dsn_orcpt_decode("verylongtypename;b", small, sizeof(small),
	    addr, sizeof(addr)), -1, "ORCPT type too long for the buffer");

	setenv("TZ", "UTC", 1);
	tzset();
	dsn_date(0, date);
	is_str(date, "Thu, 01 Jan 1970 00:00:00 +0000", "date at the epoch");
	dsn_date(1136214245, date);
	is_str(date, "Mon, 02 Jan 2006 15:04:05 +0000", "date in UTC");
	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
	dsn_date(1136214245, date);
	is_str(date, "Mon, 02 Jan 2006 10:04:05 -0500", "date west of UTC");
	setenv("TZ", "IST-5:30", 1);
	tzset();
	dsn_date(1136214245, date);
	is_str(date, "Mon, 02 Jan 2006 20:34:05 +0530", "date with minutes");

	return done_testing();
}

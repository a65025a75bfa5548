/*
 * domain_cases.h - the one table of domains and their classes that
 * smtpd (which recipients it accepts: t/unit/smtpd_check.c) and qmgr
 * (which transport delivers them: t/unit/resolve.c) must agree on, and
 * that lib/domain_class answers (t/unit/domain_class.c). Included by
 * those three tests; not a module.
 *
 * Every class has names, ".parent" names and a table with domain and
 * ".parent" keys; relay_domains also matches subdomains of a name and
 * "parent" table keys (Postfix's parent_domain_matches_subdomains).
 */
#ifndef T_DOMAIN_CASES_H
#define T_DOMAIN_CASES_H

#include "domain_class.h"

static const char *const domain_case_params[] = {
	"mydestination=local.test, .sublocal.test, "
	    "inline:{ ltab.test=1, .ltabsub.test=1 }, both.test",
	"virtual_alias_domains=alias.test, inline:{ atab.test=1 }",
	"virtual_mailbox_domains=mbox.test, .mboxsub.test, "
	    "inline:{ mtab.test=1, .mtabsub.test=1 }",
	"relay_domains=relay.test, .dotrelay.test, "
	    "inline:{ rtab.test=1, .rtabdot.test=1 }, both.test",
	NULL,
};

static const struct domain_case {
	const char		*domain;
	enum domain_class	 class;
} domain_cases[] = {
	{ "local.test", DOMAIN_LOCAL },
	{ "sub.local.test", DOMAIN_REMOTE },	/* no parent matching */
	{ "x.sublocal.test", DOMAIN_LOCAL },
	{ "sublocal.test", DOMAIN_REMOTE },
	{ "ltab.test", DOMAIN_LOCAL },
	{ "sub.ltab.test", DOMAIN_REMOTE },
	{ "x.ltabsub.test", DOMAIN_LOCAL },	/* the ".ltabsub.test" key */
	{ "alias.test", DOMAIN_VALIAS },
	{ "sub.alias.test", DOMAIN_REMOTE },
	{ "atab.test", DOMAIN_VALIAS },
	{ "mbox.test", DOMAIN_VMAILBOX },
	{ "sub.mbox.test", DOMAIN_REMOTE },
	{ "y.mboxsub.test", DOMAIN_VMAILBOX },
	{ "mtab.test", DOMAIN_VMAILBOX },
	{ "a.mtabsub.test", DOMAIN_VMAILBOX },
	{ "mtabsub.test", DOMAIN_REMOTE },
	{ "relay.test", DOMAIN_RELAY },
	{ "sub.relay.test", DOMAIN_RELAY },	/* parent matching */
	{ "deep.sub.relay.test", DOMAIN_RELAY },
	{ "badrelay.test", DOMAIN_REMOTE },
	{ "x.dotrelay.test", DOMAIN_RELAY },
	{ "dotrelay.test", DOMAIN_REMOTE },
	{ "rtab.test", DOMAIN_RELAY },
	{ "sub.rtab.test", DOMAIN_RELAY },	/* the "rtab.test" key */
	{ "x.rtabdot.test", DOMAIN_RELAY },	/* the ".rtabdot.test" key */
	{ "both.test", DOMAIN_LOCAL },		/* mydestination comes first */
	{ "elsewhere.test", DOMAIN_REMOTE },
};

#define DOMAIN_NCASES	(sizeof(domain_cases) / sizeof(domain_cases[0]))

#endif

/*
 * Unit tests for lib/domain_class: the class of every domain of the
 * shared table (t/unit/domain_cases.h), one list's rules with and
 * without parent matching, a domain in both virtual lists, and a table
 * that cannot be read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "domain_cases.h"
#include "err.h"
#include "maps.h"
#include "params.h"
#include "tap.h"

static const struct {
	const char	*list;
	int		 parent;
	const char	*domain;
	int		 want;
} lcases[] = {
	{ "example.org", 0, "example.org", 1 },
	{ "Example.ORG", 0, "example.org", 1 },
	{ "example.org.", 0, "example.org", 1 },
	{ "example.org", 0, "EXAMPLE.org", 1 },
	{ "example.org", 0, "sub.example.org", 0 },
	{ "example.org", DOMAIN_LIST_PARENT, "sub.example.org", 1 },
	{ "example.org", DOMAIN_LIST_PARENT, "badexample.org", 0 },
	{ ".example.org", 0, "sub.example.org", 1 },
	{ ".example.org", 0, "example.org", 0 },
	{ ".example.org", DOMAIN_LIST_PARENT, "example.org", 0 },
	{ "a.example, b.example c.example", 0, "c.example", 1 },
	{ "inline:{ example.net=x }", 0, "example.net", 1 },
	{ "inline:{ example.net=x }", 0, "sub.example.net", 0 },
	{ "inline:{ example.net=x }", DOMAIN_LIST_PARENT, "sub.example.net",
	    1 },
	{ "inline:{ .example.net=x }", 0, "sub.example.net", 1 },
	{ "inline:{ .example.net=x }", 0, "example.net", 0 },
	{ "[192.0.2.1]", 0, "[192.0.2.1]", 1 },
	{ "", 0, "example.org", 0 },
	{ "example.org", 0, "", 0 },
};

static void
test_lists(void)
{
	struct domain_list *dl;
	char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		if ((dl = domain_list_open("test", lcases[i].list,
		    lcases[i].parent, &err)) == NULL)
			bail_out("%s", err);
		is_int(domain_list_match(dl, lcases[i].domain, &err),
		    lcases[i].want, "\"%s\"%s: %s", lcases[i].list,
		    lcases[i].parent ? " (parent)" : "", lcases[i].domain);
		ok(domain_list_empty(dl) == (*lcases[i].list == '\0'),
		    "  empty or not");
		domain_list_close(&dl);
	}
	ok(domain_list_open("mydestination", "nosuchtype:x", 0, &err) ==
	    NULL, "a bad table name: the list does not open");
	like(err, "mydestination: ", "  the reason names the parameter");
	like(err, "unsupported type", "  and the problem");
	err_free(&err);
}

static void
test_classes(void)
{
	struct domain_classes *dc;
	char *err = NULL;
	size_t i;

	if (params_load(NULL, domain_case_params, &err) < 0)
		bail_out("params_load: %s", err);
	if ((dc = domain_classes_open(0, &err)) == NULL)
		bail_out("domain_classes_open: %s", err);
	for (i = 0; i < DOMAIN_NCASES; i++)
		is_int(domain_class(dc, domain_cases[i].domain, &err),
		    domain_cases[i].class, "%s is %s", domain_cases[i].domain,
		    domain_class_param(domain_cases[i].class));
	is_int(domain_class_has(dc, DOMAIN_RELAY, "sub.relay.test", &err), 1,
	    "domain_class_has: one list");
	is_int(domain_class_has(dc, DOMAIN_RELAY, "local.test", &err), 0,
	    "  and not another");
	domain_classes_close(&dc);
	ok(dc == NULL, "close sets the pointer to NULL");

	{
		static const char *const both[] = {
			"virtual_alias_domains=dup.test",
			"virtual_mailbox_domains=dup.test", NULL,
		};

		if (params_load(NULL, both, &err) < 0 ||
		    (dc = domain_classes_open(0, &err)) == NULL)
			bail_out("%s", err);
		tap_expect_log("do not list domain dup.test in both");
		is_int(domain_class(dc, "dup.test", &err), DOMAIN_VALIAS,
		    "in both virtual lists: a virtual alias domain (Postfix)");
		tap_check_log("  with a warning");
		domain_classes_close(&dc);
	}
	{
		static const char *const broken[] = {
			"virtual_alias_domains=", "virtual_mailbox_domains=",
			"relay_domains=hash:/nonexistent/postern-test", NULL,
		};

		if (params_load(NULL, broken, &err) < 0 ||
		    (dc = domain_classes_open(MAPS_OPEN_DEFER, &err)) == NULL)
			bail_out("%s", err);
		is_int(domain_class(dc, "x.test", &err), -1, "a table that "
		    "cannot be read: -1 (defer), never a class");
		like(err, "/nonexistent/postern-test", "  naming the table");
		err_free(&err);
		domain_classes_close(&dc);
		ok(domain_classes_open(0, &err) == NULL, "without "
		    "MAPS_OPEN_DEFER it does not open");
		like(err, "relay_domains: ", "  naming the parameter");
		err_free(&err);
	}
	params_free();
}

int
main(void)
{
	tap_init("domain_class");
	test_lists();
	test_classes();
	return done_testing();
}

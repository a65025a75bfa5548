/*
 * Unit tests for qmgr/resolve.c: virtual aliases (one-to-many, loops,
 * limits, extensions, domain rewrites), alias_maps for mydestination
 * with the root/postmaster rule, transport_maps, domain classes,
 * relayhost, and table errors that defer rather than bounce; and the
 * transport of every domain of the table smtpd must agree with
 * (t/unit/domain_cases.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_cases.h"
#include "maps.h"
#include "params.h"
#include "qmgr/resolve.h"
#include "tap.h"
#include "vbuf.h"
#include "xmalloc.h"

static const char *dir;

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) < 0 ||
	    fclose(fp) != 0)
		bail_out("write %s: %s", path, strerror(errno));
}

/* Load the parameters: the base set plus per-case overrides. */
static void
load(const char *const *extra)
{
	char *over[32], *err = NULL;
	size_t n = 0, i;
	static const char *const base[] = {
		"myhostname=mx.example.org",
		"mydomain=example.org",
		"myorigin=example.org",
		"mydestination=localhost, mx.example.org",
		"virtual_mailbox_domains=example.org, .sub.example.net",
		"recipient_delimiter=+",
		NULL,
	};

	for (i = 0; base[i] != NULL; i++)
		over[n++] = xstrdup(base[i]);
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (strstr(extra[i], "DIR") != NULL) {
			struct vbuf *b = vbuf_new(128, VBUF_NOLIMIT);
			const char *p = extra[i], *q;

			while ((q = strstr(p, "DIR")) != NULL) {
				vbuf_append(b, p, (size_t)(q - p));
				vbuf_appends(b, dir);
				p = q + 3;
			}
			vbuf_appends(b, p);
			over[n++] = vbuf_steal(b);
			vbuf_free(&b);
		} else
			over[n++] = xstrdup(extra[i]);
	}
	over[n] = NULL;
	if (params_load(NULL, (const char *const *)over, &err) < 0)
		bail_out("params_load: %s", err);
	for (i = 0; i < n; i++)
		free(over[i]);
}

/* Resolve addr; the result as "addr=transport:nexthop" or "addr=D:4.3.0". */
static char *
run(const char *addr, size_t budget)
{
	struct resolve_list l = { 0 };
	struct resolve *r;
	struct vbuf *b = vbuf_new(128, VBUF_NOLIMIT);
	char *err = NULL;
	char *s;
	size_t i;

	if ((r = resolve_open(MAPS_OPEN_DEFER, &err)) == NULL)
		bail_out("resolve_open: %s", err);
	resolve_rcpt(r, addr, 0, &budget, &l);
	for (i = 0; i < l.n; i++) {
		if (i > 0)
			vbuf_appends(b, " ");
		if (l.v[i].status == RESOLVE_OK)
			vbuf_appendf(b, "%s=%s:%s", l.v[i].addr,
			    l.v[i].transport, l.v[i].nexthop);
		else
			vbuf_appendf(b, "%s=%c:%s", l.v[i].addr,
			    l.v[i].status == RESOLVE_DEFER ? 'D' : 'B',
			    l.v[i].dsn);
	}
	resolve_list_free(&l);
	resolve_close(&r);
	s = vbuf_steal(b);
	vbuf_free(&b);
	return s;
}

static const struct rcase {
	const char	*name;
	const char	*conf[6];
	const char	*addr;
	const char	*want;
	const char	*warn;		/* expected warning, or NULL */
} cases[] = {
	{ "virtual mailbox domain goes to virtual_transport", { NULL },
	    "bob@example.org", "bob@example.org=local:", NULL },
	{ "subdomain pattern", { NULL },
	    "a@x.sub.example.net", "a@x.sub.example.net=local:", NULL },
	{ "remote domain: default_transport, domain as next hop", { NULL },
	    "u@remote.test", "u@remote.test=smtp:remote.test", NULL },
	{ "relayhost is the next hop", { "relayhost=[10.0.0.1]:587", NULL },
	    "u@remote.test", "u@remote.test=smtp:[10.0.0.1]:587", NULL },
	{ "relay_domains use relay_transport",
	    { "relay_domains=relayed.test", NULL },
	    "u@relayed.test", "u@relayed.test=relay:relayed.test", NULL },
	{ "mydestination goes to local_transport", { NULL },
	    "joe@localhost", "joe@localhost=local:", NULL },
	{ "domain is case-folded", { NULL },
	    "Bob@EXAMPLE.ORG", "Bob@example.org=local:", NULL },
	{ "extension is kept for the agent", { NULL },
	    "bob+lists@example.org", "bob+lists@example.org=local:", NULL },
	{ "one-to-many virtual alias",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "team@example.org",
	    "ann@example.org=local: bob@example.org=local: "
	    "x@remote.test=smtp:remote.test", NULL },
	{ "recursive virtual alias",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "all@example.org",
	    "ann@example.org=local: bob@example.org=local: "
	    "x@remote.test=smtp:remote.test carl@example.org=local:", NULL },
	{ "self reference keeps a copy",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "keep@example.org",
	    "keep@example.org=local: ann@example.org=local:", NULL },
	{ "loop stops and warns",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "loop1@example.org", "loop1@example.org=local:", "alias loop" },
	{ "extension propagates through an alias",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "info+sales@example.org", "ann+sales@example.org=local:", NULL },
	{ "exact extension entry wins",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "info+vip@example.org", "carl@example.org=local:", NULL },
	{ "catch-all @domain rewrite keeps the local part",
	    { "virtual_alias_maps=texthash:DIR/virtual", NULL },
	    "zed@old.test", "zed@example.org=local:", NULL },
	{ "virtual alias domain without entry bounces 5.1.1",
	    { "virtual_alias_maps=texthash:DIR/virtual",
	    "virtual_alias_domains=aliasonly.test", NULL },
	    "nobody@aliasonly.test", "nobody@aliasonly.test=B:5.1.1", NULL },
	{ "missing hash table defers 4.3.0",
	    { "virtual_alias_maps=hash:DIR/nonexistent", NULL },
	    "bob@example.org", "bob@example.org=D:4.3.0", NULL },
	{ "recursion limit defers",
	    { "virtual_alias_maps=texthash:DIR/virtual",
	    "virtual_alias_recursion_limit=2", NULL },
	    "all@example.org", "all@example.org=D:4.3.0", NULL },
	{ "local alias for mydestination",
	    { "alias_maps=texthash:DIR/aliases", NULL },
	    "webmaster@localhost", "ann@example.org=local:", NULL },
	{ "bare alias value gets myorigin",
	    { "alias_maps=texthash:DIR/aliases", NULL },
	    "sales@mx.example.org", "bob@example.org=local:", NULL },
	{ "unsupported alias destination defers 4.3.5",
	    { "alias_maps=texthash:DIR/aliases", NULL },
	    "cmd@localhost", "cmd@localhost=D:4.3.5", "unsupported" },
	{ "root without alias goes to postmaster@mydomain", { NULL },
	    "root@localhost", "postmaster@example.org=local:", NULL },
	{ "postmaster without domain", { NULL },
	    "Postmaster", "postmaster@example.org=local:", NULL },
	{ "aliases override the postmaster rule",
	    { "alias_maps=texthash:DIR/aliases", NULL },
	    "postmaster@localhost", "carl@example.org=local:", NULL },
	{ "transport_maps by domain",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "u@special.test", "u@special.test=relay:[192.0.2.7]:25", NULL },
	{ "transport_maps by parent domain",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "u@a.b.parent.test", "u@a.b.parent.test=smtp:gw.test", NULL },
	{ "transport_maps by address, empty nexthop keeps the default",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "vip@remote.test", "vip@remote.test=fast:remote.test", NULL },
	{ "transport_maps nexthop only keeps the default transport",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "u@hoponly.test", "u@hoponly.test=smtp:[10.1.1.1]", NULL },
	{ "transport_maps error: bounces with its code",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "u@closed.test", "u@closed.test=B:5.7.1", NULL },
	{ "transport_maps retry: defers",
	    { "transport_maps=texthash:DIR/transport", NULL },
	    "u@later.test", "u@later.test=D:4.0.0", NULL },
	{ "bad address bounces 5.1.3", { NULL },
	    "a..b@example.org", "a..b@example.org=B:5.1.3", NULL },
};

/*
 * Every domain of the shared table: the transport of an unknown user's
 * mail. smtpd accepts the same domains (t/unit/smtpd_check.c).
 */
static void
test_classes(void)
{
	const char *conf[16], *t;
	char rcpt[300], want[400], *got;
	size_t i, n = 0;
	int c;

	for (i = 0; domain_case_params[i] != NULL; i++)
		conf[n++] = domain_case_params[i];
	conf[n++] = "local_transport=mydest";
	conf[n++] = "virtual_transport=vmbox";
	conf[n] = NULL;
	load(conf);
	for (i = 0; i < DOMAIN_NCASES; i++) {
		c = domain_cases[i].class;
		snprintf(rcpt, sizeof(rcpt), "nobody@%s",
		    domain_cases[i].domain);
		t = c == DOMAIN_LOCAL ? "mydest:" : c == DOMAIN_VMAILBOX ?
		    "vmbox:" : c == DOMAIN_VALIAS ? "B:5.1.1" :
		    c == DOMAIN_RELAY ? "relay:" : "smtp:";
		snprintf(want, sizeof(want), "%s=%s%s", rcpt, t,
		    c == DOMAIN_RELAY || c == DOMAIN_REMOTE ?
		    domain_cases[i].domain : "");
		got = run(rcpt, 1000);
		is_str(got, want, "%s (%s)", rcpt, domain_class_param(c));
		free(got);
	}
}

int
main(void)
{
	size_t i;
	char *got;

	tap_init("resolve");
	dir = tap_tmpdir();
	write_file("virtual",
	    "team@example.org   ann@example.org, bob@example.org x@remote.test\n"
	    "all@example.org    team@example.org, carl@example.org\n"
	    "keep@example.org   keep@example.org, ann@example.org\n"
	    "loop1@example.org  loop2@example.org\n"
	    "loop2@example.org  loop1@example.org\n"
	    "info@example.org   ann@example.org\n"
	    "info+vip@example.org carl@example.org\n"
	    "@old.test          @example.org\n"
	    "aliasonly.test     anything\n");
	write_file("aliases",
	    "webmaster  ann@example.org\n"
	    "sales      bob\n"
	    "cmd        |/bin/true\n"
	    "postmaster carl@example.org\n");
	write_file("transport",
	    "special.test      relay:[192.0.2.7]:25\n"
	    ".parent.test      smtp:gw.test\n"
	    "vip@remote.test   fast:\n"
	    "hoponly.test      :[10.1.1.1]\n"
	    "closed.test       error:5.7.1 this domain takes no mail\n"
	    "later.test        retry:try later\n");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load(cases[i].conf);
		if (cases[i].warn != NULL)
			tap_expect_log(cases[i].warn);
		got = run(cases[i].addr, 1000);
		is_str(got, cases[i].want, "%s", cases[i].name);
		free(got);
		tap_check_log(cases[i].name);
	}

	/* the expansion budget is per message */
	{
		const char *conf[] = { "virtual_alias_maps=texthash:DIR/virtual",
		    NULL };

		load(conf);
		got = run("team@example.org", 2);
		is_str(got, "team@example.org=D:4.3.0",
		    "budget too small: deferred as a whole");
		free(got);
		got = run("team@example.org", 3);
		like(got, "x@remote.test=smtp", "budget just enough");
		free(got);
	}
	test_classes();
	params_free();
	return done_testing();
}

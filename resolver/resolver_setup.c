/*
 * NAME
 *	resolver_setup - the DNS service's skeleton hooks: parameters,
 *	the libunbound context, the jail.
 *
 * DESCRIPTION
 *	check: inet_protocols says which address records are wanted;
 *	resolver_nameservers entries must be numeric addresses with an
 *	optional port (address, [address]:port, IPv4-address:port).
 *
 *	pre_jail (as root when the master is): the context is made and
 *	every file it needs is read now, outside the jail: the name
 *	servers from /etc/resolv.conf (unless resolver_nameservers names
 *	them) and the DNSSEC trust anchor (resolver_trust_anchor_file),
 *	whose records are handed to libunbound as text. So the jail is
 *	the skeleton's empty directory (SERVER_FLAG_JAIL_EMPTY).
 *	libunbound works in a thread of its own, started at the first
 *	query, after the jail (so the skeleton's no-fork limit is not set:
 *	RLIMIT_NPROC counts threads); its descriptor joins the skeleton's
 *	event loop in post_jail.
 *
 *	libunbound runs as a stub with a cache that forwards every query
 *	to those name servers (localhost allowed: a local validating
 *	resolver is the usual setup), and validates answers itself when a
 *	trust anchor is configured.
 *
 * SECURITY
 *	Only admin-named files are read, before the privilege drop.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "params.h"
#include "resolver.h"
#include "server.h"
#include "vbuf.h"
#include "xmalloc.h"

#define RESOLVER_TA_MAX		(256 * 1024)	/* trust anchor file, bytes */
#define RESOLVER_RESOLV_CONF	"/etc/resolv.conf"
#define RESOLVER_MIN_RTT	"1000"	/* ms: the first retransmission */

struct ub_ctx *resolver_ub;
int	resolver_want4, resolver_want6;

/*
 * One resolver_nameservers entry as libunbound wants it ("addr" or
 * "addr@port") into out: 0, or -1.
 */
static int
resolver_ns_parse(const char *s, char *out, size_t outlen)
{
	char addr[64];
	const char *port = NULL, *end;
	unsigned char buf[16];
	size_t n;
	long p;
	char *ep;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
		s++;
	} else if ((end = strchr(s, ':')) != NULL && strchr(end + 1, ':') ==
	    NULL) {
		n = (size_t)(end - s);		/* IPv4:port */
		port = end + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1)
		return -1;
	if (port != NULL) {
		p = strtol(port, &ep, 10);
		if (*port == '\0' || *ep != '\0' || p < 1 || p > 65535)
			return -1;
		snprintf(out, outlen, "%s@%ld", addr, p);
	} else
		snprintf(out, outlen, "%s", addr);
	return 0;
}

void
resolver_check(void)
{
	char **list, ns[96];
	size_t i;

	list = params_list(var_inet_protocols);
	resolver_want4 = resolver_want6 = 0;
	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], "all") == 0)
			resolver_want4 = resolver_want6 = 1;
		else if (strcmp(list[i], "ipv4") == 0)
			resolver_want4 = 1;
		else if (strcmp(list[i], "ipv6") == 0)
			resolver_want6 = 1;
	}
	params_list_free(list);
	if (!resolver_want4 && !resolver_want6)
		resolver_want4 = resolver_want6 = 1;
	list = params_list(var_resolver_nameservers);
	for (i = 0; list[i] != NULL; i++)
		if (resolver_ns_parse(list[i], ns, sizeof(ns)) < 0)
			log_fatal("resolver_nameservers: \"%s\": expected a "
			    "numeric address, [address]:port or "
			    "IPv4-address:port", list[i]);
	params_list_free(list);
}

static void
resolver_ub_check(int rc, const char *what)
{
	if (rc != 0)
		log_fatal("libunbound: %s: %s", what, ub_strerror(rc));
}

/*
 * The trust anchor file's records, handed over as text: one record per
 * line, or spread over lines inside parentheses (zone file style).
 */
static void
resolver_ta_load(const char *path)
{
	struct vbuf *rec = vbuf_new(256, RESOLVER_TA_MAX);
	const char *r;
	char *line = NULL, *p;
	size_t cap = 0, n = 0;
	ssize_t len;
	int depth = 0;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		log_fatal("resolver_trust_anchor_file %s: %m", path);
	while ((len = getline(&line, &cap, fp)) > 0) {
		if ((p = strchr(line, ';')) != NULL)
			*p = '\0';		/* a comment */
		for (p = line; *p != '\0'; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && depth > 0)
				depth--;
			if (*p == '(' || *p == ')' || *p == '\n' || *p == '\r')
				*p = ' ';
		}
		if (vbuf_appends(rec, line) < 0)
			log_fatal("resolver_trust_anchor_file %s: too large",
			    path);
		if (depth > 0)
			continue;
		for (r = vbuf_str(rec); *r == ' ' || *r == '\t'; r++)
			;
		if (*r != '\0') {
			resolver_ub_check(ub_ctx_add_ta(resolver_ub, r),
			    "trust anchor");
			n++;
		}
		vbuf_reset(rec);
	}
	if (ferror(fp))
		log_fatal("resolver_trust_anchor_file %s: read: %m", path);
	fclose(fp);
	free(line);
	vbuf_free(&rec);
	if (n == 0)
		log_fatal("resolver_trust_anchor_file %s: no trust anchor "
		    "record in it", path);
	log_debug("DNSSEC: %zu trust anchor record(s) from %s", n, path);
}

void
resolver_pre_jail(void)
{
	char **list, ns[96];
	size_t i;

	if ((resolver_ub = ub_ctx_create()) == NULL)
		log_fatal("libunbound: cannot make a context: %m");
	/* a thread, not a process: one process to account for and jail */
	resolver_ub_check(ub_ctx_async(resolver_ub, 1), "async");
	resolver_ub_check(ub_ctx_set_option(resolver_ub,
	    "do-not-query-localhost:", "no"), "do-not-query-localhost");
	/* a forwarder that answers cached names in a millisecond may need
	   a second for a cold one: do not give up on it before then */
	resolver_ub_check(ub_ctx_set_option(resolver_ub,
	    "infra-cache-min-rtt:", RESOLVER_MIN_RTT), "infra-cache-min-rtt");
	list = params_list(var_resolver_nameservers);
	for (i = 0; list[i] != NULL; i++) {
		(void)resolver_ns_parse(list[i], ns, sizeof(ns));
		resolver_ub_check(ub_ctx_set_fwd(resolver_ub, ns), list[i]);
	}
	if (list[0] == NULL) {
		if (access(RESOLVER_RESOLV_CONF, R_OK) < 0)
			log_fatal("%s: %m (or set resolver_nameservers)",
			    RESOLVER_RESOLV_CONF);
		resolver_ub_check(ub_ctx_resolvconf(resolver_ub,
		    RESOLVER_RESOLV_CONF), RESOLVER_RESOLV_CONF);
	}
	params_list_free(list);
	if (*var_resolver_trust_anchor_file != '\0')
		resolver_ta_load(var_resolver_trust_anchor_file);
}

static void
resolver_ub_event(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	resolver_lookup_process();
}

void
resolver_post_jail(void)
{
	if (event_add_fd(server_loop(), ub_fd(resolver_ub), EVENT_READ,
	    resolver_ub_event, NULL) < 0)
		log_fatal("event_add_fd: %m");
}

void
resolver_on_exit(void)
{
	if (resolver_lookup_count() > 0)
		log_info("exiting with %zu lookup(s) in progress",
		    resolver_lookup_count());
}

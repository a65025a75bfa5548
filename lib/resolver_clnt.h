/*
 * NAME
 *	resolver_clnt - the client half of the DNS service
 *
 * SYNOPSIS
 *	static struct resolver_clnt *rc;
 *	struct resolver_answer *a = xmalloc(sizeof(*a));
 *
 *	if (rc == NULL)
 *		rc = resolver_clnt_new(NULL, 60 * 1000);
 *	if (resolver_clnt_lookup(rc, "example.org", 1, a, &err) < 0)
 *		defer: err says why (the service is down, timed out, or
 *		broke the protocol)
 *	else switch (a->status) {
 *	case RESOLVER_STAT_OK:	     a->host[0 .. a->nhost-1], in order
 *	case RESOLVER_STAT_TEMP:     defer with a->dsn, a->text
 *	default:		     bounce with a->dsn, a->text
 *	}
 *
 * DESCRIPTION
 *	The protocol is in resolver_proto.h; the connection is lib/ipc_clnt's.
 *	It is made at the first call and kept for the calls that follow (a
 *	relay agent asks once per delivery). A kept connection that turns
 *	out to be gone (the service restarted between two calls) is made
 *	again once within the same call; any other failure (no service, a
 *	timeout, a malformed answer) returns -1 with the reason, and the
 *	next call connects afresh. Each call is bounded by the timeout in
 *	all.
 *
 * SECURITY
 *	The answer is parsed strictly (lib/ipc getters, ipc_end), every
 *	count is bounded before it is used, host names must be DNS names
 *	(resolver_name_ok) and addresses must parse as IPv4 or IPv6.
 */
#ifndef POSTERN_RESOLVER_CLNT_H
#define POSTERN_RESOLVER_CLNT_H

#include <stddef.h>

#include "dsn.h"
#include "resolver_proto.h"

struct resolver_host {
	char		 name[RESOLVER_NAME_MAX + 1];
	unsigned	 pref;
	int		 secure;
	size_t		 naddr;
	char		 addr[RESOLVER_ADDR_MAX][RESOLVER_ADDR_TEXT_MAX];
};

struct resolver_answer {
	int		 status;		/* RESOLVER_STAT_* */
	char		 dsn[DSN_STATUS_SIZE];
	char		 text[RESOLVER_TEXT_MAX + 1];
	char		 ascii[RESOLVER_NAME_MAX + 1];
	int		 secure;
	size_t		 nhost;
	struct resolver_host host[RESOLVER_HOST_MAX];
};

struct resolver_clnt;

/*
 * A client of the service at path (NULL: RESOLVER_SOCKET, relative to
 * the current directory); each call bounded by timeout_ms (<= 0:
 * RESOLVER_TIMEOUT_DEFAULT). Nothing is connected yet. Never NULL.
 */
struct resolver_clnt *resolver_clnt_new(const char *path, int timeout_ms);
/* Close the connection and free; sets *rcp to NULL. NULL is fine. */
void	resolver_clnt_free(struct resolver_clnt **rcp);
/*
 * Ask where mail for domain goes (mx 1) or the addresses of the host
 * domain (mx 0). 0 with *a filled (any status), or -1 with *err_r (the
 * caller frees it) when the service gave no valid answer.
 */
int	resolver_clnt_lookup(struct resolver_clnt *, const char *domain,
	    int mx, struct resolver_answer *a, char **err_r);

/*
 * 1 when s is a DNS host name in A-labels: labels of letters, digits,
 * hyphens and underscores, 1..63 bytes each, RESOLVER_NAME_MAX in all,
 * no trailing dot; else 0. Client and server share it.
 */
int	resolver_name_ok(const char *s);

#endif

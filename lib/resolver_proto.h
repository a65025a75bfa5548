/*
 * NAME
 *	resolver_proto - the protocol of the DNS service (resolver/)
 *
 * DESCRIPTION
 *	resolver (resolver(8)) is one event-driven process that does every
 *	DNS lookup of the mail flow with libunbound: the relay agents ask
 *	it where a domain's mail goes. The client half is
 *	lib/resolver_clnt. (Not to be confused with lib/resolve, which
 *	rewrites addresses and picks transports without any DNS.)
 *
 *	Transport: lib/ipc records on the UNIX socket RESOLVER_SOCKET,
 *	relative to queue_directory (resolver_proto, lib/ipc_clnt and
 *	lib/ipc_conn at the two ends). The server speaks first:
 *
 *		proto=resolver/1.0
 *
 *	Then any number of requests on the connection, each answered in
 *	order. One request is one domain; the answer is all the client
 *	needs to connect:
 *
 *		req=lookup		RESOLVER_REQ_LOOKUP
 *		domain=example.org	1..RESOLVER_NAME_MAX bytes: a domain
 *					name, U-labels allowed (converted to
 *					A-labels, IDNA2008), no trailing dot
 *		mx=1			1: the domain's mail servers (MX,
 *					else the implicit MX: the domain
 *					itself); 0: the addresses of the
 *					host itself (a [host] next hop)
 *
 *	Answer:
 *
 *		status=0		RESOLVER_STAT_*
 *		dsn=2.0.0		the enhanced status code of the
 *					outcome (below)
 *		text=...		why, for logs and bounces ("" on
 *					success), at most RESOLVER_TEXT_MAX
 *		ascii=example.org	the domain in A-labels
 *		secure=0		1 when every record the answer rests on
 *					was DNSSEC-validated (DANE needs it)
 *		count=N			hosts that follow, at most
 *					RESOLVER_HOST_MAX
 *		N groups of:
 *		  host=mx1.example.org	the host name, A-labels, no final dot
 *		  pref=10		MX preference (0 for an implicit MX
 *					or a host lookup)
 *		  secure=0		its address records were validated
 *		  naddr=M		addresses that follow, at most
 *					RESOLVER_ADDR_MAX
 *		  M times addr=192.0.2.1	numeric IPv4 or IPv6
 *
 *	Hosts come in MX preference order, shuffled among equal
 *	preferences, each host once; a host whose addresses are unknown is
 *	left out. Only addresses of the families inet_protocols allows are
 *	returned. Outcomes:
 *
 *	  RESOLVER_STAT_OK	 2.0.0, at least one host with an address
 *	  RESOLVER_STAT_NOTFOUND 5.1.2 NXDOMAIN; 5.4.4 a domain or MX host
 *				 without address records; 5.1.2 a name that
 *				 is not a valid domain (or not convertible
 *				 to A-labels)
 *	  RESOLVER_STAT_NULLMX	 5.1.10: the domain says it accepts no mail
 *				 (null MX, RFC 7505)
 *	  RESOLVER_STAT_TEMP	 4.4.3: SERVFAIL, a timeout
 *				 (resolver_query_timeout), a malformed
 *				 answer; 4.7.5 an answer that failed DNSSEC
 *				 validation (bogus)
 *
 *	A request the server cannot parse is a protocol error: the server
 *	logs it and closes the connection. A verb it does not know is
 *	answered status=RESOLVER_STAT_TEMP (a newer client).
 *
 * SECURITY
 *	The socket is in private/: only the mail system's processes can
 *	connect. The server parses every request strictly and the client
 *	every answer; host names are checked as DNS names and addresses
 *	with inet_pton on both sides, so nothing from DNS reaches a log
 *	line or a connect() unchecked.
 */
#ifndef POSTERN_RESOLVER_PROTO_H
#define POSTERN_RESOLVER_PROTO_H

#include "ipc.h"

#define RESOLVER_PROTO		"resolver"
#define RESOLVER_PROTO_MAJOR	1
#define RESOLVER_PROTO_MINOR	0
/* The service's socket, relative to queue_directory. */
#define RESOLVER_SOCKET		"private/resolver"
/* A client call's default bound (resolver_query_timeout is less). */
#define RESOLVER_TIMEOUT_DEFAULT	60000	/* ms */

#define RESOLVER_REQ_LOOKUP	"lookup"

#define RESOLVER_STAT_OK	0
#define RESOLVER_STAT_NOTFOUND	1	/* permanent */
#define RESOLVER_STAT_NULLMX	2	/* permanent: no mail wanted */
#define RESOLVER_STAT_TEMP	3	/* try again later */

#define RESOLVER_NAME_MAX	253	/* a domain name, A-labels, bytes */
#define RESOLVER_UNAME_MAX	1024	/* one as asked (U-labels), bytes */
#define RESOLVER_TEXT_MAX	512
#define RESOLVER_ADDR_TEXT_MAX	46	/* INET6_ADDRSTRLEN */
#define RESOLVER_HOST_MAX	32	/* hosts in an answer */
#define RESOLVER_ADDR_MAX	16	/* addresses per host */
/* Largest record either way: an answer with the most of everything. */
#define RESOLVER_REC_MAX	(64 * 1024)

/* The protocol, for lib/ipc_clnt and lib/ipc_conn (resolver_clnt.c). */
extern const struct ipc_proto resolver_proto;

#endif

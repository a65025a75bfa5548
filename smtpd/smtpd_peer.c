/*
 * NAME
 *	smtpd_peer - who the client is: address, verified name, and what
 *	it did before the greeting.
 *
 * DESCRIPTION
 *	The name is the reverse (PTR) name of the address, used only when
 *	it resolves forward to the same address again (a PTR record is the
 *	client's to write); otherwise, or with smtpd_peername_lookup = no,
 *	it is "unknown", as in Postfix's "unknown[192.0.2.1]".
 *
 *	When: Postfix looks the name up before its greeting. Here the 220
 *	goes first and the lookups run while the client reads it and sends
 *	EHLO (nothing reads the name before a command), which saves the
 *	client the lookups' time: two DNS round trips for a remote client,
 *	two reads of /etc/hosts for a local one. The name comes first when
 *	the greeting waits anyway (the greet pause below), on the implicit
 *	TLS port, and when anvil is asked about the client (its log lines
 *	name the host).
 *
 *	A process keeps the names of its last 16 clients for 10 seconds
 *	(answers of the name service, not its temporary failures): a
 *	client that connects many times a second is looked up once, not
 *	twice a connection. A name changed in the DNS or /etc/hosts is
 *	seen within those seconds, as a resolver's cache would show it.
 *
 *	Early talkers (Postfix's postscreen "pregreet" test): on TCP, a
 *	client outside mynetworks waits smtpd_greet_pause before the 220.
 *	A client that sends anything in that pause does not wait for the
 *	server as RFC 5321 4.3.1 requires; typically a spam engine. With
 *	smtpd_reject_early_talkers it gets "554 5.5.0 ... Error: SMTP
 *	protocol synchronization" (RFC 5321 3.1 allows 554 in place of
 *	the greeting) and is disconnected; otherwise this is only logged.
 *
 * SECURITY
 *	A client's PTR record and its forward records are the client's:
 *	the name is used only when both agree, and must be a plausible
 *	host name (letters, digits, '-' and '.'). The lookups are done by
 *	the C library (before the jail it is made to load what it needs).
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "monotime.h"
#include "netlist.h"
#include "params.h"
#include "smtpd.h"
#include "sock.h"

#define SMTPD_PEER_KEEP		16	/* clients whose names are kept */
#define SMTPD_PEER_KEEP_MS	10000	/* for this long */

void
smtpd_peer_prepare(void)
{
	char host[NI_MAXHOST];
	struct addrinfo hints, *res;

	/* load the resolver's modules while the files are reachable */
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo("127.0.0.1", NULL, &hints, &res) == 0) {
		(void)getnameinfo(res->ai_addr, res->ai_addrlen, host,
		    sizeof(host), NULL, 0, NI_NAMEREQD);
		freeaddrinfo(res);
	}
}

/* A name fit to log and to put into Received: */
static int
smtpd_peer_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= SMTPD_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '-' || name[i] == '.'))
			return 0;
	return 1;
}

/* Is a lookup's failure an answer (no such name), not a trouble? */
static int
smtpd_peer_final(int gai)
{
	return gai == 0 || gai == EAI_NONAME;
}

/*
 * Reverse, then forward-confirm; "unknown" unless both agree. 1 when
 * the result is an answer of the name service, 0 after a temporary
 * failure (not to be kept).
 */
static int
smtpd_peer_name(struct smtpd_session *sess)
{
	struct addrinfo hints, *ra = NULL, *fa = NULL, *p;
	char name[NI_MAXHOST], num[NI_MAXHOST];
	int found = 0, r, final = 0;

	strlcpy(sess->name, "unknown", sizeof(sess->name));
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(sess->addr, NULL, &hints, &ra) != 0)
		return 0;
	if ((r = getnameinfo(ra->ai_addr, ra->ai_addrlen, name, sizeof(name),
	    NULL, 0, NI_NAMEREQD)) != 0 || !smtpd_peer_name_ok(name)) {
		final = smtpd_peer_final(r);
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ra->ai_family;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(name, NULL, &hints, &fa)) != 0) {
		final = smtpd_peer_final(r);
		goto out;
	}
	final = 1;
	for (p = fa; p != NULL && !found; p = p->ai_next)
		if (getnameinfo(p->ai_addr, p->ai_addrlen, num, sizeof(num),
		    NULL, 0, NI_NUMERICHOST) == 0 &&
		    strcmp(num, sess->addr) == 0)
			found = 1;
	if (found) {
		addr_lower(name);
		strlcpy(sess->name, name, sizeof(sess->name));
	} else
		log_info("%s: hostname %s does not resolve to address %s",
		    sess->addr, name, sess->addr);
out:
	if (fa != NULL)
		freeaddrinfo(fa);
	freeaddrinfo(ra);
	return final;
}

/*
 * The names of the last clients, kept SMTPD_PEER_KEEP_MS: a client that
 * connects many times a second (a relay, a submission client, a
 * benchmark) is looked up once, not twice a connection.
 */
static struct {
	char		 addr[SMTPD_ADDR_MAX];
	char		 name[SMTPD_NAME_MAX];
	long long	 when;		/* monotime_ms of the lookup */
} smtpd_peer_kept[SMTPD_PEER_KEEP];

static void
smtpd_peer_name_kept(struct smtpd_session *sess)
{
	long long now = monotime_ms();
	size_t i, slot = 0;

	for (i = 0; i < SMTPD_PEER_KEEP; i++) {
		if (smtpd_peer_kept[i].addr[0] != '\0' &&
		    now - smtpd_peer_kept[i].when < SMTPD_PEER_KEEP_MS &&
		    now >= smtpd_peer_kept[i].when &&
		    strcmp(smtpd_peer_kept[i].addr, sess->addr) == 0) {
			strlcpy(sess->name, smtpd_peer_kept[i].name,
			    sizeof(sess->name));
			return;
		}
		if (smtpd_peer_kept[i].when < smtpd_peer_kept[slot].when)
			slot = i;
	}
	if (!smtpd_peer_name(sess))
		return;
	strlcpy(smtpd_peer_kept[slot].addr, sess->addr,
	    sizeof(smtpd_peer_kept[slot].addr));
	strlcpy(smtpd_peer_kept[slot].name, sess->name,
	    sizeof(smtpd_peer_kept[slot].name));
	smtpd_peer_kept[slot].when = now;
}

void
smtpd_peer_lookup(struct smtpd_session *sess)
{
	if (sock_peer_addr(sess->fd, sess->addr, sizeof(sess->addr),
	    sess->port, sizeof(sess->port)) < 0) {
		/* a UNIX socket (local submission) or a vanished peer */
		sess->addr[0] = '\0';
		sess->port[0] = '\0';
		strlcpy(sess->name, "localhost", sizeof(sess->name));
		smtpd_session_namaddr(sess);
		return;
	}
	sess->flags |= SMTPD_F_INET;
	/* "unknown" until smtpd_peer_name_lookup */
	strlcpy(sess->name, "unknown", sizeof(sess->name));
	smtpd_session_namaddr(sess);
}

void
smtpd_peer_name_lookup(struct smtpd_session *sess)
{
	if (!(sess->flags & SMTPD_F_INET) || !var_smtpd_peername_lookup)
		return;
	smtpd_peer_name_kept(sess);
	smtpd_session_namaddr(sess);
}

/* Does the client wait before its greeting (smtpd_greet_pause)? */
static int
smtpd_peer_pauses(const struct smtpd_session *sess)
{
	return (sess->flags & SMTPD_F_INET) &&
	    !(sess->flags & SMTPD_F_MYNETWORKS) && var_smtpd_greet_pause > 0;
}

int
smtpd_peer_greet_first(struct smtpd_session *sess)
{
	return (sess->flags & SMTPD_F_INET) && var_smtpd_peername_lookup &&
	    !smtpd_peer_pauses(sess) && !var_smtpd_tls_wrappermode &&
	    !smtpd_peer_limited(sess);
}

void
smtpd_peer_classify(struct smtpd_session *sess)
{
	sess->bare = smtpd_conf.bare;
	/* a local program's text may end lines in LF: not an attack */
	if (sess->flags & SMTPD_F_LOCAL)
		sess->bare = SMTPD_BARE_NORMALIZE;
	if (!(sess->flags & SMTPD_F_INET))
		return;
	if (netlist_match(smtpd_conf.mynetworks, sess->addr))
		sess->flags |= SMTPD_F_MYNETWORKS;
	if (netlist_match(smtpd_conf.bare_exempt, sess->addr))
		sess->flags |= SMTPD_F_BARE_EXEMPT;
	if (sess->flags & SMTPD_F_BARE_EXEMPT)
		sess->bare = SMTPD_BARE_NORMALIZE;
}

int
smtpd_peer_pregreet(struct smtpd_session *sess)
{
	struct pollfd pfd;
	char c;
	ssize_t n;
	int r;

	if (!smtpd_peer_pauses(sess))
		return 0;
	pfd.fd = sess->fd;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, (int)var_smtpd_greet_pause * 1000);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return 0;
	n = recv(sess->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0) {
		log_info("lost connection after CONNECT from %s",
		    sess->namaddr);
		return -1;
	}
	if (n < 0)
		return 0;	/* the session will see the error */
	if (!var_smtpd_reject_early_talkers) {
		log_info("pregreet from %s (early talker; allowed)",
		    sess->namaddr);
		return 0;
	}
	smtpd_reject(sess, NULL, 554, "5.5.0", "%s Error: SMTP protocol "
	    "synchronization (talked before the greeting)", var_myhostname);
	return -1;
}

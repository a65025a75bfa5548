/*
 * NAME
 *	relay_session - an SMTP session with one server: connect, greeting,
 *	EHLO or HELO, STARTTLS, AUTH; RSET for reuse; QUIT.
 *
 * DESCRIPTION
 *	Connect within smtp_connect_timeout ("connect to HOST[ADDR]:PORT:
 *	Connection refused", 4.4.1); the greeting and EHLO within
 *	smtp_helo_timeout. A greeting other than 220 is "host X refused to
 *	talk to me: ..." (a 5xx one is permanent, as in Postfix, when no
 *	other server takes the mail). EHLO refused with 5xx: HELO, and no
 *	extensions. A server that greets with our own name
 *	(smtp_helo_name) is this host: "mail for DOMAIN loops back to
 *	myself", 5.4.6, instead of a loop.
 *
 *	Then STARTTLS as smtp_tls_security_level says (relay_tls.c): at
 *	level may a failed handshake is followed by a new connection to the
 *	same server without TLS, as Postfix does; and AUTH when a password
 *	is configured for the next hop (relay_sasl.c).
 *
 *	Every failure here is the server's or the network's: a site
 *	failure, after which the next address is tried.
 *
 * SECURITY
 *	The server is untrusted: its replies are read by lib/smtp_reply
 *	with line and size bounds, every wait is bounded, and what it says
 *	is cleaned before it is logged. Only numeric addresses are
 *	connected to (sock_connect_inet).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "monotime.h"
#include "params.h"
#include "relay.h"
#include "sock.h"
#include "stream.h"
#include "tls.h"
#include "vbuf.h"
#include "xmalloc.h"

#define RELAY_CMD_MAX		4096

static void
relay_timeouts(struct relay_session *s, long long secs)
{
	int ms = secs > 0 && secs < 2000000 ? (int)(secs * 1000) : 2000000000;

	stream_set_timeouts(s->s, ms, ms);
}

int
relay_command(struct relay_session *s, long long timeout, const char *fmt,
    ...)
{
	char buf[RELAY_CMD_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	relay_timeouts(s, timeout);
	if (stream_printf(s->s, "%s\r\n", buf) < 0 ||
	    stream_flush(s->s) < 0) {
		vbuf_sets(s->rep.text, stream_strerror(s->s));
		s->rep.code = SMTP_REPLY_LOST;
		return SMTP_REPLY_LOST;
	}
	return smtp_reply_read(s->s, &s->rep);
}

/* The first word of the first line after the code: the server's name. */
static int
relay_is_me(const struct relay_session *s)
{
	const char *p = vbuf_str(s->rep.text);
	size_t n, me = strlen(var_smtp_helo_name);

	if (strlen(p) < 4)
		return 0;
	p += 4;
	n = strcspn(p, " \n");
	return n == me && strncasecmp(p, var_smtp_helo_name, n) == 0;
}

/* EHLO, or HELO when EHLO is refused: 0, or -1 with job->fail. */
static int
relay_ehlo(struct relay_session *s, const char *nexthop, struct relay_job *job)
{
	int code;

	memset(&s->ehlo, 0, sizeof(s->ehlo));
	code = relay_command(s, var_smtp_helo_timeout, "EHLO %s",
	    var_smtp_helo_name);
	if (code / 100 == 5) {
		s->helo = 1;
		code = relay_command(s, var_smtp_helo_timeout, "HELO %s",
		    var_smtp_helo_name);
	}
	if (code < 0) {
		relay_fail_lost(job, s, "performing the EHLO handshake");
		return -1;
	}
	if (code / 100 != 2) {
		relay_fail_reply(job, s, s->helo ? "HELO" : "EHLO", 1);
		return -1;
	}
	if (relay_is_me(s)) {
		relay_fail_set(job, s->relay, 0, "5.4.6", "mail for %s loops "
		    "back to myself", nexthop);
		return -1;
	}
	if (!s->helo)
		smtp_ehlo_parse(vbuf_str(s->rep.text), &s->ehlo);
	return 0;
}

static struct relay_session *
relay_session_new(const struct relay_dest *dest, const char *nexthop, int fd)
{
	struct relay_session *s = xcalloc(1, sizeof(*s));

	if ((s->s = stream_new(fd, 0)) == NULL)
		log_fatal("stream_new: %m");
	stream_set_line_limit(s->s, SMTP_REPLY_LINE_MAX);
	smtp_reply_init(&s->rep);
	s->dest = *dest;
	strlcpy(s->nexthop, nexthop, sizeof(s->nexthop));
	snprintf(s->relay, sizeof(s->relay), "%s[%s]:%u", dest->host,
	    dest->addr, dest->port);
	s->born_ms = monotime_ms();
	return s;
}

/* One connection to dest; allow_tls 0: no STARTTLS. 0, 1 retry, -1. */
static int
relay_session_try(const struct relay_dest *dest, const char *nexthop,
    const struct relay_hop *hop, struct relay_job *job, int allow_tls,
    struct relay_session **sp)
{
	struct relay_session *s;
	char port[8];
	int fd, code, r;

	snprintf(port, sizeof(port), "%u", dest->port);
	if ((fd = sock_connect_inet(dest->addr, port,
	    (int)var_smtp_connect_timeout)) < 0) {
		relay_fail_set(job, "none", 1, "4.4.1", "connect to "
		    "%s[%s]:%u: %s", dest->host, dest->addr, dest->port,
		    errno == ETIMEDOUT ? "Connection timed out" :
		    strerror(errno));
		return -1;
	}
	/* whole commands and groups are written at once: no Nagle wait
	   for the ACK of the one before */
	(void)sock_set_nodelay(fd);
	s = relay_session_new(dest, nexthop, fd);
	relay_timeouts(s, var_smtp_helo_timeout);
	code = smtp_reply_read(s->s, &s->rep);
	if (code < 0) {
		relay_fail_lost(job, s, "receiving the initial server "
		    "greeting");
		goto fail;
	}
	if (code != 220) {
		relay_fail_reply(job, s, NULL, code / 100 != 5);
		goto fail;
	}
	if (relay_is_me(s)) {
		relay_fail_set(job, s->relay, 0, "5.4.6", "mail for %s loops "
		    "back to myself", nexthop);
		goto fail;
	}
	if (relay_ehlo(s, nexthop, job) < 0)
		goto fail;
	if ((r = relay_tls_start(s, hop, allow_tls, job)) != 0) {
		s->broken = r > 0;	/* the handshake left it unusable */
		relay_session_close(&s);
		return r > 0 ? 1 : -1;
	}
	if (s->tls && relay_ehlo(s, nexthop, job) < 0)
		goto fail;
	if (relay_sasl_auth(s, nexthop, hop, job) < 0)
		goto fail;
	*sp = s;
	return 0;
fail:
	relay_session_close(&s);
	return -1;
}

int
relay_session_open(const struct relay_dest *dest, const char *nexthop,
    const struct relay_hop *hop, struct relay_job *job,
    struct relay_session **sp)
{
	int r;

	*sp = NULL;
	if ((r = relay_session_try(dest, nexthop, hop, job, 1, sp)) == 1) {
		log_info("%s: TLS with %s[%s]:%u failed; trying again without "
		    "(smtp_tls_security_level = may)", job->req->queue_id,
		    dest->host, dest->addr, dest->port);
		r = relay_session_try(dest, nexthop, hop, job, 0, sp);
	}
	return r == 0 ? 0 : -1;
}

int
relay_session_reusable(struct relay_session *s)
{
	long long age = monotime_ms() - s->born_ms;

	if (s->broken || (var_smtp_connection_reuse_count_limit > 0 &&
	    s->uses >= (unsigned)var_smtp_connection_reuse_count_limit) ||
	    age > var_smtp_connection_reuse_time_limit * 1000)
		return 0;
	s->rset = 1;
	return 1;
}

void
relay_session_close(struct relay_session **sp)
{
	struct relay_session *s = *sp;

	if (s == NULL)
		return;
	if (!s->broken && s->s != NULL)
		(void)relay_command(s, var_smtp_quit_timeout, "QUIT");
	stream_free(&s->s);
	smtp_reply_free(&s->rep);
	free(s);
	*sp = NULL;
}

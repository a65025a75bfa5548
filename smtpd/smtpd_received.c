/*
 * NAME
 *	smtpd_received - the Received: field smtpd puts on top of a message.
 *
 * DESCRIPTION
 *	RFC 5321 4.4, in the shape Postfix writes and log tools expect:
 *
 *	Received: from HELO (NAME [ADDR])
 *		by MYHOSTNAME (Postern) with PROTO id QID
 *		for <RCPT>; DATE
 *
 *	PROTO is SMTP, ESMTP, or with TLS/AUTH/SMTPUTF8 the RFC 3848 and
 *	RFC 6531 names (ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP...). The "for"
 *	clause is there only for a single recipient (a list would tell
 *	each recipient who else got a Bcc). IPv6 addresses are written as
 *	[IPv6:...] (RFC 5321 4.1.3). A local submission gets Postfix's
 *	"by MYHOSTNAME (Postern, from userid N)" form.
 *
 * SECURITY
 *	HELO was reduced to printable ASCII when it was received, the name
 *	is a verified host name or "unknown", the address is numeric;
 *	nothing here can break the header's line structure.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "params.h"
#include "smtpd.h"
#include "vbuf.h"

void
smtpd_rfc5322_date(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	if (strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0 &&
	    len > 0)
		buf[0] = '\0';
}

void
smtpd_received(const struct smtpd_session *sess, struct vbuf *out)
{
	const struct smtpd_xact *x = &sess->xact;
	char date[64];

	smtpd_rfc5322_date((long long)time(NULL), date, sizeof(date));
	if (sess->flags & SMTPD_F_LOCAL)
		vbuf_appendf(out, "Received: by %s (%s, from userid %ld)\r\n"
		    "\tid %s", var_myhostname, var_mail_name,
		    (long)sess->local_uid, x->qid);
	else {
		vbuf_appendf(out, "Received: from %s (%s",
		    sess->helo[0] != '\0' ? sess->helo : sess->name,
		    sess->name);
		if (sess->addr[0] != '\0')
			vbuf_appendf(out, " [%s%s]",
			    strchr(sess->addr, ':') != NULL ? "IPv6:" : "",
			    sess->addr);
		vbuf_appends(out, ")");
		smtpd_tls_received(sess, out);	/* (using TLSv1.3 ...) */
		vbuf_appendf(out, "\r\n\tby %s (%s) with %s id %s",
		    var_myhostname, var_mail_name, smtpd_session_proto(sess),
		    x->qid);
	}
	if (x->nrcpt == 1)
		vbuf_appendf(out, "\r\n\tfor <%s>", x->rcpt1);
	vbuf_appendf(out, "; %s\r\n", date);
}

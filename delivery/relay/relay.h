/*
 * relay.h - private header of the SMTP client (delivery/relay).
 *
 * The agent serves qmgr over the deliver protocol (lib/deliver_agent):
 * relay_conn.c takes a request and keeps the last SMTP session for the
 * next one; relay_hop.c turns the next hop into addresses (the resolver
 * service, or an address literal); relay_session.c connects and says
 * EHLO, with relay_tls.c (STARTTLS policy) and relay_sasl.c (client
 * AUTH); relay_xact.c runs one mail transaction and decides each
 * recipient's outcome; relay_data.c writes the content (dot-stuffing,
 * long lines, with relay_mime.c's 8BITMIME downgrade); relay_status.c
 * words the outcomes as Postfix does; relay_setup.c holds the skeleton's
 * hooks. See man/relay.8.
 */
#ifndef POSTERN_RELAY_H
#define POSTERN_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "deliver_agent.h"
#include "resolver_clnt.h"
#include "server.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"

#define RELAY_ADDR_MAX		48	/* a numeric address, text */
#define RELAY_HOST_MAX		(RESOLVER_NAME_MAX + 1)

struct stream;
struct tls_client_ctx;
struct vbuf;

/* The next hop of a request, as parsed. */
struct relay_hop {
	char		 host[RELAY_HOST_MAX];	/* domain, host or address */
	unsigned	 port;
	int		 mx;		/* no brackets: look up MX records */
	int		 literal;	/* host is a numeric address */
};

/* One address to try, with the host it belongs to. */
struct relay_dest {
	char		 host[RELAY_HOST_MAX];	/* MX host name, or address */
	char		 addr[RELAY_ADDR_MAX];
	unsigned	 port;
};

/* One SMTP session with one server. */
struct relay_session {
	struct stream	*s;
	struct relay_dest dest;
	char		 nexthop[DELIVER_ADDR_MAX + 1];	/* reuse key */
	char		 relay[DELIVER_RELAY_MAX];	/* host[addr]:port */
	struct smtp_ehlo ehlo;
	struct smtp_reply rep;		/* the last reply */
	int		 helo;		/* the server refused EHLO: HELO */
	int		 tls;		/* TLS is up */
	int		 rset;		/* reused: RSET before MAIL FROM */
	unsigned	 uses;		/* mail transactions started */
	long long	 born_ms;	/* monotime_ms() at connect */
	double		 setup;		/* seconds to get it ready */
	int		 broken;	/* out of step: do not reuse */
};

/* How the last attempt ended, for recipients that are still pending. */
struct relay_fail {
	char		 dsn[DSN_STATUS_SIZE];
	char		 text[DELIVER_TEXT_MAX + 1];	/* status and DSN */
	char		 log[DELIVER_TEXT_MAX + 512];	/* status= (...) */
	char		 relay[DELIVER_RELAY_MAX];
	char		 remote_mta[DELIVER_RELAY_MAX];
	int		 smtp;		/* text is a remote reply */
	int		 site;		/* a failure of the destination */
	double		 setup;		/* the session's, for delays c */
	unsigned	 conn_use;
};

/* What the content needs (relay_mime_scan). */
struct relay_msg {
	int		 body8;		/* an 8-bit byte in a body */
	int		 head8;		/* an 8-bit byte in a header */
	int		 utf8;		/* the envelope or headers need
					   SMTPUTF8 (RFC 6531) */
	const char	*noconv;	/* why 8-bit cannot become 7-bit, or
					   NULL when it can */
};

/* One request being delivered. */
struct relay_job {
	struct deliver_req	*req;
	struct deliver_status	*st;		/* one per recipient */
	char			**log;		/* their log texts */
	unsigned char		*done;		/* outcome decided */
	unsigned char		*accepted;	/* RCPT got 2xx this time */
	size_t			 pending;	/* not done */
	struct relay_msg	 msg;
	struct relay_mime	*mime;		/* the content's part map */
	struct relay_fail	 fail;		/* the last attempt's failure */
	int			 sent;		/* content went out: no other
						   server may get it now */
	int			 nonsite;	/* an outcome not due to a
						   failure of the destination */
};

/* relay_setup.c: the skeleton hooks and process-wide state */
extern struct tls_client_ctx *relay_tls_ctx;	/* NULL: level none */
extern int relay_tls_level;			/* enum tls_level */
void	relay_check(void);
void	relay_pre_jail(void);
void	relay_post_jail(void);

/* relay_conn.c */
void	relay_conn(int fd, const struct server_info *);

/* relay_hop.c */
/*
 * Parse a next hop: "domain", "host:port", "[host]", "[host]:port",
 * "[192.0.2.1]", "[ipv6:2001:db8::1]:2525". 0, or -1 with *why_r.
 */
int	relay_hop_parse(const char *nexthop, struct relay_hop *h,
	    const char **why_r);
/*
 * The addresses to try for a hop, in order, at most max: 0 with
 * *dests_r (the caller frees it) and *n_r; or -1 with job->fail set
 * (the resolver's answer: temporary or permanent).
 */
int	relay_hop_dests(const struct relay_hop *h, struct relay_job *job,
	    struct relay_dest **dests_r, size_t *n_r, size_t max);

/* relay_session.c */
/*
 * Connect to dest, read the greeting, EHLO (or HELO), STARTTLS and AUTH
 * as configured. 0 with *sp a ready session; -1 with job->fail set (the
 * next address may be tried).
 */
int	relay_session_open(const struct relay_dest *dest, const char *nexthop,
	    const struct relay_hop *hop, struct relay_job *job,
	    struct relay_session **sp);
/*
 * Is the kept session fit for another transaction (in step, young and
 * little used enough)? 1, and RSET goes out with the next MAIL FROM
 * (pipelined where the server allows); or 0.
 */
int	relay_session_reusable(struct relay_session *);
/* QUIT (when in step) and close; sets *sp to NULL. NULL is fine. */
void	relay_session_close(struct relay_session **sp);
/*
 * Send one command (printf) and read its reply, each within timeout
 * seconds: the code, or SMTP_REPLY_LOST / SMTP_REPLY_BAD.
 */
int	relay_command(struct relay_session *, long long timeout,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* relay_tls.c */
/*
 * STARTTLS as smtp_tls_security_level wants, after EHLO: 0 (TLS is up,
 * or not wanted, or not offered at level may), 1 (level may and the
 * handshake failed: try this server again without TLS), -1 with
 * job->fail (the session is unusable or TLS is required and missing).
 */
int	relay_tls_start(struct relay_session *, const struct relay_hop *hop,
	    int allow, struct relay_job *job);

/* relay_sasl.c */
/* Open smtp_sasl_password_maps (before the jail). */
void	relay_sasl_open(void);
/* AUTH when configured for this next hop: 0, or -1 with job->fail. */
int	relay_sasl_auth(struct relay_session *, const char *nexthop,
	    const struct relay_hop *hop, struct relay_job *job);

/* relay_xact.c */
#define RELAY_XACT_DONE		0	/* every recipient has an outcome */
#define RELAY_XACT_RETRY	1	/* the session failed before the
					   content was sent: try the next
					   server for the recipients left */
/* One mail transaction on s for the job's pending recipients. */
int	relay_xact(struct relay_session *s, struct relay_job *job);

/* relay_data.c */
struct relay_mime;
/*
 * Write the content of the queue file with SMTP's dot-stuffing and lines
 * over smtp_line_length_limit broken (CR LF SPACE), through the MIME
 * downgrade when mime is not NULL; not the final dot. 0, or -1 (the
 * stream failed: stream_strerror; or the queue file could not be read:
 * *qerr_r 1, errno).
 */
int	relay_data_send(struct stream *s, const struct deliver_req *req,
	    struct relay_mime *mime, int *qerr_r);
/* The content, line by line (eol 0: a piece of a longer line). */
struct relay_reader;
struct relay_reader *relay_reader_new(const struct deliver_req *req);
/* 1 with the line (without CR LF), 0 at the end, -1 with errno. */
int	relay_reader_line(struct relay_reader *, const char **line_r,
	    size_t *len_r, int *eol_r);
void	relay_reader_free(struct relay_reader **);

/* relay_mime.c */
/*
 * Scan the content: what it needs (msg), and the part map the 8BITMIME
 * downgrade uses (*mime_r, the caller frees it; NULL for 7-bit content,
 * which needs none). 0, or -1 with errno (the queue file could not be
 * read).
 */
int	relay_mime_scan(const struct deliver_req *req, struct relay_msg *msg,
	    struct relay_mime **mime_r);
typedef int (*relay_mime_emit_fn)(const char *line, size_t len, void *arg);
struct relay_mime *relay_mime_new(void);
/* From now on, lines in are converted and go out through emit. */
void	relay_mime_convert(struct relay_mime *, relay_mime_emit_fn,
	    void *arg);
/* One line of content without its CR LF: 0, or emit's -1. */
int	relay_mime_line(struct relay_mime *, const char *line, size_t len);
/* The end of the content: 0 or -1. */
int	relay_mime_end(struct relay_mime *);
/* Why the content cannot be converted (NULL: it can). */
const char *relay_mime_noconv(const struct relay_mime *);
void	relay_mime_free(struct relay_mime **);
/* Quoted-printable of one line, appended to out ("=\n" soft breaks). */
void	relay_mime_qp(const char *line, size_t len, struct vbuf *out);

/* relay_status.c */
/* Pending recipients all get job->fail (deferred or bounced). */
void	relay_fail_pending(struct relay_job *job);
/* Set job->fail: a failure worded by us (not a remote reply). */
void	relay_fail_set(struct relay_job *job, const char *relay, int site,
	    const char *dsn, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/*
 * Set job->fail from the session's last reply to command cmd ("RCPT
 * TO", "end of DATA"...): "host X said: REPLY (in reply to CMD
 * command)".
 */
void	relay_fail_reply(struct relay_job *job, const struct relay_session *s,
	    const char *cmd, int site);
/* Recipient i's outcome from the session's last reply. */
void	relay_status_reply(struct relay_job *job, size_t i,
	    const struct relay_session *s, const char *cmd);
/* Recipient i's outcome from job->fail. */
void	relay_status_fail(struct relay_job *job, size_t i);
/* Recipient i was accepted by the end of data: delivered or relayed. */
void	relay_status_sent(struct relay_job *job, size_t i,
	    const struct relay_session *s);
/*
 * The session went wrong (lost, timeout, malformed reply) while cmd:
 * job->fail says "lost connection with X while CMD" or "conversation
 * with X timed out while CMD".
 */
void	relay_fail_lost(struct relay_job *job, const struct relay_session *s,
	    const char *cmd);

#endif

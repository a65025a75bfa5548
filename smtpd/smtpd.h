/*
 * NAME
 *	smtpd.h - the SMTP server's private interfaces, grouped by file.
 *
 * DESCRIPTION
 *	One process serves one SMTP session at a time (SERVER_SINGLE): the
 *	skeleton hands smtpd_session() a connected, blocking descriptor.
 *	struct smtpd_session is that session; struct smtpd_xact is the
 *	mail transaction inside it (MAIL to the end of DATA or BDAT LAST).
 *
 *	Hooks for the other halves of issue 4 (they fill these in; the
 *	versions here are stubs with the documented contract):
 *	- smtpd_limits.c: smtpd_check_peer_limits() at connect, and
 *	  smtpd_peer_limits_done() at disconnect, for the per-client
 *	  connection count and rate kept by the shared counter service.
 *	- smtpd_submit.c: smtpd_submit_connect() for sessions on the local
 *	  submission UNIX socket (SO_PEERCRED: sets SMTPD_F_LOCAL and
 *	  local_uid), smtpd_submit_qualify() for the MAIL and RCPT paths,
 *	  smtpd_submit_sender() at MAIL FROM (the envelope senders a local
 *	  user may use), smtpd_submit_done() at the end.
 *
 * SECURITY
 *	Everything in a session comes from the network and is bounded
 *	where it is read (smtpd_io.c): command lines by SMTPD_LINE_MAX,
 *	message content by message_size_limit, time by smtpd_timeout and
 *	daemon_timeout. Only printable text reaches replies, logs and the
 *	queue file's envelope.
 */
#ifndef POSTERN_SMTPD_H
#define POSTERN_SMTPD_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#include "addr.h"
#include "esmtp.h"
#include "qid.h"
#include "span.h"
#include "stream.h"
#include "vbuf.h"

struct server_info;
struct qfile_writer;
struct smtpd_content;

/* RFC 5321 4.5.3.1.4: 512 octets with CR LF. */
#define SMTPD_CMD_MAX		512
/* MAIL and RCPT may be longer: RFC 3461 adds 100 (MAIL) and 500 (RCPT),
   RFC 1870 26; we allow either verb the larger total. */
#define SMTPD_LINE_MAX		(SMTPD_CMD_MAX + 512)
#define SMTPD_HELO_MAX		255	/* what we keep of a HELO argument */
#define SMTPD_NAME_MAX		256	/* a client host name */
#define SMTPD_ADDR_MAX		64	/* a client address, numeric */
#define SMTPD_TEXT_MAX		1024	/* one reply's text */
/* RFC 5321 4.5.3.1.5: a reply line, code and CR LF included. */
#define SMTPD_REPLY_LINE	512
#define SMTPD_RFC5322_LINE	998	/* longest message line, no CR LF */

/* Session flags. */
#define SMTPD_F_ESMTP		0x001	/* EHLO (not HELO) */
#define SMTPD_F_LOCAL		0x002	/* local submission; local_uid */
#define SMTPD_F_AUTH		0x004	/* authenticated (smtpd_auth.c) */
#define SMTPD_F_TLS		0x008	/* TLS is on (smtpd_tls.c) */
#define SMTPD_F_MYNETWORKS	0x010	/* client address in mynetworks */
#define SMTPD_F_BARE_EXEMPT	0x020	/* in ..._bare_newline_exclusions */
#define SMTPD_F_HANGUP		0x040	/* close after this reply */
#define SMTPD_F_INET		0x080	/* a TCP client (not a UNIX socket) */

/* States; commands name the states they are allowed in (bit masks). */
enum smtpd_state {
	SMTPD_STATE_CONNECT,	/* greeted, no HELO/EHLO yet */
	SMTPD_STATE_HELO,	/* no transaction */
	SMTPD_STATE_MAIL,	/* MAIL accepted, no recipient yet */
	SMTPD_STATE_RCPT,	/* at least one recipient accepted */
	SMTPD_STATE_BDAT,	/* BDAT chunks, LAST not yet seen */
};
#define SMTPD_S(st)		(1 << (st))
#define SMTPD_S_ANY		0x1f

/* What a command handler returns. */
#define SMTPD_OK		0	/* succeeded */
#define SMTPD_FAIL		1	/* failed; not a client error */
#define SMTPD_ERR		(-1)	/* failed; counts as a client error */

/* smtpd_forbid_bare_newline */
enum smtpd_bare_policy {
	SMTPD_BARE_REJECT,
	SMTPD_BARE_NORMALIZE,
};

/* The command counters of the disconnect log line. */
enum smtpd_counter {
	SMTPD_CNT_HELO, SMTPD_CNT_EHLO, SMTPD_CNT_STARTTLS, SMTPD_CNT_AUTH,
	SMTPD_CNT_MAIL, SMTPD_CNT_RCPT,
	SMTPD_CNT_DATA, SMTPD_CNT_BDAT, SMTPD_CNT_RSET, SMTPD_CNT_NOOP,
	SMTPD_CNT_VRFY, SMTPD_CNT_ETRN, SMTPD_CNT_HELP, SMTPD_CNT_QUIT,
	SMTPD_CNT_UNKNOWN,
	SMTPD_CNT_MAX
};

/* DSN RET= */
#define SMTPD_RET_NONE		0
#define SMTPD_RET_FULL		1
#define SMTPD_RET_HDRS		2

/* BODY= */
#define SMTPD_BODY_NONE		0
#define SMTPD_BODY_7BIT		1
#define SMTPD_BODY_8BITMIME	2

/* BDAT content: line ends as they arrive (smtpd_content.c). */
struct smtpd_lines {
	int		 normalize;
	int		 cr;		/* a CR is held back */
	int		 last_lf;	/* the content so far ends in LF */
	size_t		 linelen, longest;
	unsigned long long bare_lf, bare_cr;
};

/* One mail transaction. */
struct smtpd_xact {
	char		 sender[ADDR_TEXT_MAX];	/* external form; "" = <> */
	int		 smtputf8;
	int		 body;			/* SMTPD_BODY_* */
	int		 ret;			/* SMTPD_RET_* */
	char		 envid[ESMTP_ENVID_MAX + 1];	/* decoded */
	unsigned long long size;		/* SIZE=, 0 if none */
	size_t		 nrcpt;			/* accepted */
	char		 rcpt1[ADDR_TEXT_MAX];	/* the first, for Received */
	struct qfile_writer *qf;		/* open after the 1st RCPT */
	char		 qid[QID_SIZE];		/* "" until qf is open */
	/* DATA and BDAT: the content sink; BDAT's lives across chunks */
	struct smtpd_content *content;
	struct smtpd_lines lines;		/* BDAT line ends */
	int		 bdat_code;		/* failed: chunks discarded, */
	char		 bdat_enh[8];		/* this reply repeated */
	char		 bdat_text[128];
};

/* SMTP AUTH state of a session (smtpd_auth.c). */
struct smtpd_sasl {
	char		 method[16];		/* "PLAIN"; "" before AUTH */
	char		 user[ADDR_TEXT_MAX];	/* canonical, from auth */
	unsigned	 failures;		/* failed AUTH commands */
};

/* Buffered input with a push-back area (smtpd_io.c). */
struct smtpd_io {
	struct stream	*s;
	struct vbuf	*back;		/* bytes pushed back, read first */
	struct vbuf	*line;		/* a line assembled from back+s */
	size_t		 limit;		/* line limit, with its line end */
	int		 bare_lf;	/* the last line ended in a bare LF */
	int		 skipping;	/* discarding an over-long line */
};

struct smtpd_session {
	int		 fd;
	const struct server_info *info;
	struct smtpd_io	 io;
	int		 flags;			/* SMTPD_F_* */
	enum smtpd_state state;
	enum smtpd_bare_policy bare;		/* for this client */
	uid_t		 local_uid;		/* with SMTPD_F_LOCAL */
	void		*submit;		/* smtpd_submit.c's state */

	char		 name[SMTPD_NAME_MAX];	/* "unknown" when none */
	char		 addr[SMTPD_ADDR_MAX];	/* numeric */
	char		 port[8];
	char		 namaddr[SMTPD_NAME_MAX + SMTPD_ADDR_MAX + 2];
	char		 helo[SMTPD_HELO_MAX + 1];	/* "" before HELO */
	const char	*verb;			/* the command being served */

	int		 errors;		/* toward the error limits */
	unsigned	 cnt_ok[SMTPD_CNT_MAX];
	unsigned	 cnt_all[SMTPD_CNT_MAX];

	struct smtpd_xact xact;
	struct smtpd_sasl sasl;
	struct vbuf	*reply;			/* scratch for replies */
};

/* main.c has only main(). */

/* smtpd_session.c */
void	smtpd_session(int fd, const struct server_info *info);
void	smtpd_session_init(struct smtpd_session *, int fd,
	    const struct server_info *);
void	smtpd_session_free(struct smtpd_session *);
/* Read and serve commands until QUIT, end of file or an error. */
void	smtpd_session_loop(struct smtpd_session *);
/* Set namaddr from name and addr: "name[addr]", or name alone. */
void	smtpd_session_namaddr(struct smtpd_session *);
/* The protocol name for Received: and logs: SMTP, ESMTP, UTF8SMTP... */
const char *smtpd_session_proto(const struct smtpd_session *);
/* Log "lost connection after VERB from host[addr]" (or a timeout). */
void	smtpd_session_lost(struct smtpd_session *);

/* smtpd_reply.c */
/*
 * Queue a reply: code, enhanced status code (NULL: none, for the
 * greeting and the HELO/EHLO replies, RFC 2034) and text. A text with
 * '\n' becomes a multi-line reply. 4xx and 5xx replies get
 * smtpd_reject_footer. Output is sent when the client's input is
 * drained (RFC 2920) or by smtpd_reply_flush.
 */
void	smtpd_reply(struct smtpd_session *, int code, const char *enh,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	smtpd_vreply(struct smtpd_session *, int code, const char *enh,
	    const char *fmt, va_list) __attribute__((format(printf, 4, 0)));
/*
 * The same, and log "QID: reject: VERB from host[addr]: REPLY; from=<>
 * to=<> proto=ESMTP helo=<>" (to: the recipient, or NULL).
 */
void	smtpd_reject(struct smtpd_session *, const char *to, int code,
	    const char *enh, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Send what is queued: 0, or -1 when the client is gone. */
int	smtpd_reply_flush(struct smtpd_session *);
/* Count a client error; sleep or hang up at the limits. */
void	smtpd_reply_error(struct smtpd_session *);
/* Append the footer of smtpd_reject_footer to text (pure; for tests). */
void	smtpd_reply_footer(const struct smtpd_session *, struct vbuf *text);
/* Format "code[-| ]enh text\r\n" lines of text into out (pure). */
void	smtpd_reply_format(struct vbuf *out, int code, const char *enh,
	    const char *text);

/* smtpd_io.c */
void	smtpd_io_init(struct smtpd_io *, struct stream *);
void	smtpd_io_free(struct smtpd_io *);
/*
 * One line, as stream_read_line (>0 with *line_r without its line end;
 * -1 end of file or error; -2 over the limit, the rest is skipped); the
 * push-back area is read first. bare_lf tells how it ended.
 */
ssize_t	smtpd_io_read_line(struct smtpd_io *, struct span *line_r);
/* Up to len bytes, push-back area first: >0, or -1. */
ssize_t	smtpd_io_read(struct smtpd_io *, void *buf, size_t len);
/* Give back bytes read too far (they are read again first). */
void	smtpd_io_unread(struct smtpd_io *, const void *, size_t);
/* Bytes already received and not yet read (pipelined input). */
size_t	smtpd_io_pending(const struct smtpd_io *);

/* smtpd_cmd.c */
/* Serve one command line (without its line end). */
void	smtpd_cmd_dispatch(struct smtpd_session *, const char *line,
	    size_t len);
int	smtpd_cmd_helo(struct smtpd_session *, char *arg);
int	smtpd_cmd_ehlo(struct smtpd_session *, char *arg);
int	smtpd_cmd_rset(struct smtpd_session *, char *arg);
int	smtpd_cmd_noop(struct smtpd_session *, char *arg);
int	smtpd_cmd_quit(struct smtpd_session *, char *arg);
int	smtpd_cmd_help(struct smtpd_session *, char *arg);
int	smtpd_cmd_vrfy(struct smtpd_session *, char *arg);
int	smtpd_cmd_etrn(struct smtpd_session *, char *arg);

/* smtpd_mail.c */
int	smtpd_cmd_mail(struct smtpd_session *, char *arg);
int	smtpd_cmd_rcpt(struct smtpd_session *, char *arg);
/* End the transaction: abort an open queue file, forget everything. */
void	smtpd_xact_reset(struct smtpd_session *);

/* smtpd_data.c */
int	smtpd_cmd_data(struct smtpd_session *, char *arg);
int	smtpd_cmd_bdat(struct smtpd_session *, char *arg);

/* smtpd_content.c: the message content on its way to the queue file */
struct smtpd_content_info {
	const char	*received;	/* the whole Received: field, CR LF */
	int		 add_headers;	/* add Date:, Message-ID: if missing */
	const char	*qid;
	const char	*myhostname;
	unsigned long long size_limit;	/* 0: none */
	long long	 hop_limit;
	int		 long_reject;	/* lines over 998: reject */
};
/* Outcome of smtpd_content_end(). */
enum smtpd_content_status {
	SMTPD_CONTENT_OK,
	SMTPD_CONTENT_TOO_BIG,		/* 552 5.3.4 */
	SMTPD_CONTENT_HOPS,		/* 554 5.4.6 */
	SMTPD_CONTENT_LONG_LINE,	/* 554 5.6.0 */
	SMTPD_CONTENT_WRITE,		/* 451 4.3.0 */
};
/* The sink writes through fn (the queue file, or a test's buffer). */
typedef int (*smtpd_content_write_fn)(void *arg, const void *, size_t);
struct smtpd_content *smtpd_content_new(const struct smtpd_content_info *,
	    smtpd_content_write_fn, void *arg);
/* Decoded content (CR LF line ends, unstuffed); 0, or -1 on write error. */
int	smtpd_content_put(struct smtpd_content *, const char *, size_t);
/* Note the longest line (the decoder measures DATA's). */
void	smtpd_content_line(struct smtpd_content *, size_t longest);
/* The end: flush what is held back; the status decides the reply. */
enum smtpd_content_status smtpd_content_end(struct smtpd_content *);
/* Client bytes of content so far (the limit applies to these). */
unsigned long long smtpd_content_size(const struct smtpd_content *);
/* The Message-ID: seen in the header, or NULL (for the log). */
const char *smtpd_content_msgid(const struct smtpd_content *);
void	smtpd_content_free(struct smtpd_content **);
/*
 * BDAT content is raw: line ends are checked here. Feed a chunk; bare
 * CR and LF are counted and, when normalize, stored as CR LF.
 */
void	smtpd_lines_init(struct smtpd_lines *, int normalize);
int	smtpd_lines_feed(struct smtpd_lines *, struct smtpd_content *,
	    const char *, size_t);
/* At BDAT LAST: a held CR, and a missing final CR LF. */
int	smtpd_lines_finish(struct smtpd_lines *, struct smtpd_content *);

/* smtpd_received.c */
/* Build the Received: field for the transaction (CR LF at the end). */
void	smtpd_received(const struct smtpd_session *, struct vbuf *out);
/* RFC 5322 date-time of t, in local time with its zone. */
void	smtpd_rfc5322_date(long long t, char *buf, size_t len);

/* smtpd_queue.c */
/* Open the queue file with the envelope so far: 0, or -1 (replied). */
int	smtpd_queue_open(struct smtpd_session *);
int	smtpd_queue_add_rcpt(struct smtpd_session *, const char *addr,
	    const char *orcpt, const char *notify);
/* Write content bytes (smtpd_content_write_fn for the queue file). */
int	smtpd_queue_write(void *sess, const void *, size_t);
/* Commit: 0 and the file is safe, or -1 (the caller replies 451). */
int	smtpd_queue_commit(struct smtpd_session *);
/* Tell qmgr the committed message qid is in incoming/. Best effort. */
void	smtpd_queue_wake(const char *qid);
/* Ask qmgr to flush the deferred queue (ETRN): 0, or -1 (not there). */
int	smtpd_queue_flush(void);
/* Before the jail: make sure incoming/ exists and is mail_owner's. */
void	smtpd_queue_prepare(void);

/* smtpd_check.c: recipient and relay policy */
/* Open the tables (before the jail); fatal on a malformed name. */
void	smtpd_check_init(void);
/* Close them (tests). */
void	smtpd_check_free(void);
/*
 * Is rcpt acceptable from this session? 0 yes; else -1 with the reply
 * code, enhanced code and text ("<a@b>: Relay access denied").
 */
int	smtpd_check_rcpt(const struct smtpd_session *, const struct addr *rcpt,
	    int *code_r, const char **enh_r, char *text, size_t textlen);
/* Is domain one that ETRN may flush (relay_domains)? 1, 0, or -1. */
int	smtpd_check_etrn(const char *domain);

/* smtpd_peer.c */
/* Fill in the client's address and port; the name is "unknown" yet. */
void	smtpd_peer_lookup(struct smtpd_session *);
/* The verified name of a TCP client (smtpd_peername_lookup). */
void	smtpd_peer_name_lookup(struct smtpd_session *);
/* 1 when the name may wait until the greeting is sent, else 0. */
int	smtpd_peer_greet_first(struct smtpd_session *);
/* Before the jail: load what name lookups need. */
void	smtpd_peer_prepare(void);
/* The early-talker check before the greeting: 0 ok, -1 hung up. */
int	smtpd_peer_pregreet(struct smtpd_session *);
/* Decide per-client flags: mynetworks, bare newline exemption. */
void	smtpd_peer_classify(struct smtpd_session *);

/* smtpd_conf.c: settings checked once at startup (the check hook) */
struct smtpd_conf {
	enum smtpd_bare_policy bare;	/* smtpd_forbid_bare_newline */
	int		 long_reject;	/* smtpd_long_line_policy = reject */
	struct netlist *mynetworks;
	struct netlist *bare_exempt;	/* ..._bare_newline_exclusions */
};
extern struct smtpd_conf smtpd_conf;
/* Validate and digest the parameters; fatal on a bad value. */
void	smtpd_conf_check(void);
/* The same, for tests: 0, or -1 with *err_r (static storage). */
int	smtpd_conf_load(char **err_r);

/*
 * smtpd_tls.c: STARTTLS, implicit TLS (smtpd_tls_wrappermode), and the
 * TLS clause of Received:.
 */
/* Before the jail: check the level, load the certificates (fatal if bad). */
void	smtpd_tls_prepare(void);
/* Is STARTTLS offered to this session now (a certificate, no TLS yet)? */
int	smtpd_tls_offer(const struct smtpd_session *);
int	smtpd_cmd_starttls(struct smtpd_session *, char *arg);
/* Implicit TLS before the greeting: 0 go on, -1 hang up (logged). */
int	smtpd_tls_wrapper(struct smtpd_session *);
/*
 * smtpd_tls_security_level = encrypt, no TLS yet, and verb waits for it:
 * reply "530 5.7.0 Must issue a STARTTLS command first", count the
 * error, return 1; else 0.
 */
int	smtpd_tls_required(struct smtpd_session *, const char *verb);
/* Append "\r\n\t(using TLSv1.3 with cipher ...)" when TLS is on. */
void	smtpd_tls_received(const struct smtpd_session *, struct vbuf *out);

/* smtpd_auth.c: SMTP AUTH (RFC 4954), answered by the auth service */
int	smtpd_cmd_auth(struct smtpd_session *, char *arg);
/* The EHLO line "AUTH PLAIN LOGIN\n" when AUTH is offered, else "". */
const char *smtpd_auth_ehlo(const struct smtpd_session *);
/* How much of a command line the debug log may show (not AUTH data). */
size_t	smtpd_auth_loggable(const char *line, size_t len);
/* MAIL FROM's AUTH= parameter (RFC 4954 5): 0, or -1 after a reply. */
int	smtpd_auth_mail_param(struct smtpd_session *, const char *value);
/* ", sasl_method=M, sasl_username=U" for the client= line, or "". */
const char *smtpd_auth_log(const struct smtpd_session *);
/* The sasl_method and sasl_username queue file attributes: 0, -1. */
int	smtpd_auth_queue_attrs(struct smtpd_session *, struct qfile_writer *);
/* Forget the authentication, not the failures (STARTTLS, RFC 3207). */
void	smtpd_auth_reset(struct smtpd_session *);

/* smtpd_auth_policy.c: smtpd_client_restrictions and
   smtpd_sender_restrictions (with sender ownership), at MAIL FROM */
/* Before the jail: parse the lists and open smtpd_sender_login_maps;
   fatal on an unknown restriction. */
void	smtpd_auth_policy_init(void);
/* The same, for tests: 0, or -1 with *err_r (static storage). */
int	smtpd_auth_policy_load(char **err_r);
void	smtpd_auth_policy_free(void);
/* May this client send, and as sender? 0 yes, -1 after a reply. */
int	smtpd_auth_policy_mail(struct smtpd_session *,
	    const struct addr *sender);

/* smtpd_limits.c (filled in by the connection-counter work) */
/*
 * At connect, before the greeting: 0 to go on; or -1 with *reply_r
 * (e.g. "421 4.7.0 Error: too many connections from 192.0.2.1"), which
 * smtpd sends before it hangs up.
 */
int	smtpd_check_peer_limits(struct smtpd_session *, const char **reply_r);
/* 1 when smtpd_check_peer_limits will ask anvil about this client. */
int	smtpd_peer_limited(struct smtpd_session *);
/* At disconnect, for every session that passed the check. */
void	smtpd_peer_limits_done(struct smtpd_session *);

/*
 * smtpd_submit.c: local submission (the sendmail command) on a UNIX
 * socket with smtpd_local_submission = yes. Stubs: the local
 * submission work fills them in with smtpd_local.c's checks.
 */
/*
 * Session start: who is it? Sets SMTPD_F_LOCAL and local_uid (and may
 * keep its own state in sess->submit). 0; or -1 with *reply_r, a reply
 * line without CR LF that is sent before hanging up.
 */
int	smtpd_submit_connect(struct smtpd_session *, const char **reply_r);
/*
 * The path argument of MAIL FROM or RCPT TO (what follows the colon),
 * before it is parsed: arg itself, or a rewritten copy in buf (e.g.
 * <joe> qualified with @$myorigin).
 */
const char *smtpd_submit_qualify(struct smtpd_session *, const char *arg,
	    char *buf, size_t len);
/*
 * May this user use sender? 1 yes; 0 no and -1 temporary failure, both
 * with reply (len bytes) a reply line without CR LF ("553 5.7.1 ...").
 */
int	smtpd_submit_sender(struct smtpd_session *, const struct addr *sender,
	    char *reply, size_t len);
/* Session end: release sess->submit. */
void	smtpd_submit_done(struct smtpd_session *);

#endif

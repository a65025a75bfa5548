/*
 * NAME
 *	tls - TLS under a stream: STARTTLS, implicit TLS, the relay client
 *
 * SYNOPSIS
 *	Before the jail (the server skeleton's pre_jail hook):
 *
 *	struct tls_server_conf conf;
 *	char *err;
 *
 *	tls_server_conf_params(&conf, "smtpd", mandatory);
 *	if ((ctx = tls_server_ctx_new(&conf, &err)) == NULL)
 *		log_fatal("%s", err);
 *
 *	In the session, STARTTLS:
 *
 *	stream_puts(s, "220 2.0.0 Ready to start TLS\r\n");
 *	... forget everything the session learned in plaintext ...
 *	if (tls_server_start(s, ctx, &why) < 0) {
 *		log_info("SSL_accept error from %s: %s", peer, why);
 *		... hang up: the stream is unusable ...
 *	}
 *	tls_log_established(s, "from", peer);
 *
 *	Implicit TLS (port 465, 993, 995) is the same call before the
 *	greeting.
 *
 * DESCRIPTION
 *	A context (struct tls_server_ctx, struct tls_client_ctx) holds what
 *	all sessions of a process share: protocol versions, ciphers, key
 *	exchange groups, certificates and private keys, session ticket
 *	keys. It is made once, before the privilege drop, from files that
 *	the jailed process cannot read; an unreadable file, a file without
 *	the expected PEM object, or a key that does not belong to its
 *	certificate is an error naming the parameter and the files, e.g.
 *	"smtpd_tls_key_file /x: key does not match certificate /y".
 *	A master reload replaces the service processes, and each new one
 *	reads the files again: a renewed certificate is served from the
 *	first connection after `postern reload`.
 *
 *	Server defaults: TLS 1.2 and 1.3 only; for TLS 1.2 only ECDHE key
 *	exchange with AEAD ciphers (tls_high_cipherlist), TLS 1.3's own
 *	suites as OpenSSL orders them; groups X25519, P-256, P-384; an RSA
 *	and an ECDSA certificate may be loaded together (OpenSSL picks per
 *	client); no compression, no renegotiation; the server's cipher
 *	order wins; the client's SNI name is ignored (only reported by
 *	tls_peer_info).
 *
 *	Session resumption is stateless (RFC 5077 tickets, and TLS 1.3
 *	tickets). The ticket keys are in a file, ticket_key_file (the
 *	server conf sets $data_directory/PREFIX_tls_ticket_keys), that
 *	every process of the services with that prefix shares, so a client
 *	resumes whichever process serves its next connection. The first
 *	process that finds the file missing or older than the session
 *	timeout writes a new current key and keeps the old one for
 *	decryption only (a ticket stays good for at least one full
 *	timeout). The file is locked while it is read or rewritten. When
 *	it cannot be used the process makes its own keys (resumption then
 *	works only on that process) and says so once in the log.
 *
 *	A connection's TLS state hangs under the stream (stream_set_ops),
 *	so the session code above reads lines and writes replies exactly
 *	as in plaintext. The handshake honours the stream's mode and
 *	limits: in blocking mode it waits at most the stream's write
 *	timeout at a time (both for reading and writing handshake
 *	records: callers usually set both timeouts equal, or set them for
 *	the handshake, as smtpd_starttls_timeout does) and never past the
 *	session deadline; a silent peer fails it with stream_error() ==
 *	STREAM_ERR_TIMEOUT.
 *
 * STARTTLS CONTRACT (READ THIS)
 *	Plaintext that the client sent after STARTTLS and before the TLS
 *	handshake is an attack (CVE-2011-0411: "STARTTLS\r\nRSET\r\n..."
 *	in one packet would run RSET as if it came over TLS). Before
 *	tls_server_start() the CALLER MUST:
 *	1. send the go-ahead reply (220 for SMTP); tls_server_start()
 *	   flushes the stream's output in plaintext first;
 *	2. throw away every byte it buffered ABOVE the stream (a
 *	   push-back area, a pipelining queue, a half-parsed line):
 *	   tls_server_start() itself discards the stream's own input
 *	   buffer (stream_discard_input), which it cannot know about;
 *	3. reset the protocol state to the one after the greeting (RFC
 *	   3207 4.2: forget HELO/EHLO, the transaction, AUTH state, any
 *	   knowledge from the client), so the client must say EHLO again.
 *	Nothing read in plaintext is ever answered inside TLS.
 *
 * SECURITY
 *	Everything from the peer is untrusted: OpenSSL parses the
 *	handshake; this module only maps its results. Private keys are
 *	read before the jail and live only in the SSL_CTX; ticket keys are
 *	wiped (explicit_bzero) when the context is freed. The ticket key
 *	file must be a regular file owned by the reading user with no
 *	group or other access and one link, opened without following
 *	symbolic links; anything else is refused (data_directory belongs
 *	to mail_owner, and a root process must not be made to read or
 *	write another file through it). Encrypted private keys are refused
 *	rather than prompted for. Handshake failures are reported, never
 *	fatal.
 */
#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

#include <stddef.h>

struct stream;
struct tls_server_ctx;
struct tls_client_ctx;

/* smtpd_tls_security_level, smtp_tls_security_level */
enum tls_level {
	TLS_LEV_NONE,		/* no TLS */
	TLS_LEV_MAY,		/* opportunistic */
	TLS_LEV_ENCRYPT,	/* mandatory, not authenticated */
	TLS_LEV_VERIFY,		/* client: mandatory, CA and name verified */
	TLS_LEV_SECURE,		/* client: the same (Postfix's name) */
};
/* "none", "may", ...: 0, or -1 for an unknown name. */
int	tls_level_parse(const char *, enum tls_level *);
const char *tls_level_name(enum tls_level);

/*
 * What a server context is made of. prefix names the parameters in
 * error messages ("smtpd" gives "smtpd_tls_key_file /x: ..."). The
 * strings are borrowed until tls_server_ctx_new() returns.
 */
struct tls_server_conf {
	const char	*prefix;
	const char	*cert_file;	/* RSA or ECDSA chain, leaf first */
	const char	*key_file;	/* its key ("" or NULL: cert_file) */
	const char	*eccert_file;	/* a second pair, usually ECDSA */
	const char	*eckey_file;
	const char	*chain_files;	/* Postfix 3.4 style: a list of
					   files, each key followed by its
					   chain; replaces the pairs */
	const char	*protocols;	/* ">=TLSv1.2", "!TLSv1, !TLSv1.1" */
	const char	*ciphers;	/* OpenSSL list, TLS 1.2 and below */
	const char	*groups;	/* "X25519 P-256 P-384" */
	long long	 session_timeout;	/* seconds; 0: no resumption */
	const char	*ticket_key_file;	/* NULL: this process only */
	int		 loglevel;
};

/*
 * Fill conf from the parameters PREFIX_tls_cert_file, _key_file,
 * _eccert_file, _eckey_file, _chain_files, _protocols or (mandatory)
 * _mandatory_protocols, _ciphers or _mandatory_ciphers (a grade:
 * "high" is tls_high_cipherlist, "medium" tls_medium_cipherlist),
 * _session_cache_timeout, _loglevel, and tls_eecdh_auto_curves; the
 * ticket key file is $data_directory/PREFIX_tls_ticket_keys. The
 * strings point into the loaded parameters (or are static). -1 with
 * *err_r (lib/err.h) for a bad grade or an unknown parameter name.
 */
int	tls_server_conf_params(struct tls_server_conf *, const char *prefix,
	    int mandatory, char **err_r);
/* Is a certificate configured (cert_file or chain_files)? */
int	tls_server_conf_has_cert(const struct tls_server_conf *);

/*
 * Make the context: load and check every pair, set the protocol range,
 * ciphers and groups, set up tickets. NULL with *err_r (malloc'd, one
 * line naming the parameter and files) on any error. Warns (log_warn)
 * about a certificate that has expired, and about a ticket key file it
 * cannot use. Run it before the privilege drop.
 */
struct tls_server_ctx *tls_server_ctx_new(const struct tls_server_conf *,
	    char **err_r);
/*
 * The same in two steps. prepare does what needs the files (run it
 * before the jail): the certificate and key files and the ticket keys
 * are read (a missing or unreadable file is an error here), and the
 * protocol list parsed. ready parses and checks the certificates and
 * keys and makes OpenSSL's context, at most once (the first session
 * that wants TLS); an error there (damaged PEM data, a key that does
 * not match, a cipher or group list OpenSSL refuses) is -1 with *err_r,
 * the same at once on later calls. tls_server_start calls ready itself.
 */
struct tls_server_ctx *tls_server_ctx_prepare(const struct tls_server_conf *,
	    char **err_r);
int	tls_server_ctx_ready(struct tls_server_ctx *, char **err_r);
void	tls_server_ctx_free(struct tls_server_ctx **);

/* The client side (delivery/relay). */
struct tls_client_conf {
	const char	*prefix;	/* "smtp" */
	enum tls_level	 level;		/* may, encrypt, verify, secure */
	const char	*CAfile;	/* PEM bundle; "" none */
	const char	*CApath;	/* hashed directory; "" none */
	const char	*protocols;
	const char	*ciphers;
	const char	*groups;
	int		 loglevel;
};
/*
 * From PREFIX_tls_security_level, _CAfile and _CApath (where those
 * parameters exist; without either, the system's CA store), _protocols
 * or _mandatory_protocols, _ciphers or _mandatory_ciphers (mandatory:
 * levels encrypt and up), _loglevel, and tls_eecdh_auto_curves.
 */
int	tls_client_conf_params(struct tls_client_conf *, const char *prefix,
	    char **err_r);
/* NULL with *err_r (malloc'd) on error. Before the jail (CAfile). */
struct tls_client_ctx *tls_client_ctx_new(const struct tls_client_conf *,
	    char **err_r);
void	tls_client_ctx_free(struct tls_client_ctx **);

/*
 * Start TLS as the server on the stream (see STARTTLS CONTRACT above):
 * flush the plaintext output, discard the stream's buffered input,
 * install the TLS layer and run the handshake.
 * Returns 0 when TLS is up; -1 on failure with *err_r a one-line reason
 * ("timeout", "lost connection", "unsupported protocol", ...): the
 * stream is then unusable except to free it. Non-blocking streams: 1
 * when the handshake must wait: wait for stream_want(), then call
 * tls_handshake(). *err_r is the caller's to free (lib/err.h).
 */
int	tls_server_start(struct stream *, struct tls_server_ctx *,
	    char **err_r);
/*
 * The same as the client: servername (NULL or "": none) goes into SNI
 * and, at level verify/secure, must match the certificate. A
 * certificate that fails verification fails the handshake only at
 * those levels; otherwise tls_peer_info() tells.
 */
int	tls_client_start(struct stream *, struct tls_client_ctx *,
	    const char *servername, char **err_r);
/*
 * The same, with the names the certificate must match given apart
 * (NULL-terminated; a name that starts with a dot matches any name
 * below it): smtp_tls_secure_cert_match = nexthop, dot-nexthop.
 */
int	tls_client_start_match(struct stream *, struct tls_client_ctx *,
	    const char *servername, const char *const *match,
	    char **err_r);
/* Go on with a handshake after 1: 0 done, 1 wait again, -1 failed. */
int	tls_handshake(struct stream *, char **err_r);

/* 1 when TLS is up on the stream (handshake done), else 0. */
int	tls_active(const struct stream *);

/* What was negotiated; strings are "" when unknown. */
struct tls_info {
	char		 protocol[16];	/* "TLSv1.3" */
	char		 cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
	int		 bits;		/* effective symmetric bits */
	int		 alg_bits;	/* the algorithm's bits */
	char		 kex[32];	/* key exchange group: "X25519" */
	int		 reused;	/* an earlier session was resumed */
	int		 server;	/* we are the server */
	int		 peer_cert;	/* the peer sent a certificate */
	int		 trusted;	/* client: the chain verified */
	int		 verified;	/* client: chain and name verified */
	char		 verify_error[128];	/* client: why not */
	char		 peer_cn[128];	/* peer certificate subject CN */
	char		 issuer_cn[128];
	char		 sni[256];	/* server: the name the client sent */
};
/* 0 and *info filled, or -1 when TLS is not up on the stream. */
int	tls_peer_info(const struct stream *, struct tls_info *);
/*
 * "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", the
 * text of Postfix's log line and of the Received: clause; with the key
 * exchange group appended (" key-exchange X25519") when kex is set.
 */
void	tls_info_describe(const struct tls_info *, int with_kex, char *buf,
	    size_t len);
/* "Anonymous", "Untrusted", "Trusted" or "Verified". */
const char *tls_info_trust(const struct tls_info *);
/*
 * Log "Anonymous TLS connection established from host[addr]: TLSv1.3
 * with cipher ... (256/256 bits)" (dir "from" on a server, "to" on a
 * client), plus the SNI name and resumption at loglevel 2 and up.
 * Nothing at loglevel 0.
 */
void	tls_log_established(const struct stream *, const char *dir,
	    const char *peer, int loglevel);

/*
 * Certificates for tools (postern init, postern check).
 * tls_cert_selfsigned: a new ECDSA P-256 key (mode 0600) and a
 * self-signed certificate (mode 0644) for names (NULL-terminated; the
 * first is the subject CN, all are DNS subjectAltNames), valid for
 * days. Neither file may exist. 0, or -1 with *err_r (malloc'd).
 */
int	tls_cert_selfsigned(const char *cert_file, const char *key_file,
	    const char *const *names, int days, char **err_r);
/*
 * The notAfter time of the first certificate in path: 0 with *t_r,
 * or -1 with *err_r (malloc'd).
 */
int	tls_cert_not_after(const char *path, long long *t_r, char **err_r);

#endif

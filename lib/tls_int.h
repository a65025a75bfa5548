/*
 * tls_int.h - what the tls_*.c files share; not for other modules.
 */
#ifndef POSTERN_TLS_INT_H
#define POSTERN_TLS_INT_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "tls.h"

#define TLS_ERR_MAX	256

/* Ticket keys: a name, an HMAC-SHA256 key and an AES-256-CBC key. */
#define TLS_TICKET_NAME_LEN	16
#define TLS_TICKET_HMAC_LEN	32
#define TLS_TICKET_AES_LEN	32

struct tls_ticket_key {
	unsigned char	 name[TLS_TICKET_NAME_LEN];
	unsigned char	 hmac[TLS_TICKET_HMAC_LEN];
	unsigned char	 aes[TLS_TICKET_AES_LEN];
};

struct tls_tickets {
	struct tls_ticket_key cur;	/* encrypts and decrypts */
	struct tls_ticket_key prev;	/* decrypts (then re-issues) */
	int		 have_prev;
};

struct tls_server_ctx {
	SSL_CTX		*ssl_ctx;	/* NULL until tls_server_ctx_ready */
	struct tls_server_conf conf;	/* its strings are ours */
	struct tls_files *files;	/* read, not yet parsed */
	char		*failed;	/* why ssl_ctx could not be made */
	struct tls_tickets *tickets;	/* NULL: no resumption */
	int		 loglevel;
};

struct tls_client_ctx {
	SSL_CTX		*ssl_ctx;
	enum tls_level	 level;
	int		 loglevel;
};

/* One connection: the layer's ctx (tls_stream.c). */
struct tls_conn {
	struct tls_conn	*next;		/* all connections of the process */
	const struct stream *s;		/* the stream it is under */
	SSL		*ssl;
	int		 fd;
	int		 eof;		/* the socket read returned 0 */
	int		 server;
	int		 done;		/* handshake complete */
	int		 failed;	/* a fatal TLS error: no shutdown */
	int		 token;		/* handshake token still queued */
	char		 why[TLS_ERR_MAX];	/* a failure in a layer call */
};

/* tls_stream.c: the connection under a stream, or NULL. */
struct tls_conn *tls_conn_of(const struct stream *);

/* tls_bio.c: a socket BIO that never raises SIGPIPE. */
BIO	*tls_bio_new(struct tls_conn *);

/* tls_err.c */
/*
 * Describe the OpenSSL error queue (and clear it) into buf: the
 * reason of the earliest error, e.g. "unsupported protocol"; what when
 * the queue is empty.
 */
void	tls_err_reason(char *buf, size_t len, const char *what);
/* The same into a new string "PREFIX: reason". */
char	*tls_err_string(const char *prefix);

/* tls_ctx.c */
/* Protocol list to a version range: 0, or -1 with *err_r. */
int	tls_proto_range(const char *, int *min_r, int *max_r, char **err_r);
/* Options common to server and client contexts. */
int	tls_ctx_common(SSL_CTX *, const char *prefix, const char *protocols,
	    const char *ciphers, const char *groups, char **err_r);

/* tls_keys.c: reading PEM certificates and keys */
struct tls_files;
struct tls_keys;
/* Read (not parse) every file the configuration names: 0, or -1. */
int	tls_files_read(const struct tls_server_conf *, struct tls_files **,
	    char **err_r);
/* Wipe (they hold private keys) and free. */
void	tls_files_free(struct tls_files **);
/* Parse and check every configured pair from files: 0, or -1. */
int	tls_keys_read(const struct tls_server_conf *, const struct tls_files *,
	    struct tls_keys **, char **err_r);
/* Put the pairs into ctx: 0, or -1 with *err_r (OpenSSL said no). */
int	tls_keys_install(SSL_CTX *, const struct tls_keys *, char **err_r);
void	tls_keys_free(struct tls_keys **);

/* tls_ticket.c */
/* The keys from the file (made or rotated when due), or own keys. */
struct tls_tickets *tls_tickets_load(const char *path, long long timeout);
void	tls_tickets_free(struct tls_tickets **);
/* Install the ticket callback on ctx for these keys. */
void	tls_tickets_install(SSL_CTX *, struct tls_tickets *);

#endif

/*
 * NAME
 *	tls_stream - the TLS layer under a stream, and the handshake.
 *
 * DESCRIPTION
 *	tls_server_start() and tls_client_start() put an SSL object under
 *	the stream (struct stream_ops). Its read and write map OpenSSL's
 *	results onto the stream's contract: bytes, 0 at end of file,
 *	-1 with errno EAGAIN and *want_r set when OpenSSL wants the socket
 *	readable (SSL_ERROR_WANT_READ) or writable (_WANT_WRITE) - either
 *	direction may need the other -, else -1 with errno (EPROTO for a
 *	TLS protocol error, whose reason is kept for tls_handshake()).
 *	pending is SSL_pending(): decrypted bytes that poll(2) cannot see.
 *	close sends close_notify once, without waiting, and frees the SSL.
 *
 *	The handshake rides the stream's write path, so that it gets the
 *	stream's write timeout, its session deadline, its non-blocking
 *	behaviour and its error reporting without a second copy of the
 *	waiting code: start queues a one-byte token and flushes; the
 *	layer's write drives SSL_do_handshake() while the handshake is not
 *	done (returning EAGAIN with the direction OpenSSL waits for), and
 *	once it is done takes the token without sending anything. The
 *	token is queued into an empty output buffer (start flushes the
 *	plaintext first), so it is the first byte the layer is given.
 *	A read before the token went also finishes the handshake first.
 *
 *	The stream API has no way to ask a stream for its layer, so the
 *	connections of the process are kept in a short list keyed by
 *	stream (one per process in the single-client servers).
 *
 * SECURITY
 *	The stream's buffered plaintext input is discarded before the
 *	layer goes in (CVE-2011-0411; the caller's own buffers are its
 *	duty: tls.h). After a fatal TLS error the connection is marked
 *	failed: no close_notify, and every later read or write fails.
 */
#include "config.h"

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "log.h"
#include "sock.h"
#include "stream.h"
#include "tls_int.h"
#include "xmalloc.h"

static struct tls_conn *tls_conns;

struct tls_conn *
tls_conn_of(const struct stream *s)
{
	struct tls_conn *c;

	for (c = tls_conns; c != NULL; c = c->next)
		if (c->s == s)
			return c;
	return NULL;
}

static void
tls_conn_unlink(struct tls_conn *c)
{
	struct tls_conn **pp;

	for (pp = &tls_conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

/*
 * An SSL call returned ret <= 0: EAGAIN with *want_r, 0 for a clean
 * end of file (read only), or -1 with errno and c->why for a failure.
 */
static ssize_t
tls_conn_result(struct tls_conn *c, int ret, int *want_r, int reading)
{
	int saved = errno, e;
	long vr;

	e = SSL_get_error(c->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want_r = STREAM_WANT_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want_r = STREAM_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		if (reading && c->done)
			return 0;
		snprintf(c->why, sizeof(c->why), "lost connection");
		c->failed = 1;
		errno = ECONNRESET;
		return -1;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (saved == 0 || c->eof) {
			/* the peer closed without close_notify */
			if (reading && c->done)
				return 0;
			snprintf(c->why, sizeof(c->why), "lost connection");
			saved = ECONNRESET;
		} else
			snprintf(c->why, sizeof(c->why), "%s",
			    strerror(saved));
		c->failed = 1;
		errno = saved;
		return -1;
	default:
		tls_err_reason(c->why, sizeof(c->why), "TLS protocol error");
		if (!c->server && (vr = SSL_get_verify_result(c->ssl)) !=
		    X509_V_OK && strstr(c->why, "verify") != NULL)
			snprintf(c->why + strlen(c->why), sizeof(c->why) -
			    strlen(c->why), ": %s",
			    X509_verify_cert_error_string(vr));
		c->failed = 1;
		errno = EPROTO;
		return -1;
	}
}

/* 1 when the handshake is done, else -1 (EAGAIN or a failure). */
static int
tls_conn_handshake(struct tls_conn *c, int *want_r)
{
	int r;

	if (c->failed) {
		errno = EPROTO;
		return -1;
	}
	ERR_clear_error();
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		c->done = 1;
		return 1;
	}
	return (int)tls_conn_result(c, r, want_r, 0);
}

static ssize_t
tls_layer_read(int fd, void *ctx, void *buf, size_t len, int *want_r)
{
	struct tls_conn *c = ctx;
	int r;

	(void)fd;
	if (!c->done && tls_conn_handshake(c, want_r) < 0)
		return -1;
	if (c->failed) {
		errno = EPROTO;
		return -1;
	}
	ERR_clear_error();
	r = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return r;
	return tls_conn_result(c, r, want_r, 1);
}

static ssize_t
tls_layer_write(int fd, void *ctx, const void *buf, size_t len, int *want_r)
{
	struct tls_conn *c = ctx;
	int r;

	(void)fd;
	if (!c->done && tls_conn_handshake(c, want_r) < 0)
		return -1;
	if (c->token) {
		/* the handshake token: taken, never sent */
		c->token = 0;
		return 1;
	}
	if (c->failed) {
		errno = EPROTO;
		return -1;
	}
	ERR_clear_error();
	r = SSL_write(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return r;
	return tls_conn_result(c, r, want_r, 0);
}

static size_t
tls_layer_pending(int fd, void *ctx)
{
	struct tls_conn *c = ctx;
	int n;

	(void)fd;
	n = c->done && !c->failed ? SSL_pending(c->ssl) : 0;
	return n > 0 ? (size_t)n : 0;
}

static void
tls_layer_close(int fd, void *ctx)
{
	struct tls_conn *c = ctx;

	if (c->done && !c->failed) {
		/* close_notify, best effort: never waits (tls_bio.c) */
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);
	}
	ERR_clear_error();
	SSL_free(c->ssl);
	tls_conn_unlink(c);
	explicit_bzero(c, sizeof(*c));
	free(c);
	if (fd >= 0)
		close(fd);
}

static const struct stream_ops tls_stream_ops = {
	.read = tls_layer_read,
	.write = tls_layer_write,
	.pending = tls_layer_pending,
	.close = tls_layer_close,
};

int
tls_handshake(struct stream *s, char **err_r)
{
	struct tls_conn *c = tls_conn_of(s);
	int r;

	if (c == NULL)
		return err_set(err_r, "TLS was not started on this stream");
	if (c->done && !c->token)
		return 0;
	if ((r = stream_flush(s)) == 0 && c->done)
		return 0;
	if (r == 1)
		return 1;
	return err_set(err_r, "%s", c->why[0] != '\0' ? c->why :
	    stream_strerror(s));
}

static int
tls_start(struct stream *s, SSL_CTX *ctx, int server, const char *servername,
    const char *const *match, char **err_r)
{
	char why[TLS_ERR_MAX];
	struct tls_conn *c;
	BIO *bio;

	if (tls_conn_of(s) != NULL)
		return err_set(err_r, "TLS is already active on this "
		    "connection");
	/* the go-ahead reply goes out in plaintext, and nothing that
	   came in plaintext survives (tls.h: STARTTLS CONTRACT) */
	if (stream_flush(s) != 0)
		return err_set(err_r, "cannot send before TLS: %s",
		    stream_output_pending(s) > 0 && stream_error(s) ==
		    STREAM_ERR_NONE ? "output still pending" :
		    stream_strerror(s));
	(void)stream_discard_input(s);
	c = xcalloc(1, sizeof(*c));
	c->fd = stream_fd(s);
	c->s = s;
	c->server = server;
	ERR_clear_error();
	if ((c->ssl = SSL_new(ctx)) == NULL) {
		tls_err_reason(why, sizeof(why), "cannot make a TLS session");
		free(c);
		return err_set(err_r, "%s", why);
	}
	bio = tls_bio_new(c);
	SSL_set_bio(c->ssl, bio, bio);
	if (server)
		SSL_set_accept_state(c->ssl);
	else {
		SSL_set_connect_state(c->ssl);
		if (servername != NULL && *servername != '\0') {
			/* no SNI for an address literal (RFC 6066 3) */
			/* the macro's cast drops const; OpenSSL copies it */
			if (!sock_addr_numeric(servername) &&
			    !SSL_ctrl(c->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
			    TLSEXT_NAMETYPE_host_name,
			    (void *)(uintptr_t)servername))
				ERR_clear_error();
		}
		/* checked at verify; reported at other levels */
		if (match == NULL && servername != NULL &&
		    *servername != '\0' && !SSL_set1_host(c->ssl, servername))
			ERR_clear_error();
		for (; match != NULL && *match != NULL; match++)
			if (!SSL_add1_host(c->ssl, *match))
				ERR_clear_error();
	}
	c->next = tls_conns;
	tls_conns = c;
	stream_set_ops(s, &tls_stream_ops, c);
	c->token = 1;
	if (stream_write(s, "", 1) < 0)
		return err_set(err_r, "%s", stream_strerror(s));
	return tls_handshake(s, err_r);
}

int
tls_server_start(struct stream *s, struct tls_server_ctx *tc,
    char **err_r)
{
	if (tls_server_ctx_ready(tc, err_r) < 0)
		return -1;
	return tls_start(s, tc->ssl_ctx, 1, NULL, NULL, err_r);
}

int
tls_client_start(struct stream *s, struct tls_client_ctx *tc,
    const char *servername, char **err_r)
{
	return tls_start(s, tc->ssl_ctx, 0, servername, NULL, err_r);
}

int
tls_client_start_match(struct stream *s, struct tls_client_ctx *tc,
    const char *servername, const char *const *match, char **err_r)
{
	return tls_start(s, tc->ssl_ctx, 0, servername, match, err_r);
}

int
tls_active(const struct stream *s)
{
	const struct tls_conn *c = tls_conn_of(s);

	return c != NULL && c->done && !c->failed;
}

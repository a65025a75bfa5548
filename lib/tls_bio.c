/*
 * NAME
 *	tls_bio - the BIO under an SSL: a non-blocking socket, no SIGPIPE.
 *
 * DESCRIPTION
 *	OpenSSL's own socket BIO writes with write(2), which raises
 *	SIGPIPE when the peer has gone; a library must not depend on every
 *	program ignoring it. This BIO sends with MSG_NOSIGNAL, and never
 *	waits (MSG_DONTWAIT: stream_free() may have put the descriptor
 *	back in blocking mode before the close_notify goes out); on a
 *	descriptor that is not a socket it falls back to read(2) and
 *	write(2), as the plain stream layer does. EAGAIN and EINTR become
 *	OpenSSL's "retry", so that SSL_read and SSL_write report WANT_READ
 *	and WANT_WRITE. End of file is remembered for BIO_CTRL_EOF.
 *
 * SECURITY
 *	Moves bytes only; OpenSSL parses them.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include <openssl/bio.h>

#include "log.h"
#include "tls_int.h"

static BIO_METHOD *tls_bio_method;

static int
tls_bio_write(BIO *b, const char *buf, size_t len, size_t *done_r)
{
	struct tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	*done_r = 0;
	n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno == ENOTSOCK)
		n = write(c->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		return 0;
	}
	*done_r = (size_t)n;
	return 1;
}

static int
tls_bio_read(BIO *b, char *buf, size_t len, size_t *done_r)
{
	struct tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	*done_r = 0;
	n = recv(c->fd, buf, len, MSG_DONTWAIT);
	if (n < 0 && errno == ENOTSOCK)
		n = read(c->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		return 0;
	}
	if (n == 0) {
		c->eof = 1;
		return 0;
	}
	*done_r = (size_t)n;
	return 1;
}

static long
tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls_conn *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return c != NULL && c->eof;
	default:
		return 0;
	}
}

static int
tls_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

BIO *
tls_bio_new(struct tls_conn *c)
{
	BIO *b;

	if (tls_bio_method == NULL) {
		tls_bio_method = BIO_meth_new(BIO_get_new_index() |
		    BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
		    "postern socket");
		if (tls_bio_method == NULL ||
		    !BIO_meth_set_write_ex(tls_bio_method, tls_bio_write) ||
		    !BIO_meth_set_read_ex(tls_bio_method, tls_bio_read) ||
		    !BIO_meth_set_ctrl(tls_bio_method, tls_bio_ctrl) ||
		    !BIO_meth_set_create(tls_bio_method, tls_bio_create))
			log_fatal("tls: cannot make the socket BIO method");
	}
	if ((b = BIO_new(tls_bio_method)) == NULL)
		log_fatal("tls: out of memory for a BIO");
	BIO_set_data(b, c);
	return b;
}

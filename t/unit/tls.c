/*
 * Unit tests for lib/tls: contexts and their errors, handshakes over
 * socketpairs with the server and the client in two processes, data
 * both ways, protocol limits, resumption through the shared ticket key
 * file, lines over TLS, pending bytes, timeouts, the STARTTLS
 * injection defence, non-blocking handshakes and the client's
 * verification levels.
 *
 * The server side runs in a forked child (server_start/server_wait)
 * while the parent plays the client, with the library's client or with
 * raw OpenSSL calls where the test needs what the library keeps to
 * itself (a session to resume, an old protocol, one signature type).
 * A child reports through its exit status, through lines it sends
 * over the TLS stream, and through a pipe that carries why it failed:
 * server_wait() keeps that text in the srv, where a test expecting a
 * failure checks it and an unexpected one shows it as a diagnostic, so
 * that a passing run prints nothing on stderr.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "log.h"
#include "stream.h"
#include "tap.h"

/* A fresh error pointer for the next call (lib/err.h). */
#define FRESH(e)	(err_free(&(e)), &(e))
#include "tls.h"
#include "tls_int.h"
#include "vbuf.h"
#include "xmalloc.h"

static char ec_cert[256], ec_key[256], ec2_cert[256], ec2_key[256];
static char rsa_cert[256], rsa_key[256], combined[256], enc_key[256];
static char ticket_file[256], ticket_file2[256];

/* --- helpers ---------------------------------------------------------- */

static void
xsocketpair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		bail_out("socketpair: %s", strerror(errno));
}

static void
path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tap_tmpdir(), name);
}

static char *
slurp(const char *p)
{
	struct vbuf *b = vbuf_new(1024, VBUF_NOLIMIT);
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = open(p, O_RDONLY)) < 0)
		bail_out("open %s: %s", p, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		vbuf_append(b, buf, (size_t)n);
	close(fd);
	{
		char *s = vbuf_steal(b);

		vbuf_free(&b);
		return s;
	}
}

static void
spew(const char *p, const char *text, mode_t mode)
{
	int fd;

	unlink(p);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail_out("write %s: %s", p, strerror(errno));
	fchmod(fd, mode);
	close(fd);
}

/* An RSA 2048 pair, self-signed, for the RSA + ECDSA tests. */
static void
make_rsa_pair(const char *certp, const char *keyp)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *fp;

	if (pk == NULL || x == NULL)
		bail_out("RSA key generation failed");
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, pk, EVP_sha256());
	if ((fp = fopen(certp, "w")) == NULL)
		bail_out("%s: %s", certp, strerror(errno));
	PEM_write_X509(fp, x);
	fclose(fp);
	if ((fp = fopen(keyp, "w")) == NULL)
		bail_out("%s: %s", keyp, strerror(errno));
	PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static void
make_encrypted_key(const char *from, const char *to)
{
	static char pass[] = "secret";
	EVP_PKEY *pk;
	FILE *fp;

	if ((fp = fopen(from, "r")) == NULL ||
	    (pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL)
		bail_out("read %s", from);
	fclose(fp);
	if ((fp = fopen(to, "w")) == NULL)
		bail_out("%s: %s", to, strerror(errno));
	PEM_write_PrivateKey(fp, pk, EVP_aes_256_cbc(), (unsigned char *)pass,
	    (int)strlen(pass), NULL, NULL);
	fclose(fp);
	EVP_PKEY_free(pk);
}

static void
base_conf(struct tls_server_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix = "smtpd";
	c->cert_file = ec_cert;
	c->key_file = ec_key;
	c->protocols = ">=TLSv1.2";
	c->ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
	c->groups = "X25519 P-256 P-384";
	c->session_timeout = 3600;
	c->ticket_key_file = ticket_file;
	c->loglevel = 1;
}

static struct tls_server_ctx *
server_ctx(const struct tls_server_conf *c)
{
	struct tls_server_ctx *ctx;
	char *err = NULL;

	if ((ctx = tls_server_ctx_new(c, &err)) == NULL)
		bail_out("tls_server_ctx_new: %s", err);
	return ctx;
}

/* What a forked server does with its end of the socketpair. */
enum srv_mode {
	SRV_ECHO,	/* handshake, then echo lines until EOF */
	SRV_INFO,	/* handshake, send "info ..." and wait for EOF */
	SRV_LINES,	/* line limit 64: report each line or TOOLONG */
	SRV_PENDING,	/* report stream_buffered after the first line */
	SRV_STARTTLS,	/* plaintext STARTTLS, then the first TLS line */
	SRV_NONBLOCK,	/* non-blocking handshake, then one echo */
	SRV_FAIL,	/* expect the handshake to fail: exit 3 */
};

struct srv {
	struct tls_server_ctx *ctx;
	enum srv_mode	 mode;
	int		 fd;
	int		 why_fd;	/* the child's end: why it failed */
	pid_t		 pid;
	char		 why[256];	/* what it said, "" if nothing */
};

/* In the server child: say why it fails, for server_wait(). */
static void __attribute__((format(printf, 2, 3)))
srv_why(struct srv *sv, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(sv->why_fd, buf, strlen(buf)) < 0)
		_exit(8);
}

static void
srv_info_line(struct stream *s)
{
	struct tls_info ti;
	char desc[256];

	if (tls_peer_info(s, &ti) < 0) {
		stream_puts(s, "info none\r\n");
		return;
	}
	tls_info_describe(&ti, 0, desc, sizeof(desc));
	stream_printf(s, "info %s reused=%d sni=%s trust=%s\r\n", desc,
	    ti.reused, ti.sni[0] ? ti.sni : "-", tls_info_trust(&ti));
}

/*
 * The non-blocking server says here that its first tls_server_start()
 * has returned: only then does the client send its hello, so that the
 * start has to say "wait" (else a slow server may find the client's
 * whole handshake already there, as under the sanitizers).
 */
static int srv_nonblock_started[2] = { -1, -1 };

static int
srv_nonblock(struct stream *s, struct tls_server_ctx *ctx)
{
	struct pollfd pfd;
	struct span line;
	char *why = NULL;
	int r, rounds = 0;
	ssize_t n;

	stream_set_nonblock(s, 1);
	r = tls_server_start(s, ctx, FRESH(why));
	if (srv_nonblock_started[1] >= 0 &&
	    write(srv_nonblock_started[1], "s", 1) != 1)
		return 5;
	while (r == 1) {
		rounds++;
		pfd.fd = stream_fd(s);
		pfd.events = stream_want(s) == STREAM_WANT_READ ? POLLIN :
		    POLLOUT;
		(void)poll(&pfd, 1, 10000);
		r = tls_handshake(s, FRESH(why));
	}
	if (r < 0)
		return 3;
	for (;;) {
		n = stream_read_line(s, &line);
		if (n > 0)
			break;
		if (n < 0)
			return 4;
		pfd.fd = stream_fd(s);
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 10000);
	}
	stream_printf(s, "nb %.*s rounds>0=%d\r\n", (int)line.len, line.ptr,
	    rounds > 0);
	while ((r = stream_flush(s)) == 1) {
		pfd.events = stream_want(s) == STREAM_WANT_READ ? POLLIN :
		    POLLOUT;
		(void)poll(&pfd, 1, 10000);
	}
	stream_set_nonblock(s, 0);
	(void)stream_read_line(s, &line);	/* wait for the client's EOF */
	return r == 0 ? 0 : 5;
}

static void
srv_run(struct srv *sv)
{
	struct stream *s = stream_new(sv->fd, 0);
	struct span line;
	char *why = NULL;
	ssize_t n;
	int code = 0;

	stream_set_timeouts(s, 20000, 20000);
	if (sv->mode == SRV_NONBLOCK) {
		code = srv_nonblock(s, sv->ctx);
		stream_free(&s);
		_exit(code);
	}
	if (sv->mode == SRV_STARTTLS) {
		n = stream_read_line(s, &line);
		if (n <= 0 || strcmp(line.ptr, "STARTTLS") != 0)
			_exit(6);
		stream_puts(s, "220 go ahead\r\n");
	}
	if (tls_server_start(s, sv->ctx, FRESH(why)) < 0) {
		srv_why(sv, "%s [%d]", why, stream_error(s));
		stream_free(&s);
		_exit(sv->mode == SRV_FAIL ? 3 : 1);
	}
	if (sv->mode == SRV_FAIL)
		code = 2;
	if (sv->mode == SRV_INFO || sv->mode == SRV_FAIL) {
		srv_info_line(s);
		stream_flush(s);
		(void)stream_read_line(s, &line);
	} else if (sv->mode == SRV_LINES) {
		stream_set_line_limit(s, 64);
		while ((n = stream_read_line(s, &line)) != -1) {
			if (n == -2)
				stream_puts(s, "TOOLONG\r\n");
			else
				stream_printf(s, "line %s\r\n", line.ptr);
			stream_flush(s);
		}
	} else if (sv->mode == SRV_PENDING) {
		n = stream_read_line(s, &line);
		stream_printf(s, "buffered %zu after %zd\r\n",
		    stream_buffered(s), n);
		while ((n = stream_read_line(s, &line)) > 0 &&
		    strcmp(line.ptr, "end") != 0)
			;
		stream_printf(s, "end buffered %zu\r\n", stream_buffered(s));
		stream_flush(s);
		(void)stream_read_line(s, &line);
	} else {
		/* echo, and STARTTLS's first TLS line */
		while ((n = stream_read_line(s, &line)) > 0) {
			stream_printf(s, "echo %s\r\n", line.ptr);
			stream_flush(s);
		}
		if (stream_error(s) != STREAM_ERR_EOF) {
			srv_why(sv, "echo ended: %s", stream_strerror(s));
			code = 7;
		}
	}
	stream_free(&s);
	_exit(code);
}

/* Fork the server on sp[0]; the parent keeps sp[1], the client's end. */
static void
server_start(struct srv *sv, struct tls_server_ctx *ctx, enum srv_mode mode,
    int sp[2])
{
	int fd = sp[0], why[2];

	if (pipe2(why, O_CLOEXEC) < 0)
		bail_out("pipe: %s", strerror(errno));
	sv->ctx = ctx;
	sv->mode = mode;
	sv->fd = fd;
	sv->why_fd = why[1];
	sv->why[0] = '\0';
	fflush(stdout);
	if ((sv->pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (sv->pid == 0) {
		close(sp[1]);	/* else the client's close is never seen */
		close(why[0]);
		log_set_hook(NULL);
		srv_run(sv);
	}
	close(why[1]);
	sv->why_fd = why[0];
	close(fd);
}

/*
 * The child's exit code, -1 when it did not exit normally; sv->why
 * holds what it said about a failure. A failure the caller does not
 * expect (want) is shown as a diagnostic.
 */
static int
server_wait_for(struct srv *sv, int want)
{
	size_t n = 0;
	ssize_t r;
	int status, code;

	while (n < sizeof(sv->why) - 1 &&
	    (r = read(sv->why_fd, sv->why + n, sizeof(sv->why) - 1 - n)) > 0)
		n += (size_t)r;
	sv->why[n] = '\0';
	close(sv->why_fd);
	if (waitpid(sv->pid, &status, 0) < 0)
		code = -1;
	else
		code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code != want)
		diag("server exit %d: %s", code, sv->why);
	return code;
}

/* The child's exit code, which should be 0. */
static int
server_wait(struct srv *sv)
{
	return server_wait_for(sv, 0);
}

/* --- a raw OpenSSL client on a blocking descriptor -------------------- */

static SSL_CTX *
raw_ctx(int min, int max, const char *ciphers, const char *sigalgs)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	SSL_CTX_set_min_proto_version(c, min);
	SSL_CTX_set_max_proto_version(c, max);
	if (ciphers != NULL)
		SSL_CTX_set_cipher_list(c, ciphers);
	/* the macros' casts drop const; OpenSSL copies the strings */
	if (sigalgs != NULL)
		SSL_CTX_ctrl(c, SSL_CTRL_SET_SIGALGS_LIST, 0,
		    (void *)(uintptr_t)sigalgs);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT);
	return c;
}

/* Connect over fd; NULL when the handshake fails. */
static SSL *
raw_connect(SSL_CTX *c, int fd, SSL_SESSION *sess, const char *sni)
{
	SSL *ssl = SSL_new(c);

	SSL_set_fd(ssl, fd);
	if (sess != NULL)
		SSL_set_session(ssl, sess);
	if (sni != NULL)
		SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		    TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)sni);
	if (SSL_connect(ssl) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* Read one line (without CR LF) into buf; "" at EOF. */
static const char *
raw_line(SSL *ssl, char *buf, size_t len)
{
	size_t n = 0;
	char ch;

	while (n + 1 < len && SSL_read(ssl, &ch, 1) == 1 && ch != '\n')
		if (ch != '\r')
			buf[n++] = ch;
	buf[n] = '\0';
	return buf;
}

static void
raw_write(SSL *ssl, const char *s)
{
	if (SSL_write(ssl, s, (int)strlen(s)) != (int)strlen(s))
		bail_out("SSL_write failed");
}

static void
raw_close(SSL *ssl)
{
	SSL_shutdown(ssl);
	SSL_free(ssl);
}

/*
 * A full connection: server in mode, raw client; returns the server's
 * first line (static), *sess_r the client's session (caller frees).
 * fail: NULL when the server should end cleanly, else what its failed
 * handshake should say (checked here).
 */
static const char *
raw_session(struct tls_server_ctx *ctx, SSL_CTX *cc, SSL_SESSION *resume,
    SSL_SESSION **sess_r, const char *sni, const char *fail)
{
	static char line[512];
	struct srv sv;
	SSL *ssl;
	int sp[2];

	xsocketpair(sp);
	server_start(&sv, ctx, SRV_INFO, sp);
	line[0] = '\0';
	if ((ssl = raw_connect(cc, sp[1], resume, sni)) != NULL) {
		raw_line(ssl, line, sizeof(line));
		if (sess_r != NULL)
			*sess_r = SSL_get1_session(ssl);
		raw_close(ssl);
	} else
		strlcpy(line, "handshake failed", sizeof(line));
	close(sp[1]);
	if (fail == NULL)
		(void)server_wait(&sv);
	else
		ok(server_wait_for(&sv, 1) == 1 && strstr(sv.why, fail) !=
		    NULL, "the server's handshake fails: %s", sv.why);
	return line;
}

/* --- tests ------------------------------------------------------------ */

static void
test_protocols(void)
{
	static const struct {
		const char	*list;
		int		 min, max;	/* 0, 0: an error */
	} cases[] = {
		{ ">=TLSv1.2", TLS1_2_VERSION, TLS1_3_VERSION },
		{ "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", TLS1_2_VERSION,
		  TLS1_3_VERSION },
		{ "TLSv1.3", TLS1_3_VERSION, TLS1_3_VERSION },
		{ "<=TLSv1.2", TLS1_VERSION, TLS1_2_VERSION },
		{ "TLSv1.2:TLSv1.3", TLS1_2_VERSION, TLS1_3_VERSION },
		{ "", TLS1_VERSION, TLS1_3_VERSION },
		{ "TLSv1 TLSv1.3", 0, 0 },
		{ "!TLSv1 !TLSv1.1 !TLSv1.2 !TLSv1.3", 0, 0 },
		{ ">=TLSv9", 0, 0 },
	};
	char *err = NULL;
	size_t i;
	int min, max, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		min = max = 0;
		r = tls_proto_range(cases[i].list, &min, &max, FRESH(err));
		if (cases[i].min == 0)
			ok(r < 0, "protocols \"%s\" refused: %s", cases[i].list,
			    r < 0 ? err : "");
		else
			ok(r == 0 && min == cases[i].min && max ==
			    cases[i].max, "protocols \"%s\"", cases[i].list);
	}
	err_free(&err);
}

static void
test_levels(void)
{
	enum tls_level lev;

	ok(tls_level_parse("may", &lev) == 0 && lev == TLS_LEV_MAY,
	    "level may");
	ok(tls_level_parse("Encrypt", &lev) == 0 && lev == TLS_LEV_ENCRYPT,
	    "level Encrypt (case does not matter)");
	ok(tls_level_parse("dane", &lev) < 0, "level dane is unknown");
	is_str(tls_level_name(TLS_LEV_VERIFY), "verify", "level name");
}

static void
test_selfsigned(void)
{
	const char *names[] = { "mail.example.test", "localhost", NULL };
	long long t;
	struct stat st;
	char *err = NULL;

	ok(tls_cert_selfsigned(ec_cert, ec_key, names, 30, &err) == 0,
	    "self-signed certificate made%s%s", err ? ": " : "",
	    err ? err : "");
	ok(stat(ec_key, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the key file is mode 0600");
	ok(stat(ec_cert, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "the certificate file is mode 0644");
	free(err);
	err = NULL;
	ok(tls_cert_selfsigned(ec_cert, ec_key, names, 30, &err) < 0 &&
	    strstr(err, "File exists") != NULL,
	    "an existing file is not overwritten (%s)", err ? err : "");
	free(err);
	err = NULL;
	ok(tls_cert_not_after(ec_cert, &t, &err) == 0 &&
	    t > (long long)time(NULL) + 29 * 86400 &&
	    t < (long long)time(NULL) + 31 * 86400,
	    "notAfter is 30 days ahead");
	ok(tls_cert_not_after(ec_key, &t, &err) < 0 &&
	    strstr(err, "no PEM certificate") != NULL,
	    "a key file has no notAfter (%s)", err ? err : "");
	free(err);
	err = NULL;
	if (tls_cert_selfsigned(ec2_cert, ec2_key, names, 30, &err) < 0)
		bail_out("second pair: %s", err);
	make_rsa_pair(rsa_cert, rsa_key);
	make_encrypted_key(ec_key, enc_key);
	{
		char *k = slurp(ec_key), *c = slurp(ec_cert), *both;

		both = xasprintf("%s%s", k, c);
		spew(combined, both, 0600);
		free(both);
		free(k);
		free(c);
	}
}

/* The context errors: each names the parameter and the files. */
static void
test_ctx_errors(void)
{
	struct tls_server_conf c;
	struct tls_server_ctx *ctx;
	char *err = NULL, want[1024];

	base_conf(&c);
	c.key_file = ec2_key;
	ctx = tls_server_ctx_new(&c, &err);
	snprintf(want, sizeof(want), "smtpd_tls_key_file %s: key does not "
	    "match certificate %s", ec2_key, ec_cert);
	ok(ctx == NULL, "a mismatched key is refused");
	is_str(err, want, "and the error names both files");
	free(err);
	err = NULL;

	base_conf(&c);
	c.key_file = "/nonexistent/key.pem";
	ctx = tls_server_ctx_new(&c, &err);
	is_str(ctx == NULL ? err : "", "smtpd_tls_key_file "
	    "/nonexistent/key.pem: No such file or directory",
	    "a missing key file");
	free(err);
	err = NULL;

	base_conf(&c);
	c.key_file = tap_tmpdir();
	ctx = tls_server_ctx_new(&c, &err);
	snprintf(want, sizeof(want), "smtpd_tls_key_file %s: is a directory",
	    tap_tmpdir());
	is_str(ctx == NULL ? err : "", want, "an unreadable key file");
	free(err);
	err = NULL;

	base_conf(&c);
	c.cert_file = ec_key;
	c.key_file = ec_key;
	ctx = tls_server_ctx_new(&c, &err);
	snprintf(want, sizeof(want), "smtpd_tls_cert_file %s: no "
	    "certificate found", ec_key);
	like(ctx == NULL ? err : "", want, "a certificate file without one");
	free(err);
	err = NULL;

	base_conf(&c);
	c.key_file = ec_cert;
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "no private key found",
	    "a key file without a key");
	free(err);
	err = NULL;

	base_conf(&c);
	c.key_file = enc_key;
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "encrypted private key",
	    "an encrypted key is refused, not prompted for");
	free(err);
	err = NULL;

	base_conf(&c);
	c.eccert_file = ec2_cert;
	c.eckey_file = ec2_key;
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "smtpd_tls_eccert_file",
	    "two ECDSA pairs are refused");
	like(ctx == NULL ? err : "", "second ECDSA", "and say why");
	free(err);
	err = NULL;

	base_conf(&c);
	c.protocols = "TLSv1 TLSv1.2";
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "smtpd_tls_protocols = TLSv1 TLSv1.2: "
	    "a gap", "a protocol gap is refused");
	free(err);
	err = NULL;

	base_conf(&c);
	c.ciphers = "NOSUCHCIPHER";
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "smtpd_tls_ciphers: no usable cipher",
	    "a cipher list without ciphers is refused");
	free(err);
	err = NULL;

	base_conf(&c);
	c.groups = "X25519 nosuchgroup";
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "tls_eecdh_auto_curves", "an unknown "
	    "group is refused");
	free(err);
	err = NULL;

	/* in two steps: the files at prepare, OpenSSL's verdict at ready */
	{
		char *why = NULL, *why2 = NULL;

		ctx = tls_server_ctx_prepare(&c, &err);
		ok(ctx != NULL, "prepare: the files are fine, the group list "
		    "is not looked at yet");
		is_int(ctx != NULL ? tls_server_ctx_ready(ctx, FRESH(why)) : 0, -1,
		    "ready: the unknown group is refused");
		like(why != NULL ? why : "", "tls_eecdh_auto_curves = X25519 "
		    "nosuchgroup: an unknown group", "... naming the parameter");
		is_int(ctx != NULL ? tls_server_ctx_ready(ctx, FRESH(why2)) : 0, -1,
		    "ready again: the same answer");
		ok(why != NULL && why2 != NULL && strcmp(why, why2) == 0,
		    "... the same reason: it was not tried again");
		tls_server_ctx_free(&ctx);
		free(err);
		err = NULL;
		base_conf(&c);
		ctx = tls_server_ctx_prepare(&c, &err);
		ok(ctx != NULL && tls_server_ctx_ready(ctx, FRESH(why)) == 0,
		    "prepare and ready with a good configuration");
		ok(ctx != NULL && tls_server_ctx_ready(ctx, FRESH(why)) == 0,
		    "... and ready again");
		tls_server_ctx_free(&ctx);
		free(err);
		err = NULL;
		err_free(&why);
		err_free(&why2);
	}

	{
		char *pem = slurp(ec_cert), *cut, bad[300];

		cut = strstr(pem, "-----END");
		*cut = '\0';
		path(bad, sizeof(bad), "truncated.pem");
		spew(bad, pem, 0644);
		free(pem);
		base_conf(&c);
		c.cert_file = bad;
		ctx = tls_server_ctx_new(&c, &err);
		like(ctx == NULL ? err : "", "damaged PEM data",
		    "a truncated certificate file");
		free(err);
		err = NULL;
	}

	base_conf(&c);
	c.cert_file = "";
	ctx = tls_server_ctx_new(&c, &err);
	like(ctx == NULL ? err : "", "no certificate configured",
	    "no certificate at all");
	free(err);
	err = NULL;

	/* good ones: key and chain in one file; chain_files */
	base_conf(&c);
	c.cert_file = combined;
	c.key_file = NULL;
	ctx = tls_server_ctx_new(&c, &err);
	ok(ctx != NULL, "key and certificate in one file%s%s",
	    err ? ": " : "", err ? err : "");
	tls_server_ctx_free(&ctx);
	free(err);
	err = NULL;

	base_conf(&c);
	{
		char *files = xasprintf("%s, %s", combined, rsa_key);

		c.chain_files = files;
		ctx = tls_server_ctx_new(&c, &err);
		like(ctx == NULL ? err : "", "no certificate found",
		    "chain_files: a key without its certificate is refused");
		free(err);
		err = NULL;
		free(files);
	}
	tap_check_log("context errors");
}

/* A handshake, data both ways, the negotiated parameters. */
static void
test_handshake(struct tls_server_ctx *ctx)
{
	struct tls_client_conf cc;
	struct tls_client_ctx *cctx;
	struct tls_info ti;
	struct stream *s;
	struct span line;
	struct srv sv;
	char *why = NULL, *err = NULL, desc[256];
	int sp[2], r;

	memset(&cc, 0, sizeof(cc));
	cc.prefix = "smtp";
	cc.level = TLS_LEV_ENCRYPT;
	cc.protocols = ">=TLSv1.2";
	cc.ciphers = "ECDHE+AESGCM";
	cc.groups = "X25519";
	if ((cctx = tls_client_ctx_new(&cc, &err)) == NULL)
		bail_out("client ctx: %s", err);

	xsocketpair(sp);
	server_start(&sv, ctx, SRV_ECHO, sp);
	s = stream_new(sp[1], 0);
	stream_set_timeouts(s, 20000, 20000);
	ok(!tls_active(s), "no TLS before the start");
	r = tls_client_start(s, cctx, "localhost", FRESH(why));
	ok(r == 0, "client handshake%s%s", why ? ": " : "", why ? why : "");
	ok(tls_active(s), "TLS is active after it");
	ok(tls_peer_info(s, &ti) == 0, "peer info");
	is_str(ti.protocol, "TLSv1.3", "TLS 1.3 by default");
	tls_info_describe(&ti, 0, desc, sizeof(desc));
	is_str(desc, "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 "
	    "bits)", "described as in Postfix's log line");
	tls_info_describe(&ti, 1, desc, sizeof(desc));
	is_str(desc, "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 "
	    "bits) key-exchange X25519", "with the key exchange");
	is_str(tls_info_trust(&ti), "Untrusted", "client: no CA, untrusted");
	is_str(ti.peer_cn, "mail.example.test", "the server's CN");
	r = tls_client_start(s, cctx, "localhost", FRESH(why));
	ok(r < 0 && strstr(why, "already") != NULL, "no second start");

	stream_puts(s, "hello\r\n");
	stream_puts(s, "second line\r\n");
	ok(stream_flush(s) == 0, "client writes over TLS");
	ok(stream_read_line(s, &line) > 0 && strcmp(line.ptr, "echo hello")
	    == 0, "and reads the echo");
	ok(stream_read_line(s, &line) > 0 && strcmp(line.ptr,
	    "echo second line") == 0, "of both lines");
	stream_free(&s);	/* close_notify */
	is_int(server_wait(&sv), 0, "the server saw a clean end of file");

	/* the server's end: the peer closes without close_notify */
	xsocketpair(sp);
	server_start(&sv, ctx, SRV_ECHO, sp);
	{
		SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL,
		    NULL);
		SSL *ssl = raw_connect(rc, sp[1], NULL, NULL);
		char buf[128];

		ok(ssl != NULL, "raw client handshake");
		if (ssl != NULL) {
			raw_write(ssl, "x\r\n");
			is_str(raw_line(ssl, buf, sizeof(buf)), "echo x",
			    "raw client echo");
			SSL_free(ssl);	/* no SSL_shutdown */
		}
		SSL_CTX_free(rc);
	}
	close(sp[1]);
	is_int(server_wait(&sv), 0, "a close without close_notify is an "
	    "end of file");
	tls_client_ctx_free(&cctx);
	err_free(&why);
}

/* No renegotiation, no compression. */
static void
test_renegotiation(struct tls_server_ctx *ctx)
{
	SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL, NULL);
	struct srv sv;
	char buf[128];
	SSL *ssl;
	int sp[2];

	xsocketpair(sp);
	server_start(&sv, ctx, SRV_ECHO, sp);
	ssl = raw_connect(rc, sp[1], NULL, NULL);
	ok(ssl != NULL, "TLS 1.2 handshake");
	if (ssl != NULL) {
		ok(SSL_get_current_compression(ssl) == NULL,
		    "no compression");
		raw_write(ssl, "before\r\n");
		is_str(raw_line(ssl, buf, sizeof(buf)), "echo before",
		    "data before the attempt");
		ok(SSL_renegotiate(ssl) == 1 && SSL_do_handshake(ssl) != 1,
		    "a client-initiated renegotiation is refused");
		ERR_clear_error();
		SSL_free(ssl);
	}
	close(sp[1]);
	ok(server_wait_for(&sv, 7) == 7 && strstr(sv.why, "echo ended") !=
	    NULL, "the server ends the session: %s", sv.why);
	SSL_CTX_free(rc);
}

/* Protocol versions: TLS 1.1 refused; TLS 1.2 works; >=TLSv1.3 holds. */
static void
test_versions(struct tls_server_ctx *ctx)
{
	struct tls_server_conf c;
	struct tls_server_ctx *ctx13;
	SSL_CTX *rc;
	const char *line;

	rc = raw_ctx(TLS1_VERSION, TLS1_1_VERSION, "DEFAULT@SECLEVEL=0", NULL);
	line = raw_session(ctx, rc, NULL, NULL, NULL, "unsupported protocol");
	is_str(line, "handshake failed", "a TLS 1.1 client is refused");
	SSL_CTX_free(rc);

	rc = raw_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL, NULL);
	line = raw_session(ctx, rc, NULL, NULL, NULL, NULL);
	like(line, "info TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 "
	    "(256/256 bits)", "TLS 1.2 uses ECDHE with AES-GCM");
	SSL_CTX_free(rc);

	rc = raw_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE+AES:!AESGCM",
	    NULL);
	line = raw_session(ctx, rc, NULL, NULL, NULL, "no shared cipher");
	is_str(line, "handshake failed", "a CBC-only TLS 1.2 client is "
	    "refused by the high grade");
	SSL_CTX_free(rc);

	base_conf(&c);
	c.protocols = ">=TLSv1.3";
	ctx13 = server_ctx(&c);
	rc = raw_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL, NULL);
	line = raw_session(ctx13, rc, NULL, NULL, NULL,
	    "unsupported protocol");
	is_str(line, "handshake failed", "protocols >=TLSv1.3 refuses TLS "
	    "1.2");
	SSL_CTX_free(rc);
	tls_server_ctx_free(&ctx13);
}

/* An RSA and an ECDSA pair together: each client gets what it can use. */
static void
test_dual(void)
{
	struct tls_server_conf c;
	struct tls_server_ctx *ctx;
	SSL_CTX *rc;
	SSL *ssl;
	EVP_PKEY *pk;
	struct srv sv;
	int sp[2], i;
	static const struct {
		const char	*sigalgs;
		int		 type;
		const char	*name;
	} cases[] = {
		{ "ECDSA+SHA256", EVP_PKEY_EC, "ECDSA" },
		{ "RSA-PSS+SHA256:RSA+SHA256", EVP_PKEY_RSA, "RSA" },
	};

	base_conf(&c);
	c.cert_file = rsa_cert;
	c.key_file = rsa_key;
	c.eccert_file = ec_cert;
	c.eckey_file = ec_key;
	ctx = server_ctx(&c);
	for (i = 0; i < 2; i++) {
		rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL,
		    cases[i].sigalgs);
		xsocketpair(sp);
		server_start(&sv, ctx, SRV_INFO, sp);
		ssl = raw_connect(rc, sp[1], NULL, NULL);
		pk = ssl != NULL ? X509_get0_pubkey(
		    SSL_get0_peer_certificate(ssl)) : NULL;
		ok(pk != NULL && EVP_PKEY_get_base_id(pk) == cases[i].type,
		    "a client that accepts only %s gets the %s certificate",
		    cases[i].name, cases[i].name);
		if (ssl != NULL)
			raw_close(ssl);
		close(sp[1]);
		server_wait(&sv);
		SSL_CTX_free(rc);
	}
	tls_server_ctx_free(&ctx);
}

/*
 * Resumption through the ticket key file: a session made by one
 * context (one smtpd process) resumes on another that read the same
 * file, not on one with another file; rotation keeps old tickets good.
 */
static void
test_resumption(struct tls_server_ctx *ctx)
{
	struct tls_server_conf c;
	struct tls_server_ctx *other, *stranger, *rotated;
	struct timeval tv[2];
	SSL_SESSION *sess = NULL, *sess2 = NULL;
	SSL_SESSION *fresh1 = NULL, *fresh2 = NULL;
	SSL_CTX *rc;
	const char *line;
	int v;

	for (v = 0; v < 2; v++) {
		int ver = v == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
		const char *vn = v == 0 ? "TLS 1.3" : "TLS 1.2";

		rc = raw_ctx(ver, ver, NULL, NULL);
		line = raw_session(ctx, rc, NULL, &sess, NULL, NULL);
		like(line, "reused=0", "%s: a first session is new", vn);
		ok(sess != NULL && SSL_SESSION_is_resumable(sess),
		    "%s: the client got a ticket", vn);

		base_conf(&c);
		other = server_ctx(&c);	/* "another process" */
		line = raw_session(other, rc, sess, NULL, NULL, NULL);
		like(line, "reused=1", "%s: resumed by another context that "
		    "read the same ticket key file", vn);

		/*
		 * Unused sessions for what follows (OpenSSL's TLS 1.3
		 * client uses a ticket once, and its server re-issues one
		 * on resumption only when the key asks for renewal).
		 */
		(void)raw_session(other, rc, NULL, &fresh1, NULL, NULL);
		(void)raw_session(other, rc, NULL, &fresh2, NULL, NULL);

		/* age the file past the timeout: the next context rotates;
		   a ticket made before it still opens */
		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec -= 7200;
		tv[1] = tv[0];
		utimes(ticket_file, tv);
		base_conf(&c);
		rotated = server_ctx(&c);
		ok(rotated->tickets->have_prev && memcmp(&rotated->tickets->
		    prev, &other->tickets->cur, sizeof(struct tls_ticket_key))
		    == 0 && memcmp(&rotated->tickets->cur, &other->tickets->
		    cur, sizeof(struct tls_ticket_key)) != 0,
		    "%s: rotation: a new current key, the old one kept", vn);
		line = raw_session(rotated, rc, fresh1, &sess2, NULL, NULL);
		like(line, "reused=1", "%s: after a rotation the previous key "
		    "still opens tickets", vn);
		if (v == 0)
			ok(sess2 != NULL && SSL_SESSION_is_resumable(sess2),
			    "%s: and the ticket is renewed", vn);

		base_conf(&c);
		c.ticket_key_file = ticket_file2;
		stranger = server_ctx(&c);
		line = raw_session(stranger, rc, fresh2, NULL, NULL, NULL);
		like(line, "reused=0", "%s: not by one with other keys", vn);
		SSL_SESSION_free(sess2);
		SSL_SESSION_free(fresh1);
		SSL_SESSION_free(fresh2);
		sess2 = fresh1 = fresh2 = NULL;

		tls_server_ctx_free(&other);
		tls_server_ctx_free(&stranger);
		tls_server_ctx_free(&rotated);
		SSL_SESSION_free(sess);
		sess = NULL;
		SSL_CTX_free(rc);
	}

	/* no resumption at timeout 0 */
	base_conf(&c);
	c.session_timeout = 0;
	other = server_ctx(&c);
	rc = raw_ctx(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL);
	line = raw_session(other, rc, NULL, &sess, NULL, NULL);
	ok(sess == NULL || !SSL_SESSION_is_resumable(sess),
	    "session_cache_timeout 0: no ticket");
	SSL_SESSION_free(sess);
	SSL_CTX_free(rc);
	tls_server_ctx_free(&other);
}

/* The ticket key file is used only when it is safe to. */
static void
test_ticket_file(void)
{
	struct tls_server_conf c;
	struct tls_server_ctx *ctx;
	char p[300], q[300];
	struct stat st;

	path(p, sizeof(p), "tk-open");
	spew(p, "PTTK0001", 0644);
	base_conf(&c);
	c.ticket_key_file = p;
	tap_expect_log("not a regular file of uid");
	ctx = server_ctx(&c);
	tap_check_log("a ticket key file readable by others is not used");
	ok(stat(p, &st) == 0 && st.st_size == 8, "and is left alone");
	tls_server_ctx_free(&ctx);

	path(q, sizeof(q), "tk-link");
	unlink(q);
	if (symlink(p, q) < 0)
		bail_out("symlink: %s", strerror(errno));
	c.ticket_key_file = q;
	tap_expect_log("tk-link");
	ctx = server_ctx(&c);
	tap_check_log("a symbolic link is not followed");
	tls_server_ctx_free(&ctx);

	path(p, sizeof(p), "no-such-dir/keys");
	c.ticket_key_file = p;
	tap_expect_log("No such file or directory");
	ctx = server_ctx(&c);
	tap_check_log("a missing data_directory is a warning");
	ok(ctx != NULL && ctx->tickets != NULL, "and the process makes its "
	    "own keys");
	tls_server_ctx_free(&ctx);

	ok(stat(ticket_file, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 168, "the shared file is 0600 and 168 bytes");
}

/* Lines over TLS, with one over the limit. */
static void
test_lines(struct tls_server_ctx *ctx)
{
	SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	struct srv sv;
	char buf[256], *longline;
	SSL *ssl;
	int sp[2];

	xsocketpair(sp);
	server_start(&sv, ctx, SRV_LINES, sp);
	ssl = raw_connect(rc, sp[1], NULL, NULL);
	ok(ssl != NULL, "lines: handshake");
	longline = xmalloc(301);
	memset(longline, 'x', 300);
	longline[300] = '\0';
	raw_write(ssl, "short\r\n");
	raw_write(ssl, longline);
	raw_write(ssl, longline);
	raw_write(ssl, "\r\nafter\r\n");
	is_str(raw_line(ssl, buf, sizeof(buf)), "line short", "a short line");
	is_str(raw_line(ssl, buf, sizeof(buf)), "TOOLONG",
	    "a 600-byte line over the 64-byte limit, once");
	is_str(raw_line(ssl, buf, sizeof(buf)), "line after",
	    "and the next line is intact");
	raw_close(ssl);
	close(sp[1]);
	is_int(server_wait(&sv), 0, "lines: the server ends cleanly");
	free(longline);
	SSL_CTX_free(rc);
}

/* stream_buffered() counts the bytes OpenSSL holds decrypted. */
static void
test_pending(struct tls_server_ctx *ctx)
{
	SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	struct vbuf *b = vbuf_new(16384, VBUF_NOLIMIT);
	struct srv sv;
	char buf[256], want[64];
	SSL *ssl;
	int sp[2], i;

	/* 100 lines of 101 bytes: one TLS record, more than the
	   stream's 4096-byte buffer */
	for (i = 0; i < 100; i++)
		vbuf_appendf(b, "%099d\r\n", i);
	vbuf_appends(b, "end\r\n");
	xsocketpair(sp);
	server_start(&sv, ctx, SRV_PENDING, sp);
	ssl = raw_connect(rc, sp[1], NULL, NULL);
	ok(ssl != NULL, "pending: handshake");
	if (SSL_write(ssl, vbuf_str(b), (int)vbuf_len(b)) !=
	    (int)vbuf_len(b))
		bail_out("SSL_write");
	snprintf(want, sizeof(want), "buffered %zu after 101",
	    vbuf_len(b) - 101);
	is_str(raw_line(ssl, buf, sizeof(buf)), want, "after the first "
	    "line, every other byte counts as buffered");
	is_str(raw_line(ssl, buf, sizeof(buf)), "end buffered 0",
	    "and none after the last");
	raw_close(ssl);
	close(sp[1]);
	is_int(server_wait(&sv), 0, "pending: the server ends cleanly");
	vbuf_free(&b);
	SSL_CTX_free(rc);
}

/* A silent peer: the handshake fails as a timeout, or at the deadline. */
static void
test_timeouts(struct tls_server_ctx *ctx)
{
	struct stream *s;
	char *why = NULL;
	int sp[2], r;

	xsocketpair(sp);
	s = stream_new(sp[0], 0);
	stream_set_timeouts(s, 200, 200);
	r = tls_server_start(s, ctx, FRESH(why));
	ok(r < 0, "a silent client: the handshake fails");
	is_int(stream_error(s), STREAM_ERR_TIMEOUT, "as a timeout");
	is_str(why, "timeout", "and says so");
	stream_free(&s);
	close(sp[1]);

	xsocketpair(sp);
	s = stream_new(sp[0], 0);
	stream_set_timeouts(s, 60000, 60000);
	stream_set_deadline(s, 200);
	r = tls_server_start(s, ctx, FRESH(why));
	ok(r < 0 && stream_error(s) == STREAM_ERR_DEADLINE,
	    "the session deadline bounds the handshake");
	stream_free(&s);
	close(sp[1]);

	xsocketpair(sp);
	s = stream_new(sp[0], 0);
	close(sp[1]);
	r = tls_server_start(s, ctx, FRESH(why));
	ok(r < 0 && strcmp(why, "lost connection") == 0,
	    "a client that hangs up: \"%s\"", why);
	stream_free(&s);

	xsocketpair(sp);
	s = stream_new(sp[0], 0);
	if (write(sp[1], "EHLO plaintext\r\n", 16) != 16)
		bail_out("write");
	r = tls_server_start(s, ctx, FRESH(why));
	ok(r < 0 && stream_error(s) == STREAM_ERR_IO && why[0] != '\0',
	    "plaintext instead of a ClientHello: \"%s\"", why);
	stream_free(&s);
	close(sp[1]);
	err_free(&why);
}

/*
 * CVE-2011-0411: "STARTTLS\r\nNOOP\r\n" in one packet; the NOOP must
 * not be read as the first command inside TLS.
 */
static void
test_injection(struct tls_server_ctx *ctx)
{
	SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	struct srv sv;
	char buf[256];
	size_t n = 0;
	SSL *ssl;
	int sp[2];

	xsocketpair(sp);
	server_start(&sv, ctx, SRV_STARTTLS, sp);
	if (write(sp[1], "STARTTLS\r\nNOOP\r\n", 16) != 16)
		bail_out("write");
	while (n < sizeof(buf) - 1 && read(sp[1], buf + n, 1) == 1 &&
	    buf[n] != '\n')
		n++;
	buf[n] = '\0';
	is_str(buf, "220 go ahead\r", "STARTTLS: the go-ahead in plaintext");
	ssl = raw_connect(rc, sp[1], NULL, NULL);
	ok(ssl != NULL, "STARTTLS: handshake");
	raw_write(ssl, "QUIT\r\n");
	is_str(raw_line(ssl, buf, sizeof(buf)), "echo QUIT",
	    "the first command read inside TLS is the client's first TLS "
	    "command, not the injected NOOP");
	raw_close(ssl);
	close(sp[1]);
	is_int(server_wait(&sv), 0, "injection: the server ends cleanly");
	SSL_CTX_free(rc);
}

/* A non-blocking stream: start returns 1 and tls_handshake() finishes. */
static void
test_nonblocking(struct tls_server_ctx *ctx)
{
	SSL_CTX *rc = raw_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	struct srv sv;
	char buf[256];
	SSL *ssl;
	int sp[2];

	xsocketpair(sp);
	if (pipe(srv_nonblock_started) < 0)
		bail_out("pipe: %s", strerror(errno));
	server_start(&sv, ctx, SRV_NONBLOCK, sp);
	close(srv_nonblock_started[1]);
	if (read(srv_nonblock_started[0], buf, 1) != 1)
		bail_out("the non-blocking server did not start");
	close(srv_nonblock_started[0]);
	srv_nonblock_started[0] = srv_nonblock_started[1] = -1;
	ssl = raw_connect(rc, sp[1], NULL, NULL);
	ok(ssl != NULL, "non-blocking server: handshake");
	raw_write(ssl, "ping\r\n");
	is_str(raw_line(ssl, buf, sizeof(buf)), "nb ping rounds>0=1",
	    "the start said \"wait\" and tls_handshake() finished it");
	raw_close(ssl);
	close(sp[1]);
	is_int(server_wait(&sv), 0, "non-blocking: the server ends cleanly");
	SSL_CTX_free(rc);
}

/* The client's levels: verify against a CAfile, the name, SNI. */
static void
test_client_verify(struct tls_server_ctx *ctx)
{
	static const struct {
		enum tls_level	 level;
		const char	*cafile;	/* NULL: ec_cert */
		const char	*name;
		int		 ok;
		const char	*trust;		/* or the error */
	} cases[] = {
		{ TLS_LEV_VERIFY, NULL, "localhost", 1, "Verified" },
		{ TLS_LEV_SECURE, NULL, "mail.example.test", 1, "Verified" },
		{ TLS_LEV_VERIFY, NULL, "other.example", 0,
		  "certificate verify failed: hostname mismatch" },
		{ TLS_LEV_MAY, NULL, "other.example", 1, "Trusted" },
		{ TLS_LEV_VERIFY, "rsa", "localhost", 0,
		  "certificate verify failed" },
		{ TLS_LEV_ENCRYPT, "rsa", "localhost", 1, "Untrusted" },
	};
	struct tls_client_conf cc;
	struct tls_client_ctx *cctx;
	struct tls_info ti;
	struct stream *s;
	struct span line;
	struct srv sv;
	char *why = NULL, *err = NULL, want[300];
	size_t i;
	int sp[2], r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&cc, 0, sizeof(cc));
		cc.prefix = "smtp";
		cc.level = cases[i].level;
		cc.CAfile = cases[i].cafile == NULL ? ec_cert : rsa_cert;
		cc.protocols = ">=TLSv1.2";
		cc.ciphers = "ECDHE+AESGCM";
		if ((cctx = tls_client_ctx_new(&cc, &err)) == NULL)
			bail_out("client ctx: %s", err);
		xsocketpair(sp);
		server_start(&sv, ctx, cases[i].ok ? SRV_INFO : SRV_FAIL, sp);
		s = stream_new(sp[1], 0);
		stream_set_timeouts(s, 20000, 20000);
		r = tls_client_start(s, cctx, cases[i].name, FRESH(why));
		if (cases[i].ok) {
			if (r < 0 || tls_peer_info(s, &ti) < 0)
				memset(&ti, 0, sizeof(ti));
			ok(r == 0 && strcmp(tls_info_trust(&ti),
			    cases[i].trust) == 0, "level %s, name %s: %s (%s)",
			    tls_level_name(cases[i].level), cases[i].name,
			    cases[i].trust, r == 0 ? tls_info_trust(&ti) : why);
			snprintf(want, sizeof(want), "sni=%s", cases[i].name);
			ok(stream_read_line(s, &line) > 0 &&
			    strstr(line.ptr, want) != NULL,
			    "the server saw SNI %s", cases[i].name);
		} else
			ok(r < 0 && why != NULL && strstr(why,
			    cases[i].trust) != NULL,
			    "level %s, name %s: refused (%s)",
			    tls_level_name(cases[i].level), cases[i].name,
			    why != NULL ? why : "accepted");
		stream_free(&s);
		if (cases[i].ok)
			(void)server_wait(&sv);
		else
			ok(server_wait_for(&sv, 3) == 3 && strstr(sv.why,
			    "alert") != NULL, "the server hears why: %s",
			    sv.why);
		tls_client_ctx_free(&cctx);
	}

	memset(&cc, 0, sizeof(cc));
	cc.prefix = "smtp";
	cc.level = TLS_LEV_VERIFY;
	cc.CAfile = "/nonexistent/ca.pem";
	cc.protocols = ">=TLSv1.2";
	cctx = tls_client_ctx_new(&cc, &err);
	like(cctx == NULL ? err : "", "smtp_tls_CAfile /nonexistent/ca.pem: "
	    "cannot load CA certificates", "a missing CAfile is an error");
	free(err);
	err_free(&why);
}

int
main(void)
{
	struct tls_server_conf c;
	struct tls_server_ctx *ctx;

	tap_init("tls");
	signal(SIGPIPE, SIG_IGN);
	path(ec_cert, sizeof(ec_cert), "ec.pem");
	path(ec_key, sizeof(ec_key), "ec.key");
	path(ec2_cert, sizeof(ec2_cert), "ec2.pem");
	path(ec2_key, sizeof(ec2_key), "ec2.key");
	path(rsa_cert, sizeof(rsa_cert), "rsa.pem");
	path(rsa_key, sizeof(rsa_key), "rsa.key");
	path(combined, sizeof(combined), "combined.pem");
	path(enc_key, sizeof(enc_key), "enc.key");
	path(ticket_file, sizeof(ticket_file), "smtpd_tls_ticket_keys");
	path(ticket_file2, sizeof(ticket_file2), "other_tls_ticket_keys");

	test_protocols();
	test_levels();
	test_selfsigned();
	test_ctx_errors();

	base_conf(&c);
	ctx = server_ctx(&c);
	test_handshake(ctx);
	test_versions(ctx);
	test_renegotiation(ctx);
	test_dual();
	test_resumption(ctx);
	test_ticket_file();
	test_lines(ctx);
	test_pending(ctx);
	test_timeouts(ctx);
	test_injection(ctx);
	test_nonblocking(ctx);
	test_client_verify(ctx);
	tls_server_ctx_free(&ctx);
	return done_testing();
}

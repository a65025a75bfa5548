/*
 * tlsecho - a test-only line service with STARTTLS and implicit TLS, on
 * the SINGLE server skeleton and lib/tls (t/integ/6NN-tls-*.t).
 *
 * It reads the smtpd_tls_* parameters, so the certificate that `postern
 * init` makes serves it. Before the jail it makes the TLS context (a bad
 * certificate or key is fatal there, as in smtpd).
 *
 * Greets "tlsecho PID ready" (after the handshake with -w, implicit
 * TLS), then answers one line per line:
 *   STARTTLS  "220 ready to start TLS", then the TLS handshake (the
 *             stream's buffered plaintext is discarded by the library;
 *             this service keeps no other buffer or state); no greeting
 *             follows: the client speaks first, as in SMTP
 *   NOOP      "250 noop"
 *   INFO      "250 tls VERSION with cipher NAME (B/B bits) reused=0|1"
 *             or "250 plain"
 *   QUIT      "221 bye", and the connection ends
 *   other     "250 echo: LINE"; an over-long line: "500 line too long"
 * and logs "Anonymous TLS connection established from ..." as smtpd.
 *
 * SECURITY: test code only; never installed.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "server.h"
#include "stream.h"
#include "tls.h"

static struct tls_server_ctx *tlsecho_ctx;
static int tlsecho_wrapper;
static int tlsecho_loglevel;

static void
tlsecho_pre_jail(void)
{
	struct tls_server_conf conf;
	char *err = NULL;

	if (tls_server_conf_params(&conf, "smtpd", tlsecho_wrapper, &err) < 0)
		log_fatal("%s", err);
	if ((tlsecho_ctx = tls_server_ctx_new(&conf, &err)) == NULL)
		log_fatal("%s", err);
	tlsecho_loglevel = conf.loglevel;
}

static void
tlsecho_peer(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "";

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->
			    sin_addr, addr, sizeof(addr));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, addr, sizeof(addr));
	}
	snprintf(buf, len, "unknown[%s]", addr);
}

/* Start TLS; 0, or -1 (logged) when the session is over. */
static int
tlsecho_tls(struct stream *s, const char *peer)
{
	char *why = NULL;

	if (tls_server_start(s, tlsecho_ctx, &why) < 0) {
		log_info("SSL_accept error from %s: %s", peer, why);
		free(why);
		return -1;
	}
	tls_log_established(s, "from", peer, tlsecho_loglevel);
	return 0;
}

static void
tlsecho_info(struct stream *s)
{
	struct tls_info ti;
	char desc[256];

	if (tls_peer_info(s, &ti) < 0) {
		stream_puts(s, "250 plain\r\n");
		return;
	}
	tls_info_describe(&ti, 0, desc, sizeof(desc));
	stream_printf(s, "250 tls %s reused=%d\r\n", desc, ti.reused);
}

static void
tlsecho_conn(int fd, const struct server_info *info)
{
	struct stream *s;
	struct span line;
	char peer[128];
	ssize_t n;

	(void)info;
	tlsecho_peer(fd, peer, sizeof(peer));
	if ((s = stream_new(fd, STREAM_F_NOCLOSE)) == NULL)
		log_fatal("stream_new: %m");
	stream_set_timeouts(s, 60000, 60000);
	stream_set_line_limit(s, 512);
	log_info("connect from %s", peer);
	if (tlsecho_wrapper && tlsecho_tls(s, peer) < 0)
		goto out;
	stream_printf(s, "tlsecho %ld ready\r\n", (long)getpid());
	for (;;) {
		if (stream_flush(s) < 0)
			break;
		if ((n = stream_read_line(s, &line)) == -1)
			break;
		if (n == -2) {
			stream_puts(s, "500 line too long\r\n");
			continue;
		}
		if (strcasecmp(line.ptr, "STARTTLS") == 0) {
			if (tls_active(s)) {
				stream_puts(s, "554 TLS already active\r\n");
				continue;
			}
			stream_puts(s, "220 ready to start TLS\r\n");
			if (tlsecho_tls(s, peer) < 0)
				break;
		} else if (strcasecmp(line.ptr, "NOOP") == 0)
			stream_puts(s, "250 noop\r\n");
		else if (strcasecmp(line.ptr, "INFO") == 0)
			tlsecho_info(s);
		else if (strcasecmp(line.ptr, "QUIT") == 0) {
			stream_puts(s, "221 bye\r\n");
			(void)stream_flush(s);
			break;
		} else
			stream_printf(s, "250 echo: %.*s\r\n", (int)line.len,
			    line.ptr);
	}
out:
	log_info("disconnect from %s", peer);
	stream_free(&s);
}

static void
tlsecho_opt(int ch, const char *arg)
{
	(void)arg;
	if (ch == 'w')
		tlsecho_wrapper = 1;
}

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "tlsecho",
		.kind = SERVER_SINGLE,
		.conn = tlsecho_conn,
		.pre_jail = tlsecho_pre_jail,
		.opts = "w",
		.opt = tlsecho_opt,
	};

	server_main(argc, argv, &spec);
}

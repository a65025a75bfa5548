/*
 * fuzz/ipc_conn - the server end of an IPC connection on an event loop
 * (lib/ipc_conn), which auth and anvil use for the records smtpd sends:
 * a peer writes whatever it likes over a real socket, in pieces.
 *
 * Input: a control byte (the protocol served: auth's, with its secret
 * handling, or anvil's; how the peer splits its writes; whether the
 * service holds failure answers back as auth does), then the peer's
 * bytes. The service's request callback reads the record the way
 * auth's and anvil's do (ipc_conn_verb, strict getters, auth_valid_*,
 * anvil_valid_*) and answers. The peer reads everything sent back: it
 * must be the protocol announcement, then well-formed records, in
 * order. When the
 * peer has written everything and closed its side, the connection must
 * end (no hang, no leaked descriptor or buffer).
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anvil_clnt.h"
#include "auth_clnt.h"
#include "event.h"
#include "fuzz.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "vbuf.h"

struct fz {
	struct event_loop	*loop;
	struct ipc_conn		*conn;
	struct event_timer	*timer;
	struct ipc_rec		*held;
	int			 closed, hold, peer;
	unsigned		 answers;
	struct vbuf		*back;		/* what the peer received */
};

static const char *const fz_verbs[] = { AUTH_REQ_VERIFY, "connect",
	"disconnect", NULL };

static void
fz_release(void *arg)
{
	struct fz *z = arg;

	z->timer = NULL;
	if (ipc_conn_reply(z->conn, z->held) < 0) {
		ipc_rec_free(&z->held);
		ipc_conn_close(z->conn);
		return;
	}
	ipc_rec_free(&z->held);
	ipc_conn_release(z->conn);
}

static int
fz_request(struct ipc_conn *conn, struct ipc_rec *r, void *arg)
{
	struct fz *z = arg;
	const char *service, *mech, *client, *user, *pw;
	struct ipc_rec *a;
	int verb, tls, ret, ok;

	FUZZ_CHECK(conn == z->conn && !z->closed);
	if ((verb = ipc_conn_verb(conn, r, fz_verbs)) == -1)
		return -1;
	a = ipc_rec_new();
	if (verb < 0) {
		ipc_add_uint(a, "status", AUTH_STAT_TEMP);
	} else if (verb > 0) {
		/* anvil's connect and disconnect */
		if (ipc_get_strn(r, "service", ANVIL_SERVICE_MAX,
		    &service) < 0 || ipc_get_strn(r, "ident",
		    ANVIL_IDENT_MAX, &client) < 0 || ipc_end(r) < 0) {
			ipc_log_rec_error(&conn->ch, r);
			ipc_rec_free(&a);
			return -1;
		}
		if (!anvil_valid_service(service) ||
		    !anvil_valid_ident(client)) {
			ipc_rec_free(&a);
			return -1;
		}
		ipc_add_uint(a, "status", 0);
	} else if (ipc_get_strn(r, "service", AUTH_SERVICE_MAX,
	    &service) < 0 || ipc_get_strn(r, "mech", AUTH_MECH_MAX,
	    &mech) < 0 || ipc_get_strn(r, "client", AUTH_CLIENT_MAX,
	    &client) < 0 || ipc_get_bool(r, "tls", &tls) < 0 ||
	    ipc_get_strn(r, "user", AUTH_USER_MAX, &user) < 0 ||
	    ipc_get_strn(r, "password", AUTH_PASS_MAX, &pw) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(&conn->ch, r);
		ipc_rec_free(&a);
		return -1;
	} else {
		ok = auth_valid_service(service) && auth_valid_mech(mech) &&
		    auth_valid_client(client) && user[0] != '\0';
		if (!ok) {
			ipc_rec_free(&a);
			return -1;
		}
		ipc_add_uint(a, "status", AUTH_STAT_FAIL);
		if (z->hold && z->held == NULL) {
			/* auth's failure delay: answer from a timer */
			z->held = a;
			ipc_conn_hold(conn);
			z->timer = event_add_timer(z->loop, 0, fz_release, z);
			return 0;
		}
	}
	z->answers++;
	ret = ipc_conn_reply(conn, a);
	ipc_rec_free(&a);
	return ret;
}

static void
fz_close(struct ipc_conn *conn, void *arg)
{
	struct fz *z = arg;

	FUZZ_CHECK(!z->closed);
	z->closed = 1;
	if (z->timer != NULL)
		event_del_timer(z->loop, z->timer);
	z->timer = NULL;
	ipc_rec_free(&z->held);
	close(conn->fd);
}

/* The peer takes what the service writes. */
static void
fz_peer_read(int fd, int events, void *arg)
{
	struct fz *z = arg;
	char buf[4096];
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		vbuf_append(z->back, buf, (size_t)n);
	if (n == 0)
		event_del_fd(z->loop, fd);
}

/* Everything the service sent: the announcement, then records. */
static void
check_replies(const struct fz *z, const struct ipc_proto *proto)
{
	struct ipc_chan ch;
	struct ipc_rec *r;
	size_t off = 0, used;
	unsigned minor, n = 0;

	ipc_chan_init(&ch, -1, "service");
	ch.max = IPC_MAX_LIMIT;
	while (off < vbuf_len(z->back)) {
		FUZZ_CHECK(ipc_parse(&ch, vbuf_str(z->back) + off,
		    vbuf_len(z->back) - off, &r, &used) == 1);
		if (n++ == 0)
			FUZZ_CHECK(ipc_hello_check(r, proto->name, proto->major,
			    &minor) == 0);
		ipc_rec_free(&r);
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ipc_proto *proto;
	struct ipc_conn_params p;
	struct fz z;
	int sv[2], before, rounds;
	size_t off = 0, chunk;
	uint32_t seed;
	ssize_t n;

	fuzz_quiet_log();
	if (size < 1 || size > 65536)
		return 0;
	before = fuzz_count_fds();
	memset(&z, 0, sizeof(z));
	proto = data[0] & 1 ? &auth_proto : &anvil_proto;
	z.hold = (data[0] & 2) != 0;
	seed = data[0] >> 2;
	z.loop = event_loop_new();
	z.back = vbuf_new(256, VBUF_NOLIMIT);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) < 0)
		abort();
	z.peer = sv[1];
	memset(&p, 0, sizeof(p));
	p.loop = z.loop;
	p.out_max = 4096;
	p.flags = proto == &auth_proto ? IPC_CONN_SECRET : 0;
	p.request = fz_request;
	p.close = fz_close;
	p.arg = &z;
	z.conn = ipc_conn_serve(sv[0], proto, &p);
	FUZZ_CHECK(event_add_fd(z.loop, sv[1], EVENT_READ, fz_peer_read,
	    &z) == 0);

	data++;
	size--;
	for (rounds = 0; !z.closed && rounds < 10000; rounds++) {
		if (off < size) {
			chunk = 1 + fuzz_rand(&seed) % 512;
			if (chunk > size - off)
				chunk = size - off;
			n = write(sv[1], data + off, chunk);
			if (n > 0)
				off += (size_t)n;
			else
				FUZZ_CHECK(errno == EAGAIN);
			if (off == size)
				shutdown(sv[1], SHUT_WR);
		} else if (size == 0 && rounds == 0)
			shutdown(sv[1], SHUT_WR);
		if (event_run_once(z.loop, off < size ? 0 : 1000) < 0)
			FUZZ_CHECK(errno == EINTR);
	}
	/* the peer wrote all and closed: the connection must be over */
	FUZZ_CHECK(z.closed);
	fz_peer_read(sv[1], 0, &z);
	check_replies(&z, proto);
	event_del_fd(z.loop, sv[1]);
	close(sv[1]);
	event_loop_free(&z.loop);
	vbuf_free(&z.back);
	FUZZ_CHECK(fuzz_count_fds() == before);
	return 0;
}

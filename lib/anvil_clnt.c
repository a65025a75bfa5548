/*
 * NAME
 *	anvil_clnt - the client half of the connection counter service;
 *	see anvil_clnt.h.
 *
 * DESCRIPTION
 *	One blocking connection, opened on first use and kept for the
 *	process's life (an smtpd process serves up to max_use sessions).
 *	A request that finds the connection dead (the master restarted
 *	anvil, or it exited) is retried once on a new connection; every
 *	other failure closes the connection, so the next request starts
 *	clean.
 *
 *	A disconnect is never retried on a new connection: a new server
 *	does not know the session, and the old one ended it when our
 *	connection closed.
 *
 * SECURITY
 *	The server's replies are parsed strictly (ipc getters with ranges,
 *	ipc_end); anything unexpected closes the connection and reads as
 *	"service unavailable", which the caller treats as "no limit".
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anvil_clnt.h"
#include "ipc.h"
#include "sock.h"
#include "xmalloc.h"

struct anvil_clnt {
	char		*path;
	int		 timeout_ms;
	int		 fd;
	struct ipc_chan	 ch;
	char		 err[IPC_ERR_MAX + 64];
};

struct anvil_clnt *
anvil_clnt_new(const char *path, int timeout_ms)
{
	struct anvil_clnt *ac = xcalloc(1, sizeof(*ac));

	ac->path = xstrdup(path != NULL ? path : ANVIL_SOCKET);
	ac->timeout_ms = timeout_ms > 0 ? timeout_ms : ANVIL_TIMEOUT_DEFAULT;
	ac->fd = -1;
	return ac;
}

static void
anvil_clnt_close(struct anvil_clnt *ac)
{
	if (ac->fd >= 0)
		close(ac->fd);
	ac->fd = -1;
}

void
anvil_clnt_free(struct anvil_clnt **acp)
{
	if (*acp == NULL)
		return;
	anvil_clnt_close(*acp);
	free((*acp)->path);
	free(*acp);
	*acp = NULL;
}

const char *
anvil_clnt_error(const struct anvil_clnt *ac)
{
	return ac->err;
}

static int
anvil_valid(const char *s, const char *extra, size_t max)
{
	size_t len = strlen(s);
	const char *p;

	if (len == 0 || len > max)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(extra, *p) != NULL))
			return 0;
	return 1;
}

int
anvil_valid_service(const char *s)
{
	return anvil_valid(s, "._-:[]", ANVIL_SERVICE_MAX);
}

int
anvil_valid_ident(const char *s)
{
	/* IPv4, IPv6 (with a zone or an embedded IPv4), or a name */
	return anvil_valid(s, ".:%_-[]", ANVIL_IDENT_MAX);
}

/* Connect and check the announcement; 0 or -1 with ac->err. */
static int
anvil_clnt_open(struct anvil_clnt *ac)
{
	int secs = (ac->timeout_ms + 999) / 1000;

	if ((ac->fd = sock_connect_unix(ac->path, secs)) < 0) {
		snprintf(ac->err, sizeof(ac->err), "connect to %s: %s",
		    ac->path, strerror(errno));
		return -1;
	}
	ipc_chan_init(&ac->ch, ac->fd, "anvil");
	ac->ch.max = ANVIL_REC_MAX;
	ac->ch.timeout_ms = ac->timeout_ms;
	if (ipc_hello_recv(&ac->ch, ANVIL_PROTO, ANVIL_PROTO_MAJOR,
	    NULL) < 0) {
		snprintf(ac->err, sizeof(ac->err), "%s: %s", ac->path,
		    ac->ch.err);
		anvil_clnt_close(ac);
		return -1;
	}
	return 0;
}

/*
 * Send one request and receive its reply. A connection found dead
 * before anything was answered is reopened once when retry is set.
 * 0 with *reply_r (the caller frees it), or -1 with ac->err.
 */
static int
anvil_clnt_call(struct anvil_clnt *ac, const struct ipc_rec *req, int retry,
    struct ipc_rec **reply_r)
{
	int fresh, r;

	for (;;) {
		fresh = ac->fd < 0;
		if (fresh && anvil_clnt_open(ac) < 0)
			return -1;
		if ((r = ipc_send(&ac->ch, req)) == 0)
			r = ipc_recv(&ac->ch, reply_r);
		if (r == 1 || r == 0) {
			if (r == 1)
				return 0;
			snprintf(ac->ch.err, sizeof(ac->ch.err),
			    "connection closed by the server");
		}
		snprintf(ac->err, sizeof(ac->err), "%s: %s", ac->path,
		    ac->ch.err);
		anvil_clnt_close(ac);
		/* an old connection may simply have outlived its server */
		if (fresh || !retry || ac->ch.err_proto)
			return -1;
		retry = 0;
	}
}

static struct ipc_rec *
anvil_clnt_request(const char *verb, const char *service, const char *ident)
{
	struct ipc_rec *req = ipc_rec_new();

	ipc_add_str(req, "req", verb);
	ipc_add_str(req, "service", service);
	ipc_add_str(req, "ident", ident);
	return req;
}

static int
anvil_clnt_check_args(struct anvil_clnt *ac, const char *service,
    const char *ident)
{
	if (!anvil_valid_service(service)) {
		snprintf(ac->err, sizeof(ac->err), "bad service name");
		return -1;
	}
	if (!anvil_valid_ident(ident)) {
		snprintf(ac->err, sizeof(ac->err), "bad client address");
		return -1;
	}
	return 0;
}

int
anvil_clnt_connect(struct anvil_clnt *ac, const char *service,
    const char *ident, struct anvil_reply *reply_r)
{
	struct ipc_rec *req, *rep = NULL;
	uint64_t status, count, rate;
	int r;

	memset(reply_r, 0, sizeof(*reply_r));
	if (anvil_clnt_check_args(ac, service, ident) < 0)
		return -1;
	req = anvil_clnt_request(ANVIL_REQ_CONNECT, service, ident);
	r = anvil_clnt_call(ac, req, 1, &rep);
	ipc_rec_free(&req);
	if (r < 0)
		return -1;
	if (ipc_get_uint(rep, "status", 0, ANVIL_STAT_FULL, &status) < 0 ||
	    ipc_get_uint(rep, "count", 0, ANVIL_COUNT_MAX, &count) < 0 ||
	    ipc_get_uint(rep, "rate", 0, ANVIL_COUNT_MAX, &rate) < 0 ||
	    ipc_end(rep) < 0) {
		snprintf(ac->err, sizeof(ac->err), "%s: protocol error: %s",
		    ac->path, ipc_rec_error(rep));
		ipc_rec_free(&rep);
		anvil_clnt_close(ac);
		return -1;
	}
	ipc_rec_free(&rep);
	switch (status) {
	case ANVIL_STAT_OK:
		reply_r->count = (unsigned long)count;
		reply_r->rate = (unsigned long)rate;
		return 0;
	case ANVIL_STAT_FULL:
		snprintf(ac->err, sizeof(ac->err), "%s: table full "
		    "(anvil_client_limit)", ac->path);
		return 1;
	default:
		snprintf(ac->err, sizeof(ac->err), "%s: request refused",
		    ac->path);
		return -1;
	}
}

int
anvil_clnt_disconnect(struct anvil_clnt *ac, const char *service,
    const char *ident)
{
	struct ipc_rec *req, *rep = NULL;
	uint64_t status;
	int r;

	if (anvil_clnt_check_args(ac, service, ident) < 0)
		return -1;
	if (ac->fd < 0) {
		/* the server that counted us is gone, and so is the count */
		snprintf(ac->err, sizeof(ac->err), "%s: not connected",
		    ac->path);
		return -1;
	}
	req = anvil_clnt_request(ANVIL_REQ_DISCONNECT, service, ident);
	r = anvil_clnt_call(ac, req, 0, &rep);
	ipc_rec_free(&req);
	if (r < 0)
		return -1;
	if (ipc_get_uint(rep, "status", 0, ANVIL_STAT_FULL, &status) < 0 ||
	    ipc_end(rep) < 0) {
		snprintf(ac->err, sizeof(ac->err), "%s: protocol error: %s",
		    ac->path, ipc_rec_error(rep));
		ipc_rec_free(&rep);
		anvil_clnt_close(ac);
		return -1;
	}
	ipc_rec_free(&rep);
	if (status != ANVIL_STAT_OK) {
		snprintf(ac->err, sizeof(ac->err), "%s: request refused",
		    ac->path);
		return -1;
	}
	return 0;
}

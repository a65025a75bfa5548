/*
 * NAME
 *	anvil_clnt - the client half of the connection counter service;
 *	see anvil_clnt.h.
 *
 * DESCRIPTION
 *	One blocking connection (lib/ipc_clnt), opened on first use and
 *	kept for the process's life (an smtpd process serves up to max_use
 *	sessions). A connect request that finds the connection dead (the
 *	master restarted anvil, or it exited) is sent again once on a new
 *	connection; every other failure closes the connection, so the next
 *	request starts clean.
 *
 *	A disconnect is never sent on a new connection: a new server does
 *	not know the session, and the old one ended it when our connection
 *	closed.
 *
 * SECURITY
 *	The server's replies are parsed strictly (ipc getters with ranges,
 *	ipc_end); anything unexpected closes the connection and reads as
 *	"service unavailable", which the caller treats as "no limit".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "anvil_clnt.h"
#include "err.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "xmalloc.h"

const struct ipc_proto anvil_proto = {
	.name = "anvil",
	.major = 1,
	.minor = 0,
	.socket = "private/anvil",
	.client = "anvil client",
	.rec_max = ANVIL_REC_MAX,
	.timeout_ms = ANVIL_TIMEOUT_DEFAULT,
};

struct anvil_clnt {
	struct ipc_clnt	*ipc;
};

struct anvil_clnt *
anvil_clnt_new(const char *path, int timeout_ms)
{
	struct anvil_clnt *ac = xcalloc(1, sizeof(*ac));

	ac->ipc = ipc_clnt_new(&anvil_proto, path, timeout_ms, NULL);
	return ac;
}

void
anvil_clnt_free(struct anvil_clnt **acp)
{
	if (*acp == NULL)
		return;
	ipc_clnt_free(&(*acp)->ipc);
	free(*acp);
	*acp = NULL;
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

/*
 * Ask verb about (service, ident); 0 with *status_r and the reply
 * positioned after its status (the caller reads the rest and frees
 * it), or -1 with *err_r.
 */
static int
anvil_clnt_ask(struct anvil_clnt *ac, const char *verb, const char *service,
    const char *ident, int flags, uint64_t *status_r, struct ipc_rec **rep_r,
    char **err_r)
{
	struct ipc_rec *req;
	int r;

	if (!anvil_valid_service(service))
		return err_set(err_r, "bad service name");
	if (!anvil_valid_ident(ident))
		return err_set(err_r, "bad client address");
	req = ipc_rec_new();
	ipc_add_str(req, "req", verb);
	ipc_add_str(req, "service", service);
	ipc_add_str(req, "ident", ident);
	r = ipc_clnt_call(ac->ipc, req, flags, rep_r, err_r);
	ipc_rec_free(&req);
	if (r < 0)
		return -1;
	if (ipc_get_uint(*rep_r, "status", 0, ANVIL_STAT_FULL,
	    status_r) < 0) {
		ipc_clnt_bad_reply(ac->ipc, *rep_r, NULL, err_r);
		ipc_rec_free(rep_r);
		return -1;
	}
	return 0;
}

int
anvil_clnt_connect(struct anvil_clnt *ac, const char *service,
    const char *ident, struct anvil_reply *reply_r, char **err_r)
{
	struct ipc_rec *rep;
	uint64_t status, count, rate;

	memset(reply_r, 0, sizeof(*reply_r));
	if (anvil_clnt_ask(ac, ANVIL_REQ_CONNECT, service, ident,
	    IPC_CLNT_RETRY, &status, &rep, err_r) < 0)
		return -1;
	if (ipc_get_uint(rep, "count", 0, ANVIL_COUNT_MAX, &count) < 0 ||
	    ipc_get_uint(rep, "rate", 0, ANVIL_COUNT_MAX, &rate) < 0 ||
	    ipc_end(rep) < 0) {
		ipc_clnt_bad_reply(ac->ipc, rep, NULL, err_r);
		ipc_rec_free(&rep);
		return -1;
	}
	ipc_rec_free(&rep);
	switch (status) {
	case ANVIL_STAT_OK:
		reply_r->count = (unsigned long)count;
		reply_r->rate = (unsigned long)rate;
		return 0;
	case ANVIL_STAT_FULL:
		err_set(err_r, "%s: table full (anvil_client_limit)",
		    ipc_clnt_path(ac->ipc));
		return 1;
	default:
		return err_set(err_r, "%s: request refused",
		    ipc_clnt_path(ac->ipc));
	}
}

int
anvil_clnt_disconnect(struct anvil_clnt *ac, const char *service,
    const char *ident, char **err_r)
{
	struct ipc_rec *rep;
	uint64_t status;

	if (!ipc_clnt_is_open(ac->ipc))
		/* the server that counted us is gone, and so is the count */
		return err_set(err_r, "%s: not connected",
		    ipc_clnt_path(ac->ipc));
	if (anvil_clnt_ask(ac, ANVIL_REQ_DISCONNECT, service, ident, 0,
	    &status, &rep, err_r) < 0)
		return -1;
	if (ipc_end(rep) < 0) {
		ipc_clnt_bad_reply(ac->ipc, rep, NULL, err_r);
		ipc_rec_free(&rep);
		return -1;
	}
	ipc_rec_free(&rep);
	if (status != ANVIL_STAT_OK)
		return err_set(err_r, "%s: request refused",
		    ipc_clnt_path(ac->ipc));
	return 0;
}

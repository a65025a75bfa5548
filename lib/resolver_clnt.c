/*
 * NAME
 *	resolver_clnt - the client half of the DNS service; see
 *	resolver_clnt.h and resolver_proto.h.
 *
 * DESCRIPTION
 *	One blocking call per lookup on a kept connection (lib/ipc_clnt):
 *	a connection found dead at the next call is made again once,
 *	since asking twice does no harm.
 *
 * SECURITY
 *	Fail closed: an answer that does not parse completely is an error
 *	(-1), never a partial list of hosts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "printable.h"
#include "resolver_clnt.h"
#include "sock.h"
#include "xmalloc.h"

const struct ipc_proto resolver_proto = {
	.name = RESOLVER_PROTO,
	.major = RESOLVER_PROTO_MAJOR,
	.minor = RESOLVER_PROTO_MINOR,
	.socket = RESOLVER_SOCKET,
	.client = "resolver client",
	.rec_max = RESOLVER_REC_MAX,
	.timeout_ms = RESOLVER_TIMEOUT_DEFAULT,
};

struct resolver_clnt {
	struct ipc_clnt	*ipc;
};

int
resolver_name_ok(const char *s)
{
	size_t len = 0, label = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++, len++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && len <= RESOLVER_NAME_MAX;
}

struct resolver_clnt *
resolver_clnt_new(const char *path, int timeout_ms)
{
	struct resolver_clnt *rc = xcalloc(1, sizeof(*rc));

	rc->ipc = ipc_clnt_new(&resolver_proto, path, timeout_ms, NULL);
	return rc;
}

void
resolver_clnt_free(struct resolver_clnt **rcp)
{
	if (*rcp == NULL)
		return;
	ipc_clnt_free(&(*rcp)->ipc);
	free(*rcp);
	*rcp = NULL;
}

/* One host group; 0, or -1 with the reason in the record or *why_r. */
static int
resolver_clnt_host(struct ipc_rec *r, struct resolver_host *h,
    const char **why_r)
{
	const char *name, *addr;
	uint64_t pref, n;
	size_t i;

	if (ipc_get_strn(r, "host", RESOLVER_NAME_MAX, &name) < 0 ||
	    ipc_get_uint(r, "pref", 0, 65535, &pref) < 0 ||
	    ipc_get_bool(r, "secure", &h->secure) < 0 ||
	    ipc_get_uint(r, "naddr", 1, RESOLVER_ADDR_MAX, &n) < 0)
		return -1;
	if (!resolver_name_ok(name)) {
		*why_r = "bad host name in the answer";
		return -1;
	}
	strlcpy(h->name, name, sizeof(h->name));
	h->pref = (unsigned)pref;
	h->naddr = (size_t)n;
	for (i = 0; i < h->naddr; i++) {
		if (ipc_get_strn(r, "addr", RESOLVER_ADDR_TEXT_MAX - 1,
		    &addr) < 0)
			return -1;
		if (!sock_addr_numeric(addr)) {
			*why_r = "bad address in the answer";
			return -1;
		}
		strlcpy(h->addr[i], addr, sizeof(h->addr[i]));
	}
	return 0;
}

/* The answer: 0, or -1 with *why_r (NULL: the record's getter error). */
static int
resolver_clnt_answer(struct ipc_rec *r, struct resolver_answer *a,
    const char **why_r)
{
	const char *dsn, *text, *ascii;
	uint64_t status, n;
	size_t i;

	*why_r = NULL;
	if (ipc_get_uint(r, "status", RESOLVER_STAT_OK, RESOLVER_STAT_TEMP,
	    &status) < 0 ||
	    ipc_get_strn(r, "dsn", DSN_STATUS_SIZE - 1, &dsn) < 0 ||
	    ipc_get_strn(r, "text", RESOLVER_TEXT_MAX, &text) < 0 ||
	    ipc_get_strn(r, "ascii", RESOLVER_NAME_MAX, &ascii) < 0 ||
	    ipc_get_bool(r, "secure", &a->secure) < 0 ||
	    ipc_get_uint(r, "count", 0, RESOLVER_HOST_MAX, &n) < 0)
		return -1;
	a->status = (int)status;
	a->nhost = (size_t)n;
	for (i = 0; i < a->nhost; i++)
		if (resolver_clnt_host(r, &a->host[i], why_r) < 0)
			return -1;
	if (ipc_end(r) < 0)
		return -1;
	if (!dsn_status_valid(dsn) || (a->status == RESOLVER_STAT_OK) !=
	    (dsn[0] == '2') || (a->status == RESOLVER_STAT_TEMP) !=
	    (dsn[0] == '4') || (a->status == RESOLVER_STAT_OK) !=
	    (a->nhost > 0)) {
		*why_r = "status, code and hosts do not agree";
		return -1;
	}
	if (*ascii != '\0' && !resolver_name_ok(ascii)) {
		*why_r = "bad domain name in the answer";
		return -1;
	}
	strlcpy(a->dsn, dsn, sizeof(a->dsn));
	printable_copy(a->text, sizeof(a->text), text, strlen(text), 0);
	strlcpy(a->ascii, ascii, sizeof(a->ascii));
	return 0;
}

int
resolver_clnt_lookup(struct resolver_clnt *rc, const char *domain, int mx,
    struct resolver_answer *a, char **err_r)
{
	struct ipc_rec *req, *rep = NULL;
	const char *why;
	int r;

	memset(a, 0, sizeof(*a));
	if (*domain == '\0' || strlen(domain) > RESOLVER_UNAME_MAX)
		return err_set(err_r, "domain name empty or too long");
	req = ipc_rec_new();
	ipc_add_str(req, "req", RESOLVER_REQ_LOOKUP);
	ipc_add_str(req, "domain", domain);
	ipc_add_bool(req, "mx", mx);
	/* asking twice is harmless: retry on a connection found dead */
	r = ipc_clnt_call(rc->ipc, req, IPC_CLNT_RETRY, &rep, err_r);
	ipc_rec_free(&req);
	if (r < 0)
		return -1;
	if (resolver_clnt_answer(rep, a, &why) < 0) {
		ipc_clnt_bad_reply(rc->ipc, rep, why, err_r);
		ipc_rec_free(&rep);
		memset(a, 0, sizeof(*a));
		return -1;
	}
	ipc_rec_free(&rep);
	return 0;
}

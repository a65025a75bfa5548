/*
 * NAME
 *	resolver_clnt - the client half of the DNS service; see
 *	resolver_clnt.h and resolver_proto.h.
 *
 * DESCRIPTION
 *	One blocking exchange per call on a kept connection: send the
 *	request, read the answer, all within one deadline. A kept
 *	connection that fails before any answer byte arrived is made again
 *	once (the service may have been restarted since the last call).
 *
 * SECURITY
 *	Fail closed: an answer that does not parse completely is an error
 *	(-1), never a partial list of hosts.
 */
#include "config.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monotime.h"
#include "ipc.h"
#include "resolver_clnt.h"
#include "sock.h"
#include "xmalloc.h"

#define RESOLVER_CLNT_TIMEOUT_DEFAULT	60000	/* ms */

struct resolver_clnt {
	char		*path;
	int		 timeout_ms;
	int		 fd;
	struct ipc_chan	 ch;
	char		 err[IPC_ERR_MAX + 128];
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

/* What is left of the deadline, at least 1 ms (0 would mean "none"). */
static int
resolver_clnt_left(long long deadline)
{
	long long left = deadline - monotime_ms();

	return left < 1 ? 1 : left > INT32_MAX ? INT32_MAX : (int)left;
}

struct resolver_clnt *
resolver_clnt_new(const char *path, int timeout_ms)
{
	struct resolver_clnt *rc = xcalloc(1, sizeof(*rc));

	rc->path = xstrdup(path != NULL ? path : RESOLVER_SOCKET);
	rc->timeout_ms = timeout_ms > 0 ? timeout_ms :
	    RESOLVER_CLNT_TIMEOUT_DEFAULT;
	rc->fd = -1;
	return rc;
}

static void
resolver_clnt_close(struct resolver_clnt *rc)
{
	if (rc->fd >= 0)
		close(rc->fd);
	rc->fd = -1;
}

void
resolver_clnt_free(struct resolver_clnt **rcp)
{
	if (*rcp == NULL)
		return;
	resolver_clnt_close(*rcp);
	free((*rcp)->path);
	free(*rcp);
	*rcp = NULL;
}

const char *
resolver_clnt_error(const struct resolver_clnt *rc)
{
	return rc->err;
}

/* Connect and check the announcement; 0 or -1 with rc->err. */
static int
resolver_clnt_connect(struct resolver_clnt *rc, long long deadline)
{
	int secs = (resolver_clnt_left(deadline) + 999) / 1000;

	if ((rc->fd = sock_connect_unix(rc->path, secs)) < 0) {
		snprintf(rc->err, sizeof(rc->err), "connect to %s: %s",
		    rc->path, strerror(errno));
		return -1;
	}
	ipc_chan_init(&rc->ch, rc->fd, "resolver service");
	rc->ch.max = RESOLVER_REC_MAX;
	rc->ch.timeout_ms = resolver_clnt_left(deadline);
	if (ipc_hello_recv(&rc->ch, RESOLVER_PROTO, RESOLVER_PROTO_MAJOR,
	    NULL) < 0) {
		snprintf(rc->err, sizeof(rc->err), "%s: %s", rc->path,
		    rc->ch.err);
		resolver_clnt_close(rc);
		return -1;
	}
	return 0;
}

/* An address as the protocol allows it: numeric IPv4 or IPv6. */
static int
resolver_addr_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
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
		if (!resolver_addr_ok(addr)) {
			*why_r = "bad address in the answer";
			return -1;
		}
		strlcpy(h->addr[i], addr, sizeof(h->addr[i]));
	}
	return 0;
}

/* The answer: 0, or -1 with rc->err. */
static int
resolver_clnt_answer(struct resolver_clnt *rc, struct ipc_rec *r,
    struct resolver_answer *a)
{
	const char *dsn, *text, *ascii, *why = NULL;
	uint64_t status, n;
	size_t i;

	if (ipc_get_uint(r, "status", RESOLVER_STAT_OK, RESOLVER_STAT_TEMP,
	    &status) < 0 ||
	    ipc_get_strn(r, "dsn", DSN_STATUS_SIZE - 1, &dsn) < 0 ||
	    ipc_get_strn(r, "text", RESOLVER_TEXT_MAX, &text) < 0 ||
	    ipc_get_strn(r, "ascii", RESOLVER_NAME_MAX, &ascii) < 0 ||
	    ipc_get_bool(r, "secure", &a->secure) < 0 ||
	    ipc_get_uint(r, "count", 0, RESOLVER_HOST_MAX, &n) < 0)
		goto bad;
	a->status = (int)status;
	a->nhost = (size_t)n;
	for (i = 0; i < a->nhost; i++)
		if (resolver_clnt_host(r, &a->host[i], &why) < 0)
			goto bad;
	if (ipc_end(r) < 0)
		goto bad;
	if (!dsn_status_valid(dsn) || (a->status == RESOLVER_STAT_OK) !=
	    (dsn[0] == '2') || (a->status == RESOLVER_STAT_TEMP) !=
	    (dsn[0] == '4') || (a->status == RESOLVER_STAT_OK) !=
	    (a->nhost > 0)) {
		why = "status, code and hosts do not agree";
		goto bad;
	}
	if (*ascii != '\0' && !resolver_name_ok(ascii)) {
		why = "bad domain name in the answer";
		goto bad;
	}
	strlcpy(a->dsn, dsn, sizeof(a->dsn));
	strlcpy(a->text, text, sizeof(a->text));
	for (i = 0; a->text[i] != '\0'; i++)
		if ((unsigned char)a->text[i] < 0x20 || a->text[i] == 0x7f)
			a->text[i] = '?';
	strlcpy(a->ascii, ascii, sizeof(a->ascii));
	return 0;
bad:
	snprintf(rc->err, sizeof(rc->err), "%s: protocol error: %s",
	    rc->path, why != NULL ? why : ipc_rec_error(r));
	return -1;
}

/*
 * Send the request and read the answer record: 1, 0 (closed), -1;
 * *gone_r is 1 when the peer was gone (end of file, reset, broken pipe).
 */
static int
resolver_clnt_ask(struct resolver_clnt *rc, const char *domain, int mx,
    long long deadline, struct ipc_rec **rep, int *gone_r)
{
	struct ipc_rec *req = ipc_rec_new();
	int r;

	*gone_r = 0;
	ipc_add_str(req, "req", RESOLVER_REQ_LOOKUP);
	ipc_add_str(req, "domain", domain);
	ipc_add_bool(req, "mx", mx);
	rc->ch.timeout_ms = resolver_clnt_left(deadline);
	r = ipc_send(&rc->ch, req);
	ipc_rec_free(&req);
	if (r == 0) {
		rc->ch.timeout_ms = resolver_clnt_left(deadline);
		r = ipc_recv(&rc->ch, rep);
	}
	*gone_r = r == 0 || (r < 0 && !rc->ch.err_proto &&
	    (errno == EPIPE || errno == ECONNRESET));
	return r;
}

int
resolver_clnt_lookup(struct resolver_clnt *rc, const char *domain, int mx,
    struct resolver_answer *a)
{
	long long deadline = monotime_ms() + rc->timeout_ms;
	struct ipc_rec *rep = NULL;
	int r, kept, gone;

	memset(a, 0, sizeof(*a));
	rc->err[0] = '\0';
	if (*domain == '\0' || strlen(domain) > RESOLVER_UNAME_MAX) {
		snprintf(rc->err, sizeof(rc->err), "domain name empty or too "
		    "long");
		return -1;
	}
	kept = rc->fd >= 0;
	if (!kept && resolver_clnt_connect(rc, deadline) < 0)
		return -1;
	r = resolver_clnt_ask(rc, domain, mx, deadline, &rep, &gone);
	if (r <= 0 && kept && gone) {
		/* the service went away since the last call: once more */
		resolver_clnt_close(rc);
		if (resolver_clnt_connect(rc, deadline) < 0)
			return -1;
		r = resolver_clnt_ask(rc, domain, mx, deadline, &rep, &gone);
	}
	if (r <= 0) {
		snprintf(rc->err, sizeof(rc->err), "%s: %s", rc->path,
		    r == 0 ? "connection closed by the service before it "
		    "answered" : rc->ch.err);
		resolver_clnt_close(rc);
		return -1;
	}
	r = resolver_clnt_answer(rc, rep, a);
	ipc_rec_free(&rep);
	if (r < 0) {
		resolver_clnt_close(rc);
		memset(a, 0, sizeof(*a));
		return -1;
	}
	return 0;
}

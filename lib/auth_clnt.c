/*
 * NAME
 *	auth_clnt - the client half of the authentication service; see
 *	auth_clnt.h and auth_proto.h.
 *
 * DESCRIPTION
 *	One blocking exchange per call: connect (unless a kept connection
 *	is open), read the announcement, send the request, read the
 *	answer, disconnect (unless kept). The whole call shares one
 *	deadline; each step gets what is left of it.
 *
 * SECURITY
 *	Fail closed: every path that does not end in a well-formed answer
 *	from the service is AUTH_STAT_TEMP. The request record holds the
 *	password; it is wiped before it is freed. The answer is checked
 *	attribute by attribute (lib/ipc strict getters, ipc_end).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth_clnt.h"
#include "ipc.h"
#include "maildir.h"
#include "sock.h"
#include "xmalloc.h"

#define AUTH_CLNT_TIMEOUT_DEFAULT	30000	/* ms */

struct auth_clnt {
	char		*path;
	int		 timeout_ms;
	int		 keep;		/* auth_clnt_open: keep it open */
	int		 fd;
	struct ipc_chan	 ch;
	char		 err[IPC_ERR_MAX + 128];
};

static long long
auth_clnt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left of the deadline, at least 1 ms (0 would mean "none"). */
static int
auth_clnt_left(long long deadline)
{
	long long left = deadline - auth_clnt_now();

	return left < 1 ? 1 : (int)left;
}

static int
auth_valid(const char *s, const char *extra, int lower, int upper,
    size_t max)
{
	size_t len = strlen(s);
	const char *p;

	if (len == 0 || len > max)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((lower && *p >= 'a' && *p <= 'z') ||
		    (upper && *p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(extra, *p) != NULL))
			return 0;
	return 1;
}

int
auth_valid_service(const char *s)
{
	return auth_valid(s, "_-", 1, 0, AUTH_SERVICE_MAX);
}

int
auth_valid_mech(const char *s)
{
	return auth_valid(s, "_-", 0, 1, AUTH_MECH_MAX);
}

int
auth_valid_client(const char *s)
{
	/* "" (no address), or an IPv4 or IPv6 address, maybe with a zone */
	return *s == '\0' || auth_valid(s, ".:%_-[]", 1, 1, AUTH_CLIENT_MAX);
}

struct auth_clnt *
auth_clnt_new(const char *path, int timeout_ms)
{
	struct auth_clnt *ac = xcalloc(1, sizeof(*ac));

	ac->path = xstrdup(path != NULL ? path : AUTH_SOCKET);
	ac->timeout_ms = timeout_ms > 0 ? timeout_ms :
	    AUTH_CLNT_TIMEOUT_DEFAULT;
	ac->fd = -1;
	return ac;
}

static void
auth_clnt_close(struct auth_clnt *ac)
{
	if (ac->fd >= 0)
		close(ac->fd);
	ac->fd = -1;
}

void
auth_clnt_free(struct auth_clnt **acp)
{
	if (*acp == NULL)
		return;
	auth_clnt_close(*acp);
	free((*acp)->path);
	free(*acp);
	*acp = NULL;
}

const char *
auth_clnt_error(const struct auth_clnt *ac)
{
	return ac->err;
}

/* Connect and check the announcement; 0 or -1 with ac->err. */
static int
auth_clnt_connect(struct auth_clnt *ac, long long deadline)
{
	int secs = (auth_clnt_left(deadline) + 999) / 1000;

	if ((ac->fd = sock_connect_unix(ac->path, secs)) < 0) {
		snprintf(ac->err, sizeof(ac->err), "connect to %s: %s",
		    ac->path, strerror(errno));
		return -1;
	}
	ipc_chan_init(&ac->ch, ac->fd, "auth service");
	ac->ch.max = AUTH_REC_MAX;
	ac->ch.timeout_ms = auth_clnt_left(deadline);
	if (ipc_hello_recv(&ac->ch, AUTH_PROTO, AUTH_PROTO_MAJOR,
	    NULL) < 0) {
		snprintf(ac->err, sizeof(ac->err), "%s: %s", ac->path,
		    ac->ch.err);
		auth_clnt_close(ac);
		return -1;
	}
	return 0;
}

int
auth_clnt_open(struct auth_clnt *ac)
{
	ac->keep = 1;
	if (ac->fd >= 0)
		return 0;
	return auth_clnt_connect(ac, auth_clnt_now() + ac->timeout_ms);
}

/* Wipe a built record's bytes (it holds a password) and free it. */
static void
auth_clnt_rec_wipe(struct ipc_rec **rp)
{
	const void *frame;
	size_t len;

	if (*rp == NULL)
		return;
	if ((frame = ipc_rec_frame(*rp, &len)) != NULL)
		/* UNSAFE: our own record's buffer, written through once */
		explicit_bzero((void *)(uintptr_t)frame, len);
	ipc_rec_free(rp);
}

static int
auth_clnt_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* The answer: AUTH_STAT_*, or -1 with ac->err. */
static int
auth_clnt_answer(struct auth_clnt *ac, struct ipc_rec *r,
    struct auth_user *user_r)
{
	const char *user, *maildir;
	uint64_t status, quota;

	if (ipc_get_uint(r, "status", 0, AUTH_STAT_THROTTLED, &status) < 0)
		goto bad;
	if (status != AUTH_STAT_OK) {
		if (ipc_end(r) < 0)
			goto bad;
		return (int)status;
	}
	if (ipc_get_strn(r, "user", AUTH_USER_MAX, &user) < 0 ||
	    ipc_get_strn(r, "maildir", AUTH_MAILDIR_MAX, &maildir) < 0 ||
	    ipc_get_uint(r, "quota", 0, AUTH_QUOTA_MAX, &quota) < 0 ||
	    ipc_end(r) < 0)
		goto bad;
	if (*user == '\0' || !auth_clnt_printable(user) ||
	    !maildir_path_ok(maildir)) {
		snprintf(ac->err, sizeof(ac->err), "%s: protocol error: bad "
		    "user or maildir in the answer", ac->path);
		return -1;
	}
	strlcpy(user_r->user, user, sizeof(user_r->user));
	strlcpy(user_r->maildir, maildir, sizeof(user_r->maildir));
	user_r->quota = quota;
	return AUTH_STAT_OK;
bad:
	snprintf(ac->err, sizeof(ac->err), "%s: protocol error: %s",
	    ac->path, ipc_rec_error(r));
	return -1;
}

/* Checks the service would make; -1 for ours, AUTH_STAT_FAIL for theirs. */
static int
auth_clnt_check(struct auth_clnt *ac, const struct auth_query *q)
{
	if (!auth_valid_service(q->service) || !auth_valid_mech(q->mech) ||
	    !auth_valid_client(q->client)) {
		snprintf(ac->err, sizeof(ac->err), "bad service, mechanism "
		    "or client address in the query");
		return -1;
	}
	if (*q->user == '\0' || strlen(q->user) > AUTH_USER_MAX ||
	    strlen(q->password) > AUTH_PASS_MAX)
		return AUTH_STAT_FAIL;
	return 0;
}

int
auth_clnt_verify(struct auth_clnt *ac, const struct auth_query *q,
    struct auth_user *user_r)
{
	long long deadline = auth_clnt_now() + ac->timeout_ms;
	struct ipc_rec *req, *rep = NULL;
	int r;

	memset(user_r, 0, sizeof(*user_r));
	ac->err[0] = '\0';
	if ((r = auth_clnt_check(ac, q)) != 0)
		return r < 0 ? AUTH_STAT_TEMP : r;
	if (ac->fd < 0 && auth_clnt_connect(ac, deadline) < 0)
		return AUTH_STAT_TEMP;

	req = ipc_rec_new();
	ipc_add_str(req, "req", AUTH_REQ_VERIFY);
	ipc_add_str(req, "service", q->service);
	ipc_add_str(req, "mech", q->mech);
	ipc_add_str(req, "client", q->client);
	ipc_add_bool(req, "tls", q->tls);
	ipc_add_str(req, "user", q->user);
	ipc_add_str(req, "password", q->password);	/* last: see above */
	ac->ch.timeout_ms = auth_clnt_left(deadline);
	r = ipc_send(&ac->ch, req);
	auth_clnt_rec_wipe(&req);
	if (r == 0) {
		ac->ch.timeout_ms = auth_clnt_left(deadline);
		r = ipc_recv(&ac->ch, &rep);
		if (r == 0)
			snprintf(ac->ch.err, sizeof(ac->ch.err), "connection "
			    "closed by the service before it answered");
		r = r == 1 ? 0 : -1;
	}
	if (r < 0) {
		snprintf(ac->err, sizeof(ac->err), "%s: %s", ac->path,
		    ac->ch.err);
		auth_clnt_close(ac);
		return AUTH_STAT_TEMP;
	}
	r = auth_clnt_answer(ac, rep, user_r);
	ipc_rec_free(&rep);
	if (r < 0 || !ac->keep)
		auth_clnt_close(ac);
	if (r < 0) {
		memset(user_r, 0, sizeof(*user_r));
		return AUTH_STAT_TEMP;
	}
	return r;
}

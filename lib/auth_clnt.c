/*
 * NAME
 *	auth_clnt - the client half of the authentication service; see
 *	auth_clnt.h and auth_proto.h.
 *
 * DESCRIPTION
 *	The connection, its deadline and the error texts are lib/ipc_clnt's;
 *	this file builds the question, checks what the service would
 *	refuse, and reads the answer, the same way for a blocking call and
 *	for one on an event loop.
 *
 * SECURITY
 *	Fail closed: every path that does not end in a well-formed answer
 *	from the service is AUTH_STAT_TEMP. The request record holds the
 *	password; it is wiped before it is freed (and ipc_clnt wipes its
 *	copy once written). The answer is checked attribute by attribute
 *	(lib/ipc strict getters, ipc_end).
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_clnt.h"
#include "err.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "maildir.h"
#include "printable.h"
#include "xmalloc.h"

const struct ipc_proto auth_proto = {
	.name = "auth",
	.major = 1,
	.minor = 1,
	.socket = "private/auth",
	.client = "auth client",
	.rec_max = AUTH_REC_MAX,
	.timeout_ms = 30000,
};

struct auth_clnt_req {
	TAILQ_ENTRY(auth_clnt_req) entry;
	struct auth_clnt *ac;
	struct ipc_clnt_req *ipc;
	auth_clnt_fn	 fn;
	void		*arg;
	int		 token;		/* the question asked for a token */
};

struct auth_clnt {
	struct ipc_clnt	*ipc;
	int		 keep;		/* auth_clnt_open: keep it open */
	TAILQ_HEAD(, auth_clnt_req) pending;	/* verify_start's */
};

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
auth_clnt_new(const char *path, int timeout_ms, struct event_loop *loop)
{
	struct auth_clnt *ac = xcalloc(1, sizeof(*ac));

	ac->ipc = ipc_clnt_new(&auth_proto, path, timeout_ms, loop);
	TAILQ_INIT(&ac->pending);
	return ac;
}

void
auth_clnt_free(struct auth_clnt **acp)
{
	struct auth_clnt_req *h;

	if (*acp == NULL)
		return;
	/* the questions' callbacks do not run: their handles go here */
	ipc_clnt_free(&(*acp)->ipc);
	while ((h = TAILQ_FIRST(&(*acp)->pending)) != NULL) {
		TAILQ_REMOVE(&(*acp)->pending, h, entry);
		free(h);
	}
	free(*acp);
	*acp = NULL;
}

int
auth_clnt_open(struct auth_clnt *ac, char **err_r)
{
	ac->keep = 1;
	return ipc_clnt_open(ac->ipc, err_r);
}

/* A token: AUTH_TOKEN_LEN lower case hex digits. */
static int
auth_clnt_token_ok(const char *t)
{
	return strlen(t) == AUTH_TOKEN_LEN &&
	    strspn(t, "0123456789abcdef") == AUTH_TOKEN_LEN;
}

/*
 * The answer: AUTH_STAT_*, or -1 with *why_r (a protocol error: the
 * getters' reason, or ours). token: the question asked for one.
 */
static int
auth_clnt_answer(struct ipc_rec *r, int token, struct auth_user *user_r,
    const char **why_r)
{
	const char *user, *maildir = "", *tok = "";
	uint64_t status, quota = 0;

	*why_r = NULL;
	if (ipc_get_uint(r, "status", 0, AUTH_STAT_THROTTLED, &status) < 0)
		return -1;
	if (status != AUTH_STAT_OK)
		return ipc_end(r) < 0 ? -1 : (int)status;
	if (ipc_get_strn(r, "user", AUTH_USER_MAX, &user) < 0 ||
	    (token && ipc_get_strn(r, "token", AUTH_TOKEN_LEN, &tok) < 0) ||
	    (!token && (ipc_get_strn(r, "maildir", AUTH_MAILDIR_MAX,
	    &maildir) < 0 || ipc_get_uint(r, "quota", 0, AUTH_QUOTA_MAX,
	    &quota) < 0)) || ipc_end(r) < 0)
		return -1;
	if (*user == '\0' || !printable_ok(user, PRINTABLE_NOSPACE |
	    PRINTABLE_8BIT) || (!token && !maildir_path_ok(maildir)) ||
	    (token && !auth_clnt_token_ok(tok))) {
		*why_r = token ? "bad user or token in the answer" :
		    "bad user or maildir in the answer";
		return -1;
	}
	strlcpy(user_r->user, user, sizeof(user_r->user));
	strlcpy(user_r->maildir, maildir, sizeof(user_r->maildir));
	strlcpy(user_r->token, tok, sizeof(user_r->token));
	user_r->quota = quota;
	return AUTH_STAT_OK;
}

/*
 * The checks the service would make: 0 to ask, AUTH_STAT_FAIL for a
 * user or password that cannot be right, AUTH_STAT_TEMP (*err_r) for
 * our own mistake.
 */
static int
auth_clnt_check(const struct auth_query *q, char **err_r)
{
	if (!auth_valid_service(q->service) || !auth_valid_mech(q->mech) ||
	    !auth_valid_client(q->client)) {
		err_set(err_r, "bad service, mechanism or client address in "
		    "the query");
		return AUTH_STAT_TEMP;
	}
	if (*q->user == '\0' || strlen(q->user) > AUTH_USER_MAX ||
	    strlen(q->password) > AUTH_PASS_MAX)
		return AUTH_STAT_FAIL;
	return 0;
}

/* The question; the caller wipes it (ipc_rec_wipe). */
static struct ipc_rec *
auth_clnt_request(const struct auth_query *q)
{
	struct ipc_rec *req = ipc_rec_new();

	ipc_add_str(req, "req", q->token ? AUTH_REQ_LOGIN : AUTH_REQ_VERIFY);
	ipc_add_str(req, "service", q->service);
	ipc_add_str(req, "mech", q->mech);
	ipc_add_str(req, "client", q->client);
	ipc_add_bool(req, "tls", q->tls);
	ipc_add_str(req, "user", q->user);
	ipc_add_str(req, "password", q->password);	/* last: see above */
	return req;
}

int
auth_clnt_verify(struct auth_clnt *ac, const struct auth_query *q,
    struct auth_user *user_r, char **err_r)
{
	struct ipc_rec *req, *rep;
	const char *why;
	int r;

	memset(user_r, 0, sizeof(*user_r));
	if ((r = auth_clnt_check(q, err_r)) != 0)
		return r;
	req = auth_clnt_request(q);
	r = ipc_clnt_call(ac->ipc, req, 0, &rep, err_r);
	ipc_rec_wipe(&req);
	if (r < 0)
		return AUTH_STAT_TEMP;
	if ((r = auth_clnt_answer(rep, q->token, user_r, &why)) < 0) {
		ipc_clnt_bad_reply(ac->ipc, rep, why, err_r);
		memset(user_r, 0, sizeof(*user_r));
		r = AUTH_STAT_TEMP;
	} else if (!ac->keep)
		ipc_clnt_close(ac->ipc);
	ipc_rec_free(&rep);
	return r;
}

/* The service answered a question of auth_clnt_verify_start. */
static int
auth_clnt_reply(struct ipc_rec *rep, const char *err, void *arg)
{
	struct auth_clnt_req *h = arg;
	struct auth_clnt *ac = h->ac;
	struct auth_user au;
	const char *why;
	char *bad = NULL;
	int r;

	TAILQ_REMOVE(&ac->pending, h, entry);
	memset(&au, 0, sizeof(au));
	if (rep == NULL)
		h->fn(AUTH_STAT_TEMP, NULL, err, h->arg);
	else if ((r = auth_clnt_answer(rep, h->token, &au, &why)) < 0) {
		bad = xasprintf("%s: protocol error: %s",
		    ipc_clnt_path(ac->ipc), why != NULL ? why :
		    ipc_rec_error(rep));
		h->fn(AUTH_STAT_TEMP, NULL, bad, h->arg);
	} else
		h->fn(r, r == AUTH_STAT_OK ? &au : NULL, NULL, h->arg);
	explicit_bzero(&au, sizeof(au));
	free(h);
	r = bad != NULL ? -1 : 0;	/* a bad answer: ipc_clnt closes */
	free(bad);
	return r;
}

int
auth_clnt_verify_start(struct auth_clnt *ac, const struct auth_query *q,
    auth_clnt_fn fn, void *arg, struct auth_clnt_req **req_r)
{
	struct auth_clnt_req *h;
	struct ipc_rec *req;
	int r;

	*req_r = NULL;
	if ((r = auth_clnt_check(q, NULL)) != 0)
		return r;
	h = xcalloc(1, sizeof(*h));
	h->ac = ac;
	h->fn = fn;
	h->arg = arg;
	h->token = q->token != 0;
	TAILQ_INSERT_TAIL(&ac->pending, h, entry);
	req = auth_clnt_request(q);
	h->ipc = ipc_clnt_start(ac->ipc, req, IPC_CLNT_SECRET,
	    auth_clnt_reply, h);
	ipc_rec_wipe(&req);
	*req_r = h;
	return AUTH_CLNT_PENDING;
}

void
auth_clnt_verify_cancel(struct auth_clnt_req *h)
{
	if (h == NULL)
		return;
	ipc_clnt_cancel(h->ipc);
	TAILQ_REMOVE(&h->ac->pending, h, entry);
	free(h);
}

int
auth_clnt_redeem(struct auth_clnt *ac, const char *service,
    const char *client, const char *token, struct auth_user *user_r,
    char **err_r)
{
	struct ipc_rec *req, *rep;
	const char *why;
	int r;

	memset(user_r, 0, sizeof(*user_r));
	if (!auth_valid_service(service) || !auth_valid_client(client)) {
		err_set(err_r, "bad service or client address in the query");
		return AUTH_STAT_TEMP;
	}
	if (!auth_clnt_token_ok(token))
		return AUTH_STAT_FAIL;
	req = ipc_rec_new();
	ipc_add_str(req, "req", AUTH_REQ_REDEEM);
	ipc_add_str(req, "service", service);
	ipc_add_str(req, "client", client);
	ipc_add_str(req, "token", token);
	r = ipc_clnt_call(ac->ipc, req, 0, &rep, err_r);
	ipc_rec_wipe(&req);
	if (r < 0)
		return AUTH_STAT_TEMP;
	if ((r = auth_clnt_answer(rep, 0, user_r, &why)) < 0) {
		ipc_clnt_bad_reply(ac->ipc, rep, why, err_r);
		memset(user_r, 0, sizeof(*user_r));
		r = AUTH_STAT_TEMP;
	} else if (r == AUTH_STAT_THROTTLED)
		r = AUTH_STAT_TEMP;
	else if (!ac->keep)
		ipc_clnt_close(ac->ipc);
	ipc_rec_free(&rep);
	return r;
}

void
auth_clnt_set_dial(struct auth_clnt *ac, int (*fn)(void *, char **),
    void *arg)
{
	ipc_clnt_set_dial(ac->ipc, fn, arg);
}

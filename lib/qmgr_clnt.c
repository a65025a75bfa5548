/*
 * qmgr_clnt - the client half of qmgr_proto.h; see qmgr_clnt.h. The
 * connection is lib/ipc_clnt's, one request per connection.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "qid.h"
#include "qmgr_clnt.h"
#include "qmgr_proto.h"
#include "xmalloc.h"

const struct ipc_proto qmgr_ctl_proto = {
	.name = "qmgr",
	.major = 1,
	.minor = 1,
	.socket = "private/qmgr-ctl",
	.client = "control client",
	.rec_max = IPC_MAX_LIMIT,
	.timeout_ms = 60 * 1000,
};

struct qmgr_clnt {
	struct ipc_clnt	*ipc;
};

struct qmgr_clnt *
qmgr_clnt_open(const char *queue_dir, char **err_r)
{
	struct qmgr_clnt *qc = xcalloc(1, sizeof(*qc));
	char *path = xasprintf("%s/%s", queue_dir, qmgr_ctl_proto.socket);
	char *err = NULL;

	qc->ipc = ipc_clnt_new(&qmgr_ctl_proto, path, 0, NULL);
	if (ipc_clnt_open(qc->ipc, &err) < 0) {
		if (errno == EACCES)
			err_set(err_r, "%s: permission denied (run as root or "
			    "as mail_owner)", path);
		else if (errno != EPROTO)
			err_set(err_r, "cannot reach the queue manager at %s: "
			    "%s (is postern running?)", path, strerror(errno));
		else
			err_set(err_r, "%s", err);
		err_free(&err);
		qmgr_clnt_free(&qc);
	}
	free(path);
	return qc;
}

void
qmgr_clnt_free(struct qmgr_clnt **qcp)
{
	if (*qcp == NULL)
		return;
	ipc_clnt_free(&(*qcp)->ipc);
	free(*qcp);
	*qcp = NULL;
}

/* The reply to a request: req=error is reported as such. */
static int
qmgr_clnt_reply(struct qmgr_clnt *qc, struct ipc_rec **r, const char **req_r,
    char **err_r)
{
	const char *text;

	if (ipc_clnt_recv(qc->ipc, r, err_r) < 0)
		return -1;
	if (ipc_get_str(*r, "req", req_r) < 0) {
		ipc_clnt_bad_reply(qc->ipc, *r, NULL, err_r);
		ipc_rec_free(r);
		return -1;
	}
	if (strcmp(*req_r, "error") == 0) {
		if (ipc_get_strn(*r, "text", QMGR_PROTO_TEXT_MAX, &text) < 0)
			text = ipc_rec_error(*r);
		err_set(err_r, "the queue manager says: %s", text);
		ipc_rec_free(r);
		return -1;
	}
	return 0;
}

/* One req=entry record to fn; -1 when it is malformed. */
static int
qmgr_clnt_entry(struct ipc_rec *r, qmgr_clnt_entry_fn fn, void *arg)
{
	struct qmgr_clnt_entry e;
	uint64_t n, i;
	int bad;

	memset(&e, 0, sizeof(e));
	if (ipc_get_strn(r, "queue_id", QID_MAXLEN, &e.queue_id) < 0 ||
	    ipc_get_strn(r, "queue", 16, &e.queue) < 0 ||
	    ipc_get_uint(r, "size", 0, UINT64_MAX, &e.size) < 0 ||
	    ipc_get_uint(r, "arrival", 0, UINT64_MAX, &e.arrival) < 0 ||
	    ipc_get_strn(r, "sender", QMGR_PROTO_ADDR_MAX, &e.sender) < 0 ||
	    ipc_get_uint(r, "next", 0, UINT64_MAX, &e.next) < 0 ||
	    ipc_get_uint(r, "count", 0, 1000000, &n) < 0)
		return -1;
	e.n = (size_t)n;
	e.rcpt = xcalloc(e.n + 1, sizeof(char *));
	e.reason = xcalloc(e.n + 1, sizeof(char *));
	for (i = 0, bad = 0; i < n && !bad; i++)
		bad = ipc_get_strn(r, "rcpt", QMGR_PROTO_ADDR_MAX,
		    &e.rcpt[i]) < 0 || ipc_get_strn(r, "reason",
		    QMGR_PROTO_TEXT_MAX, &e.reason[i]) < 0;
	bad = bad || ipc_end(r) < 0;
	if (!bad)
		fn(&e, arg);
	free(e.rcpt);
	free(e.reason);
	return bad ? -1 : 0;
}

int
qmgr_clnt_list(struct qmgr_clnt *qc, qmgr_clnt_entry_fn fn, void *arg,
    uint64_t *total_r, char **err_r)
{
	struct ipc_rec *q = ipc_rec_new(), *r;
	const char *req;
	uint64_t total;
	int bad, end;

	ipc_add_str(q, "req", "list");
	bad = ipc_clnt_send(qc->ipc, q, err_r);
	ipc_rec_free(&q);
	if (bad < 0)
		return -1;
	for (;;) {
		if (qmgr_clnt_reply(qc, &r, &req, err_r) < 0)
			return -1;
		if ((end = strcmp(req, "end") == 0)) {
			bad = ipc_get_uint(r, "total", 0, UINT64_MAX,
			    &total) < 0 || ipc_end(r) < 0;
			if (!bad && total_r != NULL)
				*total_r = total;
		} else
			bad = strcmp(req, "entry") != 0 ||
			    qmgr_clnt_entry(r, fn, arg) < 0;
		if (bad)
			ipc_clnt_bad_reply(qc->ipc, r, end ? "bad end record" :
			    "bad entry record", err_r);
		ipc_rec_free(&r);
		if (bad || end)
			return bad ? -1 : 0;
	}
}

int
qmgr_clnt_request(struct qmgr_clnt *qc, const char *verb, char *const *ids,
    size_t n, uint64_t *done_r, char **text_r, char **err_r)
{
	struct ipc_rec *q = ipc_rec_new(), *r;
	const char *req, *text;
	size_t i;
	int bad;

	ipc_add_str(q, "req", verb);
	if (strcmp(verb, "flush") != 0) {
		ipc_add_uint(q, "count", n);
		for (i = 0; i < n; i++)
			ipc_add_str(q, "id", ids[i]);
	}
	bad = ipc_clnt_send(qc->ipc, q, err_r);
	ipc_rec_free(&q);
	if (bad < 0 || qmgr_clnt_reply(qc, &r, &req, err_r) < 0)
		return -1;
	bad = strcmp(req, "result") != 0 ||
	    ipc_get_uint(r, "done", 0, UINT64_MAX, done_r) < 0 ||
	    ipc_get_strn(r, "text", QMGR_PROTO_TEXT_MAX, &text) < 0 ||
	    ipc_end(r) < 0;
	if (bad)
		ipc_clnt_bad_reply(qc->ipc, r, "bad result record", err_r);
	else
		*text_r = xstrdup(text);
	ipc_rec_free(&r);
	return bad ? -1 : 0;
}

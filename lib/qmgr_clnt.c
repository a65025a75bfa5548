/*
 * qmgr_clnt - the client half of qmgr_proto.h; see qmgr_clnt.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "qmgr_clnt.h"
#include "qid.h"
#include "qmgr_proto.h"
#include "sock.h"
#include "xmalloc.h"

#define QMGR_CLNT_TIMEOUT	10	/* seconds, connect */

int
qmgr_clnt_open(const char *queue_dir, struct ipc_chan *ch,
    const char **err_r)
{
	static char err[512];
	char *path = xasprintf("%s/%s", queue_dir, QMGR_CTL_SOCKET);
	int fd;

	if ((fd = sock_connect_unix(path, QMGR_CLNT_TIMEOUT)) < 0) {
		if (errno == EACCES)
			snprintf(err, sizeof(err), "%s: permission denied (run "
			    "as root or as mail_owner)", path);
		else
			snprintf(err, sizeof(err), "cannot reach the queue "
			    "manager at %s: %s (is postern running?)", path,
			    strerror(errno));
		free(path);
		*err_r = err;
		return -1;
	}
	free(path);
	ipc_chan_init(ch, fd, "qmgr");
	ch->max = IPC_MAX_LIMIT;
	ch->timeout_ms = 60 * 1000;
	if (ipc_hello_recv(ch, QMGR_PROTO_NAME, QMGR_PROTO_MAJOR, NULL) < 0) {
		*err_r = ch->err;
		close(fd);
		ch->fd = -1;
		return -1;
	}
	return 0;
}

/* The reply to a request: req=error is reported as such. */
static int
qmgr_clnt_req(struct ipc_chan *ch, struct ipc_rec **r, const char **req_r,
    const char **err_r)
{
	static char err[QMGR_PROTO_TEXT_MAX + 64];
	const char *text;
	int rc;

	if ((rc = ipc_recv(ch, r)) <= 0) {
		*err_r = rc == 0 ? "the queue manager closed the connection" :
		    ch->err;
		return -1;
	}
	if (ipc_get_str(*r, "req", req_r) < 0) {
		*err_r = ipc_rec_error(*r);
		ipc_rec_free(r);
		return -1;
	}
	if (strcmp(*req_r, "error") == 0) {
		if (ipc_get_strn(*r, "text", QMGR_PROTO_TEXT_MAX, &text) < 0)
			text = ipc_rec_error(*r);
		snprintf(err, sizeof(err), "the queue manager says: %s", text);
		*err_r = err;
		ipc_rec_free(r);
		return -1;
	}
	return 0;
}

int
qmgr_clnt_list(struct ipc_chan *ch, qmgr_clnt_entry_fn fn, void *arg,
    uint64_t *total_r, const char **err_r)
{
	struct qmgr_clnt_entry e;
	struct ipc_rec *q = ipc_rec_new(), *r;
	const char *req;
	uint64_t n, i, total;
	int bad;

	ipc_add_str(q, "req", "list");
	if (ipc_send(ch, q) < 0) {
		ipc_rec_free(&q);
		*err_r = ch->err;
		return -1;
	}
	ipc_rec_free(&q);
	for (;;) {
		if (qmgr_clnt_req(ch, &r, &req, err_r) < 0)
			return -1;
		if (strcmp(req, "end") == 0) {
			bad = ipc_get_uint(r, "total", 0, UINT64_MAX,
			    &total) < 0 || ipc_end(r) < 0;
			if (!bad && total_r != NULL)
				*total_r = total;
			ipc_rec_free(&r);
			if (bad)
				*err_r = "bad end record from the queue manager";
			return bad ? -1 : 0;
		}
		memset(&e, 0, sizeof(e));
		bad = strcmp(req, "entry") != 0 ||
		    ipc_get_strn(r, "queue_id", QID_MAXLEN, &e.queue_id) < 0 ||
		    ipc_get_strn(r, "queue", 16, &e.queue) < 0 ||
		    ipc_get_uint(r, "size", 0, UINT64_MAX, &e.size) < 0 ||
		    ipc_get_uint(r, "arrival", 0, UINT64_MAX, &e.arrival) < 0 ||
		    ipc_get_strn(r, "sender", QMGR_PROTO_ADDR_MAX,
		    &e.sender) < 0 ||
		    ipc_get_uint(r, "count", 0, 1000000, &n) < 0;
		if (!bad) {
			e.n = (size_t)n;
			e.rcpt = xcalloc(e.n + 1, sizeof(char *));
			e.reason = xcalloc(e.n + 1, sizeof(char *));
			for (i = 0; i < n && !bad; i++)
				bad = ipc_get_strn(r, "rcpt",
				    QMGR_PROTO_ADDR_MAX, &e.rcpt[i]) < 0 ||
				    ipc_get_strn(r, "reason",
				    QMGR_PROTO_TEXT_MAX, &e.reason[i]) < 0;
			bad = bad || ipc_end(r) < 0;
			if (!bad)
				fn(&e, arg);
			free(e.rcpt);
			free(e.reason);
		}
		ipc_rec_free(&r);
		if (bad) {
			*err_r = "bad entry record from the queue manager";
			return -1;
		}
	}
}

int
qmgr_clnt_request(struct ipc_chan *ch, const char *verb, char *const *ids,
    size_t n, uint64_t *done_r, char **text_r, const char **err_r)
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
	if (ipc_send(ch, q) < 0) {
		ipc_rec_free(&q);
		*err_r = ch->err;
		return -1;
	}
	ipc_rec_free(&q);
	if (qmgr_clnt_req(ch, &r, &req, err_r) < 0)
		return -1;
	bad = strcmp(req, "result") != 0 ||
	    ipc_get_uint(r, "done", 0, UINT64_MAX, done_r) < 0 ||
	    ipc_get_strn(r, "text", QMGR_PROTO_TEXT_MAX, &text) < 0 ||
	    ipc_end(r) < 0;
	if (!bad)
		*text_r = xstrdup(text);
	ipc_rec_free(&r);
	if (bad)
		*err_r = "bad result record from the queue manager";
	return bad ? -1 : 0;
}

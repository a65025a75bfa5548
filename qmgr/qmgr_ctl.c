/*
 * NAME
 *	qmgr_ctl - the server half of the control protocol
 *	(lib/qmgr_proto.h): queue listing and the admin's requests.
 *
 * DESCRIPTION
 *	The socket is made after the privilege drop, by qmgr as mail_owner
 *	(private/qmgr-ctl, mode 0600 from birth), and served on the event
 *	loop. private/ belongs to mail_owner: root never makes anything in
 *	it by name (lib/fsat.h). One request per
 *	connection. A listing walks incoming/, deferred/ and hold/ with
 *	readdir and produces entries only while the client reads them (a
 *	bounded output buffer refilled on EVENT_WRITE), so listing a
 *	million messages costs bounded memory and never stalls delivery
 *	for long. A file that qmgr has taken (in its table of active
 *	messages) is listed in the queue "active", wherever it lies.
 *
 *	hold, delete and requeue of a message in the active queue are
 *	noted on the message and carried out when its deliveries end
 *	(qmgr_finish); everything else is a rename or an unlink at once,
 *	logged as Postfix's postsuper does (`QID: placed on hold`,
 *	`QID: released from hold`, `QID: requeued`, `QID: removed`).
 *
 * SECURITY
 *	Only root and this process's own uid are served (SO_PEERCRED),
 *	on top of the socket's permissions. Requests are parsed strictly;
 *	IDs must be valid queue IDs before they become paths.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "ipc.h"
#include "log.h"
#include "params.h"
#include "priv.h"
#include "qmgr.h"
#include "qmgr_proto.h"
#include "server.h"
#include "sock.h"
#include "xmalloc.h"

#define QMGR_CTL_OUT_MAX	(256 * 1024)
#define QMGR_CTL_BATCH		64

static const char *const qmgr_ctl_queues[] = {
	QDIR_INCOMING, QDIR_DEFERRED, QDIR_HOLD, NULL,
};

struct qmgr_ctl {
	int		 fd;
	struct ipc_chan	 ch;
	struct vbuf	*in;
	struct vbuf	*out;
	int		 listing;
	int		 closing;	/* close when out is drained */
	int		 q;		/* index in qmgr_ctl_queues */
	struct qfile_walk walk;		/* over qmgr_ctl_queues[q] */
	uint64_t	 total;
	struct event_timer *timer;
};

static int qmgr_ctl_lfd = -1;

static void
qmgr_ctl_free(struct qmgr_ctl *c)
{
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	event_del_fd(server_loop(), c->fd);
	close(c->fd);
	qfile_walk_end(&c->walk);
	vbuf_free(&c->in);
	vbuf_free(&c->out);
	free(c);
}

static void
qmgr_ctl_timeout(void *arg)
{
	struct qmgr_ctl *c = arg;

	c->timer = NULL;
	log_warn("control client: timeout");
	qmgr_ctl_free(c);
}

/* Queue a record for the client. */
static void
qmgr_ctl_put(struct qmgr_ctl *c, struct ipc_rec *r)
{
	const void *frame;
	size_t len;

	if ((frame = ipc_rec_frame(r, &len)) == NULL ||
	    vbuf_append(c->out, frame, len) < 0)
		log_panic("control reply does not fit");
	ipc_rec_free(&r);
}

static void
qmgr_ctl_reply(struct qmgr_ctl *c, uint64_t done, const char *text)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_str(r, "req", "result");
	ipc_add_uint(r, "done", done);
	ipc_add_str(r, "text", text);
	qmgr_ctl_put(c, r);
	c->closing = 1;
}

static void
qmgr_ctl_error(struct qmgr_ctl *c, const char *text)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_str(r, "req", "error");
	ipc_add_str(r, "text", text);
	qmgr_ctl_put(c, r);
	c->closing = 1;
}

/* One listing entry for queue file qid in queue q. */
static void
qmgr_ctl_entry(struct qmgr_ctl *c, const char *q, const char *qid)
{
	struct qmgr_defer_info info;
	struct qfile_env env;
	struct ipc_rec *r;
	const char *err, *reason;
	char *path = qfile_path(q, qid);
	struct stat st;
	size_t i, j, n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return;		/* gone meanwhile */
	if (fstat(fd, &st) < 0 || qfile_read_env(fd, &env, &err) < 0) {
		close(fd);
		return;
	}
	close(fd);
	qmgr_defer_read(qid, &info);
	for (i = 0; i < env.nrcpts; i++)
		n += !env.rcpts[i].done;
	r = ipc_rec_new();
	ipc_add_str(r, "req", "entry");
	ipc_add_str(r, "queue_id", qid);
	ipc_add_str(r, "queue", qmgr_message_find(qid) != NULL ?
	    QDIR_ACTIVE : q);
	ipc_add_uint(r, "size", env.content_size);
	ipc_add_uint(r, "arrival", (uint64_t)env.arrival.tv_sec);
	ipc_add_str(r, "sender", env.sender);
	/* a deferred file's modification time is its next attempt */
	ipc_add_uint(r, "next", strcmp(q, QDIR_DEFERRED) == 0 &&
	    qmgr_message_find(qid) == NULL && st.st_mtime > 0 ?
	    (uint64_t)st.st_mtime : 0);
	ipc_add_uint(r, "count", n);
	for (i = 0; i < env.nrcpts; i++) {
		if (env.rcpts[i].done)
			continue;
		reason = "";
		for (j = 0; j < info.n; j++)
			if (strcmp(info.addr[j], env.rcpts[i].addr) == 0)
				reason = info.reason[j];
		ipc_add_str(r, "rcpt", env.rcpts[i].addr);
		ipc_add_str(r, "reason", reason);
	}
	qmgr_defer_info_free(&info);
	qfile_env_free(&env);
	qmgr_ctl_put(c, r);
	c->total++;
}

/* Produce a batch of entries; at the end the end record. */
static void
qmgr_ctl_list_more(struct qmgr_ctl *c)
{
	char qid[QID_SIZE];
	struct ipc_rec *r;
	int n = 0, got;

	while (n < QMGR_CTL_BATCH && qmgr_ctl_queues[c->q] != NULL) {
		if ((got = qfile_walk_next(&c->walk, qid, NULL)) < 0)
			continue;
		if (got == 0) {
			qfile_walk_end(&c->walk);
			if (qmgr_ctl_queues[++c->q] != NULL)
				qfile_walk_start(&c->walk,
				    qmgr_ctl_queues[c->q]);
			continue;
		}
		qmgr_ctl_entry(c, qmgr_ctl_queues[c->q], qid);
		n++;
	}
	if (qmgr_ctl_queues[c->q] == NULL) {
		r = ipc_rec_new();
		ipc_add_str(r, "req", "end");
		ipc_add_uint(r, "total", c->total);
		qmgr_ctl_put(c, r);
		c->listing = 0;
		c->closing = 1;
	}
}

/*
 * Apply verb to one queue file; 1 when it was there. An active message's
 * file is this process's: hold and delete are noted on it, and it is in
 * no queue that release or requeue take from.
 */
static int
qmgr_ctl_one(const char *verb, const char *qid)
{
	struct qmgr_msg *m = qmgr_message_find(qid);
	char *path;
	int i;

	if (m != NULL && (strcmp(verb, "release") == 0 ||
	    strcmp(verb, "requeue") == 0))
		return 0;
	if (strcmp(verb, "hold") == 0) {
		if (m != NULL) {
			m->flags |= QMGR_MSG_HOLD;
		} else if (qfile_move(QDIR_INCOMING, QDIR_HOLD, qid) < 0 &&
		    qfile_move(QDIR_DEFERRED, QDIR_HOLD, qid) < 0)
			return 0;
		log_info("%s: placed on hold", qid);
		return 1;
	}
	if (strcmp(verb, "release") == 0) {
		if (qfile_move(QDIR_HOLD, QDIR_INCOMING, qid) < 0)
			return 0;
		log_info("%s: released from hold", qid);
		return 1;
	}
	if (strcmp(verb, "requeue") == 0) {
		if (qfile_move(QDIR_DEFERRED, QDIR_INCOMING, qid) < 0 &&
		    qfile_move(QDIR_HOLD, QDIR_INCOMING, qid) < 0)
			return 0;
		log_info("%s: requeued", qid);
		return 1;
	}
	/* delete */
	if (m != NULL) {
		m->flags |= QMGR_MSG_DELETE;
		return 1;
	}
	for (i = 0; qmgr_ctl_queues[i] != NULL; i++) {
		path = qfile_path(qmgr_ctl_queues[i], qid);
		if (unlink(path) == 0) {
			free(path);
			qmgr_defer_remove(qid);
			log_info("%s: removed", qid);
			return 1;
		}
		free(path);
	}
	path = xasprintf("%s/%s", QDIR_CORRUPT, qid);
	i = unlink(path) == 0;
	free(path);
	if (i)
		log_info("%s: removed", qid);
	return i;
}

/* verb for every message in the queues it applies to. */
static uint64_t
qmgr_ctl_all(const char *verb)
{
	const char *qs[4] = { NULL };
	struct qfile_walk w;
	struct qmgr_msg *m;
	char qid[QID_SIZE];
	uint64_t done = 0;
	int k, got;

	if (strcmp(verb, "hold") == 0 || strcmp(verb, "delete") == 0) {
		TAILQ_FOREACH(m, &qmgr_active, entry)
			done += qmgr_ctl_one(verb, m->qid);
		qs[0] = QDIR_INCOMING;
		qs[1] = QDIR_DEFERRED;
		if (verb[0] == 'd')
			qs[2] = QDIR_HOLD;
	} else if (strcmp(verb, "release") == 0)
		qs[0] = QDIR_HOLD;
	else
		qs[0] = QDIR_DEFERRED;
	for (k = 0; qs[k] != NULL; k++) {
		qfile_walk_start(&w, qs[k]);
		while ((got = qfile_walk_next(&w, qid, NULL)) != 0)
			if (got > 0 && qmgr_message_find(qid) == NULL)
				done += qmgr_ctl_one(verb, qid);
		qfile_walk_end(&w);
	}
	return done;
}

static void
qmgr_ctl_request(struct qmgr_ctl *c, struct ipc_rec *r)
{
	struct vbuf *missing;
	const char *verb, *id;
	uint64_t n, i, done = 0;

	if (ipc_get_str(r, "req", &verb) < 0) {
		ipc_log_rec_error(&c->ch, r);
		qmgr_ctl_error(c, ipc_rec_error(r));
		return;
	}
	if (strcmp(verb, "list") == 0 || strcmp(verb, "flush") == 0) {
		if (ipc_end(r) < 0) {
			qmgr_ctl_error(c, ipc_rec_error(r));
			return;
		}
		if (verb[0] == 'l') {
			c->listing = 1;
			qfile_walk_start(&c->walk, qmgr_ctl_queues[0]);
			qmgr_ctl_list_more(c);
			return;
		}
		qmgr_sched_unthrottle_all();
		qmgr_scan_incoming();
		qmgr_scan_deferred(1);
		qmgr_ctl_reply(c, 0, "");
		return;
	}
	if (strcmp(verb, "hold") != 0 && strcmp(verb, "release") != 0 &&
	    strcmp(verb, "delete") != 0 && strcmp(verb, "requeue") != 0) {
		qmgr_ctl_error(c, "unknown request");
		return;
	}
	if (ipc_get_uint(r, "count", 1, QMGR_PROTO_IDS_MAX, &n) < 0) {
		qmgr_ctl_error(c, ipc_rec_error(r));
		return;
	}
	missing = vbuf_new(64, QMGR_PROTO_TEXT_MAX - 64);
	for (i = 0; i < n; i++) {
		if (ipc_get_strn(r, "id", QID_MAXLEN, &id) < 0) {
			qmgr_ctl_error(c, ipc_rec_error(r));
			vbuf_free(&missing);
			return;
		}
		if (strcmp(id, "ALL") == 0)
			done += qmgr_ctl_all(verb);
		else if (qid_valid(id) && qmgr_ctl_one(verb, id))
			done++;
		else
			(void)vbuf_appendf(missing, "%s%s",
			    vbuf_len(missing) > 0 ? ", " : "no such message: ",
			    id);
	}
	if (ipc_end(r) < 0) {
		qmgr_ctl_error(c, ipc_rec_error(r));
		vbuf_free(&missing);
		return;
	}
	if (strcmp(verb, "release") == 0 || strcmp(verb, "requeue") == 0)
		qmgr_scan_incoming();
	qmgr_ctl_reply(c, done, vbuf_str(missing));
	vbuf_free(&missing);
}

static void
qmgr_ctl_event(int fd, int events, void *arg)
{
	struct qmgr_ctl *c = arg;
	struct ipc_rec *r;
	size_t used;
	ssize_t n;
	int rc;

	if ((events & EVENT_READ) && !c->closing && !c->listing) {
		if (vbuf_reserve(c->in, 4096) < 0)
			n = 0;
		else
			n = read(fd, c->in->data + c->in->len, 4096);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			n = 0;
		if (n == 0) {
			qmgr_ctl_free(c);
			return;
		}
		if (n > 0) {
			c->in->len += (size_t)n;
			rc = ipc_parse(&c->ch, vbuf_str(c->in),
			    vbuf_len(c->in), &r, &used);
			if (rc < 0) {
				ipc_log_error(&c->ch);
				qmgr_ctl_free(c);
				return;
			}
			if (rc == 1) {
				vbuf_consume(c->in, used);
				qmgr_ctl_request(c, r);
				ipc_rec_free(&r);
			}
		}
	}
	if (c->listing && vbuf_len(c->out) < QMGR_CTL_OUT_MAX / 2)
		qmgr_ctl_list_more(c);
	if (vbuf_len(c->out) > 0) {
		n = send(fd, vbuf_str(c->out), vbuf_len(c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			qmgr_ctl_free(c);
			return;
		}
		if (n > 0)
			vbuf_consume(c->out, (size_t)n);
	}
	if (c->closing && vbuf_len(c->out) == 0) {
		qmgr_ctl_free(c);
		return;
	}
	if (event_add_fd(server_loop(), fd, vbuf_len(c->out) > 0 ||
	    c->listing ? EVENT_WRITE : EVENT_READ, qmgr_ctl_event, c) < 0)
		log_fatal("event_add_fd: %m");
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	c->timer = event_add_timer(server_loop(), 60 * 1000,
	    qmgr_ctl_timeout, c);
}

static void
qmgr_ctl_accept(int lfd, int events, void *arg)
{
	struct qmgr_ctl *c;
	struct ipc_rec *r;
	uid_t uid = 0;
	int fd;

	(void)events;
	(void)arg;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) < 0)
		return;
	if (sock_peercred(fd, &uid, NULL, NULL) < 0 ||
	    (uid != 0 && uid != geteuid())) {
		log_warn("control socket: refused uid %ld", (long)uid);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	ipc_chan_init(&c->ch, fd, "postern");
	c->in = vbuf_new(1024, IPC_MAX_LIMIT);
	c->out = vbuf_new(4096, QMGR_CTL_OUT_MAX + IPC_MAX_LIMIT);
	c->ch.max = IPC_MAX_LIMIT;
	r = ipc_hello_new(qmgr_ctl_proto.name, qmgr_ctl_proto.major,
	    qmgr_ctl_proto.minor);
	qmgr_ctl_put(c, r);
	qmgr_ctl_event(fd, 0, c);
}

void
qmgr_ctl_start(void)
{
	char *e = NULL;

	if ((qmgr_ctl_lfd = sock_listen_unix(qmgr_ctl_proto.socket, 0600, 16,
	    &e)) < 0)
		log_fatal("control socket %s: %s", qmgr_ctl_proto.socket, e);
	sock_set_nonblock(qmgr_ctl_lfd, 1);
	if (event_add_fd(server_loop(), qmgr_ctl_lfd, EVENT_READ,
	    qmgr_ctl_accept, NULL) < 0)
		log_fatal("event_add_fd: %m");
}

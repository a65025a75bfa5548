/*
 * NAME
 *	ipc_clnt - the client end of an internal service (anvil, auth,
 *	qmgr's control socket, and the services to come): where it is,
 *	which protocol it speaks, how long a call may take, reconnecting
 *	once, and why a call failed.
 *
 * SYNOPSIS
 *	Blocking (smtpd, the postern command):
 *
 *	c = ipc_clnt_new(&anvil_proto, NULL, 0, NULL);
 *	if (ipc_clnt_call(c, req, IPC_CLNT_RETRY, &rep, &err) < 0)
 *		... err: "private/anvil: timed out waiting for a record"
 *	else if (getters fail)
 *		ipc_clnt_bad_reply(c, rep, &err);
 *
 *	On an event loop (a login process that must never wait for auth):
 *
 *	c = ipc_clnt_new(&auth_proto, NULL, 0, loop);
 *	q = ipc_clnt_start(c, req, 0, reply_fn, arg);
 *	... later reply_fn(rep, NULL, arg), or reply_fn(NULL, err, arg);
 *	ipc_clnt_cancel(q) when the answer is no longer wanted.
 *
 * DESCRIPTION
 *	A client holds at most one connection to the service's UNIX socket
 *	(proto->socket, relative to the current directory, unless a path is
 *	given), made when a call first needs it and kept for the calls that
 *	follow. A new connection is usable once the server's announcement
 *	(proto=NAME/MAJOR.MINOR) names the protocol and the major version
 *	the client speaks.
 *
 *	Every call is bounded by the client's timeout in all (connecting,
 *	the announcement, sending, the answer). When anything goes wrong
 *	the connection is closed, so the next call starts clean, and the
 *	reason reads "PATH: what happened" ("connect to PATH: ..." when
 *	the socket cannot be reached).
 *
 *	Reconnecting once: with IPC_CLNT_RETRY, a request that finds a kept
 *	connection dead (the master restarted the service, or it exited
 *	after max_idle) is sent again on a new connection, once. Never for
 *	a request that must not be answered twice (a password check could
 *	count one failure twice); never after a timeout or a protocol
 *	error.
 *
 *	On an event loop (loop given to ipc_clnt_new) the same connection
 *	serves requests queued with ipc_clnt_start: each is written once
 *	the announcement has been checked, answers come in order, and each
 *	request's callback runs exactly once (unless cancelled): with the
 *	answer, or with the reason. A request not answered within the
 *	timeout fails, and so does every other request on its connection
 *	(the service is stuck or gone). The connect itself does not wait: a
 *	service whose listen queue is full fails the request at once.
 *
 * SECURITY
 *	The service is another process: its answers are parsed as
 *	carefully as network input (records bounded by proto->rec_max,
 *	strict getters; a bad answer closes the connection). Requests
 *	marked IPC_CLNT_SECRET are wiped from our memory once written.
 */
#ifndef POSTERN_IPC_CLNT_H
#define POSTERN_IPC_CLNT_H

#include "ipc.h"

#define IPC_CLNT_RETRY	0x1	/* reconnect once when a kept one died */
#define IPC_CLNT_SECRET	0x2	/* the request holds a secret: wipe it */

struct event_loop;
struct ipc_clnt;
struct ipc_clnt_req;

/*
 * The answer to a request started with ipc_clnt_start: rep (freed when
 * the callback returns), or rep NULL and err the reason (valid during
 * the callback). Return 0, or -1 when rep is malformed (after saying
 * so): the connection is then closed, and the requests still waiting
 * on it fail. The callback may start and cancel requests, but not free
 * the client.
 */
typedef int (*ipc_clnt_reply_fn)(struct ipc_rec *rep, const char *err,
		    void *arg);

/*
 * A client of the service that speaks proto, at path (NULL:
 * proto->socket), each call bounded by timeout_ms (<= 0:
 * proto->timeout_ms). loop NULL: the calls below block; otherwise use
 * only ipc_clnt_start. Nothing is connected yet. Never NULL.
 */
struct ipc_clnt *ipc_clnt_new(const struct ipc_proto *proto,
	    const char *path, int timeout_ms, struct event_loop *loop);
/*
 * Close the connection and free the client; requests still waiting are
 * dropped without their callbacks. Sets *cp to NULL; NULL is fine.
 */
void	ipc_clnt_free(struct ipc_clnt **cp);
/*
 * How the client gets its connections: by default it connects to its
 * path; a process that cannot reach the path from its jail (the login
 * side of pop3d and imapd) gives fn, which returns a connected socket
 * (in either blocking mode; the client sets the mode it needs) or -1
 * with *err_r.
 */
typedef int (*ipc_clnt_dial_fn)(void *arg, char **err_r);
void	ipc_clnt_set_dial(struct ipc_clnt *, ipc_clnt_dial_fn fn, void *arg);
/* The socket path, for messages. */
const char *ipc_clnt_path(const struct ipc_clnt *);
/* 1 while a connection is open. */
int	ipc_clnt_is_open(const struct ipc_clnt *);
/* The minor version the server announced (0 before any). */
unsigned ipc_clnt_minor(const struct ipc_clnt *);
/*
 * Blocking: connect now (if not connected) and check the announcement.
 * 0, or -1 with *err_r and errno: the connect's when the socket could
 * not be reached (ENOENT, ECONNREFUSED, EACCES...), else EPROTO.
 */
int	ipc_clnt_open(struct ipc_clnt *, char **err_r);
/*
 * Close the connection; the next call makes a new one. Requests still
 * waiting on it (event loop) fail with "connection closed".
 */
void	ipc_clnt_close(struct ipc_clnt *);

/*
 * Blocking: send req and receive its answer (connecting first if
 * needed). 0 with *rep_r (the caller frees it), or -1 with *err_r (the
 * connection is then closed). flags: IPC_CLNT_*.
 */
int	ipc_clnt_call(struct ipc_clnt *, const struct ipc_rec *req,
	    int flags, struct ipc_rec **rep_r, char **err_r);
/*
 * Blocking, for protocols with several records per request (a
 * listing): send one record, receive one record, each bounded by the
 * timeout. 0 (ipc_clnt_recv: *rep_r), or -1 with *err_r (closed; the
 * server closing between records is an error here too).
 */
int	ipc_clnt_send(struct ipc_clnt *, const struct ipc_rec *req,
	    char **err_r);
int	ipc_clnt_recv(struct ipc_clnt *, struct ipc_rec **rep_r,
	    char **err_r);
/*
 * An answer that fails the getters: close the connection, set *err_r
 * to "PATH: protocol error: WHY" (why: rep's getter error, or text when
 * not NULL) and return -1.
 */
int	ipc_clnt_bad_reply(struct ipc_clnt *, const struct ipc_rec *rep,
	    const char *text, char **err_r);

/*
 * Event loop: queue req (copied; the caller frees its own) and return
 * a handle for ipc_clnt_cancel, valid until fn has been called. fn is
 * never called from inside ipc_clnt_start: a failure to connect is
 * reported from the loop.
 */
struct ipc_clnt_req *ipc_clnt_start(struct ipc_clnt *,
	    const struct ipc_rec *req, int flags, ipc_clnt_reply_fn fn,
	    void *arg);
/* Drop a request: its callback will not run. */
void	ipc_clnt_cancel(struct ipc_clnt_req *);

#endif

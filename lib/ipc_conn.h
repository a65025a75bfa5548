/*
 * ipc_conn - the server end of an ipc channel on an event loop.
 *
 * DESCRIPTION
 *	What every internal service (anvil, auth) does with a client
 *	connection: read what arrives into a bounded input buffer, decode
 *	the records one by one (ipc_parse), hand each to a request
 *	callback, queue the replies into a bounded output buffer, write
 *	them when the socket takes them, and close on end of file, I/O
 *	error or protocol error. Requests are answered in order.
 *
 *	The service hands each accepted descriptor to ipc_conn_serve with
 *	its protocol (struct ipc_proto, the same one its clients use): the
 *	connection names the peer from SO_PEERCRED ("auth client pid N"),
 *	queues the protocol announcement (proto=NAME/MAJOR.MINOR) and
 *	starts watching the descriptor. (ipc_conn_new and ipc_conn_start
 *	are its two halves, for tests.) The request callback takes the
 *	verb with ipc_conn_verb, which answers the two ways a verb can be
 *	wrong the same way in every service.
 *
 *	The request callback reads the record (it is freed afterwards) and
 *	queues any reply with ipc_conn_reply. It returns 0 to go on, or -1
 *	to drop the connection (after logging why); it must not call
 *	ipc_conn_close itself. A callback that answers later (auth's
 *	failure delay) calls ipc_conn_hold: nothing more is read or decoded
 *	until ipc_conn_release, which decodes what was already buffered,
 *	writes and watches again.
 *
 *	Reading stops while more than half of out_max waits to be written,
 *	so a client that does not read its replies is not read either; a
 *	reply that would pass out_max closes the connection.
 *
 *	The close callback runs once, when the connection ends for any
 *	reason, before the connection is freed: it releases what the
 *	service attached to it (timers, held replies) and closes the
 *	descriptor, which stays the caller's (server_disconnect).
 *
 * SECURITY
 *	Records are bounded (rec_max) before anything is allocated, and
 *	the input buffer is bounded by rec_max plus one read. With
 *	IPC_CONN_SECRET (passwords in the input) the input buffer is
 *	allocated at full size once, so it is never reallocated with a
 *	secret inside; the stack read buffer and what a consumed record
 *	leaves behind are wiped at once, and the whole buffer when the
 *	connection closes. The decoded record is the callback's to wipe.
 */
#ifndef POSTERN_IPC_CONN_H
#define POSTERN_IPC_CONN_H

#include <stddef.h>

#include "ipc.h"

#define IPC_CONN_SECRET		0x1	/* input holds secrets: wipe it */
#define IPC_CONN_READ_SIZE	4096	/* bytes per read */

struct event_loop;
struct ipc_conn;
struct vbuf;

typedef int	(*ipc_conn_request_fn)(struct ipc_conn *, struct ipc_rec *,
		    void *arg);
typedef void	(*ipc_conn_close_fn)(struct ipc_conn *, void *arg);

struct ipc_conn_params {
	struct event_loop	*loop;
	size_t			 rec_max;	/* largest record (serve: proto's) */
	size_t			 out_max;	/* unwritten replies, bytes */
	int			 flags;		/* IPC_CONN_* */
	ipc_conn_request_fn	 request;
	ipc_conn_close_fn	 close;
	void			*arg;		/* for both callbacks */
};

struct ipc_conn {
	int			 fd;
	struct ipc_chan		 ch;		/* ch.peer names the client */
	struct vbuf		*in;
	struct vbuf		*out;
	int			 held;		/* ipc_conn_hold in force */
	struct ipc_conn_params	 p;
};

/*
 * Serve proto on the non-blocking descriptor fd: ipc_conn_new with
 * proto->client and proto->rec_max, then ipc_conn_start. Nothing runs
 * before the loop does: the connection is valid on return.
 */
struct ipc_conn *ipc_conn_serve(int fd, const struct ipc_proto *proto,
	    const struct ipc_conn_params *p);
/*
 * The request's verb (its first attribute, "req"), one of verbs (a
 * NULL-terminated list): its index. -1 when the record has no verb (a
 * protocol error, logged: return -1 to close); -2 for a verb not in
 * the list (logged: a newer client; answer with the protocol's
 * "refused" status and keep the connection).
 */
int	ipc_conn_verb(struct ipc_conn *c, struct ipc_rec *r,
	    const char *const *verbs);
/*
 * A connection on the non-blocking descriptor fd; what names the peer
 * in logs ("anvil client"), with " pid N" added when the kernel knows
 * it. Nothing is watched before ipc_conn_start. Never NULL.
 */
struct ipc_conn *ipc_conn_new(int fd, const char *what,
	    const struct ipc_conn_params *p);
/*
 * Queue proto=NAME/MAJOR.MINOR and watch the descriptor; the
 * announcement goes out from the loop, so c is valid on return.
 */
void	ipc_conn_start(struct ipc_conn *c, const char *name, unsigned major,
	    unsigned minor);
/*
 * Queue a built record; 0, or -1 (logged) when the client lets more
 * than out_max bytes pile up: the caller then closes the connection
 * (returns -1 from the request callback, or calls ipc_conn_close).
 */
int	ipc_conn_reply(struct ipc_conn *c, const struct ipc_rec *r);
/* Read and decode nothing until ipc_conn_release. */
void	ipc_conn_hold(struct ipc_conn *c);
/*
 * Go on: decode the records already buffered, write, watch. Not from
 * inside a callback of c; the connection may be closed on return.
 */
void	ipc_conn_release(struct ipc_conn *c);
/* End the connection: the close callback runs, then c is freed. */
void	ipc_conn_close(struct ipc_conn *c);

#endif

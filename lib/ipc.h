/*
 * ipc - length-prefixed attribute records between Postern processes.
 *
 * DESCRIPTION
 *	The wire format (STYLE 2.2). A frame is a 32-bit payload length
 *	followed by the payload. The payload is an ordered list of
 *	attributes, each
 *
 *		name	1..IPC_NAME_MAX bytes of [a-z0-9_], then a NUL
 *		length	32 bits
 *		value	length bytes
 *
 *	All 32-bit numbers are in network byte order (big-endian). Numbers
 *	travel as canonical decimal text ("0", "42", "-7"), booleans as "0"
 *	or "1", strings without a NUL byte; ipc_add_data/ipc_get_data carry
 *	arbitrary bytes. The first attribute of a request is `req` (the
 *	verb); the server speaks first on a new connection with one record
 *	holding `proto=NAME/MAJOR.MINOR` (ipc_hello_*). A frame may carry
 *	one open descriptor (ipc_send_fd, ipc_recv_fd; see fdpass.h).
 *
 *	A sender builds a record with ipc_rec_new and ipc_add_*, then sends
 *	it. A receiver gets a record from ipc_recv (blocking, with a
 *	deadline) or ipc_parse (bytes an event loop has buffered), reads it
 *	with the typed getters in the order the protocol declares, and ends
 *	with ipc_end, which fails when attributes are left over. The first
 *	failed getter leaves a reason in the record and every later getter
 *	fails too, so a receiver may chain the calls and check once:
 *
 *		if (ipc_get_str(r, "req", &verb) < 0 ||
 *		    ipc_get_uint(r, "size", 0, limit, &size) < 0 ||
 *		    ipc_end(r) < 0)
 *			ipc_log_rec_error(&ch, r);
 *
 * SECURITY
 *	Peers are untrusted: a frame crossing a socket is parsed as
 *	carefully as network input. A length over the channel's maximum is
 *	refused before anything is allocated; every name is validated when
 *	the frame is decoded; every value is checked by type and range when
 *	it is read; a descriptor arriving where none was asked for is
 *	closed. Nothing a peer sends can crash the receiver: errors come
 *	back as -1 and a reason, to be logged as
 *	`protocol error from <peer>: <what>` before the connection is
 *	closed. Adding an attribute with a bad name is a bug in our own
 *	code, not the peer's, and panics.
 */
#ifndef POSTERN_IPC_H
#define POSTERN_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_NAME_MAX		32		/* attribute name, bytes */
#define IPC_MAX_DEFAULT		(64 * 1024)	/* payload, bytes */
#define IPC_MAX_LIMIT		(16 * 1024 * 1024) /* any channel, any record */
#define IPC_TIMEOUT_DEFAULT	30000		/* ms */
#define IPC_ERR_MAX		256

/*
 * One end of a connection. Fill it with ipc_chan_init, then adjust max
 * (largest payload accepted and sent, at most IPC_MAX_LIMIT) and
 * timeout_ms (deadline for one whole send or receive; < 0: none) as the
 * protocol needs. The fd stays the caller's to close.
 */
struct ipc_chan {
	int	 fd;
	size_t	 max;
	int	 timeout_ms;
	char	 peer[64];		/* who is at the other end, for logs */
	char	 err[IPC_ERR_MAX];	/* why the last call failed */
	int	 err_proto;		/* 1: the peer broke the protocol */
};

struct ipc_rec;

/*
 * What both ends of an internal service agree on; each protocol
 * header declares one (anvil_clnt.h: anvil_proto, auth_proto.h:
 * auth_proto, qmgr_proto.h: qmgr_ctl_proto), for lib/ipc_clnt (the
 * client end) and lib/ipc_conn (the server end).
 */
struct ipc_proto {
	const char	*name;		/* announced: proto=NAME/MAJOR.MINOR */
	unsigned	 major;
	unsigned	 minor;
	const char	*socket;	/* relative to queue_directory */
	const char	*client;	/* who asks, in logs: "auth client" */
	size_t		 rec_max;	/* largest record either way */
	int		 timeout_ms;	/* a client call's default bound */
};

/* Set up ch for fd with the defaults; peer names the other end in logs. */
void	ipc_chan_init(struct ipc_chan *ch, int fd, const char *peer);

/*
 * Log ch->err: `protocol error from <peer>: <what>` when the peer broke
 * the protocol, `error talking to <peer>: <what>` for I/O errors and
 * timeouts.
 */
void	ipc_log_error(const struct ipc_chan *ch);
/* Log a record's getter error: `protocol error from <peer>: <what>`. */
void	ipc_log_rec_error(const struct ipc_chan *ch, const struct ipc_rec *r);

/*
 * Building. ipc_rec_new returns an empty record (never NULL); the caller
 * frees it with ipc_rec_free, which sets the pointer to NULL.
 *
 * The ipc_add_* functions append one attribute and return 0, or -1
 * when the record would pass IPC_MAX_LIMIT; the record then remembers
 * the failure and cannot be sent, so callers may check only the send.
 * name must match [a-z0-9_]{1,IPC_NAME_MAX}, or the process panics.
 */
struct ipc_rec *ipc_rec_new(void);
void	ipc_rec_free(struct ipc_rec **rp);
/*
 * ipc_rec_free for a record that holds a secret (a password): every
 * byte it holds is wiped first. A built record's frame is never
 * reallocated once the secret is its last attribute (add it last).
 */
void	ipc_rec_wipe(struct ipc_rec **rp);
int	ipc_add_str(struct ipc_rec *r, const char *name, const char *value);
int	ipc_add_data(struct ipc_rec *r, const char *name, const void *value,
	    size_t len);
int	ipc_add_uint(struct ipc_rec *r, const char *name, uint64_t value);
int	ipc_add_int(struct ipc_rec *r, const char *name, int64_t value);
int	ipc_add_bool(struct ipc_rec *r, const char *name, int value);
/*
 * The complete frame of a built record (header and payload) and its
 * length, for callers that queue the bytes themselves (an event loop);
 * NULL when an add failed. Valid until the record is changed or freed.
 */
const void *ipc_rec_frame(const struct ipc_rec *r, size_t *len_r);

/*
 * Sending, blocking for at most ch->timeout_ms. A payload over ch->max
 * is refused. ipc_send_fd attaches fd to the frame (the caller keeps
 * its copy). 0, or -1 with ch->err set.
 */
int	ipc_send(struct ipc_chan *ch, const struct ipc_rec *r);
int	ipc_send_fd(struct ipc_chan *ch, const struct ipc_rec *r, int fd);

/*
 * Receiving one frame, blocking for at most ch->timeout_ms in all.
 * Returns 1 and a new record in *rec_r (the caller frees it); 0 when the
 * peer closed the connection cleanly between frames; -1 with ch->err
 * set (timeout, I/O error, length over ch->max, end of file inside a
 * frame, malformed attributes).
 *
 * ipc_recv refuses a frame that carries a descriptor (the descriptor is
 * closed). ipc_recv_fd accepts at most one and returns it in *fd_r
 * (close-on-exec; -1 when the frame had none); the caller checks it
 * (fdpass_check_reg) and closes it, also when the record turns out not
 * to be one that may carry a descriptor. On -1 *fd_r is -1.
 */
int	ipc_recv(struct ipc_chan *ch, struct ipc_rec **rec_r);
int	ipc_recv_fd(struct ipc_chan *ch, struct ipc_rec **rec_r, int *fd_r);

/*
 * Incremental decoding for an event loop: buf holds len bytes received
 * so far. Returns 1 when a whole frame is there: *rec_r is the record
 * (the caller frees it) and *used_r the bytes it took from the front of
 * buf, which the caller then discards. Returns 0 when more bytes are
 * needed (nothing is allocated, *used_r is 0), and -1 with ch->err set
 * on a protocol error, including a length over ch->max, which is
 * detected as soon as the 4 length bytes are there.
 */
int	ipc_parse(struct ipc_chan *ch, const void *buf, size_t len,
	    struct ipc_rec **rec_r, size_t *used_r);

/*
 * Reading a received record, in declared order. Each getter takes the
 * next attribute, which must have the given name and a valid value of
 * its type; it returns 0 and the value, or -1 with the reason left in
 * the record (ipc_rec_error), after which every getter returns -1.
 *
 * ipc_get_str: no NUL byte in the value; *value_r is NUL-terminated and
 * points into the record (valid until it is freed). ipc_get_strn also
 * refuses values longer than maxlen bytes.
 * ipc_get_data: any bytes; *value_r points into the record.
 * ipc_get_uint/ipc_get_int: canonical decimal within [min, max].
 * ipc_get_bool: "0" or "1".
 * ipc_end: 0 when every attribute was read, else -1 ("unexpected
 * attribute ...").
 */
int	ipc_get_str(struct ipc_rec *r, const char *name, const char **value_r);
int	ipc_get_strn(struct ipc_rec *r, const char *name, size_t maxlen,
	    const char **value_r);
int	ipc_get_data(struct ipc_rec *r, const char *name,
	    const void **value_r, size_t *len_r);
int	ipc_get_uint(struct ipc_rec *r, const char *name, uint64_t min,
	    uint64_t max, uint64_t *value_r);
int	ipc_get_int(struct ipc_rec *r, const char *name, int64_t min,
	    int64_t max, int64_t *value_r);
int	ipc_get_bool(struct ipc_rec *r, const char *name, int *value_r);
int	ipc_end(struct ipc_rec *r);
/* Name of the next unread attribute, or NULL (for optional attributes). */
const char *ipc_next_name(const struct ipc_rec *r);
/* Number of attributes in a received record. */
size_t	ipc_rec_count(const struct ipc_rec *r);
/* Why the last getter failed ("" when none did). */
const char *ipc_rec_error(const struct ipc_rec *r);

/*
 * Protocol announcement. The server sends one record with the single
 * attribute proto=NAME/MAJOR.MINOR; the client receives it and checks
 * that the name matches and the major version is the one it speaks
 * (any minor is accepted and returned in *minor_r, which may be NULL).
 * name is [a-z0-9_-]{1,32}. 0, or -1 with ch->err set (a mismatch is a
 * protocol error). ipc_hello_check does the check on a record already
 * received (from ipc_parse); its error is left in the record.
 */
int	ipc_hello_send(struct ipc_chan *ch, const char *name,
	    unsigned major, unsigned minor);
/* The announcement record, for a server that queues its own output. */
struct ipc_rec *ipc_hello_new(const char *name, unsigned major,
	    unsigned minor);
int	ipc_hello_recv(struct ipc_chan *ch, const char *name, unsigned major,
	    unsigned *minor_r);
int	ipc_hello_check(struct ipc_rec *r, const char *name, unsigned major,
	    unsigned *minor_r);

#endif

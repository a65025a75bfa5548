/*
 * fdpass - passing one open file descriptor over a UNIX stream socket.
 *
 * DESCRIPTION
 *	A descriptor travels as SCM_RIGHTS ancillary data attached to the
 *	first byte of a write: a whole IPC frame (ipc_send_fd) or a single
 *	byte (fdpass_send_fd). It is received with MSG_CMSG_CLOEXEC, so it
 *	never leaks into a program we exec. At most one descriptor rides
 *	with one message; anything beyond that is closed on arrival and
 *	reported as an error (EPROTO).
 *
 * SECURITY
 *	Peers are untrusted. A peer may send no descriptor, several, one of
 *	the wrong type (a directory, a FIFO, a device) or one attached to
 *	the wrong message. Receivers close what they did not ask for, and
 *	check what they keep with fdpass_check_reg/fdpass_check_sock before
 *	using it.
 */
#ifndef POSTERN_FDPASS_H
#define POSTERN_FDPASS_H

#include <sys/types.h>
#include <sys/stat.h>

/*
 * Write len bytes (len > 0) to the stream socket sock, with fd attached
 * to the first byte (fd < 0: no descriptor). Partial writes are resumed
 * until everything is written or timeout_ms milliseconds have passed
 * (< 0: no limit); works on blocking and non-blocking sockets alike and
 * never raises SIGPIPE. Returns 0, or -1 with errno (ETIMEDOUT on
 * timeout). The caller still owns fd and closes it when it likes.
 */
int	fdpass_send(int sock, const void *buf, size_t len, int fd,
	    int timeout_ms);

/*
 * One non-blocking recvmsg of up to len bytes. Returns the byte count,
 * 0 at end of file, or -1 with errno (EAGAIN: nothing there yet).
 *
 * *fd_r must be -1 or a descriptor received earlier for the same
 * message. A descriptor that arrives is stored there (close-on-exec).
 * When one arrives while *fd_r already holds one, when a message
 * carries more than one, or when the ancillary data was truncated, every
 * new descriptor is closed and -1/EPROTO returned (*fd_r is left as it
 * was; the caller closes it).
 */
ssize_t	fdpass_recvmsg(int sock, void *buf, size_t len, int *fd_r);

/*
 * Read exactly len bytes, waiting at most timeout_ms in all (< 0: no
 * limit); a descriptor that comes with any of them is stored in *fd_r
 * as with fdpass_recvmsg. Returns len when complete, fewer (possibly 0)
 * when the peer closed first, or -1 with errno (ETIMEDOUT, EPROTO, ...).
 */
ssize_t	fdpass_recv(int sock, void *buf, size_t len, int *fd_r,
	    int timeout_ms);

/* Send fd with a single byte: 0, or -1 with errno. */
int	fdpass_send_fd(int sock, int fd, int timeout_ms);
/*
 * Receive a single byte that must carry exactly one descriptor: 0 and
 * *fd_r (close-on-exec, the caller closes it), or -1 with errno
 * (EPROTO: no descriptor or more than one; ECONNRESET: end of file).
 */
int	fdpass_recv_fd(int sock, int *fd_r, int timeout_ms);

/*
 * Check that fd refers to a regular file (a queue file) or to a socket
 * (a handed-over client). 0 and *st_r filled (st_r may be NULL; the
 * caller may compare st_dev/st_ino with what it expected), or -1 with
 * *err_r static text ("not a regular file", "fstat failed", ...).
 */
int	fdpass_check_reg(int fd, struct stat *st_r, const char **err_r);
int	fdpass_check_sock(int fd, struct stat *st_r, const char **err_r);

#endif

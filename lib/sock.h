/*
 * sock - sockets: listen and connect for inet ([host]:port, IPv4 and
 * IPv6) and UNIX stream sockets, non-blocking and close-on-exec helpers,
 * and the peer's credentials (SO_PEERCRED).
 *
 * DESCRIPTION
 *	Every socket made here is close-on-exec. Listening sockets have
 *	SO_REUSEADDR and are left in blocking mode (sock_set_nonblock).
 *	Connected sockets are returned in blocking mode. Functions return
 *	0 (or an fd) on success, -1 with errno on failure.
 *
 * SECURITY
 *	sock_listen_unix never removes anything but a socket file. Connect
 *	takes numeric addresses only, so no program does DNS behind the
 *	resolver's back. sock_peercred is the kernel's word (SO_PEERCRED),
 *	the only identity local submission trusts.
 */
#ifndef POSTERN_SOCK_H
#define POSTERN_SOCK_H

#include <sys/types.h>

/*
 * Listen on host:port (host "" or "*" or NULL: all addresses; an IPv6
 * literal may be given bare or in brackets). Returns the fd or -1 with
 * *err_r a malloc'd reason.
 *
 * All addresses is one dual-stack [::] socket (IPV6_V6ONLY off; peers
 * show as IPv4 in sock_peer_addr), or 0.0.0.0 on a host without IPv6.
 * A given IPv6 address gets IPV6_V6ONLY, so "0.0.0.0" and "::" can be
 * bound side by side. host may be a name (looked up here: the master
 * only); port may be a number or a service name; "0" picks a free port
 * (see sock_local_addr). *err_r is NULL on success; the caller frees it.
 */
int	sock_listen_inet(const char *host, const char *port, int backlog,
	    char **err_r);
/*
 * Listen on a UNIX path (an old socket file is replaced) with mode.
 * Anything at path that is not a socket (a file, a directory, a symbolic
 * link) is refused with EEXIST and left alone. The socket is born with
 * mode (bind under the matching umask); nothing is done by name after.
 */
int	sock_listen_unix(const char *path, int mode, int backlog, char **err_r);
/*
 * The same for name in the directory dfd, done by a child process that
 * runs as pu (when we are root; else as we are): for a directory that pu
 * may write, where root must not act by name. The socket belongs to pu.
 */
struct priv_user;
int	sock_listen_unix_as(int dfd, const char *name, int mode, int backlog,
	    const struct priv_user *pu, char **err_r);
/* Remove the socket (or a link) name from dfd, as pu: 0 or -1. */
int	sock_unlink_unix_as(int dfd, const char *name,
	    const struct priv_user *pu, char **err_r);
/*
 * Connect (blocking, with a timeout in seconds); fd or -1 and errno.
 * timeout <= 0: no limit. ETIMEDOUT when it passes. host must be a
 * numeric address (bare or bracketed IPv6), port a number: EINVAL
 * otherwise.
 */
int	sock_connect_unix(const char *path, int timeout);
/*
 * Connect without waiting, for an event loop: the fd (non-blocking),
 * or -1 and errno; EAGAIN when the listener's queue is full (a UNIX
 * stream connect never goes "in progress").
 */
int	sock_connect_unix_nowait(const char *path);
int	sock_connect_inet(const char *host, const char *port, int timeout);
int	sock_set_nonblock(int fd, int on);
int	sock_set_cloexec(int fd, int on);
/*
 * No Nagle delay on a TCP socket (a server that writes each reply when
 * it is complete, and pipelining clients that wait for it); a UNIX
 * socket is left as it is. 0, or -1 with errno.
 */
int	sock_set_nodelay(int fd);
/* The connected peer's uid/gid/pid (UNIX sockets): 0/-1. NULLs ok. */
int	sock_peercred(int fd, uid_t *, gid_t *, pid_t *);
/*
 * "host[ip]"-style text for the peer of fd: ip and port, numeric.
 * An IPv4-mapped IPv6 peer is shown as IPv4. port may be NULL.
 * -1 with EAFNOSUPPORT for a non-inet socket, ENOSPC when a buffer is
 * too small (46 bytes hold any address, 6 any port).
 */
int	sock_peer_addr(int fd, char *ip, size_t iplen, char *port,
	    size_t portlen);
/* 1 when s is a numeric IPv4 or IPv6 address (no brackets), else 0. */
int	sock_addr_numeric(const char *s);
/* The same for our own end of fd (which address and port it is bound to). */
int	sock_local_addr(int fd, char *ip, size_t iplen, char *port,
	    size_t portlen);

#endif

/*
 * sock - sockets: listen and connect for inet ([host]:port, IPv4 and
 * IPv6) and UNIX stream sockets, non-blocking and close-on-exec helpers,
 * and the peer's credentials (SO_PEERCRED).
 */
#ifndef POSTERN_SOCK_H
#define POSTERN_SOCK_H

#include <sys/types.h>

/*
 * Listen on host:port (host "" or "*" or NULL: all addresses; an IPv6
 * literal may be given bare or in brackets). Returns the fd or -1 with
 * *err_r a malloc'd reason.
 */
int	sock_listen_inet(const char *host, const char *port, int backlog,
	    char **err_r);
/* Listen on a UNIX path (an old socket file is replaced) with mode. */
int	sock_listen_unix(const char *path, int mode, int backlog, char **err_r);
/* Connect (blocking, with a timeout in seconds); fd or -1 and errno. */
int	sock_connect_unix(const char *path, int timeout);
int	sock_connect_inet(const char *host, const char *port, int timeout);
int	sock_set_nonblock(int fd, int on);
int	sock_set_cloexec(int fd, int on);
/* The connected peer's uid/gid/pid (UNIX sockets): 0/-1. */
int	sock_peercred(int fd, uid_t *, gid_t *, pid_t *);
/* "host[ip]"-style text for the peer of fd: ip and port, numeric. */
int	sock_peer_addr(int fd, char *ip, size_t iplen, char *port, size_t portlen);

#endif

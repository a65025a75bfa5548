/*
 * NAME
 *	sock_as - UNIX sockets made and removed as the owner of their
 *	directory; see sock.h.
 *
 * DESCRIPTION
 *	The master listens on sockets in private/, a directory that belongs
 *	to mail_owner. bind(2) has no *at() form, so the socket is made by
 *	a child running as mail_owner inside that directory (priv_as_run):
 *	it is born owned by mail_owner with its mode, and whatever
 *	mail_owner renames into the directory meanwhile, no step taken as
 *	root acts on it. A socket that is no longer wanted is removed the
 *	same way.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>

#include "fsat.h"
#include "priv.h"
#include "priv_as.h"
#include "sock.h"

struct sock_as_req {
	const char	*name;
	int		 mode;
	int		 backlog;
};

static int
sock_as_listen(void *arg, char **err_r)
{
	struct sock_as_req *r = arg;

	return sock_listen_unix(r->name, r->mode, r->backlog, err_r);
}

static int
sock_as_unlink(void *arg, char **err_r)
{
	struct sock_as_req *r = arg;

	return fsat_unlink_stale(AT_FDCWD, r->name, err_r) < 0 ? -1 :
	    PRIV_AS_NOFD;
}

int
sock_listen_unix_as(int dfd, const char *name, int mode, int backlog,
    const struct priv_user *pu, char **err_r)
{
	struct sock_as_req r = { name, mode, backlog };
	int fd;

	if (priv_as_run(pu, dfd, sock_as_listen, &r, &fd, err_r) < 0)
		return -1;
	return fd;
}

int
sock_unlink_unix_as(int dfd, const char *name, const struct priv_user *pu,
    char **err_r)
{
	struct sock_as_req r = { name, 0, 0 };
	int fd;

	return priv_as_run(pu, dfd, sock_as_unlink, &r, &fd, err_r);
}

/*
 * NAME
 *	priv_as - one file-system step taken by a child process that runs
 *	as the owner of the directory it is taken in; see priv_as.h.
 *
 * DESCRIPTION
 *	Root must not act by name in a directory that a less privileged
 *	user can write (fsat.h says why). Most steps have an *at() form
 *	that acts through descriptors; where one has not - bind(2) of a
 *	UNIX socket takes a path - a child switches to the directory's
 *	owner for good, moves into the directory through its descriptor
 *	and takes the step there, with that user's rights only: whatever
 *	the user puts in the way, the step can do no more than the user
 *	could do alone. The child hands back the descriptor it made
 *	(SCM_RIGHTS) or says why it failed, and exits.
 *
 * SECURITY
 *	The child drops with setgroups, setresgid and setresuid, checked
 *	with getresuid/getresgid, before it does anything else; it never
 *	returns into the caller's code (it ends with _exit). What comes
 *	back is read after the child has exited, at most PRIV_AS_MSG
 *	bytes and one descriptor.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fdpass.h"
#include "priv_as.h"
#include "xmalloc.h"

#define PRIV_AS_MSG	512

/* In the child: become pu for good. 0, or -1 with *why. */
static int
priv_as_become(const struct priv_user *pu, const char **why)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (pu == NULL || geteuid() != 0)
		return 0;
	if (pu->uid == 0) {
		*why = "will not act as root";
		return -1;
	}
	if (setgroups(1, &pu->gid) < 0 ||
	    setresgid(pu->gid, pu->gid, pu->gid) < 0 ||
	    setresuid(pu->uid, pu->uid, pu->uid) < 0 ||
	    getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != pu->uid || eu != pu->uid || su != pu->uid ||
	    rg != pu->gid || eg != pu->gid || sg != pu->gid) {
		*why = "cannot switch to the directory's owner";
		return -1;
	}
	return 0;
}

static void __attribute__((noreturn))
priv_as_child(const struct priv_user *pu, int dfd, priv_as_fn *fn,
    void *arg, int sock)
{
	char msg[PRIV_AS_MSG], *err = NULL;
	const char *why = NULL;
	int fd = -1;

	if (priv_as_become(pu, &why) < 0)
		snprintf(msg, sizeof(msg), "E%s %s: %s", why,
		    pu->name, strerror(errno));
	else if (dfd >= 0 && fchdir(dfd) < 0)
		snprintf(msg, sizeof(msg), "Echdir: %s", strerror(errno));
	else if ((fd = fn(arg, &err)) == -1)
		snprintf(msg, sizeof(msg), "E%s", err != NULL ? err :
		    "failed");
	else
		snprintf(msg, sizeof(msg), "%c", fd >= 0 ? 'F' : 'N');
	_exit(fdpass_send(sock, msg, strlen(msg), fd >= 0 ? fd : -1,
	    5000) == 0 ? 0 : 1);
}

int
priv_as_run(const struct priv_user *pu, int dfd, priv_as_fn *fn, void *arg,
    int *fd_r, char **err_r)
{
	char msg[PRIV_AS_MSG];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int sp[2], status, fd = -1, saved;

	*fd_r = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		err_set(err_r, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		saved = errno;
		close(sp[0]);
		close(sp[1]);
		err_set(err_r, "fork: %s", strerror(saved));
		return -1;
	}
	if (pid == 0) {
		close(sp[0]);
		priv_as_child(pu, dfd, fn, arg, sp[1]);
	}
	close(sp[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* the child has gone: all it said is in the socket's buffer */
	while (len < sizeof(msg) - 1 && (n = fdpass_recvmsg(sp[0], msg + len,
	    sizeof(msg) - 1 - len, &fd)) > 0)
		len += (size_t)n;
	close(sp[0]);
	msg[len] = '\0';
	if (len == 1 && msg[0] == 'F' && fd >= 0) {
		*fd_r = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (len == 1 && msg[0] == 'N')
		return 0;
	if (len > 1 && msg[0] == 'E')
		err_set(err_r, "%s", msg + 1);
	else
		err_set(err_r, "the helper process %s", WIFSIGNALED(status) ?
		    "was killed" : "said nothing");
	errno = EPERM;
	return -1;
}

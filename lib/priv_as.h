/*
 * priv_as - one file-system step taken by a child process that has
 * become another user (the owner of the directory it is taken in).
 *
 * Root must not act by name in a directory that a less privileged user
 * can write (lib/fsat.h). Most steps have an *at() form; where one has
 * not (bind(2) of a UNIX socket), or to see what a user can reach, the
 * step is taken by a child that has switched to that user for good and
 * hands back a descriptor or the reason it failed.
 */
#ifndef POSTERN_PRIV_AS_H
#define POSTERN_PRIV_AS_H

#include "priv.h"

/*
 * priv_as_run: fn(arg, err_r) in a child process that has become pu for
 * good (when we are root; NULL pu or not root: as we are), with dfd as
 * its working directory (-1: ours), for a step that has no *at() form
 * (bind(2)), or to see what pu can reach.
 * fn returns a descriptor to hand back, PRIV_AS_NOFD when it succeeded
 * without one, or -1 with *err_r. Returns 0 with *fd_r (the descriptor,
 * close-on-exec, or -1), or -1 with *err_r (the caller frees it).
 */
#define PRIV_AS_NOFD	(-2)
typedef int priv_as_fn(void *arg, char **err_r);
int	priv_as_run(const struct priv_user *pu, int dfd, priv_as_fn *fn,
	    void *arg, int *fd_r, char **err_r);

#endif

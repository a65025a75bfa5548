/*
 * NAME
 *	ctl_setup - postern setup: do what postern check says to do.
 *
 * SYNOPSIS
 *	postern setup
 *
 * DESCRIPTION
 *	Runs every check of postern check (ctl_check.c, ctl_check_fs.c)
 *	and carries out each fix that has an action, in the order the
 *	checks find them (the users first, so that the owners that follow
 *	exist): a missing service user is created with useradd, a missing
 *	directory is made, an owner or a mode is set, a hash: table that
 *	is missing or older than its source is compiled. Then it checks
 *	again and reports what is left for the admin, as postern check
 *	does (same lines, same exit status). Run twice, the second run
 *	does nothing: each action changes only what its check found wrong.
 *	This is what Postfix's `postfix set-permissions` and `post-install
 *	create-missing` do; new kinds of action (a certificate, ...) go in
 *	ctl.h's enum ctl_act_kind and in ctl_setup_apply.
 *
 * SECURITY
 *	Run by root, it acts by name only through lib/fsat: the parent of
 *	a path it changes must belong to root and be writable by nobody
 *	else, unless it is sticky (/tmp: fsat_root_may_act); the path
 *	itself is opened without following a link, checked to be a
 *	directory or a regular file as expected, and changed through its
 *	descriptor. useradd is run directly (no shell) with a fixed
 *	argument list.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "fsat.h"
#include "maps.h"
#include "xmalloc.h"

#define CTL_USERADD	"/usr/sbin/useradd"

static int
ctl_setup_user(const struct ctl_action *a, char **err_r)
{
	char *const argv[] = { CTL_USERADD, "--system", "--home-dir",
	    (char *)(uintptr_t)a->home, "--no-create-home", "--shell",
	    "/usr/sbin/nologin", (char *)(uintptr_t)a->name, NULL };
	int status;
	pid_t pid;

	if (a->home == NULL || *a->name == '-') {
		err_set(err_r, "bad user name or home");
		return -1;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		err_set(err_r, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(CTL_USERADD, argv);
		fprintf(stderr, "postern: %s: %s\n", CTL_USERADD,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set(err_r, "%s exited with status %d", CTL_USERADD,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

/*
 * The directory that holds path, open, where root may act by name
 * (lib/fsat.h). *base_r points into path.
 */
static int
ctl_setup_parent(const char *path, const char **base_r, char **err_r)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int dfd;

	if (*path != '/' || slash == NULL || slash[1] == '\0') {
		err_set(err_r, "%s: not an absolute path of a file or "
		    "directory", path);
		return -1;
	}
	*base_r = slash + 1;
	dir = slash == path ? xstrdup("/") : xstrndup(path,
	    (size_t)(slash - path));
	dfd = fsat_dir_open(dir, FSAT_ANY_OWNER, 0, err_r);
	if (dfd >= 0 && fsat_root_may_act(dfd, dir, err_r) < 0) {
		close(dfd);
		dfd = -1;
	}
	free(dir);
	return dfd;
}

static int
ctl_setup_path(const struct ctl_action *a, char **err_r)
{
	const char *base;
	int dfd, r;

	if ((dfd = ctl_setup_parent(a->name, &base, err_r)) < 0)
		return -1;
	r = fsat_fix(dfd, base, a->dir, (mode_t)a->create, a->uid < 0 ?
	    FSAT_ANY_OWNER : (uid_t)a->uid, a->gid < 0 ? (gid_t)-1 :
	    (gid_t)a->gid, (mode_t)a->clear, (mode_t)a->set, err_r);
	close(dfd);
	return r < 0 ? -1 : 0;
}

int
ctl_setup_apply(const struct ctl_action *a, char **err_r)
{
	switch (a->kind) {
	case CTL_ACT_USER:
		return ctl_setup_user(a, err_r);
	case CTL_ACT_PATH:
		return ctl_setup_path(a, err_r);
	case CTL_ACT_MAP:
		return maps_compile(a->name, err_r);
	}
	err_set(err_r, "unknown action");
	return -1;
}

int
ctl_setup(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern setup\n");
		return EX_USAGE_CTL;
	}
	return ctl_check_setup();
}

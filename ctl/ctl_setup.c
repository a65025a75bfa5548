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
 *	is missing or older than its source is compiled (an alias table of
 *	alias_database as newaliases builds it, from an empty source when
 *	it has none; postern user's users and mailboxes tables, empty,
 *	when main.cf leaves them at their defaults and they do not exist
 *	yet), and a self-signed certificate for $myhostname is made
 *	where the configured certificate and key files are both missing,
 *	or, when TLS is asked for (smtpd_tls_security_level may or encrypt)
 *	and no certificate is configured, in config_directory/tls, which
 *	main.cf then names. Then it checks again and reports what is left
 *	for the admin, as postern check does (same lines, same exit
 *	status). Run twice, the second run does nothing: each action
 *	changes only what its check found wrong, so it is safe on every
 *	upgrade (the Debian package runs it from its postinst). This is
 *	what Postfix's `postfix set-permissions` and `post-install
 *	create-missing` do; new kinds of action go in ctl.h's enum
 *	ctl_act_kind and in ctl_setup_apply.
 *
 * SECURITY
 *	Run by root, it acts by name only through lib/fsat: the parent of
 *	a path it changes must belong to root and be writable by nobody
 *	else, unless it is sticky (/tmp: fsat_root_may_act); the path
 *	itself is opened without following a link, checked to be a
 *	directory or a regular file as expected, and changed through its
 *	descriptor. useradd is run directly (no shell) with a fixed
 *	argument list. A new certificate, key or table source is created
 *	with O_EXCL and O_NOFOLLOW, in a directory only root can write;
 *	the key is mode 0600 and never replaces an existing file.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "fsat.h"
#include "maps.h"
#include "params.h"
#include "tls.h"
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

/* The directory that holds path, made (0755) when missing. */
static int
ctl_setup_dir_of(const char *path, char **err_r)
{
	const char *slash = strrchr(path, '/'), *base;
	struct stat st;
	char *dir;
	int dfd, fd, r = 0;

	if (slash == NULL || slash == path)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	if (stat(dir, &st) < 0 && errno == ENOENT) {
		if ((dfd = ctl_setup_parent(dir, &base, err_r)) < 0)
			r = -1;
		else {
			fd = fsat_mkdir(dfd, base, 0755, FSAT_ANY_OWNER,
			    (gid_t)-1, err_r);
			close(dfd);
			if (fd < 0)
				r = -1;
			else
				close(fd);
		}
	}
	free(dir);
	return r;
}

/*
 * A self-signed certificate for $myhostname, for ten years (README,
 * TLS, says how to use a real one), then named in main.cf if asked.
 */
static int
ctl_setup_cert(const struct ctl_action *a, char **err_r)
{
	const char *names[] = { var_myhostname, NULL };
	char *set[2], *e = NULL;
	int r;

	if (ctl_setup_dir_of(a->name, err_r) < 0 ||
	    ctl_setup_dir_of(a->key, err_r) < 0 ||
	    fsat_root_may_act_beside(a->name, err_r) < 0 ||
	    fsat_root_may_act_beside(a->key, err_r) < 0)
		return -1;
	if (tls_cert_selfsigned(a->name, a->key, names, 3650, &e) < 0) {
		err_set(err_r, "%s", e);
		free(e);
		return -1;
	}
	if (!a->configure)
		return 0;
	set[0] = xasprintf("smtpd_tls_cert_file=%s", a->name);
	set[1] = xasprintf("smtpd_tls_key_file=%s", a->key);
	r = ctl_conf_edit(2, set);
	free(set[0]);
	free(set[1]);
	if (r != 0)
		return err_set(err_r, "made %s, but main.cf could not be "
		    "changed to name it", a->name);
	return 0;
}

/*
 * An alias table as newaliases builds it; a missing source is made
 * empty first (with a comment), as postern init makes its tables.
 */
static int
ctl_setup_aliases(const struct ctl_action *a, char **err_r)
{
	const char *path = strchr(a->name, ':') + 1, *base;
	char *text;
	int dfd, fd;
	ssize_t n;

	if (access(path, F_OK) < 0) {
		if (ctl_setup_dir_of(path, err_r) < 0 ||
		    (dfd = ctl_setup_parent(path, &base, err_r)) < 0)
			return -1;
		fd = fsat_open(dfd, base, O_WRONLY | O_CREAT | O_EXCL, 0644,
		    FSAT_ANY_OWNER, err_r);
		close(dfd);
		if (fd < 0)
			return -1;
		text = xasprintf("# Aliases for the domains of mydestination, "
		    "in aliases(5) format:\n#   name: address, address\n"
		    "# root and postmaster go to postmaster@$mydomain when "
		    "they have no\n# line here. After a change run: "
		    "newaliases\n");
		n = write(fd, text, strlen(text));
		if (n < 0 || (size_t)n != strlen(text) || fsync(fd) < 0) {
			err_set(err_r, "%s: %s", path, strerror(errno));
			free(text);
			close(fd);
			return -1;
		}
		free(text);
		close(fd);
	}
	return maps_compile_aliases(a->name, err_r);
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
	case CTL_ACT_ALIASES:
		return ctl_setup_aliases(a, err_r);
	case CTL_ACT_CERT:
		return ctl_setup_cert(a, err_r);
	case CTL_ACT_USERDB:
		return ctl_user_tables(ctl_config_dir(), err_r);
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

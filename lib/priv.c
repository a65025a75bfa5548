/*
 * priv - dropping privileges and jailing a process.
 *
 * DESCRIPTION
 *	Implements the contract in priv.h (STYLE 2.7). The order matters:
 *	the user is looked up while /etc/passwd is still reachable;
 *	supplementary groups and the gid go while we may still change them;
 *	chroot needs root, so it comes before the uid; the uid goes last.
 *	Then we read every id back and make sure root cannot be regained,
 *	and set PR_SET_NO_NEW_PRIVS so no exec can raise privileges again.
 *	Any failure is fatal: a process that is not sure what it runs as
 *	must not read a byte from the network.
 *
 *	Without root (development, tests, `make run`) nothing is changed
 *	and one debug line says what was skipped; the master says it once
 *	at start (DESIGN).
 *
 * SECURITY
 *	Inputs are the configuration (user name, jail directory), trusted
 *	as far as main.cf is. Dropping to uid 0 or gid 0 is refused.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

extern char **environ;

int
priv_lookup(const char *user, struct priv_user *pu, const char **err_r)
{
	struct passwd *pw;
	const char *errstr, *p;
	long long id;
	int numeric = 1;

	if (user == NULL || *user == '\0') {
		*err_r = "empty user name";
		return -1;
	}
	for (p = user; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			numeric = 0;
	errno = 0;
	if (numeric) {
		id = strtonum(user, 0, (long long)(uid_t)-1 - 1, &errstr);
		if (errstr != NULL) {
			*err_r = "numeric user id out of range";
			return -1;
		}
		pw = getpwuid((uid_t)id);
	} else
		pw = getpwnam(user);
	if (pw == NULL) {
		switch (errno) {
		case 0:
		case ENOENT:
		case ESRCH:
		case EBADF:
		case EPERM:
			*err_r = "no such user";
			break;
		default:
			*err_r = "user database lookup failed";
			break;
		}
		return -1;
	}
	if (strlcpy(pu->name, pw->pw_name, sizeof(pu->name)) >=
	    sizeof(pu->name)) {
		*err_r = "user name too long";
		return -1;
	}
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return 0;
}

/*
 * Development mode: change nothing, and say what is not done at debug
 * level (the master says once at start that nothing runs as root).
 */
static void
priv_note_unprivileged(const char *user, const char *chroot_dir)
{
	int jail = chroot_dir != NULL && *chroot_dir != '\0';

	if (user == NULL && !jail)
		return;
	log_debug("not running as root: staying uid %lu%s%s%s%s",
	    (unsigned long)geteuid(), user != NULL ? ", not dropping to " : "",
	    user != NULL ? user : "", jail ? ", not chrooting to " : "",
	    jail ? chroot_dir : "");
}

static void
priv_jail(const char *chroot_dir)
{
	if (chroot_dir == NULL || *chroot_dir == '\0')
		return;
	if (chroot(chroot_dir) < 0)
		log_fatal("chroot %s: %m", chroot_dir);
	if (chdir("/") < 0)
		log_fatal("chdir / in the jail %s: %m", chroot_dir);
}

static void
priv_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_fatal("prctl PR_SET_NO_NEW_PRIVS: %m");
}

/* Read every id back; fatal unless all are the target and root is gone. */
static void
priv_verify(const struct priv_user *pu)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	int n;

	if (getresuid(&ru, &eu, &su) < 0)
		log_fatal("getresuid: %m");
	if (getresgid(&rg, &eg, &sg) < 0)
		log_fatal("getresgid: %m");
	if (ru != pu->uid || eu != pu->uid || su != pu->uid)
		log_fatal("privilege drop to %s failed: uids are %lu/%lu/%lu, "
		    "want %lu", pu->name, (unsigned long)ru, (unsigned long)eu,
		    (unsigned long)su, (unsigned long)pu->uid);
	if (rg != pu->gid || eg != pu->gid || sg != pu->gid)
		log_fatal("privilege drop to %s failed: gids are %lu/%lu/%lu, "
		    "want %lu", pu->name, (unsigned long)rg, (unsigned long)eg,
		    (unsigned long)sg, (unsigned long)pu->gid);
	n = getgroups(2, groups);
	if (n != 1 || groups[0] != pu->gid)
		log_fatal("privilege drop to %s failed: supplementary groups "
		    "not reduced to %lu", pu->name, (unsigned long)pu->gid);
	if (setuid(0) != -1)
		log_fatal("privilege drop to %s failed: setuid(0) succeeded",
		    pu->name);
	if (setgid(0) != -1)
		log_fatal("privilege drop to %s failed: setgid(0) succeeded",
		    pu->name);
}

void
priv_drop_to(const struct priv_user *pu, const char *chroot_dir)
{
	if (geteuid() != 0) {
		priv_note_unprivileged(pu->name, chroot_dir);
		return;
	}
	if (pu->uid == 0 || pu->gid == 0)
		log_fatal("refusing to drop privileges to %s: uid %lu gid %lu "
		    "is root", pu->name, (unsigned long)pu->uid,
		    (unsigned long)pu->gid);
	if (setgroups(1, &pu->gid) < 0)
		log_fatal("setgroups(%lu): %m", (unsigned long)pu->gid);
	if (setresgid(pu->gid, pu->gid, pu->gid) < 0)
		log_fatal("setresgid(%lu): %m", (unsigned long)pu->gid);
	priv_jail(chroot_dir);
	if (setresuid(pu->uid, pu->uid, pu->uid) < 0)
		log_fatal("setresuid(%lu): %m", (unsigned long)pu->uid);
	priv_verify(pu);
	priv_no_new_privs();
	log_debug("dropped privileges to %s (uid %lu, gid %lu)%s%s",
	    pu->name, (unsigned long)pu->uid, (unsigned long)pu->gid,
	    chroot_dir != NULL && *chroot_dir != '\0' ? ", jail " : "",
	    chroot_dir != NULL ? chroot_dir : "");
}

void
priv_drop(const char *user, const char *chroot_dir)
{
	struct priv_user pu;
	const char *err;

	if (geteuid() != 0) {
		priv_note_unprivileged(user, chroot_dir);
		return;
	}
	if (user == NULL) {
		/* stay as we are; only the jail, if any */
		if (chroot_dir != NULL && *chroot_dir != '\0') {
			priv_jail(chroot_dir);
			priv_no_new_privs();
		}
		return;
	}
	if (priv_lookup(user, &pu, &err) < 0)
		log_fatal("cannot drop privileges to user %s: %s", user, err);
	priv_drop_to(&pu, chroot_dir);
}

void
priv_no_fork(void)
{
	struct rlimit rl;

	rl.rlim_cur = 0;
	rl.rlim_max = 0;
	if (setrlimit(RLIMIT_NPROC, &rl) < 0)
		log_fatal("setrlimit RLIMIT_NPROC 0: %m");
}

void
priv_title_init(int argc, char **argv)
{
	setproctitle_init(argc, argv, environ);
}

void
priv_title(const char *fmt, ...)
{
	char buf[256];
	const char *prog = log_progname();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(prog, "postern") == 0)
		setproctitle("-postern: %s", buf);
	else
		setproctitle("-postern/%s: %s", prog, buf);
}

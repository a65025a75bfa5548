/*
 * priv - dropping privileges and jailing a process.
 *
 * Order (STYLE 2.7): look the user up before chroot; setgroups(1, &gid);
 * setresgid; chroot and chdir("/"); setresuid; then verify with
 * getresuid/getresgid that all three ids are the target and that
 * setuid(0) now fails; PR_SET_NO_NEW_PRIVS. Any mismatch is fatal.
 *
 * When the process is not root (development, tests, `make run`) nothing
 * is changed and one debug line says so.
 */
#ifndef POSTERN_PRIV_H
#define POSTERN_PRIV_H

#include <sys/types.h>

struct priv_user {
	uid_t	uid;
	gid_t	gid;
	char	name[64];
};

/* Look up a user name (or numeric uid): 0, or -1 with *err_r static text. */
int	priv_lookup(const char *user, struct priv_user *, const char **err_r);
/*
 * Drop to user (NULL: stay as is) and chroot into dir (NULL or "": none).
 * Fatal (log_fatal) on any failure or mismatch; a no-op when not root.
 */
void	priv_drop(const char *user, const char *chroot_dir);
/* The same with a looked-up user. */
void	priv_drop_to(const struct priv_user *, const char *chroot_dir);
/* Forbid fork from here on (RLIMIT_NPROC 0) for processes that never fork. */
void	priv_no_fork(void);
/* Process titles (libbsd setproctitle); call priv_title_init first in main. */
void	priv_title_init(int argc, char **argv);
void	priv_title(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

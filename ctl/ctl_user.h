/*
 * ctl_user.h - the virtual user database of `postern user` (private to
 * ctl_user.c and ctl_user_db.c).
 *
 * Files in config_directory:
 *	users		ADDRESS HASH MAILDIR [quota=SIZE], a user a line:
 *			the source of truth, and (compiled, users.db) the
 *			table the auth service reads. Mode 0640 with
 *			auth_owner's group (root) or 0600.
 *	mailboxes	ADDRESS MAILDIR [quota=SIZE]: the same without the
 *			hashes, compiled to mailboxes.db, the default
 *			virtual_mailbox_maps (smtpd, qmgr and local read
 *			it). Mode 0644. Regenerated from users on every
 *			change; never edited by hand.
 *	users.lock	serialises concurrent `postern user` runs (flock).
 */
#ifndef POSTERN_CTL_USER_H
#define POSTERN_CTL_USER_H

#include <stddef.h>

#define CTL_USERS_FILE		"users"
#define CTL_MAILBOXES_FILE	"mailboxes"
#define CTL_USERS_LOCK		"users.lock"

struct ctl_user_ent {
	char		*addr;		/* lookup key: lower case */
	char		*hash;		/* crypt(3) hash, or "!" */
	char		*maildir;	/* below virtual_mailbox_base */
	long long	 quota;		/* bytes, 0: none */
};

struct ctl_userdb {
	char			*dir;
	char			*users;		/* paths */
	char			*mailboxes;
	int			 lockfd;
	struct ctl_user_ent	*v;
	size_t			 n;
};

/*
 * Read the users file in confdir (a missing one is empty); with lock_it
 * first take the lock (blocking) that serialises changes, held until
 * ctl_userdb_close. 0, or -1 with the reason printed.
 */
int	ctl_userdb_open(struct ctl_userdb *, const char *confdir,
	    int lock_it);
/* Index of addr (a lookup key), or -1. */
long	ctl_userdb_find(const struct ctl_userdb *, const char *addr);
/* Append an entry (the strings are copied). */
void	ctl_userdb_add(struct ctl_userdb *, const char *addr,
	    const char *hash, const char *maildir, long long quota);
/* Remove entry i. */
void	ctl_userdb_del(struct ctl_userdb *, size_t i);
/*
 * Write users and mailboxes atomically (temporary file, fsync, rename,
 * directory fsync) and compile both (maps_compile). 0, or -1 with the
 * reason printed.
 */
int	ctl_userdb_save(struct ctl_userdb *);
/* Unlock and free. */
void	ctl_userdb_close(struct ctl_userdb *);
/*
 * ctl_user_pw.c: read a password (one line of stdin, or twice from the
 * terminal without echo) and hash it into hash. 0; 1 when the two
 * differ; -1 on any other error. Reasons are printed.
 */
int	ctl_user_password(int from_stdin, char *hash, size_t len);
/* n random characters (no look-alikes) and a NUL into buf. */
void	ctl_user_random_pw(char *buf, size_t n);

/* "QUOTA" as written in the files ("512m"). */
void	ctl_userdb_quota_text(long long, char *, size_t);

#endif

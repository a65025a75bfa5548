/*
 * NAME
 *	maillog - maillog_file: which names it may have, and opening it.
 *
 * DESCRIPTION
 *	maillog_file names the file every log line goes to instead of
 *	syslog (through the log service, postlogd(8)), or /dev/stdout: the
 *	master's standard output, for a master in the foreground
 *	(containers). As in Postfix, it must lie under one of
 *	maillog_file_prefixes, so that one wrong line in main.cf cannot
 *	make root append to /etc/passwd.
 *
 *	Only the master opens the file, as root, and hands the descriptor
 *	to postlogd; `postern check` and `postern logrotate` use the same
 *	checks. The directory must belong to root (or, for an instance
 *	that does not run as root, to the user running it) and be
 *	writable by its owner only: root never creates, opens or renames a
 *	file in a directory that someone else can change. The last
 *	component is opened without following a symbolic link, and must
 *	turn out to be a regular file.
 *
 * SECURITY
 *	The name comes from main.cf (root's file). The checks above keep a
 *	mistake, or a less privileged user with a writable directory, from
 *	steering root's open elsewhere.
 */
#ifndef POSTERN_MAILLOG_H
#define POSTERN_MAILLOG_H

#define MAILLOG_STDOUT	"/dev/stdout"

struct mastercf;

/*
 * Is path a name maillog_file may have (absolute, clean, under one of
 * the maillog_file_prefixes list prefixes)? 0, or -1 with *err_r
 * (malloc'd; the caller frees).
 */
int	maillog_name_check(const char *path, const char *prefixes,
	    char **err_r);

/*
 * Open path's directory after maillog_name_check and the ownership
 * checks above: a directory descriptor (close-on-exec) and *base_r,
 * the last component within path; or -1 with *err_r (malloc'd).
 */
int	maillog_dir_open(const char *path, const char *prefixes,
	    const char **base_r, char **err_r);

/*
 * Open maillog_file for appending, creating it (mode 0640) when it
 * does not exist: a descriptor (close-on-exec, O_APPEND), or -1 with
 * *err_r (malloc'd). /dev/stdout is a duplicate of descriptor 1.
 */
int	maillog_open(const char *path, const char *prefixes, char **err_r);

/*
 * What main.cf and master.cf must say for maillog_file (the master
 * refuses to start or reload otherwise; postern check reports it):
 * unix-dgram is the type of the log service (postlog_service_name)
 * only; with maillog_file set, that service exists, its unpriv column
 * is n, and, for root, log_owner is a user of its own (no other service
 * runs as it: none may signal or trace the process that holds the
 * file) and not root; that it exists is checked where it is needed.
 * 0, or -1 with *err_r (malloc'd) saying what to do.
 */
int	maillog_conf_check(const struct mastercf *, char **err_r);

#endif

/*
 * NAME
 *	mastercf - parse master.cf into a table of services
 *
 * DESCRIPTION
 *	master.cf follows Postfix: one service per logical line (see
 *	lib/cfline.h for comments and continuation lines), eight or more
 *	fields separated by white space:
 *
 *	  service type private unpriv chroot wakeup maxproc command [args]
 *
 *	service	 for inet: [host:]port (host may be [ipv6]); for unix: a
 *		 socket name under private/ or public/ (no '/'); for
 *		 unix-dgram: a name, as for unix.
 *	type	 inet, unix, or unix-dgram: the log service (postlog), whose
 *		 datagram socket is a socket pair the master makes, not a
 *		 file (see master(8)); maxproc must be 1 (or '-').
 *	private	 y/n: unix socket under private/ (mail_owner only) or
 *		 public/ (anyone). inet services cannot be private.
 *		 '-' means y for unix, n for inet.
 *	unpriv	 y/n: run as mail_owner (y) or as the program's own
 *		 user (n, e.g. the vmail user for local delivery). '-' is y.
 *		 Nothing ever runs as root after the master's fork.
 *	chroot	 y/n: chroot into the program's jail (the queue directory
 *		 unless the program says otherwise). '-' is n.
 *	wakeup	 seconds between wakeup triggers (0 or '-': none); a
 *		 trailing '?' sends none before the service is first used.
 *		 unix services only.
 *	maxproc	 the most processes at once (0: no limit; '-': the
 *		 default_process_limit parameter).
 *	command	 program name in daemon_directory, or an absolute path;
 *		 then its arguments. "-o name=value" (or "-o { name = value
 *		 with spaces }") sets a main.cf parameter for this service
 *		 only; "{ text with spaces }" is one argument.
 *
 *	Every error names path:line. The table is all or nothing: on any
 *	error nothing is returned, so a master can refuse a bad reload.
 *
 * SECURITY
 *	master.cf is root's file and is trusted as to its meaning, but it is
 *	still parsed strictly: names that would leave the socket
 *	directories ("..", '/'), command paths with "..", and values with
 *	control characters are errors, not quietly accepted.
 */
#ifndef POSTERN_MASTERCF_H
#define POSTERN_MASTERCF_H

#include <stddef.h>
#include <stdio.h>

enum mastercf_type {
	MASTERCF_INET,
	MASTERCF_UNIX,
	MASTERCF_UNIX_DGRAM,
};

#define MASTERCF_MAXPROC_DEFAULT	(-1)	/* '-' in the maxproc column */

struct mastercf_entry {
	char		*name;		/* service column as written */
	char		*host;		/* inet: host part, or NULL */
	char		*port;		/* inet: port part */
	enum mastercf_type type;
	int		 private;	/* resolved: 1 or 0 */
	int		 unpriv;
	int		 chroot;
	int		 wakeup;	/* seconds, 0: none */
	int		 wakeup_if_used; /* '?' suffix */
	int		 maxproc;	/* 0: unlimited; MASTERCF_MAXPROC_DEFAULT */
	char		*command;	/* as written */
	char		**args;		/* NULL-terminated: all args as given,
					   -o pairs normalised to "-o" "n=v" */
	char		**overrides;	/* NULL-terminated "name=value" */
	char		*path;		/* file and line, for messages */
	int		 line;
};

struct mastercf {
	struct mastercf_entry *entries;
	size_t		 n;
};

/*
 * Parse the file at path. Returns 0 and *mcf_r (free with mastercf_free),
 * or -1 with *err_r a malloc'd "path:line: reason" (the caller frees).
 * A missing file is an error.
 */
int	mastercf_load(const char *path, struct mastercf **mcf_r, char **err_r);
/* The same from an open stream; name is used in messages. */
int	mastercf_parse(FILE *fp, const char *name, struct mastercf **mcf_r,
	    char **err_r);
/*
 * For `postern check`: parse what can be parsed, passing each problem
 * ("path:line: reason", or the file that cannot be read) to problem(arg,
 * text) and skipping its line. *mcf_r holds the good lines (NULL when
 * the file cannot be read). Returns the number of problems.
 */
typedef void mastercf_problem_fn(void *arg, const char *text);
int	mastercf_load_all(const char *path, struct mastercf **mcf_r,
	    mastercf_problem_fn *problem, void *arg);
/* Free the table and set *mcfp to NULL; NULL is fine. */
void	mastercf_free(struct mastercf **mcfp);

/* "inet", "unix" or "unix-dgram". */
const char *mastercf_type_name(enum mastercf_type);
/* Find a service by name and type, or NULL. */
const struct mastercf_entry *mastercf_find(const struct mastercf *,
	    const char *name, enum mastercf_type);

#endif

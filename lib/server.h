/*
 * NAME
 *	server - the skeleton every daemon started by the master runs in
 *
 * SYNOPSIS
 *	int main(int argc, char **argv)
 *	{
 *		static const struct server_spec spec = {
 *			.name = "smtpd", .kind = SERVER_SINGLE,
 *			.conn = smtpd_session,
 *		};
 *		server_main(argc, argv, &spec);
 *	}
 *
 * DESCRIPTION
 *	A daemon's main() is a spec and one call. server_main() does, in
 *	order (STYLE 2.6):
 *	1. sanity: umask 077, fds 0-2 open, close what the master did not
 *	   hand over, environment reduced to an allow-list, signals reset
 *	   (SIGPIPE, SIGINT and SIGHUP ignored: the master drives shutdown;
 *	   SIGTERM ends the process);
 *	2. the master's options (below), log_init, main.cf plus the -o
 *	   overrides (params_load), the spec's check hook;
 *	3. chdir to queue_directory, tzset, the spec's pre_jail hook (open
 *	   what needs privilege or lives outside the jail);
 *	4. priv_drop: as mail_owner when the master.cf unpriv column is y,
 *	   else as the user named by the spec's user_param (mail_owner when
 *	   unset); chroot into the directory named by chroot_param
 *	   (queue_directory when unset; queue_directory/empty with
 *	   SERVER_FLAG_JAIL_EMPTY) when the chroot column is y. Then the
 *	   post_jail hook;
 *	5. the loop: accept, report busy/idle to the master, serve; exit
 *	   after max_use clients, after max_idle seconds without one, when
 *	   the master goes away or retires this process (end of file on the
 *	   status channel: the current client is finished first), or on
 *	   SIGTERM.
 *
 *	The kinds:
 *	SERVER_SINGLE	one client at a time per process (smtpd, pop3d,
 *			imapd, delivery agents). conn() serves the client on
 *			a blocking fd and returns; the skeleton closes it.
 *	SERVER_MULTI	one process, many clients on the event loop (auth,
 *			resolver). conn() gets a non-blocking fd and owns
 *			it: it watches it with server_loop() and, when done,
 *			removes its watches and calls server_disconnect().
 *	SERVER_DGRAM	one process reading datagrams from its listen
 *			socket (postlogd): dgram() gets each one (at most
 *			SERVER_DGRAM_MAX bytes; a longer one is dropped with
 *			a warning) with the sender's credentials (the
 *			kernel's, SO_PASSCRED) and the one descriptor that
 *			came with it, if any (the service closes it). When
 *			the status channel ends, the process reads what is
 *			queued (at most SERVER_DGRAM_DRAIN datagrams), then
 *			exits.
 *	SERVER_TRIGGER	wakeups (qmgr): each connection's bytes (one read,
 *			at most SERVER_TRIGGER_MAX) go to trigger(), which
 *			may answer on info->reply_fd (non-blocking), and
 *			the connection is closed, unless trigger() called
 *			server_trigger_keep(). The master's periodic
 *			wakeup sends "W".
 *
 *	Options the master passes (master/master_spawn.c builds them):
 *	  -n service	service name from master.cf (for logs)
 *	  -t type	inet or unix
 *	  -c confdir	where main.cf lives
 *	  -s count	listen sockets, on fds 4 .. 4+count-1
 *	  -g gen	generation, echoed in every status record
 *	  -u		unpriv column is y
 *	  -r		chroot column is y
 *	  -o name=value	a main.cf parameter for this service (repeatable)
 *	  -v		more verbose logging (repeatable)
 *	  -d		log to stderr (the master runs in the foreground)
 *	  -l		log to maillog_file: the descriptor after the listen
 *			sockets is the sending end of the log service's
 *			socket, or, for the log service itself
 *			(SERVER_FLAG_LOG_FILE), the log file; -d is then
 *			ignored
 *	plus the spec's own options (spec->opts, handled by spec->opt).
 *
 *	Fixed descriptors (STYLE 2.2): fd 3 is this service's status
 *	channel (a SOCK_SEQPACKET socket shared by the service's processes);
 *	listen sockets start at fd 4; with -l, the log descriptor follows
 *	them (server_log_fd).
 *
 *	A process that dies of a fatal error sends its last words first
 *	(struct server_lastwords: the fatal message), which the master
 *	keeps for `postern status` when it throttles the service.
 *
 * SECURITY
 *	The status channel carries only struct server_status and struct
 *	server_lastwords; the master treats both as gossip. The process is jailed before it reads a byte
 *	from a client: the listen sockets are only polled after priv_drop.
 */
#ifndef POSTERN_SERVER_H
#define POSTERN_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#define SERVER_STATUS_FD	3
#define SERVER_LISTEN_FD	4
#define SERVER_LISTEN_MAX	64
#define SERVER_TRIGGER_MAX	1024
#define SERVER_DGRAM_MAX	8192
#define SERVER_DGRAM_DRAIN	100000
/* The empty directory SERVER_FLAG_JAIL_EMPTY services are jailed in. */
#define SERVER_EMPTY_DIR	"empty"

/* One status record, child to master. */
struct server_status {
	int32_t		pid;
	uint32_t	gen;
	int32_t		state;
};

#define SERVER_STATE_AVAIL	1	/* idle: can take a client */
#define SERVER_STATE_TAKEN	0	/* busy with a client */
#define SERVER_STATE_FATAL	(-1)	/* server_lastwords: dying */

#define SERVER_LASTWORDS_MAX	240

/* The fatal message of a process about to exit, NUL-terminated. */
struct server_lastwords {
	struct server_status st;	/* state SERVER_STATE_FATAL */
	char		text[SERVER_LASTWORDS_MAX];
};

enum server_kind {
	SERVER_SINGLE,
	SERVER_MULTI,
	SERVER_TRIGGER,
	SERVER_DGRAM,
};

/* What a service callback may want to know about the connection. */
struct server_info {
	const char	*service;	/* -n */
	const char	*type;		/* -t */
	int		 listen_fd;	/* the socket it came in on */
	unsigned long	 use_count;	/* clients so far, this one included */
	int		 reply_fd;	/* TRIGGER: the client, for a short
					 * non-blocking answer; else -1 */
};

/* DGRAM: who sent a datagram (the kernel's word); pid 0 when unknown. */
struct server_dgram_peer {
	pid_t		 pid;
	uid_t		 uid;
	gid_t		 gid;
};

typedef void (*server_conn_fn)(int fd, const struct server_info *);
typedef void (*server_dgram_fn)(const char *buf, size_t len,
	    const struct server_dgram_peer *, int fd);
typedef void (*server_trigger_fn)(const char *buf, size_t len,
	    const struct server_info *);
typedef void (*server_hook_fn)(void);
typedef void (*server_fd_fn)(int fd);
typedef void (*server_opt_fn)(int ch, const char *optarg);

#define SERVER_FLAG_NO_FORK	0x1	/* priv_no_fork after the jail */
#define SERVER_FLAG_NO_IDLE	0x2	/* ignore max_idle (long-running) */
#define SERVER_FLAG_NO_USE	0x4	/* ignore max_use */
#define SERVER_FLAG_JAIL_EMPTY	0x8	/* chroot: queue_directory/empty */
#define SERVER_FLAG_LOG_FILE	0x10	/* -l hands over the log file */
#define SERVER_FLAG_OWN_USER	0x20	/* unpriv y is a configuration
					   error: runs as user_param only */
#define SERVER_FLAG_ONCE	0x40	/* one client, then exit (the session
					   side of pop3d and imapd confines
					   itself to its client's Maildir) */

struct server_spec {
	const char	*name;		/* program name for log lines */
	enum server_kind kind;
	server_conn_fn	 conn;		/* SINGLE and MULTI */
	server_trigger_fn trigger;	/* TRIGGER */
	server_fd_fn	 trigger_gone;	/* TRIGGER: a connection that
					   trigger() may have answered on
					   ends (fd, before its close) */
	server_dgram_fn	 dgram;		/* DGRAM */
	server_hook_fn	 check;		/* after params load: validate */
	server_hook_fn	 pre_jail;
	server_hook_fn	 post_jail;
	server_hook_fn	 on_exit;	/* before a normal exit */
	const char	*opts;		/* extra getopt letters, e.g. "x" */
	server_opt_fn	 opt;
	const char	*user_param;	/* user when unpriv is n */
	const char	*chroot_param;	/* jail when chroot is y */
	int		 flags;		/* SERVER_FLAG_* */
};

/* Run the service; never returns. */
void	server_main(int argc, char **argv, const struct server_spec *)
	    __attribute__((noreturn));

/* MULTI and TRIGGER: the event loop the skeleton runs. */
struct event_loop *server_loop(void);
/* MULTI: a client is done: close fd and update the accounting. */
void	server_disconnect(int fd);
/*
 * TRIGGER: called from trigger(), keep this connection open and hand
 * what it sends later to trigger() in whole lines (a client that wakes
 * the service often, e.g. smtpd waking qmgr per message, saves a
 * connection each time).
 */
void	server_trigger_keep(void);

/* The -n service name and -c confdir of this process. */
const char *server_service(void);
const char *server_confdir(void);
/* With -l: the log descriptor (see above); else -1. */
int	server_log_fd(void);

/*
 * Send a status record on fd (used by the skeleton; exposed so that the
 * master's tests and tools share one encoder). 0, or -1 with errno.
 */
int	server_notify(int fd, uint32_t gen, int state);

#endif

/*
 * master.h - private header of the master supervisor.
 *
 * The master owns a table of services (one per master.cf line), each with
 * its listen sockets, its status channel for the current generation, and
 * its children. Every child is on one global list; a child whose service
 * was reloaded or removed is "retired": it finishes its current client,
 * sees end of file on its old status channel and exits, and no longer
 * counts toward any limit.
 */
#ifndef POSTERN_MASTER_H
#define POSTERN_MASTER_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include "mastercf.h"

#define MASTER_BACKLOG		256
#define MASTER_THROTTLE_AFTER	3	/* bad starts in a row */
#define MASTER_LIMIT_WARN_MS	(300 * 1000)

struct master_service;

struct master_child {
	pid_t			 pid;
	struct master_service	*svc;	/* NULL once the service is gone */
	uint32_t		 gen;
	int			 avail;	/* last reported state */
	int			 retired;
	unsigned long		 uses;	/* TAKEN reports seen */
	char			*path;	/* the program, for log lines */
	int			 log;	/* of the log service */
	TAILQ_ENTRY(master_child) entry;
};
TAILQ_HEAD(master_child_list, master_child);

struct master_listener {
	int	 fd;
	char	*key;		/* "inet:127.0.0.1:2025", "unix:/q/private/x" */
	char	*desc;		/* for logs and the status file */
	char	*path;		/* unix: the socket file, else NULL */
	char	*name;		/* unix: its name in private/ or public/ */
	int	 private;
};

struct master_service {
	char		*name;
	enum mastercf_type type;
	int		 private, unpriv, chroot;
	int		 wakeup, wakeup_if_used;
	int		 maxproc;	/* resolved; 0 unlimited */
	char		*command;	/* as in master.cf */
	char		*path;		/* resolved program path */
	char		**args;		/* master.cf args, NULL-terminated */
	char		*where;		/* "master.cf:12" */

	struct master_listener *listen;
	int		 nlisten;

	int		 status[2];	/* [0] master end, [1] children's end */
	uint32_t	 gen;
	int		 total;		/* children of this generation */
	int		 avail;
	int		 listening;	/* listen fds watched by the loop */
	int		 used;		/* a child was ever started */
	int		 failures;	/* abnormal exits before any client */
	int		 throttled;
	char		*why;		/* last failure at startup, or NULL */
	pid_t		 why_pid;	/* the process that said it */
	long long	 throttled_until;	/* time(NULL) when it ends */
	int		 saturated;	/* at maxproc with clients waiting */
	long long	 limit_warned;	/* monotime_ms of the last warning */
	struct event_timer *throttle_timer;
	struct event_timer *wakeup_timer;
	TAILQ_ENTRY(master_service) entry;
};
TAILQ_HEAD(master_service_list, master_service);

/* main.c: global state */
extern struct event_loop *master_ev;
extern struct master_service_list master_services;
extern struct master_child_list master_children;
extern const char *master_confdir;
extern char *master_qdir;		/* queue_directory at start */
extern int master_foreground;		/* -f/-d: children log to stderr */
extern int master_verbose;
extern int master_stopping;
extern pid_t master_pid;

/* master_conf.c */
int	master_conf_read(struct mastercf **, char **err_r);
int	master_conf_check(const struct mastercf *, char **err_r);
char	*master_conf_path(const char *command);
int	master_conf_maxproc(const struct mastercf_entry *);

/* master_etc.c: /etc files for name lookups in the jail */
void	master_etc_update(void);

/* master_listen.c */
void	master_listen_dirs(void);
int	master_listen_open(const struct mastercf_entry *,
	    struct master_service_list *old, struct master_listener **,
	    int *n_r, char **err_r);
void	master_listen_close(struct master_listener *, int n);
void	master_listen_unlink(const struct master_listener *);
void	master_listen_watch(struct master_service *, int on);
/* 1 when a client waits on one of the service's listen sockets. */
int	master_listen_pending(const struct master_service *);

/* master_spawn.c */
void	master_spawn(struct master_service *);
void	master_service_update(struct master_service *);
void	master_wakeup_arm(struct master_service *, int first);

/* master_status.c */
int	master_status_open(struct master_service *);
/* Read what the service's processes have said (before reaping one). */
void	master_status_drain(struct master_service *);
void	master_status_close(struct master_service *);
struct master_child *master_child_find(pid_t);

/* master_reap.c */
void	master_reap(void);
void	master_throttle(struct master_service *);
void	master_stop(void);
void	master_kill_all(int sig);

/* master_reload.c */
int	master_apply(struct mastercf *, char **err_r);
void	master_reload(void);
void	master_service_free(struct master_service *);

/* master_log.c: maillog_file and the log service */
/* After main.cf and master.cf are read: check, open the file. 0/-1. */
int	master_log_prepare(const struct mastercf *, char **err_r);
/* The table was installed: use what prepare opened (rotation). */
void	master_log_commit(void);
/* The table was refused: forget what prepare opened. */
void	master_log_abort(void);
/* The master has detached: no more stderr. */
void	master_log_detached(void);
/* Is maillog_file in use (after prepare)? */
int	master_log_active(void);
int	master_log_is_service(const struct master_service *);
struct master_service *master_log_service(void);
/* The log service's listen socket: the reading end of the pair. */
int	master_log_listen(const struct mastercf_entry *,
	    struct master_listener *);
/* The -l descriptor for a process of svc, or -1. */
int	master_log_fd_for(const struct master_service *svc);
/* 0 while a retired log service process still runs. */
int	master_log_may_spawn(const struct master_service *svc);
/* A child was reaped: a retired log service may have made room. */
void	master_log_reaped(const struct master_child *);
/* Stopping, and only the log service is left: say so, retire it. */
int	master_log_stop(void);

/* master_lock.c */
void	master_lock(void);
void	master_state_write(void);
void	master_state_reload(const char *err);
void	master_unlock(void);

#endif

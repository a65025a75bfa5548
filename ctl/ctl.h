/*
 * ctl.h - private header of the postern admin command.
 */
#ifndef POSTERN_CTL_H
#define POSTERN_CTL_H

#define EX_USAGE_CTL	64	/* sysexits EX_USAGE */

/* -c confdir from the command line, or NULL for the default. */
extern const char *ctl_confdir;
/* The config directory: -c, else $POSTERN_CONFIG_DIR, else DEF_CONFIG_DIR. */
const char *ctl_config_dir(void);

/* ctl_conf.c */
int	ctl_conf(int, char **);

/* ctl_master.c: start, stop, reload, status */
int	ctl_master(int, char **);
/* Reload the running master and report: the exit status of reload. */
int	ctl_master_reload(void);
/* Is the master running? 1 or 0 (main.cf must load). */
int	ctl_master_is_running(void);

/* ctl_logrotate.c */
int	ctl_logrotate(int, char **);

/* ctl_check.c */
int	ctl_check(int, char **);

/* ctl_init.c */
int	ctl_init(int, char **);

/* ctl_sendmail.c: the sendmail and mailq personality (argv[0]) */
int	ctl_sendmail(int, char **);

/* ctl_queue.c: queue, flush, hold, release, delete, requeue, cat */
int	ctl_queue(int, char **);

/* ctl_map.c */
int	ctl_map(int, char **);

/* ctl_user.c: postern user add|del|list|passwd */
int	ctl_user(int, char **);
/* For postern init: the postmaster@domain mailbox, password shown once. */
int	ctl_user_init(const char *confdir, const char *domain);

#endif

/*
 * ctl.h - private header of the postern admin command.
 */
#ifndef POSTERN_CTL_H
#define POSTERN_CTL_H

#define EX_USAGE_CTL	64	/* sysexits EX_USAGE */

/* -c confdir from the command line, or NULL for the default. */
extern const char *ctl_confdir;
/* The command as typed (argv[0]: "ctl/postern" in a build tree). */
extern const char *ctl_progname;
/* The config directory: -c, else $POSTERN_CONFIG_DIR, else DEF_CONFIG_DIR. */
const char *ctl_config_dir(void);

/*
 * ctl_args.c: options before the other arguments of a command (argv[0]
 * is its name), wherever they were typed; the global -c is taken from
 * anywhere. Returns the new argc.
 */
int	ctl_args_permute(int argc, char **argv);

/* ctl_conf.c */
int	ctl_conf(int, char **);
/*
 * Set "name=value" assignments in main.cf as `postern conf name=value`
 * does: 0, or 1 after saying why on stderr (main.cf unchanged).
 */
int	ctl_conf_edit(int, char **);

/* ctl_master.c: start, stop, reload, status */
int	ctl_master(int, char **);
/* Reload the running master and report: the exit status of reload. */
int	ctl_master_reload(void);
/* Is the master running? 1 or 0 (main.cf must load). */
int	ctl_master_is_running(void);

/* ctl_logrotate.c */
int	ctl_logrotate(int, char **);

/* ctl_check.c: postern check; ctl_setup.c: postern setup */
int	ctl_check(int, char **);
int	ctl_setup(int, char **);

/*
 * What `postern setup` can do about a problem that `postern check`
 * finds (ctl_setup.c carries it out). New kinds are added here and in
 * ctl_setup_apply.
 */
enum ctl_act_kind {
	CTL_ACT_USER,		/* create the system user name, home */
	CTL_ACT_PATH,		/* a directory or file: owner and mode */
	CTL_ACT_MAP,		/* compile the hash: table spec */
	CTL_ACT_ALIASES,	/* build the alias table spec as newaliases
				   does, from an empty source if none */
	CTL_ACT_CERT,		/* a self-signed certificate name, key */
	CTL_ACT_USERDB,		/* postern user's tables, empty if none */
};

struct ctl_action {
	enum ctl_act_kind kind;
	const char	*name;		/* USER: the user; PATH: the path;
					   MAP, ALIASES: type:path;
					   CERT: the certificate file */
	const char	*home;		/* USER */
	const char	*key;		/* CERT: the key file */
	int		 configure;	/* CERT: then name both in main.cf */
	const char	*done;		/* what setup says it did (else fix) */
	int		 dir;		/* PATH: a directory */
	unsigned	 create;	/* PATH: mkdir with this mode if missing */
	long		 uid, gid;	/* PATH: -1 keeps them */
	unsigned	 clear, set;	/* PATH: mode bits to clear, to set */
};

/*
 * Report a problem with its fix (a sentence or a command); warnings do
 * not change check's exit status. With an action, `postern setup` does
 * the fix instead of reporting it (and reports the problem if it could
 * not).
 */
void	ctl_problem(const char *fix, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ctl_warning(const char *fix, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ctl_problem_act(const struct ctl_action *, const char *fix,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 in postern setup (fixes are applied), 0 in postern check. */
extern int ctl_check_applying;
/* The checks with their fixes applied, then again: the exit status. */
int	ctl_check_setup(void);
/* ctl_setup.c: carry out an action: 0, or -1 with *err_r. */
int	ctl_setup_apply(const struct ctl_action *, char **err_r);

/* ctl_check_fs.c: users, owners and modes, what each user can reach */
struct mastercf;
void	ctl_check_fs(const struct mastercf *);
/* ctl_init.c: does the master.cf that init writes jail program? */
int	ctl_init_jails(const char *program);

/* ctl_init.c */
int	ctl_init(int, char **);
/* The build tree this postern runs from (ctl/postern), or NULL; freed. */
char	*ctl_init_tree(void);
/*
 * The master.cf that init writes: inet services on base + their port's
 * last two digits, or with base CTL_INIT_SYSTEM on the standard ports by
 * their /etc/services names. A service whose program is not built (in
 * tree when not NULL, else in daemondir) is commented out. served, when
 * not NULL, gets "SMTP 2025, ..." for the banner. NULL with *err_r when
 * a built service has an -o option this build does not know.
 */
#define CTL_INIT_SYSTEM	(-1)
struct vbuf;
char	*ctl_init_master_cf(int base, const char *daemondir,
	    const char *tree, struct vbuf *served, char **err_r);

/* ctl_init_system.c: postern init --system [DIR] */
int	ctl_init_system(const char *dir);

/* ctl_sendmail.c: the sendmail and mailq personality (argv[0]) */
int	ctl_sendmail(int, char **);

/* ctl_queue.c: queue, flush, hold, release, delete, requeue, cat */
int	ctl_queue(int, char **);

/*
 * ctl_params.c: main.cf for status, stop, reload, start and the queue
 * tools: problems are warnings (defaults used); -1 when the
 * configuration directory does not exist (said on stderr).
 */
int	ctl_params_load(void);

/* ctl_priv.c: run by root, become mail_owner for good (queue tools) */
void	ctl_as_mail_owner(void);

/* ctl_map.c */
int	ctl_map(int, char **);

/* ctl_user.c: postern user add|del|list|passwd */
int	ctl_user(int, char **);
/* For postern init: the postmaster@domain mailbox, password shown once. */
int	ctl_user_init(const char *confdir, const char *domain);
/*
 * For postern setup: write the users and mailboxes tables as they are
 * (empty when there are none) and compile them: 0, or -1 with *err_r.
 */
int	ctl_user_tables(const char *confdir, char **err_r);

#endif

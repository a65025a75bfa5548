/*
 * NAME
 *	ctl_check_fs - postern check: the services' users, the owners and
 *	modes of the directories and files, and what each user can reach.
 *
 * DESCRIPTION
 *	Users: mail_owner, and on a root instance every other service user
 *	(ctl_check_users: a new service user is one more line there). Each
 *	must exist (setup: useradd) and must not be root.
 *
 *	Owners and modes: the configuration directory and files, the queue
 *	directory, data_directory and daemon_directory belong to root (to
 *	the invoking user on an instance of their own) and nobody else may
 *	write them: the master and the services act by name in them as
 *	root before they drop privileges (lib/fsat.h). The queue's own
 *	directories (private/, incoming/, ...) belong to mail_owner, the
 *	mail root to vmail_owner.
 *
 *	Reach, on a root instance: a service that is not jailed changes
 *	into the queue directory as its own user, auth reads the password
 *	tables as auth_owner after its drop, local delivery writes the mail
 *	root as vmail_owner. Each is tried by a child process that has
 *	become that user (priv_as_run), so what it finds is what the
 *	service will find; a directory above that the user cannot search is
 *	named with its fix.
 *
 * SECURITY
 *	Read-only; the child processes only call access(2).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "fsat.h"
#include "mastercf.h"
#include "params.h"
#include "priv.h"
#include "priv_as.h"
#include "qfile.h"
#include "qfile_spare.h"
#include "xmalloc.h"

/* The users the services run as, and the home useradd gives them. */
static struct ctl_user {
	const char	*param;
	int		 root_only;	/* checked on a root instance only */
	const char	*home_param;
	const char	*if_set;	/* only when this parameter is set */
	int		 found;
	uid_t		 uid;
	gid_t		 gid;
	char		 name[64];
} ctl_check_users[] = {
	{ "mail_owner", 0, "queue_directory", NULL, 0, 0, 0, "" },
	{ "vmail_owner", 1, "virtual_mailbox_base", NULL, 0, 0, 0, "" },
	{ "auth_owner", 1, "queue_directory", NULL, 0, 0, 0, "" },
	{ "resolver_owner", 1, "queue_directory", NULL, 0, 0, 0, "" },
	{ "log_owner", 1, "queue_directory", "maillog_file", 0, 0, 0, "" },
	{ "login_owner", 1, "queue_directory", NULL, 0, 0, 0, "" },
};

#define CTL_NUSERS	(sizeof(ctl_check_users) / sizeof(ctl_check_users[0]))

/* Programs that run as a user of their own (master.cf unpriv n). */
static const struct {
	const char	*program;
	const char	*user_param;
} ctl_check_own_users[] = {
	{ "local", "vmail_owner" },
	{ "auth", "auth_owner" },
	{ "resolver", "resolver_owner" },
	{ "postlogd", "log_owner" },
	{ "pop3-login", "login_owner" },
	{ "pop3d", "vmail_owner" },
};

/* The queue's own directories, mail_owner's (qmgr makes them). */
static const char *const ctl_check_qdirs[] = {
	"private", QDIR_INCOMING, QDIR_DEFERRED, QDIR_HOLD, QDIR_CORRUPT,
	"defer", QDIR_SPARE, NULL,
};

static struct ctl_user *
ctl_user_find(const char *param)
{
	size_t i;

	for (i = 0; i < CTL_NUSERS; i++)
		if (strcmp(ctl_check_users[i].param, param) == 0)
			return ctl_check_users[i].found ? &ctl_check_users[i] :
			    NULL;
	return NULL;
}

/* Each service user must exist (or be made by setup) and not be root. */
static void
ctl_check_user_list(void)
{
	struct ctl_action a;
	struct ctl_user *u;
	const struct passwd *pw;
	const char *name, *home;
	char *fix;
	size_t i, j;

	for (i = 0; i < CTL_NUSERS; i++) {
		u = &ctl_check_users[i];
		u->found = 0;
		if ((u->root_only && geteuid() != 0) || (u->if_set != NULL &&
		    ((name = params_get(u->if_set)) == NULL || *name == '\0')))
			continue;
		if ((name = params_get(u->param)) == NULL || *name == '\0')
			continue;
		for (j = 0; j < i; j++)		/* one report per user */
			if (ctl_check_users[j].name[0] != '\0' &&
			    strcmp(ctl_check_users[j].name, name) == 0)
				break;
		strlcpy(u->name, name, sizeof(u->name));
		if ((pw = getpwnam(name)) == NULL && j == i) {
			home = params_get(u->home_param);
			memset(&a, 0, sizeof(a));
			a.kind = CTL_ACT_USER;
			a.name = name;
			a.home = home;
			fix = xasprintf("useradd --system --home-dir %s "
			    "--no-create-home --shell /usr/sbin/nologin %s",
			    home, name);
			ctl_problem_act(&a, fix, "%s = %s: no such user",
			    u->param, name);
			free(fix);
			pw = getpwnam(name);
		}
		if (pw == NULL)
			continue;
		if (pw->pw_uid == 0 && j == i)
			ctl_problem("create an unprivileged user for it "
			    "(useradd --system ...) and name it here", "%s = "
			    "%s: the services must not run as root", u->param,
			    name);
		u->found = 1;
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
	}
}

/*
 * A directory or file: must exist (create: setup makes a directory with
 * that mode), belong to uid (gid: -1 any), and have none of forbid.
 */
static void
ctl_check_path(const char *what, const char *path, int want_dir,
    uid_t uid, long gid, const char *owner, mode_t forbid, mode_t create)
{
	struct ctl_action a;
	struct stat st;
	char *fix;

	memset(&a, 0, sizeof(a));
	a.kind = CTL_ACT_PATH;
	a.name = path;
	a.dir = want_dir;
	a.uid = a.gid = -1;
	if (stat(path, &st) < 0) {
		if (want_dir && create != 0) {
			a.create = create;
			a.uid = uid;
			a.gid = gid;
			fix = xasprintf("mkdir -m %03o %s && chown %s %s",
			    (unsigned)create, path, owner, path);
			ctl_problem_act(&a, fix, "%s %s: %s", what, path,
			    strerror(errno));
		} else {
			fix = want_dir ? xasprintf("mkdir -p %s && chown %s %s",
			    path, owner, path) : xasprintf("create %s (postern "
			    "init makes a sample)", path);
			ctl_problem(fix, "%s %s: %s", what, path,
			    strerror(errno));
		}
		free(fix);
		return;
	}
	if (want_dir && !S_ISDIR(st.st_mode)) {
		ctl_problem("replace it with a directory", "%s %s: not a "
		    "directory", what, path);
		return;
	}
	if (st.st_uid != uid || (gid != -1 && st.st_gid != (gid_t)gid)) {
		a.uid = uid;
		a.gid = gid;
		fix = xasprintf("chown %s %s", owner, path);
		ctl_problem_act(&a, fix, "%s %s: owned by uid %ld, expected "
		    "%s", what, path, (long)st.st_uid, owner);
		free(fix);
		a.uid = a.gid = -1;
	}
	if ((st.st_mode & forbid) != 0) {
		a.clear = forbid;
		fix = xasprintf("chmod %s %s", (forbid & S_IRWXO & ~S_IWOTH) ?
		    "go-rwx" : "go-w", path);
		ctl_problem_act(&a, fix, "%s %s: mode %03o is too open", what,
		    path, (unsigned)(st.st_mode & 07777));
		free(fix);
	}
}

static void
ctl_check_files(void)
{
	const struct ctl_user *owner, *vmail;
	char *p, me[64], ownerspec[140];
	uid_t uid = geteuid();
	struct passwd *pw;
	const char *base;
	size_t i;

	if ((pw = getpwuid(uid)) != NULL)
		strlcpy(me, pw->pw_name, sizeof(me));
	else
		snprintf(me, sizeof(me), "%ld", (long)uid);
	ctl_check_path("configuration directory", ctl_config_dir(), 1, uid,
	    -1, me, S_IWGRP | S_IWOTH, 0);
	p = xasprintf("%s/main.cf", ctl_config_dir());
	if (access(p, F_OK) == 0)	/* a missing one: reported already */
		ctl_check_path("configuration file", p, 0, uid, -1, me,
		    S_IWGRP | S_IWOTH, 0);
	free(p);
	p = xasprintf("%s/master.cf", ctl_config_dir());
	ctl_check_path("configuration file", p, 0, uid, -1, me,
	    S_IWGRP | S_IWOTH, 0);
	free(p);
	ctl_check_path("queue_directory", var_queue_directory, 1, uid, -1, me,
	    S_IWGRP | S_IWOTH, 0755);
	if (var_data_directory != NULL && *var_data_directory != '\0')
		ctl_check_path("data_directory", var_data_directory, 1, uid,
		    -1, me, S_IWGRP | S_IWOTH, 0755);
	ctl_check_path("daemon_directory", var_daemon_directory, 1, uid, -1,
	    me, S_IWGRP | S_IWOTH, 0);
	if ((owner = ctl_user_find("mail_owner")) != NULL) {
		snprintf(ownerspec, sizeof(ownerspec), "%s:", owner->name);
		for (i = 0; ctl_check_qdirs[i] != NULL; i++) {
			p = xasprintf("%s/%s", var_queue_directory,
			    ctl_check_qdirs[i]);
			if (access(p, F_OK) == 0)
				ctl_check_path("queue directory", p, 1,
				    owner->uid, (long)owner->gid, ownerspec,
				    S_IRWXG | S_IRWXO, 0);
			free(p);
		}
	}
	base = params_get("virtual_mailbox_base");
	if (base == NULL || *base == '\0')
		return;
	/* local delivery, as vmail_owner, makes the Maildirs here */
	if ((vmail = ctl_user_find("vmail_owner")) != NULL) {
		snprintf(ownerspec, sizeof(ownerspec), "%s:", vmail->name);
		ctl_check_path("virtual_mailbox_base", base, 1, vmail->uid,
		    (long)vmail->gid, ownerspec, S_IWGRP | S_IWOTH, 0700);
	} else if (uid != 0)
		ctl_check_path("virtual_mailbox_base", base, 1, uid, -1, me,
		    S_IWGRP | S_IWOTH, 0700);
}

/* --- what a user can reach -------------------------------------------- */

struct ctl_reach {
	const char	*path;
	int		 mode;		/* for access(2) on path itself */
};

/*
 * In a child that is the user: every directory on the way must be
 * searchable, then path must allow mode. The error is "PATH\tREASON".
 */
static int
ctl_reach_try(void *arg, char **err_r)
{
	const struct ctl_reach *r = arg;
	char *p = xstrdup(r->path), *slash;
	int saved;

	for (slash = strchr(p + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (access(p, X_OK) < 0) {
			saved = errno;
			*err_r = xasprintf("%s\t%s", p, strerror(saved));
			free(p);
			return -1;
		}
		*slash = '/';
	}
	free(p);
	if (access(r->path, r->mode) < 0) {
		saved = errno;
		*err_r = xasprintf("%s\t%s", r->path, strerror(saved));
		return -1;
	}
	return PRIV_AS_NOFD;
}

/*
 * Can the user of param reach path (mode)? what: "read", ...; why: the
 * service that needs it.
 */
static void
ctl_check_reach(const char *param, const char *path, int mode,
    const char *what, const char *why)
{
	const struct ctl_user *u = ctl_user_find(param);
	struct ctl_reach r = { path, mode };
	struct ctl_action a;
	struct priv_user pu;
	char *err, *tab, *fix;
	int fd;

	if (u == NULL || path == NULL || *path != '/')
		return;
	pu.uid = u->uid;
	pu.gid = u->gid;
	strlcpy(pu.name, u->name, sizeof(pu.name));
	if (priv_as_run(&pu, -1, ctl_reach_try, &r, &fd, &err) == 0)
		return;
	if ((tab = strchr(err, '\t')) == NULL) {
		ctl_problem("see the reason", "%s %s cannot be checked: %s",
		    param, u->name, err);
		free(err);
		return;
	}
	*tab++ = '\0';
	if (strcmp(err, path) != 0 || mode == X_OK) {
		/* a directory it cannot search */
		memset(&a, 0, sizeof(a));
		a.kind = CTL_ACT_PATH;
		a.name = err;
		a.dir = 1;
		a.uid = a.gid = -1;
		a.set = S_IXOTH;
		fix = xasprintf("chmod o+x %s", err);
		ctl_problem_act(&a, fix, "%s %s cannot %s %s (%s): %s: %s; "
		    "or move the instance where every user can search",
		    param, u->name, what, path, why, err, tab);
	} else if (mode == R_OK) {
		/* a file only its group may read, the user's group */
		memset(&a, 0, sizeof(a));
		a.kind = CTL_ACT_PATH;
		a.name = path;
		a.uid = -1;
		a.gid = u->gid;
		a.set = S_IRGRP;
		fix = xasprintf("chgrp %ld %s && chmod g+r %s", (long)u->gid,
		    path, path);
		ctl_problem_act(&a, fix, "%s %s cannot %s %s (%s): %s", param,
		    u->name, what, path, why, tab);
	} else {
		fix = xasprintf("let %s write in it (through its owner or "
		    "group)", u->name);
		ctl_problem(fix, "%s %s cannot %s %s (%s): %s", param,
		    u->name, what, path, why, tab);
	}
	free(fix);
	free(err);
}

/* The user param a service of master.cf runs as. */
static const char *
ctl_check_svc_user(const struct mastercf_entry *e)
{
	const char *slash = strrchr(e->command, '/');
	const char *prog = slash != NULL ? slash + 1 : e->command;
	size_t i;

	if (!e->unpriv)
		for (i = 0; i < sizeof(ctl_check_own_users) /
		    sizeof(ctl_check_own_users[0]); i++)
			if (strcmp(prog, ctl_check_own_users[i].program) == 0)
				return ctl_check_own_users[i].user_param;
	return "mail_owner";
}

static void
ctl_check_reach_all(const struct mastercf *mcf)
{
	const char *v, *param, *done[8];
	char **list, *file;
	size_t i, j, ndone = 0;

	for (i = 0; mcf != NULL && i < mcf->n; i++) {
		if (mcf->entries[i].chroot)
			continue;	/* root chroots: nothing on the way */
		param = ctl_check_svc_user(&mcf->entries[i]);
		for (j = 0; j < ndone && strcmp(done[j], param) != 0; j++)
			;
		if (j < ndone || ndone == 8)
			continue;
		done[ndone++] = param;
		ctl_check_reach(param, var_queue_directory, X_OK,
		    "change into queue_directory", "a service that is not "
		    "jailed works there");
	}
	if ((v = params_get("auth_users_maps")) == NULL || *v == '\0')
		return;
	list = params_list(v);
	for (i = 0; list[i] != NULL; i++) {
		if (strncmp(list[i], "hash:", 5) == 0)
			file = xasprintf("%s.db", list[i] + 5);
		else if (strncmp(list[i], "texthash:", 9) == 0)
			file = xstrdup(list[i] + 9);
		else
			continue;
		if (access(file, F_OK) == 0)
			ctl_check_reach("auth_owner", file, R_OK, "read the "
			    "password table", "auth reopens it after its "
			    "drop");
		free(file);
	}
	params_list_free(list);
}

void
ctl_check_fs(const struct mastercf *mcf)
{
	ctl_check_user_list();
	ctl_check_files();
	if (geteuid() == 0)
		ctl_check_reach_all(mcf);
}

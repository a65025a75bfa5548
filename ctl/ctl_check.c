/*
 * NAME
 *	ctl_check - postern check: find what would keep the system from
 *	running, and say how to fix each thing.
 *
 * DESCRIPTION
 *	Checks, in order: main.cf (values, and unknown names), master.cf
 *	(syntax, programs, -o names), the users the services run as, the
 *	ownership and modes of the configuration, queue and mail
 *	directories, and every lookup table named in main.cf. Each problem
 *	is one line, followed by a "fix:" line. Exit 1 if there was any,
 *	else 0.
 *
 *	When run by root the expected owner of the configuration and queue
 *	directories is root and the services' users must exist; otherwise
 *	(a development instance) everything is expected to belong to the
 *	invoking user.
 *
 * SECURITY
 *	Read-only: it changes nothing, it only prints commands to run.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "maps.h"
#include "mastercf.h"
#include "params.h"
#include "xmalloc.h"

static int ctl_problems;

static void ctl_problem(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

static void
ctl_problem(const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("postern check: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n    fix: %s\n", fix);
	ctl_problems++;
}

/* main.cf warnings (unknown names) are problems too. */
static int
ctl_check_hook(enum log_level level, const char *text)
{
	if (level >= LOG_LEVEL_WARN) {
		ctl_problem("correct or remove that line (postern conf -d "
		    "lists every parameter)", "%s", text);
		return 1;
	}
	return 0;
}

static int
ctl_check_main(void)
{
	char *err;

	log_set_hook(ctl_check_hook);
	if (params_load(ctl_config_dir(), NULL, &err) < 0) {
		log_set_hook(NULL);
		ctl_problem("correct the value on that line (postern.conf(5) "
		    "describes each parameter)", "%s", err);
		free(err);
		return -1;
	}
	log_set_hook(NULL);
	return 0;
}

static void
ctl_check_master(void)
{
	const struct mastercf_entry *e;
	struct mastercf *mcf;
	struct stat st;
	char *path, *err, *name, *fix;
	size_t i, j;

	path = xasprintf("%s/master.cf", ctl_config_dir());
	if (mastercf_load(path, &mcf, &err) < 0) {
		ctl_problem("correct that line (master.cf(5) describes the "
		    "columns)", "%s", err);
		free(err);
		free(path);
		return;
	}
	free(path);
	for (i = 0; i < mcf->n; i++) {
		e = &mcf->entries[i];
		if (e->command[0] == '/')
			path = xstrdup(e->command);
		else
			path = xasprintf("%s/%s", var_daemon_directory,
			    e->command);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) < 0) {
			fix = xasprintf("build and install it (make install), "
			    "correct daemon_directory, or comment out %s "
			    "line %d", e->path, e->line);
			ctl_problem(fix, "%s:%d: service \"%s\": program %s "
			    "is missing or not executable", e->path, e->line,
			    e->name, path);
			free(fix);
		}
		free(path);
		for (j = 0; e->overrides[j] != NULL; j++) {
			name = xstrndup(e->overrides[j],
			    strcspn(e->overrides[j], "="));
			if (params_find(name) == NULL)
				ctl_problem("correct or remove the -o option "
				    "(postern conf -d lists every parameter)",
				    "%s:%d: -o %s: unknown parameter \"%s\"",
				    e->path, e->line, e->overrides[j], name);
			free(name);
		}
	}
	mastercf_free(&mcf);
}

/* A user a service runs as; NULL pw when missing (reported). */
static const struct passwd *
ctl_check_user(const char *param)
{
	const struct passwd *pw;
	const char *user = params_get(param);
	char *fix;

	static char missing[4][64];
	size_t i;

	if (user == NULL || *user == '\0')
		return NULL;
	for (i = 0; i < 4 && missing[i][0] != '\0'; i++)
		if (strcmp(missing[i], user) == 0)
			return NULL;	/* reported already */
	if ((pw = getpwnam(user)) == NULL) {
		if (i < 4)
			strlcpy(missing[i], user, sizeof(missing[i]));
		fix = xasprintf("useradd --system --home-dir %s --no-create-home "
		    "--shell /usr/sbin/nologin %s", var_queue_directory, user);
		ctl_problem(fix, "%s = %s: no such user", param, user);
		free(fix);
		return NULL;
	}
	if (pw->pw_uid == 0)
		ctl_problem("create an unprivileged user for it (useradd "
		    "--system ...) and name it here", "%s = %s: the services "
		    "must not run as root", param, user);
	return pw;
}

/* A file or directory: must exist, owner uid, no write for others. */
static void
ctl_check_path(const char *what, const char *path, int want_dir, uid_t uid,
    const char *owner, mode_t forbid)
{
	struct stat st;
	char *fix;

	if (stat(path, &st) < 0) {
		fix = want_dir ? xasprintf("mkdir -p %s && chown %s %s", path,
		    owner, path) : xasprintf("create %s (postern init makes a "
		    "sample)", path);
		ctl_problem(fix, "%s %s: %s", what, path, strerror(errno));
		free(fix);
		return;
	}
	if (want_dir && !S_ISDIR(st.st_mode)) {
		ctl_problem("replace it with a directory", "%s %s: not a "
		    "directory", what, path);
		return;
	}
	if (st.st_uid != uid) {
		fix = xasprintf("chown %s %s", owner, path);
		ctl_problem(fix, "%s %s: owned by uid %ld, expected %s", what,
		    path, (long)st.st_uid, owner);
		free(fix);
	}
	if ((st.st_mode & forbid) != 0) {
		fix = xasprintf("chmod %s %s", (forbid & S_IRWXO & ~S_IWOTH) ?
		    "go-rwx" : "go-w", path);
		ctl_problem(fix, "%s %s: mode %03o is too open", what, path,
		    (unsigned)(st.st_mode & 07777));
		free(fix);
	}
}

static void
ctl_check_files(const struct passwd *owner)
{
	char *p, me[64];
	uid_t uid = geteuid();
	struct passwd *pw;
	const char *base;

	if ((pw = getpwuid(uid)) != NULL)
		strlcpy(me, pw->pw_name, sizeof(me));
	else
		snprintf(me, sizeof(me), "%ld", (long)uid);
	ctl_check_path("configuration directory", ctl_config_dir(), 1, uid,
	    me, S_IWGRP | S_IWOTH);
	p = xasprintf("%s/main.cf", ctl_config_dir());
	ctl_check_path("configuration file", p, 0, uid, me,
	    S_IWGRP | S_IWOTH);
	free(p);
	p = xasprintf("%s/master.cf", ctl_config_dir());
	ctl_check_path("configuration file", p, 0, uid, me,
	    S_IWGRP | S_IWOTH);
	free(p);
	ctl_check_path("queue_directory", var_queue_directory, 1, uid, me,
	    S_IWGRP | S_IWOTH);
	p = xasprintf("%s/private", var_queue_directory);
	if (owner != NULL && access(p, F_OK) == 0)
		ctl_check_path("socket directory", p, 1, owner->pw_uid,
		    owner->pw_name, S_IRWXG | S_IRWXO);
	free(p);
	ctl_check_path("daemon_directory", var_daemon_directory, 1, uid, me,
	    S_IWGRP | S_IWOTH);
	if ((base = params_get("virtual_mailbox_base")) != NULL &&
	    *base != '\0' && access(base, F_OK) < 0) {
		p = xasprintf("mkdir -p %s and give it to the vmail_owner "
		    "user", base);
		ctl_problem(p, "virtual_mailbox_base %s: %s", base,
		    strerror(errno));
		free(p);
	}
}

/* Every table named by a map-typed parameter must open. */
static void
ctl_check_maps(void)
{
	const struct param_info *tab;
	struct maps_table *t;
	const char *val, *err;
	char **list, *fix;
	size_t i, j, n;

	tab = params_table(&n);
	for (i = 0; i < n; i++) {
		if (tab[i].type != PARAM_TYPE_MAP)
			continue;
		if ((val = params_get(tab[i].name)) == NULL || *val == '\0')
			continue;
		list = params_list(val);
		for (j = 0; list[j] != NULL; j++) {
			if ((t = maps_open(list[j], 0, &err)) != NULL) {
				maps_close(&t);
				continue;
			}
			if (strncmp(list[j], "hash:", 5) == 0)
				fix = xasprintf("postern map %s", list[j]);
			else
				fix = xstrdup("create the table or correct "
				    "its name (maps(5))");
			ctl_problem(fix, "%s: %s", tab[i].name, err);
			free(fix);
		}
		params_list_free(list);
	}
}

int
ctl_check(int argc, char **argv)
{
	const struct passwd *owner = NULL;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern check\n");
		return EX_USAGE_CTL;
	}
	if (ctl_check_main() == 0) {
		ctl_check_master();
		owner = ctl_check_user("mail_owner");
		if (geteuid() == 0) {
			ctl_check_user("vmail_owner");
			ctl_check_user("auth_owner");
			ctl_check_user("resolver_owner");
		}
		ctl_check_files(owner);
		ctl_check_maps();
	}
	if (ctl_problems > 0) {
		printf("postern check: %d problem%s found\n", ctl_problems,
		    ctl_problems == 1 ? "" : "s");
		return 1;
	}
	printf("postern check: no problems found\n");
	return 0;
}

/*
 * NAME
 *	ctl_check - postern check: find what would keep the system from
 *	running, and say how to fix each thing.
 *
 * DESCRIPTION
 *	Checks, in order: main.cf (values, and unknown names), master.cf
 *	(syntax, programs, -o names), the users the services run as, the
 *	ownership and modes of the configuration, queue and mail
 *	directories, every lookup table named in main.cf, and the TLS
 *	settings: the security levels, that the certificate and key files
 *	load as smtpd would load them (readable, PEM, the key matches the
 *	certificate), that no certificate has expired, and that a private
 *	key is not readable by every user; nor may the password tables
 *	(auth_users_maps) be; and where the log goes: maillog_file (its
 *	name and directory, the log service in master.cf, log_owner), or
 *	syslog. Each problem is one line, followed by a "fix:" line. Exit
 *	1 if there was any, else 0. A warning (nothing receives the log)
 *	has the same shape and does not change the exit status.
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
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "log.h"
#include "maillog.h"
#include "maps.h"
#include "mastercf.h"
#include "params.h"
#include "tls.h"
#include "xmalloc.h"

static int ctl_problems;

static void ctl_problem(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

static void ctl_warning(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Not a problem that keeps the system from running: not counted. */
static void
ctl_warning(const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("postern check: warning: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n    fix: %s\n", fix);
}

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
ctl_check_files(const struct passwd *owner, const struct passwd *vmail)
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
	} else if (base != NULL && *base != '\0') {
		/* local delivery, as vmail_owner, creates the Maildirs here */
		if (vmail != NULL)
			ctl_check_path("virtual_mailbox_base", base, 1,
			    vmail->pw_uid, vmail->pw_name, S_IWGRP | S_IWOTH);
		else if (uid != 0)
			ctl_check_path("virtual_mailbox_base", base, 1, uid, me,
			    S_IWGRP | S_IWOTH);
	}
}

/* Every table named by a map-typed parameter must open. */
static void
ctl_check_maps(void)
{
	const struct param_info *tab;
	struct maps_table *t;
	const char *val;
	char **list, *fix, *err = NULL;
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
			err_free(&err);
			free(fix);
		}
		params_list_free(list);
	}
}

/* While a TLS context is made: its warnings are checked separately. */
static int
ctl_check_tls_quiet(enum log_level level, const char *text)
{
	(void)level;
	(void)text;
	return 1;
}

/* A certificate file: expired? A key file: private? */
static void
ctl_check_tls_files(const char *cparam, const char *cert, const char *kparam,
    const char *key)
{
	struct stat st;
	long long t;
	char when[64], *err, *fix;
	time_t tt;

	if (cert != NULL && *cert != '\0') {
		if (tls_cert_not_after(cert, &t, &err) < 0)
			free(err);	/* the context check said why */
		else if (t < (long long)time(NULL)) {
			tt = (time_t)t;
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
			    gmtime(&tt));
			ctl_problem("renew it (with Let's Encrypt: certbot "
			    "renew), then run postern reload", "%s %s: the "
			    "certificate expired on %s", cparam, cert, when);
		}
	}
	if (key == NULL || *key == '\0')
		key = cert;
	if (key != NULL && *key != '\0' && stat(key, &st) == 0 &&
	    (st.st_mode & S_IRWXO) != 0) {
		fix = xasprintf("chmod o-rwx %s", key);
		ctl_problem(fix, "%s %s: mode %03o: every user can read the "
		    "private key", kparam, key, (unsigned)(st.st_mode & 07777));
		free(fix);
	}
}

/* The TLS settings: load what smtpd and the SMTP client would load. */
static void
ctl_check_tls(void)
{
	struct tls_server_conf sconf;
	struct tls_client_conf cconf;
	struct tls_server_ctx *sctx;
	struct tls_client_ctx *cctx;
	enum tls_level lev;
	char *err = NULL;

	if (tls_level_parse(var_smtpd_tls_security_level, &lev) < 0 ||
	    lev > TLS_LEV_ENCRYPT)
		ctl_problem("set smtpd_tls_security_level to none, may or "
		    "encrypt", "smtpd_tls_security_level = %s: not a level of "
		    "the SMTP server", var_smtpd_tls_security_level);
	if (tls_server_conf_params(&sconf, "smtpd", 0, &err) < 0) {
		ctl_problem("set it to high or medium", "%s", err);
		free(err);
		return;
	}
	if (!tls_server_conf_has_cert(&sconf)) {
		if (tls_level_parse(var_smtpd_tls_security_level, &lev) == 0 &&
		    lev >= TLS_LEV_ENCRYPT)
			ctl_problem("set smtpd_tls_cert_file and "
			    "smtpd_tls_key_file (README: TLS)",
			    "smtpd_tls_security_level = encrypt, but no "
			    "certificate is configured");
	} else {
		/* read-only: no ticket key file is made or rotated */
		sconf.ticket_key_file = NULL;
		sconf.session_timeout = 0;
		log_set_hook(ctl_check_tls_quiet);
		sctx = tls_server_ctx_new(&sconf, &err);
		log_set_hook(NULL);
		if (sctx == NULL) {
			ctl_problem(strstr(err, "does not match") != NULL ?
			    "name the key of that certificate (compare openssl "
			    "x509 -noout -pubkey -in CERT with openssl pkey "
			    "-pubout -in KEY)" : "correct the file name, or "
			    "make the file a readable PEM file", "%s", err);
			free(err);
		}
		tls_server_ctx_free(&sctx);
		if (sconf.chain_files == NULL || *sconf.chain_files == '\0') {
			ctl_check_tls_files("smtpd_tls_cert_file",
			    sconf.cert_file, "smtpd_tls_key_file",
			    sconf.key_file);
			ctl_check_tls_files("smtpd_tls_eccert_file",
			    sconf.eccert_file, "smtpd_tls_eckey_file",
			    sconf.eckey_file);
		}
	}
	if (tls_client_conf_params(&cconf, "smtp", &err) < 0) {
		ctl_problem("correct that value (postern.conf(5))", "%s", err);
		free(err);
		return;
	}
	if (cconf.level != TLS_LEV_NONE) {
		if ((cctx = tls_client_ctx_new(&cconf, &err)) == NULL) {
			ctl_problem("correct it (postern.conf(5))", "%s", err);
			free(err);
		}
		tls_client_ctx_free(&cctx);
	}
}

/*
 * The password tables (auth_users_maps): the source and the compiled
 * file must not be readable by everyone (auth is their only reader).
 */
static void
ctl_check_users_maps(void)
{
	const char *v = params_get("auth_users_maps"), *path;
	char **list, *file, *fix;
	struct stat st;
	size_t i, k;

	if (v == NULL || *v == '\0')
		return;
	list = params_list(v);
	for (i = 0; list[i] != NULL; i++) {
		if (strncmp(list[i], "hash:", 5) == 0)
			path = list[i] + 5;
		else if (strncmp(list[i], "texthash:", 9) == 0)
			path = list[i] + 9;
		else
			continue;
		for (k = 0; k < 2; k++) {
			if (k == 1 && path == list[i] + 9)
				break;		/* texthash: has no .db */
			file = xasprintf("%s%s", path, k == 0 ? "" : ".db");
			if (stat(file, &st) == 0 &&
			    (st.st_mode & S_IRWXO) != 0) {
				fix = xasprintf("chmod o-rwx %s", file);
				ctl_problem(fix, "auth_users_maps %s: mode %03o: "
				    "password hashes readable by every user",
				    file, (unsigned)(st.st_mode & 07777));
				free(fix);
			}
			free(file);
		}
	}
	params_list_free(list);
}

/*
 * Where the log goes: maillog_file, checked as the master will open it
 * (without creating it), with its service; or syslog, which had better
 * be there.
 */
static void
ctl_check_log(void)
{
	struct mastercf *mcf;
	struct stat st;
	const char *base;
	char *path, *err;
	int dfd;

	if (*var_maillog_file == '\0') {
		if (!log_syslog_reachable())
			ctl_warning("set maillog_file (postern.conf(5)) or "
			    "start a syslog daemon; postern start -f shows "
			    "the log on the terminal", "nothing will keep the "
			    "log: maillog_file is empty and no syslog daemon "
			    "listens on %s", LOG_SYSLOG_PATH);
		return;
	}
	if (geteuid() == 0)
		(void)ctl_check_user("log_owner");
	if (strcmp(var_maillog_file, MAILLOG_STDOUT) == 0) {
		if (maillog_name_check(var_maillog_file,
		    var_maillog_file_prefixes, &err) < 0) {
			ctl_problem("add /dev/stdout to maillog_file_prefixes",
			    "%s", err);
			free(err);
		}
	} else if ((dfd = maillog_dir_open(var_maillog_file,
	    var_maillog_file_prefixes, &base, &err)) < 0) {
		ctl_problem("name a file in a directory that belongs to root "
		    "and that only root can write, under one of "
		    "maillog_file_prefixes", "%s", err);
		free(err);
	} else {
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(st.st_mode))
			ctl_problem("remove it, or name another file",
			    "maillog_file = %s: not a regular file",
			    var_maillog_file);
		close(dfd);
	}
	path = xasprintf("%s/master.cf", ctl_config_dir());
	if (mastercf_load(path, &mcf, &err) < 0)
		free(err);	/* ctl_check_master said why */
	else {
		if (maillog_conf_check(mcf, &err) < 0) {
			ctl_problem("see postlogd(8)", "%s", err);
			free(err);
		}
		mastercf_free(&mcf);
	}
	free(path);
}

int
ctl_check(int argc, char **argv)
{
	const struct passwd *owner = NULL, *vmail = NULL, *pw;
	struct passwd owner_copy, vmail_copy;
	char owner_name[64], vmail_name[64];

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern check\n");
		return EX_USAGE_CTL;
	}
	if (ctl_check_main() == 0) {
		ctl_check_master();
		/* getpwnam's result is overwritten by the next call: copy */
		if ((pw = ctl_check_user("mail_owner")) != NULL) {
			owner_copy = *pw;
			strlcpy(owner_name, pw->pw_name, sizeof(owner_name));
			owner_copy.pw_name = owner_name;
			owner = &owner_copy;
		}
		if (geteuid() == 0) {
			if ((pw = ctl_check_user("vmail_owner")) != NULL) {
				vmail_copy = *pw;
				strlcpy(vmail_name, pw->pw_name,
				    sizeof(vmail_name));
				vmail_copy.pw_name = vmail_name;
				vmail = &vmail_copy;
			}
			ctl_check_user("auth_owner");
			ctl_check_user("resolver_owner");
		}
		ctl_check_files(owner, vmail);
		ctl_check_maps();
		ctl_check_users_maps();
		ctl_check_tls();
		ctl_check_log();
	}
	if (ctl_problems > 0) {
		printf("postern check: %d problem%s found\n", ctl_problems,
		    ctl_problems == 1 ? "" : "s");
		return 1;
	}
	printf("postern check: no problems found\n");
	return 0;
}

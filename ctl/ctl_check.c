/*
 * NAME
 *	ctl_check - postern check: find what would keep the system from
 *	running, every problem in one run, and say how to fix each.
 *
 * DESCRIPTION
 *	Checks, in order: the configuration directory; main.cf (every bad
 *	line and value with its file:line, unknown names with the nearest
 *	known one); master.cf (every bad line, programs, -o names, and on a
 *	root instance a network-facing service that is not jailed); the
 *	users the services run as, the owners and modes of the directories
 *	and files, and what each service user can reach (ctl_check_fs.c);
 *	every lookup table named in main.cf; the TLS settings: the security
 *	levels, that the certificate and key files load as smtpd would load
 *	them (readable, PEM, the key matches the certificate), that no
 *	certificate has expired, and that a private key is not readable by
 *	every user; nor may the password tables (auth_users_maps) be; and
 *	where the log goes: maillog_file (its name and directory, the log
 *	service in master.cf, log_owner), or syslog. Each problem is one
 *	line, followed by a "fix:" line. Exit 1 if there was
 *	any, else 0; a warning has the same shape and does not change the
 *	exit status.
 *
 *	postern setup (ctl_setup.c) runs the same checks with
 *	ctl_check_applying set: a problem that has an action is fixed
 *	instead of reported.
 *
 *	When run by root the expected owner of the configuration and queue
 *	directories is root and the services' users must exist; otherwise
 *	(a development instance) everything is expected to belong to the
 *	invoking user.
 *
 * SECURITY
 *	Read-only: it changes nothing, it only prints commands to run
 *	(postern setup changes things, through ctl_setup_apply only).
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
#include "fsat.h"
#include "log.h"
#include "maillog.h"
#include "maps.h"
#include "mastercf.h"
#include "params.h"
#include "tls.h"
#include "xmalloc.h"

int ctl_check_applying;
static int ctl_problems, ctl_warnings, ctl_fixed;

static void ctl_report(const char *, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
ctl_report(const char *kind, const char *fix, const char *fmt, va_list ap)
{
	printf("postern check: %s", kind);
	vprintf(fmt, ap);
	printf("\n    fix: %s\n", fix);
}

void
ctl_problem(const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_report("", fix, fmt, ap);
	va_end(ap);
	ctl_problems++;
}

/* Not a problem that keeps the system from running: not counted. */
void
ctl_warning(const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_report("warning: ", fix, fmt, ap);
	va_end(ap);
	ctl_warnings++;
}

void
ctl_problem_act(const struct ctl_action *a, const char *fix,
    const char *fmt, ...)
{
	char *err = NULL;
	va_list ap;

	if (ctl_check_applying) {
		if (ctl_setup_apply(a, &err) == 0) {
			printf("postern setup: %s\n", a->done != NULL ? a->done :
			    fix);
			ctl_fixed++;
			return;
		}
		printf("postern setup: could not %s: %s\n", fix, err);
		free(err);
	}
	va_start(ap, fmt);
	ctl_report("", fix, fmt, ap);
	va_end(ap);
	ctl_problems++;
}

/*
 * The problems of main.cf, gathered during the load and reported in
 * line order (bad lines are found while reading, bad values after).
 */
struct ctl_mainprob {
	long	 line;
	char	*text;
	char	*fix;
};
static struct ctl_mainprob *ctl_mainprobs;
static size_t ctl_nmainprobs;

static void
ctl_mainprob_add(const char *text, char *fix)
{
	const char *p = strstr(text, ".cf:");
	struct ctl_mainprob *m;

	ctl_mainprobs = xreallocarray(ctl_mainprobs, ctl_nmainprobs + 1,
	    sizeof(*ctl_mainprobs));
	m = &ctl_mainprobs[ctl_nmainprobs++];
	m->line = p != NULL ? strtol(p + 4, NULL, 10) : 0;
	m->text = xstrdup(text);
	m->fix = fix;
}

static int
ctl_mainprob_cmp(const void *a, const void *b)
{
	const struct ctl_mainprob *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static void
ctl_mainprob_report(void)
{
	size_t i;

	if (ctl_nmainprobs > 0)
		qsort(ctl_mainprobs, ctl_nmainprobs, sizeof(*ctl_mainprobs),
		    ctl_mainprob_cmp);
	for (i = 0; i < ctl_nmainprobs; i++) {
		ctl_problem(ctl_mainprobs[i].fix, "%s", ctl_mainprobs[i].text);
		free(ctl_mainprobs[i].text);
		free(ctl_mainprobs[i].fix);
	}
	free(ctl_mainprobs);
	ctl_mainprobs = NULL;
	ctl_nmainprobs = 0;
}

/* main.cf warnings (unknown names) are problems too. */
static int
ctl_check_hook(enum log_level level, const char *text)
{
	const char *near;

	if (level < LOG_LEVEL_WARN)
		return 0;
	if ((near = strstr(text, "(did you mean ")) != NULL)
		ctl_mainprob_add(text, xasprintf("rename it to %.*s, or "
		    "remove that line", (int)strcspn(near + 14, "?"),
		    near + 14));
	else
		ctl_mainprob_add(text, xstrdup("correct or remove that line "
		    "(postern conf -d lists every parameter)"));
	return 1;
}

/* A bad line or value of main.cf: the fix says what the value must be. */
static void
ctl_check_main_problem(void *arg, const char *text)
{
	const struct param_info *pi = NULL;
	const char *p;
	char name[128], *fix;
	size_t n;

	(void)arg;
	/* "path:line: name: reason" */
	if ((p = strstr(text, ": ")) != NULL) {
		p += 2;
		n = strcspn(p, ":");
		if (n < sizeof(name) && p[n] == ':') {
			memcpy(name, p, n);
			name[n] = '\0';
			pi = params_find(name);
		}
	}
	if (pi != NULL)
		fix = xasprintf("give %s a valid %s value (its default is "
		    "\"%s\"; postern.conf(5) describes it)", pi->name,
		    params_type_name(pi->type), params_default(pi->name));
	else
		fix = xstrdup("correct that line: \"name = value\" (postern "
		    "conf -d lists every parameter)");
	ctl_mainprob_add(text, fix);
}

/*
 * The configuration directory and main.cf: -1 when there is no
 * configuration to check at all.
 */
static int
ctl_check_main(void)
{
	const char *dir = ctl_config_dir();
	struct stat st;
	char *path, *fix;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fix = xasprintf("name the right directory with -c (an instance "
		    "made by postern init DIR has it in DIR/etc) or set "
		    "POSTERN_CONFIG_DIR; the built-in one is %s",
		    DEF_CONFIG_DIR);
		ctl_problem(fix, "configuration directory %s: %s", dir,
		    S_ISDIR(st.st_mode) || errno != 0 ? strerror(errno) :
		    "not a directory");
		free(fix);
		return -1;
	}
	path = xasprintf("%s/main.cf", dir);
	if (stat(path, &st) < 0)
		ctl_problem("create it (postern init DIR makes an instance with "
		    "one), or name the right directory with -c", "%s: %s "
		    "(every parameter has its default)", path, strerror(errno));
	free(path);
	log_set_hook(ctl_check_hook);
	params_load_all(dir, NULL, ctl_check_main_problem, NULL);
	log_set_hook(NULL);
	ctl_mainprob_report();
	return 0;
}

static void
ctl_check_master_problem(void *arg, const char *text)
{
	(void)arg;
	ctl_problem("correct that line (master.cf(5) describes the columns)",
	    "%s", text);
}

/* The program's name: the command's last component. */
static const char *
ctl_check_program(const struct mastercf_entry *e)
{
	const char *slash = strrchr(e->command, '/');

	return slash != NULL ? slash + 1 : e->command;
}

/* Is e the local submission service (the one smtpd left unjailed)? */
static int
ctl_check_local_submission(const struct mastercf_entry *e)
{
	size_t j;

	for (j = 0; e->overrides[j] != NULL; j++)
		if (strcmp(e->overrides[j], "smtpd_local_submission=yes") == 0)
			return 1;
	return 0;
}

/* Every good line of master.cf: *mcf_r for the checks that follow. */
static void
ctl_check_master(struct mastercf **mcf_r)
{
	const struct mastercf_entry *e;
	struct mastercf *mcf;
	struct stat st;
	const char *near;
	char *path, *name, *fix;
	size_t i, j;

	path = xasprintf("%s/master.cf", ctl_config_dir());
	mastercf_load_all(path, mcf_r, ctl_check_master_problem, NULL);
	free(path);
	if ((mcf = *mcf_r) == NULL)
		return;
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
			if (params_find(name) != NULL) {
				free(name);
				continue;
			}
			near = params_nearest(name);
			fix = near != NULL ? xasprintf("rename it to %s", near) :
			    xstrdup("correct or remove the -o option (postern "
			    "conf -d lists every parameter)");
			ctl_problem(fix, "%s:%d: -o %s: unknown parameter "
			    "\"%s\"%s%s%s", e->path, e->line, e->overrides[j],
			    name, near != NULL ? " (did you mean " : "",
			    near != NULL ? near : "", near != NULL ? "?)" : "");
			free(fix);
			free(name);
		}
		if (geteuid() == 0 && !e->chroot &&
		    (e->type == MASTERCF_INET ||
		    ctl_init_jails(ctl_check_program(e))) &&
		    !ctl_check_local_submission(e)) {
			fix = xasprintf("set the chroot column (the fifth) of "
			    "%s line %d to y", e->path, e->line);
			ctl_warning(fix, "%s:%d: service \"%s\" (%s) faces the "
			    "network or a less trusted process, but is not "
			    "jailed (chroot n)", e->path, e->line, e->name,
			    ctl_check_program(e));
			free(fix);
		}
	}
}

/* Is spec one of the tables of alias_database? */
static int
ctl_check_is_alias_db(const char *spec)
{
	char **list = params_list(var_alias_database);
	size_t i;
	int found = 0;

	for (i = 0; list[i] != NULL && !found; i++)
		found = strcmp(list[i], spec) == 0;
	params_list_free(list);
	return found;
}

/*
 * Is param one of postern user's tables, left at its default in main.cf
 * (so that its file is the one postern user writes)?
 */
static int
ctl_check_userdb_default(const char *param)
{
	return (strcmp(param, "auth_users_maps") == 0 ||
	    strcmp(param, "virtual_mailbox_maps") == 0) &&
	    params_get_set(param) == NULL;
}

/*
 * Every table named by a map-typed parameter must open; an alias table
 * of alias_database (ctl_check_aliases) is checked there instead.
 */
static void
ctl_check_maps(void)
{
	const struct param_info *tab;
	struct ctl_action a;
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
			if (ctl_check_is_alias_db(list[j]))
				continue;
			if ((t = maps_open(list[j], 0, &err)) != NULL) {
				maps_close(&t);
				continue;
			}
			if (strncmp(list[j], "hash:", 5) == 0 &&
			    access(list[j] + 5, F_OK) == 0) {
				memset(&a, 0, sizeof(a));
				a.kind = CTL_ACT_MAP;
				a.name = list[j];
				fix = xasprintf("postern map %s", list[j]);
				ctl_problem_act(&a, fix, "%s: %s", tab[i].name,
				    err);
			} else if (ctl_check_userdb_default(tab[i].name)) {
				memset(&a, 0, sizeof(a));
				a.kind = CTL_ACT_USERDB;
				a.done = "made postern user's tables, empty "
				    "(postern user add ADDRESS adds a user)";
				fix = xstrdup("postern user add ADDRESS makes "
				    "it with its first user (postern setup "
				    "makes it empty)");
				ctl_problem_act(&a, fix, "%s: %s", tab[i].name,
				    err);
			} else {
				fix = xstrdup("create the table or correct "
				    "its name (maps(5))");
				ctl_problem(fix, "%s: %s", tab[i].name, err);
			}
			err_free(&err);
			free(fix);
		}
		params_list_free(list);
	}
}

/*
 * The alias tables newaliases builds (alias_database): each must open.
 * A hash: table that does not, setup builds as newaliases would, from
 * an empty source when it has none (a new system's /etc/aliases).
 */
static void
ctl_check_aliases(void)
{
	struct ctl_action a;
	struct maps_table *t;
	char **list, *err = NULL, *fix, *done = NULL;
	size_t i;

	list = params_list(var_alias_database);
	for (i = 0; list[i] != NULL; i++) {
		if ((t = maps_open(list[i], 0, &err)) != NULL) {
			maps_close(&t);
			continue;
		}
		if (strncmp(list[i], "hash:", 5) == 0) {
			memset(&a, 0, sizeof(a));
			a.kind = CTL_ACT_ALIASES;
			a.name = list[i];
			if (access(list[i] + 5, F_OK) == 0)
				fix = xstrdup("newaliases");
			else {
				fix = xasprintf("create %s (aliases(5)), then "
				    "run newaliases; postern setup makes it "
				    "empty", list[i] + 5);
				a.done = done = xasprintf("made %s, empty, and "
				    "built it (newaliases)", list[i] + 5);
			}
			ctl_problem_act(&a, fix, "alias_database: %s", err);
			free(fix);
			free(done);
			done = NULL;
		} else
			ctl_problem("create the table or correct its name "
			    "(maps(5))", "alias_database: %s", err);
		err_free(&err);
	}
	params_list_free(list);
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

/*
 * TLS asked for, but no certificate configured: setup makes a
 * self-signed one in config_directory/tls and names it in main.cf.
 */
static void
ctl_check_tls_none(enum tls_level lev)
{
	struct ctl_action a;
	char *fix, *done;

	memset(&a, 0, sizeof(a));
	a.kind = CTL_ACT_CERT;
	a.name = xasprintf("%s/tls/cert.pem", ctl_config_dir());
	a.key = xasprintf("%s/tls/key.pem", ctl_config_dir());
	a.configure = 1;
	a.done = done = xasprintf("made a self-signed certificate for %s "
	    "(README: TLS, says how to use a real one) and named it in "
	    "main.cf: smtpd_tls_cert_file = %s, smtpd_tls_key_file = %s",
	    var_myhostname, a.name, a.key);
	fix = xasprintf("set smtpd_tls_cert_file and smtpd_tls_key_file "
	    "(README: TLS), or let postern setup make a self-signed "
	    "certificate in %s and name it there", a.name);
	ctl_problem_act(&a, fix, "smtpd_tls_security_level = %s, but no "
	    "certificate is configured%s", var_smtpd_tls_security_level,
	    lev == TLS_LEV_MAY ? ": STARTTLS is not offered" : "");
	free(fix);
	free(done);
	free((char *)(uintptr_t)a.name);
	free((char *)(uintptr_t)a.key);
}

/*
 * The configured certificate and key files both missing (a new system
 * install): setup makes a self-signed pair there. 1 when so, else 0
 * (what is there is checked as smtpd would load it).
 */
static int
ctl_check_tls_missing(const struct tls_server_conf *sc)
{
	struct ctl_action a;
	const char *key;
	char *done;

	if (sc->chain_files != NULL && *sc->chain_files != '\0')
		return 0;
	if (sc->cert_file == NULL || *sc->cert_file == '\0')
		return 0;
	key = sc->key_file != NULL && *sc->key_file != '\0' ? sc->key_file :
	    sc->cert_file;
	if (strcmp(key, sc->cert_file) == 0 || access(sc->cert_file, F_OK) ==
	    0 || errno != ENOENT || access(key, F_OK) == 0 || errno != ENOENT)
		return 0;
	memset(&a, 0, sizeof(a));
	a.kind = CTL_ACT_CERT;
	a.name = sc->cert_file;
	a.key = key;
	a.done = done = xasprintf("made a self-signed certificate for %s "
	    "(README: TLS, says how to use a real one): %s, its key %s",
	    var_myhostname, sc->cert_file, key);
	ctl_problem_act(&a, "install a certificate and its key there "
	    "(README: TLS), or let postern setup make a self-signed one",
	    "smtpd_tls_cert_file %s and smtpd_tls_key_file %s: no such "
	    "files", sc->cert_file, key);
	free(done);
	return 1;
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
		    (lev == TLS_LEV_MAY || lev == TLS_LEV_ENCRYPT))
			ctl_check_tls_none(lev);
	} else if (ctl_check_tls_missing(&sconf) == 0) {
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
ctl_check_log(const struct mastercf *mcf)
{
	struct stat st;
	const char *base;
	char *err;
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
	/* log_owner: with the other users (ctl_check_fs.c) */
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
	if (mcf != NULL && maillog_conf_check(mcf, &err) < 0) {
		ctl_problem("see postlogd(8)", "%s", err);
		free(err);
	}
}

/* Every check, in order; the counts are in ctl_problems and friends. */
static void
ctl_check_all(void)
{
	struct mastercf *mcf = NULL;

	ctl_problems = ctl_warnings = ctl_fixed = 0;
	if (ctl_check_main() < 0)
		return;
	ctl_check_master(&mcf);
	ctl_check_fs(mcf);
	ctl_check_maps();
	ctl_check_aliases();
	ctl_check_users_maps();
	ctl_check_tls();
	ctl_check_log(mcf);
	mastercf_free(&mcf);
}

/* "N problems found, M warnings"; exit status 1 when any problem. */
static int
ctl_check_summary(const char *who)
{
	if (ctl_problems == 0)
		printf("%s: no problems found", who);
	else
		printf("%s: %d problem%s found", who, ctl_problems,
		    ctl_problems == 1 ? "" : "s");
	if (ctl_warnings > 0)
		printf(", %d warning%s", ctl_warnings,
		    ctl_warnings == 1 ? "" : "s");
	printf("\n");
	return ctl_problems > 0 ? 1 : 0;
}

int
ctl_check(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern check\n");
		return EX_USAGE_CTL;
	}
	ctl_check_all();
	return ctl_check_summary("postern check");
}

/*
 * postern setup: the checks with their actions carried out, then the
 * checks again to report what is left (ctl_setup.c has the command).
 */
int
ctl_check_setup(void)
{
	ctl_check_applying = 1;
	ctl_check_all();
	ctl_check_applying = 0;
	if (ctl_fixed == 0)
		printf("postern setup: nothing to do\n");
	else
		printf("postern setup: %d change%s made; checking again\n",
		    ctl_fixed, ctl_fixed == 1 ? "" : "s");
	ctl_check_all();
	return ctl_check_summary("postern check");
}

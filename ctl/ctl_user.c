/*
 * NAME
 *	ctl_user - `postern user`: add, delete, list virtual users, set
 *	their passwords.
 *
 * SYNOPSIS
 *	postern user add [--stdin] [--maildir PATH] [--quota SIZE] ADDRESS
 *	postern user passwd [--stdin] ADDRESS
 *	postern user del ADDRESS
 *	postern user list
 *
 * DESCRIPTION
 *	The users live in config_directory/users (see ctl_user.h and
 *	ctl_user_db.c). add creates a user with a yescrypt password hash
 *	(lib/pwhash), the Maildir path DOMAIN/LOCALPART/ relative to
 *	virtual_mailbox_base unless --maildir says otherwise (the local
 *	delivery agent creates the Maildir on the first delivery), and a
 *	quota (k/m/g units; none by default). A domain that is not in
 *	virtual_mailbox_domains gets a warning with the fix. passwd sets a
 *	new password; del removes the user but never the Maildir.
 *
 *	The password is read from the terminal without echo, twice, or
 *	with --stdin as one line from standard input; never from the
 *	command line, where any user could read it (ps, /proc).
 *
 *	ctl_user_init is the part of `postern init` that creates the
 *	instance's postmaster mailbox with a random password, printed once;
 *	ctl_user_tables the part of `postern setup` that makes the two
 *	tables, empty, on a new system instance.
 *
 *	Exit status: 0 done; 1 no such user, user exists, passwords differ;
 *	2 an error (unreadable or malformed users file, write error);
 *	64 usage.
 *
 * SECURITY
 *	Run by the admin. Passwords stay in memory only as long as needed
 *	and are wiped (explicit_bzero); they are never logged or printed,
 *	except the generated one of `postern init`, printed once to its
 *	user. Addresses are parsed with lib/addr and must be usable as
 *	table keys and path components (no white space, no '/').
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "ctl.h"
#include "ctl_user.h"
#include "domain_class.h"
#include "err.h"
#include "maildir.h"
#include "params.h"
#include "printable.h"
#include "pwhash.h"
#include "xmalloc.h"

#define CTL_USER_EXIT_NO	1
#define CTL_USER_EXIT_ERR	2

static long	ctl_user_lookup(struct ctl_userdb *, const char *, int, int);

static int
ctl_user_usage(void)
{
	fprintf(stderr, "usage: postern user add [--stdin] [--maildir PATH] "
	    "[--quota SIZE] ADDRESS\n"
	    "       postern user passwd [--stdin] ADDRESS\n"
	    "       postern user del ADDRESS\n"
	    "       postern user list\n");
	return EX_USAGE_CTL;
}

/*
 * Parse ADDRESS into its lookup key. The key must work as a table key
 * (no white space) and, for the default Maildir, as a path.
 */
static int
ctl_user_addr(const char *s, struct addr *a, char *key, size_t keylen)
{
	enum addr_err e;

	if (addr_parse_mailbox(s, ADDR_F_SMTPUTF8, a, &e) < 0) {
		fprintf(stderr, "postern user: %s: %s\n", s,
		    addr_strerror(e));
		return -1;
	}
	if (a->domain[0] == '\0' || (a->flags & ADDR_LITERAL) != 0) {
		fprintf(stderr, "postern user: %s: the address needs a "
		    "domain name\n", s);
		return -1;
	}
	if (a->local[0] == '#') {
		fprintf(stderr, "postern user: %s: a local part that starts "
		    "with # cannot be a table key\n", s);
		return -1;
	}
	if (!printable_ok(a->local, PRINTABLE_NOSPACE | PRINTABLE_8BIT)) {
		fprintf(stderr, "postern user: %s: white space in the local "
		    "part cannot be used\n", s);
		return -1;
	}
	if (addr_key(a, key, keylen) < 0) {
		fprintf(stderr, "postern user: %s: too long\n", s);
		return -1;
	}
	return 0;
}

/* Load main.cf of the instance. */
static int
ctl_user_params(const char *confdir)
{
	char *err;

	if (params_load(confdir, NULL, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

/* Is domain in virtual_mailbox_domains? 1 yes, 0 no, -1 unknown. */
static int
ctl_user_domain_listed(const char *domain)
{
	struct domain_list *dl;
	int r;

	/* the same rules as smtpd and qmgr (lib/domain_class) */
	if ((dl = domain_list_open("virtual_mailbox_domains",
	    var_virtual_mailbox_domains, 0, NULL)) == NULL)
		return -1;
	r = domain_list_match(dl, domain, NULL);
	domain_list_close(&dl);
	return r;
}

static void
ctl_user_domain_warn(const char *domain)
{
	const char *cur = params_get_raw("virtual_mailbox_domains");
	int r = ctl_user_domain_listed(domain);

	if (r > 0)
		return;
	if (r < 0) {
		fprintf(stderr, "postern user: warning: cannot tell whether "
		    "%s is in virtual_mailbox_domains (a table in it does "
		    "not open)\n  fix: postern check\n", domain);
		return;
	}
	fprintf(stderr, "postern user: warning: %s is not in "
	    "virtual_mailbox_domains: mail for this user is not delivered "
	    "here\n  fix: postern conf \"virtual_mailbox_domains=%s%s%s\"\n",
	    domain, cur != NULL ? cur : "", cur != NULL && *cur != '\0' ?
	    ", " : "", domain);
}

/* The Maildir path relative to virtual_mailbox_base. */
static char *
ctl_user_maildir(const char *opt, const struct addr *a, const char *key)
{
	const char *base = var_virtual_mailbox_base, *p;
	size_t bl = strlen(base);
	char *path;

	if (opt == NULL) {
		if (strchr(a->local, '/') != NULL || a->local[0] == '.') {
			fprintf(stderr, "postern user: the local part of %s "
			    "cannot be a directory name: give --maildir\n",
			    key);
			return NULL;
		}
		/* the key: lower case, so one user has one Maildir */
		p = strrchr(key, '@');
		path = xasprintf("%s/%.*s/", p + 1, (int)(p - key), key);
	} else if (opt[0] == '/') {
		if (bl == 0 || strncmp(opt, base, bl) != 0 || opt[bl] != '/') {
			fprintf(stderr, "postern user: --maildir %s is not "
			    "below virtual_mailbox_base (%s)\n", opt,
			    *base != '\0' ? base : "not set");
			return NULL;
		}
		path = xstrdup(opt + bl + strspn(opt + bl, "/"));
	} else
		path = xstrdup(opt);
	if (!maildir_path_ok(path) || strpbrk(path, " \t") != NULL) {
		fprintf(stderr, "postern user: bad Maildir path \"%s\" (no "
		    "\"..\", \".\", white space or control characters)\n",
		    path);
		free(path);
		return NULL;
	}
	return path;
}

static int
ctl_user_add(int argc, char **argv)
{
	const char *maildir_opt = NULL, *quota_opt = NULL, *err;
	char key[ADDR_TEXT_MAX], hash[PWHASH_SIZE], q[32], *maildir = NULL;
	struct ctl_userdb db;
	long long quota = 0;
	struct addr a;
	int i, from_stdin = 0, r = CTL_USER_EXIT_ERR;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--stdin") == 0)
			from_stdin = 1;
		else if (strcmp(argv[i], "--maildir") == 0 && i + 1 < argc)
			maildir_opt = argv[++i];
		else if (strcmp(argv[i], "--quota") == 0 && i + 1 < argc)
			quota_opt = argv[++i];
		else
			return ctl_user_usage();
	}
	if (i != argc - 1)
		return ctl_user_usage();
	if (quota_opt != NULL && params_parse_size(quota_opt, &quota,
	    &err) < 0) {
		fprintf(stderr, "postern user: --quota %s: %s (a size such as "
		    "512m or 2g)\n", quota_opt, err);
		return EX_USAGE_CTL;
	}
	if (ctl_user_params(ctl_config_dir()) < 0 ||
	    ctl_user_addr(argv[i], &a, key, sizeof(key)) < 0 ||
	    (maildir = ctl_user_maildir(maildir_opt, &a, key)) == NULL)
		return CTL_USER_EXIT_ERR;
	/* ask for the password without holding the lock, then check again */
	r = (int)-ctl_user_lookup(&db, key, 0, 0);
	ctl_userdb_close(&db);
	if (r != 0)
		goto out;
	if ((i = ctl_user_password(from_stdin, hash, sizeof(hash))) != 0) {
		r = i > 0 ? CTL_USER_EXIT_NO : CTL_USER_EXIT_ERR;
		goto out;
	}
	if ((r = (int)-ctl_user_lookup(&db, key, 1, 0)) != 0) {
		explicit_bzero(hash, sizeof(hash));
		goto out;
	}
	r = CTL_USER_EXIT_ERR;
	ctl_userdb_add(&db, key, hash, maildir, quota);
	explicit_bzero(hash, sizeof(hash));
	if (ctl_userdb_save(&db) < 0)
		goto out;
	ctl_userdb_quota_text(quota, q, sizeof(q));
	printf("postern: added %s, Maildir %s/%s, %s%s\n", key,
	    var_virtual_mailbox_base, maildir, quota > 0 ? "quota " :
	    "no quota", quota > 0 ? q : "");
	ctl_user_domain_warn(a.domain);
	r = 0;
out:
	ctl_userdb_close(&db);
	free(maildir);
	return r;
}

/*
 * Read the database (locked when lock_it) and look key up: it must
 * exist when must_exist, else it must not. 0 and the index (or -1), or
 * an exit status with the reason printed. Close db in any case.
 */
static long
ctl_user_lookup(struct ctl_userdb *db, const char *key, int lock_it,
    int must_exist)
{
	long idx;

	if (ctl_userdb_open(db, ctl_config_dir(), lock_it) < 0)
		return -CTL_USER_EXIT_ERR;
	idx = ctl_userdb_find(db, key);
	if (must_exist && idx < 0) {
		fprintf(stderr, "postern user: no user %s\n", key);
		return -CTL_USER_EXIT_NO;
	}
	if (!must_exist && idx >= 0) {
		fprintf(stderr, "postern user: %s exists (postern user passwd "
		    "changes its password)\n", key);
		return -CTL_USER_EXIT_NO;
	}
	return must_exist ? idx : 0;
}

/* main.cf, then ADDRESS as a lookup key. 0, or an exit status. */
static int
ctl_user_key(const char *arg, char *key, size_t len)
{
	struct addr a;

	if (ctl_user_params(ctl_config_dir()) < 0 ||
	    ctl_user_addr(arg, &a, key, len) < 0)
		return CTL_USER_EXIT_ERR;
	return 0;
}

static int
ctl_user_passwd(int argc, char **argv)
{
	struct ctl_userdb db;
	char key[ADDR_TEXT_MAX], hash[PWHASH_SIZE];
	long idx;
	int i, from_stdin = 0, r;

	memset(&db, 0, sizeof(db));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--stdin") == 0)
			from_stdin = 1;
		else
			return ctl_user_usage();
	}
	if (i != argc - 1)
		return ctl_user_usage();
	if ((r = ctl_user_key(argv[i], key, sizeof(key))) != 0)
		return r;
	/* ask for the password without holding the lock, then look again */
	idx = ctl_user_lookup(&db, key, 0, 1);
	ctl_userdb_close(&db);
	if (idx < 0)
		return (int)-idx;
	if ((i = ctl_user_password(from_stdin, hash, sizeof(hash))) != 0)
		return i > 0 ? CTL_USER_EXIT_NO : CTL_USER_EXIT_ERR;
	if ((idx = ctl_user_lookup(&db, key, 1, 1)) < 0) {
		r = (int)-idx;
		goto out;
	}
	explicit_bzero(db.v[idx].hash, strlen(db.v[idx].hash));
	free(db.v[idx].hash);
	db.v[idx].hash = xstrdup(hash);
	r = ctl_userdb_save(&db) < 0 ? CTL_USER_EXIT_ERR : 0;
	if (r == 0)
		printf("postern: new password for %s\n", db.v[idx].addr);
out:
	explicit_bzero(hash, sizeof(hash));
	ctl_userdb_close(&db);
	return r;
}

static int
ctl_user_del(int argc, char **argv)
{
	struct ctl_userdb db;
	char key[ADDR_TEXT_MAX];
	long idx;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return ctl_user_usage();
	if ((r = ctl_user_key(argv[1], key, sizeof(key))) != 0)
		return r;
	if ((idx = ctl_user_lookup(&db, key, 1, 1)) < 0) {
		r = (int)-idx;
		goto out;
	}
	printf("postern: deleted %s; its Maildir %s/%s is kept\n",
	    db.v[idx].addr, var_virtual_mailbox_base, db.v[idx].maildir);
	ctl_userdb_del(&db, (size_t)idx);
	r = ctl_userdb_save(&db) < 0 ? CTL_USER_EXIT_ERR : 0;
out:
	ctl_userdb_close(&db);
	return r;
}

static int
ctl_user_list(int argc, char **argv)
{
	struct ctl_userdb db;
	char q[32];
	size_t i;
	int r = 0;

	(void)argv;
	if (argc != 1)
		return ctl_user_usage();
	if (ctl_user_params(ctl_config_dir()) < 0)
		return CTL_USER_EXIT_ERR;
	if (ctl_userdb_open(&db, ctl_config_dir(), 0) < 0) {
		ctl_userdb_close(&db);
		return CTL_USER_EXIT_ERR;
	}
	for (i = 0; i < db.n; i++) {
		ctl_userdb_quota_text(db.v[i].quota, q, sizeof(q));
		printf("%s %s %s\n", db.v[i].addr, db.v[i].maildir,
		    db.v[i].quota > 0 ? q : "-");
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "postern user: standard output: %s\n",
		    strerror(errno));
		r = CTL_USER_EXIT_ERR;
	}
	ctl_userdb_close(&db);
	return r;
}

int
ctl_user(int argc, char **argv)
{
	if (argc < 2)
		return ctl_user_usage();
	argc--, argv++;
	if (strcmp(argv[0], "add") == 0)
		return ctl_user_add(argc, argv);
	if (strcmp(argv[0], "passwd") == 0)
		return ctl_user_passwd(argc, argv);
	if (strcmp(argv[0], "del") == 0)
		return ctl_user_del(argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return ctl_user_list(argc, argv);
	return ctl_user_usage();
}

int
ctl_user_init(const char *confdir, const char *domain)
{
	struct ctl_userdb db;
	char key[ADDR_TEXT_MAX], pw[17], hash[PWHASH_SIZE], *maildir;
	const char *err;
	int r = -1;

	if (ctl_user_params(confdir) < 0)
		return -1;
	snprintf(key, sizeof(key), "postmaster@%s", domain);
	addr_lower(key);
	if (ctl_userdb_open(&db, confdir, 1) < 0)
		goto out;
	if (ctl_userdb_find(&db, key) >= 0) {
		r = 0;		/* an earlier init made it */
		goto out;
	}
	ctl_user_random_pw(pw, sizeof(pw) - 1);
	if (pwhash_make(pw, hash, sizeof(hash), &err) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		goto out;
	}
	maildir = xasprintf("%s/postmaster/", key + strlen("postmaster@"));
	ctl_userdb_add(&db, key, hash, maildir, 0);
	free(maildir);
	explicit_bzero(hash, sizeof(hash));
	if (ctl_userdb_save(&db) < 0)
		goto out;
	printf("  mailbox:   %s, password %s\n", key, pw);
	printf("             (shown only now; change it with %s -c %s "
	    "user passwd %s)\n", ctl_progname, confdir, key);
	r = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	ctl_userdb_close(&db);
	return r;
}

int
ctl_user_tables(const char *confdir, char **err_r)
{
	struct ctl_userdb db;
	int r = -1;

	if (ctl_userdb_open(&db, confdir, 1) == 0 && ctl_userdb_save(&db) == 0)
		r = 0;
	else
		err_set(err_r, "the users and mailboxes tables in %s (see "
		    "above)", confdir);
	ctl_userdb_close(&db);
	return r;
}

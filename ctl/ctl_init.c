/*
 * NAME
 *	ctl_init - postern init: a self-contained instance in a directory.
 *
 * SYNOPSIS
 *	postern init DIR [--domain D] [--port-base B]
 *	postern init --system [DIR]
 *
 * DESCRIPTION
 *	Creates DIR/etc/main.cf and DIR/etc/master.cf, the queue directory
 *	DIR/spool, the mail root DIR/mail and DIR/data, and a self-signed
 *	certificate for myhostname (localhost) in DIR/etc/tls/cert.pem
 *	with its ECDSA P-256 key in DIR/etc/tls/key.pem (mode 0600), which
 *	main.cf names as smtpd_tls_cert_file and smtpd_tls_key_file with
 *	smtpd_tls_security_level = may, so STARTTLS works from the first
 *	start (clients cannot verify it: README, TLS, says how to install
 *	a real one). An existing pair there is kept. The instance
 *	listens on 127.0.0.1 only, on B+25 (smtp), B+87 (submission), B+65
 *	(submissions), B+10 (pop3), B+95 (pop3s), B+43 (imap) and B+93
 *	(imaps) for the programs that are built; B is 2000 unless given.
 *	The banner names the ports actually served and the command as it
 *	was typed (ctl/postern in a build tree). Run by a user other than
 *	root, it runs entirely as that user.
 *
 *	When this postern runs from a build tree (ctl/postern beside
 *	master/), DIR/libexec gets links to the programs in the tree and
 *	daemon_directory points there, so `make run` needs no install.
 *	A service whose program does not exist (yet) is written commented
 *	out in master.cf, with its -o options. An -o option that this build
 *	does not know, on a service that is built, is an error: nothing is
 *	written (a misnamed TLS option must never bring a port up in plain
 *	text). A main.cf parameter this build does not know is left out.
 *
 *	With --system it writes the configuration of a system instance
 *	instead (ctl_init_system.c), from the same master.cf template.
 *
 * SECURITY
 *	Refuses to write over an existing main.cf or master.cf. Files are
 *	created 0644, directories 0755 (the master fixes private/).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "fsat.h"
#include "maps.h"
#include "params.h"
#include "tls.h"
#include "vbuf.h"
#include "xmalloc.h"

#define CTL_INIT_PORT_BASE	2000

/*
 * A master.cf line of the template; port 0 means a unix service,
 * CTL_INIT_DGRAM the unix-dgram one (the log service).
 */
#define CTL_INIT_DGRAM	(-1)
static const struct ctl_init_svc {
	const char	*comment;
	int		 port;		/* added to the port base */
	const char	*name;		/* unix services */
	const char	*cols;		/* private unpriv chroot wakeup maxproc */
	const char	*program;
	const char	*opts[6];	/* -o name=value */
} ctl_init_svcs[] = {
	{ "SMTP (port 25 on a real server)", 25, NULL, "n - y - -", "smtpd",
	    { NULL } },
	{ "submission (587)", 87, NULL, "n - y - -", "smtpd",
	    { "smtpd_tls_security_level=encrypt",
	    "smtpd_sasl_auth_enable=yes",
	    "smtpd_client_restrictions=permit_sasl_authenticated,reject",
	    "smtpd_sender_restrictions="
	    "reject_authenticated_sender_login_mismatch", NULL } },
	{ "submissions, TLS from the start (465)", 65, NULL, "n - y - -",
	    "smtpd", { "smtpd_tls_wrappermode=yes",
	    "smtpd_sasl_auth_enable=yes",
	    "smtpd_client_restrictions=permit_sasl_authenticated,reject",
	    "smtpd_sender_restrictions="
	    "reject_authenticated_sender_login_mismatch", NULL } },
	{ "POP3 (110): the login side, as login_owner in an empty jail; "
	    "logged-in users\n# go to the pop3d service below", 10, NULL,
	    "n n y - -", "pop3-login", { NULL } },
	{ "POP3S (995): the same, with TLS from the first byte", 95, NULL,
	    "n n y - -", "pop3-login", { "pop3d_tls_wrappermode=yes", NULL } },
	{ "POP3 sessions of logged-in users (vmail_owner, jailed in the mail "
	    "root, one\n# process per session, confined to the user's Maildir)",
	    0, "pop3d", "- n y - -", "pop3d", { NULL } },
	{ "IMAP (143): the login side, as login_owner in an empty jail, "
	    "STARTTLS;\n# logged-in users go to the imapd service below", 43,
	    NULL, "n n y - -", "imap-login", { NULL } },
	{ "IMAPS (993): the same, with TLS from the first byte", 93, NULL,
	    "n n y - -", "imap-login", { "imapd_tls_wrappermode=yes", NULL } },
	{ "IMAP sessions of logged-in users (vmail_owner, jailed in the mail "
	    "root, one\n# process per session, confined to the user's Maildir; "
	    "clients keep them open\n# for hours: room for 1000)", 0, "imapd",
	    "- n y - 1000", "imapd", { NULL } },
	{ "local submission (the sendmail command). The one service not "
	    "jailed:\n# it names local senders from /etc/passwd, and only "
	    "local users reach it", 0, "submit", "n - n - -", "smtpd",
	    { "smtpd_local_submission=yes", NULL } },
	{ "connection counts and rates for smtpd's client limits", 0,
	    "anvil", "- - y - 1", "anvil", { NULL } },
	{ "queue manager", 0, "qmgr", "n - y 300 1", "qmgr", { NULL } },
	{ "DNS resolver (runs as resolver_owner, jailed in an empty "
	    "directory)", 0, "resolver", "- n y - 1", "resolver", { NULL } },
	{ "authentication (runs as auth_owner; not jailed: it reopens the "
	    "password\n# tables in the configuration directory when postern "
	    "user replaces them)", 0, "auth", "- n n - 1", "auth", { NULL } },
	{ "delivery to mailboxes (runs as vmail_owner, jailed in the mail "
	    "root)", 0, "local", "- n y - -", "local", { NULL } },
	{ "delivery to other hosts by MX (default_transport)", 0, "smtp",
	    "- - y - -", "relay", { NULL } },
	{ "delivery to relay_domains (relay_transport)", 0, "relay",
	    "- - y - -", "relay",
	    { NULL } },
	{ "the log service: writes maillog_file when it is set (runs as "
	    "log_owner, jailed in an empty directory)", CTL_INIT_DGRAM,
	    "postlog", "n n y - 1", "postlogd", { NULL } },
};

/*
 * Services whose program is built but which need more than it has yet:
 * written commented out, with the reason (by port, as above).
 */
static const struct {
	int		 port;
	const char	*why;
} ctl_init_later[] = {
	{ 0, NULL },	/* none now: submission has STARTTLS and AUTH */
};

/*
 * A system instance (postern init --system) listens on the standard
 * ports, named as in /etc/services: the port column above is the last
 * two digits of each.
 */
static const struct {
	int		 port;		/* as in ctl_init_svcs */
	const char	*service;
} ctl_init_std[] = {
	{ 25, "smtp" }, { 87, "submission" }, { 65, "submissions" },
	{ 10, "pop3" }, { 95, "pop3s" }, { 43, "imap" }, { 93, "imaps" },
};

static const char *
ctl_init_std_service(int port)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_init_std) / sizeof(ctl_init_std[0]); i++)
		if (ctl_init_std[i].port == port)
			return ctl_init_std[i].service;
	return NULL;
}

int
ctl_init_jails(const char *program)
{
	const char *c;
	size_t i;

	for (i = 0; i < sizeof(ctl_init_svcs) / sizeof(ctl_init_svcs[0]);
	    i++) {
		if (strcmp(ctl_init_svcs[i].program, program) != 0)
			continue;
		/* private unpriv chroot ...: the third column */
		c = ctl_init_svcs[i].cols;
		c += strspn(c, " ");
		c += strcspn(c, " ");
		c += strspn(c, " ");
		c += strcspn(c, " ");
		c += strspn(c, " ");
		if (*c == 'y')
			return 1;
	}
	return 0;
}

static const char *
ctl_init_later_why(int port)
{
	size_t i;

	for (i = 0; port != 0 &&
	    i < sizeof(ctl_init_later) / sizeof(ctl_init_later[0]); i++)
		if (ctl_init_later[i].port == port)
			return ctl_init_later[i].why;
	return NULL;
}

/* Programs in a build tree, by installed name. */
static const struct {
	const char	*name;
	const char	*tree_path;
} ctl_init_progs[] = {
	{ "master", "master/master" },
	{ "smtpd", "smtpd/smtpd" },
	{ "anvil", "anvil/anvil" },
	{ "qmgr", "qmgr/qmgr" },
	{ "resolver", "resolver/resolver" },
	{ "auth", "auth/auth" },
	{ "local", "delivery/local/local" },
	{ "relay", "delivery/relay/relay" },
	{ "pop3d", "pop3d/pop3d" },
	{ "pop3-login", "pop3d/login/pop3-login" },
	{ "imapd", "imapd/imapd" },
	{ "postlogd", "postlogd/postlogd" },
	{ "imap-login", "imapd/login/imap-login" },
};

static int
ctl_init_usage(void)
{
	fprintf(stderr, "usage: postern init DIR [--domain D] "
	    "[--port-base B]\n       postern init --system [DIR]\n");
	return EX_USAGE_CTL;
}

static int
ctl_init_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "postern: mkdir %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A root instance: DIR must be root's and writable by nobody else (root
 * works by name in it), and the mail root belongs to vmail_owner, who
 * delivers into it, when that user exists (else postern check says so
 * and postern setup does it).
 */
static int
ctl_init_root_dirs(const char *dir)
{
	struct passwd *pw;
	char *err;
	int dfd, fd;

	if (geteuid() != 0)
		return 0;
	if ((dfd = fsat_dir_open(dir, 0, 022, &err)) < 0) {
		fprintf(stderr, "postern: %s: a root instance needs a directory "
		    "only root can write\n", err);
		free(err);
		return -1;
	}
	if ((pw = getpwnam(DEF_VMAIL_USER)) != NULL) {
		if ((fd = fsat_mkdir(dfd, "mail", 0700, pw->pw_uid, pw->pw_gid,
		    &err)) < 0) {
			fprintf(stderr, "postern: %s/%s\n", dir, err);
			free(err);
			close(dfd);
			return -1;
		}
		close(fd);
	}
	close(dfd);
	return 0;
}

/*
 * DIR/etc/tls/cert.pem and key.pem: a self-signed certificate for the
 * instance (lib/tls_cert.c), unless both exist already.
 */
static int
ctl_init_tls(const char *dir)
{
	static const char *const names[] = { "localhost", NULL };
	char *tdir, *cert, *key, *err = NULL;
	int r = 0;

	tdir = xasprintf("%s/etc/tls", dir);
	cert = xasprintf("%s/cert.pem", tdir);
	key = xasprintf("%s/key.pem", tdir);
	if (ctl_init_mkdir(tdir) < 0)
		r = -1;
	else if (access(cert, F_OK) < 0 || access(key, F_OK) < 0) {
		if (tls_cert_selfsigned(cert, key, names, 3650, &err) < 0) {
			fprintf(stderr, "postern: a certificate for the "
			    "instance: %s\n", err);
			free(err);
			r = -1;
		}
	}
	free(tdir);
	free(cert);
	free(key);
	return r;
}

char *
ctl_init_tree(void)
{
	char exe[PATH_MAX], *slash, *probe;
	ssize_t n;
	int ok;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return NULL;
	exe[n] = '\0';
	/* .../TREE/ctl/postern */
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if ((slash = strrchr(exe, '/')) == NULL || strcmp(slash, "/ctl") != 0)
		return NULL;
	*slash = '\0';
	probe = xasprintf("%s/master/master.h", exe);
	ok = access(probe, F_OK) == 0;
	free(probe);
	return ok ? xstrdup(exe) : NULL;
}

static void
ctl_init_param(struct vbuf *b, const char *name, const char *value)
{
	if (params_find(name) != NULL)
		vbuf_appendf(b, "%s = %s\n", name, value);
}

static char *
ctl_init_main_cf(const char *dir, const char *domain, const char *user,
    const char *daemondir)
{
	struct vbuf *b = vbuf_new(2048, VBUF_NOLIMIT);
	time_t now = time(NULL);
	char date[64], *p;

	strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
	vbuf_appendf(b, "# main.cf of a Postern instance made by `postern "
	    "init` on %s.\n# Every parameter: postern conf -d; "
	    "postern.conf(5).\n\n", date);
	vbuf_appends(b, "# Where things are\n");
	p = xasprintf("%s/spool", dir);
	ctl_init_param(b, "queue_directory", p);
	free(p);
	p = xasprintf("%s/data", dir);
	ctl_init_param(b, "data_directory", p);
	free(p);
	if (daemondir != NULL)
		ctl_init_param(b, "daemon_directory", daemondir);
	vbuf_appends(b, "\n# Who runs what");
	if (user != NULL)
		vbuf_appends(b, ": everything as the user who made the "
		    "instance\n");
	else
		vbuf_appends(b, " (root instance: these users must exist, see "
		    "postern check)\n#mail_owner = " DEF_MAIL_OWNER "\n");
	if (user != NULL) {
		ctl_init_param(b, "mail_owner", user);
		ctl_init_param(b, "vmail_owner", user);
		ctl_init_param(b, "auth_owner", user);
		ctl_init_param(b, "log_owner", user);
		ctl_init_param(b, "login_owner", user);
		ctl_init_param(b, "resolver_owner", user);
	}
	vbuf_appends(b, "\n# Identity and network\n");
	ctl_init_param(b, "myhostname", "localhost");
	ctl_init_param(b, "mydomain", domain);
	ctl_init_param(b, "myorigin", "$mydomain");
	ctl_init_param(b, "mydestination", "localhost");
	ctl_init_param(b, "inet_interfaces", "127.0.0.1");
	ctl_init_param(b, "mynetworks", "127.0.0.0/8");
	vbuf_appends(b, "\n# TLS: a self-signed certificate made by postern init; "
	    "README, TLS,\n# says how to use a real one\n");
	p = xasprintf("%s/etc/tls/cert.pem", dir);
	ctl_init_param(b, "smtpd_tls_cert_file", p);
	free(p);
	p = xasprintf("%s/etc/tls/key.pem", dir);
	ctl_init_param(b, "smtpd_tls_key_file", p);
	free(p);
	ctl_init_param(b, "smtpd_tls_security_level", "may");
	vbuf_appends(b, "\n# Mailboxes\n");
	ctl_init_param(b, "virtual_mailbox_domains", domain);
	p = xasprintf("%s/mail", dir);
	ctl_init_param(b, "virtual_mailbox_base", p);
	free(p);
	p = vbuf_steal(b);
	vbuf_free(&b);
	return p;
}

/* The five y/n/number columns, aligned under the header. */
static void
ctl_init_columns(struct vbuf *b, const char *cols)
{
	size_t len;

	while (*cols != '\0') {
		cols += strspn(cols, " ");
		len = strcspn(cols, " ");
		vbuf_appendf(b, " %-7.*s", (int)len, cols);
		cols += len;
	}
}

/* "SMTP" of "SMTP (port 25 on a real server)", for the banner. */
static void
ctl_init_served(struct vbuf *served, const struct ctl_init_svc *s, int port)
{
	vbuf_appendf(served, "%s%.*s %d", vbuf_len(served) > 0 ? ", " : "",
	    (int)strcspn(s->comment, " (,"), s->comment, port);
}

/*
 * Is program built? In the build tree when there is one, else in
 * daemondir.
 */
static int
ctl_init_built(const char *daemondir, const char *tree, const char *program)
{
	char *path = NULL;
	size_t i;
	int r;

	if (tree == NULL)
		path = xasprintf("%s/%s", daemondir, program);
	for (i = 0; path == NULL &&
	    i < sizeof(ctl_init_progs) / sizeof(ctl_init_progs[0]); i++)
		if (strcmp(ctl_init_progs[i].name, program) == 0)
			path = xasprintf("%s/%s", tree,
			    ctl_init_progs[i].tree_path);
	r = path != NULL && access(path, X_OK) == 0;
	free(path);
	return r;
}

char *
ctl_init_master_cf(int base, const char *daemondir, const char *tree,
    struct vbuf *served, char **err_r)
{
	struct vbuf *b = vbuf_new(4096, VBUF_NOLIMIT);
	const struct ctl_init_svc *s;
	const char *later, *std;
	char name[32], *pname;
	size_t i, j;
	int built;

	if (base == CTL_INIT_SYSTEM)
		vbuf_appends(b, "# master.cf of the Postern system instance "
		    "(make install, or the package);\n# see master.cf(5). "
		    "After a change: postern check, then postern reload.\n");
	else
		vbuf_appends(b, "# master.cf of a Postern instance made by "
		    "`postern init`; see master.cf(5).\n");
	vbuf_appends(b, "# A service whose program is not built yet is "
	    "commented out.\n#\n"
	    "# service   type  private unpriv  chroot  wakeup  maxproc "
	    "command + args\n");
	for (i = 0; i < sizeof(ctl_init_svcs) / sizeof(ctl_init_svcs[0]);
	    i++) {
		s = &ctl_init_svcs[i];
		if (s->port > 0 && base == CTL_INIT_SYSTEM &&
		    (std = ctl_init_std_service(s->port)) != NULL)
			strlcpy(name, std, sizeof(name));
		else if (s->port > 0)
			snprintf(name, sizeof(name), "%d", base + s->port);
		else
			strlcpy(name, s->name, sizeof(name));
		built = ctl_init_built(daemondir, tree, s->program);
		if (built && (later = ctl_init_later_why(s->port)) != NULL) {
			vbuf_appendf(b, "# %s -- not yet: %s", s->comment,
			    later);
			built = 0;
		} else
			vbuf_appendf(b, "# %s%s", s->comment,
			    built ? "" : " -- not built yet");
		vbuf_appendf(b, "\n%s%-10s %-5s", built ? "" : "#", name,
		    s->port > 0 ? "inet" : s->port == 0 ? "unix" : "unix-dgram");
		ctl_init_columns(b, s->cols);
		vbuf_appends(b, s->program);
		for (j = 0; s->opts[j] != NULL; j++) {
			pname = xstrndup(s->opts[j], strcspn(s->opts[j], "="));
			if (built && params_find(pname) == NULL) {
				*err_r = xasprintf("service %s (%s): -o %s: "
				    "unknown parameter \"%s\" in this build",
				    name, s->program, s->opts[j], pname);
				free(pname);
				vbuf_free(&b);
				return NULL;
			}
			vbuf_appendf(b, "\n%s  -o %s", built ? "" : "#",
			    s->opts[j]);
			free(pname);
		}
		if (built && s->port > 0 && served != NULL)	/* inet */
			ctl_init_served(served, s, base + s->port);
		vbuf_appends(b, "\n");
	}
	pname = vbuf_steal(b);
	vbuf_free(&b);
	return pname;
}

static int
ctl_init_write(const char *path, const char *text)
{
	FILE *fp;

	if (access(path, F_OK) == 0) {
		fprintf(stderr, "postern: %s exists: not overwriting it\n",
		    path);
		return -1;
	}
	if ((fp = fopen(path, "wx")) == NULL ||
	    fputs(text, fp) == EOF || fclose(fp) == EOF) {
		fprintf(stderr, "postern: write %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Links DIR/libexec/NAME -> TREE/path, for every program that is built. */
static int
ctl_init_links(const char *libexec, const char *tree)
{
	char *link, *target;
	size_t i;
	int r = 0;

	for (i = 0; i < sizeof(ctl_init_progs) / sizeof(ctl_init_progs[0]);
	    i++) {
		link = xasprintf("%s/%s", libexec, ctl_init_progs[i].name);
		target = xasprintf("%s/%s", tree, ctl_init_progs[i].tree_path);
		unlink(link);
		if (access(target, X_OK) < 0)
			;	/* not built (yet): no link to nothing */
		else if (symlink(target, link) < 0) {
			fprintf(stderr, "postern: symlink %s: %s\n", link,
			    strerror(errno));
			r = -1;
		}
		free(link);
		free(target);
	}
	return r;
}

/*
 * The tables the new main.cf names (defaults included) that live in
 * etc/ and do not exist yet: an empty source, compiled when hash:, so
 * that the instance is complete (postern check) before its first user.
 */
static int
ctl_init_maps(const char *dir)
{
	const struct param_info *tab;
	char *etc, *err, **list, *path;
	const char *val;
	char *cerr = NULL;
	size_t i, j, n, elen;
	FILE *fp;
	int r = 0;

	etc = xasprintf("%s/etc", dir);
	elen = strlen(etc);
	if (params_load(etc, NULL, &err) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		free(etc);
		return -1;
	}
	tab = params_table(&n);
	for (i = 0; i < n; i++) {
		if (tab[i].type != PARAM_TYPE_MAP ||
		    (val = params_get(tab[i].name)) == NULL)
			continue;
		list = params_list(val);
		for (j = 0; list[j] != NULL; j++) {
			path = strchr(list[j], ':');
			if (path == NULL || strncmp(path + 1, etc, elen) != 0 ||
			    path[1 + elen] != '/' || access(path + 1, F_OK) == 0)
				continue;
			path++;
			if ((fp = fopen(path, "wx")) == NULL) {
				fprintf(stderr, "postern: %s: %s\n", path,
				    strerror(errno));
				r = -1;
				continue;
			}
			fprintf(fp, "# %s (see postern.conf(5)); after a change "
			    "run: postern map %s\n", tab[i].name, list[j]);
			fclose(fp);
			if (strncmp(list[j], "hash:", 5) == 0 &&
			    maps_compile(list[j], &cerr) < 0) {
				fprintf(stderr, "postern: %s\n", cerr);
				err_free(&cerr);
				r = -1;
			}
		}
		params_list_free(list);
	}
	free(etc);
	return r;
}

int
ctl_init(int argc, char **argv)
{
	const char *dirarg = NULL, *domain = "example.test", *errstr;
	char dir[PATH_MAX], *p, *tree, *daemondir = NULL, *user = NULL;
	char *maincf, *mastercf, *err = NULL;
	struct vbuf *served = NULL;
	struct passwd *pw;
	int i, base = CTL_INIT_PORT_BASE, r = 1;

	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "--system") == 0)
		return ctl_init_system(argc == 3 ? argv[2] : ctl_config_dir());
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc)
			domain = argv[++i];
		else if (strcmp(argv[i], "--port-base") == 0 && i + 1 < argc) {
			base = (int)strtonum(argv[++i], 0, 65535 - 95, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "postern: --port-base %s: %s\n",
				    argv[i], errstr);
				return EX_USAGE_CTL;
			}
		} else if (argv[i][0] != '-' && dirarg == NULL)
			dirarg = argv[i];
		else
			return ctl_init_usage();
	}
	if (dirarg == NULL || strspn(domain, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(domain) ||
	    *domain == '\0')
		return ctl_init_usage();
	if (ctl_init_mkdir(dirarg) < 0 || realpath(dirarg, dir) == NULL) {
		fprintf(stderr, "postern: %s: %s\n", dirarg, strerror(errno));
		return 1;
	}
	if (geteuid() != 0) {
		if ((pw = getpwuid(geteuid())) == NULL) {
			fprintf(stderr, "postern: uid %ld has no name\n",
			    (long)geteuid());
			return 1;
		}
		user = xstrdup(pw->pw_name);
	} else if (ctl_init_root_dirs(dir) < 0)
		return 1;
	tree = ctl_init_tree();
	p = xasprintf("%s/etc", dir);
	if (ctl_init_mkdir(p) < 0)
		goto out;
	free(p);
	p = xasprintf("%s/spool", dir);
	if (ctl_init_mkdir(p) < 0)
		goto out;
	free(p);
	p = xasprintf("%s/mail", dir);
	if (ctl_init_mkdir(p) < 0)
		goto out;
	free(p);
	p = xasprintf("%s/data", dir);
	if (ctl_init_mkdir(p) < 0)
		goto out;
	free(p);
	p = NULL;
	if (ctl_init_tls(dir) < 0)
		goto out;
	if (tree != NULL) {
		daemondir = xasprintf("%s/libexec", dir);
		if (ctl_init_mkdir(daemondir) < 0 ||
		    ctl_init_links(daemondir, tree) < 0)
			goto out;
	}
	maincf = ctl_init_main_cf(dir, domain, user, daemondir);
	served = vbuf_new(128, VBUF_NOLIMIT);
	if ((mastercf = ctl_init_master_cf(base, daemondir != NULL ?
	    daemondir : DEF_DAEMON_DIR, NULL, served, &err)) == NULL) {
		fprintf(stderr, "postern: master.cf: %s\n", err);
		free(err);
		free(maincf);
		goto out;
	}
	p = xasprintf("%s/etc/main.cf", dir);
	if (ctl_init_write(p, maincf) == 0) {
		free(p);
		p = xasprintf("%s/etc/master.cf", dir);
		if (ctl_init_write(p, mastercf) == 0 &&
		    ctl_init_maps(dir) == 0)
			r = 0;
	}
	free(maincf);
	free(mastercf);
	if (r == 0) {
		/* the command as typed: ctl/postern in a build tree */
		printf("postern: created an instance in %s\n", dir);
		printf("  start it:  %s -c %s/etc start   (or start -f "
		    "to stay in the foreground)\n", ctl_progname, dir);
		if (vbuf_len(served) > 0)
			printf("  serving on 127.0.0.1: %s\n", vbuf_str(served));
		else
			printf("  no network service is built yet\n");
	}
	if (r == 0) {
		char *etc = xasprintf("%s/etc", dir);

		/* the postmaster mailbox, password shown once (ctl_user.c) */
		if (ctl_user_init(etc, domain) < 0)
			r = 1;
		free(etc);
	}
out:
	vbuf_free(&served);
	free(p);
	free(tree);
	free(daemondir);
	free(user);
	return r;
}

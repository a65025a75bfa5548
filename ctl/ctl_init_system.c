/*
 * NAME
 *	ctl_init_system - postern init --system: the main.cf and master.cf
 *	of a system instance.
 *
 * SYNOPSIS
 *	postern init --system [DIR]
 *
 * DESCRIPTION
 *	Writes the configuration of the system instance that `make
 *	install` (and the Debian package) installs into DIR (by default
 *	the configuration directory): a main.cf that names what this build
 *	puts where (its FHS directories, the mail root, /etc/aliases, the
 *	TLS files that postern setup makes) and shows the rest commented
 *	out at its default, and the master.cf that postern init writes
 *	(ctl_init.c owns that template), every service on its standard
 *	port and jailed as there. The paths are this build's (config.h),
 *	never DIR's: DIR may be a DESTDIR staging directory.
 *
 *	An admin's file is never overwritten: where NAME exists with other
 *	text, the new sample goes to NAME.dist beside it (replacing an
 *	older sample), as Postfix leaves its samples on an upgrade; where
 *	it holds the same text nothing is written. The output says which.
 *
 * SECURITY
 *	Files are created with O_EXCL in a directory checked to be
 *	writable only by its owner (root, in a system install), never
 *	through a link; a .dist is written under a temporary name and
 *	renamed into place.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "fsat.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

/*
 * "name = value", or when value is NULL "#name = default" (a default
 * computed on the host this runs on is not this sample's business: an
 * example is shown for it).
 */
static void
ctl_sys_param(struct vbuf *b, const char *name, const char *value)
{
	static const struct {
		const char	*name, *example;
	} examples[] = {
		{ "myhostname", "mail.example.org" },
		{ "mydomain", "example.org" },
	};
	const struct param_info *pi;
	const char *def;
	size_t i;

	if ((pi = params_find(name)) == NULL)
		return;			/* not in this build */
	if (value != NULL) {
		vbuf_appendf(b, "%s = %s\n", name, value);
		return;
	}
	def = params_default(name);
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		if ((pi->flags & PARAM_COMPUTED) != 0 &&
		    strcmp(examples[i].name, name) == 0)
			def = examples[i].example;
	vbuf_appendf(b, "#%s =%s%s\n", name, *def != '\0' ? " " : "", def);
}

static char *
ctl_sys_main_cf(void)
{
	struct vbuf *b = vbuf_new(4096, VBUF_NOLIMIT);
	char *p;

	vbuf_appends(b,
	    "# main.cf of the Postern system instance (make install, or the "
	    "package).\n"
	    "# postern.conf(5) describes every parameter; `postern conf -d` "
	    "lists the\n# defaults, `postern conf -n` what this file sets. A "
	    "line that starts\n# with # shows a default. After a change: "
	    "postern check, then\n# postern reload.\n");
	vbuf_appends(b, "\n# Where things are (the defaults of this build)\n");
	ctl_sys_param(b, "queue_directory", NULL);
	ctl_sys_param(b, "data_directory", NULL);
	ctl_sys_param(b, "daemon_directory", NULL);
	vbuf_appends(b, "\n# Who runs what: every service as a user of its "
	    "own, which postern setup\n# creates (postern check says when one "
	    "is missing)\n");
	ctl_sys_param(b, "mail_owner", NULL);
	ctl_sys_param(b, "vmail_owner", NULL);
	ctl_sys_param(b, "auth_owner", NULL);
	ctl_sys_param(b, "resolver_owner", NULL);
	ctl_sys_param(b, "login_owner", NULL);
	ctl_sys_param(b, "log_owner", NULL);
	vbuf_appends(b, "\n# Identity and network. myhostname is the host's "
	    "name by default: set it\n# when the world knows this host by "
	    "another one (its MX name)\n");
	ctl_sys_param(b, "myhostname", NULL);
	ctl_sys_param(b, "mydomain", NULL);
	ctl_sys_param(b, "myorigin", NULL);
	ctl_sys_param(b, "mydestination", NULL);
	ctl_sys_param(b, "inet_interfaces", NULL);
	ctl_sys_param(b, "mynetworks", NULL);
	ctl_sys_param(b, "relayhost", NULL);
	vbuf_appends(b, "\n# Mailboxes: the domains whose users have a "
	    "Maildir here (postern user\n# add ADDRESS makes one), under the "
	    "mail root, which belongs to vmail_owner\n"
	    "#virtual_mailbox_domains = example.org\n");
	ctl_sys_param(b, "virtual_mailbox_base", DEF_MAIL_ROOT);
	vbuf_appends(b, "\n# Aliases of the domains of mydestination "
	    "(aliases(5): \"name: address\").\n# After a change: newaliases. "
	    "postern setup makes an empty one if none.\n");
	ctl_sys_param(b, "alias_maps", "hash:/etc/aliases");
	ctl_sys_param(b, "alias_database", NULL);
	vbuf_appends(b, "\n# TLS. postern setup makes a self-signed "
	    "certificate here when there is\n# none; README, TLS, says how to "
	    "use one from a CA (Let's Encrypt)\n");
	p = xasprintf("%s/tls/cert.pem", DEF_CONFIG_DIR);
	ctl_sys_param(b, "smtpd_tls_cert_file", p);
	free(p);
	p = xasprintf("%s/tls/key.pem", DEF_CONFIG_DIR);
	ctl_sys_param(b, "smtpd_tls_key_file", p);
	free(p);
	ctl_sys_param(b, "smtpd_tls_security_level", "may");
	vbuf_appends(b, "\n# Logging: syslog, facility mail (rsyslog writes "
	    "/var/log/mail.log).\n# Without a syslog daemon, a file that the "
	    "log service writes; logrotate\n# turns it over "
	    "(/etc/logrotate.d/postern)\n"
	    "#maillog_file = /var/log/postern.log\n");
	p = vbuf_steal(b);
	vbuf_free(&b);
	return p;
}

static int
ctl_sys_write_fd(int fd, const char *name, const char *text, char **err_r)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err_r, "write %s: %m", name);
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		return err_set(err_r, "fsync %s: %m", name);
	return 0;
}

/* Does name in dfd hold exactly text? */
static int
ctl_sys_same(int dfd, const char *name, const char *text)
{
	size_t len = strlen(text);
	char *buf;
	ssize_t n;
	int fd, same;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	buf = xmalloc(len + 2);
	n = read(fd, buf, len + 1);
	same = n >= 0 && (size_t)n == len && memcmp(buf, text, len) == 0;
	free(buf);
	close(fd);
	return same;
}

/*
 * Install text as name in dfd (DIR in messages): as name when it does
 * not exist, else as name.dist unless it holds the same text.
 */
static int
ctl_sys_install(int dfd, const char *dir, const char *name, const char *text)
{
	char *dist, *tmp, *err = NULL;
	int fd, r = -1;

	if ((fd = fsat_open(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644,
	    FSAT_ANY_OWNER, &err)) >= 0) {
		r = ctl_sys_write_fd(fd, name, text, &err);
		close(fd);
		if (r == 0)
			printf("postern: wrote %s/%s\n", dir, name);
		goto out;
	}
	if (errno != EEXIST)
		goto out;
	err_free(&err);
	if (ctl_sys_same(dfd, name, text)) {
		printf("postern: %s/%s is up to date\n", dir, name);
		return 0;
	}
	dist = xasprintf("%s.dist", name);
	tmp = xasprintf("%s.dist.%ld", name, (long)getpid());
	if ((fd = fsat_open(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0644,
	    FSAT_ANY_OWNER, &err)) >= 0) {
		r = ctl_sys_write_fd(fd, tmp, text, &err);
		close(fd);
		if (r == 0 && renameat(dfd, tmp, dfd, dist) < 0)
			r = err_set(&err, "rename %s to %s: %m", tmp, dist);
		if (r < 0)
			(void)unlinkat(dfd, tmp, 0);
		else
			printf("postern: %s/%s exists and is kept; the new "
			    "sample is %s/%s\n", dir, name, dir, dist);
	}
	free(dist);
	free(tmp);
out:
	if (r < 0) {
		fprintf(stderr, "postern: %s/%s\n", dir, err);
		free(err);
	}
	return r;
}

int
ctl_init_system(const char *dir)
{
	char *maincf, *mastercf = NULL, *tree, *err = NULL;
	int dfd, r = 1;

	if ((dfd = fsat_dir_open(dir, FSAT_ANY_OWNER, 0, &err)) < 0 ||
	    fsat_root_may_act(dfd, dir, &err) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		if (dfd >= 0)
			close(dfd);
		return 1;
	}
	tree = ctl_init_tree();
	maincf = ctl_sys_main_cf();
	if ((mastercf = ctl_init_master_cf(CTL_INIT_SYSTEM, DEF_DAEMON_DIR,
	    tree, NULL, &err)) == NULL) {
		fprintf(stderr, "postern: master.cf: %s\n", err);
		free(err);
	} else if (ctl_sys_install(dfd, dir, "main.cf", maincf) == 0 &&
	    ctl_sys_install(dfd, dir, "master.cf", mastercf) == 0)
		r = 0;
	free(maincf);
	free(mastercf);
	free(tree);
	close(dfd);
	return r;
}

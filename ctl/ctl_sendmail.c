/*
 * NAME
 *	ctl_sendmail - the sendmail (and mailq) personality of postern
 *
 * SYNOPSIS
 *	sendmail [-tiv] [-f sender] [-F name] [-oX ...] [--] [rcpt ...]
 *	sendmail -bs | -bp | -bi | -q
 *	mailq
 *	newaliases
 *
 * DESCRIPTION
 *	What scripts and cron expect from /usr/sbin/sendmail: read a
 *	message on standard input and submit it. The message is spooled
 *	to an unlinked temporary file first (converted to CR LF line ends
 *	and dot-stuffed), so a slow writer on the pipe never holds an SMTP
 *	session open; then it goes over the local submission socket,
 *	queue_directory/public/submit, to smtpd, which learns who we are
 *	from the socket (SO_PEERCRED) and decides which envelope sender we
 *	may use. See sendmail(1) for the options and the exit statuses.
 *
 *	This file parses the options and picks the mode; the message is
 *	read by ctl_sendmail_msg.c, addresses are parsed by
 *	ctl_sendmail_addr.c, the SMTP client is ctl_sendmail_smtp.c, -bs is
 *	ctl_sendmail_bs.c, -bp/-q are ctl_sendmail_bp.c, and -bi (newaliases)
 *	is ctl_sendmail_bi.c.
 *
 * SECURITY
 *	Not setuid or setgid, and never to be made so: it runs with the
 *	rights of whoever calls it, and everything it says is checked by
 *	smtpd. -C (another configuration) is therefore harmless: it can
 *	only point the command at another socket.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_sendmail.h"
#include "log.h"
#include "params.h"
#include "xmalloc.h"

const char *sendmail_prog = "sendmail";

void
sendmail_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", sendmail_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *
sendmail_login(void)
{
	static char name[64];
	struct passwd *pw;

	if (name[0] == '\0') {
		/* the effective uid: what smtpd sees with SO_PEERCRED */
		if ((pw = getpwuid(geteuid())) == NULL)
			return NULL;
		if (strlcpy(name, pw->pw_name, sizeof(name)) >= sizeof(name))
			return NULL;
	}
	return name;
}

const char *
sendmail_origin(void)
{
	return var_myorigin;
}

static int
sendmail_usage(const char *why)
{
	if (why != NULL)
		sendmail_warn("%s", why);
	fprintf(stderr,
	    "usage: %s [-tiv] [-f sender] [-F full-name] [-N dsn] [-R ret] "
	    "[-V envid] [-C config]\n"
	    "                [-oi] [--] [recipient ...]\n"
	    "       %s -bs | -bp | -bi | -q\n", sendmail_prog, sendmail_prog);
	return EX_USAGE;
}

/* -C: a configuration directory, or the main.cf in one. */
static void
sendmail_confdir(const char *arg)
{
	struct stat st;
	char *dir, *slash;

	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode) &&
	    (slash = strrchr(arg, '/')) != NULL) {
		dir = xstrndup(arg, (size_t)(slash - arg));
		ctl_confdir = *dir != '\0' ? dir : "/";
	} else if (stat(arg, &st) == 0 && S_ISREG(st.st_mode))
		ctl_confdir = ".";
	else
		ctl_confdir = arg;
}

enum sendmail_mode {
	SENDMAIL_MODE_DELIVER,		/* -bm, the default */
	SENDMAIL_MODE_SMTP,		/* -bs */
	SENDMAIL_MODE_LIST,		/* -bp, mailq */
	SENDMAIL_MODE_FLUSH,		/* -q */
	SENDMAIL_MODE_ALIASES,		/* -bi, newaliases */
};

/* The -b argument; -1 for one we do not do, after saying so. */
static int
sendmail_bmode(const char *arg)
{
	if (strcmp(arg, "m") == 0)
		return SENDMAIL_MODE_DELIVER;
	if (strcmp(arg, "s") == 0)
		return SENDMAIL_MODE_SMTP;
	if (strcmp(arg, "p") == 0)
		return SENDMAIL_MODE_LIST;
	if (strcmp(arg, "i") == 0)
		return SENDMAIL_MODE_ALIASES;
	if (strcmp(arg, "d") == 0 || strcmp(arg, "D") == 0)
		sendmail_warn("-b%s is not supported: start the mail system "
		    "with `postern start`", arg);
	else
		sendmail_warn("-b%s is not supported", arg);
	return -1;
}

/*
 * -o options: -oi is -i; the others are sendmail.cf settings that mean
 * nothing here, and are ignored as sendmail ignores unknown ones.
 */
static void
sendmail_oopt(struct sendmail_opts *o, const char *arg)
{
	if (strcmp(arg, "i") == 0)
		o->ignore_dots = 1;
}

/* Load main.cf: 0, or EX_CONFIG after saying why. */
static int
sendmail_config(void)
{
	char *err;

	if (params_load(ctl_config_dir(), NULL, &err) < 0) {
		sendmail_warn("%s", err);
		free(err);
		return EX_CONFIG;
	}
	return 0;
}

/* The normal mode: read the message and submit it. */
static int
sendmail_deliver(struct sendmail_opts *o)
{
	struct sendmail_rcpts rcpts;
	struct sendmail_msg msg;
	char sender[SENDMAIL_ADDR_MAX], own[SENDMAIL_ADDR_MAX], *f;
	const char *login, *err;
	size_t len;
	int i, r;

	memset(&rcpts, 0, sizeof(rcpts));
	memset(&msg, 0, sizeof(msg));
	if ((login = sendmail_login()) == NULL) {
		sendmail_warn("cannot find the login name of uid %ld",
		    (long)geteuid());
		return EX_NOUSER;
	}
	if (sendmail_addr_one(login, sendmail_origin(), own, sizeof(own),
	    &err) < 0) {
		sendmail_warn("login name \"%s\": %s", login, err);
		return EX_NOUSER;
	}
	/* -f "" or -f "<>": the null sender (bounces, vacation replies) */
	if (o->sender != NULL && (o->sender[0] == '\0' ||
	    strcmp(o->sender, "<>") == 0))
		sender[0] = '\0';
	else if (o->sender != NULL) {
		/* -f <addr> is -f addr */
		len = strlen(o->sender);
		f = len > 2 && o->sender[0] == '<' && o->sender[len - 1] ==
		    '>' ? xstrndup(o->sender + 1, len - 2) :
		    xstrdup(o->sender);
		r = sendmail_addr_one(f, sendmail_origin(), sender,
		    sizeof(sender), &err);
		free(f);
		if (r < 0) {
			sendmail_warn("-f %s: %s", o->sender, err);
			return EX_USAGE;
		}
	} else
		strlcpy(sender, own, sizeof(sender));

	for (i = 0; i < o->nrcpts; i++)
		if (sendmail_addr_list(o->rcpts[i], strlen(o->rcpts[i]),
		    sendmail_origin(), &rcpts, &err) < 0) {
			sendmail_warn("recipient \"%s\": %s", o->rcpts[i], err);
			sendmail_rcpts_free(&rcpts);
			return EX_USAGE;
		}
	if (rcpts.n == 0 && !o->extract) {
		sendmail_rcpts_free(&rcpts);
		return sendmail_usage("no recipients: give them as arguments, "
		    "or use -t to take them from the To:, Cc: and Bcc: "
		    "headers");
	}
	r = sendmail_msg_read(STDIN_FILENO, o, sender[0] != '\0' ? sender :
	    own, &rcpts, &msg);
	if (r == 0 && rcpts.n == 0) {
		sendmail_warn("no recipient addresses found in the message "
		    "header (-t)");
		r = EX_USAGE;
	}
	if (r == 0)
		r = sendmail_submit(o, sender, &rcpts, &msg);
	if (msg.spool != NULL)
		fclose(msg.spool);
	sendmail_rcpts_free(&rcpts);
	return r;
}

int
ctl_sendmail(int argc, char **argv)
{
	static const char optstr[] =
	    "B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q::r:tvx";
	struct sendmail_opts o;
	char why[64];
	const char *base;
	int ch, mode = SENDMAIL_MODE_DELIVER, r;

	memset(&o, 0, sizeof(o));
	base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (strcmp(base, "mailq") == 0) {
		sendmail_prog = "mailq";
		mode = SENDMAIL_MODE_LIST;
	} else if (strcmp(base, "newaliases") == 0) {
		sendmail_prog = "newaliases";
		mode = SENDMAIL_MODE_ALIASES;
	}
	o.prog = sendmail_prog;
	log_init(sendmail_prog, LOG_TO_STDERR);
	opterr = 0;
	while ((ch = getopt(argc, argv, optstr)) != -1) {
		switch (ch) {
		case 'b':
			if ((mode = sendmail_bmode(optarg)) < 0)
				return EX_USAGE;
			break;
		case 'C':
			sendmail_confdir(optarg);
			break;
		case 'F':
			o.fullname = optarg;
			break;
		case 'f':
		case 'r':
			o.sender = optarg;
			break;
		case 'i':
			o.ignore_dots = 1;
			break;
		case 'N':
			o.notify = optarg;
			break;
		case 'R':
			o.ret = optarg;
			break;
		case 'V':
			o.envid = optarg;
			break;
		case 'o':
			sendmail_oopt(&o, optarg);
			break;
		case 'q':
			/* -qINTERVAL asks for a queue daemon: there is one */
			if (optarg == NULL)
				mode = SENDMAIL_MODE_FLUSH;
			else
				return 0;
			break;
		case 't':
			o.extract = 1;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'B': case 'G': case 'I': case 'L': case 'O': case 'U':
		case 'X': case 'c': case 'e': case 'h': case 'm': case 'n':
		case 'p': case 'x':
			/* sendmail options with no meaning here */
			break;
		default:
			snprintf(why, sizeof(why), "%s -%c",
			    strchr(optstr, optopt) != NULL ? "missing argument "
			    "for" : "unknown option", optopt);
			return sendmail_usage(why);
		}
	}
	o.rcpts = argv + optind;
	o.nrcpts = argc - optind;
	if (mode != SENDMAIL_MODE_DELIVER && o.nrcpts > 0 &&
	    mode != SENDMAIL_MODE_LIST)
		return sendmail_usage("recipients are given only to deliver "
		    "a message");
	if (o.ret != NULL && strcasecmp(o.ret, "full") != 0 &&
	    strcasecmp(o.ret, "hdrs") != 0)
		return sendmail_usage("-R takes full or hdrs");
	if ((r = sendmail_config()) != 0)
		return r;
	switch (mode) {
	case SENDMAIL_MODE_SMTP:
		return sendmail_bs(&o);
	case SENDMAIL_MODE_LIST:
		return sendmail_bp(&o);
	case SENDMAIL_MODE_FLUSH:
		return sendmail_flush(&o);
	case SENDMAIL_MODE_ALIASES:
		return sendmail_newaliases();
	default:
		return sendmail_deliver(&o);
	}
}

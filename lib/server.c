/*
 * NAME
 *	server - the daemon skeleton: setup, jail, status; see server.h.
 *
 * DESCRIPTION
 *	This file takes a freshly exec'd daemon from "whatever the master
 *	left us" to "jailed, configured, ready to accept": steps 1 to 4 of
 *	server.h. The accept loops live in server_single.c and
 *	server_event.c.
 *
 * SECURITY
 *	Runs as root when the master does. Everything that needs privilege
 *	happens before priv_drop, and no client fd exists before it: the
 *	listen sockets are only polled afterwards. The status channel
 *	carries fixed-size records only; nothing is read from it but end of
 *	file.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "priv.h"
#include "server.h"
#include "server_private.h"
#include "xmalloc.h"

struct server_state server_st;

/* Variables a daemon may keep from its environment. */
static const char *const server_env_keep[] = {
	"TZ", "LANG", "LC_ALL", "ASAN_OPTIONS", "UBSAN_OPTIONS",
	"LSAN_OPTIONS", NULL,
};

const char *
server_service(void)
{
	return server_st.service;
}

const char *
server_confdir(void)
{
	return server_st.confdir;
}

int
server_log_fd(void)
{
	return server_st.log_fd;
}

int
server_notify(int fd, uint32_t gen, int state)
{
	struct server_status st;
	ssize_t n;

	memset(&st, 0, sizeof(st));
	st.pid = (int32_t)getpid();
	st.gen = gen;
	st.state = state;
	n = send(fd, &st, sizeof(st), MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == (ssize_t)sizeof(st))
		return 0;
	if (n >= 0)
		errno = EMSGSIZE;
	return -1;
}

void
server_info_fill(struct server_info *info, int lfd, int reply_fd)
{
	info->service = server_st.service;
	info->type = server_st.type;
	info->listen_fd = lfd;
	info->use_count = server_st.use_count;
	info->reply_fd = reply_fd;
}

/* Tell the master; a dead channel means we are done after this client. */
void
server_report(int state)
{
	if (server_st.retired)
		return;
	if (server_notify(SERVER_STATUS_FD, server_st.gen, state) < 0 &&
	    errno != EAGAIN) {
		log_debug("status channel: %m: finishing");
		server_st.retired = 1;
	}
}

/* Has the master closed the status channel (gone, or retired us)? */
int
server_status_eof(void)
{
	char buf[sizeof(struct server_status)];
	ssize_t n;

	n = recv(SERVER_STATUS_FD, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		server_st.retired = 1;
		return 1;
	}
	return 0;	/* the master sends nothing: ignore stray bytes */
}

void
server_exit(int status)
{
	if (status == 0 && server_st.spec != NULL &&
	    server_st.spec->on_exit != NULL)
		server_st.spec->on_exit();
	exit(status);
}

/*
 * A fatal error: tell the master why before we go (it shows the reason
 * when it throttles the service); the line is logged all the same.
 */
static int
server_log_hook(enum log_level level, const char *text)
{
	struct server_lastwords lw;

	if (level < LOG_LEVEL_FATAL)
		return 0;
	memset(&lw, 0, sizeof(lw));
	lw.st.pid = (int32_t)getpid();
	lw.st.gen = server_st.gen;
	lw.st.state = SERVER_STATE_FATAL;
	strlcpy(lw.text, text, sizeof(lw.text));
	(void)send(SERVER_STATUS_FD, &lw, sizeof(lw), MSG_NOSIGNAL |
	    MSG_DONTWAIT);
	return 0;
}

/* Step 1: the process state we rely on, whatever the parent left. */
static void
server_sanitize(void)
{
	const char *keep[sizeof(server_env_keep) / sizeof(server_env_keep[0])];
	sigset_t none;
	size_t i;
	int fd, sig;

	umask(077);
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", O_RDWR) != fd)
			exit(1);	/* cannot even report it */
	for (i = 0; server_env_keep[i] != NULL; i++) {
		keep[i] = getenv(server_env_keep[i]);
		if (keep[i] != NULL)
			keep[i] = xstrdup(keep[i]);
	}
	clearenv();
	for (i = 0; server_env_keep[i] != NULL; i++)
		if (keep[i] != NULL)
			setenv(server_env_keep[i], keep[i], 1);
	setenv("PATH", "/usr/bin:/bin", 1);

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);	/* Ctrl-C reaches the master */
	signal(SIGHUP, SIG_IGN);
}

/* Die with the master even when busy with a client. */
static void
server_watch_parent(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		log_fatal("prctl PR_SET_PDEATHSIG: %m");
	/* a datagram service reads what is queued first (server_dgram.c) */
	if (server_st.spec->kind != SERVER_DGRAM && server_status_eof()) {
		log_debug("the master is gone; exiting");
		exit(0);
	}
}

static long long
server_number(const char *opt, const char *s, long long max)
{
	const char *errstr;
	long long v;

	v = strtonum(s, 0, max, &errstr);
	if (errstr != NULL)
		log_fatal("-%s %s: %s", opt, s, errstr);
	return v;
}

/* Step 2a: the options the master passes, and the spec's own. */
static char **
server_options(int argc, char **argv, const struct server_spec *spec)
{
	char optstr[128], **over;
	size_t nover = 0;
	int ch;

	snprintf(optstr, sizeof(optstr), "+n:t:c:s:g:uro:vdl%s",
	    spec->opts != NULL ? spec->opts : "");
	over = xcalloc(1, sizeof(char *));
	opterr = 0;
	while ((ch = getopt(argc, argv, optstr)) != -1) {
		switch (ch) {
		case 'n':
			server_st.service = optarg;
			break;
		case 't':
			server_st.type = optarg;
			break;
		case 'c':
			server_st.confdir = optarg;
			break;
		case 's':
			server_st.nlisten = (int)server_number("s", optarg,
			    SERVER_LISTEN_MAX);
			break;
		case 'g':
			server_st.gen = (uint32_t)server_number("g", optarg,
			    UINT32_MAX);
			break;
		case 'u':
			server_st.unpriv = 1;
			break;
		case 'r':
			server_st.chroot = 1;
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				log_fatal("-o %s: expected name=value", optarg);
			over = xreallocarray(over, nover + 2, sizeof(char *));
			over[nover++] = optarg;
			over[nover] = NULL;
			break;
		case 'v':
			server_st.verbose++;
			break;
		case 'd':
			server_st.to_stderr = 1;
			break;
		case 'l':
			server_st.log_fd = 1;	/* where: once -s is known */
			break;
		case '?':
		case ':':
			log_fatal("bad or incomplete option -%c (this program "
			    "is started by the master)", optopt);
		default:
			if (spec->opt == NULL)
				log_fatal("unexpected option -%c", ch);
			spec->opt(ch, optarg);
			break;
		}
	}
	if (optind < argc)
		log_fatal("unexpected argument \"%s\"", argv[optind]);
	if (server_st.service == NULL || server_st.type == NULL)
		log_fatal("missing -n service or -t type (this program is "
		    "started by the master)");
	if (server_st.log_fd > 0)
		server_st.log_fd = SERVER_LISTEN_FD + server_st.nlisten;
	return over;
}

/* The descriptors the master hands over must be what we expect. */
static void
server_check_fds(void)
{
	struct stat st;
	int fd;

	if (fstat(SERVER_STATUS_FD, &st) < 0 || !S_ISSOCK(st.st_mode))
		log_fatal("fd %d is not the master's status channel: this "
		    "program is started by the master", SERVER_STATUS_FD);
	for (fd = SERVER_LISTEN_FD; fd < SERVER_LISTEN_FD +
	    server_st.nlisten; fd++) {
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
			log_fatal("fd %d is not a listen socket", fd);
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			log_fatal("fd %d: set non-blocking: %m", fd);
	}
	if (server_st.log_fd >= 0) {
		if (fstat(server_st.log_fd, &st) < 0)
			log_fatal("fd %d is not the log descriptor -l says: %m",
			    server_st.log_fd);
		if ((server_st.spec->flags & SERVER_FLAG_LOG_FILE) == 0 &&
		    !S_ISSOCK(st.st_mode))
			log_fatal("fd %d is not the log service's socket",
			    server_st.log_fd);
		fd = server_st.log_fd + 1;
	}
	closefrom(fd);
}

/*
 * Where this process logs: with -l, maillog_file (through the log
 * service, or straight into the file for the log service itself);
 * else stderr too, which is /dev/null under a detached master, so
 * that whoever runs a daemon by hand sees why it will not start.
 */
static void
server_log_setup(const char *host)
{
	const struct server_spec *spec = server_st.spec;

	if (server_st.log_fd < 0) {
		log_init(spec->name, server_st.to_stderr ? LOG_TO_STDERR :
		    LOG_TO_SYSLOG | LOG_TO_STDERR);
		return;
	}
	log_init(spec->name, LOG_TO_MAILLOG);
	if ((spec->flags & SERVER_FLAG_LOG_FILE) != 0)
		log_set_maillog(-1, server_st.log_fd, host);
	else
		log_set_maillog(server_st.log_fd, -1, host);
}

/* A string parameter by name (the spec's choice); def when empty. */
static const char *
server_param(const char *name, const char *def)
{
	const char *v = params_get(name);

	if (v == NULL)
		log_fatal("unknown parameter \"%s\" in the service spec", name);
	return *v != '\0' ? v : def;
}

/* Step 2b-4: configuration, working directory, jail. */
static void
server_setup(char **overrides)
{
	const struct server_spec *spec = server_st.spec;
	const char *user, *jail = NULL, *qdir;
	char *err, *empty = NULL;

	if (server_st.confdir == NULL)
		server_st.confdir = DEF_CONFIG_DIR;
	if (params_load(server_st.confdir, (const char *const *)overrides,
	    &err) < 0)
		log_fatal("%s", err);
	(void)log_set_identity(var_syslog_name, var_syslog_facility);
	if (server_st.log_fd >= 0)
		server_log_setup(var_myhostname);	/* for file lines */
	server_st.max_use = var_max_use;
	server_st.max_idle = var_max_idle;
	if (spec->check != NULL)
		spec->check();

	qdir = var_queue_directory;
	if (chdir(qdir) < 0)
		log_fatal("chdir %s: %m", qdir);
	tzset();
	if (spec->pre_jail != NULL)
		spec->pre_jail();

	if (server_st.unpriv && (spec->flags & SERVER_FLAG_OWN_USER) != 0)
		log_fatal("service %s runs as %s, never as mail_owner: set "
		    "the unpriv column of its master.cf line to n",
		    server_st.service, spec->user_param);
	if (server_st.unpriv || spec->user_param == NULL)
		user = var_mail_owner;
	else
		user = server_param(spec->user_param, var_mail_owner);
	if (server_st.chroot && (spec->flags & SERVER_FLAG_JAIL_EMPTY) != 0)
		jail = empty = xasprintf("%s/%s", qdir, SERVER_EMPTY_DIR);
	else if (server_st.chroot)
		jail = server_param(spec->chroot_param != NULL ?
		    spec->chroot_param : "queue_directory", qdir);
	priv_drop(user, jail);
	free(empty);
	if (jail == NULL && chdir(qdir) < 0)
		log_fatal("chdir %s: %m", qdir);
	/* a credential change clears the parent-death signal: set it again */
	server_watch_parent();
	if ((spec->flags & SERVER_FLAG_NO_FORK) != 0)
		priv_no_fork();
	if (spec->post_jail != NULL)
		spec->post_jail();
	if ((spec->flags & SERVER_FLAG_NO_USE) != 0)
		server_st.max_use = 0;
	if ((spec->flags & SERVER_FLAG_ONCE) != 0)
		server_st.max_use = 1;
	if ((spec->flags & SERVER_FLAG_NO_IDLE) != 0)
		server_st.max_idle = 0;
}

void
server_main(int argc, char **argv, const struct server_spec *spec)
{
	char **overrides;

	priv_title_init(argc, argv);
	server_sanitize();
	server_st.spec = spec;
	server_st.log_fd = -1;
	log_init(spec->name, LOG_TO_STDERR);
	overrides = server_options(argc, argv, spec);
	server_log_setup(NULL);
	if (server_st.verbose > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	server_check_fds();
	log_set_hook(server_log_hook);
	server_watch_parent();
	server_setup(overrides);
	free(overrides);
	priv_title("%s (%s)", server_st.service, server_st.type);
	log_debug("service %s/%s ready, generation %u, %d listen socket(s)",
	    server_st.service, server_st.type, server_st.gen,
	    server_st.nlisten);
	if (spec->kind == SERVER_SINGLE)
		server_single_loop();
	server_event_loop();
}

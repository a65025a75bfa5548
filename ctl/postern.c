/*
 * postern - the one admin command: subcommand dispatch.
 *
 * Each subcommand lives in its own ctl_*.c file with an entry point
 * `int ctl_NAME(int argc, char **argv)` returning the exit status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"

const char *ctl_confdir;
const char *ctl_progname = "postern";

const char *
ctl_config_dir(void)
{
	const char *dir;

	if (ctl_confdir != NULL)
		return ctl_confdir;
	if ((dir = getenv("POSTERN_CONFIG_DIR")) != NULL && *dir != '\0')
		return dir;
	return DEF_CONFIG_DIR;
}

static const struct ctl_command {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} ctl_commands[] = {
	{ "start", ctl_master, "start [-f | -d]" },
	{ "stop", ctl_master, "stop" },
	{ "reload", ctl_master, "reload" },
	{ "status", ctl_master, "status" },
	{ "conf", ctl_conf, "conf [-n | -d] [-x] [name ...] | name=value ..." },
	{ "check", ctl_check, "check" },
	{ "logrotate", ctl_logrotate, "logrotate" },
	{ "setup", ctl_setup, "setup" },
	{ "init", ctl_init, "init DIR [--domain D] [--port-base B] | "
	    "init --system [DIR]" },
	{ "map", ctl_map, "map [-q KEY] type:path ..." },
	{ "queue", ctl_queue, "queue [--json]" },
	{ "flush", ctl_queue, "flush" },
	{ "hold", ctl_queue, "hold ID...|ALL" },
	{ "release", ctl_queue, "release ID...|ALL" },
	{ "delete", ctl_queue, "delete ID...|ALL" },
	{ "requeue", ctl_queue, "requeue [ID...|ALL]" },
	{ "cat", ctl_queue, "cat [-b | -e] ID" },
	{ "user", ctl_user, "user add|passwd [--stdin] ... | del ADDRESS | list" },
};

static void
ctl_usage(void)
{
	size_t i;

	fprintf(stderr, "usage: postern [-c confdir] COMMAND [ARGS]\n");
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		fprintf(stderr, "       postern %s\n", ctl_commands[i].usage);
	exit(EX_USAGE_CTL);
}

int
main(int argc, char **argv)
{
	const char *confdir = NULL, *base;
	size_t i;

	/* the sendmail personality: sendmail, mailq, newaliases */
	base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (strcmp(base, "sendmail") == 0 || strcmp(base, "mailq") == 0 ||
	    strcmp(base, "newaliases") == 0)
		return ctl_sendmail(argc, argv);

	log_init("postern", LOG_TO_STDERR);
	ctl_progname = argv[0];
	argc--, argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "-c") == 0 && argc > 1) {
			confdir = argv[1];
			argc -= 2, argv += 2;
		} else if (strcmp(argv[0], "-h") == 0 ||
		    strcmp(argv[0], "--help") == 0)
			ctl_usage();
		else
			ctl_usage();
	}
	if (argc == 0)
		ctl_usage();
	ctl_confdir = confdir;
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(argv[0], ctl_commands[i].name) == 0) {
			argc = ctl_args_permute(argc, argv);
			return ctl_commands[i].fn(argc, argv);
		}
	fprintf(stderr, "postern: unknown command \"%s\"\n", argv[0]);
	ctl_usage();
}

/*
 * anvilc - a test-only driver of lib/anvil_clnt, so that t/integ can talk
 * to a running anvil the way smtpd does.
 *
 *	anvilc SOCKET
 *
 * Reads commands on standard input, one per line, all on one client
 * (one connection to anvil, reopened as the library does), and prints
 * one answer line for each:
 *
 *	connect SERVICE IP	-> "ok COUNT RATE", "full", "error TEXT"
 *	disconnect SERVICE IP	-> "ok", "error TEXT"
 *	raw TEXT		-> sends TEXT as bytes on a new connection
 *				   and prints "sent" (garbage tests)
 *
 * SECURITY: test code only; never installed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil_clnt.h"
#include "err.h"
#include "log.h"
#include "raw_send.h"

int
main(int argc, char **argv)
{
	struct anvil_clnt *ac;
	struct anvil_reply rep;
	char line[1024], verb[32], svc[128], ip[128], *err = NULL;
	int r;

	log_init("anvilc", LOG_TO_STDERR);
	if (argc != 2) {
		fprintf(stderr, "usage: anvilc SOCKET\n");
		return 64;
	}
	ac = anvil_clnt_new(argv[1], 5000);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (raw_send(argv[1], line))
			continue;
		if (sscanf(line, "%31s %127s %127s", verb, svc, ip) != 3) {
			printf("error usage\n");
			continue;
		}
		if (strcmp(verb, "connect") == 0) {
			r = anvil_clnt_connect(ac, svc, ip, &rep, &err);
			if (r == 0)
				printf("ok %lu %lu\n", rep.count, rep.rate);
			else if (r == 1)
				printf("full\n");
			else
				printf("error %s\n", err);
		} else if (strcmp(verb, "disconnect") == 0) {
			if (anvil_clnt_disconnect(ac, svc, ip, &err) == 0)
				printf("ok\n");
			else
				printf("error %s\n", err);
		} else
			printf("error unknown command\n");
		err_free(&err);
	}
	anvil_clnt_free(&ac);
	return 0;
}

/*
 * resolvc - a test-only driver of lib/resolver_clnt, so that t/integ can
 * ask a running resolver what a relay agent would.
 *
 *	resolvc SOCKET
 *
 * Reads requests on standard input, one per line, all on one client
 * (one kept connection, as a relay agent has), and prints one answer
 * line each:
 *
 *	mx DOMAIN	-> "status=S dsn=D secure=0|1 ascii=A hosts=NAME:PREF:
 *			   ADDR,ADDR NAME:PREF:ADDR text=TEXT"
 *	host DOMAIN	   the same for a host lookup
 *	raw TEXT	-> sends TEXT as bytes on a new connection, prints
 *			   "sent" (garbage tests)
 *	and "error TEXT" when the service gave no answer.
 *
 * SECURITY: test code only; never installed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "raw_send.h"
#include "resolver_clnt.h"
#include "xmalloc.h"

static void
resolvc_print(const struct resolver_answer *a)
{
	size_t i, j;

	printf("status=%d dsn=%s secure=%d ascii=%s hosts=", a->status,
	    a->dsn, a->secure, a->ascii);
	for (i = 0; i < a->nhost; i++) {
		printf("%s%s:%u%s:", i > 0 ? " " : "", a->host[i].name,
		    a->host[i].pref, a->host[i].secure ? "s" : "");
		for (j = 0; j < a->host[i].naddr; j++)
			printf("%s%s", j > 0 ? "," : "", a->host[i].addr[j]);
	}
	printf(" text=%s\n", a->text);
}

int
main(int argc, char **argv)
{
	struct resolver_clnt *rc;
	struct resolver_answer *a = xmalloc(sizeof(*a));
	char line[2048], *err = NULL;

	log_init("resolvc", LOG_TO_STDERR);
	if (argc != 2) {
		fprintf(stderr, "usage: resolvc SOCKET\n");
		return 64;
	}
	rc = resolver_clnt_new(argv[1], 60000);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (raw_send(argv[1], line))
			continue;
		if (strncmp(line, "mx ", 3) != 0 &&
		    strncmp(line, "host ", 5) != 0) {
			printf("error usage\n");
			continue;
		}
		if (resolver_clnt_lookup(rc, strchr(line, ' ') + 1,
		    line[0] == 'm', a, &err) < 0) {
			printf("error %s\n", err);
			err_free(&err);
		} else
			resolvc_print(a);
	}
	resolver_clnt_free(&rc);
	free(a);
	return 0;
}

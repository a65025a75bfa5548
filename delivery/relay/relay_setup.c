/*
 * NAME
 *	relay_setup - the SMTP client's skeleton hooks: parameter checks,
 *	what is opened before the jail.
 *
 * DESCRIPTION
 *	check: smtp_tls_security_level and the TLS parameters parse
 *	(lib/tls_conf); smtp_helo_name is a host name; the limits make
 *	sense. A bad value is fatal: the master throttles the service and
 *	qmgr defers the mail; nothing bounces because of a typo.
 *
 *	pre_jail: the TLS client context, with the CA certificates of
 *	smtp_tls_CAfile and smtp_tls_CApath (or the system's) read now,
 *	since the jail (the queue directory) has none of them; the SASL
 *	password tables.
 *
 * SECURITY
 *	Runs before the privilege drop (as root when the master is). Only
 *	admin-named files are opened here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "params.h"
#include "relay.h"
#include "tls.h"

struct tls_client_ctx *relay_tls_ctx;
int	relay_tls_level;

static struct tls_client_conf relay_tls_conf;

void
relay_check(void)
{
	const char *p;
	char *err = NULL;

	if (tls_client_conf_params(&relay_tls_conf, "smtp", &err) < 0)
		log_fatal("%s", err);
	relay_tls_level = relay_tls_conf.level;
	for (p = var_smtp_helo_name; *p != '\0'; p++)
		if (strchr(".-_0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]:", *p) == NULL)
			break;
	if (*var_smtp_helo_name == '\0' || *p != '\0')
		log_fatal("smtp_helo_name = \"%s\": not a host name",
		    var_smtp_helo_name);
}

void
relay_pre_jail(void)
{
	char *err;

	if (relay_tls_level != TLS_LEV_NONE &&
	    (relay_tls_ctx = tls_client_ctx_new(&relay_tls_conf,
	    &err)) == NULL)
		log_fatal("%s", err);
	relay_sasl_open();
}

void
relay_post_jail(void)
{
}

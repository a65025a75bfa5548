/*
 * imapd_misc - CAPABILITY, NOOP and CHECK, LOGOUT, ENABLE, ID; see
 * imapd.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "imapd.h"

int
imapd_cmd_capability(struct imapd *d, const struct imap_arg *args)
{
	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	imapd_untagged(d, "CAPABILITY %s", imapd_capabilities(d));
	imapd_ok(d, "Capability completed.");
	return 0;
}

/* NOOP and CHECK: what changed is sent before the OK. */
int
imapd_cmd_noop(struct imapd *d, const struct imap_arg *args)
{
	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	imapd_ok(d, "%s completed.", strcmp(d->cmd, "CHECK") == 0 ?
	    "Check" : "NOOP");
	return 0;
}

int
imapd_cmd_logout(struct imapd *d, const struct imap_arg *args)
{
	(void)args;
	imapd_untagged(d, "BYE Logging out");
	imapd_tagged(d, "OK Logout completed.");
	imapd_flush(d);
	d->logout = 1;
	return -1;
}

/* RFC 5161; IMAP4rev2 (RFC 9051 6.3.1) brings UTF-8 names with it. */
int
imapd_cmd_enable(struct imapd *d, const struct imap_arg *args)
{
	const struct imap_arg *a;
	const char *s;
	char enabled[64] = "";

	if (d->sel != NULL) {
		imapd_bad(d, "ENABLE is not allowed once a mailbox is "
		    "selected.");
		return 0;
	}
	if (args == NULL) {
		imapd_bad(d, "Missing capability.");
		return 0;
	}
	for (a = args; a != NULL; a = a->next) {
		if (!imap_arg_atom(a, &s)) {
			imapd_bad(d, "Invalid capability.");
			return 0;
		}
		if (strcasecmp(s, "IMAP4rev2") == 0 &&
		    !(d->enabled & IMAPD_EN_REV2)) {
			d->enabled |= IMAPD_EN_REV2 | IMAPD_EN_UTF8;
			strlcat(enabled, " IMAP4rev2", sizeof(enabled));
		} else if (strcasecmp(s, "UTF8=ACCEPT") == 0 &&
		    !(d->enabled & IMAPD_EN_UTF8)) {
			d->enabled |= IMAPD_EN_UTF8;
			strlcat(enabled, " UTF8=ACCEPT", sizeof(enabled));
		}
	}
	imapd_untagged(d, "ENABLED%s", enabled);
	imapd_ok(d, "Enabled.");
	return 0;
}

/* RFC 2971: what the client says it is is only checked for syntax. */
int
imapd_cmd_id(struct imapd *d, const struct imap_arg *args)
{
	const struct imap_arg *a;
	const char *s;
	unsigned n = 0;

	if (args == NULL || args->next != NULL || (!imap_arg_is_nil(args) &&
	    args->type != IMAP_ARG_LIST)) {
		imapd_bad(d, "Invalid ID arguments.");
		return 0;
	}
	if (args->type == IMAP_ARG_LIST)
		for (a = args->list; a != NULL; a = a->next, n++)
			if (!imap_arg_nstring(a, &s) || n >= 60) {
				imapd_bad(d, "Invalid ID arguments.");
				return 0;
			}
	if (n % 2 != 0) {
		imapd_bad(d, "Invalid ID arguments.");
		return 0;
	}
	imapd_untagged(d, "ID (\"name\" \"Postern\")");
	imapd_ok(d, "ID completed.");
	return 0;
}

/* LOGIN, AUTHENTICATE, STARTTLS: the login side's, before login. */
int
imapd_cmd_not_now(struct imapd *d, const struct imap_arg *args)
{
	(void)args;
	if (strcmp(d->cmd, "STARTTLS") == 0)
		imapd_bad(d, "STARTTLS is only allowed before login.");
	else
		imapd_bad(d, "Already logged in.");
	return 0;
}

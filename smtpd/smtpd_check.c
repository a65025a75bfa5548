/*
 * NAME
 *	smtpd_check - which recipients this server accepts, from whom.
 *
 * DESCRIPTION
 *	The recipient's domain decides its class (lib/domain_class, the
 *	same rules qmgr routes by), in Postfix's order:
 *	1. mydestination: valid when virtual_alias_maps has the address,
 *	   or alias_maps has the local part (Postern has no UNIX-account
 *	   delivery, so the alias tables are the local recipient table);
 *	   postmaster is always valid (RFC 5321 4.5.1).
 *	2. virtual_alias_domains: valid when virtual_alias_maps has it.
 *	3. virtual_mailbox_domains: valid when virtual_alias_maps or
 *	   virtual_mailbox_maps has it.
 *	4. relay_domains: accepted from anyone.
 *	5. anything else: accepted only from clients that may relay
 *	   (mynetworks, local submission, later authenticated clients);
 *	   others get "554 5.7.1 <addr>: Relay access denied".
 *	An unknown recipient of classes 1 to 3 is refused at RCPT with
 *	550 5.1.1, so no bounce is ever sent for it (no backscatter).
 *	Table keys are tried as user+ext@domain, user@domain (with
 *	recipient_delimiter) and, for virtual tables, the catch-all
 *	@domain. The bare <Postmaster> has no domain and is accepted.
 *
 *	A table that cannot be read gives 451 4.3.0: never acceptance (the
 *	mail could not be delivered) and never 5xx (the sender would get a
 *	wrong bounce).
 *
 * SECURITY
 *	Addresses come from addr_parse_path, normalised and bounded; table
 *	keys are built with addr_key_parts into fixed buffers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "domain_class.h"
#include "err.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "smtpd.h"

static struct domain_classes *smtpd_classes;
static struct maps_list *smtpd_alias_maps, *smtpd_valias_maps;
static struct maps_list *smtpd_vmbox_maps;

static struct maps_list *
smtpd_check_maps(const char *param, const char *value)
{
	struct maps_list *l;
	char *err = NULL;

	if ((l = maps_list_open(value != NULL ? value : "", MAPS_OPEN_DEFER,
	    &err)) == NULL)
		log_fatal("%s: %s", param, err);
	return l;
}

void
smtpd_check_free(void)
{
	domain_classes_close(&smtpd_classes);
	maps_list_close(&smtpd_alias_maps);
	maps_list_close(&smtpd_valias_maps);
	maps_list_close(&smtpd_vmbox_maps);
}

void
smtpd_check_init(void)
{
	char *err = NULL;

	smtpd_check_free();
	if ((smtpd_classes = domain_classes_open(MAPS_OPEN_DEFER,
	    &err)) == NULL)
		log_fatal("%s", err);
	smtpd_alias_maps = smtpd_check_maps("alias_maps", var_alias_maps);
	smtpd_valias_maps = smtpd_check_maps("virtual_alias_maps",
	    var_virtual_alias_maps);
	smtpd_vmbox_maps = smtpd_check_maps("virtual_mailbox_maps",
	    var_virtual_mailbox_maps);
}

/*
 * Look the address up: local@domain, then without its extension, then
 * @domain when catchall. domain NULL: the local part alone (aliases).
 */
static int
smtpd_check_lookup(struct maps_list *l, const struct addr *a,
    const char *domain, int catchall, char **err_r)
{
	char key[ADDR_TEXT_MAX];
	const char *value, *ext;
	size_t userlen;
	int r;

	if (maps_list_count(l) == 0)
		return 0;
	if (addr_key_parts(a->local, strlen(a->local), domain, key,
	    sizeof(key)) == 0 &&
	    (r = maps_list_lookup(l, key, &value, err_r)) != 0)
		return r;
	if (addr_split_ext(a->local, var_recipient_delimiter, &userlen,
	    &ext) == 1 && addr_key_parts(a->local, userlen, domain, key,
	    sizeof(key)) == 0 &&
	    (r = maps_list_lookup(l, key, &value, err_r)) != 0)
		return r;
	if (catchall && domain != NULL &&
	    addr_key_parts(a->local, 0, domain, key, sizeof(key)) == 0 &&
	    (r = maps_list_lookup(l, key, &value, err_r)) != 0)
		return r;
	return 0;
}

/*
 * A recipient of a local class: 1 known, 0 unknown (*table_r names the
 * table), -1 error; *table_r NULL for the other classes.
 */
static int
smtpd_check_class(const struct addr *a, const char **table_r,
    char **err_r)
{
	int r;

	*table_r = NULL;
	switch (domain_class(smtpd_classes, a->domain, err_r)) {
	case -1:
		return -1;
	case DOMAIN_LOCAL:
		*table_r = "local recipient table";
		if (strcasecmp(a->local, "postmaster") == 0)
			return 1;
		if ((r = smtpd_check_lookup(smtpd_valias_maps, a, a->domain,
		    0, err_r)) != 0)
			return r;
		return smtpd_check_lookup(smtpd_alias_maps, a, NULL, 0, err_r);
	case DOMAIN_VALIAS:
		*table_r = "virtual alias table";
		return smtpd_check_lookup(smtpd_valias_maps, a, a->domain, 1,
		    err_r);
	case DOMAIN_VMAILBOX:
		*table_r = "virtual mailbox table";
		if ((r = smtpd_check_lookup(smtpd_valias_maps, a, a->domain,
		    1, err_r)) != 0)
			return r;
		return smtpd_check_lookup(smtpd_vmbox_maps, a, a->domain, 1,
		    err_r);
	case DOMAIN_RELAY:
		return 1;
	default:
		return 0;
	}
}

int
smtpd_check_rcpt(const struct smtpd_session *sess, const struct addr *a,
    int *code_r, const char **enh_r, char *text, size_t textlen)
{
	char ext[ADDR_TEXT_MAX];
	const char *table = NULL;
	char *err = NULL;
	int r;

	if (a->flags & ADDR_POSTMASTER)
		return 0;
	if (addr_format(a, ext, sizeof(ext)) < 0)
		ext[0] = '\0';
	if ((r = smtpd_check_class(a, &table, &err)) < 0)
		goto tempfail;
	if (table != NULL) {
		if (r == 1)
			return 0;
		*code_r = 550;
		*enh_r = "5.1.1";
		snprintf(text, textlen, "<%s>: Recipient address rejected: "
		    "User unknown in %s", ext, table);
		return -1;
	}
	if (r == 1)	/* relay_domains: from anyone */
		return 0;
	if (sess->flags & (SMTPD_F_MYNETWORKS | SMTPD_F_LOCAL | SMTPD_F_AUTH))
		return 0;
	*code_r = 554;
	*enh_r = "5.7.1";
	snprintf(text, textlen, "<%s>: Relay access denied", ext);
	return -1;

tempfail:
	log_warn("%s: recipient <%s>: %s", sess->namaddr, ext,
	    err != NULL ? err : "lookup error");
	err_free(&err);
	*code_r = 451;
	*enh_r = "4.3.0";
	snprintf(text, textlen, "<%s>: Temporary lookup failure", ext);
	return -1;
}

int
smtpd_check_etrn(const char *domain)
{
	char *err = NULL;
	int r;

	if ((r = domain_class_has(smtpd_classes, DOMAIN_RELAY, domain,
	    &err)) < 0)
		log_warn("ETRN %s: %s", domain, err);
	err_free(&err);
	return r;
}

/*
 * NAME
 *	smtpd_auth_policy - who may send mail at all, and as whom:
 *	smtpd_client_restrictions and smtpd_sender_restrictions, with
 *	the sender ownership check of authenticated clients.
 *
 * DESCRIPTION
 *	Two Postfix-style restriction lists, both applied at MAIL FROM
 *	(Postern has no smtpd_delay_reject: a client learns at once).
 *	Each is tried in order until a restriction decides; the end of
 *	the list permits. Local submission sessions (the sendmail command)
 *	are not subject to them: their senders are checked by
 *	smtpd_submit.
 *
 *	smtpd_client_restrictions:
 *	  permit_mynetworks		the client is in mynetworks
 *	  permit_sasl_authenticated	the client has authenticated
 *	  permit			always
 *	  reject			530 5.7.0 Authentication required,
 *					when the list has
 *					permit_sasl_authenticated and AUTH is
 *					enabled (the client can still do it);
 *					else 554 5.7.1 <host[addr]>: Client
 *					host rejected: Access denied
 *	smtpd_sender_restrictions: the same four, where reject is
 *	  554 5.7.1 <sender>: Sender address rejected: Access denied; and
 *	  reject_authenticated_sender_login_mismatch
 *		for an authenticated client, the sender must be its own
 *		address (the canonical address the auth service gave), or
 *		one that smtpd_sender_login_maps grants it: the table maps
 *		the sender address, else its @domain, to the users who may
 *		use it (the first key found decides). Otherwise 553 5.7.1
 *		<sender>: Sender address rejected: not owned by user USER.
 *		The null sender <> is not checked. A table that cannot be
 *		read is 451 4.3.0. Unauthenticated clients pass.
 *
 *	The submission services of the default master.cf set
 *	smtpd_client_restrictions = permit_sasl_authenticated, reject and
 *	smtpd_sender_restrictions =
 *	reject_authenticated_sender_login_mismatch.
 *
 *	A name not listed here makes smtpd refuse to start, with the list
 *	of known ones: a restriction silently skipped could open a relay.
 *
 * SECURITY
 *	The sender comes from addr_parse_path (normalised, bounded); table
 *	keys are built with addr_key. The user compared against is the
 *	auth service's answer, never anything the client said.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "err.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "smtpd.h"
#include "xmalloc.h"

enum smtpd_restr {
	SMTPD_R_PERMIT,
	SMTPD_R_REJECT,
	SMTPD_R_PERMIT_MYNETWORKS,
	SMTPD_R_PERMIT_SASL,
	SMTPD_R_SENDER_LOGIN_MISMATCH,
};

static const struct {
	const char	*name;
	enum smtpd_restr r;
	int		 sender_only;
} smtpd_restr_names[] = {
	{ "permit", SMTPD_R_PERMIT, 0 },
	{ "reject", SMTPD_R_REJECT, 0 },
	{ "permit_mynetworks", SMTPD_R_PERMIT_MYNETWORKS, 0 },
	{ "permit_sasl_authenticated", SMTPD_R_PERMIT_SASL, 0 },
	{ "reject_authenticated_sender_login_mismatch",
	    SMTPD_R_SENDER_LOGIN_MISMATCH, 1 },
};

struct smtpd_restr_list {
	enum smtpd_restr *v;
	size_t		 n;
};

static struct smtpd_restr_list smtpd_client_restr, smtpd_sender_restr;
static struct maps_list *smtpd_sender_login;

/* Parse a list; 0, or -1 with the bad name in *bad_r (the caller frees). */
static int
smtpd_restr_parse(const char *value, int sender, struct smtpd_restr_list *l,
    char **bad_r)
{
	char **w;
	size_t i, j, nn = sizeof(smtpd_restr_names) /
	    sizeof(smtpd_restr_names[0]);

	w = params_list(value != NULL ? value : "");
	for (i = 0; w[i] != NULL; i++)
		;
	free(l->v);
	l->v = xcalloc(i + 1, sizeof(*l->v));
	l->n = 0;
	for (i = 0; w[i] != NULL; i++) {
		for (j = 0; j < nn; j++)
			if (strcmp(w[i], smtpd_restr_names[j].name) == 0 &&
			    (sender || !smtpd_restr_names[j].sender_only))
				break;
		if (j == nn) {
			*bad_r = xstrndup(w[i], 127);
			params_list_free(w);
			return -1;
		}
		l->v[l->n++] = smtpd_restr_names[j].r;
	}
	params_list_free(w);
	return 0;
}

void
smtpd_auth_policy_free(void)
{
	free(smtpd_client_restr.v);
	free(smtpd_sender_restr.v);
	memset(&smtpd_client_restr, 0, sizeof(smtpd_client_restr));
	memset(&smtpd_sender_restr, 0, sizeof(smtpd_sender_restr));
	maps_list_close(&smtpd_sender_login);
}

int
smtpd_auth_policy_load(char **err_r)
{
	char *bad = NULL;

	smtpd_auth_policy_free();
	if (smtpd_restr_parse(var_smtpd_client_restrictions, 0,
	    &smtpd_client_restr, &bad) < 0) {
		err_set(err_r, "smtpd_client_restrictions: unknown restriction "
		    "\"%s\" (known: permit_mynetworks, "
		    "permit_sasl_authenticated, permit, reject)", bad);
		free(bad);
		return -1;
	}
	if (smtpd_restr_parse(var_smtpd_sender_restrictions, 1,
	    &smtpd_sender_restr, &bad) < 0) {
		err_set(err_r, "smtpd_sender_restrictions: unknown restriction "
		    "\"%s\" (known: reject_authenticated_sender_login_mismatch, "
		    "permit_mynetworks, permit_sasl_authenticated, permit, "
		    "reject)", bad);
		free(bad);
		return -1;
	}
	if ((smtpd_sender_login = maps_list_open(var_smtpd_sender_login_maps
	    != NULL ? var_smtpd_sender_login_maps : "", MAPS_OPEN_DEFER,
	    err_r)) == NULL)
		return err_wrap(err_r, "smtpd_sender_login_maps");
	return 0;
}

void
smtpd_auth_policy_init(void)
{
	char *err = NULL;

	if (smtpd_auth_policy_load(&err) < 0)
		log_fatal("%s", err);
}

/* Does the list hold r? */
static int
smtpd_restr_has(const struct smtpd_restr_list *l, enum smtpd_restr r)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == r)
			return 1;
	return 0;
}

/* Is user among the words of value (commas, spaces)? */
static int
smtpd_auth_listed(const char *value, const char *user)
{
	const char *p = value;
	size_t len, ulen = strlen(user);

	while (*(p += strspn(p, ", \t")) != '\0') {
		len = strcspn(p, ", \t");
		if (len == ulen && strncasecmp(p, user, len) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* May the authenticated user send as a? 1 yes, 0 no, -1 lookup error. */
static int
smtpd_auth_owner(const struct smtpd_session *sess, const struct addr *a,
    char **err_r)
{
	char key[ADDR_TEXT_MAX];
	const char *value;
	int r;

	if (addr_key(a, key, sizeof(key)) < 0)
		return 0;
	if (strcasecmp(key, sess->sasl.user) == 0)
		return 1;
	if ((r = maps_list_lookup(smtpd_sender_login, key, &value,
	    err_r)) != 0)
		return r < 0 ? -1 : smtpd_auth_listed(value, sess->sasl.user);
	if (addr_key_parts(a->local, 0, a->domain, key, sizeof(key)) < 0)
		return 0;
	if ((r = maps_list_lookup(smtpd_sender_login, key, &value,
	    err_r)) != 0)
		return r < 0 ? -1 : smtpd_auth_listed(value, sess->sasl.user);
	return 0;
}

/* One of the permit_* words: does it let this session through? */
static int
smtpd_auth_permits(const struct smtpd_session *sess, int r)
{
	switch (r) {
	case SMTPD_R_PERMIT:
		return 1;
	case SMTPD_R_PERMIT_MYNETWORKS:
		return (sess->flags & SMTPD_F_MYNETWORKS) != 0;
	case SMTPD_R_PERMIT_SASL:
		return (sess->flags & SMTPD_F_AUTH) != 0;
	}
	return 0;
}

/* The client list: 0 permitted, -1 after a reply. */
static int
smtpd_auth_client(struct smtpd_session *sess)
{
	const struct smtpd_restr_list *l = &smtpd_client_restr;
	size_t i;

	for (i = 0; i < l->n; i++) {
		switch (l->v[i]) {
		case SMTPD_R_PERMIT:
		case SMTPD_R_PERMIT_MYNETWORKS:
		case SMTPD_R_PERMIT_SASL:
			if (smtpd_auth_permits(sess, l->v[i]))
				return 0;
			break;
		case SMTPD_R_REJECT:
			if (var_smtpd_sasl_auth_enable &&
			    smtpd_restr_has(l, SMTPD_R_PERMIT_SASL))
				smtpd_reject(sess, NULL, 530, "5.7.0",
				    "Authentication required");
			else
				smtpd_reject(sess, NULL, 554, "5.7.1",
				    "<%s>: Client host rejected: Access "
				    "denied", sess->namaddr);
			return -1;
		case SMTPD_R_SENDER_LOGIN_MISMATCH:
			break;		/* not in this list (parser) */
		}
	}
	return 0;
}

/* The sender list: 0 permitted, -1 after a reply. */
static int
smtpd_auth_sender(struct smtpd_session *sess, const struct addr *a,
    const char *ext)
{
	const struct smtpd_restr_list *l = &smtpd_sender_restr;
	char *err = NULL;
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		switch (l->v[i]) {
		case SMTPD_R_PERMIT:
		case SMTPD_R_PERMIT_MYNETWORKS:
		case SMTPD_R_PERMIT_SASL:
			if (smtpd_auth_permits(sess, l->v[i]))
				return 0;
			break;
		case SMTPD_R_REJECT:
			smtpd_reject(sess, NULL, 554, "5.7.1", "<%s>: Sender "
			    "address rejected: Access denied", ext);
			return -1;
		case SMTPD_R_SENDER_LOGIN_MISMATCH:
			if (!(sess->flags & SMTPD_F_AUTH) ||
			    (a->flags & ADDR_NULL))
				break;
			if ((r = smtpd_auth_owner(sess, a, &err)) < 0) {
				log_warn("%s: sender <%s>: %s", sess->namaddr,
				    ext, err != NULL ? err : "lookup error");
				err_free(&err);
				smtpd_reject(sess, NULL, 451, "4.3.0", "<%s>: "
				    "Sender address rejected: Temporary "
				    "lookup failure", ext);
				return -1;
			}
			if (r == 0) {
				smtpd_reject(sess, NULL, 553, "5.7.1", "<%s>: "
				    "Sender address rejected: not owned by "
				    "user %s", ext, sess->sasl.user);
				return -1;
			}
			break;
		}
	}
	return 0;
}

int
smtpd_auth_policy_mail(struct smtpd_session *sess, const struct addr *sender)
{
	char ext[ADDR_TEXT_MAX];

	if (sess->flags & SMTPD_F_LOCAL)
		return 0;
	if (smtpd_auth_client(sess) < 0)
		return -1;
	if (addr_format(sender, ext, sizeof(ext)) < 0)
		ext[0] = '\0';
	return smtpd_auth_sender(sess, sender, ext);
}

/*
 * NAME
 *	smtpd_local - local submission: the user behind the sendmail
 *	command, and the envelope senders they may use
 *
 * DESCRIPTION
 *	The sendmail command (ctl/ctl_sendmail*.c) is not setuid: it
 *	connects to an smtpd service on queue_directory/public/submit
 *	(master.cf: -o smtpd_local_submission=yes) and speaks SMTP. The
 *	kernel tells us who connected (SO_PEERCRED); the password file
 *	gives the login name. That user's mail is trusted as mail from
 *	mynetworks is (no relay restriction). The session calls these
 *	functions through its hooks in smtpd_submit.c; they know nothing
 *	of the session, so that they can be tested alone.
 *
 *	The envelope sender is checked here:
 *
 *	- everybody may use login@$myorigin (what sendmail sends without
 *	  -f);
 *	- root and mail_owner may use any sender, the null sender too (as
 *	  Postfix's sendmail -f);
 *	- anyone else what local_login_sender_maps, searched with the
 *	  login name, lists: addresses (an unqualified one gets
 *	  @$myorigin), @domain for any address in that domain, <> for the
 *	  null sender, * for anything. The default is no table: only one's
 *	  own address. (Postfix's default is static:*, anything; Postern
 *	  starts strict because a local user who can forge any sender can
 *	  forge bounces and mail from postmaster.)
 *	A refused sender gets Postfix's reply: 553 5.7.1 <x>: Sender
 *	address rejected: not owned by user LOGIN.
 *
 * SECURITY
 *	The uid is the kernel's word, the only identity believed; nothing
 *	the client says about itself counts. A uid without a login name is
 *	refused (421) rather than guessed. A table that cannot be read
 *	defers (451), never allows.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "priv.h"
#include "smtpd_local.h"
#include "sock.h"
#include "xmalloc.h"

static struct maps_list *smtpd_local_maps;
static char *smtpd_local_maps_spec;	/* what it was opened from */

/* "421 4.3.0 $myhostname Error: why" in static storage. */
static const char *
smtpd_local_421(const char *why)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "421 4.3.0 %s Error: %s", var_myhostname,
	    why);
	return buf;
}

int
smtpd_local_peer(int fd, struct smtpd_local_peer *peer, const char **reply_r)
{
	struct priv_user owner;
	struct passwd *pw;
	struct addr a;
	enum addr_err e;
	const char *err;
	char *full;

	memset(peer, 0, sizeof(*peer));
	if (sock_peercred(fd, &peer->uid, &peer->gid, &peer->pid) < 0) {
		log_warn("local submission: cannot tell who is connected "
		    "(SO_PEERCRED): %m");
		*reply_r = smtpd_local_421("cannot identify the local user");
		return -1;
	}
	errno = 0;
	if ((pw = getpwuid(peer->uid)) == NULL || strlcpy(peer->login,
	    pw->pw_name, sizeof(peer->login)) >= sizeof(peer->login)) {
		log_warn("local submission: uid %ld (pid %ld) has no login "
		    "name%s%s", (long)peer->uid, (long)peer->pid,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		*reply_r = smtpd_local_421("cannot find your login name");
		return -1;
	}
	full = xasprintf("%s@%s", peer->login, var_myorigin);
	if (addr_parse_mailbox(full, ADDR_F_SMTPUTF8, &a, &e) < 0 ||
	    addr_key(&a, peer->own, sizeof(peer->own)) < 0) {
		log_warn("local submission: %s: not a valid address: %s",
		    full, addr_strerror(e));
		free(full);
		*reply_r = smtpd_local_421("your login name does not make a "
		    "valid address");
		return -1;
	}
	free(full);
	peer->privileged = peer->uid == 0 || (priv_lookup(var_mail_owner,
	    &owner, &err) == 0 && owner.uid == peer->uid);
	return 0;
}

const char *
smtpd_local_qualify(const char *arg, char *out, size_t len)
{
	const char *lt, *p, *gt;
	int quoted = 0, at = 0;

	for (lt = arg; *lt == ' '; lt++)
		;
	if (*lt != '<')
		return arg;
	for (p = lt + 1; *p != '\0' && (quoted || *p != '>'); p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '@' || *p == ':'))
			at = 1;		/* a domain, or a source route */
	}
	gt = p;
	if (*gt != '>' || gt == lt + 1 || at ||
	    strncasecmp(lt + 1, "postmaster>", 11) == 0)
		return arg;
	if ((size_t)snprintf(out, len, "%.*s@%s%s", (int)(gt - arg), arg,
	    var_myorigin, gt) >= len)
		return arg;
	return out;
}

/* Does one table entry (token) allow sender? */
static int
smtpd_local_token_ok(const char *tok, const struct addr *sender,
    const char *key)
{
	char buf[ADDR_TEXT_MAX], dom[ADDR_DOMAIN_MAX + 1], *full;
	struct addr a;
	enum addr_err e;
	int r;

	if (strcmp(tok, "*") == 0)
		return 1;
	if ((sender->flags & ADDR_NULL) != 0)
		return strcmp(tok, "<>") == 0;
	if (tok[0] == '@')
		return addr_parse_domain(tok + 1, ADDR_F_SMTPUTF8, dom, &e) ==
		    0 && strcmp(dom, sender->domain) == 0;
	full = strchr(tok, '@') != NULL ? xstrdup(tok) :
	    xasprintf("%s@%s", tok, var_myorigin);
	r = addr_parse_mailbox(full, ADDR_F_SMTPUTF8, &a, &e) == 0 &&
	    addr_key(&a, buf, sizeof(buf)) == 0 && strcmp(buf, key) == 0;
	free(full);
	return r;
}

/* What local_login_sender_maps says: 1 allowed, 0 not, -1 error. */
static int
smtpd_local_table_ok(const struct smtpd_local_peer *peer,
    const struct addr *sender, const char *key)
{
	const char *value;
	char *copy, *tok, *p, *err = NULL;
	int r = 0;

	/* opened on first use (after the jail: the service is not in one) */
	if (smtpd_local_maps_spec == NULL ||
	    strcmp(smtpd_local_maps_spec, var_local_login_sender_maps) != 0) {
		maps_list_close(&smtpd_local_maps);
		free(smtpd_local_maps_spec);
		smtpd_local_maps_spec = NULL;
		smtpd_local_maps = maps_list_open(var_local_login_sender_maps,
		    MAPS_OPEN_DEFER, &err);
		if (smtpd_local_maps == NULL) {
			log_warn("local_login_sender_maps: %s", err);
			free(err);
			return -1;
		}
		smtpd_local_maps_spec = xstrdup(var_local_login_sender_maps);
	}
	switch (maps_list_lookup(smtpd_local_maps, peer->login, &value,
	    &err)) {
	case 0:
		return 0;
	case -1:
		log_warn("local_login_sender_maps: %s", err);
		free(err);
		return -1;
	}
	copy = xstrdup(value);
	for (p = copy; r == 0 && (tok = strsep(&p, ", \t")) != NULL;)
		if (*tok != '\0')
			r = smtpd_local_token_ok(tok, sender, key);
	free(copy);
	return r;
}

int
smtpd_local_sender_ok(const struct smtpd_local_peer *peer,
    const struct addr *sender, char *reply, size_t len)
{
	char key[ADDR_TEXT_MAX], shown[ADDR_TEXT_MAX];
	int r;

	if (peer->privileged)
		return 1;
	if ((sender->flags & ADDR_NULL) != 0)
		key[0] = '\0';
	else if (addr_key(sender, key, sizeof(key)) < 0)
		key[0] = '\0';
	if (key[0] != '\0' && strcmp(key, peer->own) == 0)
		return 1;
	if ((r = smtpd_local_table_ok(peer, sender, key)) == 1)
		return 1;
	if (addr_format(sender, shown, sizeof(shown)) < 0)
		shown[0] = '\0';
	if (r < 0)
		snprintf(reply, len, "451 4.3.0 <%s>: Sender address "
		    "rejected: Temporary lookup failure", shown);
	else
		snprintf(reply, len, "553 5.7.1 <%s>: Sender address "
		    "rejected: not owned by user %s", shown, peer->login);
	return r < 0 ? -1 : 0;
}

/*
 * NAME
 *	ctl_sendmail_addr - RFC 5322 address lists for sendmail: the
 *	recipients of To:, Cc: and Bcc: (-t), and of the command line
 *
 * DESCRIPTION
 *	An address list is split into mailboxes at top-level commas; for
 *	each, the address is what is inside <angle brackets> (a source
 *	route before ':' is dropped), or else the whole mailbox with its
 *	comments and unquoted white space removed. "(comments)" (nested,
 *	with quoted pairs) and display names are dropped; "group: a, b;"
 *	gives a and b, and an empty group ("undisclosed-recipients:;")
 *	gives nothing. Quoted local parts are kept quoted. An address
 *	without @domain gets @origin, as Postfix qualifies locally posted
 *	mail with $myorigin; the result is checked with lib/addr, so that
 *	smtpd gets only what it can parse.
 *
 * SECURITY
 *	The text is the user's own message; the parser works on bounded
 *	copies (SENDMAIL_ADDR_MAX per address, SENDMAIL_RCPT_MAX per
 *	message) and never reads past len.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "ctl_sendmail.h"
#include "vbuf.h"
#include "xmalloc.h"

void
sendmail_rcpts_free(struct sendmail_rcpts *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->addr[i]);
	free(l->addr);
	memset(l, 0, sizeof(*l));
}

int
sendmail_addr_one(const char *text, const char *origin, char *out,
    size_t outlen, const char **err_r)
{
	struct addr a;
	enum addr_err e;
	char *full;
	int flags = ADDR_F_SMTPUTF8, r;

	if (*text == '\0') {
		*err_r = "empty address";
		return -1;
	}
	if (strchr(text, '@') == NULL || text[strlen(text) - 1] == '@') {
		if (strchr(text, '@') != NULL) {
			*err_r = "no domain after @";
			return -1;
		}
		full = xasprintf("%s@%s", text, origin);
	} else
		full = xstrdup(text);
	r = addr_parse_mailbox(full, flags, &a, &e);
	free(full);
	if (r < 0) {
		*err_r = addr_strerror(e);
		return -1;
	}
	if (addr_format(&a, out, outlen) < 0) {
		*err_r = "address too long";
		return -1;
	}
	return 0;
}

/* Add one address to the list, unless it is already there. */
static int
sendmail_rcpts_add(struct sendmail_rcpts *l, const char *addr,
    const char **err_r)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->addr[i], addr) == 0)
			return 0;
	if (l->n >= SENDMAIL_RCPT_MAX) {
		*err_r = "too many recipients";
		return -1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->addr = xreallocarray(l->addr, l->cap, sizeof(char *));
	}
	l->addr[l->n++] = xstrdup(addr);
	return 0;
}

/* Skip a comment starting at s[*i] == '('; nested, with quoted pairs. */
static void
sendmail_skip_comment(const char *s, size_t len, size_t *i)
{
	int depth = 0;

	for (; *i < len; (*i)++) {
		if (s[*i] == '\\' && *i + 1 < len)
			(*i)++;
		else if (s[*i] == '(')
			depth++;
		else if (s[*i] == ')' && --depth == 0) {
			(*i)++;
			return;
		}
	}
}

/* Copy a quoted string starting at s[*i] == '"' to b, quotes included. */
static int
sendmail_copy_quoted(const char *s, size_t len, size_t *i, struct vbuf *b)
{
	int r = vbuf_appendc(b, '"');

	for ((*i)++; *i < len && s[*i] != '"'; (*i)++) {
		if (s[*i] == '\\' && *i + 1 < len)
			r |= vbuf_appendc(b, s[(*i)++]);
		r |= vbuf_appendc(b, s[*i]);
	}
	if (*i < len)
		(*i)++;
	r |= vbuf_appendc(b, '"');
	return r;
}

/* One mailbox is complete: qualify, check and add its address. */
static int
sendmail_flush_mailbox(struct vbuf *plain, struct vbuf *angle, int angled,
    const char *origin, struct sendmail_rcpts *l, const char **err_r)
{
	char out[SENDMAIL_ADDR_MAX];
	const char *a, *colon;
	int r = 0;

	a = angled ? vbuf_str(angle) : vbuf_str(plain);
	/* <@route,@route:user@domain> */
	if (angled && a[0] == '@' && (colon = strchr(a, ':')) != NULL)
		a = colon + 1;
	if (*a != '\0') {
		if (sendmail_addr_one(a, origin, out, sizeof(out), err_r) < 0 ||
		    sendmail_rcpts_add(l, out, err_r) < 0)
			r = -1;
	} else if (angled && vbuf_len(plain) == 0) {
		*err_r = "empty <> is not a recipient";
		r = -1;
	}
	vbuf_reset(plain);
	vbuf_reset(angle);
	return r;
}

int
sendmail_addr_list(const char *s, size_t len, const char *origin,
    struct sendmail_rcpts *l, const char **err_r)
{
	struct vbuf *plain = vbuf_new(64, SENDMAIL_ADDR_MAX * 4);
	struct vbuf *angle = vbuf_new(64, SENDMAIL_ADDR_MAX * 4);
	size_t i = 0;
	int angled = 0, r = 0, over = 0;
	char c;

	while (i < len && r == 0) {
		c = s[i];
		if (c == '(') {
			sendmail_skip_comment(s, len, &i);
		} else if (c == '"') {
			over |= sendmail_copy_quoted(s, len, &i,
			    angled ? angle : plain);
		} else if (c == '<') {
			/* the address proper; what came before is a name */
			vbuf_reset(angle);
			for (i++; i < len && s[i] != '>'; ) {
				if (s[i] == '"')
					over |= sendmail_copy_quoted(s, len,
					    &i, angle);
				else if (s[i] == '(')
					sendmail_skip_comment(s, len, &i);
				else {
					if (s[i] != ' ' && s[i] != '\t' &&
					    s[i] != '\r' && s[i] != '\n')
						over |= vbuf_appendc(angle,
						    s[i]);
					i++;
				}
			}
			if (i >= len) {
				*err_r = "missing >";
				r = -1;
				break;
			}
			i++;
			angled = 1;
		} else if (c == ':' && !angled) {
			/* a group: what came before is its name */
			vbuf_reset(plain);
			i++;
		} else if (c == ',' || c == ';') {
			if (over) {
				*err_r = "address too long";
				r = -1;
				break;
			}
			r = sendmail_flush_mailbox(plain, angle, angled, origin,
			    l, err_r);
			angled = 0;
			i++;
		} else {
			/* white space separates display-name words only */
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				over |= vbuf_appendc(plain, c);
			i++;
		}
	}
	if (r == 0 && over) {
		*err_r = "address too long";
		r = -1;
	}
	if (r == 0)
		r = sendmail_flush_mailbox(plain, angle, angled, origin, l,
		    err_r);
	vbuf_free(&plain);
	vbuf_free(&angle);
	return r;
}

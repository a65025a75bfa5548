/*
 * NAME
 *	imapd_append - APPEND (RFC 9051 6.3.12), MULTIAPPEND (RFC 3502),
 *	APPENDUID (RFC 4315), literal8 (RFC 3516)
 *
 * DESCRIPTION
 *	The message never sits in memory whole: when the reader meets the
 *	message literal (imap_read.h's hook), the target mailbox, the
 *	size, the quota and the flags and date before the literal are
 *	checked, and the bytes then go as they arrive into a file in the
 *	target's tmp/ (lib/maildir, CR LF stored as LF). A size over
 *	message_size_limit is refused before the client sends a byte
 *	("NO [TOOBIG]" instead of the continuation; a LITERAL+ client's
 *	bytes are read and dropped, or the connection ends when there are
 *	more than the limit); a missing mailbox is "NO [TRYCREATE]"; a full
 *	quota "NO [OVERQUOTA]".
 *
 *	Nothing is visible before the whole command has arrived: the
 *	files are committed (fsync, link into new/) and given UIDs in
 *	one index transaction only then, so a client that goes away in
 *	the middle of a literal, or of the second message of a
 *	MULTIAPPEND, leaves nothing behind (the tmp/ files are removed).
 *
 * SECURITY
 *	Sizes are the client's claims: the limit is checked against the
 *	announcement, and maildir_msg counts what really arrives. Flags,
 *	dates and names are parsed as every other argument.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "imap_utf7.h"
#include "imapd.h"
#include "imf.h"
#include "log.h"
#include "mailbox.h"
#include "maildir.h"
#include "maildir_quota.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

#define APPEND_MAX	1000	/* messages in one MULTIAPPEND */

struct imapd_append {
	char		 target[MAILDIR_NAME_MAX + 1];
	struct maildir	*md;		/* the folder; NULL for INBOX */
	struct mailbox	*mb;
	struct maildir_msg *w[APPEND_MAX];	/* written, not committed */
	struct mailbox_new msgs[APPEND_MAX];
	size_t		 n;
	uint64_t	 bytes;
	int		 failed;	/* a write failed: NO at the end */
	char		*resp;		/* a refusal's text */
};

static struct maildir *
target_md(struct imapd *d, struct imapd_append *a)
{
	return a->md != NULL ? a->md : d->sess.md;
}

void
imapd_append_abort(struct imapd *d)
{
	struct imapd_append *a = d->append;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		maildir_msg_abort(a->w[i]);
	mailbox_close(&a->mb);
	maildir_close(&a->md);
	free(a->resp);
	free(a);
	d->append = NULL;
}

/*
 * date-time: DQUOTE date-day-fixed "-" date-month "-" date-year SP
 * time SP zone DQUOTE (" 3-Jun-2008 11:05:30 +0200"); -1 when invalid.
 */
static int
parse_datetime(const char *s, int64_t *t_r)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int day, year, h, mi, sec, zone, zh, zm;
	char mon[4], sign;
	const char *m;

	if (strlen(s) < 25 || strlen(s) > 26 ||
	    sscanf(s, "%2d-%3s-%4d %2d:%2d:%2d %c%2d%2d", &day, mon, &year, &h,
	    &mi, &sec, &sign, &zh, &zm) != 9)
		return -1;
	if ((m = strcasestr(months, mon)) == NULL || (m - months) % 3 != 0 ||
	    strlen(mon) != 3 || day < 1 || day > 31 || h > 23 || mi > 59 ||
	    sec > 60 || zh > 23 || zm > 59 || (sign != '+' && sign != '-') ||
	    year < 1900)
		return -1;
	zone = (zh * 60 + zm) * (sign == '-' ? -1 : 1);
	*t_r = imf_days(year, (int)((m - months) / 3) + 1, day) * 86400LL +
	    h * 3600 + mi * 60 + sec - zone * 60;
	return 0;
}

static enum imap_lit_action
refuse(struct imapd_append *a, const char **resp_r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum imap_lit_action
refuse(struct imapd_append *a, const char **resp_r, const char *fmt, ...)
{
	va_list ap;

	free(a->resp);
	va_start(ap, fmt);
	if (vasprintf(&a->resp, fmt, ap) < 0)
		a->resp = NULL;
	va_end(ap);
	*resp_r = a->resp != NULL ? a->resp : "NO Append failed.";
	return IMAP_LIT_REFUSE;
}

/* The first message: the target and its mailbox. */
static enum imap_lit_action
start(struct imapd *d, const struct imap_cmd *cmd, const char **resp_r)
{
	struct imapd_append *a;
	const struct imap_arg *arg = cmd->args;
	const char *s, *name = NULL;
	struct vbuf b;
	char *err = NULL;
	int r;

	a = d->append = xcalloc(1, sizeof(*a));
	if (!imap_arg_astring(arg, &s, NULL))
		return refuse(a, resp_r, "BAD Error in IMAP command APPEND: "
		    "Invalid mailbox name.");
	vbuf_init(&b, 64, VBUF_NOLIMIT);
	if ((d->enabled & IMAPD_EN_UTF8) ? imap_utf8_to_utf7(s, &b) == 0 :
	    imap_utf7_valid(s) && vbuf_sets(&b, s) == 0)
		name = vbuf_str(&b);
	if (name == NULL || strlen(name) >= sizeof(a->target)) {
		vbuf_release(&b);
		return refuse(a, resp_r, "BAD Error in IMAP command APPEND: "
		    "Invalid mailbox name.");
	}
	strlcpy(a->target, name, sizeof(a->target));
	vbuf_release(&b);
	if (strncasecmp(a->target, "INBOX", 5) == 0 &&
	    (a->target[5] == '\0' || a->target[5] == IMAPD_DELIM))
		memcpy(a->target, "INBOX", 5);
	if ((r = imapd_folder_open(d, a->target, &a->md, &err)) <= 0) {
		if (r < 0) {
			log_error("%s: %s", d->sess.user, err);
			free(err);
			return refuse(a, resp_r, "NO [SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
		}
		return refuse(a, resp_r, "NO [TRYCREATE] Mailbox doesn't "
		    "exist: %s", a->target);
	}
	if (mailbox_open(target_md(d, a), d->sess.md, 0, &a->mb, &err) < 0) {
		log_error("%s: %s", d->sess.user, err);
		free(err);
		return refuse(a, resp_r, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
	}
	return IMAP_LIT_STREAM;
}

static enum imap_lit_action
append_begin(void *ctx, const struct imap_cmd *cmd, uint64_t size,
    int literal8, const char **resp_r)
{
	struct imapd *d = ctx;
	struct imapd_append *a;
	const struct imap_arg *arg, *last;
	struct mailbox_new *nm;
	const char *s, *resp;
	char *err = NULL;
	enum imap_lit_action act;

	(void)literal8;
	if (cmd->name == NULL || strcasecmp(cmd->name, "APPEND") != 0 ||
	    cmd->argc < 1 || cmd->depth > 0)
		return IMAP_LIT_MEMORY;
	if (d->append == NULL && (act = start(d, cmd, resp_r)) !=
	    IMAP_LIT_STREAM)
		return act;
	a = d->append;
	if (a->resp != NULL) {		/* refused before: drop the rest */
		*resp_r = a->resp;
		return IMAP_LIT_REFUSE;
	}
	if (a->n == APPEND_MAX)
		return refuse(a, resp_r, "NO [LIMIT] Too many messages in "
		    "one APPEND.");
	if (var_message_size_limit > 0 &&
	    size > (uint64_t)var_message_size_limit)
		return refuse(a, resp_r, "NO [TOOBIG] Message too large "
		    "(the limit is %lld bytes).",
		    (long long)var_message_size_limit);
	if (size == 0)
		return refuse(a, resp_r, "NO Can't save a zero byte message.");
	if (imapd_over_quota(d, a->bytes + size, a->n + 1))
		return refuse(a, resp_r, "NO [OVERQUOTA] Quota exceeded "
		    "(mailbox for user is full)");
	/* the flags and the date after the mailbox or the last message */
	nm = &a->msgs[a->n];
	memset(nm, 0, sizeof(*nm));
	for (last = cmd->args, arg = cmd->args; arg != NULL; arg = arg->next)
		if (arg->type == IMAP_ARG_LITERAL_SIZE)
			last = arg;
	for (arg = last->next; arg != NULL; arg = arg->next) {
		if (arg->type == IMAP_ARG_LIST) {
			if (imapd_parse_flags(d, a->mb, arg, 1, &nm->flags,
			    &nm->keywords, &resp) < 0)
				return refuse(a, resp_r, "%s", resp);
		} else if (arg->type == IMAP_ARG_STRING) {
			if (parse_datetime(arg->str, &nm->idate) < 0)
				return refuse(a, resp_r, "BAD Error in IMAP "
				    "command APPEND: Invalid date-time.");
		} else if (!imap_arg_atom(arg, &s) || arg->next != NULL)
			return refuse(a, resp_r, "BAD Error in IMAP command "
			    "APPEND: Invalid arguments.");
		else
			return refuse(a, resp_r, "BAD Error in IMAP command "
			    "APPEND: Unknown argument %.40s.", s);
	}
	if ((a->w[a->n] = maildir_msg_new(target_md(d, a),
	    MAILDIR_MSG_CRLF, &err)) == NULL) {
		log_error("%s: %s", d->sess.user, err);
		free(err);
		return refuse(a, resp_r, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
	}
	a->n++;
	a->bytes += size;
	return IMAP_LIT_STREAM;
}

static int
append_write(void *ctx, const char *data, size_t len)
{
	struct imapd *d = ctx;
	struct imapd_append *a = d->append;

	d->in_bytes += len;
	if (maildir_msg_write(a->w[a->n - 1], data, len) < 0) {
		log_error("%s: append to %s: %m", d->sess.user, a->target);
		a->failed = 1;
		return -1;
	}
	return 0;
}

static void
append_end(void *ctx, int ok)
{
	struct imapd *d = ctx;

	/* a cut-off literal: the session ends; abort drops the files */
	if (!ok)
		d->append->failed = 1;
}

const struct imap_lit_hook imapd_append_hook = {
	append_begin, append_write, append_end, NULL
};

int
imapd_cmd_append(struct imapd *d, const struct imap_arg *args)
{
	struct imapd_append *a = d->append;
	char (*names)[MAILDIR_NAME_MAX + 1], *err = NULL;
	uint32_t *uids;
	const struct imap_arg *arg;
	struct vbuf b;
	size_t i;

	for (arg = args; arg != NULL; arg = arg->next)
		if (arg->type == IMAP_ARG_LITERAL)
			break;
	if (a == NULL || a->n == 0 || arg != NULL ||
	    args->next == NULL) {
		imapd_append_abort(d);
		imapd_bad(d, "Missing message literal.");
		return 0;
	}
	if (a->failed) {
		imapd_append_abort(d);
		imapd_tagged(d, "NO [SERVERBUG] Internal error occurred. "
		    "Refer to server log for more information.");
		return 0;
	}
	names = xcalloc(a->n, sizeof(*names));
	uids = xcalloc(a->n, sizeof(*uids));
	for (i = 0; i < a->n; i++) {
		if (maildir_msg_commit(a->w[i], names[i], sizeof(names[i]),
		    &err) < 0) {
			a->w[i] = NULL;
			/* undo what was committed: all or nothing */
			while (i-- > 0)
				(void)unlinkat(target_md(d, a)->newfd,
				    names[i], 0);
			goto failed;
		}
		a->w[i] = NULL;
		a->msgs[i].name = names[i];
	}
	/* a failure here leaves the files in new/: listed later */
	if (mailbox_add(a->mb, a->msgs, a->n, uids, &err) < 0)
		goto failed;
	if (maildir_quota_add(d->sess.md, (long long)a->bytes,
	    (long long)a->n) < 0)
		log_warn("%s: update %s: %m", d->sess.user, MAILDIR_QUOTA_FILE);
	vbuf_init(&b, 64, VBUF_NOLIMIT);
	(void)vbuf_appendf(&b, "[APPENDUID %u ", mailbox_uidvalidity(a->mb));
	imap_put_set(&b, uids, a->n);
	(void)vbuf_appends(&b, "] Append completed.");
	imapd_append_abort(d);
	imapd_ok(d, "%s", vbuf_str(&b));
	vbuf_release(&b);
	free(names);
	free(uids);
	return 0;
failed:
	/* committed ones are NULL now; abort drops the rest from tmp/ */
	imapd_append_abort(d);
	free(names);
	free(uids);
	imapd_no_err(d, err);
	return 0;
}

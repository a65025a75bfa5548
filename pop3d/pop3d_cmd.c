/*
 * NAME
 *	pop3d_cmd - the TRANSACTION state: STAT, LIST, RETR, DELE, NOOP,
 *	RSET, TOP, UIDL, CAPA, QUIT (RFC 1939, RFC 2449).
 *
 * DESCRIPTION
 *	Message numbers are 1-based places in the maildrop as it was at
 *	login. A message marked deleted is not shown by STAT, LIST and
 *	UIDL, and is refused by RETR, TOP and DELE, until RSET unmarks it.
 *	Sizes are the octets RETR sends for the message (CR LF line ends,
 *	before dot-stuffing), as the ,W= field or the index knows them.
 *	UIDLs are the message's IMAP UID and the folder's UIDVALIDITY, so
 *	they stay the same from session to session and between POP3 and
 *	IMAP.
 *
 *	Replies are worded as Dovecot's, so clients and log tools that
 *	know Dovecot see what they expect.
 *
 * SECURITY
 *	Arguments are checked by lib/pop3 (plain decimals within the
 *	maildrop) before they index anything.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mailbox.h"
#include "params.h"
#include "pop3.h"
#include "pop3d.h"
#include "stream.h"

/* A message argument: its index (0-based), or -1 after an -ERR reply. */
static long
pop3d_arg_msg(struct pop3d *p, const struct span *arg)
{
	uint32_t n;

	if (!pop3_msgno(arg, p->n, &n)) {
		pop3d_reply(p, "-ERR There's no message %.*s.",
		    (int)(arg->len > 20 ? 20 : arg->len), arg->ptr);
		return -1;
	}
	if (p->mark[n - 1] & POP3D_M_DELETED) {
		pop3d_reply(p, "-ERR Message is deleted.");
		return -1;
	}
	return (long)(n - 1);
}

static void
pop3d_stat(struct pop3d *p)
{
	pop3d_reply(p, "+OK %u %llu", p->n - p->ndeleted,
	    (unsigned long long)p->size);
}

static void
pop3d_list(struct pop3d *p, const struct pop3_cmd *c, int uidl)
{
	const struct mailbox_msg *m;
	char u[POP3_UIDL_SIZE];
	uint32_t i, uv = mailbox_uidvalidity(p->mb);
	long k;

	if (c->argc == 1) {
		if ((k = pop3d_arg_msg(p, &c->argv[0])) < 0)
			return;
		m = mailbox_msg(p->mb, (uint32_t)k);
		pop3_uidl(m->uid, uv, u);
		if (uidl)
			pop3d_reply(p, "+OK %ld %s", k + 1, u);
		else
			pop3d_reply(p, "+OK %ld %llu", k + 1,
			    (unsigned long long)m->vsize);
		return;
	}
	if (uidl)
		stream_puts(p->s, "+OK\r\n");
	else
		stream_printf(p->s, "+OK %u messages:\r\n", p->n - p->ndeleted);
	for (i = 0; i < p->n; i++) {
		if (p->mark[i] & POP3D_M_DELETED)
			continue;
		m = mailbox_msg(p->mb, i);
		if (uidl) {
			pop3_uidl(m->uid, uv, u);
			stream_printf(p->s, "%u %s\r\n", i + 1, u);
		} else
			stream_printf(p->s, "%u %llu\r\n", i + 1,
			    (unsigned long long)m->vsize);
	}
	stream_puts(p->s, ".\r\n");
}

/* RETR (lines < 0) and TOP: -1 ends the session. */
static int
pop3d_retr(struct pop3d *p, const struct pop3_cmd *c, int64_t lines)
{
	const struct mailbox_msg *m;
	uint64_t octets;
	char *err = NULL;
	long k;
	int fd, r;

	if ((k = pop3d_arg_msg(p, &c->argv[0])) < 0)
		return 0;
	m = mailbox_msg(p->mb, (uint32_t)k);
	if ((r = mailbox_msg_open(p->mb, m->uid, &fd, &err)) <= 0) {
		if (r < 0) {
			log_error("%s: %s", p->sess.user, err);
			free(err);
			pop3d_reply(p, "-ERR [SYS/TEMP] Cannot read the "
			    "message.");
		} else
			pop3d_reply(p, "-ERR Message %ld no longer exists "
			    "(deleted by another session).", k + 1);
		return 0;
	}
	if (lines < 0)
		pop3d_reply(p, "+OK %llu octets", (unsigned long long)m->vsize);
	else
		pop3d_reply(p, "+OK");
	r = pop3d_send_msg(p, fd, lines, &octets);
	close(fd);
	if (r < 0) {
		log_error("%s: read message %u: %m", p->sess.user, m->uid);
		return -1;
	}
	if (lines < 0) {
		p->mark[k] |= POP3D_M_RETRIEVED;
		p->retr_n++;
		p->retr_bytes += octets;
	} else {
		p->top_n++;
		p->top_bytes += octets;
	}
	return 0;
}

static void
pop3d_dele(struct pop3d *p, const struct pop3_cmd *c)
{
	long k;

	if ((k = pop3d_arg_msg(p, &c->argv[0])) < 0)
		return;
	p->mark[k] |= POP3D_M_DELETED;
	p->ndeleted++;
	p->size -= mailbox_msg(p->mb, (uint32_t)k)->vsize;
	pop3d_reply(p, "+OK Marked to be deleted.");
}

static void
pop3d_rset(struct pop3d *p)
{
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		if (p->mark[i] & POP3D_M_DELETED)
			p->size += mailbox_msg(p->mb, i)->vsize;
		p->mark[i] &= ~POP3D_M_DELETED;
	}
	p->ndeleted = 0;
	pop3d_reply(p, "+OK");
}

static int
pop3d_quit(struct pop3d *p)
{
	p->quit = 1;
	if (pop3d_update(p) < 0) {
		pop3d_reply(p, "-ERR [SYS/TEMP] Failed to delete messages.");
		return -1;
	}
	if (p->expunged > 0)
		pop3d_reply(p, "+OK Logging out, messages deleted.");
	else
		pop3d_reply(p, "+OK Logging out.");
	return -1;
}

/* A bad command, answered: -1 when it was one too many. */
static int	pop3d_bad(struct pop3d *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
pop3d_bad(struct pop3d *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3d_vreply(p, fmt, ap);
	va_end(ap);
	if (++p->bad < var_pop3d_hard_error_limit)
		return 0;
	pop3d_reply(p, "-ERR Too many bad commands.");
	return -1;
}

int
pop3d_command(struct pop3d *p, const char *line, size_t len)
{
	struct pop3_cmd c;
	uint64_t lines;
	int r;

	switch ((r = pop3_cmd_parse(line, len, &c))) {
	case POP3_CMD_OK:
		break;
	case POP3_CMD_ARGS:
		return pop3d_bad(p, "-ERR %s: Invalid arguments.", c.name);
	default:
		return pop3d_bad(p, "-ERR Unknown command.");
	}
	switch (c.verb) {
	case POP3_STAT:
		pop3d_stat(p);
		return 0;
	case POP3_LIST:
		pop3d_list(p, &c, 0);
		return 0;
	case POP3_UIDL:
		pop3d_list(p, &c, 1);
		return 0;
	case POP3_RETR:
		return pop3d_retr(p, &c, -1);
	case POP3_TOP:
		if (!pop3_count(&c.argv[1], &lines) || lines > INT64_MAX)
			return pop3d_bad(p, "-ERR %s: Invalid number of lines.",
			    c.name);
		return pop3d_retr(p, &c, (int64_t)lines);
	case POP3_DELE:
		pop3d_dele(p, &c);
		return 0;
	case POP3_RSET:
		pop3d_rset(p);
		return 0;
	case POP3_NOOP:
		pop3d_reply(p, "+OK");
		return 0;
	case POP3_CAPA:
		pop3_capa(p->s, 0);
		return 0;
	case POP3_QUIT:
		return pop3d_quit(p);
	case POP3_USER:
	case POP3_PASS:
	case POP3_AUTH:
	case POP3_APOP:
		return pop3d_bad(p, "-ERR %s: Already logged in.", c.name);
	case POP3_STLS:
		return pop3d_bad(p, "-ERR %s: Not allowed after login.",
		    c.name);
	default:
		return pop3d_bad(p, "-ERR Unknown command.");
	}
}

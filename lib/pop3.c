/*
 * NAME
 *	pop3 - POP3 command lines, message numbers, capabilities; see
 *	pop3.h.
 *
 * SECURITY
 *	Every byte of the line is looked at within len; nothing is copied.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pop3.h"
#include "sasl.h"
#include "stream.h"

static const struct {
	const char	*name;
	enum pop3_verb	 verb;
	int		 min, max;	/* arguments; -1: the rest of the line */
} pop3_verbs[] = {
	{ "USER", POP3_USER, 1, -1 },
	{ "PASS", POP3_PASS, 1, -1 },
	{ "AUTH", POP3_AUTH, 0, 2 },
	{ "STLS", POP3_STLS, 0, 0 },
	{ "CAPA", POP3_CAPA, 0, 0 },
	{ "QUIT", POP3_QUIT, 0, 0 },
	{ "NOOP", POP3_NOOP, 0, 0 },
	{ "STAT", POP3_STAT, 0, 0 },
	{ "LIST", POP3_LIST, 0, 1 },
	{ "RETR", POP3_RETR, 1, 1 },
	{ "DELE", POP3_DELE, 1, 1 },
	{ "RSET", POP3_RSET, 0, 0 },
	{ "TOP", POP3_TOP, 2, 2 },
	{ "UIDL", POP3_UIDL, 0, 1 },
	{ "APOP", POP3_APOP, 2, 2 },
};

int
pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *c)
{
	const char *p = line, *end = line + len, *sp;
	size_t vlen, i;
	int max;

	memset(c, 0, sizeof(*c));
	c->name = "?";
	c->verb = POP3_UNKNOWN;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return POP3_CMD_BADCHAR;
	if (len == 0)
		return POP3_CMD_EMPTY;
	if ((sp = memchr(p, ' ', len)) == NULL)
		sp = end;
	vlen = (size_t)(sp - p);
	for (i = 0; i < sizeof(pop3_verbs) / sizeof(pop3_verbs[0]); i++)
		if (strlen(pop3_verbs[i].name) == vlen &&
		    strncasecmp(pop3_verbs[i].name, p, vlen) == 0)
			break;
	if (i == sizeof(pop3_verbs) / sizeof(pop3_verbs[0]))
		return POP3_CMD_OK;	/* unknown: the caller says so */
	c->verb = pop3_verbs[i].verb;
	c->name = pop3_verbs[i].name;
	max = pop3_verbs[i].max;
	p = sp;
	if (max < 0) {
		/* USER, PASS: the rest of the line, spaces and all */
		if (p == end || p + 1 == end)
			return POP3_CMD_ARGS;
		c->argv[0].ptr = p + 1;
		c->argv[0].len = (size_t)(end - p - 1);
		c->argc = 1;
		return POP3_CMD_OK;
	}
	while (p < end) {
		p++;		/* the space */
		if (c->argc == max)
			return POP3_CMD_ARGS;
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		if (sp == p)
			return POP3_CMD_ARGS;	/* two spaces, or a last one */
		c->argv[c->argc].ptr = p;
		c->argv[c->argc].len = (size_t)(sp - p);
		c->argc++;
		p = sp;
	}
	if (c->argc < pop3_verbs[i].min)
		return POP3_CMD_ARGS;
	return POP3_CMD_OK;
}

/* A plain decimal (no sign, no leading zero), at most max. */
static int
pop3_decimal(const struct span *s, uint64_t max, uint64_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	if (s->len == 0 || s->len > 20 || (s->ptr[0] == '0' && s->len > 1))
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->ptr[i] < '0' || s->ptr[i] > '9')
			return 0;
		if (v > (max - (uint64_t)(s->ptr[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s->ptr[i] - '0');
	}
	*v_r = v;
	return 1;
}

int
pop3_msgno(const struct span *s, uint32_t max, uint32_t *n_r)
{
	uint64_t v;

	if (!pop3_decimal(s, UINT32_MAX, &v) || v < 1 || v > max)
		return 0;
	*n_r = (uint32_t)v;
	return 1;
}

int
pop3_count(const struct span *s, uint64_t *n_r)
{
	return pop3_decimal(s, UINT64_MAX, n_r);
}

void
pop3_capa(struct stream *s, int flags)
{
	stream_puts(s, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
	    "PIPELINING\r\nAUTH-RESP-CODE\r\n");
	if (flags & POP3_CAPA_LOGIN)
		stream_puts(s, "USER\r\nSASL " SASL_MECHS "\r\n");
	if (flags & POP3_CAPA_STLS)
		stream_puts(s, "STLS\r\n");
	stream_puts(s, "IMPLEMENTATION Postern\r\n.\r\n");
}

void
pop3_uidl(uint32_t uid, uint32_t uidvalidity, char buf[POP3_UIDL_SIZE])
{
	/* as Dovecot's default pop3_uidl_format, %08Xu%08Xv */
	snprintf(buf, POP3_UIDL_SIZE, "%08X%08X", uid, uidvalidity);
}

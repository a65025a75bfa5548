/*
 * NAME
 *	ctl_sendmail_msg - read the message from standard input into a
 *	spool ready for SMTP DATA
 *
 * DESCRIPTION
 *	Lines end in LF (a CR before the LF goes with it) and are written
 *	with CR LF; a last line without LF gets one. A line that begins
 *	with a dot is dot-stuffed. A line holding only a dot ends the
 *	input, as in sendmail, unless -i (-oi) was given, in which case it
 *	is an ordinary line. Nothing else is changed: bare CRs inside a
 *	line, 8-bit bytes and long lines go through as they are, for smtpd
 *	to judge.
 *
 *	The header section (up to the first empty line, or the first line
 *	that is not a header field, or header_size_limit bytes) is held in
 *	memory so that -t can take the recipients from To:, Cc: and Bcc:
 *	(from Resent-To:, Resent-Cc: and Resent-Bcc: instead when the
 *	message has Resent- fields, as Postfix does) and drop the Bcc:
 *	fields, and so that a From: field can be added when the message has
 *	none, naming the sender and the full name (-F, else $NAME, else the
 *	password file's). When the header section ends at a line that is
 *	not a header field, an empty line is put before that line so the
 *	message stays well formed.
 *
 *	The spool is an unlinked file in $TMPDIR (or /tmp), so nothing is
 *	left behind however the command ends.
 *
 * SECURITY
 *	Input is the user's own; lines are read in bounded pieces
 *	(SENDMAIL_CHUNK), the header section is bounded by
 *	header_size_limit and the message by message_size_limit.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_sendmail.h"
#include "hdr.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

#define SENDMAIL_CHUNK		(64 * 1024)	/* longest piece */

struct sendmail_reader {
	int		 fd;
	char		 buf[SENDMAIL_CHUNK];
	size_t		 pos, len;
	int		 eof;
	int		 err;		/* errno of a failed read */
};

/* A line read in pieces: the bytes, and whether the LF was seen. */
struct sendmail_line {
	struct vbuf	*b;
	int		 nl;		/* ended by LF */
	int		 first;		/* its line's first piece */
};

struct sendmail_out {
	FILE		*fp;
	unsigned long long size;
	int		 eightbit;
	long long	 limit;		/* 0: none */
	int		 over;
};

/*
 * The next piece of a line: up to LF (not kept, nor a CR before it) or
 * SENDMAIL_CHUNK bytes. 1, 0 at end of input, -1 on a read error.
 */
static int
sendmail_read_piece(struct sendmail_reader *rd, struct sendmail_line *l)
{
	ssize_t n;
	char c;

	l->first = l->nl;
	vbuf_reset(l->b);
	l->nl = 0;
	for (;;) {
		if (rd->pos == rd->len) {
			if (rd->eof)
				break;
			n = read(rd->fd, rd->buf, sizeof(rd->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rd->err = errno;
				return -1;
			}
			if (n == 0) {
				rd->eof = 1;
				break;
			}
			rd->pos = 0;
			rd->len = (size_t)n;
		}
		c = rd->buf[rd->pos++];
		if (c == '\n') {
			l->nl = 1;
			if (vbuf_len(l->b) > 0 &&
			    vbuf_str(l->b)[vbuf_len(l->b) - 1] == '\r')
				vbuf_truncate(l->b, vbuf_len(l->b) - 1);
			return 1;
		}
		vbuf_appendc(l->b, c);
		if (vbuf_len(l->b) >= SENDMAIL_CHUNK) {
			/* keep a CR that may belong to the CR LF to come */
			if (c == '\r') {
				vbuf_truncate(l->b, vbuf_len(l->b) - 1);
				rd->pos--;
			}
			return 1;
		}
	}
	if (vbuf_len(l->b) > 0) {
		l->nl = 1;	/* the last line, without its LF */
		return 1;
	}
	return 0;
}

/* Write len bytes of a line (dot-stuffed when it starts one) and CR LF. */
static void
sendmail_out_line(struct sendmail_out *o, const char *s, size_t len,
    int first, int nl)
{
	size_t i;

	if (first && len > 0 && s[0] == '.')
		putc('.', o->fp);
	fwrite(s, 1, len, o->fp);
	if (nl)
		fputs("\r\n", o->fp);
	o->size += len + (nl ? 2 : 0);
	for (i = 0; i < len && !o->eightbit; i++)
		if ((unsigned char)s[i] >= 0x80)
			o->eightbit = 1;
	if (o->limit > 0 && o->size > (unsigned long long)o->limit)
		o->over = 1;
}

/* A header field's first line: a field name and a colon. */
static int
sendmail_is_field(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] > ' ' && s[i] < 127 && s[i] != ':'; i++)
		;
	if (i == 0)
		return 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < len && s[i] == ':';
}

/* The field name of a field's text (up to the colon, without blanks). */
static int
sendmail_field_is(const char *field, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(field, name, n) != 0)
		return 0;
	while (field[n] == ' ' || field[n] == '\t')
		n++;
	return field[n] == ':';
}

static int
sendmail_is_rcpt_field(const char *f, int resent)
{
	if (resent)
		return sendmail_field_is(f, "Resent-To") ||
		    sendmail_field_is(f, "Resent-Cc") ||
		    sendmail_field_is(f, "Resent-Bcc");
	return sendmail_field_is(f, "To") || sendmail_field_is(f, "Cc") ||
	    sendmail_field_is(f, "Bcc");
}

/* The full name for a From: field we add; "" for none. */
static const char *
sendmail_fullname(const struct sendmail_opts *opts, char *buf, size_t len)
{
	struct passwd *pw;
	const char *s, *login;
	size_t n = 0;

	if (opts->fullname != NULL)
		return opts->fullname;
	if ((s = getenv("NAME")) != NULL && *s != '\0')
		return s;
	if ((pw = getpwuid(geteuid())) == NULL || pw->pw_gecos == NULL)
		return "";
	/* the first comma-separated GECOS field; & is the login name */
	login = pw->pw_name;
	for (s = pw->pw_gecos; *s != '\0' && *s != ',' && n + 1 < len; s++) {
		if (*s == '&') {
			for (; *login != '\0' && n + 1 < len; login++, n++)
				buf[n] = login == pw->pw_name ? (char)toupper(
				    (unsigned char)*login) : *login;
			login = pw->pw_name;
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
sendmail_base64(struct vbuf *b, const unsigned char *s, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;

	for (i = 0; i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		vbuf_appendc(b, tab[(v >> 18) & 63]);
		vbuf_appendc(b, tab[(v >> 12) & 63]);
		vbuf_appendc(b, i + 1 < len ? tab[(v >> 6) & 63] : '=');
		vbuf_appendc(b, i + 2 < len ? tab[v & 63] : '=');
	}
}

/*
 * From: Full Name <addr>. A name that is not plain words is quoted,
 * one with 8-bit bytes is an RFC 2047 encoded word; control
 * characters are dropped.
 */
static void
sendmail_from_field(struct vbuf *b, const char *name, const char *addr)
{
	const char *p;
	int plain = 1, eight = 0;
	char clean[256];
	size_t n = 0;

	for (p = name; *p != '\0' && n + 1 < sizeof(clean); p++)
		if ((unsigned char)*p >= ' ' && *p != 127)
			clean[n++] = *p;
	clean[n] = '\0';
	for (p = clean; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			eight = 1;
		else if (!isalnum((unsigned char)*p) && *p != ' ' &&
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) == NULL)
			plain = 0;
	}
	vbuf_appends(b, "From: ");
	if (clean[0] == '\0') {
		vbuf_appends(b, addr);
		return;
	}
	if (eight) {
		vbuf_appends(b, "=?UTF-8?B?");
		sendmail_base64(b, (const unsigned char *)clean, n);
		vbuf_appends(b, "?=");
	} else if (plain)
		vbuf_appends(b, clean);
	else {
		vbuf_appendc(b, '"');
		for (p = clean; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				vbuf_appendc(b, '\\');
			vbuf_appendc(b, *p);
		}
		vbuf_appendc(b, '"');
	}
	vbuf_appendf(b, " <%s>", addr);
}

/* Split the held header section into fields (each with its CRLFs). */
static size_t
sendmail_fields(struct vbuf *hdr, char ***fields_r)
{
	char **f = NULL;
	const char *s = vbuf_str(hdr), *end, *start;
	size_t n = 0, cap = 0;

	for (start = s; *start != '\0'; start = end) {
		end = start;
		/* a field runs to a line end not followed by white space */
		for (;;) {
			end = strstr(end, "\r\n");
			if (end == NULL) {
				end = start + strlen(start);
				break;
			}
			end += 2;
			if (*end != ' ' && *end != '\t')
				break;
		}
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			f = xreallocarray(f, cap, sizeof(*f));
		}
		f[n++] = xstrndup(start, (size_t)(end - start));
	}
	*fields_r = f;
	return n;
}

/*
 * Take the recipients from the fields, write the header section out.
 * 0, or a sysexits code after a message.
 */
static int
sendmail_headers_out(struct sendmail_out *o, struct vbuf *hdr,
    const struct sendmail_opts *opts, const char *from_addr,
    struct sendmail_rcpts *rcpts)
{
	char **fields, namebuf[256], *colon, *p, *eol;
	struct vbuf *from;
	const char *err;
	size_t n, i;
	int resent = 0, have_from = 0, r = 0;

	n = sendmail_fields(hdr, &fields);
	for (i = 0; i < n; i++) {
		if (strncasecmp(fields[i], "Resent-", 7) == 0)
			resent = 1;
		if (sendmail_field_is(fields[i], "From"))
			have_from = 1;
	}
	if (!have_from) {
		from = vbuf_new(256, VBUF_NOLIMIT);
		sendmail_from_field(from, sendmail_fullname(opts, namebuf,
		    sizeof(namebuf)), from_addr);
		sendmail_out_line(o, vbuf_str(from), vbuf_len(from), 1, 1);
		vbuf_free(&from);
	}
	for (i = 0; i < n; i++) {
		if (r == 0 && opts->extract &&
		    sendmail_is_rcpt_field(fields[i], resent)) {
			colon = strchr(fields[i], ':');
			if (sendmail_addr_list(colon + 1, strlen(colon + 1),
			    sendmail_origin(), rcpts, &err) < 0) {
				p = xstrndup(fields[i], strcspn(fields[i],
				    "\r\n"));
				sendmail_warn("%s: %s", p, err);
				free(p);
				r = EX_DATAERR;
			}
		}
		if (!(opts->extract && (sendmail_field_is(fields[i], "Bcc") ||
		    sendmail_field_is(fields[i], "Resent-Bcc")))) {
			/* each line of the field, dot-stuffed */
			for (p = fields[i]; *p != '\0'; p = eol) {
				eol = strstr(p, "\r\n");
				if (eol == NULL)
					eol = p + strlen(p);
				sendmail_out_line(o, p, (size_t)(eol - p), 1,
				    1);
				if (*eol != '\0')
					eol += 2;
			}
		}
		free(fields[i]);
	}
	free(fields);
	return r;
}

/*
 * Keep a line of the header section: 1 when it is a field's first or
 * next line and fits within header_size_limit, else 0 (it begins the
 * body).
 */
static int
sendmail_header_line(struct vbuf *hdr, const char *s, size_t len, int first,
    int nl)
{
	if (!first || !nl)
		return 0;
	if (!sendmail_is_field(s, len) && !(len > 0 && (s[0] == ' ' ||
	    s[0] == '\t') && vbuf_len(hdr) > 0))
		return 0;
	if (len + 2 > hdr->limit - vbuf_len(hdr))
		return 0;
	vbuf_append(hdr, s, len);
	vbuf_append(hdr, "\r\n", 2);
	return 1;
}

/* A temporary file that is gone as soon as it is closed. */
static FILE *
sendmail_spool(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	FILE *fp;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = xasprintf("%s/sendmail.XXXXXXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		sendmail_warn("cannot make a temporary file in %s: %s", dir,
		    strerror(errno));
		free(path);
		return NULL;
	}
	unlink(path);
	free(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	return fp;
}

int
sendmail_msg_read(int fd, const struct sendmail_opts *opts,
    const char *from_addr, struct sendmail_rcpts *rcpts,
    struct sendmail_msg *msg)
{
	struct sendmail_reader *rd = xcalloc(1, sizeof(*rd));
	struct sendmail_line l;
	struct sendmail_out o;
	struct vbuf *hdr;
	int r, in_hdr = 1, ret = 0, sep = 0;

	memset(&o, 0, sizeof(o));
	if ((o.fp = sendmail_spool()) == NULL) {
		free(rd);
		return EX_TEMPFAIL;
	}
	o.limit = var_message_size_limit;
	rd->fd = fd;
	l.b = vbuf_new(256, SENDMAIL_CHUNK + 1);
	l.nl = 1;
	hdr = vbuf_new(1024, (size_t)var_header_size_limit);

	while ((r = sendmail_read_piece(rd, &l)) > 0 && !o.over) {
		const char *s = vbuf_str(l.b);
		size_t len = vbuf_len(l.b);

		if (l.first && l.nl && len == 1 && s[0] == '.' &&
		    !opts->ignore_dots) {
			break;		/* a lone dot: the end */
		}
		if (in_hdr) {
			if (l.first && l.nl && len == 0)
				sep = 1;	/* the empty line goes out */
			else if (sendmail_header_line(hdr, s, len, l.first,
			    l.nl))
				continue;
			else
				sep = 2;	/* the body starts here */
			in_hdr = 0;
			if ((ret = sendmail_headers_out(&o, hdr, opts,
			    from_addr, rcpts)) != 0)
				break;
			sendmail_out_line(&o, "", 0, 1, 1);
			if (sep == 1)
				continue;
		}
		sendmail_out_line(&o, s, len, l.first, l.nl);
	}
	if (ret == 0 && r < 0) {
		sendmail_warn("reading the message: %s", strerror(rd->err));
		ret = EX_IOERR;
	}
	if (ret == 0 && in_hdr)
		ret = sendmail_headers_out(&o, hdr, opts, from_addr, rcpts);
	if (ret == 0 && o.over) {
		sendmail_warn("message too large: over message_size_limit "
		    "(%lld bytes)", o.limit);
		ret = EX_DATAERR;
	}
	if (ret == 0 && (fflush(o.fp) == EOF || ferror(o.fp) ||
	    fseeko(o.fp, 0, SEEK_SET) < 0)) {
		sendmail_warn("writing the temporary file: %s",
		    strerror(errno));
		ret = errno == ENOSPC || errno == EDQUOT ? EX_TEMPFAIL :
		    EX_IOERR;
	}
	vbuf_free(&l.b);
	vbuf_free(&hdr);
	free(rd);
	msg->spool = o.fp;
	msg->size = o.size;
	msg->eightbit = o.eightbit;
	return ret;
}

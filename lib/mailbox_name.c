/*
 * NAME
 *	mailbox_name - Maildir file names: the unique part, the ":2,"
 *	flags, the date; see mailbox.h.
 *
 * DESCRIPTION
 *	A name is UNIQUE[,S=SIZE][,W=VSIZE][:2,FLAGS] (the Maildir
 *	specification, Maildir++ and Dovecot's ,W=). The unique part is
 *	everything before the first ':' and never changes while the
 *	message lives; FLAGS are letters in ASCII order, the upper case
 *	ones defined by the specification (D F P R S T), lower case ones
 *	other programs' keywords, which are kept as they are.
 *
 * SECURITY
 *	Names come from directory listings of a directory the mailbox
 *	owner (and his mail clients) can write: they are parsed with
 *	bounds, never trusted to hold what they should.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mailbox.h"

static const struct {
	char		 letter;
	uint32_t	 flag;
} mailbox_letters[] = {
	{ 'D', MAILBOX_F_DRAFT },
	{ 'F', MAILBOX_F_FLAGGED },
	{ 'P', MAILBOX_F_PASSED },
	{ 'R', MAILBOX_F_ANSWERED },
	{ 'S', MAILBOX_F_SEEN },
	{ 'T', MAILBOX_F_DELETED },
};
#define MAILBOX_NLETTERS (sizeof(mailbox_letters) / sizeof(mailbox_letters[0]))

size_t
mailbox_name_baselen(const char *name)
{
	return strcspn(name, ":");
}

/* The letters after ":2,", or NULL when the name has no such info. */
static const char *
mailbox_name_info(const char *name)
{
	const char *p = strchr(name, ':');

	if (p == NULL || strncmp(p, ":2,", 3) != 0)
		return NULL;
	return p + 3;
}

uint32_t
mailbox_name_flags(const char *name)
{
	const char *info = mailbox_name_info(name), *p;
	uint32_t flags = 0;
	size_t i;

	if (info == NULL)
		return 0;
	for (p = info; *p != '\0'; p++)
		for (i = 0; i < MAILBOX_NLETTERS; i++)
			if (*p == mailbox_letters[i].letter)
				flags |= mailbox_letters[i].flag;
	return flags;
}

int
mailbox_name_make(const char *oldname, uint32_t flags, char *buf,
    size_t len)
{
	const char *info = mailbox_name_info(oldname), *p;
	char letters[128];
	size_t base = mailbox_name_baselen(oldname), n = 0, i;
	int c, known;

	/* every letter once, in ASCII order: ours, then the others kept */
	for (c = 0x21; c < 0x7f; c++) {
		known = 0;
		for (i = 0; i < MAILBOX_NLETTERS; i++) {
			if (mailbox_letters[i].letter != c)
				continue;
			known = 1;
			if ((flags & mailbox_letters[i].flag) != 0)
				letters[n++] = (char)c;
		}
		if (!known && c != ',' && c != ':' && c != '/' &&
		    info != NULL && strchr(info, c) != NULL)
			letters[n++] = (char)c;
	}
	letters[n] = '\0';
	if (base > 255 || (size_t)snprintf(buf, len, "%.*s:2,%s", (int)base,
	    oldname, letters) >= len)
		return -1;
	for (p = buf; *p != '\0'; p++)
		if (*p == '/')
			return -1;
	return 0;
}

int
mailbox_name_time(const char *name, int64_t *t_r)
{
	const char *p;
	int64_t t = 0;

	for (p = name; *p >= '0' && *p <= '9'; p++) {
		if (p - name >= 12)
			return 0;	/* no sane date */
		t = t * 10 + (*p - '0');
	}
	if (p == name || *p != '.')
		return 0;
	*t_r = t;
	return 1;
}

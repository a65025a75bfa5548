/*
 * NAME
 *	local_loop - mail loop detection by Delivered-To:.
 *
 * DESCRIPTION
 *	Every delivery prepends "Delivered-To: RCPT". A message that
 *	already carries one for the recipient it is being delivered to has
 *	been here before and went round (a forward that leads back): it
 *	fails with 5.4.6 instead of circling until hopcount_limit. The
 *	header section is scanned once per request (lib/hdr) and the
 *	values are kept as lookup keys (lower case, without angle
 *	brackets or comments around a bare address).
 *
 * SECURITY
 *	The header section is the network's. lib/hdr bounds each field;
 *	at most LOCAL_DT_MAX values are kept, and reading stops at the end
 *	of the header section, so the cost is bounded by the header size
 *	smtpd accepted.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "local.h"
#include "xmalloc.h"

#define LOCAL_DT_MAX	1000
#define LOCAL_READ	(64 * 1024)

struct local_dt {
	char	**v;
	size_t	  n;
};

/* The lookup key of an address as written in a header or a request. */
static int
local_loop_key(const char *s, size_t len, char *key, size_t keylen)
{
	struct addr a;
	enum addr_err e;
	char buf[ADDR_TEXT_MAX + 4];

	while (len > 0 && strchr(" \t\r\n", s[0]) != NULL)
		s++, len--;
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		s++, len -= 2;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (addr_parse_mailbox(buf, ADDR_F_SMTPUTF8, &a, &e) == 0)
		return addr_key(&a, key, keylen);
	/* not an address we can parse: compare the text, lower-cased */
	if (strlcpy(key, buf, keylen) >= keylen)
		return -1;
	addr_lower(key);
	return 0;
}

static int
local_loop_field(void *arg, const char *name, const char *value,
    size_t len, int truncated)
{
	struct local_dt *dt = arg;
	char key[ADDR_TEXT_MAX];

	if (!hdr_name_is(name, "Delivered-To") || truncated ||
	    dt->n >= LOCAL_DT_MAX)
		return 0;
	if (local_loop_key(value, len, key, sizeof(key)) < 0)
		return 0;
	dt->v = xreallocarray(dt->v, dt->n + 1, sizeof(*dt->v));
	dt->v[dt->n++] = xstrdup(key);
	return 0;
}

int
local_loop_scan(int fd, uint64_t offset, uint64_t size,
    struct local_dt **dt_r)
{
	static char buf[LOCAL_READ];	/* as local_copy's, for life */
	struct hdr_scan hs;
	struct local_dt *dt;
	uint64_t done = 0;
	size_t want;
	ssize_t n;
	int saved;

	dt = xcalloc(1, sizeof(*dt));
	hdr_scan_init(&hs, local_loop_field, dt);
	while (done < size && !hs.done) {
		want = size - done > LOCAL_READ ? LOCAL_READ :
		    (size_t)(size - done);
		n = pread(fd, buf, want, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* the file is shorter */
			goto fail;
		}
		(void)hdr_scan_feed(&hs, buf, (size_t)n);
		done += (uint64_t)n;
	}
	(void)hdr_scan_finish(&hs);
	hdr_scan_free(&hs);
	*dt_r = dt;
	return 0;
fail:
	saved = errno;
	hdr_scan_free(&hs);
	local_loop_free(&dt);
	errno = saved;
	return -1;
}

int
local_loop_check(const struct local_dt *dt, const char *rcpt)
{
	char key[ADDR_TEXT_MAX];
	size_t i;

	if (dt == NULL || local_loop_key(rcpt, strlen(rcpt), key,
	    sizeof(key)) < 0)
		return 0;
	for (i = 0; i < dt->n; i++)
		if (strcmp(dt->v[i], key) == 0)
			return 1;
	return 0;
}

size_t
local_loop_count(const struct local_dt *dt)
{
	return dt != NULL ? dt->n : 0;
}

void
local_loop_free(struct local_dt **dtp)
{
	struct local_dt *dt = *dtp;
	size_t i;

	if (dt == NULL)
		return;
	for (i = 0; i < dt->n; i++)
		free(dt->v[i]);
	free(dt->v);
	free(dt);
	*dtp = NULL;
}

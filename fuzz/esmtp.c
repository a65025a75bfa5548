/*
 * fuzz/esmtp - ESMTP MAIL/RCPT parameters, xtext, NOTIFY and ORCPT
 * (lib/esmtp), and the DSN values qmgr reads back (lib/dsn).
 *
 * Input: the text of a parameter list as it follows a path. Each
 * parameter value is then put through the value parsers smtpd and qmgr
 * apply. Properties:
 * - keywords are upper case, unique, at most ESMTP_MAX_PARAMS of them;
 *   values have no space, '=' or control character;
 * - xtext: decode(encode(x)) == x for printable x, and a decoded value
 *   re-encoded decodes to itself;
 * - an ORCPT that esmtp_orcpt_valid accepts, dsn_orcpt_decode decodes.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "esmtp.h"
#include "fuzz.h"

static void
check_xtext(const char *v)
{
	char dec[1024], enc[3 * 1024 + 1], again[1024];
	int n, m;

	if ((n = esmtp_xtext_decode(v, dec, sizeof(dec))) < 0) {
		FUZZ_CHECK(strlen(v) >= sizeof(dec) || !esmtp_xtext_valid(v));
		return;
	}
	FUZZ_CHECK((size_t)n == strlen(dec));
	for (m = 0; m < n; m++)
		FUZZ_CHECK(dec[m] >= 32 && dec[m] <= 126);
	FUZZ_CHECK(esmtp_xtext_encode(dec, enc, sizeof(enc)) >= 0);
	/* esmtp_xtext_valid takes up to 1023 bytes of xtext */
	FUZZ_CHECK(esmtp_xtext_valid(enc) || strlen(enc) >= 1024);
	m = esmtp_xtext_decode(enc, again, sizeof(again));
	FUZZ_CHECK(m == n && memcmp(dec, again, (size_t)n) == 0);
}

static void
check_notify(const char *v)
{
	int flags = 0;

	if (esmtp_notify_parse(v, &flags) < 0)
		return;
	FUZZ_CHECK(flags != 0);
	FUZZ_CHECK(flags == ESMTP_NOTIFY_NEVER ||
	    (flags & ESMTP_NOTIFY_NEVER) == 0);
	/* what qmgr makes of it as stored */
	(void)dsn_notify_wants(v, DSN_ACTION_FAILED);
	(void)dsn_notify_wants(v, DSN_ACTION_DELIVERED);
}

static void
check_orcpt(const char *v)
{
	char type[64], addr[ESMTP_ORCPT_MAX * 4 + 1];
	size_t i;
	int ok = esmtp_orcpt_valid(v) == 0;

	if (dsn_orcpt_decode(v, type, sizeof(type), addr, sizeof(addr)) < 0) {
		/* utf-8-addr-xtext is more than xtext; plain types agree */
		if (ok && strncasecmp(v, "utf-8;", 6) != 0 &&
		    strncasecmp(v, "utf-8-", 6) != 0 && strchr(v, ';') -
		    v < (long)sizeof(type))
			FUZZ_CHECK(!"valid ORCPT does not decode");
		return;
	}
	for (i = 0; type[i] != '\0'; i++)
		FUZZ_CHECK(!isupper((unsigned char)type[i]));
	for (i = 0; addr[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)addr[i] >= 0x20 &&
		    addr[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esmtp_param params[ESMTP_MAX_PARAMS];
	enum dsn_action act;
	const char *err = NULL;
	char *buf, *orig;
	int n, i, j;

	fuzz_quiet_log();
	if ((buf = malloc(size + 1)) == NULL || (orig = malloc(size + 1))
	    == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	memcpy(orig, buf, size + 1);

	/* the whole input as a value of each kind, too */
	check_xtext(orig);
	check_notify(orig);
	check_orcpt(orig);
	if (dsn_status_valid(orig))
		FUZZ_CHECK(strlen(orig) < DSN_STATUS_SIZE &&
		    strchr("245", orig[0]) != NULL);
	if (dsn_action_parse(orig, &act) == 0)
		FUZZ_CHECK(strcasecmp(dsn_action_name(act), orig) == 0);

	n = esmtp_params_parse(buf, params, ESMTP_MAX_PARAMS, &err);
	if (n < 0)
		FUZZ_CHECK(err != NULL && *err != '\0');
	for (i = 0; i < n; i++) {
		const char *k = params[i].keyword, *v = params[i].value;

		FUZZ_CHECK(k[0] != '\0');
		for (j = 0; k[j] != '\0'; j++)
			FUZZ_CHECK(!islower((unsigned char)k[j]));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(params[j].keyword, k) != 0);
		if (v == NULL)
			continue;
		FUZZ_CHECK(v >= buf && v < buf + size);
		FUZZ_CHECK(*v != '\0' && strpbrk(v, " =") == NULL);
		if (strcmp(k, "ENVID") == 0 || strcmp(k, "AUTH") == 0)
			check_xtext(v);
		else if (strcmp(k, "NOTIFY") == 0)
			check_notify(v);
		else if (strcmp(k, "ORCPT") == 0)
			check_orcpt(v);
	}
	free(buf);
	free(orig);
	return 0;
}

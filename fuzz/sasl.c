/*
 * fuzz/sasl - SASL PLAIN and LOGIN on the server side, and strict
 * base64 (lib/sasl), as smtpd (and later pop3d, imapd) decode them.
 *
 * Input: one control byte (bit 0: LOGIN, else PLAIN; bit 1: the first
 * line is an initial response), then response lines separated by LF,
 * fed in order while the exchange wants more. Properties:
 * - base64: a string that decodes is the canonical encoding of what it
 *   decodes to (encode gives it back byte for byte); any bytes encode
 *   and decode back to themselves;
 * - PLAIN agrees with a reference split of the decoded message;
 * - a finished exchange has a user name of 1..AUTH_USER_MAX bytes and a
 *   password of at most AUTH_PASS_MAX, neither holding a NUL;
 * - sasl_server_clear leaves nothing behind.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "sasl.h"

#define MSG_MAX		(2 * AUTH_USER_MAX + AUTH_PASS_MAX + 2)

static void
check_b64(const char *s, size_t len)
{
	static char dec[64 * 1024], enc[4 * 64 * 1024 / 3 + 8];
	size_t n, m;
	int r;

	r = sasl_b64_decode(s, len, dec, sizeof(dec), &n);
	if (r == 0) {
		FUZZ_CHECK(n <= len / 4 * 3);
		FUZZ_CHECK(sasl_b64_encode(dec, n, enc, sizeof(enc)) ==
		    (int)len);
		FUZZ_CHECK(memcmp(enc, s, len) == 0);
	}
	/* the bytes themselves, encoded, come back */
	if (len > sizeof(dec))
		return;
	r = sasl_b64_encode(s, len, enc, sizeof(enc));
	FUZZ_CHECK(r >= 0 && (size_t)r == (len + 2) / 3 * 4);
	FUZZ_CHECK(sasl_b64_encode(s, len, enc, (size_t)r) == -1);
	FUZZ_CHECK(sasl_b64_decode(enc, (size_t)r, dec, sizeof(dec), &m) ==
	    0);
	FUZZ_CHECK(m == len && memcmp(dec, s, len) == 0);
	if (len > 0)
		FUZZ_CHECK(sasl_b64_decode(enc, (size_t)r, dec, len - 1, &m) ==
		    -2);
}

/* What PLAIN must answer for a response, the simple way. */
static int
plain_model(const char *resp, size_t len, char *user)
{
	static char msg[64 * 1024];
	size_t n, zlen, clen, plen;
	const char *a, *b;

	if (len == 1 && resp[0] == '*')
		return SASL_ERR_CANCEL;
	/*
	 * Too long wins over malformed when the result overflows before
	 * the bad byte: the decoder stops there (check_b64 tests it).
	 */
	switch (sasl_b64_decode(resp, len, msg, MSG_MAX, &n)) {
	case -2:
		return SASL_ERR_LONG;
	case -1:
		return SASL_ERR_BASE64;
	}
	if ((a = memchr(msg, '\0', n)) == NULL ||
	    (b = memchr(a + 1, '\0', n - (size_t)(a - msg) - 1)) == NULL)
		return SASL_ERR_SYNTAX;
	zlen = (size_t)(a - msg);
	clen = (size_t)(b - a - 1);
	plen = n - zlen - clen - 2;
	if (clen == 0)
		return SASL_ERR_SYNTAX;
	if (zlen > AUTH_USER_MAX || clen > AUTH_USER_MAX ||
	    plen > AUTH_PASS_MAX)
		return SASL_ERR_LONG;
	if (memchr(b + 1, '\0', plen) != NULL)
		return SASL_ERR_SYNTAX;
	if (zlen > 0 && (zlen != clen || strncasecmp(msg, a + 1, zlen) != 0))
		return SASL_ERR_AUTHZID;
	memcpy(user, a + 1, clen);
	user[clen] = '\0';
	return SASL_DONE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_server s;
	char *buf, *line, *nl, *end, user[AUTH_USER_MAX + 1];
	int ctl, r, want, steps = 0;
	size_t len;

	if (size < 1)
		return 0;
	ctl = data[0];
	if ((buf = malloc(size)) == NULL)
		abort();
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;
	check_b64(buf, size - 1);

	sasl_server_init(&s, ctl & 1 ? SASL_MECH_LOGIN : SASL_MECH_PLAIN);
	line = buf;
	if (ctl & 2) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl != NULL)
			*nl = '\0';
		len = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		/* an initial response is a C string on the command line */
		if (memchr(line, '\0', len) != NULL)
			goto out;
		r = sasl_server_start(&s, line);
		want = ctl & 1 ? -100 : strcmp(line, "*") == 0 ?
		    SASL_ERR_BASE64 : strcmp(line, "=") == 0 ?
		    plain_model("", 0, user) : plain_model(line, len, user);
		line = nl != NULL ? nl + 1 : end;
	} else {
		r = sasl_server_start(&s, NULL);
		FUZZ_CHECK(r == SASL_CONTINUE);
		want = -100;
	}
	if (want != -100) {
		FUZZ_CHECK(r == want);
		if (r == SASL_DONE)
			FUZZ_CHECK(strcmp(s.user, user) == 0);
	}
	while (r == SASL_CONTINUE && line < end && steps++ < 4) {
		FUZZ_CHECK(sasl_server_challenge(&s) != NULL);
		nl = memchr(line, '\n', (size_t)(end - line));
		len = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		want = ctl & 1 ? -100 : plain_model(line, len, user);
		r = sasl_server_step(&s, line, len);
		if (want != -100) {
			FUZZ_CHECK(r == want);
			if (r == SASL_DONE)
				FUZZ_CHECK(strcmp(s.user, user) == 0);
		}
		line = nl != NULL ? nl + 1 : end;
	}
	FUZZ_CHECK(sasl_strerror(r) != NULL);
	if (r == SASL_DONE) {
		FUZZ_CHECK(s.user[0] != '\0');
		FUZZ_CHECK(strlen(s.user) <= AUTH_USER_MAX);
		FUZZ_CHECK(strlen(s.pass) <= AUTH_PASS_MAX);
		/* finished: any further step is out of sequence */
		FUZZ_CHECK(sasl_server_step(&s, "", 0) == SASL_ERR_STATE);
	}
out:
	sasl_server_clear(&s);
	FUZZ_CHECK(s.user[0] == '\0' && s.pass[0] == '\0');
	free(buf);
	return 0;
}

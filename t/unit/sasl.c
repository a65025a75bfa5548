/*
 * Unit tests for lib/sasl: strict base64, the PLAIN and LOGIN exchanges
 * (initial responses, "=" and "*", NUL placement, the authzid policy,
 * limits), and that the credentials are wiped.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sasl.h"
#include "tap.h"

/* base64 decoding: input, expected output (NULL: invalid). */
static const struct {
	const char	*in;
	const char	*out;
	size_t		 outlen;
} b64cases[] = {
	{ "", "", 0 },
	{ "Zg==", "f", 1 },
	{ "Zm8=", "fo", 2 },
	{ "Zm9v", "foo", 3 },
	{ "Zm9vYg==", "foob", 4 },
	{ "Zm9vYmE=", "fooba", 5 },
	{ "Zm9vYmFy", "foobar", 6 },
	{ "AGFsaWNlAHNlY3JldA==", "\0alice\0secret", 13 },
	{ "+/+/", "\xfb\xff\xbf", 3 },
	{ "Zg", NULL, 0 },		/* padding is required */
	{ "Zg=", NULL, 0 },
	{ "Zm9", NULL, 0 },
	{ "Zg==Zg==", NULL, 0 },	/* padding only at the end */
	{ "Z===", NULL, 0 },		/* at most two = */
	{ "=Zg=", NULL, 0 },
	{ "Zm=v", NULL, 0 },		/* nothing after padding */
	{ "Zh==", NULL, 0 },		/* leftover bits not zero */
	{ "Zm9=", NULL, 0 },
	{ "Zm 9v", NULL, 0 },		/* no white space */
	{ "Zm9v\r", NULL, 0 },
	{ "Zm9v\n", NULL, 0 },
	{ "Zm9-", NULL, 0 },		/* not base64url */
	{ "Zm9_", NULL, 0 },
	{ "Zm9v!!!!", NULL, 0 },
	{ "*", NULL, 0 },
};

/* The test input as a printable name. */
static const char *
shown(const char *s)
{
	static char buf[64];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
		buf[i] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void
test_base64(void)
{
	unsigned char out[64], in[256];
	char enc[400];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(b64cases) / sizeof(b64cases[0]); i++) {
		r = sasl_b64_decode(b64cases[i].in, strlen(b64cases[i].in),
		    out, sizeof(out), &n);
		if (b64cases[i].out == NULL) {
			is_int(r, -1, "base64 \"%s\" is refused",
			    shown(b64cases[i].in));
			continue;
		}
		if (is_int(r, 0, "base64 \"%s\" decodes", b64cases[i].in))
			is_mem(out, n, b64cases[i].out, b64cases[i].outlen,
			    "base64 \"%s\": the bytes", b64cases[i].in);
	}
	is_int(sasl_b64_decode("Zm9vYmFy", 8, out, 5, &n), -2,
	    "decoding past the buffer is -2");
	is_int(sasl_b64_decode("Zm9vYmFy", 8, out, 6, &n), 0,
	    "an exact fit decodes");

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (n = 0; n <= sizeof(in); n++) {
		size_t m;

		r = sasl_b64_encode(in, n, enc, sizeof(enc));
		if (r != (int)(4 * ((n + 2) / 3)) ||
		    sasl_b64_decode(enc, (size_t)r, out, sizeof(out), &m) !=
		    (n <= sizeof(out) ? 0 : -2) ||
		    (n <= sizeof(out) && (m != n || memcmp(out, in, n) != 0)))
			break;
	}
	is_int((long long)n, (long long)sizeof(in) + 1,
	    "encode and decode round trip for 0..256 bytes");
	is_int(sasl_b64_encode("abc", 3, enc, 4), -1,
	    "encode needs room for the NUL");
	is_int(sasl_b64_encode("abc", 3, enc, 5), 4, "an exact fit encodes");
	is_str(enc, "YWJj", "abc");
}

static void
test_mech(void)
{
	enum sasl_mech m;

	ok(sasl_mech_parse("PLAIN", &m) == 0 && m == SASL_MECH_PLAIN,
	    "PLAIN");
	ok(sasl_mech_parse("login", &m) == 0 && m == SASL_MECH_LOGIN,
	    "login (case ignored)");
	is_int(sasl_mech_parse("CRAM-MD5", &m), -1, "CRAM-MD5 is not ours");
	is_int(sasl_mech_parse("SCRAM-SHA-256", &m), -1,
	    "SCRAM-SHA-256 is not offered");
	is_int(sasl_mech_parse("", &m), -1, "empty");
	is_str(sasl_mech_name(SASL_MECH_LOGIN), "LOGIN", "name of LOGIN");
}

/* PLAIN with an initial response: the raw message, the outcome. */
static const struct {
	const char	*msg;
	size_t		 len;
	int		 want;
	const char	*user;
	const char	*pass;
	const char	*name;
} plaincases[] = {
	{ "\0alice@example.org\0secret", 25, SASL_DONE, "alice@example.org",
	    "secret", "empty authzid" },
	{ "alice@example.org\0alice@example.org\0pw", 38, SASL_DONE,
	    "alice@example.org", "pw", "authzid = authcid" },
	{ "Alice@Example.ORG\0alice@example.org\0pw", 38, SASL_DONE,
	    "alice@example.org", "pw", "authzid = authcid, case ignored" },
	{ "bob@example.org\0alice@example.org\0pw", 36, SASL_ERR_AUTHZID,
	    NULL, NULL, "authzid of someone else" },
	{ "alice@example.orgX\0alice@example.org\0pw", 39, SASL_ERR_AUTHZID,
	    NULL, NULL, "authzid longer than authcid" },
	{ "\0alice\0", 7, SASL_DONE, "alice", "", "empty password" },
	{ "\0\0secret", 8, SASL_ERR_SYNTAX, NULL, NULL, "empty authcid" },
	{ "alice\0secret", 12, SASL_ERR_SYNTAX, NULL, NULL, "one NUL" },
	{ "alicesecret", 11, SASL_ERR_SYNTAX, NULL, NULL, "no NUL" },
	{ "\0alice\0sec\0ret", 14, SASL_ERR_SYNTAX, NULL, NULL,
	    "a third NUL (inside the password)" },
	{ "\0alice\0secret\0", 14, SASL_ERR_SYNTAX, NULL, NULL,
	    "a trailing NUL" },
	{ "", 0, SASL_ERR_SYNTAX, NULL, NULL, "empty message" },
	{ "\0", 1, SASL_ERR_SYNTAX, NULL, NULL, "a lone NUL" },
	{ "\0\0", 2, SASL_ERR_SYNTAX, NULL, NULL, "two NULs only" },
};

static int
plain(struct sasl_server *s, const char *msg, size_t len)
{
	char b64[4200];

	if (sasl_b64_encode(msg, len, b64, sizeof(b64)) < 0)
		bail_out("test message too long");
	sasl_server_init(s, SASL_MECH_PLAIN);
	return sasl_server_start(s, len == 0 ? "=" : b64);
}

static void
test_plain(void)
{
	struct sasl_server s;
	char msg[3000];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(plaincases) / sizeof(plaincases[0]); i++) {
		r = plain(&s, plaincases[i].msg, plaincases[i].len);
		if (!is_int(r, plaincases[i].want, "PLAIN %s: %s",
		    plaincases[i].name, sasl_strerror(plaincases[i].want)) ||
		    r != SASL_DONE)
			continue;
		is_str(s.user, plaincases[i].user, "PLAIN %s: user",
		    plaincases[i].name);
		is_str(s.pass, plaincases[i].pass, "PLAIN %s: password",
		    plaincases[i].name);
	}

	/* without an initial response: an empty challenge, then the data */
	sasl_server_init(&s, SASL_MECH_PLAIN);
	is_int(sasl_server_start(&s, NULL), SASL_CONTINUE,
	    "PLAIN without initial response asks");
	is_str(sasl_server_challenge(&s), "", "with an empty challenge");
	is_int(sasl_server_step(&s, "AGFsaWNlAHNlY3JldA==", 20), SASL_DONE,
	    "then takes the response");
	is_str(s.user, "alice", "user");
	is_str(s.pass, "secret", "password");
	is_int(sasl_server_step(&s, "AGFsaWNlAHNlY3JldA==", 20),
	    SASL_ERR_STATE, "a step after the end is refused");
	sasl_server_clear(&s);
	{
		static const struct sasl_server zero;

		ok(memcmp(s.user, zero.user, sizeof(s.user)) == 0 &&
		    memcmp(s.pass, zero.pass, sizeof(s.pass)) == 0,
		    "clear wipes the credentials");
	}

	sasl_server_init(&s, SASL_MECH_PLAIN);
	sasl_server_start(&s, NULL);
	is_int(sasl_server_step(&s, "*", 1), SASL_ERR_CANCEL,
	    "\"*\" cancels");
	sasl_server_init(&s, SASL_MECH_PLAIN);
	sasl_server_start(&s, NULL);
	is_int(sasl_server_step(&s, "AGFsaWNlAHNlY3JldA", 18),
	    SASL_ERR_BASE64, "bad base64 in the response");
	sasl_server_init(&s, SASL_MECH_PLAIN);
	is_int(sasl_server_start(&s, "AGFsaWNl AHNlY3JldA=="),
	    SASL_ERR_BASE64, "space inside the initial response");
	sasl_server_init(&s, SASL_MECH_PLAIN);
	is_int(sasl_server_start(&s, "*"), SASL_ERR_BASE64,
	    "\"*\" as initial response is not base64");

	/* limits */
	memset(msg, 'a', sizeof(msg));
	msg[0] = '\0';
	msg[AUTH_USER_MAX + 1] = '\0';
	r = plain(&s, msg, AUTH_USER_MAX + 1 + 1 + AUTH_PASS_MAX);
	is_int(r, SASL_DONE, "user of AUTH_USER_MAX, password of "
	    "AUTH_PASS_MAX bytes");
	is_int((long long)strlen(s.user), AUTH_USER_MAX, "the whole user");
	is_int((long long)strlen(s.pass), AUTH_PASS_MAX, "the whole password");
	r = plain(&s, msg, AUTH_USER_MAX + 1 + 1 + AUTH_PASS_MAX + 1);
	is_int(r, SASL_ERR_LONG, "a password one byte longer");
	msg[AUTH_USER_MAX + 1] = 'a';
	msg[AUTH_USER_MAX + 2] = '\0';
	r = plain(&s, msg, AUTH_USER_MAX + 2 + 1 + 6);
	is_int(r, SASL_ERR_LONG, "a user one byte longer");
	n = sizeof(msg);
	msg[1000] = '\0';
	msg[1500] = '\0';
	r = plain(&s, msg, n);
	is_int(r, SASL_ERR_LONG, "a message over the largest valid one");
	sasl_server_clear(&s);
}

static void
test_login(void)
{
	struct sasl_server s;
	char b64[64];

	sasl_server_init(&s, SASL_MECH_LOGIN);
	is_int(sasl_server_start(&s, NULL), SASL_CONTINUE, "LOGIN asks");
	is_str(sasl_server_challenge(&s), "VXNlcm5hbWU6", "for Username:");
	is_int(sasl_server_step(&s, "YWxpY2U=", 8), SASL_CONTINUE,
	    "takes the user");
	is_str(sasl_server_challenge(&s), "UGFzc3dvcmQ6", "asks Password:");
	is_int(sasl_server_step(&s, "c2VjcmV0", 8), SASL_DONE,
	    "takes the password");
	is_str(s.user, "alice", "user");
	is_str(s.pass, "secret", "password");

	sasl_server_init(&s, SASL_MECH_LOGIN);
	is_int(sasl_server_start(&s, "YWxpY2U="), SASL_CONTINUE,
	    "LOGIN with the user as initial response");
	is_str(sasl_server_challenge(&s), "UGFzc3dvcmQ6", "asks Password:");
	is_int(sasl_server_step(&s, "", 0), SASL_DONE,
	    "an empty password");
	is_str(s.pass, "", "is empty");

	sasl_server_init(&s, SASL_MECH_LOGIN);
	is_int(sasl_server_start(&s, "="), SASL_ERR_SYNTAX,
	    "an empty user name (\"=\") is refused");
	sasl_server_init(&s, SASL_MECH_LOGIN);
	sasl_server_start(&s, NULL);
	is_int(sasl_server_step(&s, "", 0), SASL_ERR_SYNTAX,
	    "an empty user name response is refused");
	sasl_server_init(&s, SASL_MECH_LOGIN);
	sasl_server_start(&s, NULL);
	sasl_b64_encode("al\0ice", 6, b64, sizeof(b64));
	is_int(sasl_server_step(&s, b64, strlen(b64)), SASL_ERR_SYNTAX,
	    "a NUL in the user name");
	sasl_server_init(&s, SASL_MECH_LOGIN);
	sasl_server_start(&s, "YWxpY2U=");
	sasl_b64_encode("sec\0ret", 7, b64, sizeof(b64));
	is_int(sasl_server_step(&s, b64, strlen(b64)), SASL_ERR_SYNTAX,
	    "a NUL in the password");
	sasl_server_init(&s, SASL_MECH_LOGIN);
	sasl_server_start(&s, "YWxpY2U=");
	is_int(sasl_server_step(&s, "*", 1), SASL_ERR_CANCEL,
	    "\"*\" cancels at the password");
	is_int(sasl_server_step(&s, "c2VjcmV0", 8), SASL_ERR_STATE,
	    "and nothing is taken after");
	sasl_server_init(&s, SASL_MECH_LOGIN);
	sasl_server_start(&s, NULL);
	is_int(sasl_server_step(&s, "YWxpY2U", 7), SASL_ERR_BASE64,
	    "bad base64 for the user");
	sasl_server_clear(&s);
}

int
main(void)
{
	tap_init("sasl");
	test_base64();
	test_mech();
	test_plain();
	test_login();
	return done_testing();
}

/* Unit tests for lib/esmtp: parameter lists, xtext, NOTIFY, ORCPT. */
#include "config.h"

#include <string.h>

#include "esmtp.h"
#include "tap.h"

int
main(void)
{
	struct esmtp_param p[ESMTP_MAX_PARAMS];
	char buf[512], out[64];
	const char *err;
	int n, flags;

	tap_init("esmtp");

	strlcpy(buf, " SIZE=1000 body=8BITMIME  SMTPUTF8", sizeof(buf));
	n = esmtp_params_parse(buf, p, ESMTP_MAX_PARAMS, &err);
	is_int(n, 3, "three parameters");
	is_str(p[0].keyword, "SIZE", "keyword");
	is_str(p[0].value, "1000", "value");
	is_str(p[1].keyword, "BODY", "keyword upper-cased");
	ok(p[2].value == NULL, "keyword without value");

	strlcpy(buf, "SIZE=1 SIZE=2", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, ESMTP_MAX_PARAMS, &err), -1, "duplicate");
	is_str(err, "duplicate parameter", "duplicate reason");
	strlcpy(buf, "-BAD=1", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, ESMTP_MAX_PARAMS, &err), -1,
	    "keyword must start alphanumeric");
	strlcpy(buf, "SIZE=", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, ESMTP_MAX_PARAMS, &err), -1,
	    "empty value");
	strlcpy(buf, "ENVID=a=b", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, ESMTP_MAX_PARAMS, &err), -1,
	    "= in value");
	strlcpy(buf, "A B C D", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, 3, &err), -1, "too many");
	strlcpy(buf, "X=\x80", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, 3, &err), -1, "8-bit value refused");
	strlcpy(buf, "", sizeof(buf));
	is_int(esmtp_params_parse(buf, p, 3, &err), 0, "no parameters");

	is_int(esmtp_xtext_decode("a+2Bb+3Dc", out, sizeof(out)), 5, "decode");
	is_str(out, "a+b=c", "decoded text");
	is_int(esmtp_xtext_decode("a+2b", out, sizeof(out)), -1,
	    "lower-case hex refused");
	is_int(esmtp_xtext_decode("a+2", out, sizeof(out)), -1, "truncated +H");
	is_int(esmtp_xtext_decode("a+00", out, sizeof(out)), -1, "NUL refused");
	is_int(esmtp_xtext_decode("abcdef", out, 4), -1, "too long for buffer");
	is_int(esmtp_xtext_encode("a+b=c d", out, sizeof(out)), 13, "encode");
	is_str(out, "a+2Bb+3Dc+20d", "encoded text");
	is_int(esmtp_xtext_encode("abcdef", out, 4), -1, "encode overflow");
	ok(esmtp_xtext_valid("QQ+2B"), "valid xtext");
	ok(!esmtp_xtext_valid("Q Q"), "space is not xtext");

	is_int(esmtp_notify_parse("success,Failure", &flags), 0, "notify list");
	is_int(flags, ESMTP_NOTIFY_SUCCESS | ESMTP_NOTIFY_FAILURE, "notify flags");
	is_int(esmtp_notify_parse("NEVER", &flags), 0, "notify never");
	is_int(esmtp_notify_parse("NEVER,DELAY", &flags), -1, "never in a list");
	is_int(esmtp_notify_parse("DELAY,", &flags), -1, "trailing comma");
	is_int(esmtp_notify_parse("BOGUS", &flags), -1, "unknown notify");

	is_int(esmtp_orcpt_valid("rfc822;bob+40example.org"), 0, "orcpt");
	is_int(esmtp_orcpt_valid("rfc822bob"), -1, "orcpt without ;");
	is_int(esmtp_orcpt_valid(";bob"), -1, "orcpt without type");
	is_int(esmtp_orcpt_valid("rfc822;"), -1, "orcpt without address");
	return done_testing();
}

/*
 * digit - the value of one hexadecimal or base64 digit
 *
 * For the decoders that read them from the network (quoted-printable,
 * RFC 2047 and RFC 2231 escapes, base64 in MIME and SASL): -1 for a
 * character that is not a digit of the kind.
 */
#ifndef POSTERN_DIGIT_H
#define POSTERN_DIGIT_H

static inline int
digit_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 4648 section 4's alphabet. */
static inline int
digit_base64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

#endif

/*
 * addr - RFC 5321 mail addresses: paths, domains, extensions, lookup keys.
 *
 * DESCRIPTION
 *	addr_parse_path takes the argument of MAIL FROM or RCPT TO, the
 *	path in angle brackets, and returns the address in internal form:
 *	the local part unquoted (`"a b"@d` becomes local `a b`), the domain
 *	normalised. What follows the `>` (ESMTP parameters) is returned
 *	to the caller.
 *
 *	Grammar (RFC 5321 4.1.2, RFC 6531 3.3):
 *	- Local part: a dot-string of atext atoms, or a quoted string with
 *	  quoted pairs (`"a\"b"`). An empty local part (`""@d`) is refused.
 *	- Source routes (`<@a,@b:user@d>`) are parsed, their domains
 *	  checked, and then ignored (RFC 5321 4.1.1.3, appendix C).
 *	- The null path `<>` only with ADDR_F_SENDER (MAIL FROM);
 *	  `<Postmaster>` without a domain only without it (RCPT TO, RFC 5321
 *	  4.1.1.3): the domain is then "" and the caller supplies its own.
 *	- Limits (RFC 5321 4.5.3.1): local part 64 octets as written
 *	  (quotes and backslashes included), domain 255 octets (without the
 *	  trailing dot), the whole path 256 octets from `<` to `>`
 *	  inclusive, domain labels 63 octets.
 *	- Non-ASCII (UTF-8 local parts and U-label domains) only with
 *	  ADDR_F_SMTPUTF8, and then it must be valid UTF-8 (RFC 3629: no
 *	  overlong forms, surrogates or values past U+10FFFF); C1 control
 *	  characters (U+0080..U+009F) are refused as well.
 *
 *	Domain normalisation: ASCII letters are lowercased; one trailing
 *	dot is removed; every label is 1..63 octets of letters, digits and
 *	hyphens, not starting or ending with a hyphen (UTF-8 allowed in
 *	labels with ADDR_F_SMTPUTF8); the top-level label is not all
 *	digits (an IP address must be written as a literal). A-labels
 *	(`xn--...`) are lowercased like any other label but never decoded.
 *	Address literals are checked with inet_pton and rewritten in the
 *	canonical inet_ntop form: `[192.0.2.1]`, `[IPv6:2001:db8::1]`;
 *	other tags (RFC 5321 General-address-literal) are refused.
 *
 *	Errors map to SMTP replies (RFC 5321 4.2, RFC 3463, RFC 6531 3.7.4)
 *	through addr_err_reply:
 *
 *	error			reply	RCPT TO	MAIL FROM
 *	ADDR_E_BRACKET		501	5.5.4	5.5.4	(command argument)
 *	ADDR_E_TRAILING		501	5.5.4	5.5.4	(command argument)
 *	ADDR_E_8BIT		553	5.6.7	5.6.7	(RFC 6531)
 *	ADDR_E_NULL		501	5.1.3	-
 *	every other error	501	5.1.3	5.1.7	(address syntax)
 *
 *	X.1.3 and X.1.7 are "bad destination/sender mailbox address
 *	syntax"; RFC 3463 says X.1.3 "can apply to any field in the
 *	address", and RFC 5321 4.5.3.1.10 gives 501 for a path that is too
 *	long, so the length errors share the syntax codes and differ in
 *	text (addr_strerror).
 *
 * SECURITY
 *	Input comes straight from SMTP clients. The parser never reads past
 *	the terminating NUL, never writes past the fixed buffers in struct
 *	addr (the limits are checked before copying), and never returns
 *	control characters: the internal form holds printable ASCII and,
 *	with SMTPUTF8, valid UTF-8 only.
 */
#ifndef POSTERN_ADDR_H
#define POSTERN_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX		64	/* octets, as written */
#define ADDR_DOMAIN_MAX		255	/* octets */
#define ADDR_LABEL_MAX		63	/* octets */
#define ADDR_PATH_MAX		256	/* octets, < to > inclusive */
/* Room for addr_format and addr_key output (quoting can double). */
#define ADDR_TEXT_MAX		(2 * ADDR_LOCAL_MAX + 2 + 1 + ADDR_DOMAIN_MAX + 1)

/* Flags for the parsers. */
#define ADDR_F_SENDER		0x01	/* MAIL FROM: <> allowed, X.1.7 codes */
#define ADDR_F_SMTPUTF8		0x02	/* transaction is SMTPUTF8 */

/* Flags in struct addr. */
#define ADDR_NULL		0x01	/* the null path <> */
#define ADDR_UTF8		0x02	/* non-ASCII in local part or domain */
#define ADDR_POSTMASTER		0x04	/* <Postmaster>: no domain given */
#define ADDR_LITERAL		0x08	/* domain is an address literal */

enum addr_err {
	ADDR_OK = 0,
	ADDR_E_BRACKET,		/* missing < or > */
	ADDR_E_TRAILING,	/* text right after > without a space */
	ADDR_E_SYNTAX,		/* bad character or misplaced dot */
	ADDR_E_QUOTE,		/* unterminated quoted string */
	ADDR_E_EMPTY_LOCAL,	/* "" or no local part */
	ADDR_E_NODOMAIN,	/* no @domain, or nothing after @ */
	ADDR_E_NULL,		/* <> where it is not allowed */
	ADDR_E_LOCAL_LONG,	/* local part over 64 octets */
	ADDR_E_DOMAIN_LONG,	/* domain over 255 octets */
	ADDR_E_LABEL_LONG,	/* domain label over 63 octets */
	ADDR_E_PATH_LONG,	/* path over 256 octets */
	ADDR_E_DOMAIN,		/* bad domain syntax */
	ADDR_E_LITERAL,		/* bad address literal */
	ADDR_E_8BIT,		/* non-ASCII without SMTPUTF8 */
	ADDR_E_UTF8,		/* invalid UTF-8 */
};

struct addr {
	char	local[ADDR_LOCAL_MAX + 1];	/* internal (unquoted) form */
	char	domain[ADDR_DOMAIN_MAX + 1];	/* normalised; "" if none */
	int	flags;				/* ADDR_NULL, ... */
};

/*
 * Parse a path: s is what follows "MAIL FROM:" or "RCPT TO:" (leading
 * spaces are skipped). flags: ADDR_F_SENDER for MAIL FROM,
 * ADDR_F_SMTPUTF8 when the transaction is SMTPUTF8. Returns 0, *a
 * filled and *rest_r pointing at the ESMTP parameters (after the `>` and
 * the spaces that follow it; "" when there are none); or -1 with
 * *err_r set (*a and *rest_r are then unspecified).
 */
int	addr_parse_path(const char *s, int flags, struct addr *a,
	    const char **rest_r, enum addr_err *err_r);

/*
 * Parse a bare address `local@domain` (no brackets, no source route, no
 * null address) making up all of s: for addresses from the command line
 * and from lookup tables. The local part and domain limits apply, the
 * path limit does not. 0, or -1 with *err_r.
 */
int	addr_parse_mailbox(const char *s, int flags, struct addr *a,
	    enum addr_err *err_r);

/*
 * Check and normalise a domain (or an address literal) making up all of
 * s, for example an EHLO argument or a table entry, into out (at least
 * ADDR_DOMAIN_MAX + 1 bytes). 0, or -1 with *err_r.
 */
int	addr_parse_domain(const char *s, int flags, char *out,
	    enum addr_err *err_r);

/* Text for an error, e.g. "local part longer than 64 octets". */
const char *addr_strerror(enum addr_err err);
/*
 * The reply code and enhanced status code for an error (see the table
 * above); flags as given to the parser select the sender variants.
 * Returns the code (501, 553), *enh_r a static "5.1.3".
 */
int	addr_err_reply(enum addr_err err, int flags, const char **enh_r);

/*
 * The external form of an address, quoting the local part when it is
 * not a dot-string: `user@example.org`, `"a b"@example.org`, "" for the
 * null address, `Postmaster` for ADDR_POSTMASTER. 0, or -1 when len is
 * too small (ADDR_TEXT_MAX always suffices).
 */
int	addr_format(const struct addr *a, char *buf, size_t len);

/*
 * Lookup keys: the internal form with ASCII letters lowercased in the
 * local part as well as the domain (the local part in struct addr keeps
 * its case for delivery). addr_key gives `local@domain` ("" for the null
 * address, just the local part when there is no domain).
 * addr_key_parts builds the same from locallen bytes of local and an
 * optional domain (NULL: none), so that `user@domain` after an
 * extension split or `@domain` (locallen 0) can be looked up too.
 * 0, or -1 when len is too small (ADDR_TEXT_MAX always suffices).
 */
int	addr_key(const struct addr *a, char *buf, size_t len);
int	addr_key_parts(const char *local, size_t locallen, const char *domain,
	    char *buf, size_t len);
/* Compare two addresses as lookup keys: 0 when they are the same. */
int	addr_cmp(const struct addr *a, const struct addr *b);
/* Lowercase the ASCII letters of s in place. */
void	addr_lower(char *s);

/*
 * recipient_delimiter: split a local part at the first character that
 * is in delims (several may be given, as in Postfix: "+-"). Returns 1
 * with *userlen_r the length of the user part and *ext_r the extension
 * (after the delimiter, possibly ""); 0 when there is nothing to split
 * (no delimiter, empty delims, or the local part starts with one), with
 * *userlen_r = strlen(local) and *ext_r = NULL. Only ASCII delimiters
 * count.
 */
int	addr_split_ext(const char *local, const char *delims,
	    size_t *userlen_r, const char **ext_r);

#endif

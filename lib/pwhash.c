/*
 * NAME
 *	pwhash - crypt(3) password hashes; see pwhash.h.
 *
 * SECURITY
 *	struct crypt_data holds intermediate state derived from the
 *	password: it lives on the heap and is wiped before it is freed.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pwhash.h"
#include "xmalloc.h"

static const char *const pwhash_schemes[] = {
	"$y$", "$6$", "$5$", "$2b$", NULL,
};

int
pwhash_scheme_ok(const char *hash)
{
	size_t i;

	for (i = 0; pwhash_schemes[i] != NULL; i++)
		if (strncmp(hash, pwhash_schemes[i],
		    strlen(pwhash_schemes[i])) == 0)
			return 1;
	return 0;
}

/* crypt_rn into a wiped heap buffer; the result copied to out. */
static int
pwhash_crypt(const char *password, const char *setting, char *out,
    size_t outlen)
{
	struct crypt_data *cd;
	const char *h;
	int r = -1;

	cd = xcalloc(1, sizeof(*cd));
	h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	if (h != NULL && h[0] != '*' && strlen(h) < outlen) {
		strlcpy(out, h, outlen);
		r = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

int
pwhash_make(const char *password, char *out, size_t outlen,
    const char **err_r)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	if (strlen(password) > PWHASH_PASSWORD_MAX) {
		*err_r = "password too long";
		return -1;
	}
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, (int)sizeof(salt)) ==
	    NULL) {
		*err_r = "crypt_gensalt: no yescrypt or no random bytes";
		return -1;
	}
	if (pwhash_crypt(password, salt, out, outlen) < 0) {
		*err_r = "crypt failed";
		return -1;
	}
	return 0;
}

int
pwhash_verify(const char *password, const char *hash)
{
	char out[PWHASH_SIZE] = "";
	size_t len, i;
	unsigned char diff;
	int r;

	if (!pwhash_scheme_ok(hash) || strlen(password) > PWHASH_PASSWORD_MAX)
		return 0;
	if (pwhash_crypt(password, hash, out, sizeof(out)) < 0)
		return -1;
	len = strlen(hash);
	diff = strlen(out) != len;
	for (i = 0; i < len && i < sizeof(out); i++)
		diff |= (unsigned char)(out[i] ^ hash[i]);
	r = diff == 0;
	explicit_bzero(out, sizeof(out));
	return r;
}

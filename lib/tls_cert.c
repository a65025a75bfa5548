/*
 * NAME
 *	tls_cert - certificate chores for tools: a self-signed certificate
 *	for a new instance, and a certificate's expiry date.
 *
 * DESCRIPTION
 *	tls_cert_selfsigned() makes what `postern init` gives a new
 *	instance so that STARTTLS works from the first start: an ECDSA
 *	P-256 key and a version 3 certificate signed with it (SHA-256), a
 *	random 128-bit serial number, valid from an hour ago (clock skew)
 *	for the given number of days, the first name as subject CN and
 *	every name as a DNS subjectAltName, basicConstraints CA:FALSE and
 *	extendedKeyUsage serverAuth. Clients cannot verify it: it stands
 *	in until the admin installs a real certificate (README: TLS).
 *
 * SECURITY
 *	The key file is created with O_EXCL and O_NOFOLLOW, mode 0600,
 *	before anything is written to it; the certificate the same way,
 *	mode 0644. An existing file is never overwritten.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_int.h"
#include "xmalloc.h"

/* Open a new file for writing: mode, never an existing one. */
static FILE *
tls_cert_create(const char *path, mode_t mode, char **err_r)
{
	FILE *fp;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0) {
		*err_r = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, mode) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		*err_r = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return NULL;
	}
	return fp;
}

static int
tls_cert_close(FILE *fp, const char *path, int ok, char **err_r)
{
	if (ok && (fflush(fp) == EOF || fsync(fileno(fp)) < 0))
		ok = 0;
	if (fclose(fp) == EOF)
		ok = 0;
	if (!ok) {
		*err_r = xasprintf("%s: cannot write: %s", path,
		    errno != 0 ? strerror(errno) : "TLS library error");
		unlink(path);
		return -1;
	}
	return 0;
}

static int
tls_cert_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int
tls_cert_sans(X509 *x, const char *const *names)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *g;
	ASN1_IA5STRING *ia5;
	size_t i, j;
	int ok;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return 0;
	for (i = 0; names[i] != NULL; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				break;
		if (j < i)
			continue;	/* a duplicate */
		if ((g = GENERAL_NAME_new()) == NULL ||
		    (ia5 = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(ia5, names[i], -1)) {
			GENERAL_NAME_free(g);
			GENERAL_NAMES_free(gens);
			return 0;
		}
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		if (!sk_GENERAL_NAME_push(gens, g)) {
			GENERAL_NAME_free(g);
			GENERAL_NAMES_free(gens);
			return 0;
		}
	}
	ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT) == 1;
	GENERAL_NAMES_free(gens);
	return ok;
}

/* The certificate for pkey; NULL on a library error. */
static X509 *
tls_cert_make(EVP_PKEY *pkey, const char *const *names, int days)
{
	X509_NAME *subj;
	BIGNUM *serial;
	X509 *x;
	int ok;

	if ((x = X509_new()) == NULL || (serial = BN_new()) == NULL) {
		X509_free(x);
		return NULL;
	}
	ok = X509_set_version(x, X509_VERSION_3) &&
	    BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) !=
	    NULL &&
	    X509_set_pubkey(x, pkey) &&
	    (subj = X509_get_subject_name(x)) != NULL &&
	    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
	    (const unsigned char *)names[0], -1, -1, 0) &&
	    X509_set_issuer_name(x, subj) &&
	    tls_cert_sans(x, names) &&
	    tls_cert_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	    tls_cert_ext(x, NID_ext_key_usage, "serverAuth") &&
	    tls_cert_ext(x, NID_subject_key_identifier, "hash") &&
	    X509_sign(x, pkey, EVP_sha256()) > 0;
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
tls_cert_selfsigned(const char *cert_file, const char *key_file,
    const char *const *names, int days, char **err_r)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	FILE *fp;
	int r = -1;

	if (names == NULL || names[0] == NULL || *names[0] == '\0') {
		*err_r = xstrdup("a certificate needs a host name");
		return -1;
	}
	ERR_clear_error();
	if ((pkey = EVP_EC_gen("P-256")) == NULL ||
	    (x = tls_cert_make(pkey, names, days)) == NULL) {
		*err_r = tls_err_string("cannot make a certificate");
		goto out;
	}
	if ((fp = tls_cert_create(key_file, 0600, err_r)) == NULL)
		goto out;
	errno = 0;
	if (tls_cert_close(fp, key_file, PEM_write_PrivateKey(fp, pkey, NULL,
	    NULL, 0, NULL, NULL) == 1, err_r) < 0)
		goto out;
	if ((fp = tls_cert_create(cert_file, 0644, err_r)) == NULL) {
		unlink(key_file);
		goto out;
	}
	errno = 0;
	if (tls_cert_close(fp, cert_file, PEM_write_X509(fp, x) == 1,
	    err_r) < 0) {
		unlink(key_file);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pkey);
	return r;
}

int
tls_cert_not_after(const char *path, long long *t_r, char **err_r)
{
	struct tm tm;
	X509 *x;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		*err_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ERR_clear_error();
	if (x == NULL) {
		*err_r = xasprintf("%s: no PEM certificate found", path);
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm)) {
		X509_free(x);
		*err_r = xasprintf("%s: a bad notAfter date", path);
		return -1;
	}
	X509_free(x);
	*t_r = (long long)timegm(&tm);
	return 0;
}

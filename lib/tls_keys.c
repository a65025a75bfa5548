/*
 * NAME
 *	tls_keys - certificates and private keys from PEM files.
 *
 * DESCRIPTION
 *	A server has one or two pairs (an RSA and an ECDSA certificate are
 *	typical; OpenSSL picks per client by what it supports). They come
 *	from PREFIX_tls_cert_file + _key_file and _eccert_file +
 *	_eckey_file, or, when set, from _chain_files alone (Postfix 3.4):
 *	a list of files read in order, where each private key is followed
 *	by its certificate and that certificate's issuers (a chain that
 *	comes before the first key belongs to that key).
 *
 *	A certificate file holds the server certificate first, then its
 *	issuers (Let's Encrypt's fullchain.pem). A key file may be the
 *	certificate file itself (key and chain in one file). Every pair is
 *	checked: a key that does not belong to its certificate is an error
 *	naming both files; so is a missing file, an unreadable one, one
 *	without the expected PEM object, an encrypted key (there is nobody
 *	to ask for a passphrase), and two pairs of the same key type. An
 *	expired certificate is loaded, with a warning.
 *
 * SECURITY
 *	Runs before the privilege drop, on files the admin named. A file
 *	is read whole into memory (at most TLS_PEM_MAX bytes) and the copy
 *	is wiped after parsing: it may hold a private key.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "log.h"
#include "params.h"
#include "tls_int.h"
#include "vbuf.h"
#include "xmalloc.h"

#define TLS_PEM_MAX	(1024 * 1024)

/* One PEM object: a key or a certificate. */
struct tls_obj {
	EVP_PKEY	*key;
	X509		*cert;
};

struct tls_objs {
	struct tls_obj	*v;
	size_t		 n;
};

/* A checked pair, waiting for a context (tls_keys_install). */
struct tls_pair {
	EVP_PKEY	*key;
	STACK_OF(X509)	*certs;		/* the leaf first */
	char		*cparam;	/* names the file in messages */
	char		*cpath;
};

struct tls_keys {
	struct tls_pair	*v;
	size_t		 n;
};

/* The files' bytes, read before the jail and parsed later. */
struct tls_file {
	char		*path;
	struct vbuf	 b;
};

struct tls_files {
	struct tls_file	*v;
	size_t		 n;
};

static void
tls_objs_free(struct tls_objs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		EVP_PKEY_free(o->v[i].key);
		X509_free(o->v[i].cert);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

static void
tls_objs_add(struct tls_objs *o, EVP_PKEY *key, X509 *cert)
{
	o->v = xreallocarray(o->v, o->n + 1, sizeof(*o->v));
	o->v[o->n].key = key;
	o->v[o->n].cert = cert;
	o->n++;
}

/* Read a whole file (bounded): 0, or -1 with *err_r. */
static int
tls_file_read(const char *param, const char *path, struct vbuf *b,
    char **err_r)
{
	struct stat st;
	char buf[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		*err_r = xasprintf("%s %s: %s", param, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*err_r = xasprintf("%s %s: %s", param, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*err_r = xasprintf("%s %s: %s", param, path,
		    S_ISDIR(st.st_mode) ? "is a directory" :
		    "not a regular file");
		close(fd);
		return -1;
	}
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			*err_r = xasprintf("%s %s: %s", param, path,
			    strerror(errno));
			break;
		}
		if (n == 0) {
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return 0;
		}
		if (vbuf_append(b, buf, (size_t)n) < 0) {
			*err_r = xasprintf("%s %s: larger than %d bytes",
			    param, path, TLS_PEM_MAX);
			break;
		}
	}
	close(fd);
	explicit_bzero(buf, sizeof(buf));
	return -1;
}

/* Decode one PEM object by its label: 1 kept, 0 skipped, -1 error. */
static int
tls_pem_decode(struct tls_objs *o, const char *name, const char *header,
    const unsigned char *data, long len, const char **why_r)
{
	const unsigned char *p = data;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	if (strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0)
		cert = d2i_X509(NULL, &p, len);
	else if (strcmp(name, "TRUSTED CERTIFICATE") == 0)
		cert = d2i_X509_AUX(NULL, &p, len);
	else if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 ||
	    (strstr(name, "PRIVATE KEY") != NULL &&
	    strstr(header, "ENCRYPTED") != NULL)) {
		*why_r = "an encrypted private key (remove the passphrase: "
		    "openssl pkey -in KEY -out NEWKEY)";
		return -1;
	} else if (strcmp(name, "PRIVATE KEY") == 0 ||
	    strcmp(name, "RSA PRIVATE KEY") == 0 ||
	    strcmp(name, "EC PRIVATE KEY") == 0)
		key = d2i_AutoPrivateKey(NULL, &p, len);
	else
		return 0;	/* EC PARAMETERS and the like */
	if (cert == NULL && key == NULL) {
		ERR_clear_error();
		*why_r = "a damaged PEM object";
		return -1;
	}
	tls_objs_add(o, key, cert);
	return 1;
}

static const struct vbuf *
tls_files_find(const struct tls_files *files, const char *path)
{
	size_t i;

	for (i = 0; i < files->n; i++)
		if (strcmp(files->v[i].path, path) == 0)
			return &files->v[i].b;
	return NULL;
}

/* Every key and certificate of a PEM file (read before), in order. */
static int
tls_pem_read(const struct tls_files *files, const char *param,
    const char *path, struct tls_objs *o, char **err_r)
{
	const struct vbuf *b;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	const char *why = NULL;
	unsigned long e;
	long len = 0;
	BIO *bio;
	int r = 0;

	if ((b = tls_files_find(files, path)) == NULL) {
		*err_r = xasprintf("%s %s: not read", param, path);
		return -1;
	}
	if ((bio = BIO_new_mem_buf(b->data, (int)b->len)) == NULL)
		log_fatal("tls: out of memory");
	while (PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
		if (tls_pem_decode(o, name, header, data, len, &why) < 0)
			r = -1;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)len);
		name = header = NULL;
		data = NULL;
		if (r < 0)
			break;
	}
	/* the end of the file is an "error"; anything else is damage */
	e = ERR_peek_last_error();
	if (r == 0 && e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		why = "damaged PEM data (a BEGIN line without its END, or "
		    "bad base64)";
		r = -1;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (r < 0)
		*err_r = xasprintf("%s %s: %s", param, path, why);
	return r;
}

/* "Jan  2 15:04:05 2026 GMT" */
static void
tls_time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (ASN1_TIME_print(b, t) && (n = BIO_get_mem_data(b, &p)) > 0)
		snprintf(buf, len, "%.*s", (int)n, p);
	BIO_free(b);
}

/*
 * Check one pair and keep it in keys: the leaf is chain[0] of certs.
 * cparam/cpath and kparam/kpath name the files in messages.
 */
static int
tls_pair_check(struct tls_keys *keys, EVP_PKEY *key, STACK_OF(X509) *certs,
    const char *cparam, const char *cpath, const char *kparam,
    const char *kpath, int *types_seen, char **err_r)
{
	struct tls_pair *pr;
	char when[64];
	X509 *leaf;
	int type;

	if (sk_X509_num(certs) == 0) {
		*err_r = xasprintf("%s %s: no certificate found (expected "
		    "-----BEGIN CERTIFICATE-----)", cparam, cpath);
		return -1;
	}
	if (key == NULL) {
		*err_r = xasprintf("%s %s: no private key found (expected "
		    "-----BEGIN PRIVATE KEY-----)", kparam, kpath);
		return -1;
	}
	leaf = sk_X509_value(certs, 0);
	if (!X509_check_private_key(leaf, key)) {
		ERR_clear_error();
		*err_r = xasprintf("%s %s: key does not match certificate %s",
		    kparam, kpath, cpath);
		return -1;
	}
	type = EVP_PKEY_get_base_id(key);
	if (type == EVP_PKEY_RSA_PSS)
		type = EVP_PKEY_RSA;
	if (type == EVP_PKEY_RSA || type == EVP_PKEY_EC) {
		if (*types_seen & (type == EVP_PKEY_RSA ? 1 : 2)) {
			*err_r = xasprintf("%s %s: a second %s certificate "
			    "(pairs must differ in key type)", cparam, cpath,
			    type == EVP_PKEY_RSA ? "RSA" : "ECDSA");
			return -1;
		}
		*types_seen |= type == EVP_PKEY_RSA ? 1 : 2;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
		tls_time_text(X509_get0_notAfter(leaf), when, sizeof(when));
		log_warn("%s %s: the certificate expired on %s", cparam,
		    cpath, when);
	}
	keys->v = xreallocarray(keys->v, keys->n + 1, sizeof(*keys->v));
	pr = &keys->v[keys->n++];
	if (!EVP_PKEY_up_ref(key) ||
	    (pr->certs = X509_chain_up_ref(certs)) == NULL)
		log_fatal("tls: out of memory");
	pr->key = key;
	pr->cparam = xstrdup(cparam);
	pr->cpath = xstrdup(cpath);
	return 0;
}

int
tls_keys_install(SSL_CTX *ctx, const struct tls_keys *keys, char **err_r)
{
	const struct tls_pair *pr;
	STACK_OF(X509) *chain;
	char reason[TLS_ERR_MAX];
	size_t i;
	int ok;

	for (i = 0; i < keys->n; i++) {
		pr = &keys->v[i];
		if ((chain = sk_X509_dup(pr->certs)) == NULL)
			log_fatal("tls: out of memory");
		(void)sk_X509_shift(chain);	/* the leaf */
		ok = SSL_CTX_use_cert_and_key(ctx, sk_X509_value(pr->certs, 0),
		    pr->key, chain, 1);
		sk_X509_free(chain);
		if (!ok) {
			tls_err_reason(reason, sizeof(reason), "rejected");
			*err_r = xasprintf("%s %s: cannot use this certificate "
			    "and key: %s", pr->cparam, pr->cpath, reason);
			return -1;
		}
	}
	return 0;
}

void
tls_keys_free(struct tls_keys **kp)
{
	struct tls_keys *keys = *kp;
	size_t i;

	if (keys == NULL)
		return;
	for (i = 0; i < keys->n; i++) {
		EVP_PKEY_free(keys->v[i].key);
		sk_X509_pop_free(keys->v[i].certs, X509_free);
		free(keys->v[i].cparam);
		free(keys->v[i].cpath);
	}
	free(keys->v);
	free(keys);
	*kp = NULL;
}

/* cert_file + key_file (or the ec pair). */
static int
tls_pair_files(const struct tls_files *files, struct tls_keys *keys,
    const char *prefix, const char *which, const char *cert, const char *key,
    int *types_seen, char **err_r)
{
	struct tls_objs co = { NULL, 0 }, ko = { NULL, 0 };
	STACK_OF(X509) *certs;
	EVP_PKEY *pkey = NULL;
	char cparam[96], kparam[96];
	size_t i;
	int r = -1;

	snprintf(cparam, sizeof(cparam), "%s_tls_%scert_file", prefix, which);
	snprintf(kparam, sizeof(kparam), "%s_tls_%skey_file", prefix, which);
	if (key == NULL || *key == '\0')
		key = cert;
	if ((certs = sk_X509_new_null()) == NULL)
		log_fatal("tls: out of memory");
	if (tls_pem_read(files, cparam, cert, &co, err_r) < 0 ||
	    tls_pem_read(files, kparam, key, &ko, err_r) < 0)
		goto out;
	for (i = 0; i < co.n; i++)
		if (co.v[i].cert != NULL && !sk_X509_push(certs, co.v[i].cert))
			log_fatal("tls: out of memory");
	for (i = 0; i < ko.n && pkey == NULL; i++)
		pkey = ko.v[i].key;
	r = tls_pair_check(keys, pkey, certs, cparam, cert, kparam, key,
	    types_seen, err_r);
out:
	sk_X509_free(certs);
	tls_objs_free(&co);
	tls_objs_free(&ko);
	return r;
}

/* chain_files: keys, each followed by its chain (or preceded). */
static int
tls_chain_files(const struct tls_files *rd, struct tls_keys *keys,
    const char *prefix, const char *files, int *types_seen, char **err_r)
{
	struct tls_objs o = { NULL, 0 };
	STACK_OF(X509) *certs;
	EVP_PKEY *key;
	char param[96], **list;
	size_t i, j;
	int r = 0, pairs = 0;

	snprintf(param, sizeof(param), "%s_tls_chain_files", prefix);
	list = params_list(files);
	for (i = 0; list[i] != NULL && r == 0; i++)
		r = tls_pem_read(rd, param, list[i], &o, err_r);
	if ((certs = sk_X509_new_null()) == NULL)
		log_fatal("tls: out of memory");
	for (i = 0; i < o.n && r == 0; i = j, pairs++) {
		/* certificates before a key belong to it ... */
		for (j = i; j < o.n && o.v[j].key == NULL; j++)
			if (!sk_X509_push(certs, o.v[j].cert))
				log_fatal("tls: out of memory");
		key = j < o.n ? o.v[j++].key : NULL;
		/* ... else those after it, up to the next key */
		if (sk_X509_num(certs) == 0)
			for (; j < o.n && o.v[j].key == NULL; j++)
				if (!sk_X509_push(certs, o.v[j].cert))
					log_fatal("tls: out of memory");
		r = tls_pair_check(keys, key, certs, param, files, param,
		    files, types_seen, err_r);
		sk_X509_zero(certs);
	}
	sk_X509_free(certs);
	if (r == 0 && pairs == 0) {
		*err_r = xasprintf("%s = %s: no key and certificate found",
		    param, files);
		r = -1;
	}
	tls_objs_free(&o);
	params_list_free(list);
	return r;
}

/* Call fn(param, path) for every file conf names, in reading order. */
static int
tls_conf_files(const struct tls_server_conf *conf,
    int (*fn)(void *, const char *, const char *, char **), void *arg,
    char **err_r)
{
	const char *const pairs[2][3] = {
		{ "", conf->cert_file, conf->key_file },
		{ "ec", conf->eccert_file, conf->eckey_file },
	};
	char param[96], **list;
	const char *key;
	size_t i;
	int r = 0;

	if (conf->chain_files != NULL && *conf->chain_files != '\0') {
		snprintf(param, sizeof(param), "%s_tls_chain_files",
		    conf->prefix);
		list = params_list(conf->chain_files);
		for (i = 0; list[i] != NULL && r == 0; i++)
			r = fn(arg, param, list[i], err_r);
		params_list_free(list);
		return r;
	}
	for (i = 0; i < 2 && r == 0; i++) {
		if (pairs[i][1] == NULL || *pairs[i][1] == '\0')
			continue;
		snprintf(param, sizeof(param), "%s_tls_%scert_file",
		    conf->prefix, pairs[i][0]);
		r = fn(arg, param, pairs[i][1], err_r);
		key = pairs[i][2] != NULL && *pairs[i][2] != '\0' ?
		    pairs[i][2] : pairs[i][1];
		snprintf(param, sizeof(param), "%s_tls_%skey_file",
		    conf->prefix, pairs[i][0]);
		if (r == 0)
			r = fn(arg, param, key, err_r);
	}
	return r;
}

static int
tls_files_add(void *arg, const char *param, const char *path, char **err_r)
{
	struct tls_files *files = arg;
	struct tls_file *f;

	if (tls_files_find(files, path) != NULL)
		return 0;		/* key and certificate in one file */
	files->v = xreallocarray(files->v, files->n + 1, sizeof(*files->v));
	f = &files->v[files->n++];
	f->path = xstrdup(path);
	vbuf_init(&f->b, 4096, TLS_PEM_MAX);
	return tls_file_read(param, path, &f->b, err_r);
}

int
tls_files_read(const struct tls_server_conf *conf, struct tls_files **files_r,
    char **err_r)
{
	struct tls_files *files = xcalloc(1, sizeof(*files));

	if (tls_conf_files(conf, tls_files_add, files, err_r) < 0) {
		tls_files_free(&files);
		*files_r = NULL;
		return -1;
	}
	*files_r = files;
	return 0;
}

void
tls_files_free(struct tls_files **fp)
{
	struct tls_files *files = *fp;
	size_t i;

	if (files == NULL)
		return;
	for (i = 0; i < files->n; i++) {
		/* private keys among them */
		explicit_bzero(files->v[i].b.data, files->v[i].b.cap);
		vbuf_release(&files->v[i].b);
		free(files->v[i].path);
	}
	free(files->v);
	free(files);
	*fp = NULL;
}

int
tls_keys_read(const struct tls_server_conf *conf,
    const struct tls_files *files, struct tls_keys **keys_r, char **err_r)
{
	struct tls_keys *keys = xcalloc(1, sizeof(*keys));
	int seen = 0, r = 0;

	if (conf->chain_files != NULL && *conf->chain_files != '\0')
		r = tls_chain_files(files, keys, conf->prefix,
		    conf->chain_files, &seen, err_r);
	else if ((conf->cert_file != NULL && *conf->cert_file != '\0' &&
	    tls_pair_files(files, keys, conf->prefix, "", conf->cert_file,
	    conf->key_file, &seen, err_r) < 0) ||
	    (conf->eccert_file != NULL && *conf->eccert_file != '\0' &&
	    tls_pair_files(files, keys, conf->prefix, "ec", conf->eccert_file,
	    conf->eckey_file, &seen, err_r) < 0))
		r = -1;
	if (r < 0)
		tls_keys_free(&keys);
	*keys_r = keys;
	return r;
}

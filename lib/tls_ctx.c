/*
 * NAME
 *	tls_ctx - server and client TLS contexts.
 *
 * DESCRIPTION
 *	A context is made once per process and shared by its sessions. A
 *	server context is made in two steps: tls_server_ctx_prepare, before
 *	the jail, reads the files (certificates, keys, ticket keys);
 *	tls_server_ctx_ready parses and checks them and makes OpenSSL's
 *	context when the first session wants TLS. Both take milliseconds
 *	(OpenSSL 3 looks up every algorithm of its providers, and tries
 *	decoders on every key), and a process whose clients never ask for
 *	TLS should not pay for them every max_use connections.
 *
 *	Options on every context: no compression (CRIME), no
 *	renegotiation, an end of file without close_notify is an end of
 *	file (SMTP, POP3 and IMAP frame their own data; peers often just
 *	close), write buffers may move between retries (the stream's
 *	output buffer grows while a write waits). Servers prefer their own
 *	cipher order and keep no session cache: resumption is by tickets
 *	only (tls_ticket.c).
 *
 *	A client context reads its CA certificates at once, CApath
 *	included (every HASH.N file of the directory): OpenSSL would read a
 *	hashed directory only when it verifies, inside the jail, where the
 *	directory is not.
 *
 *	Protocol lists use Postfix's syntax: ">=TLSv1.2", "<=TLSv1.2",
 *	"TLSv1.2 TLSv1.3" (only these), "!TLSv1 !TLSv1.1" (all but these),
 *	separated by white space, commas or colons. SSLv2 and SSLv3 are
 *	known names but never enabled. The result must be one contiguous
 *	range of versions.
 *
 * SECURITY
 *	Configuration only; the peer has no say here.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "log.h"
#include "tls_int.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	int		 version;	/* 0: never enabled */
} tls_protos[] = {
	{ "SSLv2", 0 },
	{ "SSLv3", 0 },
	{ "TLSv1", TLS1_VERSION },
	{ "TLSv1.1", TLS1_1_VERSION },
	{ "TLSv1.2", TLS1_2_VERSION },
	{ "TLSv1.3", TLS1_3_VERSION },
};
#define TLS_NPROTOS	(int)(sizeof(tls_protos) / sizeof(tls_protos[0]))

static int
tls_proto_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < TLS_NPROTOS; i++)
		if (strlen(tls_protos[i].name) == len &&
		    strncasecmp(tls_protos[i].name, name, len) == 0)
			return i;
	return -1;
}

int
tls_proto_range(const char *list, int *min_r, int *max_r, char **err_r)
{
	int on[TLS_NPROTOS], include = 0, any_include = 0, i, j, lo, hi;
	const char *p = list, *name;
	size_t len, nlen;

	for (i = 0; i < TLS_NPROTOS; i++)
		on[i] = 0;
	/* first pass: is there any plain "NAME" (an explicit list)? */
	for (p = list; *p != '\0'; p += len) {
		p += strspn(p, " \t,:");
		len = strcspn(p, " \t,:");
		if (len > 0 && *p != '!' && *p != '>' && *p != '<')
			any_include = 1;
	}
	for (i = 0; i < TLS_NPROTOS; i++)
		on[i] = !any_include;
	for (p = list; *p != '\0'; p += len) {
		p += strspn(p, " \t,:");
		if ((len = strcspn(p, " \t,:")) == 0)
			break;
		name = p;
		include = 0;
		if (*name == '!')
			name++;
		else if ((name[0] == '>' || name[0] == '<') && name[1] == '=')
			name += 2;
		else
			include = 1;
		nlen = len - (size_t)(name - p);
		if ((j = tls_proto_index(name, nlen)) < 0)
			return err_set(err_r, "unknown protocol \"%.*s\" (use "
			    "SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 or "
			    "TLSv1.3)", (int)len, p);
		if (include)
			on[j] = 1;
		else if (*p == '!')
			on[j] = 0;
		else if (*p == '>')
			for (i = 0; i < j; i++)
				on[i] = 0;
		else
			for (i = j + 1; i < TLS_NPROTOS; i++)
				on[i] = 0;
	}
	lo = hi = -1;
	for (i = 0; i < TLS_NPROTOS; i++) {
		if (!on[i] || tls_protos[i].version == 0)
			continue;
		if (lo < 0)
			lo = i;
		else if (hi != i - 1)
			return err_set(err_r, "a gap in the protocol range "
			    "(enable one contiguous range of versions)");
		hi = i;
	}
	if (lo < 0)
		return err_set(err_r, "no TLS protocol version left enabled");
	*min_r = tls_protos[lo].version;
	*max_r = tls_protos[hi].version;
	return 0;
}

int
tls_ctx_common(SSL_CTX *ctx, const char *prefix, const char *protocols,
    const char *ciphers, const char *groups, char **err_r)
{
	char *glist, *p;
	int min, max;

	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
	if (tls_proto_range(protocols, &min, &max, err_r) < 0)
		return err_wrap(err_r, "%s_tls_protocols = %s", prefix,
		    protocols);
	if (!SSL_CTX_set_min_proto_version(ctx, min) ||
	    !SSL_CTX_set_max_proto_version(ctx, max)) {
		*err_r = tls_err_string("cannot set the protocol range");
		return -1;
	}
	if (ciphers != NULL && *ciphers != '\0' &&
	    !SSL_CTX_set_cipher_list(ctx, ciphers)) {
		ERR_clear_error();
		*err_r = xasprintf("%s_tls_ciphers: no usable cipher in \"%s\"",
		    prefix, ciphers);
		return -1;
	}
	if (groups != NULL && *groups != '\0') {
		/* Postfix separates the names with spaces, OpenSSL with ':' */
		glist = xstrdup(groups + strspn(groups, " \t,:"));
		for (p = glist; *p != '\0'; p++)
			if (*p == ' ' || *p == '\t' || *p == ',')
				*p = ':';
		while ((p = strstr(glist, "::")) != NULL)
			memmove(p, p + 1, strlen(p));
		if ((p = strchr(glist, '\0')) > glist && p[-1] == ':')
			p[-1] = '\0';
		if (!SSL_CTX_set1_groups_list(ctx, glist)) {
			ERR_clear_error();
			*err_r = xasprintf("tls_eecdh_auto_curves = %s: an "
			    "unknown group", groups);
			free(glist);
			return -1;
		}
		free(glist);
	}
	return 0;
}

static const char *
tls_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The context's own copy of conf's strings. */
static void
tls_conf_copy(struct tls_server_conf *to, const struct tls_server_conf *from)
{
	*to = *from;
	to->prefix = tls_dup(from->prefix);
	to->cert_file = tls_dup(from->cert_file);
	to->key_file = tls_dup(from->key_file);
	to->eccert_file = tls_dup(from->eccert_file);
	to->eckey_file = tls_dup(from->eckey_file);
	to->chain_files = tls_dup(from->chain_files);
	to->protocols = tls_dup(from->protocols);
	to->ciphers = tls_dup(from->ciphers);
	to->groups = tls_dup(from->groups);
	to->ticket_key_file = tls_dup(from->ticket_key_file);
}

static void
tls_conf_release(struct tls_server_conf *c)
{
	const char *const v[] = { c->prefix, c->cert_file, c->key_file,
	    c->eccert_file, c->eckey_file, c->chain_files, c->protocols,
	    c->ciphers, c->groups, c->ticket_key_file };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free((char *)(uintptr_t)v[i]);
	memset(c, 0, sizeof(*c));
}

struct tls_server_ctx *
tls_server_ctx_prepare(const struct tls_server_conf *conf, char **err_r)
{
	struct tls_server_ctx *tc;
	int min, max;

	if (!tls_server_conf_has_cert(conf)) {
		*err_r = xasprintf("%s_tls_cert_file: no certificate "
		    "configured", conf->prefix);
		return NULL;
	}
	if (tls_proto_range(conf->protocols, &min, &max, err_r) < 0) {
		err_wrap(err_r, "%s_tls_protocols = %s", conf->prefix,
		    conf->protocols);
		return NULL;
	}
	/* openssl.cnf and its providers are outside the jail */
	if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL)) {
		*err_r = tls_err_string("cannot initialise OpenSSL");
		return NULL;
	}
	tc = xcalloc(1, sizeof(*tc));
	if (tls_files_read(conf, &tc->files, err_r) < 0) {
		free(tc);
		return NULL;
	}
	tls_conf_copy(&tc->conf, conf);
	tc->loglevel = conf->loglevel;
	if (conf->session_timeout > 0)
		tc->tickets = tls_tickets_load(conf->ticket_key_file,
		    conf->session_timeout);
	return tc;
}

/* OpenSSL's context from the files read: NULL with *err_r. */
static SSL_CTX *
tls_server_ssl_ctx(const struct tls_server_ctx *tc, char **err_r)
{
	const struct tls_server_conf *c = &tc->conf;
	struct tls_keys *keys = NULL;
	SSL_CTX *ctx;
	char sid[32];

	if (tls_keys_read(c, tc->files, &keys, err_r) < 0)
		return NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		*err_r = tls_err_string("cannot make a TLS server context");
		tls_keys_free(&keys);
		return NULL;
	}
	if (tls_ctx_common(ctx, c->prefix, c->protocols, c->ciphers,
	    c->groups, err_r) < 0 || tls_keys_install(ctx, keys, err_r) < 0) {
		SSL_CTX_free(ctx);
		tls_keys_free(&keys);
		return NULL;
	}
	tls_keys_free(&keys);	/* ctx holds its own references */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	snprintf(sid, sizeof(sid), "postern/%s", c->prefix);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid,
	    (unsigned int)strlen(sid));
	if (tc->tickets != NULL) {
		tls_tickets_install(ctx, tc->tickets);
		SSL_CTX_set_timeout(ctx, (long)c->session_timeout);
		SSL_CTX_set_num_tickets(ctx, 1);
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	return ctx;
}

int
tls_server_ctx_ready(struct tls_server_ctx *tc, char **err_r)
{
	if (tc->ssl_ctx == NULL && tc->failed == NULL) {
		tc->ssl_ctx = tls_server_ssl_ctx(tc, &tc->failed);
		tls_files_free(&tc->files);	/* parsed, or of no use */
	}
	if (tc->ssl_ctx != NULL)
		return 0;
	/* tried once: no better now */
	return err_set(err_r, "%s", tc->failed);
}

struct tls_server_ctx *
tls_server_ctx_new(const struct tls_server_conf *conf, char **err_r)
{
	struct tls_server_ctx *tc;

	if ((tc = tls_server_ctx_prepare(conf, err_r)) == NULL)
		return NULL;
	if (tls_server_ctx_ready(tc, err_r) < 0) {
		tls_server_ctx_free(&tc);
		return NULL;
	}
	return tc;
}

void
tls_server_ctx_free(struct tls_server_ctx **tcp)
{
	struct tls_server_ctx *tc = *tcp;

	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ssl_ctx);
	tls_files_free(&tc->files);
	tls_tickets_free(&tc->tickets);
	tls_conf_release(&tc->conf);
	free(tc->failed);
	free(tc);
	*tcp = NULL;
}

/*
 * Every certificate of a hashed directory (c_rehash: HASH.N names), read
 * now: OpenSSL would look them up only at verification time, inside a
 * jail where the directory is not. 0, or -1 with *err_r.
 */
static int
tls_ctx_load_capath(SSL_CTX *ctx, const char *prefix, const char *dir,
    char **err_r)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	char path[PATH_MAX], reason[TLS_ERR_MAX];
	struct dirent *de;
	size_t n, loaded = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		*err_r = xasprintf("%s_tls_CApath %s: %s", prefix, dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strspn(de->d_name, "0123456789abcdef");
		if (n != 8 || de->d_name[8] != '.' ||
		    de->d_name[9 + strspn(de->d_name + 9, "0123456789")] !=
		    '\0' || de->d_name[9] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!X509_STORE_load_file(store, path)) {
			tls_err_reason(reason, sizeof(reason), "no "
			    "certificate");
			*err_r = xasprintf("%s_tls_CApath %s: %s: %s", prefix,
			    dir, de->d_name, reason);
			closedir(d);
			return -1;
		}
		loaded++;
	}
	closedir(d);
	if (loaded == 0) {
		*err_r = xasprintf("%s_tls_CApath %s: no hashed certificate "
		    "(HASH.0) in it: run c_rehash or openssl rehash", prefix,
		    dir);
		return -1;
	}
	return 0;
}

struct tls_client_ctx *
tls_client_ctx_new(const struct tls_client_conf *conf, char **err_r)
{
	struct tls_client_ctx *tc;
	const char *cafile, *capath;
	char reason[TLS_ERR_MAX];
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*err_r = tls_err_string("cannot make a TLS client context");
		return NULL;
	}
	if (tls_ctx_common(ctx, conf->prefix, conf->protocols, conf->ciphers,
	    conf->groups, err_r) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	cafile = conf->CAfile != NULL && *conf->CAfile != '\0' ?
	    conf->CAfile : NULL;
	capath = conf->CApath != NULL && *conf->CApath != '\0' ?
	    conf->CApath : NULL;
	if (cafile != NULL &&
	    !SSL_CTX_load_verify_locations(ctx, cafile, NULL)) {
		tls_err_reason(reason, sizeof(reason), "no certificates "
		    "found");
		*err_r = xasprintf("%s_tls_CAfile %s: cannot load CA "
		    "certificates: %s", conf->prefix, cafile, reason);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (capath != NULL &&
	    tls_ctx_load_capath(ctx, conf->prefix, capath, err_r) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cafile == NULL && capath == NULL &&
	    !SSL_CTX_set_default_verify_paths(ctx))
		ERR_clear_error();	/* no system store: nothing verifies */
	SSL_CTX_set_verify(ctx, conf->level >= TLS_LEV_VERIFY ?
	    SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	tc = xcalloc(1, sizeof(*tc));
	tc->ssl_ctx = ctx;
	tc->level = conf->level;
	tc->loglevel = conf->loglevel;
	return tc;
}

void
tls_client_ctx_free(struct tls_client_ctx **tcp)
{
	struct tls_client_ctx *tc = *tcp;

	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ssl_ctx);
	free(tc);
	*tcp = NULL;
}

/*
 * NAME
 *	tls_info - what a TLS connection negotiated, for logs and Received:
 *
 * DESCRIPTION
 *	The text follows Postfix, whose shape log tools know:
 *	"Anonymous TLS connection established from host[addr]: TLSv1.3
 *	with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange
 *	X25519". The trust word is Anonymous on a server (no client
 *	certificates are asked for); on a client Untrusted (the chain did
 *	not verify), Trusted (it did, but not for the name), or Verified.
 *
 * SECURITY
 *	Names from certificates and SNI are the peer's: only printable
 *	ASCII is kept, the rest becomes '?', and they are bounded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "printable.h"
#include "tls_int.h"

/* Copy peer text, printable ASCII only. */
static void
tls_info_copy(char *dst, size_t len, const char *src)
{
	if (len > 0)
		printable_copy(dst, len, src != NULL ? src : "",
		    src != NULL ? strlen(src) : 0, 0);
}

static void
tls_info_cn(X509_NAME *name, char *dst, size_t len)
{
	char buf[256];

	if (name == NULL || X509_NAME_get_text_by_NID(name, NID_commonName,
	    buf, sizeof(buf)) < 0)
		return;
	tls_info_copy(dst, len, buf);
}

int
tls_peer_info(const struct stream *s, struct tls_info *ti)
{
	const struct tls_conn *c = tls_conn_of(s);
	const SSL_CIPHER *cipher;
	X509 *peer;
	long vr;
	int nid;

	memset(ti, 0, sizeof(*ti));
	if (c == NULL || !c->done || c->failed)
		return -1;
	tls_info_copy(ti->protocol, sizeof(ti->protocol),
	    SSL_get_version(c->ssl));
	if ((cipher = SSL_get_current_cipher(c->ssl)) != NULL) {
		tls_info_copy(ti->cipher, sizeof(ti->cipher),
		    SSL_CIPHER_get_name(cipher));
		ti->bits = SSL_CIPHER_get_bits(cipher, &ti->alg_bits);
	}
	nid = SSL_get_negotiated_group(c->ssl);
	if (nid > 0 && (nid & TLSEXT_nid_unknown) == 0)
		tls_info_copy(ti->kex, sizeof(ti->kex), OBJ_nid2sn(nid));
	ti->reused = SSL_session_reused(c->ssl);
	ti->server = c->server;
	if ((peer = SSL_get0_peer_certificate(c->ssl)) != NULL) {
		ti->peer_cert = 1;
		tls_info_cn(X509_get_subject_name(peer), ti->peer_cn,
		    sizeof(ti->peer_cn));
		tls_info_cn(X509_get_issuer_name(peer), ti->issuer_cn,
		    sizeof(ti->issuer_cn));
	}
	if (c->server)
		tls_info_copy(ti->sni, sizeof(ti->sni), SSL_get_servername(
		    c->ssl, TLSEXT_NAMETYPE_host_name));
	else if (ti->peer_cert) {
		vr = SSL_get_verify_result(c->ssl);
		ti->trusted = vr == X509_V_OK ||
		    vr == X509_V_ERR_HOSTNAME_MISMATCH;
		ti->verified = vr == X509_V_OK &&
		    SSL_get0_peername(c->ssl) != NULL;
		if (vr != X509_V_OK)
			tls_info_copy(ti->verify_error,
			    sizeof(ti->verify_error),
			    X509_verify_cert_error_string(vr));
	}
	return 0;
}

void
tls_info_describe(const struct tls_info *ti, int with_kex, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s with cipher %s (%d/%d bits)%s%s", ti->protocol,
	    ti->cipher, ti->bits, ti->alg_bits,
	    with_kex && ti->kex[0] != '\0' ? " key-exchange " : "",
	    with_kex ? ti->kex : "");
}

const char *
tls_info_trust(const struct tls_info *ti)
{
	if (ti->server)
		return "Anonymous";
	if (ti->verified)
		return "Verified";
	return ti->trusted ? "Trusted" : "Untrusted";
}

void
tls_log_established(const struct stream *s, const char *dir,
    const char *peer, int loglevel)
{
	struct tls_info ti;
	char desc[256];

	if (loglevel < 1 || tls_peer_info(s, &ti) < 0)
		return;
	tls_info_describe(&ti, 1, desc, sizeof(desc));
	log_info("%s TLS connection established %s %s: %s",
	    tls_info_trust(&ti), dir, peer, desc);
	if (loglevel < 2)
		return;
	log_info("%s: TLS session %s%s%s%s%s", peer,
	    ti.reused ? "resumed" : "new",
	    ti.sni[0] != '\0' ? ", SNI " : "", ti.sni,
	    ti.verify_error[0] != '\0' ? ", certificate: " : "",
	    ti.verify_error);
}

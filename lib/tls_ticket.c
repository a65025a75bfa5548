/*
 * NAME
 *	tls_ticket - session ticket keys shared by a service's processes.
 *
 * DESCRIPTION
 *	Postern serves one client per process, so a session cache inside a
 *	process would almost never be hit. Resumption is stateless instead
 *	(RFC 5077 tickets in TLS 1.2, and TLS 1.3 tickets): the server
 *	encrypts the session state into a ticket that the client keeps,
 *	and any process holding the same keys can resume it.
 *
 *	The keys live in one file per parameter prefix, e.g.
 *	$data_directory/smtpd_tls_ticket_keys, 8 bytes of magic then two
 *	keys of 80 bytes (a 16-byte name, a 32-byte HMAC-SHA256 key, a
 *	32-byte AES-256-CBC key): the current key, which makes and opens
 *	tickets, and the previous one, which only opens them (the ticket
 *	is then re-issued under the current key). Each process reads the
 *	file once, at startup, before the jail, under an exclusive lock;
 *	when the file is missing, damaged, or older than the session
 *	timeout, that process writes a new current key and demotes the
 *	old one. A ticket therefore opens for at least one timeout and at
 *	most about two; OpenSSL also refuses tickets past the session
 *	timeout.
 *
 *	When the file cannot be used (no data_directory, wrong owner...)
 *	the process logs a warning and makes keys of its own.
 *
 * SECURITY
 *	Whoever has the keys can decrypt recorded sessions that used
 *	tickets made with them (no forward secrecy across resumption):
 *	the file is mode 0600, owned by the user that reads it (root when
 *	the master runs as root), rotated, and the keys are wiped from
 *	memory when the context goes. Its directory must belong to that
 *	user and be writable by nobody else (data_directory is root's on a
 *	root instance), and the file is reached through the directory's
 *	descriptor, never through a link (lib/fsat), and used only if it is
 *	a regular file with one link, owned by us, with no group or other
 *	access: a root process must not be led to read or overwrite another
 *	file, nor to use keys that a service user chose.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fsat.h"
#include "log.h"
#include "tls_int.h"
#include "xmalloc.h"

#define TLS_TICKET_MAGIC	"PTTK0001"
#define TLS_TICKET_MAGIC_LEN	8
#define TLS_TICKET_KEY_LEN	(TLS_TICKET_NAME_LEN + TLS_TICKET_HMAC_LEN + \
	TLS_TICKET_AES_LEN)
#define TLS_TICKET_FILE_LEN	(TLS_TICKET_MAGIC_LEN + 2 * TLS_TICKET_KEY_LEN)

_Static_assert(sizeof(struct tls_ticket_key) == TLS_TICKET_KEY_LEN,
    "ticket key layout");

static void
tls_ticket_new_key(struct tls_ticket_key *k)
{
	if (RAND_bytes((unsigned char *)k, sizeof(*k)) != 1)
		log_fatal("tls: no random bytes for a session ticket key");
}

static int
tls_ticket_is_zero(const struct tls_ticket_key *k)
{
	static const struct tls_ticket_key zero;

	return memcmp(k, &zero, sizeof(zero)) == 0;
}

/*
 * The file, through its directory (ours, writable by nobody else): the
 * descriptor, or -1 (warned).
 */
static int
tls_tickets_open(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *err;
	int dfd, fd;

	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	dfd = fsat_dir_open(dir, geteuid(), 022, &err);
	fd = dfd < 0 ? -1 : fsat_open(dfd, slash != NULL ? slash + 1 : path,
	    O_RDWR | O_CREAT, 0600, geteuid(), &err);
	if (fd < 0) {
		log_warn("TLS session ticket key file %s: %s; sessions resume "
		    "only on the process that made them", path, err);
		free(err);
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return fd;
}

/* Read, check and (when due) rewrite the file: 0, or -1 (warned). */
static int
tls_tickets_file(struct tls_tickets *tk, const char *path,
    long long timeout)
{
	unsigned char buf[TLS_TICKET_FILE_LEN];
	struct stat st;
	ssize_t n;
	time_t now = time(NULL);
	int fd, valid, fresh, r = -1;

	if ((fd = tls_tickets_open(path)) < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		log_warn("TLS session ticket key file %s: lock: %m", path);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		log_warn("TLS session ticket key file %s: not a regular file "
		    "of uid %ld with mode 0600 and one link: not used (remove "
		    "it; it is made again)", path, (long)geteuid());
		goto out;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	valid = n == (ssize_t)sizeof(buf) && st.st_size == (off_t)sizeof(buf) &&
	    memcmp(buf, TLS_TICKET_MAGIC, TLS_TICKET_MAGIC_LEN) == 0;
	fresh = valid && st.st_mtime <= now && now - st.st_mtime < timeout;
	if (valid) {
		memcpy(&tk->cur, buf + TLS_TICKET_MAGIC_LEN,
		    TLS_TICKET_KEY_LEN);
		memcpy(&tk->prev, buf + TLS_TICKET_MAGIC_LEN +
		    TLS_TICKET_KEY_LEN, TLS_TICKET_KEY_LEN);
	}
	if (!fresh) {
		/* rotate: the current key only opens tickets from now on */
		if (valid)
			tk->prev = tk->cur;
		else
			memset(&tk->prev, 0, sizeof(tk->prev));
		tls_ticket_new_key(&tk->cur);
		memcpy(buf, TLS_TICKET_MAGIC, TLS_TICKET_MAGIC_LEN);
		memcpy(buf + TLS_TICKET_MAGIC_LEN, &tk->cur,
		    TLS_TICKET_KEY_LEN);
		memcpy(buf + TLS_TICKET_MAGIC_LEN + TLS_TICKET_KEY_LEN,
		    &tk->prev, TLS_TICKET_KEY_LEN);
		if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
		    ftruncate(fd, (off_t)sizeof(buf)) < 0 || fsync(fd) < 0) {
			log_warn("TLS session ticket key file %s: write: %m",
			    path);
			goto out;
		}
	}
	tk->have_prev = !tls_ticket_is_zero(&tk->prev);
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);	/* and the lock */
	return r;
}

struct tls_tickets *
tls_tickets_load(const char *path, long long timeout)
{
	struct tls_tickets *tk = xcalloc(1, sizeof(*tk));

	if (path != NULL && *path != '\0' &&
	    tls_tickets_file(tk, path, timeout) == 0)
		return tk;
	if (path == NULL || *path == '\0')
		log_debug("TLS session tickets: keys of this process only");
	explicit_bzero(tk, sizeof(*tk));
	tls_ticket_new_key(&tk->cur);
	return tk;
}

void
tls_tickets_free(struct tls_tickets **tkp)
{
	if (*tkp == NULL)
		return;
	explicit_bzero(*tkp, sizeof(**tkp));
	free(*tkp);
	*tkp = NULL;
}

/*
 * OpenSSL's ticket callback: enc, pick the current key and a fresh IV;
 * else find the key by name: 1 current, 2 previous (renew the ticket),
 * 0 unknown (full handshake), -1 error.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
{
	static char digest[] = "SHA256";
	struct tls_tickets *tk = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const struct tls_ticket_key *k;
	OSSL_PARAM params[3];
	int r = 1;

	if (tk == NULL)
		return -1;
	if (enc) {
		k = &tk->cur;
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1)
			return -1;
		memcpy(name, k->name, TLS_TICKET_NAME_LEN);
		if (!EVP_EncryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv))
			return -1;
	} else {
		if (memcmp(name, tk->cur.name, TLS_TICKET_NAME_LEN) == 0)
			k = &tk->cur;
		else if (tk->have_prev && memcmp(name, tk->prev.name,
		    TLS_TICKET_NAME_LEN) == 0) {
			k = &tk->prev;
			r = 2;
		} else
			return 0;
		if (!EVP_DecryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv))
			return -1;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(uintptr_t)k->hmac, TLS_TICKET_HMAC_LEN);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[2] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(hctx, params))
		return -1;
	return r;
}

void
tls_tickets_install(SSL_CTX *ctx, struct tls_tickets *tk)
{
	SSL_CTX_set_app_data(ctx, tk);
	if (!SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb))
		log_fatal("tls: cannot install the session ticket callback");
}

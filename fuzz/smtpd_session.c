/*
 * fuzz/smtpd_session - a whole SMTP session from the client's side: the
 * command lines and their parameters, MAIL and RCPT paths, ESMTP and
 * DSN parameters, DATA and BDAT content, AUTH PLAIN and LOGIN
 * exchanges, pipelining, over-long lines, bare LF, as smtpd's session
 * loop serves them (smtpd's objects minus main.o).
 *
 * Input: a control byte (bit 0: smtpd_forbid_bare_newline normalize
 * instead of reject; bit 1: the client is in mynetworks, so it may
 * relay; bits 2-7: the network hands over that many bytes per read,
 * 0 meaning all), then everything the client sends. The session runs
 * on a memory stream in a scratch queue directory: accepted messages
 * are really written and committed there (and removed afterwards); no
 * qmgr or auth service listens, so ETRN and AUTH meet their temporary
 * failures. Properties: no input ends the process (log_fatal aborts);
 * every byte the server sends is a well-formed reply line: three
 * digits, a space or a dash, text without control characters, CR LF.
 * TLS is not covered (STARTTLS is not offered without a certificate).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "params.h"
#include "smtpd/smtpd.h"
#include "stream.h"

static const char *const fz_overrides[] = {
	"myhostname=mx.fuzz.example",
	"mydestination=mx.fuzz.example, localhost",
	"relay_domains=relay.example",
	"virtual_mailbox_domains=fuzz.example",
	"virtual_mailbox_maps=inline:{ alice@fuzz.example=fuzz.example/alice/,"
	    " bob@fuzz.example=fuzz.example/bob/ }",
	"virtual_alias_domains=alias.example",
	"virtual_alias_maps=inline:{ x@alias.example=alice@fuzz.example }",
	"alias_maps=inline:{ postmaster=alice@fuzz.example }",
	"recipient_delimiter=+",
	"smtpd_sasl_auth_enable=yes",
	"smtpd_tls_auth_only=no",
	"smtpd_error_sleep_time=0",
	"smtpd_soft_error_limit=50",
	"smtpd_hard_error_limit=100",
	"message_size_limit=65536",
	"hopcount_limit=5",
	"queue_dir_fsync=no",
	"mynetworks=127.0.0.0/8",
	"smtpd_reject_footer=contact postmaster\\n($client_address)",
	NULL
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_enter("smtpd_session");
	if (params_load(NULL, fz_overrides, &err) < 0) {
		fprintf(stderr, "params: %s\n", err);
		abort();
	}
	smtpd_conf_check();
	/* smtpd_queue_prepare, without its chown to mail_owner */
	if (mkdir("incoming", 0700) < 0)
		abort();
	smtpd_check_init();
	smtpd_auth_policy_init();
	fuzz_leave();
	return 0;
}

/* What the server wrote: reply lines only. */
static void
check_output(const char *p, size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		start = i;
		FUZZ_CHECK(len - i >= 6);
		FUZZ_CHECK(p[i] >= '2' && p[i] <= '5');
		FUZZ_CHECK(p[i + 1] >= '0' && p[i + 1] <= '9');
		FUZZ_CHECK(p[i + 2] >= '0' && p[i + 2] <= '9');
		FUZZ_CHECK(p[i + 3] == ' ' || p[i + 3] == '-');
		for (i += 4; i < len && p[i] != '\r'; i++)
			FUZZ_CHECK((unsigned char)p[i] >= 0x20 &&
			    p[i] != 0x7f);
		FUZZ_CHECK(i + 1 < len && p[i + 1] == '\n');
		i += 2;
		FUZZ_CHECK(i - start <= 512);
	}
}

/* Remove what the session committed (incoming/H/QID). */
static void
clean_queue(void)
{
	char path[600];
	struct dirent *h, *f;
	DIR *d, *sub;

	if ((d = opendir("incoming")) == NULL)
		return;
	while ((h = readdir(d)) != NULL) {
		if (h->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "incoming/%s", h->d_name);
		if ((sub = opendir(path)) == NULL) {
			unlink(path);	/* a tmp file left behind: a bug */
			continue;
		}
		while ((f = readdir(sub)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "incoming/%s/%s",
			    h->d_name, f->d_name);
			unlink(path);
		}
		closedir(sub);
	}
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_session sess;
	const char *out;
	struct stream *s;
	size_t outlen;

	if (size < 1)
		return 0;
	fuzz_enter("smtpd_session");
	memset(&sess, 0, sizeof(sess));
	s = stream_mem_open(data + 1, size - 1);
	stream_mem_set_chunk(s, data[0] >> 2);
	smtpd_io_init(&sess.io, s);
	sess.fd = -1;
	sess.reply = vbuf_new(512, VBUF_NOLIMIT);
	sess.state = SMTPD_STATE_CONNECT;
	sess.verb = "CONNECT";
	sess.local_uid = (uid_t)-1;
	sess.bare = data[0] & 1 ? SMTPD_BARE_NORMALIZE : SMTPD_BARE_REJECT;
	sess.flags = SMTPD_F_INET | (data[0] & 2 ? SMTPD_F_MYNETWORKS : 0);
	strlcpy(sess.name, "client.example", sizeof(sess.name));
	strlcpy(sess.addr, "192.0.2.1", sizeof(sess.addr));
	strlcpy(sess.port, "25", sizeof(sess.port));
	smtpd_session_namaddr(&sess);

	smtpd_reply(&sess, 220, NULL, "%s ESMTP", "mx.fuzz.example");
	smtpd_session_loop(&sess);
	smtpd_xact_reset(&sess);
	FUZZ_CHECK(sess.xact.qf == NULL && sess.xact.content == NULL);
	FUZZ_CHECK(stream_flush(sess.io.s) == 0);
	out = stream_mem_output(sess.io.s, &outlen);
	if (getenv("FUZZ_SHOW") != NULL)	/* to see what a seed reaches */
		fwrite(out, 1, outlen, stderr);
	check_output(out, outlen);
	smtpd_session_free(&sess);
	clean_queue();
	fuzz_leave();
	return 0;
}

/*
 * fuzz/qmgr_trigger - what qmgr reads on its wakeup socket, public/qmgr,
 * which every local user may connect to (lib/qmgr_proto.h): verb bytes,
 * "QQID" and the "QQID\n" and "N\n" lines of an smtpd, and what qmgr
 * answers with its spare queue files (qmgr_trigger of
 * qmgr/qmgr_service.c, qmgr/qmgr_spare.c); qmgr's objects minus main.o,
 * in a scratch queue directory with SPARES files in spare/.
 *
 * Input: a control byte, then the bytes of one connection. Bit 0 of the
 * control byte: the peer is mail_owner (a real socket of our own uid) or
 * someone else (no answer channel); bit 1: the bytes come in one read
 * (a connection's first) or a line at a time (a connection qmgr keeps).
 * Properties: every answer is a line "S" and the name of a file in
 * spare/; no name is given twice while it is out; nothing goes to
 * anyone but mail_owner; a connection gets no more names than it sent
 * "Q" and "N" lines, and holds at most QMGR_SPARE_HOLD not used (each
 * "Q" may use one). After each input the names given are used and the
 * connection ends, so the next input starts from the same pool.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "params.h"
#include "qid.h"
#include "qmgr/qmgr.h"
#include "server.h"

#define SPARES		12	/* files in spare/ */
#define HOLD		8	/* QMGR_SPARE_HOLD of qmgr_spare.c */

static const char *const fz_overrides[] = {
	"queue_file_spare_limit=1000",	/* no trimming between inputs */
	NULL
};

static int fz_sv[2] = { -1, -1 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct timeval tv;
	char qid[QID_SIZE], path[64];
	char *err;
	int i, fd;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_enter("qmgr_trigger");
	if (params_load(NULL, fz_overrides, &err) < 0) {
		fprintf(stderr, "params: %s\n", err);
		abort();
	}
	if (mkdir("incoming", 0700) < 0 || mkdir("active", 0700) < 0 ||
	    mkdir("spare", 0700) < 0)
		abort();
	for (i = 0; i < SPARES; i++) {
		tv.tv_sec = 1700000000 + i;
		tv.tv_usec = 0;
		qid_make(qid, &tv, (ino_t)(4096 + i));
		snprintf(path, sizeof(path), "spare/%s", qid);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
			abort();
		close(fd);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fz_sv) < 0)
		abort();
	(void)fcntl(fz_sv[1], F_SETFL, O_NONBLOCK);
	fuzz_leave();
	return 0;
}

/* Lines of p..end that begin with c. */
static size_t
lines(const uint8_t *p, const uint8_t *end, int c)
{
	size_t n = 0;
	const uint8_t *nl;

	while (p < end) {
		n += *p == c;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

/* The answers on the socket: each a spare name, none twice; used. */
static size_t
answers(void)
{
	char buf[4096], names[64][QID_SIZE], path[64];
	struct stat st;
	size_t have = 0, k = 0, i, j;
	char *p, *nl;
	ssize_t n;

	while (have < sizeof(buf) - 1 && (n = recv(fz_sv[1], buf + have,
	    sizeof(buf) - 1 - have, 0)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	for (p = buf; p < buf + have; p = nl + 1) {
		FUZZ_CHECK(*p == 'S');
		nl = strchr(p, '\n');
		FUZZ_CHECK(nl != NULL && nl - p - 1 < QID_SIZE);
		*nl = '\0';
		FUZZ_CHECK(qid_valid(p + 1));
		snprintf(path, sizeof(path), "spare/%s", p + 1);
		FUZZ_CHECK(lstat(path, &st) == 0);
		FUZZ_CHECK(k < sizeof(names) / sizeof(names[0]));
		strlcpy(names[k++], p + 1, QID_SIZE);
	}
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++)
			FUZZ_CHECK(strcmp(names[i], names[j]) != 0);
	for (i = 0; i < k; i++)
		qmgr_spare_used(names[i]);	/* as smtpd's "Q" would */
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_info info = { "qmgr", "unix", -1, 1, -1 };
	const uint8_t *p, *end, *nl;
	unsigned ctl;
	size_t given;

	fuzz_quiet_log();
	if (size < 2)
		return 0;
	ctl = data[0];
	p = data + 1;
	end = data + size;
	fuzz_enter("qmgr_trigger");
	qmgr_spare_recount();
	if (ctl & 1)
		info.reply_fd = fz_sv[0];
	if (ctl & 2) {
		/* a kept connection: whole lines, the rest as it is */
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			nl = nl != NULL ? nl + 1 : end;
			qmgr_trigger((const char *)p, (size_t)(nl - p), &info);
			p = nl;
		}
		p = data + 1;
	} else
		qmgr_trigger((const char *)p, (size_t)(end - p), &info);
	given = answers();
	if (!(ctl & 1))
		FUZZ_CHECK(given == 0);
	FUZZ_CHECK(given <= lines(p, end, 'Q') + lines(p, end, 'N'));
	FUZZ_CHECK(given <= HOLD + lines(p, end, 'Q'));
	qmgr_spare_gone(fz_sv[0]);
	fuzz_leave();
	return 0;
}

/*
 * fuzz/qfile - queue file envelopes (lib/qfile), as qmgr and the
 * delivery agents read files that smtpd, a network-facing process,
 * wrote; a round trip through the writer.
 *
 * Input: a whole queue file. When qfile_read_env accepts it, the
 * envelope must be consistent (offsets inside the file, recipients at
 * 'R' or 'D' records, no CR, LF or NUL in any text), and a queue file
 * written again from it with the writer smtpd uses (same sender,
 * attributes, recipients with ORCPT and NOTIFY, done marks, content)
 * must read back to the same envelope and content. Marking a
 * recipient done (qfile_mark_done, as qmgr does) must read back as
 * done. A corrupt file gets a reason.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "qfile.h"
#include "qid.h"

static const char *fz_queue;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fz_queue = fuzz_tmpdir("qfile");
	snprintf(path, sizeof(path), "%s/%s", fz_queue, QDIR_INCOMING);
	if (mkdir(path, 0700) < 0)
		abort();
	return 0;
}

static int
text_ok(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

static char *
content(int fd, const struct qfile_env *env)
{
	char *c = malloc(env->content_size + 1);

	FUZZ_CHECK(c != NULL);
	FUZZ_CHECK(pread(fd, c, env->content_size,
	    (off_t)env->content_offset) == (ssize_t)env->content_size);
	return c;
}

/* Write env and its content again; read it back; compare. */
static void
round_trip(const struct qfile_env *env, const char *body)
{
	struct qfile_writer *w;
	struct qfile_env again;
	char qid[QID_SIZE], path[256], *name, *body2;
	const char *err, *eq;
	size_t i;
	int fd;

	if ((w = qfile_create(fz_queue)) == NULL)
		abort();
	if (qfile_add_sender(w, env->sender) < 0)
		goto refused;
	for (i = 0; i < env->nattrs; i++) {
		eq = strchr(env->attrs[i], '=');
		name = strndup(env->attrs[i], (size_t)(eq - env->attrs[i]));
		if (qfile_add_attr(w, name, eq + 1) < 0) {
			free(name);
			goto refused;
		}
		free(name);
	}
	for (i = 0; i < env->nrcpts; i++)
		if (qfile_add_rcpt(w, env->rcpts[i].addr, env->rcpts[i].orcpt,
		    env->rcpts[i].notify) < 0)
			goto refused;
	FUZZ_CHECK(qfile_begin_content(w) == 0);
	FUZZ_CHECK(qfile_write_content(w, body, env->content_size) == 0);
	FUZZ_CHECK(qfile_content_size(w) == env->content_size);
	FUZZ_CHECK(qfile_commit(w, 0, qid) == 0);
	qfile_abort(w);

	snprintf(path, sizeof(path), "%s/%s/%c/%s", fz_queue, QDIR_INCOMING,
	    qid_hash(qid), qid);
	fd = open(path, O_RDWR);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(qfile_holds(fd, qid));
	FUZZ_CHECK(qfile_read_env(fd, &again, &err) == 0);
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].done)
			FUZZ_CHECK(qfile_mark_done(fd,
			    again.rcpts[i].offset) == 0);
	qfile_env_free(&again);
	FUZZ_CHECK(qfile_read_env(fd, &again, &err) == 0);
	FUZZ_CHECK(strcmp(again.sender, env->sender) == 0);
	FUZZ_CHECK(again.nattrs == env->nattrs);
	for (i = 0; i < env->nattrs; i++)
		FUZZ_CHECK(strcmp(again.attrs[i], env->attrs[i]) == 0);
	FUZZ_CHECK(again.nrcpts == env->nrcpts);
	for (i = 0; i < env->nrcpts; i++) {
		FUZZ_CHECK(strcmp(again.rcpts[i].addr, env->rcpts[i].addr) ==
		    0);
		FUZZ_CHECK(same_str(again.rcpts[i].orcpt,
		    env->rcpts[i].orcpt));
		FUZZ_CHECK(same_str(again.rcpts[i].notify,
		    env->rcpts[i].notify));
		FUZZ_CHECK(again.rcpts[i].done == env->rcpts[i].done);
	}
	FUZZ_CHECK(again.content_size == env->content_size);
	body2 = content(fd, &again);
	FUZZ_CHECK(memcmp(body, body2, env->content_size) == 0);
	free(body2);
	qfile_env_free(&again);
	close(fd);
	unlink(path);
	return;
refused:
	/* the reader took a text the writer refuses: it must not be one */
	FUZZ_CHECK(errno == EINVAL);
	qfile_abort(w);
	FUZZ_CHECK(!"the writer refuses what the reader accepted");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qfile_env env;
	struct stat st;
	const char *err = NULL;
	char *body, qid[QID_SIZE];
	unsigned char t;
	size_t i;
	int fd;

	if ((fd = memfd_create("fuzz-qfile", MFD_CLOEXEC)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	if (qfile_read_env(fd, &env, &err) < 0) {
		FUZZ_CHECK(err != NULL && *err != '\0');
		close(fd);
		return 0;
	}
	FUZZ_CHECK(fstat(fd, &st) == 0);
	FUZZ_CHECK(env.content_offset + env.content_size + 5 ==
	    (uint64_t)st.st_size);
	FUZZ_CHECK(env.sender != NULL && text_ok(env.sender));
	FUZZ_CHECK(env.nrcpts > 0);
	for (i = 0; i < env.nattrs; i++)
		FUZZ_CHECK(text_ok(env.attrs[i]) &&
		    strchr(env.attrs[i], '=') != NULL);
	FUZZ_CHECK(env.attrs[env.nattrs] == NULL);
	for (i = 0; i < env.nrcpts; i++) {
		FUZZ_CHECK(text_ok(env.rcpts[i].addr));
		FUZZ_CHECK(text_ok(env.rcpts[i].orcpt));
		FUZZ_CHECK(text_ok(env.rcpts[i].notify));
		FUZZ_CHECK(env.rcpts[i].offset >= QFILE_HDR_SIZE &&
		    (uint64_t)env.rcpts[i].offset < env.content_offset);
		t = data[env.rcpts[i].offset];
		FUZZ_CHECK(t == (env.rcpts[i].done ? QREC_DONE : QREC_RCPT));
	}
	(void)qfile_env_attr(&env, "client");
	body = content(fd, &env);
	round_trip(&env, body);
	free(body);

	/* qmgr's mark, read back */
	FUZZ_CHECK(qfile_mark_done(fd, env.rcpts[0].offset) == 0);
	qfile_env_free(&env);
	FUZZ_CHECK(qfile_read_env(fd, &env, &err) == 0);
	FUZZ_CHECK(env.rcpts[0].done);
	qfile_env_free(&env);
	qid_make(qid, &(struct timeval){ 1, 2 }, 3);
	FUZZ_CHECK(qid_valid(qid));
	(void)qfile_holds(fd, qid);
	close(fd);
	return 0;
}

/*
 * fuzz/local_request - what local delivery (running as the vmail user)
 * reads from qmgr and from the queue file: the deliver request record
 * (deliver_req_parse of lib/deliver_agent, which local and relay
 * share), the Delivered-To: fields of the message
 * (local_loop_scan, local_loop_check) and mailbox table values
 * (local_entry_parse); delivery/local's objects minus main.o.
 *
 * Input: a control byte, one IPC frame (as qmgr sends it), then the
 * message content. Properties: a request that parses has 1..1000
 * recipients, each non-empty and printable, a valid queue ID and a
 * content range that does not overflow; a refused one says why. The
 * loop scan of the content never fails on a readable file (and says
 * EIO for a range past its end), and every recipient can be checked
 * against what it found. Every recipient and
 * the sender is also tried as a table value.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver_agent.h"
#include "delivery/local/local.h"
#include "fuzz.h"
#include "ipc.h"
#include "qid.h"

static void
check_entry(const char *value)
{
	struct local_entry e;
	const char *err = NULL;

	if (local_entry_parse(value, &e, &err) == 0)
		FUZZ_CHECK(e.maildir[0] != '\0' && e.quota >= 0);
	else
		FUZZ_CHECK(err != NULL && *err != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct local_dt *dt = NULL;
	struct deliver_req req;
	struct ipc_chan ch;
	struct ipc_rec *r;
	const char *verb, *err = NULL;
	size_t used, i;
	int fd;

	fuzz_quiet_log();
	if (size < 1)
		return 0;
	ipc_chan_init(&ch, -1, "qmgr");
	if (ipc_parse(&ch, data + 1, size - 1, &r, &used) != 1)
		return 0;
	memset(&req, 0, sizeof(req));
	req.qfd = -1;
	if (ipc_get_strn(r, "req", 32, &verb) == 0 &&
	    strcmp(verb, "deliver") == 0) {
		if (deliver_req_parse(r, &req, &err) == 0) {
			FUZZ_CHECK(req.count >= 1 &&
			    req.count <= DELIVER_RCPT_MAX);
			FUZZ_CHECK(qid_valid(req.queue_id));
			FUZZ_CHECK(fuzz_printable(req.sender));
			FUZZ_CHECK(req.content_offset <= INT64_MAX -
			    req.content_size);
			for (i = 0; i < req.count; i++) {
				FUZZ_CHECK(req.rcpts[i].addr[0] != '\0');
				FUZZ_CHECK(fuzz_printable(req.rcpts[i].addr));
				FUZZ_CHECK(fuzz_printable(req.rcpts[i].orig));
				check_entry(req.rcpts[i].addr);
			}
			check_entry(req.sender);
		} else {
			FUZZ_CHECK(err != NULL && *err != '\0');
			free(req.rcpts);
			memset(&req, 0, sizeof(req));	/* as local_serve */
		}
	}

	/* the message after the frame, as the queue file's content */
	if ((fd = memfd_create("fuzz-content", MFD_CLOEXEC)) < 0)
		abort();
	if (write(fd, data + 1 + used, size - 1 - used) !=
	    (ssize_t)(size - 1 - used))
		abort();
	FUZZ_CHECK(local_loop_scan(fd, 0, size - 1 - used, &dt) == 0);
	for (i = 0; i < req.count && req.rcpts != NULL; i++)
		(void)local_loop_check(dt, req.rcpts[i].addr);
	(void)local_loop_check(dt, "alice@fuzz.example");
	(void)local_loop_count(dt);
	local_loop_free(&dt);
	/* a content range past the end of the file is a read error */
	if (local_loop_scan(fd, 3, size, &dt) == 0)
		local_loop_free(&dt);
	else
		FUZZ_CHECK(dt == NULL);
	close(fd);
	free(req.rcpts);
	ipc_rec_free(&r);
	return 0;
}

/*
 * qmgr_clnt - the client half of the queue manager's control protocol
 * (qmgr_proto.h), for the postern command.
 *
 * SECURITY
 *	Replies are parsed with the strict ipc getters and bounded; texts
 *	may hold anything printable a remote server said (deferral
 *	reasons): callers print them as data.
 */
#ifndef POSTERN_QMGR_CLNT_H
#define POSTERN_QMGR_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct qmgr_clnt_entry {
	const char	*queue_id;
	const char	*queue;
	const char	*sender;
	uint64_t	 size;
	uint64_t	 arrival;
	size_t		 n;
	const char	**rcpt;
	const char	**reason;
};

typedef void (*qmgr_clnt_entry_fn)(const struct qmgr_clnt_entry *, void *);

/*
 * Connect to queue_dir/QMGR_CTL_SOCKET and check qmgr's greeting.
 * 0 with ch ready (the caller closes ch->fd), or -1 with *err_r (a
 * static or ch->err text).
 */
int	qmgr_clnt_open(const char *queue_dir, struct ipc_chan *ch,
	    const char **err_r);
/*
 * req=list: fn is called once per message. 0, or -1 with *err_r.
 * *total_r (may be NULL) gets the count qmgr reported.
 */
int	qmgr_clnt_list(struct ipc_chan *ch, qmgr_clnt_entry_fn fn, void *arg,
	    uint64_t *total_r, const char **err_r);
/*
 * req=flush (ids NULL, n 0), hold, release, delete, requeue. 0 with
 * *done_r and *text_r (malloc'd, the caller frees), or -1 with *err_r.
 */
int	qmgr_clnt_request(struct ipc_chan *ch, const char *verb,
	    char *const *ids, size_t n, uint64_t *done_r, char **text_r,
	    const char **err_r);

#endif

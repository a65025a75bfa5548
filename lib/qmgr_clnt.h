/*
 * qmgr_clnt - the client half of the queue manager's control protocol
 * (qmgr_proto.h), for the postern command.
 *
 *	struct qmgr_clnt *qc;
 *	char *err = NULL;
 *
 *	if ((qc = qmgr_clnt_open(var_queue_directory, &err)) == NULL ||
 *	    qmgr_clnt_list(qc, fn, arg, NULL, &err) < 0)
 *		... print err, free it ...
 *	qmgr_clnt_free(&qc);
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

struct qmgr_clnt;

struct qmgr_clnt_entry {
	const char	*queue_id;
	const char	*queue;
	const char	*sender;
	uint64_t	 size;
	uint64_t	 arrival;
	uint64_t	 next;		/* next attempt (deferred), or 0 */
	size_t		 n;
	const char	**rcpt;
	const char	**reason;
};

typedef void (*qmgr_clnt_entry_fn)(const struct qmgr_clnt_entry *, void *);

/*
 * Connect to queue_dir/private/qmgr-ctl and check qmgr's greeting: the
 * client (free with qmgr_clnt_free), or NULL with *err_r ("... is
 * postern running?", "... permission denied (run as root or as
 * mail_owner)").
 */
struct qmgr_clnt *qmgr_clnt_open(const char *queue_dir, char **err_r);
/* Hang up and free; sets *qcp to NULL. NULL is fine. */
void	qmgr_clnt_free(struct qmgr_clnt **qcp);
/*
 * req=list: fn is called once per message. 0, or -1 with *err_r.
 * *total_r (may be NULL) gets the count qmgr reported.
 */
int	qmgr_clnt_list(struct qmgr_clnt *, qmgr_clnt_entry_fn fn, void *arg,
	    uint64_t *total_r, char **err_r);
/*
 * req=flush (ids NULL, n 0), hold, release, delete, requeue. 0 with
 * *done_r and *text_r (malloc'd, the caller frees), or -1 with *err_r.
 */
int	qmgr_clnt_request(struct qmgr_clnt *, const char *verb,
	    char *const *ids, size_t n, uint64_t *done_r, char **text_r,
	    char **err_r);

#endif

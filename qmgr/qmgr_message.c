/*
 * NAME
 *	qmgr_message - the active queue: take a queue file in, validate
 *	it, resolve its recipients, and record what happens to each.
 *
 * DESCRIPTION
 *	qmgr_message_load takes a file of incoming/ or deferred/ where it
 *	is: it opens it, enters it in the table of active messages (the
 *	ownership step of lib/qfile.h: what the table holds, no other
 *	code of qmgr moves or opens for delivery), reads and validates its
 *	envelope, logs `QID: from=<s>, size=N, nrcpt=M (queue active)` and
 *	resolves every recipient not yet marked done (qmgr/resolve.c) into
 *	final addresses, queued on their destinations. A file that does
 *	not validate goes to corrupt/ with a warning. No rename: under a
 *	burst, fifty smtpds rename into incoming/ and every cross-directory
 *	rename of the file system waits on one lock, so a qmgr that
 *	renamed each message in could not keep up with them (bench/README).
 *
 *	qmgr_message_result records one final address's outcome. A
 *	delivered one is marked 'D' in the file as soon as all the final
 *	addresses of its 'R' record are delivered (the fsync comes before
 *	the file is parked or deferred: qmgr_finish); a failed one waits
 *	for the bounce to be written first. When nothing of the message is
 *	pending, qmgr_finish decides where the file goes.
 *
 *	Log lines: qmgr logs the `to=` line of the outcomes it decides
 *	itself (relay=none: resolution, unavailable transport, dead
 *	destination, a lost agent); a delivery agent logs those it
 *	reports (deliver_proto.h gives it the times for delay=).
 *
 * SECURITY
 *	Everything in the file is checked by qfile_read_env; recipient
 *	addresses are re-parsed by qmgr/resolve.c. The file is opened with
 *	O_NOFOLLOW and must be a regular file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "deliver_agent.h"
#include "log.h"
#include "params.h"
#include "qmgr.h"
#include "xmalloc.h"

struct qmgr_msg_list qmgr_active = TAILQ_HEAD_INITIALIZER(qmgr_active);
size_t	qmgr_nactive, qmgr_rcpts_mem;
struct resolve *qmgr_resolver;

/* The active messages by queue ID: every scan asks it for every file. */
static struct htable qmgr_msg_tab;
static int qmgr_msg_tab_ready;

static uint64_t
qmgr_message_hash(const char *qid)
{
	if (!qmgr_msg_tab_ready) {
		htable_init(&qmgr_msg_tab);
		qmgr_msg_tab_ready = 1;
	}
	return htable_hash_str(&qmgr_msg_tab, qid);
}

struct qmgr_msg *
qmgr_message_find(const char *qid)
{
	struct htable_node *n;
	struct qmgr_msg *m;
	uint64_t h = qmgr_message_hash(qid);

	for (n = htable_first(&qmgr_msg_tab, h); n != NULL;
	    n = htable_next(n, h)) {
		m = HTABLE_ENTRY(n, struct qmgr_msg, node);
		if (strcmp(m->qid, qid) == 0)
			return m;
	}
	return NULL;
}

void
qmgr_message_forget(struct qmgr_msg *m)
{
	htable_del(&qmgr_msg_tab, &m->node);
}

void
qmgr_message_log(const struct qmgr_msg *m, const char *addr,
    const char *orig, const struct qmgr_outcome *o, const char *status)
{
	char d[32], a[32], b[32];
	double now = qmgr_now_f(), arr;

	arr = (double)m->env.arrival.tv_sec +
	    (double)m->env.arrival.tv_usec / 1e6;
	deliver_fmt_delay(d, sizeof(d), now - arr);
	deliver_fmt_delay(a, sizeof(a), m->queued_f - arr);
	deliver_fmt_delay(b, sizeof(b), now - m->queued_f);
	if (orig != NULL && *orig != '\0' && strcasecmp(orig, addr) != 0)
		log_info("%s: to=<%s>, orig_to=<%s>, relay=%s, delay=%s, "
		    "delays=%s/%s/0/0, dsn=%s, status=%s (%s)", m->qid, addr,
		    orig, o->relay, d, a, b, o->dsn, status, o->text);
	else
		log_info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/%s/0/0, "
		    "dsn=%s, status=%s (%s)", m->qid, addr, o->relay, d, a, b,
		    o->dsn, status, o->text);
}

static void
qmgr_fail_add(struct qmgr_fail **v, size_t *n, const struct qmgr_msg *m,
    const struct qmgr_qr *qr, const char *addr, const struct qmgr_outcome *o)
{
	struct qmgr_fail *f;

	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	f = &(*v)[(*n)++];
	memset(f, 0, sizeof(*f));
	f->qr = (size_t)(qr - m->qr);
	f->addr = xstrdup(addr);
	strlcpy(f->dsn, o->dsn, sizeof(f->dsn));
	f->text = xstrdup(o->text);
	f->remote_mta = o->remote_mta != NULL ? xstrdup(o->remote_mta) : NULL;
	f->diag_type = o->diag_type != NULL ? xstrdup(o->diag_type) : NULL;
	f->when = time(NULL);
	f->action = DSN_ACTION_DELIVERED;
	if (o->action != NULL && strcmp(o->action, "relayed") == 0)
		f->action = DSN_ACTION_RELAYED;
}

void
qmgr_message_result(struct qmgr_msg *m, struct qmgr_qr *qr, const char *addr,
    const struct qmgr_outcome *o)
{
	const struct qfile_rcpt *fr = &m->env.rcpts[qr->index];
	struct qmgr_outcome soft;
	char code[DSN_STATUS_SIZE];

	if (o->dsn[0] == '5' && var_soft_bounce) {
		soft = *o;
		strlcpy(code, o->dsn, sizeof(code));
		code[0] = '4';
		soft.dsn = code;
		o = &soft;
	}
	if (!o->logged)
		qmgr_message_log(m, addr, fr->addr, o, o->dsn[0] == '2' ?
		    "sent" : o->dsn[0] == '5' ? "bounced" : "deferred");
	switch (o->dsn[0]) {
	case '2':
		/* "forwarded": a DSN-capable next hop took NOTIFY along */
		if (fr->notify != NULL && strcasestr(fr->notify, "SUCCESS") &&
		    (o->action == NULL || strcmp(o->action, "forwarded") != 0))
			qmgr_fail_add(&m->oks, &m->noks, m, qr, addr, o);
		break;
	case '5':
		qmgr_fail_add(&m->fails, &m->nfails, m, qr, addr, o);
		qr->bounced = 1;
		break;
	default:
		qr->deferred = 1;
		strlcpy(qr->dsn, o->dsn, sizeof(qr->dsn));
		free(qr->reason);
		/* for postern queue: whose reply it was */
		if (o->diag_type != NULL && o->remote_mta != NULL &&
		    *o->remote_mta != '\0')
			qr->reason = xasprintf("host %s said: %s",
			    o->remote_mta, o->text);
		else
			qr->reason = xstrdup(o->text);
		break;
	}
	if (--qr->nexp == 0 && !qr->deferred && !qr->bounced &&
	    qfile_mark_done(m->fd, fr->offset) < 0)
		log_error("%s: mark recipient %s done: %m", m->qid, fr->addr);
	if (m->pending == 0)
		log_panic("%s: outcome with nothing pending", m->qid);
	if (--m->pending == 0 && !m->loading)
		qmgr_finish(m);
}

void
qmgr_message_outcome(struct qmgr_rcpt *r, const struct qmgr_outcome *o)
{
	struct qmgr_msg *m = r->msg;
	struct qmgr_qr *qr = r->qr;
	char *addr = r->addr;

	m->nrcpt_mem--;
	qmgr_rcpts_mem--;
	free(r);
	qmgr_message_result(m, qr, addr, o);	/* may free m */
	free(addr);
}

/* Queue the final addresses of one 'R' record. */
static void
qmgr_message_resolve(struct qmgr_msg *m, struct qmgr_qr *qr, size_t *budget)
{
	struct resolve_list l = { 0 };
	struct qmgr_outcome o;
	struct qmgr_transport *tr;
	struct qmgr_rcpt *r;
	size_t i;

	resolve_rcpt(qmgr_resolver, m->env.rcpts[qr->index].addr,
	    m->smtputf8, budget, &l);
	qr->nexp = (int)l.n;
	m->pending += l.n;
	for (i = 0; i < l.n; i++) {
		if (l.v[i].status != RESOLVE_OK) {
			memset(&o, 0, sizeof(o));
			o.dsn = l.v[i].dsn;
			o.text = l.v[i].text;
			o.relay = "none";
			qmgr_message_result(m, qr, l.v[i].addr, &o);
			continue;
		}
		tr = qmgr_transport_get(l.v[i].transport);
		r = xcalloc(1, sizeof(*r));
		r->msg = m;
		r->qr = qr;
		r->addr = l.v[i].addr;
		l.v[i].addr = NULL;
		m->nrcpt_mem++;
		qmgr_rcpts_mem++;
		qmgr_dest_add(qmgr_dest_get(tr, tr->rcpt_limit == 1 ?
		    r->addr : l.v[i].nexthop, l.v[i].nexthop), r);
	}
	resolve_list_free(&l);
}

/* A file that does not validate: keep it for inspection. */
static void
qmgr_message_corrupt(const char *dir, const char *qid, const char *why)
{
	char *src = qfile_path(dir, qid);
	char *dst = xasprintf("%s/%s", QDIR_CORRUPT, qid);

	if (rename(src, dst) < 0)
		log_error("%s: rename to %s: %m", qid, dst);
	else
		log_warn("%s: corrupt queue file (%s): moved to %s/",
		    qid, why, QDIR_CORRUPT);
	free(src);
	free(dst);
}

int
qmgr_message_load(const char *dir, const char *qid)
{
	struct qmgr_msg *m;
	struct stat st;
	const char *err, *v;
	size_t i, budget;
	char *path;
	int fd;

	if (qmgr_message_find(qid) != NULL)
		return -1;		/* ours already: a scan passes it */
	path = qfile_path(dir, qid);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0 && errno == ENOENT)
		return -1;		/* gone: the admin, or a scan took it */
	if (fd < 0 && errno != ELOOP) {
		/* out of descriptors or memory: it waits for the next scan */
		log_warn("%s: open in %s: %m; left there", qid, dir);
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("%s: open in %s: %m", qid, dir);
		if (fd >= 0)
			close(fd);
		qmgr_message_corrupt(dir, qid, "not a regular file");
		return -1;
	}
	m = xcalloc(1, sizeof(*m));
	strlcpy(m->qid, qid, sizeof(m->qid));
	m->dir = strcmp(dir, QDIR_DEFERRED) == 0 ? QDIR_DEFERRED :
	    QDIR_INCOMING;
	m->fd = fd;
	if (qfile_read_env(fd, &m->env, &err) < 0) {
		if (errno == EINVAL)
			qmgr_message_corrupt(dir, qid, err);
		else {
			log_error("%s: read: %s: %m", qid, err);
			/* an I/O error: retried with the deferred queue */
			if (strcmp(m->dir, QDIR_DEFERRED) != 0 &&
			    qfile_move(m->dir, QDIR_DEFERRED, qid) < 0)
				log_error("%s: move to %s: %m", qid,
				    QDIR_DEFERRED);
		}
		close(fd);
		free(m);
		return -1;
	}
	v = qfile_env_attr(&m->env, "smtputf8");
	m->smtputf8 = v != NULL && strcasecmp(v, "yes") == 0;
	m->queued = time(NULL);
	m->queued_f = qmgr_now_f();
	TAILQ_INSERT_TAIL(&qmgr_active, m, entry);
	htable_add(&qmgr_msg_tab, &m->node, qmgr_message_hash(qid));
	qmgr_nactive++;
	log_info("%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)", qid,
	    m->env.sender, (unsigned long long)m->env.content_size,
	    m->env.nrcpts);

	m->qr = xcalloc(m->env.nrcpts, sizeof(*m->qr));
	for (i = 0; i < m->env.nrcpts; i++)
		if (!m->env.rcpts[i].done)
			m->qr[m->nqr++].index = i;
	m->loading = 1;
	budget = (size_t)var_virtual_alias_expansion_limit;
	for (i = 0; i < m->nqr; i++)
		qmgr_message_resolve(m, &m->qr[i], &budget);
	m->loading = 0;
	if (m->pending == 0)
		qmgr_finish(m);
	else
		qmgr_sched_kick();
	return 0;
}

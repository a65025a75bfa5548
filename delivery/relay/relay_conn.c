/*
 * NAME
 *	relay_conn - one delivery request: the next hop, the servers in
 *	turn, the outcome of every recipient; the session kept for the
 *	next request.
 *
 * DESCRIPTION
 *	For each request (lib/deliver_agent):
 *	1. The content is scanned once (relay_mime_scan): 8-bit bytes,
 *	   what needs SMTPUTF8.
 *	2. A session kept from an earlier request for the same next hop is
 *	   used again (connection reuse: RSET goes out first, in the same
 *	   pipelined group as MAIL FROM), while it is younger than
 *	   smtp_connection_reuse_time_limit and has served fewer than
 *	   smtp_connection_reuse_count_limit transactions (0: no limit). A
 *	   kept session that turns out dead moves the delivery on to a new
 *	   one.
 *	3. Otherwise the next hop's addresses (relay_hop) are tried in
 *	   order, at most smtp_mx_address_limit of them, until
 *	   smtp_mx_session_limit sessions got as far as a transaction or
 *	   every recipient has an outcome. A failure before the content
 *	   went out (connect, greeting, 421, a dropped connection, a
 *	   timeout) moves the recipients left to the next address.
 *	4. Recipients still without an outcome get the last failure's:
 *	   deferred, or bounced when it was permanent (null MX, NXDOMAIN, a
 *	   5xx greeting from the last server).
 *	5. Every recipient's status goes to qmgr (deliver_report logs its
 *	   line), then done with site_fail: 1 when every recipient was
 *	   deferred for a failure of the destination itself, so that only
 *	   such failures slow down or suspend it in qmgr; recipients that
 *	   each got their own 4xx (greylisting) do not.
 *	6. A session in step is kept, at most
 *	   smtp_connection_cache_time_limit while no request comes, then
 *	   QUIT. qmgr sends a request for the same next hop to the agent
 *	   that holds a session for it (deliver_proto.h, nexthop affinity).
 *
 *	delays=a/b/c/d: c is the time from the request to a ready session
 *	(DNS, connect, greeting, EHLO, TLS, AUTH; failed attempts
 *	included), d the transaction.
 *
 * SECURITY
 *	The request was checked by lib/deliver_agent. The agent runs as
 *	mail_owner in the queue directory's jail and sees only the queue
 *	file it is given.
 */
#include "config.h"

#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include "deliver_agent.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "relay.h"
#include "xmalloc.h"

/* The session kept between requests, and when it was last used. */
static struct relay_session *relay_cached;

static double
relay_since(const struct timeval *t)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_usec - t->tv_usec) / 1e6;
}

static void
relay_job_init(struct relay_job *job, struct deliver_req *req)
{
	memset(job, 0, sizeof(*job));
	job->req = req;
	job->st = xcalloc(req->count, sizeof(*job->st));
	job->log = xcalloc(req->count, sizeof(*job->log));
	job->done = xcalloc(req->count, 1);
	job->accepted = xcalloc(req->count, 1);
	job->pending = req->count;
}

static void
relay_job_free(struct relay_job *job)
{
	size_t i;

	for (i = 0; i < job->req->count; i++)
		free(job->log[i]);
	free(job->log);
	free(job->st);
	free(job->done);
	free(job->accepted);
	relay_mime_free(&job->mime);
}

/* A kept session for this next hop, reset for a new transaction. */
static struct relay_session *
relay_reuse(const char *nexthop)
{
	struct relay_session *s = relay_cached;

	relay_cached = NULL;
	if (s == NULL)
		return NULL;
	if (strcmp(s->nexthop, nexthop) == 0 && relay_session_reusable(s))
		return s;
	relay_session_close(&s);
	return NULL;
}

/* The servers of the next hop in turn; s is a session ready or NULL. */
static struct relay_session *
relay_attempts(struct relay_job *job, const struct relay_hop *hop,
    struct relay_session *s)
{
	struct relay_dest *dests;
	size_t ndest, i, sessions = 0;

	if (s != NULL) {
		s->setup = relay_since(&job->req->received);
		if (relay_xact(s, job) == RELAY_XACT_DONE)
			return s;
		relay_session_close(&s);
	}
	if (relay_hop_dests(hop, job, &dests, &ndest,
	    (size_t)var_smtp_mx_address_limit) < 0)
		return NULL;
	for (i = 0; i < ndest && job->pending > 0 &&
	    sessions < (size_t)var_smtp_mx_session_limit; i++) {
		if (relay_session_open(&dests[i], job->req->nexthop, hop, job,
		    &s) < 0) {
			/* the last failure becomes the status; say the
			   others, as Postfix does */
			if (i + 1 < ndest)
				log_info("%s: %s", job->req->queue_id,
				    job->fail.log);
			continue;
		}
		sessions++;
		s->setup = relay_since(&job->req->received);
		if (relay_xact(s, job) == RELAY_XACT_DONE)
			break;
		if (i + 1 < ndest)
			log_info("%s: %s", job->req->queue_id, job->fail.log);
		relay_session_close(&s);
	}
	free(dests);
	return s;
}

static int
relay_serve(struct deliver_conn *dc, struct deliver_req *req)
{
	struct relay_job job;
	struct relay_session *s = NULL;
	struct relay_hop hop;
	const char *why;
	size_t i, deferred = 0;
	int ret = 0, nonsite = 0;

	relay_job_init(&job, req);
	if (relay_mime_scan(req, &job.msg, &job.mime) < 0) {
		log_error("%s: read the queue file: %m", req->queue_id);
		relay_fail_set(&job, "none", 0, "4.3.0", "cannot read the "
		    "queue file");
	} else if (relay_hop_parse(req->nexthop, &hop, &why) < 0) {
		log_warn("%s: next hop \"%s\": %s", req->queue_id,
		    req->nexthop, why);
		relay_fail_set(&job, "none", 0, "4.3.5", "bad next hop \"%s\": "
		    "%s", req->nexthop, why);
	} else
		s = relay_attempts(&job, &hop, relay_reuse(req->nexthop));
	relay_fail_pending(&job);
	for (i = 0; i < req->count; i++) {
		if (job.st[i].dsn[0] == '4')
			deferred++;
		if (deliver_report(dc, req, i, &job.st[i]) < 0) {
			ret = -1;
			break;
		}
	}
	nonsite = job.nonsite;
	req->site_fail = deferred == req->count && !nonsite;
	if (s != NULL && !s->broken)
		relay_cached = s;
	else
		relay_session_close(&s);
	relay_job_free(&job);
	return ret;
}

static long long
relay_idle_ms(void)
{
	return relay_cached != NULL ?
	    var_smtp_connection_cache_time_limit * 1000 : -1;
}

static void
relay_idle(void)
{
	relay_session_close(&relay_cached);
}

static int
relay_after(void)
{
	return maps_changed();
}

void
relay_conn(int fd, const struct server_info *info)
{
	static const struct deliver_agent agent = {
		.serve = relay_serve,
		.idle_ms = relay_idle_ms,
		.idle = relay_idle,
		.after = relay_after,
	};

	(void)info;
	deliver_agent_conn(fd, &agent);
}

/*
 * NAME
 *	qmgr_sched - transports, destinations and the scheduler:
 *	per-destination concurrency with slow start, recipient limits,
 *	and throttling of dead destinations and missing transports.
 *
 * DESCRIPTION
 *	A destination is a transport and a next hop, or a transport and a
 *	recipient when the transport takes one recipient per request
 *	(local_destination_recipient_limit = 1, as in Postfix: then the
 *	concurrency limit is per mailbox). Each destination has a window:
 *	it starts at initial_destination_concurrency, grows by 1/window
 *	per job that got through (at most the transport's
 *	TRANSPORT_destination_concurrency_limit), and shrinks by one per
 *	job that ended in a site failure: the agent could not get a
 *	session with the destination (deliver_proto.h: site_fail), or was
 *	lost. Recipients that each got a 4xx answer (greylisting) do not
 *	count against the destination. When the failures in a
 *	row reach the window, the destination is dead for
 *	minimal_backoff_time: its queued recipients, and those of messages
 *	that arrive meanwhile, are deferred without a connection
 *	("delivery temporarily suspended"). A transport whose socket does
 *	not exist or refuses connections is unavailable for
 *	transport_retry_time, with the same effect.
 *
 *	Fairness: each transport keeps a round-robin list of destinations
 *	that may start a job; a job takes up to the recipient limit from
 *	the head of its destination queue, all of the same message. At
 *	most qmgr_transport_concurrency_limit jobs of a transport run at
 *	once (the agents' process limit).
 *
 * SECURITY
 *	Transport names come from the admin's tables and main.cf; they
 *	are checked before they become socket paths (qmgr_deliver.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "monotime.h"
#include "params.h"
#include "qmgr.h"
#include "server.h"
#include "xmalloc.h"

static LIST_HEAD(, qmgr_transport) qmgr_transports =
    LIST_HEAD_INITIALIZER(qmgr_transports);
static struct htable qmgr_dests;	/* by transport and name */

/* Every destination; the one at hand may be freed. */
#define QMGR_DEST_FOREACH(d, it)					\
	for (htable_iter_init((it), &qmgr_dests);			\
	    ((d) = qmgr_dest_iter_next(it)) != NULL;)
static struct event_timer *qmgr_kick_timer;

struct qmgr_transport *
qmgr_transport_get(const char *name)
{
	struct qmgr_transport *tr;

	LIST_FOREACH(tr, &qmgr_transports, entry)
		if (strcmp(tr->name, name) == 0)
			return tr;
	tr = xcalloc(1, sizeof(*tr));
	tr->name = xstrdup(name);
	/* TRANSPORT_destination_... as in Postfix, for any transport */
	tr->dest_limit = (int)params_transport_int(name,
	    "destination_concurrency_limit",
	    var_default_destination_concurrency_limit);
	tr->rcpt_limit = (int)params_transport_int(name,
	    "destination_recipient_limit",
	    var_default_destination_recipient_limit);
	tr->initial = (int)params_transport_int(name,
	    "initial_destination_concurrency",
	    var_initial_destination_concurrency);
	if (tr->rcpt_limit > DELIVER_RCPT_MAX)
		tr->rcpt_limit = DELIVER_RCPT_MAX;
	tr->limit = (int)var_qmgr_transport_concurrency_limit;
	TAILQ_INIT(&tr->ready);
	TAILQ_INIT(&tr->idle);
	LIST_INSERT_HEAD(&qmgr_transports, tr, entry);
	return tr;
}

static struct qmgr_dest *
qmgr_dest_iter_next(struct htable_iter *it)
{
	struct htable_node *n = htable_iter_next(it);

	return n != NULL ? HTABLE_ENTRY(n, struct qmgr_dest, node) : NULL;
}

/* The key is the transport's name, NUL, the destination's name. */
static uint64_t
qmgr_dest_hash(const struct qmgr_transport *tr, const char *name)
{
	if (qmgr_dests.bucket == NULL)
		htable_init(&qmgr_dests);
	return htable_hash_more(htable_hash(&qmgr_dests, tr->name,
	    strlen(tr->name) + 1), name, strlen(name));
}

struct qmgr_dest *
qmgr_dest_get(struct qmgr_transport *tr, const char *name, const char *nexthop)
{
	uint64_t h = qmgr_dest_hash(tr, name);
	struct htable_node *n;
	struct qmgr_dest *d;

	for (n = htable_first(&qmgr_dests, h); n != NULL;
	    n = htable_next(n, h)) {
		d = HTABLE_ENTRY(n, struct qmgr_dest, node);
		if (d->tr == tr && strcmp(d->name, name) == 0)
			return d;
	}
	d = xcalloc(1, sizeof(*d));
	d->tr = tr;
	d->name = xstrdup(name);
	d->nexthop = xstrdup(nexthop);
	d->window = (double)tr->initial;
	if (d->window > tr->dest_limit)
		d->window = tr->dest_limit;
	TAILQ_INIT(&d->todo);
	htable_add(&qmgr_dests, &d->node, h);
	return d;
}

/* Free a destination that holds nothing and remembers nothing. */
void
qmgr_sched_maybe_free(struct qmgr_dest *d)
{
	if (d->ntodo > 0 || d->active > 0 ||
	    d->dead_until > monotime_ms())
		return;
	if (d->on_ready)
		TAILQ_REMOVE(&d->tr->ready, d, ready_entry);
	htable_del(&qmgr_dests, &d->node);
	free(d->dead_reason);
	free(d->nexthop);
	free(d->name);
	free(d);
}

static void
qmgr_dest_update_ready(struct qmgr_dest *d)
{
	int ready = d->ntodo > 0 && d->active < (int)d->window &&
	    d->dead_until <= monotime_ms();

	if (ready && !d->on_ready) {
		TAILQ_INSERT_TAIL(&d->tr->ready, d, ready_entry);
		d->on_ready = 1;
	} else if (!ready && d->on_ready) {
		TAILQ_REMOVE(&d->tr->ready, d, ready_entry);
		d->on_ready = 0;
	}
}

/* Defer one queued recipient without trying it. */
static void
qmgr_defer_rcpt(struct qmgr_rcpt *r, const char *dsn, const char *reason)
{
	struct qmgr_outcome o;
	char text[DELIVER_TEXT_MAX + 64];

	snprintf(text, sizeof(text), "delivery temporarily suspended: %s",
	    reason);
	memset(&o, 0, sizeof(o));
	o.dsn = dsn;
	o.text = text;
	o.relay = "none";
	qmgr_message_outcome(r, &o);
}

void
qmgr_dest_add(struct qmgr_dest *d, struct qmgr_rcpt *r)
{
	long long now = monotime_ms();

	r->dest = d;
	if (d->tr->dead_until > now) {
		qmgr_defer_rcpt(r, "4.3.0", d->tr->dead_reason);
		return;
	}
	if (d->dead_until > now) {
		qmgr_defer_rcpt(r, d->dead_dsn, d->dead_reason);
		return;
	}
	TAILQ_INSERT_TAIL(&d->todo, r, entry);
	d->ntodo++;
	qmgr_dest_update_ready(d);
}

/* Defer everything queued on d (it is dead, or its transport is). */
void
qmgr_dest_defer_all(struct qmgr_dest *d)
{
	struct qmgr_rcpt *r;
	const char *dsn, *why;

	while ((r = TAILQ_FIRST(&d->todo)) != NULL) {
		TAILQ_REMOVE(&d->todo, r, entry);
		d->ntodo--;
		if (d->tr->dead_until > monotime_ms()) {
			dsn = "4.3.0";
			why = d->tr->dead_reason;
		} else {
			dsn = d->dead_dsn;
			why = d->dead_reason;
		}
		qmgr_defer_rcpt(r, dsn, why);
	}
	qmgr_dest_update_ready(d);
}

void
qmgr_transport_dead(struct qmgr_transport *tr, const char *reason)
{
	struct htable_iter it;
	struct qmgr_dest *d;

	log_warn("connect to transport private/%s: %s", tr->name, reason);
	tr->dead_until = monotime_ms() + var_transport_retry_time * 1000;
	free(tr->dead_reason);
	tr->dead_reason = xstrdup(reason);
	QMGR_DEST_FOREACH(d, &it)
		if (d->tr == tr)
			qmgr_dest_defer_all(d);
}

void
qmgr_sched_unthrottle_all(void)
{
	struct qmgr_transport *tr;
	struct htable_iter it;
	struct qmgr_dest *d;

	LIST_FOREACH(tr, &qmgr_transports, entry)
		tr->dead_until = 0;
	QMGR_DEST_FOREACH(d, &it) {
		d->dead_until = 0;
		d->failures = 0;
		qmgr_dest_update_ready(d);
		qmgr_sched_maybe_free(d);
	}
}

static void
qmgr_sched_start(struct qmgr_dest *d)
{
	struct qmgr_rcpt *r, *first = TAILQ_FIRST(&d->todo);
	struct qmgr_job *job = xcalloc(1, sizeof(*job));
	size_t max = (size_t)d->tr->rcpt_limit;

	job->dest = d;
	job->msg = first->msg;
	job->rcpts = xcalloc(max < d->ntodo ? max : d->ntodo,
	    sizeof(*job->rcpts));
	while ((r = TAILQ_FIRST(&d->todo)) != NULL && job->n < max &&
	    r->msg == first->msg) {
		TAILQ_REMOVE(&d->todo, r, entry);
		d->ntodo--;
		job->rcpts[job->n++] = r;
	}
	job->got = xcalloc(job->n, 1);
	d->active++;
	d->tr->active++;
	qmgr_dest_update_ready(d);	/* back on the list if it may go on */
	qmgr_deliver_start(job);
}

int	qmgr_stopping;

int
qmgr_sched_inflight(void)
{
	struct qmgr_transport *tr;
	int n = 0;

	LIST_FOREACH(tr, &qmgr_transports, entry)
		n += tr->active;
	return n;
}

void
qmgr_sched_run(void)
{
	struct qmgr_transport *tr;
	struct qmgr_dest *d;

	if (qmgr_stopping)
		return;
	LIST_FOREACH(tr, &qmgr_transports, entry) {
		if (tr->pause_until > monotime_ms())
			continue;
		while (tr->active < tr->limit &&
		    (d = TAILQ_FIRST(&tr->ready)) != NULL) {
			TAILQ_REMOVE(&tr->ready, d, ready_entry);
			d->on_ready = 0;
			qmgr_sched_start(d);	/* d may be gone after this */
		}
	}
}

static void
qmgr_kick_fire(void *arg)
{
	(void)arg;
	qmgr_kick_timer = NULL;
	qmgr_scan_feed();
	qmgr_sched_run();
}

void
qmgr_sched_kick(void)
{
	if (qmgr_kick_timer == NULL)
		qmgr_kick_timer = event_add_timer(server_loop(), 0,
		    qmgr_kick_fire, NULL);
}

/* A job is over (every recipient has its outcome): feedback. */
void
qmgr_sched_job_done(struct qmgr_job *job)
{
	struct qmgr_dest *d = job->dest;
	struct qmgr_transport *tr = d->tr;

	d->active--;
	tr->active--;
	if (job->successes > 0) {
		d->failures = 0;
		if (d->window < tr->dest_limit)
			d->window += 1.0 / d->window;
		if (d->window > tr->dest_limit)
			d->window = tr->dest_limit;
	} else if (job->failed && tr->dead_until <= monotime_ms()) {
		d->failures++;
		if (d->window > 1)
			d->window -= 1;
		if (d->failures >= (int)d->window &&
		    d->dead_until <= monotime_ms()) {
			d->dead_until = monotime_ms() +
			    var_minimal_backoff_time * 1000;
			strlcpy(d->dead_dsn, job->last_dsn,
			    sizeof(d->dead_dsn));
			free(d->dead_reason);
			d->dead_reason = xstrdup(job->last_text);
			log_info("destination %s/%s is not answering: "
			    "suspended for %llds", tr->name,
			    *d->name != '\0' ? d->name : "(local)",
			    var_minimal_backoff_time);
			qmgr_dest_defer_all(d);
		}
	}
	free(job->last_text);
	free(job->rcpts);
	free(job->got);
	free(job);
	qmgr_dest_update_ready(d);
	qmgr_sched_maybe_free(d);
	qmgr_sched_kick();
}

/* Forget destinations whose throttling is over (a periodic sweep). */
void
qmgr_sched_sweep(void)
{
	struct htable_iter it;
	struct qmgr_dest *d;

	QMGR_DEST_FOREACH(d, &it)
		qmgr_sched_maybe_free(d);
}

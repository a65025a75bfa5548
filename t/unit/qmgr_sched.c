/*
 * Unit tests for qmgr's scheduler bookkeeping: transport limits,
 * destination lookup, slow start and the dead-destination rule.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "qmgr/qmgr.h"
#include "tap.h"
#include "xmalloc.h"

static struct qmgr_job *
job(struct qmgr_dest *d, int success)
{
	struct qmgr_job *j = xcalloc(1, sizeof(*j));

	j->dest = d;
	j->successes = success;
	j->failed = !success;
	strlcpy(j->last_dsn, "4.4.1", sizeof(j->last_dsn));
	j->last_text = xstrdup("connection refused");
	d->active++;
	d->tr->active++;
	return j;
}

int
main(void)
{
	static const char *const over[] = {
	    "initial_destination_concurrency=2",
	    "default_destination_concurrency_limit=4",
	    "local_destination_concurrency_limit=2",
	    "local_destination_recipient_limit=1",
	    "default_destination_recipient_limit=50",
	    "default_process_limit=77", NULL };
	struct qmgr_transport *local, *smtp;
	struct qmgr_dest *d, *d2;
	char name[64], *err = NULL;
	int i, same = 1;

	tap_init("qmgr_sched");
	if (params_load(NULL, over, &err) < 0)
		bail_out("params_load: %s", err);
	local = qmgr_transport_get("local");
	smtp = qmgr_transport_get("smtp");
	ok(qmgr_transport_get("local") == local, "a transport is found again");
	is_int(local->dest_limit, 2, "local: its own concurrency limit");
	is_int(local->rcpt_limit, 1, "local: one recipient per request");
	is_int(smtp->dest_limit, 4, "others: the default limit");
	is_int(smtp->rcpt_limit, 50, "others: the default recipient limit");
	is_int(smtp->limit, 77, "transport limit follows default_process_limit");

	d = qmgr_dest_get(smtp, "example.org", "example.org");
	ok(qmgr_dest_get(smtp, "example.org", "example.org") == d,
	    "a destination is found again");
	ok(qmgr_dest_get(local, "example.org", "") != d,
	    "the same name under another transport is another destination");
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "d%d.test", i);
		d2 = qmgr_dest_get(smtp, name, name);
		d2->active = 1;		/* keep it */
	}
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "d%d.test", i);
		d2 = qmgr_dest_get(smtp, name, name);
		same &= strcmp(d2->name, name) == 0 && d2->active == 1;
	}
	ok(same, "2000 destinations survive the table growing");

	d->active = 1;		/* a job in flight keeps it in the table */
	is_int((int)d->window, 2, "the window starts at the initial value");
	for (i = 0; i < 10; i++)
		qmgr_sched_job_done(job(d, 1));
	d = qmgr_dest_get(smtp, "example.org", "example.org");
	is_int((int)d->window, 4, "successes open it up to the limit");
	qmgr_sched_job_done(job(d, 0));
	is_int((int)d->window, 3, "a failed job shrinks it");
	is_int(d->dead_until > 0, 0, "one failure is not death");
	qmgr_sched_job_done(job(d, 0));
	qmgr_sched_job_done(job(d, 0));
	ok(d->dead_until > 0, "failures reaching the window: dead");
	is_str(d->dead_reason, "connection refused", "with the last reason");
	qmgr_sched_unthrottle_all();
	is_int(d->dead_until > 0, 0, "flush forgets dead destinations");
	params_free();
	return done_testing();
}

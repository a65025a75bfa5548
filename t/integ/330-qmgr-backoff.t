#!/usr/bin/env python3
# qmgr: retries with backoff, queue lifetime, delay warnings, bounce
# lifetime for null-sender mail, and a dead destination that defers its
# other mail without a connection.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402

EXPECT = [r"connect to transport private/smtp"]


def retries(t, mode):
    inst = q.instance(t, mode, main={
        "maximal_queue_lifetime": "5s", "bounce_queue_lifetime": "2s",
        "delay_warning_time": "2s"})
    q.start(inst)
    qid = q.qput(inst, q.USER, ["far@remote.test"], subject="far")
    t.ok(wait_for(lambda: len(q.log_lines(
        inst, r"%s: to=<far@remote\.test>.*status=deferred" % qid)) >= 3,
        "three attempts", t), "a deferred message is retried")
    t.ok(inst.wait_log(r"%s: sender delay notification: \w+" % qid),
         "after delay_warning_time the sender is warned")
    t.ok(inst.wait_log(r"%s: from=<postmaster@example\.test>, "
                       r"status=expired, returned to sender" % qid,
                       bound=30), "after maximal_queue_lifetime it expires")
    t.ok(inst.wait_log(r"%s: sender non-delivery notification: \w+" % qid),
         "and bounces")
    t.ok(inst.wait_log(r"%s: removed" % qid), "the message is removed")
    t.is_(len(q.log_lines(inst, r"%s: sender delay notification" % qid)),
          1, "one delay warning only")
    t.ok(q.wait_maildir(inst, 2), "the warning and the bounce arrive")
    texts = [q.read(p) for p in q.maildir(inst)]
    t.ok(any("Action: delayed" in x for x in texts), "a delay notice")
    t.ok(any("Action: failed" in x and "far@remote.test" in x and
             "transport smtp not available" in x for x in texts),
         "a failure notice with the last reason")

    # null sender: bounce_queue_lifetime, and no bounce of a bounce
    qid = q.qput(inst, "", ["far2@remote.test"], subject="null")
    t.ok(inst.wait_log(r"%s: from=<>, status=expired, returned to sender"
                       % qid, bound=30), "null-sender mail expires")
    t.ok(inst.wait_log(r"%s: discarding sender non-delivery notification"
                       % qid), "its bounce is discarded")
    t.ok(inst.wait_log(r"%s: removed" % qid), "and it is removed")
    inst.teardown(expect=EXPECT)


def dead(t, mode):
    inst = q.instance(t, mode, main={"minimal_backoff_time": "1h",
                                     "maximal_backoff_time": "2h"})
    # the mailbox cannot be made: the local agent defers (4.x)
    os.makedirs(os.path.join(inst.dir, "mail", q.DOMAIN), exist_ok=True)
    with open(os.path.join(inst.dir, "mail", q.DOMAIN, "postmaster"),
              "w") as f:
        f.write("in the way\n")
    q.start(inst)
    first = q.qput(inst, "a@example.test", [q.USER], subject="d1")
    t.ok(inst.wait_log(r"%s: to=<postmaster@example\.test>, relay=local, "
                       r".*status=deferred" % first),
         "the agent defers a delivery it cannot make")
    t.ok(inst.wait_log(r"destination local/postmaster@example\.test is "
                       r"not answering"), "the destination is dead")
    second = q.qput(inst, "a@example.test", [q.USER], subject="d2")
    t.ok(inst.wait_log(r"%s: to=<postmaster@example\.test>, relay=none, "
                       r".*status=deferred \(delivery temporarily "
                       r"suspended: " % second),
         "other mail for it is deferred without a connection")
    t.ok(not re.search(r"%s: to=<postmaster@example\.test>, relay=local"
                       % second, inst.log()),
         "the agent never saw it")
    t.ok(wait_for(lambda: sorted(q.queue_files(inst, "deferred")) ==
                  sorted([first, second]), "both deferred", t),
         "both wait in deferred/")
    r = inst.postern("queue")
    t.like(r.stdout, r"delivery temporarily suspended",
           "postern queue shows why")
    inst.teardown(expect=EXPECT + [r"local\[\d+\]: (warning|error): "])


def main(t, mode):
    retries(t, mode)
    dead(t, mode)


if q.have_programs(None):
    run(main)

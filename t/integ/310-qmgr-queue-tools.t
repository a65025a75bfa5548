#!/usr/bin/env python3
# qmgr: the queue tools over the control socket: postern queue (and
# --json), hold, release, requeue, flush, delete, cat; and deferral with
# the reason "transport smtp not available" while no relay agent runs.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402


def main(t, mode):
    # long backoff: a deferred message stays put unless we move it
    inst = q.instance(t, mode, main={"minimal_backoff_time": "1h",
                                     "maximal_backoff_time": "2h",
                                     "queue_run_delay": "1h"})
    q.start(inst)
    r = inst.postern("queue")
    t.is_(r.stdout, "Mail queue is empty\n", "an empty queue says so")

    qid = q.qput(inst, "a@example.test", ["x@remote.test", "y@remote.test"],
                 subject="remote")
    t.ok(wait_for(lambda: q.queue_files(inst, "deferred") == [qid],
                  "deferred", t), "mail for another host is deferred")
    t.like(inst.log(), r"%s: to=<x@remote\.test>, relay=none, .*"
           r"dsn=4\.3\.0, status=deferred \(.*transport smtp not "
           r"available\)" % qid, "with the reason in the log")

    r = inst.postern("queue")
    t.is_(r.returncode, 0, "postern queue succeeds")
    t.like(r.stdout, r"(?m)^%s\s+\d+ \w{3} \w{3} [ \d]\d [\d:]{8}  "
           r"a@example\.test$" % qid, "the listing line: ID size date sender")
    t.like(r.stdout, r"(?m)^\(4\.3\.0 .*transport smtp not available\)$",
           "the deferral reason in parentheses")
    t.like(r.stdout, r"(?m)^\s+x@remote\.test$", "a recipient")
    t.like(r.stdout, r"-- \d+ Kbytes in 1 Request\.", "the total")

    j = q.postern_json(inst)
    t.is_(len(j), 1, "--json: one object per message")
    if j:
        t.is_((j[0]["queue_id"], j[0]["queue_name"], j[0]["sender"]),
              (qid, "deferred", "a@example.test"), "--json members")
        t.is_([x["address"] for x in j[0]["recipients"]],
              ["x@remote.test", "y@remote.test"], "--json recipients")
        t.like(j[0]["recipients"][0].get("delay_reason", ""),
               "transport smtp not available", "--json delay_reason")

    r = inst.postern("hold", qid)
    t.is_((r.returncode, r.stdout), (0, "postern: placed on hold: 1 message\n"),
          "hold ID")
    t.is_(q.queue_files(inst, "hold"), [qid], "the file is in hold/")
    t.like(inst.postern("queue").stdout, r"(?m)^%s!" % qid,
           "a held message is marked !")
    t.ok(inst.wait_log(r"%s: placed on hold" % qid), "hold is logged")

    r = inst.postern("release", "ALL")
    t.is_(r.returncode, 0, "release ALL")
    t.ok(wait_for(lambda: q.queue_files(inst, "deferred") == [qid] and
                  len(q.log_lines(inst, r"%s: from=<" % qid)) == 2,
                  "released and tried again", t),
         "a released message is tried again at once")

    r = inst.postern("requeue", qid)
    t.is_(r.returncode, 0, "requeue ID")
    t.ok(wait_for(lambda: len(q.log_lines(inst, r"%s: from=<" % qid)) == 3,
                  "requeued", t), "a requeued message is tried again")

    r = inst.postern("flush")
    t.is_(r.returncode, 0, "flush")
    t.ok(wait_for(lambda: len(q.log_lines(inst, r"%s: from=<" % qid)) == 4,
                  "flushed", t), "flush tries deferred mail now")

    r = inst.postern("cat", qid)
    t.is_(r.returncode, 0, "cat")
    t.like(r.stdout, r"(?m)^sender: a@example\.test$", "cat: the sender")
    t.like(r.stdout, r"(?m)^recipient: y@remote\.test$", "cat: a recipient")
    t.like(r.stdout, r"(?m)^Subject: remote$", "cat: the content, LF ends")
    r = inst.postern("cat", "-b", qid)
    t.ok(r.stdout.startswith("Subject: remote\n"), "cat -b: the body only")

    r = inst.postern("hold", "0123456789ABCF")
    t.is_(r.returncode, 1, "hold of a missing message fails")
    t.like(r.stderr, "no such message: 0123456789ABCF", "and says so")
    r = inst.postern("delete", "not-an-id")
    t.is_(r.returncode, 64, "a malformed ID is a usage error")

    r = inst.postern("delete", qid)
    t.is_((r.returncode, r.stdout), (0, "postern: deleted: 1 message\n"),
          "delete ID")
    t.ok(inst.wait_log(r"%s: removed" % qid), "delete is logged as removed")
    t.ok(q.queue_empty(inst) and not q.queue_files(inst, "defer"),
         "nothing is left, not even the defer record")
    t.is_(inst.postern("queue").stdout, "Mail queue is empty\n",
          "the queue is empty again")
    inst.teardown(expect=[r"connect to transport private/smtp"])


if q.have_programs(None):
    run(main)

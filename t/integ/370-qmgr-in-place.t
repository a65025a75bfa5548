#!/usr/bin/env python3
"""qmgr takes a message where it lies (lib/qfile.h, S2): no active/
directory, a message being delivered is listed as active while its file
stays in incoming/ or deferred/, and the admin's hold and delete of it
are carried out when its delivery ends.

A scripted SMTP peer holds each delivery at the end of DATA until the
test lets it answer, so that the test looks at the queue mid-delivery:
- from incoming/: `postern queue` says active (mailq's *), the file is
  in incoming/; a hold placed then sends it to hold/ when the peer's
  451 ends the attempt; released, it is delivered;
- from deferred/: a message deferred once is retried by a flush; while
  the peer holds that attempt it is listed active and its file is still
  in deferred/; after a second 451 it is there again, under its name;
  a delete placed during the third attempt removes it when that ends;
- no active/ directory is ever made.
"""
import os
import queue
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402
import relaytest  # noqa: E402


class Gate:
    """The peer's end-of-DATA reply, one per attempt, given by the test."""

    def __init__(self):
        self.arrived = queue.Queue()
        self.replies = queue.Queue()

    def data(self, msg):
        self.arrived.put(msg)
        return self.replies.get(timeout=120)

    def wait_attempt(self):
        try:
            return self.arrived.get(timeout=60)
        except queue.Empty:
            return None


def listed(inst, qid):
    for e in q.postern_json(inst):
        if e.get("queue_id") == qid:
            return e.get("queue_name")
    return None


def main(t, mode):
    port = relaytest.free_port()
    gate = Gate()
    peer = relaytest.Peer(t, port=port, data=gate.data,
                          name="mx.b.example").start()
    p = relaytest.Pair(t, mode, b=False, peer_port=port,
                       a_main={"minimal_backoff_time": "1h",
                               "maximal_backoff_time": "2h"})
    p.start()
    a = p.a
    active_dir = os.path.join(a.spool, "active")

    # from incoming/: held while active
    qid = p.a_send("one@b.example")
    t.ok(gate.wait_attempt() is not None, "the first attempt reaches DATA")
    t.is_(listed(a, qid), "active", "postern queue lists it as active")
    t.like(a.postern("queue").stdout, r"(?m)^%s\*" % qid,
           "with mailq's * after its ID")
    t.ok(qid in q.queue_files(a, "incoming"), "its file is in incoming/")
    r = a.postern("hold", qid)
    t.is_(r.returncode, 0, "postern hold of the active message")
    gate.replies.put("451 4.3.0 not now")
    t.ok(wait_for(lambda: q.queue_files(a, "hold") == [qid], "hold/", t),
         "when the attempt ends it goes to hold/")
    t.ok(qid not in q.queue_files(a, "deferred") + q.queue_files(
        a, "incoming"), "and is nowhere else")
    a.postern("release", qid)
    t.ok(gate.wait_attempt() is not None, "released, it is tried again")
    gate.replies.put(None)
    t.ok(a.wait_log(r"%s: to=<one@b\.example>, .*status=sent" % qid),
         "and delivered")
    t.ok(a.wait_log(r"%s: removed" % qid), "then removed")

    # from deferred/: retried in place
    qid = p.a_send("two@b.example")
    t.ok(gate.wait_attempt() is not None, "a second message reaches DATA")
    gate.replies.put("451 4.3.0 not now")
    t.ok(wait_for(lambda: q.queue_files(a, "deferred") == [qid],
                  "deferred/", t), "deferred, it is in deferred/")
    t.ok(wait_for(lambda: listed(a, qid) == "deferred", "not active", t),
         "and listed as deferred")
    a.postern("flush")
    t.ok(gate.wait_attempt() is not None, "a flush retries it")
    t.is_(listed(a, qid), "active", "listed as active meanwhile")
    t.is_(q.queue_files(a, "deferred"), [qid],
          "its file still in deferred/")
    t.ok(qid not in q.queue_files(a, "incoming"), "not in incoming/")
    gate.replies.put("451 4.3.0 still not")
    t.ok(wait_for(lambda: len(q.log_lines(
        a, r"%s: to=<two@b\.example>, .*status=deferred" % qid)) >= 2,
        "two deferrals", t), "deferred again")
    t.ok(wait_for(lambda: listed(a, qid) == "deferred", "not active", t),
         "listed as deferred again")
    t.is_(q.queue_files(a, "deferred"), [qid], "under its name in deferred/")
    a.postern("flush")
    t.ok(gate.wait_attempt() is not None, "a third attempt")
    r = a.postern("delete", qid)
    t.is_(r.returncode, 0, "postern delete of the active message")
    gate.replies.put("451 4.3.0 never")
    t.ok(a.wait_log(r"%s: removed" % qid), "removed when the attempt ends")
    t.ok(wait_for(lambda: q.queue_empty(a), "an empty queue", t),
         "the queue is empty")
    t.ok(not os.path.exists(active_dir), "no active/ directory was made")
    peer.stop()
    p.teardown()


relaytest.run_or_skip(main)

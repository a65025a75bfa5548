#!/usr/bin/env python3
# qmgr: a backlog is taken in a bounded bite at a time: the active queue
# never holds more than qmgr_message_active_limit messages, and the whole
# backlog is delivered.
# check: slow
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402

N = 600
LIMIT = 25


def main(t, mode):
    inst = q.instance(t, mode, main={"qmgr_message_active_limit": LIMIT})
    q.backlog(t, inst, N, "b")
    q.start(inst)
    most = 0
    deadline = time.time() + 120
    while time.time() < deadline:
        # qmgr takes files where they are: its listing says which
        most = max(most, sum(1 for e in q.postern_json(inst)
                             if e.get("queue_name") == "active"))
        if q.queue_empty(inst):
            break
        time.sleep(0.02)
    t.ok(q.queue_empty(inst), "the backlog drains")
    # a listing of 16 directories is no snapshot: it is made a batch at
    # a time while messages come and go, so allow for that churn;
    # without the limit the whole backlog would be active at once
    t.ok(0 < most < 2 * LIMIT, "the active queue stayed near its limit "
         "of %d (saw %d of %d)" % (LIMIT, most, N))
    t.ok(q.wait_maildir(inst, N), "all %d are delivered" % N)
    inst.teardown()


if q.have_programs(None):
    run(main)

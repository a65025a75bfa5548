#!/usr/bin/env python3
# qmgr: every active message holds its queue file open, so the active
# queue is bounded by the descriptor limit too. Under a limit of 300
# descriptors a backlog of 600 drains completely and nothing is taken
# for a corrupt file (a failed open for want of descriptors used to move
# the message to corrupt/).
# check: slow
import os
import re
import resource
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
import qmgrtest as q  # noqa: E402

N = 600
FDS = 300


def main(t, mode):
    # the instance inherits the limit (soft and hard: qmgr may not raise it)
    resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, FDS))
    inst = q.instance(t, mode)
    q.backlog(t, inst, N, "f")
    q.start(inst)
    t.ok(q.wait_empty(inst, t, bound=120), "the backlog drains under a "
         "limit of %d descriptors" % FDS)
    t.ok(q.wait_maildir(inst, N), "all %d are delivered" % N)
    t.is_(os.listdir(os.path.join(inst.spool, "corrupt")), [],
          "nothing went to corrupt/")
    t.ok(inst.wait_log(r"master\[\d+\]: qmgr_message_active_limit is \d+ "
                       r"but the descriptor limit allows 150 active "
                       r"messages"),
         "the master says how many active messages the limit allows")
    t.ok(not re.search(r"qmgr\[\d+\]: qmgr_message_active_limit",
                       inst.log()), "once: qmgr does not say it again")
    inst.teardown()


if q.have_programs(None):
    run(main)

#!/usr/bin/env python3
# qmgr: kill -9 of the queue manager at random instants under a steady
# load, then let the master restart it: every queued message is
# delivered; duplicates only within the window qfile.h documents (a
# delivery whose 'D' mark the kill prevented).
import os
import random
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for, proc_status  # noqa: E402
import qmgrtest as q  # noqa: E402

N = 120
KILLS = 4


def main(t, mode):
    # kills before a first client look like a crash loop: keep the throttle
    # short, this test is about what survives the kills
    inst = q.instance(t, mode, main={"service_throttle_time": "2s"})
    q.start(inst)
    t.ok(wait_for(lambda: q.qmgr_pid(inst) is not None, "qmgr", t),
         "qmgr runs")
    errors = []

    def load():
        try:
            for i in range(N):
                q.qput(inst, "load@example.test", [q.USER],
                       subject="crash-%03d" % i)
                time.sleep(0.01)
        except Exception as e:  # reported below
            errors.append(str(e))

    th = threading.Thread(target=load)
    th.start()
    rnd = random.Random(os.getpid())
    kills = 0
    while kills < KILLS:
        time.sleep(rnd.uniform(0.05, 0.4))
        pid = q.qmgr_pid(inst)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            kills += 1
        except ProcessLookupError:
            pass
        wait_for(lambda: q.qmgr_pid(inst) not in (None, pid), "a new qmgr",
                 t, bound=90)
    th.join()
    t.is_(errors, [], "every message was queued")
    t.ok(q.wait_empty(inst, t, bound=120),
         "the queue drains after %d kills" % kills)
    got = {}
    for p in q.maildir(inst):
        m = re.search(r"Subject: (crash-\d+)", q.read(p))
        if m:
            got[m.group(1)] = got.get(m.group(1), 0) + 1
    missing = [i for i in range(N) if "crash-%03d" % i not in got]
    t.is_(missing, [], "every message was delivered")
    dups = sum(c - 1 for c in got.values())
    t.diag("%d duplicate(s) after %d kills" % (dups, kills))
    t.ok(dups <= kills * 20, "duplicates stay within the documented window")
    inst.teardown(expect=[r"killed by signal 9", r"local\[\d+\]: warning: "
                          r"error talking to qmgr"])


if q.have_programs(None):
    run(main)

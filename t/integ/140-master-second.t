#!/usr/bin/env python3
# master: a second master on the same queue directory refuses to start.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import MASTER, Client, Instance, free_port, run  # noqa: E402


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=["%d inet n - n - - ECHO" % port])
    pid = inst.start()
    r = inst.postern("start")
    t.is_(r.returncode, 1, "postern start: exit 1 while running")
    t.like(r.stderr, r"already running \(pid %d\)" % pid,
           "postern start says it already runs, with the pid")
    r = subprocess.run([MASTER, "-f", "-c", inst.etc], capture_output=True,
                       text=True, timeout=30)
    t.is_(r.returncode, 1, "a second master exits 1")
    t.like(r.stderr, r"fatal: the master is already running \(pid %d\): "
           r".*master\.pid is locked" % pid, "with a clear message")
    c = Client(port)
    t.ok(c.greeting_pid() is not None, "the first master still serves")
    c.close()
    r = inst.postern("status")
    t.like(r.stdout, r"running \(pid %d\)" % pid, "status: the first one")
    inst.teardown()


run(main)

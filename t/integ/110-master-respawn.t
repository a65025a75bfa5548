#!/usr/bin/env python3
# master: a child killed with SIGKILL is replaced; max_use ends a child.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Client, Instance, free_port, pid_alive, run, \
    wait_for  # noqa: E402


def main(t, mode):
    port = free_port()
    port2 = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - 1 ECHO" % port,
        "%d inet n - n - 1 ECHO -o max_use=2" % port2,
    ])
    inst.start()
    c = Client(port)
    pid1 = c.greeting_pid()
    t.ok(pid1, "first child serves")
    c.close()
    os.kill(pid1, signal.SIGKILL)
    t.ok(wait_for(lambda: not pid_alive(pid1), "child dies", t),
         "the idle child is killed")
    t.ok(inst.wait_log(r"pid %d killed by signal 9" % pid1),
         "the master logs the abnormal exit")
    c = Client(port)
    pid2 = c.greeting_pid()
    t.ok(pid2 and pid2 != pid1, "a new child serves the next client")
    t.is_(c.echo("again"), "again", "and it works")
    # a busy child killed: its client sees the end, the next one is served
    os.kill(pid2, signal.SIGKILL)
    t.is_(c.line(), None, "the client of a killed child sees EOF")
    c.sock.close()
    c = Client(port)
    pid3 = c.greeting_pid()
    t.ok(pid3 and pid3 not in (pid1, pid2), "a third child serves")
    c.close()

    # max_use=2: the same process serves two clients, then a new one
    pids = []
    for i in range(4):
        c = Client(port2)
        pids.append(c.greeting_pid())
        t.is_(c.echo("x%d" % i), "x%d" % i, "max_use service, client %d" % i)
        c.close()
        if i % 2 == 1:
            wait_for(lambda: not pid_alive(pids[-1]), "max_use exit", t)
    t.ok(pids[0] == pids[1] and pids[2] == pids[3] and pids[0] != pids[2],
         "max_use=2: two clients per process (%s)" % pids)
    t.ok(not pid_alive(pids[0]), "the used-up process has exited")
    inst.teardown(expect=[r"killed by signal 9"])


run(main)

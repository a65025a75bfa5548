#!/usr/bin/env python3
# master: wakeup triggers, the ? flag, and the event-driven skeleton.
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, run  # noqa: E402


def main(t, mode):
    inst = Instance(t, mode=mode, services=[
        "tick unix n - n 1 1 ECHO -T",
        "lazy unix n - n 1? 1 ECHO -T -e lazy-started",
        "multi unix - - n - 1 ECHO -M",
    ])
    inst.start()
    t.ok(inst.wait_log(r"echo\[\d+\]: trigger on tick: W", count=2),
         "a wakeup service is triggered at start and then periodically")
    t.ok("lazy-started" not in inst.log() and
         "trigger on lazy" not in inst.log(),
         "a service with '?' gets no wakeup before it is used")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(inst.spool, "public", "lazy"))
    s.sendall(b"hello")
    s.close()
    t.ok(inst.wait_log(r"trigger on lazy: hello"),
         "a trigger gets what is sent")
    t.ok(inst.wait_log(r"trigger on lazy: W"),
         "after its first use the '?' service gets wakeups too")

    # a kept trigger connection (as smtpd's to qmgr): whole lines only,
    # the start of a line that one read cut waits for its end
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(inst.spool, "public", "lazy"))
    s.sendall(b"Kone\n")
    t.ok(inst.wait_log(r"trigger on lazy: Kone\?$"),
         "a kept connection: its first request is served")
    s.sendall(b"Ktw")
    time.sleep(1)           # read by itself
    s.sendall(b"o\nKthree\n")
    t.ok(inst.wait_log(r"trigger on lazy: Ktwo\?Kthree\?$"),
         "... a line cut in two is served whole, with the next one")
    t.ok(not re.search(r"trigger on lazy: Ktw$", inst.log(), re.M),
         "... never its first half alone")
    s.close()

    # ... and so does a line that the first read of a connection cut
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(inst.spool, "public", "lazy"))
    s.sendall(b"Kfour\nKfi")
    t.ok(inst.wait_log(r"trigger on lazy: Kfour\?$"),
         "a first read that cut a line: its whole lines are served")
    time.sleep(1)           # read by itself
    s.sendall(b"ve\n")
    t.ok(inst.wait_log(r"trigger on lazy: Kfive\?$"),
         "... and the cut line whole, once its end is there")
    t.ok(not re.search(r"trigger on lazy: (Kfour\?)?Kfi$|: ve\?$",
                       inst.log(), re.M),
         "... never in two halves")
    s.close()

    # the multi skeleton: one process serves several clients at once
    path = os.path.join(inst.spool, "private", "multi")
    socks = []
    pids = set()
    for i in range(3):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(20)
        c.connect(path)
        pids.add(int(c.recv(100).split()[1]))
        socks.append(c)
    t.is_(len(pids), 1, "one event-driven process serves three clients")
    for i, c in enumerate(socks):
        c.sendall(b"m%d\r\n" % i)
        t.is_(c.recv(100), b"m%d\r\n" % i, "multi client %d echoed" % i)
        c.close()
    inst.teardown()


run(main)

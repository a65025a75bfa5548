#!/usr/bin/env python3
# master: maxproc holds under 50 concurrent clients, and all are served.
import os
import select
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, free_port, run  # noqa: E402

CLIENTS = 50
MAXPROC = 5


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - %d ECHO" % (port, MAXPROC)])
    inst.start()
    socks = [socket.create_connection(("127.0.0.1", port), timeout=20)
             for _ in range(CLIENTS)]
    pending = {s: b"" for s in socks}
    served_pids = set()
    served = 0
    most_children = 0
    most_greeted = 0
    greeted = set()
    # Clients hold their connection until every process is busy; then
    # one greeted client at a time finishes, letting the next one in.
    while pending or greeted:
        most_children = max(most_children, len(inst.children()))
        if greeted and (len(greeted) >= MAXPROC or not pending):
            s = greeted.pop()
            s.sendall(b"ping\r\n")
            s.recv(100)
            s.sendall(b"quit\r\n")
            s.close()
            served += 1
            continue
        r, _, _ = select.select(list(pending), [], [], 20)
        if not r:
            t.ok(False, "progress: %d clients greeted, %d waiting" %
                 (len(greeted), len(pending)))
            break
        for s in r:
            pending[s] += s.recv(100)
            if b"\n" in pending[s]:
                served_pids.add(int(pending[s].split()[1]))
                del pending[s]
                greeted.add(s)
        most_greeted = max(most_greeted, len(greeted))
    for s in list(pending) + list(greeted):
        s.close()
    t.is_(served, CLIENTS, "all %d clients are served" % CLIENTS)
    t.ok(most_greeted <= MAXPROC,
         "never more than %d clients served at once (saw %d)" %
         (MAXPROC, most_greeted))
    t.ok(most_greeted == MAXPROC, "and the limit is reached")
    t.ok(most_children <= MAXPROC,
         "never more than %d processes (saw %d)" % (MAXPROC, most_children))
    t.ok(len(served_pids) <= MAXPROC * ((CLIENTS + 99) // 100 + 1),
         "processes are reused (%d used)" % len(served_pids))
    t.ok(inst.wait_log(r"has reached its process limit \"%d\"" % MAXPROC),
         "the master warns that the limit is reached")
    inst.teardown(expect=[r"has reached its process limit"])


run(main)

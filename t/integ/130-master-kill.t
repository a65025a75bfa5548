#!/usr/bin/env python3
# master: when the master is killed (SIGKILL), no child goes on serving.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Client, Instance, free_port, pid_alive, port_refuses, \
    run, wait_for  # noqa: E402


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - - ECHO" % port,
        "multi unix - - n - 1 ECHO -M",
    ])
    inst.start()
    busy = Client(port)
    busy_pid = busy.greeting_pid()
    idle = Client(port)
    idle_pid = idle.greeting_pid()
    idle.close()
    import socket
    m = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    m.settimeout(20)
    m.connect(os.path.join(inst.spool, "private", "multi"))
    multi_pid = int(m.recv(100).decode().split()[1])
    kids = inst.children()
    t.ok(busy_pid in kids and idle_pid in kids and multi_pid in kids,
         "three children: busy, idle and an event-driven one")
    t.ok(busy.echo("before") == "before", "the busy child serves")

    os.kill(inst.proc.pid, signal.SIGKILL)
    inst.proc.wait()
    t.ok(wait_for(lambda: not any(pid_alive(p) for p in kids),
                  "children to exit", t),
         "every child exits when the master dies")
    t.ok(wait_for(lambda: port_refuses(port), "the port to close", t),
         "nothing listens on the port any more")
    t.is_(busy.line(), None, "the busy client's connection is closed")
    busy.sock.close()
    m.close()
    # a new master starts on the same instance (the lock died with it)
    inst.proc = None
    inst.start()
    c = Client(port)
    t.ok(c.greeting_pid() is not None, "a new master starts and serves")
    c.close()
    inst.teardown()


run(main)

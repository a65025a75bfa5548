#!/usr/bin/env python3
# master: a graceful stop lets a busy client finish, and ends what is
# still running after master_stop_timeout.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import WAIT, Client, Instance, free_port, run  # noqa: E402


def main(t, mode):
    # a client being served when the stop begins is finished
    port = free_port()
    inst = Instance(t, mode=mode, main={"master_stop_timeout": "1h"},
                    services=["%d inet n - n - - ECHO" % port])
    inst.start()
    c = Client(port)
    t.ok(c.greeting_pid(), "a client is being served")
    inst.proc.send_signal(signal.SIGTERM)
    t.ok(inst.wait_log(r"terminating on signal 15"), "the master stops")
    t.is_(c.echo("during stop"), "during stop",
          "the busy client is still served during the stop")
    t.is_(inst.proc.poll(), None, "the master waits for it")
    c.close()
    t.is_(inst.proc.wait(timeout=WAIT), 0,
          "and exits 0 once the client is done")
    t.ok("still running" not in inst.log(), "nothing had to be killed")
    inst.teardown()

    # one that takes longer than master_stop_timeout is ended
    port = free_port()
    inst = Instance(t, mode=mode, main={"master_stop_timeout": "1s"},
                    services=["%d inet n - n - - ECHO" % port])
    inst.start()
    c = Client(port)
    t.ok(c.greeting_pid(), "a client is being served")
    inst.proc.send_signal(signal.SIGTERM)
    t.is_(inst.proc.wait(timeout=WAIT), 0,
          "the master exits 0 after master_stop_timeout")
    t.like(inst.log(), r"warning: 1 process\(es\) still running 1s after "
           r"stop: killing them", "it says it killed the process")
    t.is_(c.line(), None, "the client's connection is closed")
    c.sock.close()
    inst.teardown(expect=[r"still running 1s after stop"])


run(main)

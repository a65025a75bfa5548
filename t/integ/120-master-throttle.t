#!/usr/bin/env python3
# master: a service that keeps failing at startup is throttled.
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Client, Instance, free_port, run  # noqa: E402


def main(t, mode):
    bad = free_port()
    good = free_port()
    inst = Instance(t, mode=mode, main={"service_throttle_time": "2s"},
                    services=[
                        "%d inet n - n - - ECHO -x" % bad,
                        "%d inet n - n - - ECHO" % good,
                    ])
    inst.start()
    # a client waits on the bad service; the master starts processes
    # that exit at once, until it throttles the service
    s = socket.create_connection(("127.0.0.1", bad), timeout=20)
    t.ok(inst.wait_log(r"keeps failing at startup: throttling for 2s"),
         "the service is throttled")
    starts = len(re.findall(r"exit status 2", inst.log()))
    t.is_(starts, 3, "after three failed starts")
    # the master still serves the other service while throttled
    c = Client(good)
    c.greeting_pid()
    t.is_(c.echo("alive"), "alive", "another service works meanwhile")
    c.close()
    t.is_(len(re.findall(r"exit status 2", inst.log())), starts,
          "no new start while throttled")
    # after service_throttle_time the master tries once more, and throttles
    # again when that fails
    t.ok(inst.wait_log(r"trying again after throttling"),
         "it retries after service_throttle_time")
    t.ok(inst.wait_log(r"throttling for 2s", count=2),
         "and throttles again when the retry fails")
    t.is_(len(re.findall(r"exit status 2", inst.log())), starts + 1,
          "one start per retry, not a fork loop")
    s.close()
    inst.teardown(expect=[r"exit status 2", r"keeps failing at startup"])


run(main)

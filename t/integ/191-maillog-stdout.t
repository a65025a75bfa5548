#!/usr/bin/env python3
# maillog_file = /dev/stdout, for containers: with `postern start -f`
# every process's lines come out on the master's standard output, with
# timestamps, in the shape of Postfix's maillog_file; a detached start
# refuses it with the reason (a detached master has no standard output).
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import (Client, Instance, ensure_user, free_port,  # noqa
                     run)

LINE = r"(?m)^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ %s\[(\d+)\]: %s"


def main(t, mode):
    port = free_port()
    if mode == "root":
        ensure_user("postern-tlog")     # a user of its own, as it must be
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - - ECHO -e hello-from-echo" % port,
        "postlog unix-dgram n n y - 1 postlogd",
    ], main={"maillog_file": "/dev/stdout",
             "log_owner": "postern-tlog" if mode == "root" else
             "$mail_owner"})

    r = inst.postern("start")
    t.is_(r.returncode, 1, "a detached start refuses /dev/stdout")
    t.like(r.stderr, r"maillog_file = /dev/stdout works only with a master "
           r"in the foreground \(postern start -f\)", "and says why")

    # the harness runs `postern start -f` with stdout into its log file
    inst.start()
    c = Client(port)
    cpid = c.greeting_pid()
    t.is_(c.echo("hello"), "hello", "the echo service answers")
    c.close()
    t.ok(inst.wait_log(LINE % (r"postern/master", r"daemon started")),
         "the master's lines are on standard output, time-stamped")
    t.ok(inst.wait_log(LINE % (r"postern/echo", r"hello-from-echo$")),
         "a service's lines too")
    m = re.search(LINE % (r"postern/echo", r"hello-from-echo$"), inst.log())
    t.is_(int(m.group(1)) if m else None, cpid,
          "under the pid of the process that logged it")
    t.is_(inst.stop(), 0, "the master stops")
    lines = inst.log().splitlines()
    t.like(lines[-1] if lines else "", LINE % ("postern/master", "stopped$"),
           "its last line is \"stopped\"")
    t.ok(not re.search(r"(?m)^postern/", inst.log()),
         "no line is in the stderr shape (without a time)")
    inst.teardown()


run(main)

#!/usr/bin/env python3
# master: reload moves listeners, replaces children after their current
# client, and refuses a bad configuration while the old one keeps running.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Client, Instance, free_port, pid_alive, port_refuses, \
    run, wait_for  # noqa: E402


def main(t, mode):
    p1, p2, keep = free_port(), free_port(), free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - - ECHO" % p1,
        "%d inet n - n - - ECHO" % keep,
    ])
    inst.start()
    old = Client(p1)
    old_pid = old.greeting_pid()
    t.ok(old_pid, "a client is connected before the reload")
    kept = Client(keep)
    kept_pid = kept.greeting_pid()
    kept.close()

    # move the first service to another port
    inst.write_master_cf([
        "%d inet n - n - - ECHO" % p2,
        "%d inet n - n - - ECHO" % keep,
    ])
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "postern reload: exit 0")
    t.like(r.stdout, r"reloaded", "reload confirmed")
    t.ok(wait_for(lambda: port_refuses(p1), "old port to close", t),
         "the old port no longer accepts once its idle children are gone")
    c = Client(p2)
    t.ok(c.greeting_pid() is not None, "the new port serves")
    c.close()
    t.is_(old.echo("still here"), "still here",
          "the client connected before the reload is still served")
    t.ok(pid_alive(old_pid), "by its old process")
    old.close()
    t.ok(wait_for(lambda: not pid_alive(old_pid), "old child exit", t),
         "which exits after that client")
    t.ok(wait_for(lambda: not pid_alive(kept_pid), "kept child exit", t),
         "idle children of an unchanged service are replaced too")
    c = Client(keep)
    npid = c.greeting_pid()
    t.ok(npid and npid != kept_pid, "the unchanged port serves, new process")
    c.close()
    r = inst.postern("status")
    t.like(r.stdout, r"127\.0\.0\.1:%d " % p2, "status shows the new port")
    t.ok(":%d " % p1 not in r.stdout, "and not the old one")

    # a bad master.cf: refused with file:line, the running one stays
    mcf = os.path.join(inst.etc, "master.cf")
    inst.write_master_cf([
        "%d inet n - n - - ECHO" % p2,
        "%d inet n - n - - ECHO" % keep,
        "broken inet n - n - many ECHO",
    ])
    r = inst.postern("reload")
    t.is_(r.returncode, 1, "reload of a bad master.cf: exit 1")
    t.like(r.stderr, r"%s:4: maxproc column" % mcf,
           "the error names master.cf and the line")
    t.ok(inst.wait_log(r"error: %s:4: .*keeping the running configuration"
                       % mcf), "the master logs it")
    c = Client(p2)
    c.greeting_pid()
    t.is_(c.echo("ok"), "ok", "the running configuration still serves")
    c.close()
    r = inst.postern("status")
    t.like(r.stdout, r"last reload refused", "status shows the refusal")

    # a bad main.cf value: refused too
    inst.write_master_cf([
        "%d inet n - n - - ECHO" % p1,
        "%d inet n - n - - ECHO" % keep,
    ])
    maincf = os.path.join(inst.etc, "main.cf")
    with open(maincf, "a") as f:
        f.write("max_idle = 10q\n")
    r = inst.postern("reload")
    t.is_(r.returncode, 1, "reload of a bad main.cf: exit 1")
    t.like(r.stderr, r"%s:\d+: max_idle" % maincf,
           "the error names main.cf, the line and the parameter")
    t.ok(port_refuses(p1), "the refused master.cf was not applied")
    c = Client(p2)
    c.greeting_pid()
    t.is_(c.echo("ok"), "ok", "the old listener still serves")
    c.close()

    # fixed: the next reload works
    with open(maincf) as f:
        text = f.read().replace("max_idle = 10q\n", "")
    with open(maincf, "w") as f:
        f.write(text)
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "after the fix, reload works")
    c = Client(p1)
    t.ok(c.greeting_pid() is not None, "and the port moved back")
    c.close()
    inst.teardown(expect=[r"keeping the running configuration"])


run(main)

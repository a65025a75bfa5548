#!/usr/bin/env python3
# anvil: the connection counter service on its own, driven through
# lib/anvil_clnt (t/bin/anvilc) as smtpd drives it: counts and rates per
# service and client, sessions ended when their connection closes, a
# restarted anvil, protocol garbage, the cap on tracked clients, and (as
# root) the privilege drop and the chroot.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, run, wait_for  # noqa: E402
try:
    from anvil_t import AnvilClient, anvil_pids, have  # noqa: E402
except ImportError:     # a copy of the tree without t/lib/anvil_t.py
    have = None
if have is None or not have("anvil/anvil", "t/bin/anvilc"):
    print("1..0 # SKIP anvil or t/bin/anvilc is not here")
    sys.exit(0)


def main(t, mode):
    inst = Instance(t, mode=mode, main={"anvil_client_limit": "16"},
                    services=["anvil unix - - y - 1 anvil"])
    inst.start()

    a = AnvilClient(inst)
    t.is_(a.connect("smtp", "192.0.2.1"), ("ok", 1, 1),
          "first session of a client: count 1, rate 1")
    t.is_(a.connect("smtp", "192.0.2.1"), ("ok", 2, 2),
          "second: count 2, rate 2")
    t.is_(a.connect("submission", "192.0.2.1"), ("ok", 1, 1),
          "another service counts apart")
    t.is_(a.connect("smtp", "2001:db8::1"), ("ok", 1, 1),
          "another client (IPv6) counts apart")
    t.is_(a.disconnect("smtp", "192.0.2.1"), "ok", "a session ends")
    t.is_(a.connect("smtp", "192.0.2.1"), ("ok", 2, 3),
          "count down and up again; the rate keeps counting")

    b = AnvilClient(inst)
    t.is_(b.connect("smtp", "192.0.2.1"), ("ok", 3, 4),
          "a second smtpd sees the same client's sessions")
    t.is_(b.disconnect("smtp", "192.0.2.9"), "ok",
          "ending a session it never reported is harmless")
    b.close()
    a.close()
    c = AnvilClient(inst)
    t.is_(c.connect("smtp", "192.0.2.1"), ("ok", 1, 5),
          "closed connections ended their sessions (a crashed smtpd "
          "leaves no count)")
    t.is_(c.connect("bad/service", "192.0.2.1")[0], "error",
          "a bad service name is refused by the client library")

    # garbage on the socket: logged, closed, and the service goes on
    c.raw("xxxxgarbage")
    t.ok(inst.wait_log(r"anvil\[\d+\]: warning: protocol error from anvil "
                       r"client pid \d+: frame length \d+ over the limit"),
         "garbage is a protocol error in the log")
    t.is_(c.connect("smtp", "192.0.2.2"), ("ok", 1, 1),
          "and the service still answers")

    # the cap: 16 pairs; idle ones are replaced, busy ones are not
    for i in range(20):
        r = c.connect("cap", "198.51.100.%d" % i)
        if i < 14:
            ok = r[0] == "ok"
        else:
            ok = r == ("full",)
        if not ok:
            t.diag("client %d: %r" % (i, r))
            break
    t.ok(ok, "anvil_client_limit=16: idle pairs make room, and with every "
         "pair busy new clients are not counted")
    t.ok(inst.wait_log(r"warning: table full \(anvil_client_limit=16"),
         "and says so in the log")
    for i in range(14):
        c.disconnect("cap", "198.51.100.%d" % i)
    t.is_(c.connect("cap", "203.0.113.1"), ("ok", 1, 1),
          "an idle pair makes room for a new client")
    t.is_(c.connect("cap", "198.51.100.0"), ("ok", 1, 1),
          "the longest-idle one was forgotten (its rate starts again)")

    pids = anvil_pids(inst)
    t.is_(len(pids), 1, "one anvil process")
    if mode == "root" and pids:
        inst.check_privs(pids[0], chroot=True)

    # kill -9: the master starts a new one; the client reconnects once
    if pids:
        os.kill(pids[0], signal.SIGKILL)
        t.ok(wait_for(lambda: not os.path.exists("/proc/%d" % pids[0]) or
                      pids[0] not in inst.children(), "anvil gone", t),
             "anvil killed")
    t.is_(c.connect("smtp", "192.0.2.1"), ("ok", 1, 1),
          "the same client connection gets answers from a new anvil, "
          "counting from zero")
    c.close()
    inst.teardown(expect=[r"anvil\[\d+\]: warning: protocol error from",
                          r"anvil\[\d+\]: warning: table full",
                          r"anvil pid \d+ killed by signal 9"])


run(main)

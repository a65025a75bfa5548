#!/usr/bin/env python3
# smtpd: a client's name is looked up once for the connections of the
# next seconds, not twice a connection (smtpd(8)). One smtpd process
# serves connections from 127.0.0.1 in a row: each one is logged with
# the verified name, and strace sees /etc/hosts read for the first
# connection only (reverse, then forward confirmation: two reads), not
# for the five after it.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, free_port, run, wait_for  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import Raw, smtpd_instance, smtpd_pids  # noqa: E402


def hosts_reads(path):
    with open(path) as f:
        return sum(1 for line in f if "/etc/hosts" in line and
                   "= -1" not in line)


def main(t, mode):
    port = free_port()
    inst, _ = smtpd_instance(t, mode, ports=0, services=[
        "%d inet n - y - 1 smtpd" % port])
    # a first connection starts the process
    c = Raw(port)
    t.is_(c.reply()[0], 220, "greeting")
    t.is_(c.cmd("EHLO first.example")[0], 250, "EHLO")
    c.cmd("QUIT")
    c.close()
    pids = smtpd_pids(inst)
    t.is_(len(pids), 1, "one smtpd process")
    trace = os.path.join(inst.dir, "strace.out")
    tracer = None
    if pids and os.access("/usr/bin/strace", os.X_OK):
        tracer = subprocess.Popen(["strace", "-qq", "-e", "trace=openat",
                                   "-o", trace, "-p", str(pids[0])],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(1)
        if tracer.poll() is not None:
            tracer = None       # may not trace here (ptrace_scope)
    before = inst.log().count("connect from localhost[127.0.0.1]")
    for i in range(5):
        c = Raw(port)
        c.reply()
        t.is_(c.cmd("EHLO client%d.example" % i)[0], 250,
              "connection %d: EHLO" % (i + 1))
        c.cmd("QUIT")
        c.close()
    t.ok(wait_for(lambda: inst.log().count(
        "connect from localhost[127.0.0.1]") >= before + 5,
        "five connects logged"),
        "each of the five connections is logged with the verified name "
        "localhost")
    if tracer is None:
        t.skip("strace cannot attach here", 1)
        inst.teardown()
        return
    tracer.terminate()
    tracer.wait()
    # the connection before the trace looked the name up already; one
    # more lookup (two reads) if the ten seconds ran out on a slow run
    n = hosts_reads(trace)
    t.ok(n <= 2, "the five connections read /etc/hosts %d times, not "
         "twice each: the name is kept" % n)
    inst.teardown()


run(main)

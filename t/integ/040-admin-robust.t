#!/usr/bin/env python3
# The admin's commands when things are wrong, and the admin's first
# look at a new instance:
# - a running server whose main.cf was just broken: status, queue and
#   stop still work (each problem a warning with file:line); status
#   shows the service that keeps failing at startup, with its error;
# - status with a missing configuration directory, or with the instance
#   directory instead of its etc/, says so;
# - options anywhere on the command line (user add ADDRESS --stdin,
#   status -c DIR);
# - the init banner names the ports master.cf serves (465's included)
#   and the command as typed; libexec/ links only what is built.
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import POSTERN, Instance, free_port, port_base, run, \
    wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402


def test_bad_main_cf(t, mode):
    port = free_port()
    inst = q.instance(t, mode, services=q.SERVICES +
                      ["%d inet n - y - - smtpd" % port])
    q.start(inst)
    main = os.path.join(inst.etc, "main.cf")
    with open(main) as f:
        line = len(f.read().splitlines()) + 1
    with open(main, "a") as f:
        f.write("message_size_limit = ten\n")
    bad = r"main\.cf:%d: message_size_limit: bad value \"ten\"" % line

    r = inst.postern("status")
    t.is_(r.returncode, 0, "status with a bad main.cf: exit 0")
    t.like(r.stdout, r"the master is running \(pid %d\)" % inst.master_pid,
           "it says the master runs")
    t.like(r.stderr, r"postern: warning: .*%s.*; using its default" % bad,
           "and warns about the bad line, with file:line")
    r = inst.postern("queue")
    t.is_((r.returncode, r.stdout), (0, "Mail queue is empty\n"),
          "queue works too")
    r = inst.postern("reload")
    t.is_(r.returncode, 1, "reload: the master refuses the bad main.cf")
    t.like(r.stderr, r"reload refused, the running configuration stays: "
           r".*%s" % bad, "and says why")

    # a client makes the master start smtpd, which cannot load main.cf
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    ok = wait_for(lambda: "throttled:" in inst.postern("status").stdout,
                  "smtpd to be throttled", t)
    c.close()
    r = inst.postern("status")
    t.ok(ok, "status shows the throttled service")
    t.like(r.stdout, r"throttled: %d/inet keeps failing at startup "
           r"\(.*%s: not a number\); the master tries again in \d+s" %
           (port, bad), "with the error smtpd died of")
    r = inst.postern("stop")
    t.is_(r.returncode, 0, "stop with a bad main.cf: exit 0")
    t.like(r.stdout, r"the master has stopped", "the master has stopped")
    inst.teardown(expect=[r"smtpd\[\d+\]: fatal: .*%s" % bad,
                          r"master\[\d+\]: error: .*%s.*; keeping the "
                          r"running configuration" % bad,
                          r"pid \d+ exit status 1",
                          r"keeps failing at startup"])


def test_missing_dir(t, mode):
    inst = Instance(t, mode=mode, services=[])
    r = subprocess.run([POSTERN, "-c", inst.etc + "/nonexistent", "status"],
                       capture_output=True, text=True)
    t.is_(r.returncode, 1, "status with a missing -c directory: exit 1")
    t.like(r.stderr, r"configuration directory %s/nonexistent: No such file "
           r"or directory" % re.escape(inst.etc), "and it says so")
    r = subprocess.run([POSTERN, "-c", inst.dir, "status"],
                       capture_output=True, text=True)
    t.like(r.stderr, r"warning: %s/main\.cf: No such file or directory" %
           re.escape(inst.dir), "the instance directory instead of etc/: "
           "no main.cf there, said")
    t.like(r.stdout, r"not running \(configuration %s, queue " %
           re.escape(inst.dir), "status names the directory it read")
    inst.teardown()


def test_options_anywhere(t, mode):
    inst = Instance(t, mode=mode, services=[])
    r = subprocess.run([POSTERN, "user", "add", "alice@example.test",
                        "--stdin", "-c", inst.etc], input="S3cret-alice\n",
                       capture_output=True, text=True)
    t.is_(r.returncode, 0, "user add ADDRESS --stdin -c DIR works")
    if r.returncode != 0:
        t.diag(r.stderr)
    r = subprocess.run([POSTERN, "user", "list", "-c", inst.etc],
                       capture_output=True, text=True)
    t.like(r.stdout, r"(?m)^alice@example\.test ", "the user is there")
    r = subprocess.run([POSTERN, "status", "-c", inst.etc],
                       capture_output=True, text=True)
    t.like(r.stdout, r"not running \(configuration %s," %
           re.escape(inst.etc), "status -c DIR reads DIR")
    r = subprocess.run([POSTERN, "conf", "myhostname", "-c", inst.etc, "-x"],
                       capture_output=True, text=True)
    t.is_(r.stdout, "myhostname = localhost\n", "conf NAME -c DIR -x")
    inst.teardown()


def test_banner(t):
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    inst = os.path.join(d, "inst")
    base = port_base()
    r = subprocess.run([POSTERN, "init", inst, "--port-base", str(base)],
                       capture_output=True, text=True)
    t.is_(r.returncode, 0, "init")
    with open(os.path.join(inst, "etc", "master.cf")) as f:
        served = [int(p) for p in re.findall(r"^(\d+)\s+inet\s", f.read(),
                                             re.M)]
    m = re.search(r"^  serving on 127\.0\.0\.1: (.*)$", r.stdout, re.M)
    banner = [int(p) for p in re.findall(r"\b(\d+)\b", m.group(1))] \
        if m else []
    t.is_(sorted(banner), sorted(served), "the banner names exactly the "
          "inet ports master.cf serves")
    t.ok(base + 65 in banner, "465's submissions included")
    t.like(r.stdout, r"start it:  %s -c %s/etc start" %
           (re.escape(POSTERN), re.escape(inst)), "with the command as "
           "it was typed")
    libexec = os.path.join(inst, "libexec")
    dangling = [n for n in os.listdir(libexec)
                if not os.path.exists(os.path.join(libexec, n))]
    t.is_(dangling, [], "libexec/ has no link to a program that is not "
          "built")
    subprocess.run(["rm", "-rf", d])


def main(t, mode):
    test_bad_main_cf(t, mode)
    test_missing_dir(t, mode)
    test_options_anywhere(t, mode)
    test_banner(t)


if q.have_programs(None):
    run(main)

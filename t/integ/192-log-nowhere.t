#!/usr/bin/env python3
# What the admin sees when the log would go nowhere (no syslog daemon on
# /dev/log, maillog_file empty: containers, minimal hosts): postern check
# and a detached postern start say so, with the fix, and still work;
# with maillog_file set, or in the foreground (log on the terminal),
# neither says it. And a start is quiet: without root, "not running as
# root" is said once, by the master, not by every process.
import os
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import (POSTERN, Client, Instance, ensure_user,  # noqa: E402
                     free_port, run)

NOWHERE = (r"warning: nothing will keep the log: maillog_file is empty and "
           r"no syslog daemon listens on /dev/log")


def without_syslog(t, mode):
    """A command prefix that runs where /dev/log does not answer, or
    None (with a skip reason) when that cannot be arranged here."""
    if not os.path.exists("/dev/log"):
        return []       # this host has no syslog socket at all
    if mode == "root" and shutil.which("unshare"):
        # a mount namespace of our own, with /dev/log covered
        return ["unshare", "-m", "sh", "-c",
                'mount --bind /dev/null /dev/log && exec "$@"', "sh"]
    return None


def postern(inst, prefix, *args):
    return subprocess.run(prefix + [POSTERN, "-c", inst.etc] + list(args),
                          capture_output=True, text=True)


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - - ECHO" % port,
        "echo unix - - y - 2 ECHO -M",
        "postlog unix-dgram n n y - 1 postlogd",
    ])
    prefix = without_syslog(t, mode)
    if prefix is None:
        t.skip("this host has a syslog socket and no way to hide it "
               "without root", 9)
    else:
        r = postern(inst, prefix, "check")
        t.is_(r.returncode, 0, "check: a warning, not a problem (exit 0)")
        t.like(r.stdout, "postern check: " + NOWHERE,
               "check says the log would go nowhere")
        t.like(r.stdout, r"fix: set maillog_file .* or start a syslog "
               r"daemon; postern start -f shows the log on the terminal",
               "with the fix")
        r = postern(inst, prefix, "start")
        t.is_(r.returncode, 0, "a detached start still starts")
        t.like(r.stderr, r"postern/master\[\d+\]: " + NOWHERE,
               "and warns on the terminal first")
        t.like(r.stdout, r"the master is running", "then says it runs")
        t.is_(postern(inst, [], "stop").returncode, 0, "stop")

        logdir = os.path.join(inst.dir, "log")
        os.mkdir(logdir, 0o755)
        with open(os.path.join(inst.etc, "main.cf"), "a") as f:
            f.write("maillog_file = %s/maillog\nmaillog_file_prefixes = "
                    "%s\n" % (logdir, logdir))
            if mode == "root":
                ensure_user("postern-tlog")
                f.write("log_owner = postern-tlog\n")
        r = postern(inst, prefix, "check")
        t.ok(r.returncode == 0 and "nothing will keep" not in r.stdout,
             "with maillog_file: check does not warn")
        r = postern(inst, prefix, "start")
        t.ok(r.returncode == 0 and "nothing will keep" not in r.stderr,
             "nor does start")
        postern(inst, [], "stop")
        with open(os.path.join(inst.etc, "main.cf"), "a") as f:
            f.write("maillog_file =\n")

    # in the foreground the log is on the terminal: no warning; and quiet
    inst.start()
    c = Client(port)
    t.ok(c.greeting_pid() in inst.children(), "a service process runs")
    c.close()
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(os.path.join(inst.spool, "private", "echo"))
    u.sendall(b"hi\r\n")
    u.settimeout(20)
    t.ok(u.recv(100).startswith(b"echo "), "and one of another service")
    u.close()
    log = inst.log()
    t.ok("nothing will keep" not in log, "start -f: no warning")
    said = re.findall(r"(?m)^postern/(\w+)\[\d+\]: not running as root",
                      log)
    if mode == "root":
        t.is_(said, [], "as root: nobody says \"not running as root\"")
    else:
        t.is_(said, ["master"], "without root: said once, by the master")
        t.like(log, r"master\[\d+\]: not running as root: every service "
               r"runs as uid %d too, without a privilege drop or a chroot"
               % os.geteuid(), "saying what it means")
    inst.teardown()


run(main)

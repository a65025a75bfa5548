"""qmgrtest.py - helpers for the queue manager's integration tests.

An instance with qmgr and the local delivery agent (and no relay agent:
mail for other domains stays deferred, "transport smtp not available"),
messages put into incoming/ with t/bin/qput (lib/qfile, the writer
smtpd uses) as mail_owner, and views of the queue and of the Maildirs.
"""

import glob
import json
import os
import pwd
import re
import subprocess
import time

from postern import TOP, TEST_USER, WAIT, Instance, free_port, wait_for

QPUT = os.path.join(TOP, "t", "bin", "qput")
QMGR = os.path.join(TOP, "qmgr", "qmgr")
LOCAL = os.path.join(TOP, "delivery", "local", "local")
DOMAIN = "example.test"
USER = "postmaster@" + DOMAIN          # the user `postern init` makes

SERVICES = [
    "qmgr unix n - y 300 1 qmgr",
    "local unix - n y - - local",
]


def have_programs(t):
    for p in (QPUT, QMGR, LOCAL):
        if not os.access(p, os.X_OK):
            print("1..0 # SKIP %s is not built (make tests)" % p)
            return False
    return True


def instance(t, mode, main=None, services=None, domain=None, base=None):
    conf = {"queue_run_delay": "1s", "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s", "transport_retry_time": "1s"}
    conf.update(main or {})
    inst = Instance(t, mode=mode, services=services or SERVICES, main=conf,
                    domain=domain, base=base)
    if mode == "root":
        pw = pwd.getpwnam(TEST_USER)
        for d, _, files in os.walk(os.path.join(inst.dir, "mail")):
            os.chown(d, pw.pw_uid, pw.pw_gid)
            for f in files:
                os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)
    return inst


def smtp_instance(t, mode, main=None):
    """An instance that also runs smtpd (and anvil when built) on a free
    port: (inst, port)."""
    port = free_port()
    services = SERVICES + ["%d inet n - y - - smtpd" % port]
    if os.access(os.path.join(TOP, "anvil", "anvil"), os.X_OK):
        services.append("anvil unix - - y - 1 anvil")
    return instance(t, mode, services=services, main=main), port


def _as_owner(mode):
    if mode != "root":
        return None
    pw = pwd.getpwnam(TEST_USER)

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


def qput(inst, sender, rcpts, body=None, subject="test", attrs=(),
         wake=True):
    """Queue one message; returns its queue ID."""
    if body is None:
        body = "Subject: %s\nFrom: <%s>\n\nbody of %s\n" % (
            subject, sender, subject)
    args = [QPUT] + ([] if wake else ["-n"])
    for a in attrs:
        args += ["-a", a]
    args += [inst.spool, sender] + list(rcpts)
    r = subprocess.run(args, input=body, capture_output=True, text=True,
                       preexec_fn=_as_owner(inst.mode))
    if r.returncode != 0:
        raise RuntimeError("qput: " + r.stderr)
    return r.stdout.strip()


def backlog(t, inst, n, tag="b"):
    """Start the instance once (qmgr makes the queue directories), stop
    it, and queue n messages to USER without waking anyone."""
    start(inst)
    inst.stop()
    for i in range(n):
        qput(inst, "bulk@example.test", [USER], subject="%s%d" % (tag, i),
             wake=False)
    t.is_(len(queue_files(inst, "incoming")), n, "a backlog of %d" % n)


def queue_files(inst, queue):
    return sorted(n for n in (os.path.basename(p) for p in glob.glob(
        os.path.join(inst.spool, queue, "*", "*")))
        if re.match(r"^[0-9A-F]{14,}$", n))


def queue_empty(inst):
    return not any(queue_files(inst, q) for q in
                   ("incoming", "active", "deferred"))


def wait_empty(inst, t=None, bound=WAIT):
    """The queue drains. A message is in the Maildir a moment before qmgr
    has local's answer and removes its queue file: wait, do not look
    once."""
    return wait_for(lambda: queue_empty(inst), "an empty queue", t, bound)


def maildir(inst, user=USER, folder="new"):
    local, domain = user.split("@")
    return sorted(glob.glob(os.path.join(inst.dir, "mail", domain, local,
                                         folder, "*")))


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def wait_maildir(inst, count, user=USER, bound=WAIT):
    return wait_for(lambda: len(maildir(inst, user)) >= count,
                    "%d message(s) in the Maildir of %s" % (count, user),
                    inst.t, bound)


def postern_json(inst):
    r = inst.postern("queue", "--json")
    out = []
    for line in r.stdout.splitlines():
        out.append(json.loads(line))
    return out


def log_lines(inst, pattern):
    return re.findall(pattern, inst.log(), re.M)


def sleep_a_little():
    time.sleep(0.2)


def ctl_listens(inst):
    """Does qmgr's control socket take connections (not only exist)?"""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(os.path.join(inst.spool, "private", "qmgr-ctl"))
        return True
    except OSError:
        return False
    finally:
        s.close()


def start(inst):
    """Start the instance and wait until qmgr has made its directories
    and listens on its control socket (qput needs incoming/)."""
    inst.start()
    return wait_for(lambda: os.path.isdir(os.path.join(
        inst.spool, "incoming")) and ctl_listens(inst), "qmgr to be ready",
        inst.t)


def qmgr_pid(inst):
    """The pid of the master's qmgr child, or None."""
    pids = inst.children_running("qmgr")
    return pids[0] if pids else None

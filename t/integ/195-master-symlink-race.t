#!/usr/bin/env python3
# Root never follows a link that a service user can put in its way.
#
# A process of mail_owner's uid (what any bug in smtpd or qmgr gives)
# renames a symbolic link to a root-owned canary file over every new
# socket in private/ and public/, while the master is started, reloaded
# with sockets coming and going, and qmgr is killed and started again
# (its control socket is new each time). The canary's owner and mode
# must never change.
#
# The race is made easy to win from outside the programs: the master
# runs under strace, which holds every chmod, chown and friends by path
# for a while before the kernel sees it (nothing in the build can
# enable that pause), so a link renamed in during that time is what the
# call would follow.
import os
import pwd
import re
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TEST_USER, TOP, Instance, run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402

ROUNDS = 3
PATH_CALLS = "chmod,fchmodat,chown,lchown,fchownat"
STRACE = ["strace", "-f", "-qq", "--seccomp-bpf", "-o", "/dev/null",
          "-e", "trace=" + PATH_CALLS,
          "-e", "inject=%s:delay_enter=100000" % PATH_CALLS]

# The attacker: every socket it has not seen in private/ or public/ is
# replaced by a link to the canary; it reports how many it replaced.
ATTACKER = r"""
import os, stat, sys, time
canary, stop, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
seen, swapped, n = set(), 0, 0
while not os.path.exists(stop):
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            p = os.path.join(d, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if not stat.S_ISSOCK(st.st_mode) or st.st_ino in seen:
                continue
            seen.add(st.st_ino)
            tmp = os.path.join(d, ".lnk%d" % n)
            n += 1
            try:
                os.symlink(canary, tmp)
                os.rename(tmp, p)
                swapped += 1
            except OSError:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
    time.sleep(0.001)
print(swapped, flush=True)
"""

SERVICES_A = [
    "qmgr unix n - n 300 1 qmgr",
    "anvil unix - - n - 1 anvil",
    "echo1 unix - - n - 1 ECHO",
    "echo2 unix n - n - 1 ECHO",
]
SERVICES_B = SERVICES_A + [
    "echo3 unix - - n - 1 ECHO",
    "echo4 unix n - n - 1 ECHO",
]


def canary_state(path):
    st = os.lstat(path)
    return (st.st_uid, st.st_gid, oct(st.st_mode & 0o7777))


def remove_links(inst):
    """Before a start: the links the attacker left (a socket's name
    that is a link is refused, not removed, by the programs)."""
    for d in ("private", "public"):
        p = os.path.join(inst.spool, d)
        for name in os.listdir(p) if os.path.isdir(p) else []:
            if os.path.islink(os.path.join(p, name)):
                try:
                    os.unlink(os.path.join(p, name))
                except FileNotFoundError:
                    pass    # the attacker, still running, took it back


def wake_qmgr(inst):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(os.path.join(inst.spool, "public", "qmgr"))
        s.sendall(b"I")
    except OSError:
        pass
    s.close()


def main(t, mode):
    if mode != "root":
        t.skip("the race needs root and a service user apart from it", 3)
        return
    if not os.access("/usr/bin/strace", os.X_OK):
        t.skip("strace is not installed (build-aux/deps.sh)", 3)
        return
    for prog in ("qmgr/qmgr", "anvil/anvil"):
        if not os.access(os.path.join(TOP, prog), os.X_OK):
            t.skip("%s is not built" % prog, 3)
            return
    inst = Instance(t, mode=mode, services=SERVICES_A,
                    main={"service_throttle_time": "1s"})
    canary = os.path.join(inst.dir, "canary")
    with open(canary, "w") as f:
        f.write("root's secret\n")
    os.chmod(canary, 0o600)
    before = canary_state(canary)
    stop = os.path.join(inst.dir, "stop-attacker")
    pw = pwd.getpwnam(TEST_USER)

    def as_owner():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)

    remove_links(inst)
    # private/ is made by the master: start once so that it exists
    inst.start()
    inst.stop()
    remove_links(inst)
    attacker = subprocess.Popen(
        ["/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK)
         else sys.executable, "-c", ATTACKER, canary, stop,
         os.path.join(inst.spool, "private"),
         os.path.join(inst.spool, "public")],
        preexec_fn=as_owner, stdout=subprocess.PIPE, text=True)
    changed = None
    for r in range(ROUNDS):
        remove_links(inst)
        inst.write_master_cf(SERVICES_A)
        inst.start(wrap=STRACE)
        for k in range(3):
            old = wait_for(lambda: q.qmgr_pid(inst), "qmgr to run", t)
            if old:
                os.kill(old, signal.SIGKILL)
                wait_for(lambda: q.qmgr_pid(inst) != old, "qmgr to go", t)

            # a link the attacker left at qmgr-ctl stops the next qmgr
            # (a name that is a link is refused): clear it until one runs
            def restarted():
                remove_links(inst)
                wake_qmgr(inst)
                return q.qmgr_pid(inst) not in (None, old)
            wait_for(restarted, "a new qmgr", t)
        for services in (SERVICES_B, SERVICES_A, SERVICES_B):
            inst.write_master_cf(services)
            n = len(re.findall(r"master\[\d+\]: reloaded: ", inst.log()))
            os.kill(inst.master_pid, signal.SIGHUP)
            inst.wait_log(r"master\[\d+\]: reloaded: ", count=n + 1)
        inst.stop()
        if canary_state(canary) != before:
            changed = r
            break
    open(stop, "w").close()
    out, _ = attacker.communicate(timeout=60)
    swapped = int(out.strip() or "0")
    t.ok(swapped > 0, "the attacker replaced %d new sockets with links "
         "(the race was played)" % swapped)
    after = canary_state(canary)
    t.is_(after, before, "the canary's owner, group and mode are unchanged"
          + ("" if changed is None else " (changed in round %d)" %
             (changed + 1)))
    with open(canary) as f:
        t.is_(f.read(), "root's secret\n", "and so is its content")
    # a qmgr that finds the attacker's link at private/qmgr-ctl stops
    inst.teardown(expect=[
        r"qmgr pid \d+ killed by signal 9",
        r"qmgr pid \d+ exit status 1",
        r"qmgr\[\d+\]: fatal: control socket private/qmgr-ctl: listen "
        r"private/qmgr-ctl: exists and is not a socket",
        r"service qmgr/unix .* keeps failing at startup",
    ])


run(main)

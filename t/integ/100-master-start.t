#!/usr/bin/env python3
# master: postern check/start/status/stop, foreground and detached.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Client, Instance, free_port, port_refuses, run, \
    wait_for  # noqa: E402


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - n - - ECHO" % port,
        "echo unix - - y - 2 ECHO",
    ])
    r = inst.postern("check")
    t.is_(r.returncode, 0, "postern check finds no problem")
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    r = inst.postern("status")
    t.is_(r.returncode, 1, "status before start: exit 1")
    t.like(r.stdout, r"not running", "status says not running")

    pid = inst.start()
    r = inst.postern("status")
    t.is_(r.returncode, 0, "status: exit 0 while running")
    t.like(r.stdout, r"running \(pid %d\)" % pid, "status gives the pid")
    t.like(r.stdout, r"listening on 127\.0\.0\.1:%d \(%d/inet\)" %
           (port, port), "status lists the inet socket")
    t.like(r.stdout, r"listening on %s/private/echo \(echo/unix\)" %
           os.path.realpath(inst.spool), "status lists the unix socket")

    c = Client(port)
    cpid = c.greeting_pid()
    t.ok(cpid is not None and cpid in inst.children(),
         "a child of the master serves the client")
    t.is_(c.echo("hello"), "hello", "echo round trip")
    if mode == "root" and cpid:
        inst.check_privs(cpid, chroot=False)
    c.close()

    # the unix service, chrooted
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(os.path.join(inst.spool, "private", "echo"))
    greet = s.recv(100).decode()
    t.like(greet, r"^echo \d+ ready", "unix service answers")
    upid = int(greet.split()[1])
    if mode == "root":
        inst.check_privs(upid, chroot=True)
        st = os.stat(os.path.join(inst.spool, "private"))
        import pwd
        t.is_((st.st_uid, st.st_mode & 0o777),
              (pwd.getpwnam("postern-t").pw_uid, 0o700),
              "private/ belongs to mail_owner, mode 0700")
    s.close()

    children = inst.children()
    t.is_(inst.stop(), 0, "the master exits 0 on SIGTERM")
    t.ok(wait_for(lambda: not any(os.path.exists("/proc/%d" % p)
                                  for p in children), "children gone", t),
         "no child survives the stop")
    t.ok(wait_for(lambda: port_refuses(port), "port to close", t),
         "the port is closed after stop")
    t.ok(not os.path.exists(os.path.join(inst.spool, "private", "echo")),
         "the unix socket is removed")
    t.ok(not os.path.exists(os.path.join(inst.spool, "pid", "master.pid")),
         "the pid file is removed")
    r = inst.postern("status")
    t.is_(r.returncode, 1, "status after stop: exit 1")

    # detached: postern start / status / stop
    r = inst.postern("start")
    t.is_(r.returncode, 0, "postern start (detached) exits 0")
    t.like(r.stdout, r"running \(pid \d+\)", "start prints the pid")
    c = Client(port)
    t.ok(c.greeting_pid() is not None, "the detached master serves")
    c.close()
    r = inst.postern("status")
    t.like(r.stdout, r"running", "status: running")
    r = inst.postern("stop")
    t.is_(r.returncode, 0, "postern stop exits 0")
    t.like(r.stdout, r"stopped", "stop says stopped")
    t.ok(wait_for(lambda: port_refuses(port), "port to close", t),
         "the port is closed")
    r = inst.postern("stop")
    t.is_(r.returncode, 1, "stop when not running: exit 1")
    t.like(r.stderr, r"not running", "and says so")
    inst.teardown()


run(main)

#!/usr/bin/env python3
# POP3 and the mailbox store together, and what a crash leaves:
#   - mail delivered (smtpd -> qmgr -> local) during a session is not
#     lost: the session's maildrop stays as it was at login, the next
#     session has it;
#   - DELE and QUIT while another process (t/bin/mbox) syncs and reads
#     the same Maildir through lib/mailbox, over and over: neither
#     fails, and both agree on what is left;
#   - a dropped connection (no QUIT) deletes nothing;
#   - kill -9 of a session in the UPDATE state, at whatever point of
#     its deletions it is: nothing is lost, only messages the QUIT would
#     have deleted are gone, and the next session works on a consistent
#     index.
# check: slow
import hashlib
import os
import signal
import smtplib
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
from pop3_t import (MBOX, Pop3Raw, built, files, maildir,  # noqa: E402
                    mbox, pop3_instance, proc_pids, put_msg, vmail_pw)

if not built() or not os.access(MBOX, os.X_OK):
    print("1..0 # SKIP pop3d, pop3-login, auth or t/bin/mbox is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "Cr4sh-secret"
BOB, BOB_PW = "bob@example.test", "B0b-crash-secret"


def contents(inst, addr):
    """{sha1: name} of the messages in the Maildir."""
    out = {}
    md = maildir(inst, addr)
    for sub in ("new", "cur"):
        for n in files(inst, addr, sub):
            with open(os.path.join(md, sub, n), "rb") as f:
                out[hashlib.sha1(f.read()).hexdigest()] = n
    return out


def check_delivery(t, inst, ports):
    c = Pop3Raw(ports["pop3"])
    t.is_(c.login(BOB, BOB_PW), "+OK Logged in.", "bob logged in")
    t.ok(c.cmd("STAT").startswith("+OK 1 "), "one message at login")
    s = smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30)
    s.sendmail("x@example.org", [BOB], "Subject: during\r\n\r\nnew\r\n")
    s.quit()
    wait_for(lambda: len(files(inst, BOB, "new")) +
             len(files(inst, BOB, "cur")) == 2, "the delivery", t)
    t.ok(c.cmd("STAT").startswith("+OK 1 "), "delivered during the "
         "session: the maildrop stays as it was (RFC 1939)")
    c.cmd("RETR 1")
    c.multi()
    t.is_(c.cmd("QUIT"), "+OK Logging out.", "QUIT")
    c.close()
    c = Pop3Raw(ports["pop3"])
    c.login(BOB, BOB_PW)
    t.ok(c.cmd("STAT").startswith("+OK 2 "), "the next session has it")
    c.cmd("RETR 2")
    body = c.multi()
    t.ok("new" in body and "Subject: during" in body, "... complete")
    c.cmd("QUIT")
    c.close()


def check_reader(t, inst, ports):
    for i in range(60):
        put_msg(inst, ALICE, b"Subject: r%d\n\n%s\n" % (i, b"x" * i))
    cmd = [MBOX, "-r", "-n", "300", maildir(inst, ALICE)]
    pw = vmail_pw(inst)
    if pw is not None:
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" %
               pw.pw_gid, "--clear-groups"] + cmd
    reader = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    c = Pop3Raw(ports["pop3"])
    c.login(ALICE, ALICE_PW)
    for i in range(1, 61, 2):
        c.cmd("DELE %d" % i)
    c.cmd("RETR 2")
    c.multi()
    t.is_(c.cmd("QUIT"), "+OK Logging out, messages deleted.",
          "30 deleted at QUIT while another process reads the Maildir")
    c.close()
    out, err = reader.communicate(timeout=120)
    t.is_(reader.returncode, 0, "the reader (lib/mailbox in another "
          "process) never failed (%s)" % err.decode().strip())
    rc, out, err = mbox(inst, ALICE)
    t.is_(len(out.splitlines()) - 1, 30, "both see the 30 left")
    t.is_(len(files(inst, ALICE, "new")) + len(files(inst, ALICE, "cur")),
          30, "... and so does the directory")


def check_drop(t, inst, ports):
    before = contents(inst, ALICE)
    c = Pop3Raw(ports["pop3"])
    c.login(ALICE, ALICE_PW)
    for i in range(1, 11):
        c.cmd("DELE %d" % i)
    c.close()		# no QUIT
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Disconnected: Connection closed "
                       r"user=<alice@example\.test>.* del=0/30"),
         "a dropped connection: logged, nothing deleted")
    t.is_(contents(inst, ALICE), before, "every file is still there")


def check_kill(t, inst, ports, rnd):
    for i in range(600):
        put_msg(inst, ALICE, b"Subject: k%d.%d\n\n%s\n" % (rnd, i,
                                                           b"y" * i))
    before = contents(inst, ALICE)
    c = Pop3Raw(ports["pop3"])
    t.is_(c.login(ALICE, ALICE_PW), "+OK Logged in.", "round %d: logged in"
          % rnd)
    c.send("UIDL\r\n")
    c.line()
    uidl = c.multi()
    marked = set()
    n = len(uidl)
    for i in range(1, n + 1, 2):
        c.send("DELE %d\r\n" % i)
        marked.add(i)
    for _ in marked:
        c.line()
    # which files are the marked ones: RETR them by number first
    keep = {}
    for i in range(2, n + 1, 2):
        c.send("RETR %d\r\n" % i)
        c.line()
        body = "\n".join(c.multi()).encode() + b"\n"
        keep[i] = hashlib.sha1(body).hexdigest()
    pids = [p for p in proc_pids(inst, "pop3d")
            if "alice" in open("/proc/%d/cmdline" % p).read()]
    t.is_(len(pids), 1, "round %d: the session's process" % rnd)
    c.send("QUIT\r\n")
    # let it start deleting, then kill it somewhere in the middle (or
    # after the end, if it was quicker: the same checks hold)
    time.sleep(0.001 * (rnd - 1))
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            t.diag("round %d: the session ended before the kill" % rnd)
    c.close()
    wait_for(lambda: not any(os.path.exists("/proc/%d" % p) for p in pids),
             "the session to die", t)
    after = contents(inst, ALICE)
    t.ok(set(after) <= set(before), "round %d: nothing new, nothing "
         "changed" % rnd)
    t.ok(all(h in after for h in keep.values()), "round %d: every message "
         "not marked is still there, byte for byte" % rnd)
    gone = len(before) - len(after)
    t.ok(gone <= len(marked), "round %d: only marked ones are gone (%d of "
         "%d)" % (rnd, gone, len(marked)))
    c = Pop3Raw(ports["pop3"])
    t.is_(c.login(ALICE, ALICE_PW), "+OK Logged in.", "round %d: the next "
          "session logs in (the lock died with the process)" % rnd)
    stat = c.cmd("STAT")
    t.ok(stat.startswith("+OK %d " % len(after)), "round %d: it sees what "
         "is on disk (%s, %d files)" % (rnd, stat, len(after)))
    for i in range(1, len(after) + 1):
        c.send("DELE %d\r\n" % i)
    for i in range(1, len(after) + 1):
        c.line()
    c.cmd("QUIT")
    c.close()
    rc, out, err = mbox(inst, ALICE)
    t.ok(rc == 0 and len(out.splitlines()) == 1, "round %d: the index "
         "agrees: empty (%s)" % (rnd, err.strip()))


def main(t, mode):
    inst, ports = pop3_instance(t, mode, users={ALICE: ALICE_PW,
                                                BOB: BOB_PW}, smtp=True,
                                main={"auth_failure_delay": "0"})
    put_msg(inst, BOB, b"Subject: first\n\nhello\n")
    check_delivery(t, inst, ports)
    check_reader(t, inst, ports)
    check_drop(t, inst, ports)
    for rnd in range(1, 4):
        check_kill(t, inst, ports, rnd)
    inst.teardown(expect=[r"pop3d\[\d+\]: .*cut off \d+ bytes of an "
                          r"unfinished change",
                          r"master\[\d+\]: warning: .*pop3d.*killed by "
                          r"signal 9"])


run(main)

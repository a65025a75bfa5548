#!/usr/bin/env python3
"""Group commit of the queue's directory syncs (lib/qfile.h, GROUP COMMIT)
when the process that syncs for the others is killed with SIGKILL in the
middle of its sync.

Eight sessions end their DATA together. Their smtpd processes rename
their queue files into the directory of their arrival second; the first
of each directory syncs it for all, the others wait for its lock. strace
holds every fsync of a queue directory at its entry (-P: those paths
only; a queue file's own sync is an fdatasync): a pause from outside
that no build of Postern contains, so that the test sees the syncing
process inside its sync and the others waiting, and kills the former
before its fsync has begun; then strace lets go of every process.
Then:
- each of the other sessions gets its 250, with fewer syncs begun than
  sessions (the group commit's table counts them): the syncs are shared;
- as root, on a loop-mounted ext4 without a journal (this machine's kind
  of root file system): a copy of the device's content taken at the
  first 250 after the kill, and one after the last, is what a power loss
  at that moment would leave; after e2fsck each holds every queue file
  acknowledged by then, whole (debugfs reads it);
- the whole process tree killed and started again, with qmgr and local:
  every acknowledged message arrives in the Maildir.
"""
import atexit
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import free_port, pid_alive, run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402
from smtpd_t import Raw, smtpd_pids  # noqa: E402

N = 8
HOLD = "300s"           # a queue directory's fsync, at its entry: until
                        # the test has killed the process and let go
SYS_FSYNC, SYS_FCNTL = 74, 72   # x86-64


def syscall_of(pid):
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class LoopFS:
    """An ext4 file system without a journal on a loop device, in an
    image file of its own; None of it when the machine cannot."""

    def __init__(self, t):
        self.t = t
        self.ok = False
        self.dir = tempfile.mkdtemp(prefix="postern-t-loop.")
        os.chmod(self.dir, 0o755)      # the services reach the mount
        self.img = os.path.join(self.dir, "fs.img")
        self.mnt = os.path.join(self.dir, "mnt")
        self.mounted = False
        atexit.register(self.remove)
        os.mkdir(self.mnt)
        with open(self.img, "wb") as f:
            f.truncate(64 * 1024 * 1024)
        r = subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal",
                            self.img], capture_output=True, text=True)
        if r.returncode != 0:
            self.why = "mkfs.ext4: " + r.stderr.strip()
            return
        # a loop device that goes with the last unmount
        r = subprocess.run(["mount", "-o", "loop", self.img, self.mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.why = "mount -o loop: " + r.stderr.strip()
            return
        self.mounted = True
        os.chmod(self.mnt, 0o755)
        self.ok = True

    def snapshot(self, name):
        """A copy of the device's content now (everything written to the
        device; nothing that is only in the page cache), checked and
        repaired by e2fsck as after a power loss."""
        out = os.path.join(self.dir, name)
        shutil.copyfile(self.img, out)
        r = subprocess.run(["e2fsck", "-fy", out], capture_output=True,
                           text=True)
        return out, r.returncode < 4

    def cat(self, image, path):
        r = subprocess.run(["debugfs", "-R", "cat %s" % path, image],
                           capture_output=True)
        return r.stdout if r.returncode == 0 else b""

    def remove(self):
        """Unmount (processes of the instance may still be going away:
        wait for them a while, then detach lazily), then remove all."""
        if self.mounted:
            if not wait_for(lambda: subprocess.run(
                    ["umount", self.mnt], capture_output=True).returncode
                    == 0, "umount", None, bound=10):
                subprocess.run(["umount", "-l", self.mnt],
                               capture_output=True)
            self.mounted = False
        shutil.rmtree(self.dir, ignore_errors=True)


def syncs_begun(table):
    """Syncs begun in all slots of a group commit's table (lib/dirsync.h:
    64 slots of eight 64-bit words, the first of each the count)."""
    with open(table, "rb") as f:
        data = f.read()
    return sum(struct.unpack_from("=Q", data, s * 64)[0]
               for s in range(len(data) // 64))


def body(i):
    return ("From: <s@example.org>\r\nTo: <%s>\r\nSubject: group %d\r\n"
            "X-Marker: group-commit-%d\r\n\r\n" % (q.USER, i, i) +
            "line\r\n" * 50)


def kill_tree(inst, strace):
    pids = [inst.master_pid] + inst.children()
    for pid in pids + [strace.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    strace.wait()
    return wait_for(lambda: not any(pid_alive(p) for p in pids),
                    "the tree to die", inst.t)


def main(t, mode):
    fs = LoopFS(t) if mode == "root" else None
    if fs is not None and not fs.ok:
        t.diag("no power-loss copies: %s" % fs.why)
    port = free_port()
    smtpd = "%d inet n - y - - smtpd" % port
    inst = q.instance(t, mode, services=[smtpd],
                      base=fs.mnt if fs is not None and fs.ok else None)
    trace = os.path.join(inst.dir, "strace.out")
    paths = []
    for h in "0123456789ABCDEF":
        paths += ["-P", os.path.join(inst.spool, "incoming", h)]
    inst.start(wrap=["strace", "-f", "-qq", "-o", trace, "-e",
                     "trace=fsync", "-e", "signal=none"] + paths +
               ["-e", "inject=fsync:delay_enter=" + HOLD])
    strace = inst.proc

    sessions = []
    for i in range(N):
        c = Raw(port)
        c.reply()
        sessions.append(c)
    # the transactions start together: one arrival second, or two
    for c in sessions:
        c.send("EHLO client.example\r\nMAIL FROM:<s@example.org>\r\n"
               "RCPT TO:<%s>\r\nDATA\r\n" % q.USER)
    for c in sessions:
        replies = [c.reply() for _ in range(4)]
        if not replies[-1] or replies[-1][0] != 354:
            t.ok(False, "DATA: %s" % c.text(replies[-1]))
            return
    for i, c in enumerate(sessions):
        c.send(body(i))
    for c in sessions:
        c.send(".\r\n")

    state = {}

    def all_at_sync():
        state.clear()
        for pid in smtpd_pids(inst):
            state[pid] = syscall_of(pid)
        leaders = [p for p, s in state.items() if s == SYS_FSYNC]
        waiters = [p for p, s in state.items() if s == SYS_FCNTL]
        return leaders and waiters and len(leaders) + len(waiters) == N
    t.ok(wait_for(all_at_sync, "every smtpd in fsync or waiting", t),
         "of %d sessions, each smtpd syncs its directory or waits for "
         "the one that does" % N)
    leaders = [p for p, s in state.items() if s == SYS_FSYNC]
    waiters = [p for p, s in state.items() if s == SYS_FCNTL]
    t.diag("%d in fsync, %d waiting" % (len(leaders), len(waiters)))
    for pid in leaders:
        os.kill(pid, signal.SIGKILL)
    # strace killed: the kernel lets go of every process it traced
    strace.kill()
    strace.wait()
    with open(trace) as f:
        record = f.read()
    t.ok(all(re.search(r"^%d\s+fsync\(" % p, record, re.M) and
             not re.search(r"^%d\s.*= 0" % p, record, re.M)
             for p in leaders),
         "killed while held at the entry of its fsync, which never "
         "returned")

    # the replies, the first of them as it comes: then the power-loss copy
    acked, closed, copies = {}, 0, []
    pending = {c.sock: (i, c) for i, c in enumerate(sessions)}
    while pending:
        ready, _, _ = select.select(list(pending), [], [], q.WAIT)
        if not ready:
            break
        for sock in ready:
            i, c = pending.pop(sock)
            r = c.reply()
            if r is None:
                closed += 1
                continue
            m = re.search(r"queued as ([0-9A-F]+)", " ".join(r[1]))
            if r[0] == 250 and m:
                acked[i] = m.group(1)
                if fs is not None and fs.ok and not copies:
                    copies.append((fs.snapshot("first.img"),
                                   dict(acked)))
            else:
                t.diag("session %d: %s" % (i, c.text(r)))
    t.is_(closed, len(leaders), "the killed processes' sessions end "
          "without a reply")
    t.is_(len(acked), len(waiters), "every waiting session gets 250 "
          "(%d)" % len(acked))

    begun = syncs_begun(os.path.join(inst.spool, "incoming",
                                     ".postern-dirsync"))
    t.ok(0 < begun < N, "the syncs are shared: %d begun (the killed "
         "ones' included) for %d sessions" % (begun, N))

    if fs is not None and fs.ok:
        copies.append((fs.snapshot("last.img"), dict(acked)))
        rel = "/" + os.path.relpath(inst.spool, fs.mnt)

        def whole(image, i, qid):
            data = fs.cat(image, "%s/incoming/%s/%s" % (rel, qid[7], qid))
            return data.endswith(b"E\0\0\0\0") and \
                b"X-Marker: group-commit-%d\r\n" % i in data
        for ((image, fsck_ok), known), which in zip(
                copies, ("first 250", "last 250")):
            t.ok(fsck_ok, "the copy at the %s passes e2fsck" % which)
            good = [i for i, qid in known.items() if whole(image, i, qid)]
            t.is_(sorted(good), sorted(known), "as a power loss at the "
                  "%s would leave it: every message acknowledged by then "
                  "is in incoming/, whole (%d)" % (which, len(known)))
    else:
        t.skip("power-loss copies need root and a loop device", 4)

    for c in sessions:
        c.close()
    t.ok(kill_tree(inst, strace), "the whole tree killed")
    inst.write_master_cf([smtpd] + q.SERVICES)
    inst.start()
    def missing():
        got = " ".join(q.read(p) for p in q.maildir(inst))
        return [i for i in acked
                if "X-Marker: group-commit-%d\n" % i not in got]
    wait_for(lambda: not missing(), "the acknowledged messages", t)
    t.is_(missing(), [], "started again with qmgr and local: every "
          "acknowledged message is delivered (%d)" % len(acked))
    inst.teardown(expect=[r"killed by signal 9", r"signal 9"])


if q.have_programs(None):
    run(main)

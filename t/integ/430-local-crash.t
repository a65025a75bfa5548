#!/usr/bin/env python3
# check: slow
"""delivery/local under kill -9: nothing half-written is ever visible.

A steady stream of delivery requests (messages of 1 to 300 kB, several
clients at once) while the agents are killed with SIGKILL at random
instants. Each message is retried, as qmgr does, until the agent
answers 2.0.0 for it. Then: every acknowledged message is in the Maildir;
every file in new/ is complete (the exact bytes of one message, ,S= its
size); a message is there twice only when an answer was lost to a kill
(the duplicate window deliver_proto.h documents); tmp/ leftovers older
than 36 hours are removed by the next agent.
"""
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from deliver import ProtocolClosed  # noqa: E402
from localtest import LOCAL, NAME_RE, LocalInstance, built, \
    stored  # noqa: E402
from postern import proc_fds, run, wait_for  # noqa: E402

MESSAGES = 400
CLIENTS = 3
RCPT = "load@example.test"


def content(seq, rnd):
    size = rnd.choice([1000, 5000, 40000, 300000])
    head = b"Subject: load %d\r\nX-Seq: %d\r\n\r\n" % (seq, seq)
    line = b"%06d " % seq + b"y" * 70 + b"\r\n"
    body = line * (size // len(line))
    return head + body + b"END %d\r\n" % seq


def main(t, mode):
    if not built("delivery/local/local"):
        t.skip("%s is not built" % LOCAL)
        return
    # kills before a first client look like a crash loop: keep the throttle
    # short, this test is about what survives the kills
    li = LocalInstance(t, mode, users=[(RCPT, "pw", [])],
                       main={"service_throttle_time": "2s"})
    li.start()
    rnd = random.Random(4242)
    bodies = {i: content(i, rnd) for i in range(MESSAGES)}
    acked = {}          # seq -> attempts until acknowledged
    lost = set()        # seqs whose answer may have been lost to a kill
    lock = threading.Lock()
    todo = list(range(MESSAGES))
    stop = threading.Event()
    kills = [0]
    errors = []

    def client():
        while True:
            with lock:
                if not todo:
                    return
                seq = todo.pop(0)
            qf = li.queue_file([RCPT], bodies[seq])
            attempts = 0
            while attempts < 200:
                attempts += 1
                try:
                    with li.agent() as a:
                        st = a.deliver(qf, [RCPT])
                except (ProtocolClosed, OSError):
                    with lock:
                        lost.add(seq)   # maybe delivered, answer lost
                    time.sleep(0.01)
                    continue
                if st and st[0]["dsn"] == "2.0.0":
                    with lock:
                        acked[seq] = attempts
                    break
                with lock:
                    errors.append((seq, st))
                time.sleep(0.05)
            os.unlink(qf.path)

    def busy(pid):
        """Is the agent in the middle of a delivery (has a queue file
        open)? Killing agents that never served a client would make the
        master throttle the service, which is another test's subject."""
        try:
            return any(to.startswith(li.qdir) for to in proc_fds(pid))
        except OSError:
            return False

    def killer():
        krnd = random.Random(7)
        while not stop.is_set():
            time.sleep(krnd.uniform(0.002, 0.03))
            pids = [p for p in li.local_pids() if busy(p)]
            if pids:
                try:
                    os.kill(krnd.choice(pids), signal.SIGKILL)
                    kills[0] += 1
                except ProcessLookupError:
                    pass

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    k = threading.Thread(target=killer)
    k.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    stop.set()
    k.join()
    t.diag("%d agents killed during %d deliveries" % (kills[0], MESSAGES))
    t.ok(kills[0] >= 10, "agents were killed while delivering (%d)" %
         kills[0])
    t.is_(sorted(acked), list(range(MESSAGES)),
          "every message was acknowledged in the end")
    t.is_(errors, [], "no answer other than 2.0.0 (a killed agent is a "
          "lost answer, never a failure)")

    rel = "example.test/load"
    seen = {}
    bad = []
    for name in li.files(rel) + ["cur/" + n for n in li.files(rel, "cur")]:
        sub, n = ("cur", name[4:]) if name.startswith("cur/") else \
            ("new", name)
        data = li.read(rel, n, sub)
        m = NAME_RE.match(n)
        seq = None
        for line in data.split(b"\n")[:6]:
            if line.startswith(b"X-Seq: "):
                seq = int(line[7:])
        if not m or int(m.group(1)) != len(data) or seq not in bodies or \
                data != stored("sender@example.org", RCPT, bodies[seq]):
            bad.append(n)
            continue
        seen[seq] = seen.get(seq, 0) + 1
    t.is_(bad, [], "every file in new/ is complete: the exact bytes, "
          ",S= its size")
    t.is_(sorted(seen), list(range(MESSAGES)),
          "every acknowledged message is in the Maildir")
    dups = sorted(s for s, c in seen.items() if c > 1)
    t.ok(set(dups) <= lost, "duplicates only where an answer was lost "
         "to a kill (%d duplicates, %d answers lost)" % (len(dups),
                                                         len(lost)))
    t.ok(all(c <= acked.get(s, 1) for s, c in seen.items()),
         "never more copies than attempts")

    # leftovers in tmp/ are invisible, and removed once 36 hours old; one
    # left by a kill between the link into new/ and the unlink from tmp/
    # is a second name of a delivered message, which stays in new/
    tmp = li.maildir(rel + "/tmp")
    left = os.listdir(tmp)
    inodes = {os.stat(os.path.join(tmp, n)).st_ino for n in left}
    newdir = li.maildir(rel + "/new")
    twins = {n: li.read(rel, n) for n in li.files(rel)
             if os.stat(os.path.join(newdir, n)).st_ino in inodes}
    t.diag("%d leftover(s) in tmp/, %d of them also in new/" %
           (len(left), len(twins)))
    old = time.time() - 36 * 3600 - 60
    for n in left:
        os.utime(os.path.join(tmp, n), (old, old))
    for pid in li.local_pids():
        os.kill(pid, signal.SIGKILL)    # a fresh agent cleans tmp/
    wait_for(lambda: not li.local_pids(), "the agents to exit", t)
    with li.agent() as a:
        st = a.deliver(li.queue_file([RCPT], bodies[0]), [RCPT])
    t.is_(st[0]["dsn"], "2.0.0", "a new agent delivers")
    t.is_(sorted(set(os.listdir(tmp)) & set(left)), [],
          "tmp/ leftovers over 36 hours old are removed")
    t.ok(all(n in li.files(rel) and li.read(rel, n) == data
             for n, data in twins.items()),
         "... and the messages they were second names of are still in "
         "new/, whole")
    li.teardown(expect=[r"killed by signal 9", r"error talking to qmgr",
                        r"removed \d+ leftover"])


run(main)

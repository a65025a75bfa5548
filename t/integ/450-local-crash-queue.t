#!/usr/bin/env python3
# check: slow
"""Crash safety of the whole path: kill -9 of local, of qmgr, and of the
whole process tree at random instants under a steady SMTP load.

Messages go in through smtplib; a message counts as accepted when DATA
got 250. Meanwhile a killer picks, at random instants, one of: a local
agent, qmgr, or every process of the instance at once (then the master
is started again). At the end every accepted message is in the Maildir;
every file there is complete (exact bytes, ,S= its size); duplicates stay
within the documented windows (a delivery whose 'D' mark or status was
lost to a kill, or a send whose 250 the client never saw); nothing is left
in the queue.
"""
import os
import random
import signal
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from localtest import NAME_RE, LocalInstance, pipeline_services  # noqa
from postern import free_port, pid_alive, port_refuses, proc_fds, run, \
    wait_for  # noqa: E402

EVENTS = ["local"] * 6 + ["qmgr"] * 4 + ["tree"] * 3
SENDERS = 2
RCPT = "load@example.test"


def message(seq, rnd):
    size = rnd.choice([800, 3000, 30000, 120000])
    line = b"%06d " % seq + b"z" * 60 + b"\r\n"
    return (b"From: sender@example.org\r\nTo: %s\r\nSubject: load %d\r\n"
            b"X-Seq: %d\r\n\r\n" % (RCPT.encode(), seq, seq) +
            line * (size // len(line)) + b"END %d\r\n" % seq)


def exe_of(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def has_open(pid, prefix):
    """Has pid a file below prefix open (a local agent delivering holds
    its queue file)? Agents that never served would make the master
    throttle the service instead."""
    try:
        return any(to.startswith(prefix) for to in proc_fds(pid))
    except OSError:
        return False


def main(t, mode):
    port = free_port()
    svcs = pipeline_services(port, qmgr_wakeup=1)
    if svcs is None:
        t.skip("smtpd or qmgr is not built yet")
        return
    li = LocalInstance(t, mode, users=[(RCPT, "pw", [])], services=svcs,
                       main={"minimal_backoff_time": "1s",
                             # kills before a first client look like a
                             # crash loop: keep the throttle short, this
                             # test is about what survives the kills
                             "service_throttle_time": "2s",
                             "maximal_backoff_time": "2s",
                             "queue_run_delay": "1s"})
    li.start()
    wait_for(lambda: not port_refuses(port), "smtpd", t)
    rnd = random.Random(99)
    msgs = {}
    lock = threading.Lock()
    nextseq = [0]
    accepted = set()
    uncertain = set()   # DATA sent, no reply seen: may be queued
    stop = threading.Event()
    restarting = threading.Event()
    events = {"local": 0, "qmgr": 0, "tree": 0}

    def sender():
        while not stop.is_set():
            with lock:
                seq = nextseq[0]
                nextseq[0] += 1
                msgs[seq] = message(seq, rnd)
            for _ in range(400):
                if restarting.is_set():
                    time.sleep(0.05)
                    continue
                sent_data = False
                try:
                    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
                    s.ehlo("load.example.org")
                    s.mail("sender@example.org")
                    code, _ = s.rcpt(RCPT)
                    if code != 250:
                        s.close()
                        time.sleep(0.05)
                        continue
                    sent_data = True
                    code, _ = s.data(msgs[seq])
                    try:
                        s.quit()
                    except (smtplib.SMTPException, OSError):
                        pass
                    if code == 250:
                        with lock:
                            accepted.add(seq)
                        break
                except (smtplib.SMTPException, OSError):
                    if sent_data:
                        with lock:
                            uncertain.add(seq)
                time.sleep(0.05)

    def kill_tree():
        pids = [li.inst.proc.pid] + li.inst.children()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        li.inst.proc.wait()
        wait_for(lambda: not any(pid_alive(p) for p in pids),
                 "the tree to die", t)
        li.inst.start()
        wait_for(lambda: not port_refuses(port), "smtpd again", t)

    def killer():
        krnd = random.Random(5)
        todo = list(EVENTS)
        krnd.shuffle(todo)
        for what in todo:
            time.sleep(krnd.uniform(0.1, 0.5))
            if what == "tree":
                restarting.set()
                kill_tree()
                restarting.clear()
                events["tree"] += 1
                continue
            pids = []
            for _ in range(50):     # a local agent in mid-delivery
                pids = [p for p in li.inst.children()
                        if exe_of(p).endswith("/" + what) and
                        (what != "local" or has_open(p, li.inst.spool))]
                if pids:
                    break
                time.sleep(0.01)
            if pids:
                try:
                    os.kill(krnd.choice(pids), signal.SIGKILL)
                    events[what] += 1
                except ProcessLookupError:
                    pass

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    k = threading.Thread(target=killer)
    for th in threads:
        th.start()
    k.start()
    k.join()
    time.sleep(0.5)     # a little load after the last kill
    stop.set()
    for th in threads:
        th.join(timeout=300)
    t.diag("kills: %s; %d accepted, %d uncertain" % (
        events, len(accepted), len(uncertain)))
    t.ok(events["local"] > 0 and events["qmgr"] > 0 and events["tree"] > 0,
         "local, qmgr and the whole tree were killed (%s)" % events)
    t.ok(len(accepted) >= 20, "messages went in during the kills (%d)" %
         len(accepted))

    rel = "example.test/load"

    def delivered():
        got = {}
        for n in li.files(rel):
            m = NAME_RE.match(n)
            data = li.read(rel, n)
            seq = None
            for line in data.split(b"\n")[:12]:
                if line.startswith(b"X-Seq: "):
                    seq = int(line[7:])
            got.setdefault(seq, []).append((n, m, data))
        return got

    wait_for(lambda: accepted <= set(delivered()), "every accepted "
             "message in the Maildir", t, bound=300)
    got = delivered()
    t.is_(sorted(accepted - set(got)), [],
          "every message that got a 250 is delivered")
    bad = []
    for seq, copies in got.items():
        for n, m, data in copies:
            want = msgs.get(seq, b"-").replace(b"\r\n", b"\n")
            if seq is None or not m or int(m.group(1)) != len(data) or \
                    not data.startswith(b"Return-Path: <sender@example.org>"
                                        b"\nDelivered-To: " +
                                        RCPT.encode() + b"\n") or \
                    not data.endswith(want[want.index(b"From:"):]):
                bad.append(n)
    t.is_(bad, [], "every file in new/ is complete: exact bytes, ,S= its "
          "size")
    dups = {s: len(c) for s, c in got.items() if len(c) > 1}
    kills = sum(events.values())
    t.ok(len(dups) <= len(uncertain) + 4 * kills,
         "duplicates within the window: %d (uncertain sends %d, kills %d)"
         % (len(dups), len(uncertain), kills))
    t.diag("duplicates: %s" % dups)

    def queue_files():
        n = 0
        for q in ("incoming", "active", "deferred"):
            for dirpath, _, files in os.walk(os.path.join(li.inst.spool,
                                                          q)):
                # not tmp.* (a crash's leftovers), nor the group
                # commit's table, incoming/.postern-dirsync
                n += len([f for f in files
                          if not f.startswith(("tmp.", "."))])
        return n
    t.ok(wait_for(lambda: queue_files() == 0, "an empty queue", t,
                  bound=60), "nothing is left in the queue")
    li.teardown(expect=[r"killed by signal 9", r"error talking to "])


run(main)

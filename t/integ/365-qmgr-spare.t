#!/usr/bin/env python3
# Delivered queue files are kept for reuse (lib/qfile_spare): after
# delivery they wait in spare/ under their queue IDs, qmgr answers
# smtpd's wakeup with one of them, smtpd's next message is written over
# it (its queue ID names that inode) and arrives without a byte of the
# old message, and queue_file_spare_limit bounds how many are kept (0:
# none; never more than twice the limit, even after an overload).
import os
import signal
import smtplib
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import free_port, run  # noqa: E402
import qmgrtest as q  # noqa: E402


def send(port, subject, size):
    body = ("From: <friend@example.test>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "\r\n" % (q.USER, subject)) + ("x" * 76 + "\r\n") * (size // 78)
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.sendmail("friend@example.test", [q.USER], body)
    s.quit()
    return body


def spares(inst):
    d = os.path.join(inst.spool, "spare")
    try:
        return {n: os.stat(os.path.join(d, n)).st_ino
                for n in os.listdir(d)}
    except FileNotFoundError:
        return {}


def wakeup(t, inst, mode, kept):
    """A "Q" wakeup on public/qmgr: qmgr answers with a spare file's name
    only to a client that runs as mail_owner (as root, the test is not)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(os.path.join(inst.spool, "public", "qmgr"))
    s.sendall(b"Q" + sorted(kept)[0].encode())
    got = b""
    while True:
        d = s.recv(64)
        if not d:
            break
        got += d
    s.close()
    if mode == "root":
        t.is_(got, b"", "a wakeup from another user than mail_owner gets "
              "no spare file's name")
    else:
        name = got.decode()[1:].strip()
        t.ok(got.startswith(b"S") and name in kept,
             "a wakeup from mail_owner is answered S and a spare file's "
             "name (%r)" % got)
    # as smtpd does it: "Q" lines on a connection that stays open, for
    # mail_owner only
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(os.path.join(inst.spool, "public", "qmgr"))
    s.sendall(b"Q" + sorted(kept)[0].encode() + b"\n")
    got, eof = b"", False
    try:
        while not got.endswith(b"\n"):
            d = s.recv(64)
            if not d:
                eof = True
                break
            got += d
    except socket.timeout:
        pass
    if mode == "root":
        t.ok(got == b"" and eof, "a 'Q' line from another user: no "
             "answer, and the connection is closed, not kept")
        s.close()
        return
    t.ok(got.startswith(b"S") and got.decode()[1:].strip() in kept,
         "a 'Q' line from mail_owner: answered with the other spare "
         "file's name (%r)" % got)
    s.settimeout(2)
    s.sendall(b"Q" + sorted(kept)[0].encode() + b"\n")
    try:
        d = s.recv(64)
        still = False
    except socket.timeout:
        still = True        # no spare left to name, and not closed
    t.ok(still, "... the connection is kept for the next line (no spare "
         "file left to name: no answer, no end of file)")
    s.close()


def setup(t, mode, limit=None):
    port = free_port()
    main = {} if limit is None else {"queue_file_spare_limit": limit}
    inst = q.instance(t, mode, main=main, services=q.SERVICES + [
        "%d inet n - y - - smtpd" % port])
    q.start(inst)
    return inst, port


def main(t, mode):
    inst, port = setup(t, mode)
    for i in range(5):
        send(port, "big %d" % i, 40000)
    t.ok(q.wait_maildir(inst, 5), "five messages delivered")
    t.ok(q.wait_empty(inst, t), "the queue is empty")
    removed = set(q.log_lines(inst, r"qmgr\[\d+\]: ([0-9A-F]+): removed"))
    kept = spares(inst)
    t.ok(kept and set(kept) <= removed,
         "delivered queue files wait in spare/ under their queue IDs "
         "(%d of %d)" % (len(kept), len(removed)))
    # qmgr answers each wakeup with a spare file's name, which the same
    # smtpd process uses for its next message (if the answer has come
    # by then): of a few small messages, some are written over spare
    # files (the inode in their queue ID is one of spare/)
    reused = []
    for i in range(6):
        kept = spares(inst)
        before = set(q.maildir(inst))
        small = send(port, "small %d" % i, 100)
        t.ok(q.wait_maildir(inst, 6 + i), "small message %d delivered" % i)
        qid = q.log_lines(inst, r"([0-9A-F]+): from=<friend@example\.test>,"
                          r" size=\d+, nrcpt=1 \(queued\)")[-1]
        if int(qid[13:], 16) in kept.values() and qid not in kept:
            new = (set(q.maildir(inst)) - before).pop()
            reused.append((qid, small, q.read(new)))
    t.ok(reused, "small messages were written over spare files (%s)" %
         ", ".join(r[0] for r in reused))
    t.ok(all(got.endswith(small[small.index("\r\n\r\n") + 4:].replace(
        "\r\n", "\n")) for _, small, got in reused), "they arrive whole")
    t.ok(all(got.count("x" * 76) == 1 for _, _, got in reused),
         "... and nothing of the bigger messages before them (one line of "
         "x's, as sent; the big ones had 512)")
    inst.teardown()

    # queued with qput, which takes no spare files: only the limit
    # decides how many stay (beyond it, qmgr removes one file at a time,
    # never a burst: wait for it)
    for limit, n, kept in ((2, 4, 2), (0, 3, 0)):
        inst, port = setup(t, mode, limit=limit)
        for i in range(n):
            q.qput(inst, "friend@example.test", [q.USER],
                   subject="limit %d, %d" % (limit, i))
        t.ok(q.wait_maildir(inst, n) and q.wait_empty(inst, t),
             "queue_file_spare_limit = %d: %d delivered" % (limit, n))
        q.wait_for(lambda: len(spares(inst)) <= kept,
                   "%d spare files" % kept, t)
        q.sleep_a_little()
        t.is_(len(spares(inst)), kept, "... %d kept in spare/" % kept)
        if kept:
            wakeup(t, inst, mode, spares(inst))
        inst.teardown()

    # an overload: qmgr stopped, so smtpd gets no names and makes a file
    # for every message; once they are delivered the pool keeps at most
    # twice the limit, the rest go at once (not one a second)
    inst, port = setup(t, mode, limit=2)
    pids = inst.children_running("qmgr")
    t.is_(len(pids), 1, "overload: one qmgr")
    os.kill(pids[0], signal.SIGSTOP)
    try:
        for i in range(30):
            send(port, "overload %d" % i, 100)
    finally:
        os.kill(pids[0], signal.SIGCONT)
    t.ok(q.wait_maildir(inst, 30) and q.wait_empty(inst, t),
         "30 messages queued while qmgr stood still: delivered")
    t.ok(len(spares(inst)) <= 4, "... and at most twice the limit (2) "
         "kept in spare/ (%d), not one file per message" % len(spares(inst)))
    inst.teardown()

if q.have_programs(None):
    run(main)

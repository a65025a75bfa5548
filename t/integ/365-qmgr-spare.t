#!/usr/bin/env python3
# Delivered queue files are kept for reuse (lib/qfile_spare): after
# delivery they wait in spare/ under their queue IDs, qmgr answers
# smtpd's wakeup with one of them, smtpd's next message is written over
# it (its queue ID names that inode) and arrives without a byte of the
# old message, and queue_file_spare_limit bounds how many are kept (0:
# none).
import os
import smtplib
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
    t.ok(q.queue_empty(inst), "the queue is empty")
    removed = set(q.log_lines(inst, r"qmgr\[\d+\]: ([0-9A-F]+): removed"))
    kept = spares(inst)
    t.ok(kept and set(kept) <= removed,
         "delivered queue files wait in spare/ under their queue IDs "
         "(%d of %d)" % (len(kept), len(removed)))
    # the answer to this message's wakeup names a spare file for the
    # next message of the same smtpd (one process serves these clients
    # one after the other)
    send(port, "small 1", 100)
    t.ok(q.wait_maildir(inst, 6), "a small message delivered")
    kept = spares(inst)
    before = set(q.maildir(inst))
    small = send(port, "small 2", 100)
    t.ok(q.wait_maildir(inst, 7), "another small message delivered")
    qid = q.log_lines(inst, r"([0-9A-F]+): from=<friend@example\.test>, "
                      r"size=\d+, nrcpt=1 \(queued\)")[-1]
    ino = int(qid[13:], 16)
    t.ok(ino in kept.values(), "it was written over a spare file (the "
         "inode in its queue ID %s is one of spare/)" % qid)
    t.ok(qid not in kept, "... under a new queue ID")
    new = (set(q.maildir(inst)) - before).pop()
    got = q.read(new)
    t.ok(got.endswith(small[small.index("\r\n\r\n") + 4:].replace(
        "\r\n", "\n")), "it arrives whole")
    t.is_(got.count("x" * 76), 1, "... and nothing of the big message "
          "before it (one line of x's, as sent; the big ones had 512)")
    inst.teardown()

    inst, port = setup(t, mode, limit=2)
    for i in range(4):
        send(port, "m %d" % i, 2000)
    t.ok(q.wait_maildir(inst, 4) and q.queue_empty(inst),
         "queue_file_spare_limit = 2: four delivered")
    t.is_(len(spares(inst)), 2, "... two kept in spare/, the rest removed")
    inst.teardown()

    inst, port = setup(t, mode, limit=0)
    for i in range(3):
        send(port, "n %d" % i, 2000)
    t.ok(q.wait_maildir(inst, 3) and q.queue_empty(inst),
         "queue_file_spare_limit = 0: three delivered")
    t.is_(spares(inst), {}, "... and none kept")
    inst.teardown()


if q.have_programs(None):
    run(main)

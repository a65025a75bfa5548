#!/usr/bin/env python3
# smtpd: PIPELINING (RFC 2920). Batches are answered completely and in
# order, also across the end of DATA; a failed transaction in a batch
# does not swallow the commands after it.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (Raw, content_body, queued_id, smtpd_instance,  # noqa
                     wait_queued)


def codes(c, n):
    out = []
    for _ in range(n):
        r = c.reply()
        out.append(r[0] if r else None)
    return out


def main(t, mode):
    inst, (port,) = smtpd_instance(
        t, mode, main={"virtual_mailbox_maps":
                       "inline:{ok@example.test=ok/, ok2@example.test=ok2/}"})
    c = Raw(port)
    # the whole session in one write: greeting not awaited is fine for
    # a client in mynetworks (no greet pause)
    c.reply()
    c.send(b"EHLO client.example\r\n"
           b"MAIL FROM:<a@example.org>\r\n"
           b"RCPT TO:<ok@example.test>\r\n"
           b"RCPT TO:<nobody@example.test>\r\n"
           b"RCPT TO:<ok2@example.test>\r\n"
           b"DATA\r\n")
    r = c.reply()
    t.is_(r[0] if r else None, 250, "EHLO answered first")
    t.is_(codes(c, 5), [250, 250, 550, 250, 354],
          "MAIL, RCPT ok, RCPT unknown, RCPT ok, DATA: in order")
    # the message, its end and the next transaction in one write
    c.send(b"Subject: one\r\n\r\nfirst\r\n.\r\n"
           b"MAIL FROM:<b@example.org>\r\n"
           b"RCPT TO:<ok@example.test>\r\n"
           b"DATA\r\n")
    r = c.reply()
    q1 = queued_id(r)
    t.ok(q1 is not None, "end of data: queued (%s)" % c.text(r))
    t.is_(codes(c, 3), [250, 250, 354],
          "the commands after the end of data are answered")
    c.send(b"Subject: two\r\n\r\nsecond\r\n.\r\nNOOP\r\nQUIT\r\n")
    r = c.reply()
    q2 = queued_id(r)
    t.ok(q2 is not None, "second message queued")
    t.is_(codes(c, 2), [250, 221], "NOOP and QUIT after it")
    t.ok(c.closed(), "closed after QUIT")
    p1 = wait_queued(inst, q1) if q1 else None
    p2 = wait_queued(inst, q2) if q2 else None
    t.is_(content_body(p1) if p1 else None, b"Subject: one\r\n\r\nfirst\r\n",
          "first message intact")
    t.is_(content_body(p2) if p2 else None,
          b"Subject: two\r\n\r\nsecond\r\n", "second message intact")

    # a batch whose transaction fails entirely: DATA gets 554, the
    # client must not send content; RSET and a new transaction work
    c = Raw(port)
    c.reply()
    c.send(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
           b"RCPT TO:<nobody@example.test>\r\nDATA\r\nRSET\r\n"
           b"MAIL FROM:<a@example.org>\r\nRCPT TO:<ok@example.test>\r\n"
           b"DATA\r\n")
    t.is_(codes(c, 8), [250, 250, 550, 554, 250, 250, 250, 354],
          "no valid recipient: DATA 554, then the next transaction")
    c.send(b"x\r\n.\r\nQUIT\r\n")
    t.ok(queued_id(c.reply()) is not None, "and it is queued")
    t.is_(codes(c, 1), [221], "QUIT")
    c.close()

    # byte by byte: a trickling client is served the same
    c = Raw(port)
    c.reply()
    for b in (b"EHLO trickle.example\r\nMAIL FROM:<a@example.org>\r\n"
              b"RCPT TO:<ok@example.test>\r\nDATA\r\n"):
        c.send(bytes([b]))
    t.is_(codes(c, 4), [250, 250, 250, 354], "commands sent a byte at a time")
    for b in b"Subject: slow\r\n\r\n..\r\n\r\n.\r\nQUIT\r\n":
        c.send(bytes([b]))
    r = c.reply()
    q3 = queued_id(r)
    t.is_(codes(c, 1), [221], "QUIT after a trickled message")
    p3 = wait_queued(inst, q3) if q3 else None
    t.is_(content_body(p3) if p3 else None, b"Subject: slow\r\n\r\n.\r\n\r\n",
          "a trickled message with a stuffed dot line")
    inst.teardown()


run(main)

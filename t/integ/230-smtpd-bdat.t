#!/usr/bin/env python3
# smtpd: CHUNKING (RFC 3030). BDAT chunks and LAST, byte-exact content,
# the mixing rules with DATA, chunks that must be read and thrown away,
# the size limit, and a BDAT that cannot be parsed.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (content_body, greet, queue_files, queued_id,  # noqa
                     smtpd_instance, stray, wait_queued)


def bdat(c, data, last=False):
    c.send(b"BDAT %d%s\r\n" % (len(data), b" LAST" if last else b"") + data)
    return c.reply()


def main(t, mode):
    inst, (port,) = smtpd_instance(t, mode,
                                   main={"message_size_limit": "2000"})
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    r = bdat(c, b"Subject: chunks\r\n\r\nline one\r\n.")
    t.is_(r, (250, ["2.0.0 Ok: 30 octets"]), "BDAT chunk: 250 with the size")
    r = bdat(c, b"\r\n..not stuffed\r\nsplit CR")
    t.is_(r[0] if r else None, 250, "second chunk")
    r = bdat(c, b"\r", False)
    r = bdat(c, b"\nend\r\n", True)
    qid = queued_id(r)
    t.ok(qid is not None, "BDAT LAST: queued (%s)" % c.text(r))
    p = wait_queued(inst, qid) if qid else None
    t.is_(content_body(p) if p else None,
          b"Subject: chunks\r\n\r\nline one\r\n.\r\n..not stuffed\r\n"
          b"split CR\r\nend\r\n",
          "chunks joined byte-exact: no unstuffing, CR|LF across chunks")

    # BDAT 0 LAST, and content without a final CR LF
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    bdat(c, b"Subject: x\r\n\r\nno final newline")
    r = bdat(c, b"", True)
    q2 = queued_id(r)
    t.ok(q2 is not None, "BDAT 0 LAST ends the message")
    p2 = wait_queued(inst, q2) if q2 else None
    t.is_(content_body(p2) if p2 else None,
          b"Subject: x\r\n\r\nno final newline\r\n",
          "a final CR LF is added when missing")

    # mixing rules
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    bdat(c, b"abc\r\n")
    t.is_(c.cmd("DATA"), (503, ["5.5.1 Error: DATA not allowed during BDAT: "
                                "send BDAT, RSET or QUIT"]),
          "DATA after BDAT: 503 5.5.1")
    t.is_(c.cmd("RCPT TO:<c@example.net>")[0], 503,
          "RCPT between chunks: 503")
    t.is_(c.cmd("MAIL FROM:<a@example.org>")[0], 503,
          "MAIL between chunks: 503")
    t.is_(c.cmd("NOOP")[0], 250, "NOOP between chunks is fine")
    t.is_(c.cmd("RSET"), (250, ["2.0.0 Ok"]), "RSET ends the BDAT transaction")
    r = bdat(c, b"orphan chunk with MAIL FROM:<x@y>\r\n")
    t.is_(r, (503, ["5.5.1 Error: need MAIL command"]),
          "BDAT without MAIL: 503, and the chunk is read and dropped")
    t.is_(c.cmd("NOOP")[0], 250, "in step after the dropped chunk")
    c.cmd("MAIL FROM:<a@example.org>")
    r = bdat(c, b"no recipients\r\n", True)
    t.is_(r, (554, ["5.5.1 Error: no valid recipients"]),
          "BDAT without RCPT: 554 5.5.1")
    t.is_(c.cmd("RCPT TO:<b@example.net>")[0], 250,
          "the transaction is still open after the refused chunk")
    bdat(c, b"Subject: then data\r\n\r\n", True)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.cmd("DATA")
    c.send(b"x\r\n.\r\n")
    t.ok(queued_id(c.reply()) is not None, "DATA in the next transaction")

    # over the size limit: refused, every later chunk too, LAST ends it
    before = len(queue_files(inst))
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    r = bdat(c, b"x" * 2500)
    t.is_(r, (552, ["5.3.4 Error: message file too big"]),
          "a chunk over message_size_limit: 552 5.3.4")
    r = bdat(c, b"more\r\n")
    t.is_(r, (552, ["5.3.4 Error: message file too big"]),
          "the next chunk gets the same answer")
    r = bdat(c, b"end\r\n", True)
    t.is_(r[0] if r else None, 552, "and so does LAST")
    t.is_(c.cmd("MAIL FROM:<a@example.org>")[0], 250,
          "the transaction is over: MAIL works")
    c.cmd("RSET")
    t.is_(len(queue_files(inst)), before, "no queue file for it")
    t.is_(stray(inst), [], "no temporary file left behind")

    # pipelined chunks and QUIT in one write
    c.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n"
           b"BDAT 5\r\nhello"
           b"BDAT 8 LAST\r\n world\r\nQUIT\r\n")
    rs = [c.reply() for _ in range(5)]
    t.is_([r[0] if r else None for r in rs], [250, 250, 250, 250, 221],
          "MAIL, RCPT, BDAT, BDAT LAST, QUIT pipelined")
    q3 = queued_id(rs[3])
    p3 = wait_queued(inst, q3) if q3 else None
    t.is_(content_body(p3) if p3 else None, b"hello world\r\n",
          "pipelined chunks joined")
    c.close()

    # BDAT after HELO (no CHUNKING), and an unparseable size
    c = greet(port, ehlo=False)
    c.cmd("HELO client.example")
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    r = bdat(c, b"abc")
    t.is_(r, (503, ["5.5.1 Error: BDAT needs EHLO (CHUNKING)"]),
          "BDAT after HELO: 503")
    t.is_(c.cmd("BDAT 12x"), (501, ["5.5.4 Syntax: BDAT count [LAST]"]),
          "BDAT with a bad size: 501")
    t.ok(c.closed(), "and the server hangs up: the chunk's end is unknown")
    t.ok(inst.wait_log(r"lost synchronization after BDAT from"),
         "log: lost synchronization")
    inst.teardown()


run(main)

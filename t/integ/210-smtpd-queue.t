#!/usr/bin/env python3
# smtpd: queue files. The envelope, Received:, dot-stuffing byte-exact,
# 8-bit and SMTPUTF8, DSN parameters, ETRN, and waking qmgr.
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (content_body, envelope, greet, qcat, queued_id,  # noqa
                     smtpd_instance, wait_queued)


def main(t, mode):
    inst, (port,) = smtpd_instance(
        t, mode, main={"relay_domains": "relay.example"},
        services=["qmgr unix n - n - 1 ECHO -T"])

    # smtplib: one message, two recipients
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    msg = (b"From: a@example.org\r\nTo: b@example.net\r\n"
           b"Subject: test\r\nMessage-ID: <m1@example.org>\r\n\r\n"
           b"Hello.\r\n")
    refused = s.sendmail("a@example.org", ["b@example.net", "c@example.net"],
                         msg)
    t.is_(refused, {}, "smtplib: both recipients accepted")
    code, text = s.noop()
    s.quit()
    m = re.search(r"(\w+): client=", inst.log())
    qid = m.group(1) if m else None
    t.ok(qid and wait_queued(inst, qid), "the queue file exists as QID")
    path = wait_queued(inst, qid) if qid else None
    env = envelope(path) if path else ""
    t.like(env, r"(?m)^sender <a@example\.org>$", "envelope: sender")
    t.like(env, r"(?m)^attr client=\S+\[127\.0\.0\.1\]$", "envelope: client")
    t.like(env, r"(?m)^attr helo=\S+$", "envelope: helo")
    t.like(env, r"(?m)^attr protocol=ESMTP$", "envelope: protocol")
    t.like(env, r"(?m)^rcpt <b@example\.net>\nrcpt <c@example\.net>$",
           "envelope: both recipients, in order")
    data = qcat(path, "-c") if path else b""
    t.like(data.decode(), r"^Received: from \S+ \(\S+ \[127\.0\.0\.1\]\)\r\n"
           r"\tby localhost \(Postern\) with ESMTP id %s; "
           r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}\r\n" % qid,
           "Received: names the client, us, ESMTP, the queue ID and the "
           "date; no 'for' with two recipients")
    t.is_(content_body(path), msg, "the message follows, byte for byte")
    t.ok(inst.wait_log(r"%s: message-id=<m1@example\.org>" % qid),
         "log: the message-id")
    t.ok(inst.wait_log(r"%s: from=<a@example\.org>, size=%d, nrcpt=2 "
                       r"\(queued\)" % (qid, len(msg))),
         "log: from, size, nrcpt")
    # one line (the log shows its newline as '?'), maybe after the "N"
    # lines of an smtpd that asks for spare names (its first message had
    # none, qmgr_proto.h); this fake qmgr keeps that connection, as the
    # real one does, and the "Q" line may come in a read of its own
    t.ok(inst.wait_log(r"echo\[\d+\]: trigger on qmgr: (N\?)*Q%s\?$" %
                       qid),
         "qmgr is told of the new queue file: a line 'Q' and its queue "
         "ID, through public/qmgr")

    # dot-stuffing round trip, byte-exact
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<d@example.net>")
    t.is_(c.cmd("DATA"), (354, ["End data with <CR><LF>.<CR><LF>"]),
          "DATA: 354 (no enhanced code on a 3xx)")
    body = (b"Subject: dots\r\n\r\n.\r\n..\r\n...leading\r\n. space\r\n"
            b"middle.dot\r\n.\r\nlast line\r\n")
    stuffed = re.sub(rb"(?m)^\.", b"..", body)
    c.send(stuffed + b".\r\n")
    r = c.reply()
    qid2 = queued_id(r)
    t.ok(r[0] == 250 and r[1][0].startswith("2.0.0 Ok: queued as ") and
         qid2, "end of data: 250 2.0.0 Ok: queued as QID")
    p2 = wait_queued(inst, qid2) if qid2 else None
    t.is_(content_body(p2) if p2 else None, body,
          "dot-stuffed lines come back unstuffed, byte for byte")
    d2 = qcat(p2, "-c").decode() if p2 else ""
    t.like(d2, r"with ESMTP id %s\r\n\tfor <d@example\.net>; " % qid2,
           "Received: 'for <rcpt>' with one recipient")

    # an empty message
    c.cmd("MAIL FROM:<>")
    c.cmd("RCPT TO:<d@example.net>")
    c.cmd("DATA")
    c.send(b".\r\n")
    r = c.reply()
    q3 = queued_id(r)
    p3 = wait_queued(inst, q3) if q3 else None
    t.is_(content_body(p3) if p3 else None, b"",
          "an empty message: only our Received:")
    t.like(envelope(p3) if p3 else "", r"(?m)^sender <>$",
           "the null sender is stored empty")

    # 8-bit body
    c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME")
    c.cmd("RCPT TO:<d@example.net>")
    c.cmd("DATA")
    body8 = b"Subject: 8bit\r\n\r\n" + bytes(range(0x80, 0x100)) + \
        b"\r\n\x01\x02 tab\there\r\n"
    c.send(body8 + b".\r\n")
    q4 = queued_id(c.reply())
    p4 = wait_queued(inst, q4) if q4 else None
    t.is_(content_body(p4) if p4 else None, body8,
          "8-bit and control bytes are stored as sent")
    t.like(envelope(p4) if p4 else "", r"(?m)^attr body=8BITMIME$",
           "envelope: body=8BITMIME")
    t.is_(c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"),
          (504, ["5.5.4 Unsupported BODY parameter value"]),
          "BODY=BINARYMIME: 504 5.5.4")
    t.is_(c.cmd("MAIL FROM:<a@example.org> BODY=9BIT"),
          (501, ["5.5.4 Bad BODY parameter syntax"]), "BODY=9BIT: 501")

    # SMTPUTF8
    t.is_(c.cmd("MAIL FROM:<jöran@exämple.org>"),
          (553, ["5.6.7 Error: non-ASCII address needs SMTPUTF8"]),
          "a UTF-8 sender without SMTPUTF8: 553 5.6.7")
    t.is_(c.cmd("MAIL FROM:<jöran@exämple.org> SMTPUTF8 BODY=8BITMIME"),
          (250, ["2.1.0 Ok"]), "with SMTPUTF8: 250")
    t.is_(c.cmd("RCPT TO:<用户@例子.example>"), (250, ["2.1.5 Ok"]),
          "a UTF-8 recipient: 250")
    c.cmd("DATA")
    bodyu = "Subject: grüße\r\n\r\nFür Jöran: 你好\r\n".encode()
    c.send(bodyu + b".\r\n")
    q5 = queued_id(c.reply())
    p5 = wait_queued(inst, q5) if q5 else None
    env5 = envelope(p5) if p5 else ""
    t.like(env5, r"(?m)^sender <jöran@exämple\.org>$", "UTF-8 sender kept")
    t.like(env5, r"(?m)^rcpt <用户@例子\.example>$", "UTF-8 recipient kept")
    t.like(env5, r"(?m)^attr smtputf8=yes$", "envelope: smtputf8=yes")
    t.like(env5, r"(?m)^attr protocol=UTF8SMTP$", "protocol UTF8SMTP")
    t.is_(content_body(p5) if p5 else None, bodyu, "UTF-8 body byte-exact")
    t.like(qcat(p5, "-c").decode() if p5 else "", r"with UTF8SMTP id",
           "Received: with UTF8SMTP (RFC 6531)")

    # DSN parameters
    t.is_(c.cmd("MAIL FROM:<a@example.org> RET=HDRS ENVID=ab+2Bcd SIZE=100"),
          (250, ["2.1.0 Ok"]), "MAIL with RET, ENVID and SIZE")
    t.is_(c.cmd("RCPT TO:<e@example.net> NOTIFY=delay,failure "
                "ORCPT=rfc822;e+40example.net"), (250, ["2.1.5 Ok"]),
          "RCPT with NOTIFY and ORCPT")
    t.is_(c.cmd("RCPT TO:<f@example.net> NOTIFY=NEVER"), (250, ["2.1.5 Ok"]),
          "RCPT with NOTIFY=NEVER")
    t.is_(c.cmd("RCPT TO:<g@example.net> NOTIFY=NEVER,DELAY"),
          (501, ["5.5.4 Bad NOTIFY parameter syntax"]),
          "NOTIFY=NEVER,DELAY: 501")
    t.is_(c.cmd("RCPT TO:<g@example.net> ORCPT=rfc822"),
          (501, ["5.5.4 Bad ORCPT parameter syntax"]), "bad ORCPT: 501")
    t.is_(c.cmd("RCPT TO:<g@example.net> NOTIFY=SUCCESS NOTIFY=NEVER"),
          (501, ["5.5.4 Error: duplicate parameter"]),
          "a parameter twice: 501")
    c.cmd("DATA")
    c.send(b"Subject: dsn\r\n\r\nx\r\n.\r\n")
    q6 = queued_id(c.reply())
    p6 = wait_queued(inst, q6) if q6 else None
    env6 = envelope(p6) if p6 else ""
    t.like(env6, r"(?m)^attr envid=ab\+cd$", "ENVID stored decoded")
    t.like(env6, r"(?m)^attr ret=HDRS$", "RET stored")
    t.like(env6, r"(?m)^rcpt <e@example\.net> orcpt=rfc822;e\+40example\.net "
           r"notify=FAILURE,DELAY$", "ORCPT as received, NOTIFY canonical")
    t.like(env6, r"(?m)^rcpt <f@example\.net> notify=NEVER$",
           "NOTIFY=NEVER stored")
    t.is_(c.cmd("MAIL FROM:<a@example.org> RET=ALL"),
          (501, ["5.5.4 Bad RET parameter syntax"]), "RET=ALL: 501")
    t.is_(c.cmd("MAIL FROM:<a@example.org> ENVID=a+zz"),
          (501, ["5.5.4 Bad ENVID parameter syntax"]), "bad xtext: 501")
    t.is_(c.cmd("MAIL FROM:<a@example.org> SIZE=12x"),
          (501, ["5.5.4 Bad SIZE parameter syntax"]), "bad SIZE: 501")

    # ETRN for a relay domain wakes qmgr with a flush request
    t.is_(c.cmd("ETRN relay.example"), (250, ["2.0.0 Queuing started"]),
          "ETRN for a relay domain: 250 2.0.0")
    t.is_(c.cmd("ETRN @relay.example"), (250, ["2.0.0 Queuing started"]),
          "ETRN @domain")
    t.ok(inst.wait_log(r"echo\[\d+\]: trigger on qmgr: F"),
         "ETRN sends qmgr an 'F'")
    t.is_(c.cmd("QUIT")[0], 221, "QUIT")
    c.close()
    inst.teardown()


run(main)

#!/usr/bin/env python3
# smtpd: limits. Message size (SIZE= and during DATA), recipients,
# hop count, long message lines, command line length (up to 1 MiB),
# the error limit and the idle timeout.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (content_body, envelope, greet, queue_files,  # noqa
                     queued_id, smtpd_instance, stray, wait_queued)


def send_data(c, body):
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.cmd("DATA")
    c.send(body + b".\r\n")
    return c.reply()


def main(t, mode):
    inst, (port, port2) = smtpd_instance(t, mode, ports=2, opts=[
        ["message_size_limit=2000", "smtpd_recipient_limit=3",
         "hopcount_limit=3", "smtpd_hard_error_limit=5",
         "smtpd_soft_error_limit=3", "smtpd_error_sleep_time=0"],
        ["smtpd_long_line_policy=reject", "smtpd_timeout=2s"]])

    c = greet(port)
    t.is_(c.cmd("MAIL FROM:<a@example.org> SIZE=2001"),
          (552, ["5.3.4 Message size exceeds fixed limit"]),
          "SIZE= over message_size_limit: 552 5.3.4 at MAIL")
    t.is_(c.cmd("MAIL FROM:<a@example.org> SIZE=2000"), (250, ["2.1.0 Ok"]),
          "SIZE= at the limit: 250")
    c.cmd("RSET")
    before = len(queue_files(inst))
    r = send_data(c, b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 40)
    t.is_(r, (552, ["5.3.4 Error: message file too big"]),
          "DATA over message_size_limit: 552 5.3.4 after the end")
    t.is_(c.cmd("NOOP")[0], 250, "the session goes on")
    t.is_(len(queue_files(inst)), before, "no queue file for it")
    t.is_(stray(inst), [], "no temporary file either")
    t.ok(inst.wait_log(r"NOQUEUE: reject: DATA from .*552 5\.3\.4|"
                       r"\w+: reject: DATA from \S+: 552 5\.3\.4 Error: "
                       r"message file too big; from=<a@example\.org> "
                       r"proto=ESMTP helo=<client\.example>"),
         "log: the reject with the queue ID")

    # recipients
    c.cmd("MAIL FROM:<a@example.org>")
    for i in range(3):
        c.cmd("RCPT TO:<r%d@example.net>" % i)
    codes = [c.cmd("RCPT TO:<more%d@example.net>" % i)[0] for i in range(8)]
    t.is_(codes, [452] * 8, "past smtpd_recipient_limit: 452 each time")
    r = c.cmd("RCPT TO:<last@example.net>")
    t.is_(r, (452, ["4.5.3 Error: too many recipients"]),
          "452 4.5.3 Error: too many recipients (and no hang-up: these "
          "are not client errors)")
    c.cmd("DATA")
    c.send(b"Subject: three\r\n\r\n.\r\n")
    q = queued_id(c.reply())
    p = wait_queued(inst, q) if q else None
    env = envelope(p) if p else ""
    t.is_(env.count("\nrcpt "), 3, "the message went to the first three")

    # hop count
    rcv = b"Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    r = send_data(c, rcv * 3 + b"Subject: loop\r\n\r\nx\r\n")
    t.is_(r, (554, ["5.4.6 Error: too many hops (mail loop?)"]),
          "hopcount_limit Received: fields: 554 5.4.6")
    r = send_data(c, rcv * 2 + b"Subject: fine\r\n\r\nx\r\n")
    t.ok(queued_id(r) is not None, "one hop fewer is fine")
    c.cmd("QUIT")
    c.close()

    # command lines: 512 octets with CR LF, no more
    c = greet(port)
    t.is_(c.cmd("NOOP " + "x" * 505)[0], 250, "a 512-octet command line")
    t.is_(c.cmd("NOOP " + "x" * 506),
          (500, ["5.5.2 Error: line too long"]),
          "513 octets: 500 5.5.2 Error: line too long")
    c.send(b"NOOP " + b"y" * (1024 * 1024) + b"\r\n")
    t.is_(c.reply(), (500, ["5.5.2 Error: line too long"]),
          "a 1 MiB command line: one 500 5.5.2")
    t.is_(c.cmd("NOOP")[0], 250, "and the next command is read")
    orcpt = "rfc822;" + "o" * 60 + "+40example.net"
    c.cmd("MAIL FROM:<a@example.org> RET=HDRS ENVID=" + "e" * 100)
    t.is_(c.cmd("RCPT TO:<%s@example.net> NOTIFY=SUCCESS,FAILURE,DELAY "
                "ORCPT=%s%s" % ("l" * 64, orcpt, "")), (250, ["2.1.5 Ok"]),
          "MAIL and RCPT may be longer with DSN parameters")
    c.cmd("QUIT")
    c.close()

    # too many errors
    c = greet(port)
    rs = [c.cmd("BOGUS %d" % i) for i in range(4)]
    t.is_([r[0] for r in rs], [502] * 4, "four unknown commands: 502 each")
    c.send(b"BOGUS 5\r\n")
    t.is_(c.reply(), (502, ["5.5.2 Error: command not recognized"]),
          "the fifth too")
    t.is_(c.reply(), (421, ["4.7.0 localhost Error: too many errors"]),
          "then 421 4.7.0 at smtpd_hard_error_limit")
    t.ok(c.closed(), "and the server hangs up")
    t.ok(inst.wait_log(r"too many errors after UNKNOWN from"),
         "log: too many errors")

    # long lines: accepted whole by default, refused by policy
    c = greet(port2)
    long_body = b"Subject: long\r\n\r\n" + b"z" * 5000 + b"\r\n"
    r = send_data(c, long_body)
    t.is_(r, (554, ["5.6.0 Error: message has a line longer than 998 "
                    "characters (RFC 5322 2.1.1)"]),
          "smtpd_long_line_policy = reject: 554 5.6.0")
    c.cmd("QUIT")
    c.close()
    c = greet(port)
    inst2_long = b"Subject: long\r\n\r\n" + b"z" * 1500 + b"\r\n"
    r = send_data(c, inst2_long)
    q = queued_id(r)
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None, inst2_long,
          "the default accepts a 1500-character line and stores it whole")
    c.cmd("QUIT")
    c.close()

    # idle timeout
    c = greet(port2)
    r = c.reply()
    t.is_(r, (421, ["4.4.2 localhost Error: timeout exceeded"]),
          "silent past smtpd_timeout: 421 4.4.2")
    t.ok(c.closed(), "and the server hangs up")
    t.ok(inst.wait_log(r"timeout after EHLO from"), "log: timeout after EHLO")
    inst.teardown()


run(main)

#!/usr/bin/env python3
# smtpd: a session on the local submission socket (public/submit, -o
# smtpd_local_submission=yes). It is SMTPD_F_LOCAL: it may relay, the
# queue file records the uid, Received: says "from userid N", and Date:
# and Message-ID: are added when the message has none. (The sendmail
# command itself and the sender rules are tested with it.)
import os
import pwd
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (Raw, content_body, envelope, qcat, queued_id,  # noqa
                     smtpd_instance, wait_queued)


def main(t, mode):
    inst, (port,) = smtpd_instance(
        t, mode, main={"mynetworks": "192.0.2.0/24"},
        services=["submit unix n - n - - smtpd "
                  "-o smtpd_local_submission=yes"])
    uid = os.geteuid()
    me = pwd.getpwuid(uid).pw_name + "@example.test"
    path = os.path.join(inst.spool, "public", "submit")

    c = Raw(path)
    t.is_(c.reply(), (220, ["localhost ESMTP Postern"]),
          "the local socket greets at once")
    c.cmd("EHLO localhost")
    t.is_(c.cmd("MAIL FROM:<%s>" % me), (250, ["2.1.0 Ok"]), "MAIL")
    t.is_(c.cmd("RCPT TO:<someone@elsewhere.example>"), (250, ["2.1.5 Ok"]),
          "a local user may relay")
    c.cmd("DATA")
    body = b"Subject: from cron\r\n\r\nreport\nwith a bare LF\r\n"
    c.send(body + b".\r\n")
    q = queued_id(c.reply())
    t.ok(q is not None, "queued")
    p = wait_queued(inst, q) if q else None
    data = qcat(p, "-c").decode() if p else ""
    t.like(data, r"^Received: by localhost \(Postern, from userid %d\)\r\n"
           r"\tid %s\r\n\tfor <someone@elsewhere\.example>; " % (uid, q),
           "Received: by HOST (Postern, from userid N)")
    t.like(data, r"\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d "
           r"[-+]\d{4}\r\nMessage-ID: <\d{14}\.%s@localhost>\r\n"
           r"Subject: from cron\r\n" % q,
           "Date: and Message-ID: are added")
    t.ok(data.endswith("\r\n\r\nreport\r\nwith a bare LF\r\n"),
         "bare LF from a local program is normalized, not refused")
    t.like(envelope(p) if p else "", r"(?m)^attr local_uid=%d$" % uid,
           "envelope: local_uid")

    c.cmd("MAIL FROM:<%s>" % me)
    c.cmd("RCPT TO:<someone@elsewhere.example>")
    c.cmd("DATA")
    own = (b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
           b"Message-ID: <own@example.test>\r\n\r\nx\r\n")
    c.send(own + b".\r\n")
    q = queued_id(c.reply())
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None, own,
          "a message with its own Date: and Message-ID: is left alone")
    c.cmd("QUIT")
    c.close()
    t.ok(re.search(r"smtpd\[\d+\]: connect from localhost\b", inst.log()),
         "log: connect from localhost")

    # a TCP client of the same instance gets none of that
    from smtpd_t import greet
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    t.is_(c.cmd("RCPT TO:<someone@elsewhere.example>")[0], 554,
          "TCP from outside mynetworks may not relay")
    c.cmd("QUIT")
    c.close()
    inst.teardown()


run(main)

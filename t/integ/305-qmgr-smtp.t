#!/usr/bin/env python3
# qmgr end to end: mail sent with smtplib to the instance's SMTP port
# arrives in the Maildir, and the queue is empty afterwards.
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
import qmgrtest as q  # noqa: E402

SMTPD = os.path.join(TOP, "smtpd", "smtpd")


def main(t, mode):
    inst, port = q.smtp_instance(t, mode, main={"recipient_delimiter": "+"})
    q.start(inst)
    body = (b"From: <friend@example.test>\r\nTo: <postmaster@example.test>"
            b"\r\nSubject: over smtp\r\nMessage-ID: <e2e@example.test>\r\n"
            b"\r\nHello over SMTP.\r\n.dot line\r\n")
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    refused = s.sendmail("friend@example.test",
                         ["postmaster@example.test",
                          "postmaster+box@example.test"], body)
    s.quit()
    t.is_(refused, {}, "smtpd accepts both recipients")
    m = re.search(r"(\w+): client=", inst.log())
    qid = m.group(1) if m else "none"
    t.ok(q.wait_maildir(inst, 2), "both copies reach the Maildir")
    t.ok(inst.wait_log(r"qmgr\[\d+\]: %s: removed" % qid),
         "the queue file is removed")
    texts = [q.read(p) for p in q.maildir(inst)]
    t.ok(all("Subject: over smtp" in x and "\n.dot line" in x
             for x in texts), "the message arrives intact (dot-unstuffed)")
    t.ok(any("Delivered-To: postmaster+box@example.test" in x
             for x in texts) or
         any(re.search(r"\.box", p) for p in
             q.maildir(inst) + q.maildir(inst, folder="../.box/new")),
         "the extension reaches the local agent")
    t.like(inst.log(), r"%s: to=<postmaster@example\.test>, relay=local, "
           r".*status=sent" % qid, "the delivery is logged with the "
           "SMTP queue ID")
    t.ok(q.wait_empty(inst, t), "nothing stays queued")
    inst.teardown()


if os.access(SMTPD, os.X_OK) and q.have_programs(None):
    run(main)
elif not os.access(SMTPD, os.X_OK):
    print("1..0 # SKIP smtpd is not built here")

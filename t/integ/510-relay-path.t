#!/usr/bin/env python3
# The whole path of a message between two Postern instances: A's user
# submits on 587 (STARTTLS and AUTH), A's qmgr hands it to the SMTP
# client, which asks A's resolver for the MX of B's domain (dnsmasq),
# connects to B on another loopback address, and B delivers it into the
# Maildir of B's user. What the logs say on both sides, in Postfix's
# shape (pflogsumm reads them), and the relay's jail in root mode.
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402
from auth_t import AUTH_LINE, template_services  # noqa

PFLOGSUMM = "/usr/sbin/pflogsumm"


def main(t, mode):
    lines, ports = template_services([87])
    p = relaytest.Pair(t, mode, a_services=lines + [AUTH_LINE])
    p.a_user("alice@example.test", "alice-pw")
    p.b_user("bob@b.example")
    p.start()

    body = (b"From: Alice <alice@example.test>\r\nTo: <bob@b.example>\r\n"
            b"Subject: across\r\nMessage-ID: <path-1@example.test>\r\n\r\n"
            b"Hello Bob.\r\n.a line with a dot\r\n")
    refused = p.submit(ports[87], "alice@example.test", "alice-pw",
                       ["bob@b.example"], body)
    t.is_(refused, {}, "A accepts the submission")
    t.ok(p.wait_b_maildir(1, "bob@b.example"),
         "the message reaches bob's Maildir at B")
    got = qmgrtest.read(p.b_maildir("bob@b.example")[0]) \
        if p.b_maildir("bob@b.example") else ""
    t.ok("Subject: across" in got and "\n.a line with a dot\n" in got,
         "intact, dot-stuffing undone at B")
    t.like(got, r"Received: from mail\.a\.example \(localhost \[127\.0\.0\.1\]\)",
           "B's Received: names A by its EHLO")
    t.like(got, r"Return-Path: <alice@example\.test>", "the envelope sender")

    m = re.search(r"postern/smtpd\[\d+\]: (\w+): client=.*sasl_username="
                  r"alice@example\.test", p.a.log())
    qid = m.group(1) if m else "none"
    t.ok(m is not None, "A logs the submission with the SASL user")
    t.ok(p.a.wait_log(r"postern/relay\[\d+\]: %s: to=<bob@b\.example>, "
                      r"relay=mx\.b\.example\[127\.0\.0\.2\]:%d, "
                      r"delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, "
                      r"dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued "
                      r"as \w+\)" % (qid, p.peer_port)),
         "A's relay logs the delivery as Postfix does")
    t.ok(p.a.wait_log(r"postern/relay\[\d+\]: Untrusted TLS connection "
                      r"established to mx\.b\.example\[127\.0\.0\.2\]:%d: "
                      r"TLSv1\.[23] with cipher " % p.peer_port),
         "opportunistic TLS (the default, may) with B's self-signed "
         "certificate: Untrusted")
    t.ok(p.b.wait_log(r"postern/smtpd\[\d+\]: Anonymous TLS connection "
                      r"established from "), "B saw TLS too")
    t.ok(qmgrtest.wait_empty(p.a, t), "A's queue is empty")
    t.ok(p.a.wait_log(r"postern/qmgr\[\d+\]: %s: removed" % qid),
         "A removes the queue file")

    # pflogsumm counts the relayed message (syslog's time stamp and host
    # added, as in 350)
    if os.access(PFLOGSUMM, os.X_OK):
        stamp = time.strftime("%b %e %H:%M:%S")
        path = os.path.join(p.a.dir, "maillog")
        with open(path, "w") as f:
            f.write("".join("%s testhost %s\n" % (stamp, ln)
                            for ln in p.a.log().splitlines()))
        r = subprocess.run([PFLOGSUMM, "--syslog-name=postern", path],
                           capture_output=True, text=True)
        t.like(r.stdout, r"(?m)^\s+1\s+delivered", "pflogsumm: 1 delivered")
        t.like(r.stdout, r"(?s)Host/Domain Summary: Message Delivery.*"
               r"b\.example", "pflogsumm: per domain, b.example")
    else:
        t.skip("pflogsumm is missing", 2)

    if mode == "root":
        pids = p.a.children_running("relay")
        if t.ok(pids, "a relay process is still there (idle)"):
            p.a.check_privs(pids[0], chroot=True)
    p.teardown()


relaytest.run_or_skip(main, ["auth/auth"])

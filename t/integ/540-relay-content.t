#!/usr/bin/env python3
# What the SMTP client sends, and what it refuses to send, as the server's
# extensions decide: 8-bit MIME to a server without 8BITMIME becomes
# quoted-printable (and 8-bit headers bounce 5.6.3), SMTPUTF8 mail to a
# server without it bounces 5.6.7, a message over the server's SIZE
# bounces 5.3.4 without MAIL FROM, DSN parameters go along (NOTIFY,
# ORCPT, RET, ENVID as xtext), long lines are broken, dot-stuffing,
# PIPELINING. Two scripted peers: "seven" (no 8BITMIME, no SMTPUTF8, no
# DSN) and "eight" (all of them, SIZE 6000).
import email
import email.policy
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402

SENDER = qmgrtest.USER


def wait_msgs(t, peer, n):
    return wait_for(lambda: len(peer.messages()) >= n,
                    "%d message(s) at %s" % (n, peer.name), t, 60)


def main(t, mode):
    port = relaytest.free_port()
    seven = relaytest.Peer(t, addr="127.0.0.2", port=port, name="seven.example",
                           ehlo=("PIPELINING", "ENHANCEDSTATUSCODES"),
                           probe_pipelining=True).start()
    eight = relaytest.Peer(t, addr="127.0.0.4", port=port, name="eight.example",
                           ehlo=("PIPELINING", "SIZE 6000", "8BITMIME", "DSN",
                                 "SMTPUTF8")).start()
    p = relaytest.Pair(t, mode, b=False, peer_port=port,
                       mx={"seven.example": [(10, "mx.seven.example")],
                           "eight.example": [(10, "mx.eight.example")]},
                       hosts={"mx.seven.example": ["127.0.0.2"],
                              "mx.eight.example": ["127.0.0.4"]})
    p.start()

    # 8-bit text to a server without 8BITMIME: quoted-printable
    text = "Grüße aus Köln = überall\n"
    body = ("From: <%s>\nSubject: umlauts\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n%s.hidden dot line\n"
            % (SENDER, text))
    p.a_send("u@seven.example", sender=SENDER, body=body)
    wait_msgs(t, seven, 1)
    m = seven.messages()[0]
    t.ok(" BODY=" not in m["mail"], "no BODY=8BITMIME to a 7-bit server: "
         + m["mail"])
    t.ok(m["pipelined"], "PIPELINING: RCPT came before MAIL was answered")
    t.ok(all(b < 0x80 for b in m["raw"]), "only 7-bit bytes went out")
    parsed = email.message_from_bytes(m["data"], policy=email.policy.default)
    t.is_(parsed["Content-Transfer-Encoding"], "quoted-printable",
          "the part is declared quoted-printable")
    t.is_(len(parsed.get_all("Content-Transfer-Encoding")), 1,
          "and the 8bit declaration is gone")
    t.is_(parsed.get_content().replace("\r\n", "\n"),
          text + ".hidden dot line\n", "it decodes to the original text")
    t.ok(b"\r\n..hidden dot line\r\n" in m["raw"],
         "a line starting with a dot is dot-stuffed on the wire")
    t.ok(b"\r\n.hidden dot line\r\n" in m["data"], "and arrives as it was")
    t.ok(all(len(ln) <= 78 for ln in m["data"].split(b"\r\n")),
         "quoted-printable lines are at most 76 characters")

    # a multipart: only the 8-bit part changes
    mp = ("From: <%s>\nSubject: parts\nMIME-Version: 1.0\n"
          "Content-Type: multipart/alternative; boundary=\"BB\"\n"
          "Content-Transfer-Encoding: 8bit\n\npreamble\n--BB\n"
          "Content-Type: text/plain; charset=utf-8\n\nnaïve\n--BB\n"
          "Content-Type: text/html\nContent-Transfer-Encoding: 7bit\n\n"
          "<p>plain</p>\n--BB--\nepilogue\n" % SENDER)
    p.a_send("u@seven.example", sender=SENDER, body=mp)
    wait_msgs(t, seven, 2)
    m = seven.messages()[1]
    msg = email.message_from_bytes(m["data"], policy=email.policy.default)
    parts = list(msg.iter_parts())
    t.is_(msg["Content-Transfer-Encoding"], "7bit",
          "the multipart container is relabelled 7bit")
    t.is_([x["Content-Transfer-Encoding"] for x in parts],
          ["quoted-printable", "7bit"],
          "the 8-bit part is quoted-printable, the 7-bit one untouched")
    t.is_(parts[0].get_content(), "naïve", "the 8-bit part decodes")
    t.ok(b"<p>plain</p>" in m["data"] and b"preamble" in m["data"],
         "the rest is as it was")

    # a message without MIME structure
    p.a_send("u@seven.example", sender=SENDER,
             body="From: <%s>\nSubject: no mime\n\nñ\n" % SENDER)
    wait_msgs(t, seven, 3)
    m = seven.messages()[2]
    t.like(m["data"].decode(), r"MIME-Version: 1\.0\r\nContent-Type: "
           r"text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: "
           r"quoted-printable\r\n\r\n=C3=B1\r\n",
           "a non-MIME 8-bit message gets MIME headers (charset "
           "unknown-8bit) and quoted-printable")

    # an 8-bit header cannot be converted
    qid = p.a_send("u@seven.example", sender=SENDER,
                   body="From: <%s>\nSubject: Grüße\n\nhi\n" % SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@seven\.example>, .*dsn=5\.6\.3, "
                      r"status=bounced \(8-bit message content cannot be "
                      r"sent to host mx\.seven\.example\[127\.0\.0\.2\], "
                      r"which does not offer 8BITMIME: 8-bit data in a "
                      r"header\)" % qid), "an 8-bit header: bounced 5.6.3")

    # SMTPUTF8 required, not offered: 5.6.7; offered: sent with it
    qid = p.a_send("jürgen@seven.example", sender=SENDER,
                   attrs=["smtputf8=yes"])
    t.ok(p.a.wait_log(r"%s: to=<jürgen@seven\.example>, .*dsn=5\.6\.7, "
                      r"status=bounced \(SMTPUTF8 is required, but was not "
                      r"offered by host mx\.seven\.example\[127\.0\.0\.2\]\)"
                      % qid), "SMTPUTF8 needed, not offered: bounced 5.6.7")
    p.a_send("jürgen@eight.example", sender=SENDER, attrs=["smtputf8=yes"])
    wait_msgs(t, eight, 1)
    t.ok(eight.messages()[0]["mail"].endswith(" SMTPUTF8"),
         "SMTPUTF8 to a server that offers it")

    # 8-bit to a server with 8BITMIME: as it is
    p.a_send("u@eight.example", sender=SENDER, body=body)
    wait_msgs(t, eight, 2)
    m = eight.messages()[1]
    t.like(m["mail"], r" BODY=8BITMIME", "BODY=8BITMIME")
    t.ok(text.encode() in m["data"].replace(b"\r\n", b"\n"),
         "the 8-bit text unchanged")

    # DSN parameters
    p.a_send("-N", "SUCCESS,FAILURE", "-O", "rfc822;orig+x@eight.example",
             "d@eight.example", sender=SENDER,
             attrs=["ret=HDRS", "envid=id 1+2"])
    wait_msgs(t, eight, 3)
    m = eight.messages()[2]
    t.like(m["mail"], r" RET=HDRS ENVID=id\+201\+2B2$",
           "RET and ENVID (as xtext) with MAIL FROM")
    t.like(m["rcpts"][0], r"^RCPT TO:<d@eight\.example> NOTIFY=SUCCESS,"
           r"FAILURE ORCPT=rfc822;orig\+x@eight\.example$",
           "NOTIFY and the received ORCPT with RCPT TO")

    # NOTIFY=SUCCESS: a server with DSN takes it over (no notice from A);
    # one without gets the mail and A tells the sender "relayed"
    q7 = p.a_send("-N", "SUCCESS", "n@seven.example", sender=SENDER,
                  subject="notify seven")
    q8 = p.a_send("-N", "SUCCESS", "n@eight.example", sender=SENDER,
                  subject="notify eight")
    t.ok(p.a.wait_log(r"%s: to=<n@seven\.example>, .*status=sent" % q7) and
         p.a.wait_log(r"%s: to=<n@eight\.example>, .*status=sent" % q8),
         "both sent")
    t.ok(p.a.wait_log(r"%s: sender delivery status notification: " % q7),
         "to a server without DSN: A sends the success notice itself")
    notices = wait_for(lambda: [x for x in (qmgrtest.read(f) for f in
                                            qmgrtest.maildir(p.a, SENDER))
                                if "Action: relayed" in x], "the notice",
                       t, 60)
    t.ok(notices and "Final-Recipient: rfc822; n@seven.example" in
         notices[0], "Action: relayed, for n@seven.example")
    t.ok(not re.search(r"%s: sender delivery status notification" % q8,
                       p.a.log()),
         "to a server with DSN: no notice from A (NOTIFY went along)")

    # a line over 998 bytes is broken, CR LF SPACE
    long_line = "x" * 1500
    p.a_send("u@eight.example", sender=SENDER,
             body="From: <%s>\nSubject: long\n\n%s\n" % (SENDER, long_line))
    wait_msgs(t, eight, 5)
    m = eight.messages()[4]
    t.ok(max(len(ln) for ln in m["raw"].split(b"\r\n")) <= 998,
         "no line over 998 bytes on the wire")
    t.ok(("x" * 998 + "\r\n " + "x" * 502).encode() in m["data"],
         "the long line is broken with CR LF SPACE")

    # over the server's SIZE: bounced, nothing sent
    big = "From: <%s>\nSubject: big\n\n%s" % (SENDER, "y" * 70 + "\n") * 1
    big += ("y" * 70 + "\n") * 100
    before = sum(1 for s in eight.sessions for ln in s["lines"]
                 if ln.startswith("MAIL"))
    qid = p.a_send("u@eight.example", sender=SENDER, body=big)
    t.ok(p.a.wait_log(r"%s: to=<u@eight\.example>, .*dsn=5\.3\.4, "
                      r"status=bounced \(message size \d+ exceeds size "
                      r"limit 6000 of server mx\.eight\.example\[127\.0\.0"
                      r"\.4\]\)" % qid), "too big for the server: 5.3.4")
    t.is_(sum(1 for s in eight.sessions for ln in s["lines"]
              if ln.startswith("MAIL")), before,
          "without a MAIL FROM")
    t.ok(qmgrtest.wait_empty(p.a, t), "A's queue is empty")
    seven.stop()
    eight.stop()
    p.teardown()


relaytest.run_or_skip(main)

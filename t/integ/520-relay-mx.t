#!/usr/bin/env python3
# The SMTP client and DNS: MX preference order, the first MX down and the
# second taking the mail, null MX and NXDOMAIN bounced back to the sender
# with a DSN, SERVFAIL deferred and delivered after `postern flush` once
# DNS answers again, a [host]:port next hop without MX lookup
# (transport_maps). dnsmasq serves the zones; a scripted responder in
# front of it gives the SERVFAIL. B is a second Postern instance on
# 127.0.0.2; 127.0.0.3 has nothing listening.
# check: slow
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402
from dnstest import Answer, SERVFAIL  # noqa: E402

SENDER = qmgrtest.USER          # postmaster@example.test, a mailbox at A
DOMAINS = ["b.example", "order.example", "fallback.example",
           "flaky.example", "hop.example"]


def bounce_of(p, count):
    """The DSNs in the sender's Maildir at A (text)."""
    qmgrtest.wait_maildir(p.a, count, SENDER)
    return [qmgrtest.read(f) for f in qmgrtest.maildir(p.a, SENDER)]


def main(t, mode):
    p = relaytest.Pair(
        t, mode, responder=True,
        mx={"b.example": [(10, "mx.b.example")],
            "order.example": [(10, "up.order.example"),
                              (20, "down.order.example")],
            "fallback.example": [(10, "down.fallback.example"),
                                 (20, "up.fallback.example")],
            "flaky.example": [(10, "mx.b.example")]},
        hosts={"mx.b.example": ["127.0.0.2"],
               "up.order.example": ["127.0.0.2"],
               "down.order.example": ["127.0.0.3"],
               "up.fallback.example": ["127.0.0.2"],
               "down.fallback.example": ["127.0.0.3"]},
        nullmx=["nullmx.example"],
        b_main={"virtual_mailbox_domains": ", ".join(DOMAINS)},
        a_main={"transport_maps": "inline:{hop.example=smtp:[127.0.0.2]}"})
    for d in DOMAINS:
        p.b_user("u@" + d)
    p.resp.script["flaky.example"] = Answer(rcode=SERVFAIL)
    p.start()

    # MX preference order: the preferred MX takes it, the other is not
    # tried
    qid = p.a_send("u@order.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "u@order.example"), "order.example: at B")
    t.ok(p.a.wait_log(r"%s: to=<u@order\.example>, relay=up\.order\."
                      r"example\[127\.0\.0\.2\]:\d+, .*status=sent" % qid),
         "through the MX of preference 10")
    t.ok(not re.search(r"down\.order\.example", p.a.log()),
         "the MX of preference 20 was not tried")

    # the first MX down: the second
    qid = p.a_send("u@fallback.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "u@fallback.example"),
         "fallback.example: at B although its first MX is down")
    t.ok(p.a.wait_log(r"%s: connect to down\.fallback\.example\["
                      r"127\.0\.0\.3\]:\d+: Connection refused" % qid),
         "the first MX was tried first: connection refused")
    t.ok(p.a.wait_log(r"%s: to=<u@fallback\.example>, relay=up\.fallback"
                      r"\.example\[127\.0\.0\.2\]:\d+, .*status=sent" % qid),
         "then the second")

    # a [host] next hop from transport_maps: no MX lookup
    qid = p.a_send("u@hop.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "u@hop.example"), "hop.example via "
         "transport_maps smtp:[127.0.0.2]")
    t.ok(p.a.wait_log(r"%s: to=<u@hop\.example>, relay=127\.0\.0\.2\["
                      r"127\.0\.0\.2\]:\d+, .*status=sent" % qid),
         "relay= names the literal")
    t.is_(p.resp.count("hop.example"), 0, "no DNS query for it")

    # null MX and NXDOMAIN: bounced, the DSN in the sender's Maildir
    q1 = p.a_send("x@nullmx.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<x@nullmx\.example>, relay=none, .*"
                      r"dsn=5\.1\.10, status=bounced \(Domain nullmx\."
                      r"example does not accept mail \(nullMX\)\)" % q1),
         "null MX: bounced 5.1.10, logged")
    q2 = p.a_send("y@nosuch.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<y@nosuch\.example>, relay=none, .*"
                      r"dsn=5\.1\.2, status=bounced \(Host or domain name "
                      r"not found\. Name service error for name=nosuch\."
                      r"example type=MX: Host not found\)" % q2),
         "NXDOMAIN: bounced 5.1.2, logged as Postfix does")
    dsns = bounce_of(p, 2)
    t.ok(any("Final-Recipient: rfc822; x@nullmx.example" in d and
             "Status: 5.1.10" in d and
             "does not accept mail (nullMX)" in d for d in dsns),
         "the sender gets a DSN for the null MX")
    t.ok(any("Final-Recipient: rfc822; y@nosuch.example" in d and
             "Status: 5.1.2" in d for d in dsns),
         "and one for NXDOMAIN")

    # SERVFAIL: deferred; DNS answers again; postern flush delivers
    qid = p.a_send("u@flaky.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@flaky\.example>, relay=none, .*"
                      r"dsn=4\.4\.3, status=deferred \(Host or domain name "
                      r"not found\. Name service error for name=flaky\."
                      r"example type=MX: Host not found, try again\)" % qid),
         "SERVFAIL: deferred 4.4.3")
    wait_for(lambda: qmgrtest.queue_files(p.a, "deferred"), "deferred/", t)
    # retried every second or two (qmgrtest's backoff): a listing taken
    # while it is being tried again shows it active, without a next
    # attempt, so list until one finds it deferred (a slow `postern
    # queue`, as under ASan, can miss the deferred moment once)
    listing = []

    def deferred_listing():
        r = p.a.postern("queue")
        listing[:] = [r]
        return re.search(r"^%s +\d" % qid, r.stdout, re.M)

    wait_for(deferred_listing, "a listing with %s deferred" % qid, t)
    r = listing[0]
    t.like(r.stdout, r"\(next attempt \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\)",
           "postern queue shows the next attempt")
    t.like(r.stdout, r"\(4\.4\.3 Host or domain name not found",
           "and the resolver's reason")
    del p.resp.script["flaky.example"]
    r = p.a.postern("flush")
    t.is_(r.returncode, 0, "postern flush")
    t.ok(p.wait_b_maildir(1, "u@flaky.example", bound=90),
         "after DNS answers again, the flush delivers it")
    t.ok(qmgrtest.wait_empty(p.a, t), "A's queue is empty")
    p.teardown(a_expect=[r"transport private/smtp"])


relaytest.run_or_skip(main)

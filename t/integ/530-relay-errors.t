#!/usr/bin/env python3
# What the SMTP client does with servers that say no: a 5xx to one
# recipient bounces it (the remote reply in the DSN: Remote-MTA,
# Diagnostic-Code) while the other is delivered; 4xx defers, until
# maximal_queue_lifetime returns the mail; 4xx to every recipient does
# not suspend the destination (greylisting), a refused connection does.
# Peers: a scripted server (exact replies) and Postfix's smtp-sink
# configured to defer (-r RCPT) or reject (-f RCPT).
# check: slow
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402

SENDER = qmgrtest.USER
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"


def rcpt_rule(cmd):
    if "<bad@" in cmd:
        return ("550 5.1.1 <bad@b.example>: Recipient address rejected: "
                "User unknown")
    if "<grey@" in cmd:
        return ("450 4.2.0 <grey@b.example>: Recipient address rejected: "
                "Greylisted, come back later")
    return None


def sink(addr, port, opts):
    args = [SMTP_SINK, "-h", "sink.example"] + opts
    if os.geteuid() == 0:
        args += ["-u", "nobody"]
    return subprocess.Popen(args + ["%s:%d" % (addr, port), "32"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def dsns(p):
    return [qmgrtest.read(f) for f in qmgrtest.maildir(p.a, SENDER)]


def main(t, mode):
    port = relaytest.free_port()
    peer = relaytest.Peer(t, port=port, rcpt=rcpt_rule,
                          name="mx.b.example").start()
    p = relaytest.Pair(
        t, mode, b=False, peer_port=port,
        mx={"b.example": [(10, "mx.b.example")],
            "sinkdefer.example": [(10, "mx.sinkdefer.example")],
            "sinkreject.example": [(10, "mx.sinkreject.example")],
            "down.example": [(10, "mx.down.example")]},
        hosts={"mx.b.example": ["127.0.0.2"],
               "mx.sinkdefer.example": ["127.0.0.4"],
               "mx.sinkreject.example": ["127.0.0.5"],
               "mx.down.example": ["127.0.0.3"]},
        a_main={"initial_destination_concurrency": "1",
                "maximal_queue_lifetime": "15s"})
    defer = sink("127.0.0.4", port, ["-r", "RCPT"])
    reject = sink("127.0.0.5", port, ["-f", "RCPT"])
    for a in ("127.0.0.4", "127.0.0.5"):
        wait_for(lambda: not relaytest_port_refuses(a, port),
                 "smtp-sink on %s" % a, t)
    p.start()

    # one recipient refused, the other delivered
    qid = p.a_send("ok@b.example", "bad@b.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<ok@b\.example>, relay=mx\.b\.example\["
                      r"127\.0\.0\.2\]:%d, .*status=sent" % (qid, port)),
         "the accepted recipient is delivered")
    t.ok(p.a.wait_log(r"%s: to=<bad@b\.example>, relay=mx\.b\.example\["
                      r"127\.0\.0\.2\]:%d, .*dsn=5\.1\.1, status=bounced "
                      r"\(host mx\.b\.example\[127\.0\.0\.2\] said: 550 "
                      r"5\.1\.1 <bad@b\.example>: Recipient address "
                      r"rejected: User unknown \(in reply to RCPT TO "
                      r"command\)\)" % (qid, port)),
         "the refused one bounces, the reply in the log as Postfix has it")
    msgs = peer.messages()
    t.ok(len(msgs) == 1 and len(msgs[0]["rcpts"]) == 1 and
         msgs[0]["rcpts"][0].startswith("RCPT TO:<ok@b.example>"),
         "the peer got the message for ok only")
    qmgrtest.wait_maildir(p.a, 1, SENDER)
    d = dsns(p)
    t.ok(any("Final-Recipient: rfc822; bad@b.example" in x and
             "Status: 5.1.1" in x and
             "Remote-MTA: dns; mx.b.example" in x and
             re.search(r"Diagnostic-Code: smtp; 550 5\.1\.1 <bad@b\.example>"
                       r":\s+Recipient\s+address\s+rejected", x) for x in d),
         "the DSN has Remote-MTA and the remote reply as Diagnostic-Code")

    # smtp-sink rejecting every RCPT
    qid = p.a_send("r@sinkreject.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<r@sinkreject\.example>, relay=mx\."
                      r"sinkreject\.example\[127\.0\.0\.5\]:%d, .*dsn=5\.3\.0,"
                      r" status=bounced \(host mx\.sinkreject\.example\["
                      r"127\.0\.0\.5\] said: 500 5\.3\.0 Error: command "
                      r"failed \(in reply to RCPT TO command\)\)" %
                      (qid, port)), "smtp-sink -f RCPT: bounced")

    # 4xx to every recipient: deferred, the destination stays open
    qg = p.a_send("grey@b.example", sender=SENDER, subject="grey")
    t.ok(p.a.wait_log(r"%s: to=<grey@b\.example>, .*dsn=4\.2\.0, status="
                      r"deferred \(host mx\.b\.example\[127\.0\.0\.2\] "
                      r"said: 450 4\.2\.0 <grey@b\.example>: Recipient "
                      r"address rejected: Greylisted" % qg),
         "a 450 defers the recipient")
    q2 = p.a_send("ok2@b.example", sender=SENDER, subject="after grey")
    t.ok(p.a.wait_log(r"%s: to=<ok2@b\.example>, .*status=sent" % q2),
         "the next message to the same destination goes out at once")
    t.ok(not re.search(r"destination smtp/b\.example is not answering",
                       p.a.log()),
         "4xx to every recipient does not suspend the destination")
    wait_for(lambda: qg in p.a.postern("queue").stdout, "the listing", t)
    t.like(p.a.postern("queue").stdout,
           r"\(4\.2\.0 host mx\.b\.example said: 450 4\.2\.0 "
           r"<grey@b\.example>: Recipient address rejected: Greylisted",
           "postern queue shows whose reply deferred it")

    # smtp-sink deferring every RCPT
    qd = p.a_send("d@sinkdefer.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<d@sinkdefer\.example>, .*dsn=4\.3\.0, "
                      r"status=deferred \(host mx\.sinkdefer\.example\["
                      r"127\.0\.0\.4\] said: 450 4\.3\.0 Error: command "
                      r"failed" % qd), "smtp-sink -r RCPT: deferred")

    # a refused connection suspends the destination
    q3 = p.a_send("x@down.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<x@down\.example>, relay=none, .*dsn=4\.4\.1,"
                      r" status=deferred \(connect to mx\.down\.example\["
                      r"127\.0\.0\.3\]:%d: Connection refused\)" %
                      (q3, port)), "a refused connection: deferred 4.4.1")
    t.ok(p.a.wait_log(r"destination smtp/down\.example is not answering: "
                      r"suspended"), "and the destination is suspended")
    q4 = p.a_send("y@down.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<y@down\.example>, relay=none, .*status="
                      r"deferred \(delivery temporarily suspended: connect "
                      r"to mx\.down\.example" % q4),
         "the next message for it waits without a connection")

    # 4xx until maximal_queue_lifetime: returned to the sender
    t.ok(p.a.wait_log(r"%s: from=<%s>, status=expired, returned to sender"
                      % (qg, re.escape(SENDER)), bound=90),
         "after maximal_queue_lifetime the greylisted mail expires")
    t.ok(wait_for(lambda: any("Final-Recipient: rfc822; grey@b.example" in x
                              for x in dsns(p)), "the expiry DSN", t, 60),
         "and its sender gets a DSN")
    t.ok(any("grey@b.example" in x and "Greylisted" in x for x in dsns(p)),
         "which quotes the last reply")
    defer.terminate()
    reject.terminate()
    defer.wait()
    reject.wait()
    peer.stop()
    p.teardown()


def relaytest_port_refuses(addr, port):
    import socket
    try:
        s = socket.create_connection((addr, port), timeout=2)
    except OSError:
        return True
    s.close()
    return False


if not os.access(SMTP_SINK, os.X_OK):
    print("1..0 # SKIP smtp-sink is missing (apt-get install postfix)")
else:
    relaytest.run_or_skip(main)

#!/usr/bin/env python3
"""End to end: smtplib -> smtpd -> qmgr -> local -> the user's Maildir.

What a user sees: the message in new/ with Return-Path and Delivered-To
on top, smtpd's Received line, then the message exactly as sent with LF
line ends (dot-stuffing undone), a 300 KB one too (many reads and
buffers); +ext into the folder; and what the
sender sees for an unknown user, a mail loop and a full mailbox: a
refusal at RCPT time or a bounce (multipart/report) with 5.1.1, 5.4.6
and 5.2.2 in the sender's own Maildir.
"""
import os
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from localtest import LocalInstance, pipeline_services, wait_files  # noqa
from postern import free_port, port_refuses, run, wait_for  # noqa: E402

MSG = (b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
       b"Subject: end to end\r\nMessage-ID: <e2e-1@example.test>\r\n\r\n"
       b".a line that starts with a dot\r\n..and two\r\nplain\r\n\r\n"
       b"8 bits: \xc3\xa9t\xc3\xa9\r\nlast\r\n")


def send(port, sender, rcpts, msg):
    """(refused, error): refused recipients with their replies."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    try:
        s.ehlo("client.example.org")
        refused = s.sendmail(sender, rcpts, msg,
                             mail_options=["BODY=8BITMIME"])
        return refused, None
    except smtplib.SMTPRecipientsRefused as e:
        return e.recipients, None
    except smtplib.SMTPException as e:
        return {}, e
    finally:
        try:
            s.quit()
        except smtplib.SMTPException:
            pass


def bounce_with(t, li, status, nbefore, what):
    """Wait for a bounce to bob with status in it."""
    if not wait_files(li, "example.test/bob", nbefore + 1):
        t.ok(False, "%s: a bounce reaches the sender" % what)
        return
    names = li.files("example.test/bob")
    data = b"".join(li.read("example.test/bob", n) for n in names)
    t.ok(b"Return-Path: <>\n" in data and
         ("Status: %s" % status).encode() in data,
         "%s: the sender gets a bounce with Status: %s" % (what, status))


def main(t, mode):
    port = free_port()
    svcs = pipeline_services(port, qmgr_wakeup=1)
    if svcs is None:
        t.skip("smtpd or qmgr is not built yet")
        return
    li = LocalInstance(t, mode, users=[
        ("alice@example.test", "pw", []),
        ("bob@example.test", "pw", []),
        ("small@example.test", "pw", ["--quota", "1k"]),
    ], services=svcs, main={"minimal_backoff_time": "1s",
                            "maximal_backoff_time": "2s",
                            "queue_run_delay": "1s"})
    os.makedirs(li.maildir("example.test/alice/.Work/cur"))
    if mode == "root":
        li.chown_mail()
    li.start()
    wait_for(lambda: not port_refuses(port), "smtpd", t)

    refused, err = send(port, "bob@example.test", ["alice@example.test"],
                        MSG)
    t.ok(not refused and err is None, "250 for a message to alice")
    t.ok(wait_files(li, "example.test/alice", 1), "it reaches alice's "
         "Maildir")
    names = li.files("example.test/alice")
    data = li.read("example.test/alice", names[0]) if names else b""
    t.ok(data.startswith(b"Return-Path: <bob@example.test>\n"
                         b"Delivered-To: alice@example.test\n"
                         b"Received: "), "Return-Path, Delivered-To, "
         "then smtpd's Received")
    t.ok(data.endswith(MSG.replace(b"\r\n", b"\n")),
         "the message follows byte for byte with LF line ends, dots "
         "unstuffed")
    t.ok(b"\r" not in data, "no CR left")
    t.ok(li.inst.wait_log(r"postern/local\[\d+\]: [0-9A-F]+: "
                          r"to=<alice@example\.test>, relay=local, "
                          r"delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, "
                          r"status=sent \(delivered to maildir\)"),
         "the delivery is logged the way Postfix tools expect")

    # 300 KB: many reads and write buffers, stuffed dots and CR LF pairs
    # on every side of their edges (lines of 1 to 997 octets)
    lines, n = [], 0
    while n < 300000:
        k = len(lines)
        line = (b"." if k % 7 == 0 else b"") + bytes(
            [0x41 + k % 26]) * (k * 37 % 997) + (b"\xc3\xa9" if k % 5 == 0
                                                 else b"")
        lines.append(line)
        n += len(line) + 2
    big = (b"From: bob@example.test\r\nSubject: big\r\n\r\n" +
           b"\r\n".join(lines) + b"\r\n")
    refused, err = send(port, "bob@example.test", ["alice@example.test"],
                        big)
    t.ok(not refused and err is None, "250 for a 300 KB message")
    t.ok(wait_files(li, "example.test/alice", 2), "it reaches alice")
    got = [li.read("example.test/alice", x)
           for x in li.files("example.test/alice")]
    got = [g for g in got if b"Subject: big\n" in g]
    t.ok(got and got[0].endswith(big.replace(b"\r\n", b"\n")),
         "300 KB byte for byte with LF line ends, dots unstuffed")

    refused, err = send(port, "bob@example.test",
                        ["alice+work@example.test"], MSG)
    t.ok(wait_files(li, "example.test/alice/.Work", 1),
         "alice+work lands in .Work")

    nb = len(li.files("example.test/bob"))
    refused, err = send(port, "bob@example.test", ["nobody@example.test"],
                        MSG)
    if refused:
        code, text = refused["nobody@example.test"]
        t.ok(code == 550 and b"5.1.1" in text,
             "unknown user refused at RCPT time: %d %s" % (code, text))
    else:
        bounce_with(t, li, "5.1.1", nb, "unknown user")

    nb = len(li.files("example.test/bob"))
    na = len(li.files("example.test/alice"))
    looped = b"Delivered-To: alice@example.test\r\n" + MSG
    refused, err = send(port, "bob@example.test", ["alice@example.test"],
                        looped)
    t.ok(not refused, "a looping message is accepted")
    bounce_with(t, li, "5.4.6", nb, "mail loop")
    t.is_(len(li.files("example.test/alice")), na,
          "mail loop: nothing delivered to alice")

    nb = len(li.files("example.test/bob"))
    big = MSG + b"x" * 2000 + b"\r\n"
    refused, err = send(port, "bob@example.test", ["small@example.test"],
                        big)
    t.ok(not refused, "a message too big for the quota is accepted")
    bounce_with(t, li, "5.2.2", nb, "over quota")
    t.is_(li.files("example.test/small"), [], "over quota: not delivered")
    li.teardown(expect=[r"transport \S+ not available",
                        r"connect to transport"])


run(main)

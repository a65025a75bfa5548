#!/usr/bin/env python3
# Several sessions on one mailbox, and mail arriving meanwhile (RFC 9051
# 7.5.1): a second session sees another's flag changes as FETCH FLAGS
# and its expunges as EXPUNGE, but never while answering FETCH, STORE or
# SEARCH by sequence number; sequence numbers and UIDs stay consistent
# (a pending expunge keeps its number until it is announced); a STORE
# on a message another session expunged does no harm; a message
# delivered over SMTP shows as EXISTS at the next NOOP, and wakes a
# session in IDLE (inotify) with EXISTS and RECENT before it says DONE;
# an EXPUNGE by another session reaches a session in IDLE too.
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
from imap_t import ImapRaw, built, imap_instance, put_msg  # noqa: E402

if not built():
    print("1..0 # SKIP imapd, imap-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "C0ncurrent-secret"


def msg(n):
    return b"From: x@example.org\nSubject: message %d\n\nbody %d\n" % (n, n)


def login(port):
    c = ImapRaw(port)
    c.login(ALICE, ALICE_PW)
    return c


def uids(c):
    out = c.cmd("UID FETCH 1:* (UID)")
    return [int(m.group(1)) for m in (re.search(rb"UID (\d+)", x)
                                      for x in out[:-1]) if m]


def wait_line(c, pattern):
    """Read lines until one matches (bounded by the socket timeout)."""
    while True:
        ln = c.line()
        if ln is None:
            return None
        if re.search(pattern, ln):
            return ln


def main(t, mode):
    inst, ports = imap_instance(t, mode, users={ALICE: ALICE_PW},
                                smtp=True)
    port = ports["imap"]
    try:
        for i in range(1, 5):
            put_msg(inst, ALICE, msg(i))
        a = login(port)
        b = login(port)
        out = a.cmd("SELECT INBOX")
        t.ok(b"* 4 EXISTS" in out, "A selects 4 messages")
        b.cmd("SELECT INBOX")
        u = uids(a)
        t.is_(uids(b), u, "both see the same UIDs")

        b.cmd("STORE 1 +FLAGS (\\Flagged $Later)")
        out = a.cmd("NOOP")
        t.ok(any(re.match(rb"\* FLAGS \(.*\$Later", x) for x in out),
             "A is told the new keyword in FLAGS")
        t.ok(any(re.match(rb"\* 1 FETCH \(UID %d FLAGS \(\\Flagged "
                          rb"(\\Recent )?\$Later\)\)" % u[0], x)
                 for x in out),
             "... and B's change as FETCH FLAGS: %s" % out)

        b.cmd("STORE 2 +FLAGS.SILENT (\\Deleted)")
        out = b.cmd("EXPUNGE")
        t.ok(b"* 2 EXPUNGE" in out, "B expunges message 2")
        out = a.cmd("FETCH 1:* (BODY.PEEK[HEADER])")
        t.ok(not any(re.match(rb"\* \d+ EXPUNGE$", x) for x in out),
             "A's FETCH by number carries no EXPUNGE: %s" % out)
        t.like(out[-1].decode(), r" NO \[EXPUNGEISSUED\]",
               "... and says a message is gone (EXPUNGEISSUED)")
        out = a.cmd("STORE 2 +FLAGS (\\Seen)")
        t.ok(not any(re.match(rb"\* \d+ EXPUNGE$", x) for x in out) and
             out[-1].endswith(b"OK Store completed."),
             "A's STORE on the expunged number: harmless, no EXPUNGE")
        out = a.cmd("SEARCH ALL")
        t.ok(out[0] == b"* SEARCH 1 3 4", "A's SEARCH: numbers of its "
             "view, the gone message left out (%s)" % out[0])
        out = a.cmd("NOOP")
        t.ok(b"* 2 EXPUNGE" in out, "A's NOOP announces the EXPUNGE")
        t.is_(uids(a), [u[0], u[2], u[3]], "A's view: numbers shifted, "
              "UIDs unchanged")
        out = a.cmd("FETCH 2 (UID)")
        t.like(out[0].decode(), r"^\* 2 FETCH \(UID %d\)" % u[2],
               "sequence number 2 is now the third message")

        b.cmd("STORE 3 +FLAGS.SILENT (\\Deleted)")
        b.cmd("EXPUNGE")
        out = a.cmd("UID FETCH %d (FLAGS)" % u[0])
        t.ok(b"* 3 EXPUNGE" in out, "a UID FETCH may announce EXPUNGE")

        s = smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30)
        s.sendmail("x@example.org", [ALICE], "Subject: by SMTP\r\n\r\n1\r\n")
        s.quit()
        got = wait_for(lambda: b"* 3 EXISTS" in a.cmd("NOOP"),
                       "EXISTS after a delivery", t)
        t.ok(got, "mail delivered over SMTP: EXISTS at a NOOP")

        # IDLE: woken by a delivery and by another session's expunge
        a.send(b"i1 IDLE\r\n")
        t.is_(a.line(), b"+ idling", "A idles")
        s = smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30)
        s.sendmail("x@example.org", [ALICE], "Subject: idle\r\n\r\n2\r\n")
        s.quit()
        ln = wait_line(a, rb"^\* \d+ EXISTS")
        t.is_(ln, b"* 4 EXISTS", "IDLE: the delivery wakes it with EXISTS")
        b.cmd("NOOP")
        b.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)")
        b.cmd("EXPUNGE")
        t.is_(wait_line(a, rb"EXPUNGE"), b"* 1 EXPUNGE",
              "IDLE: another session's EXPUNGE arrives")
        b.cmd("STORE 1 +FLAGS (\\Answered)")
        t.like((wait_line(a, rb"FETCH") or b"").decode(),
               r"^\* 1 FETCH \(UID \d+ FLAGS \(\\Answered",
               "IDLE: another session's flag change arrives")
        a.send(b"DONE\r\n")
        t.is_(wait_line(a, rb"^i1 "), b"i1 OK Idle completed.", "DONE")
        t.is_(uids(a), uids(b), "after all this, both views agree")
        a.cmd("LOGOUT")
        b.cmd("LOGOUT")
        a.close()
        b.close()
    finally:
        inst.teardown()


run(main)

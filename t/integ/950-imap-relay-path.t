#!/usr/bin/env python3
# The path a user sees, end to end: alice, a user of instance A,
# submits on 587 (STARTTLS, AUTH) as her mail client does; A's relay
# finds B by the MX of b.example (A's resolver asks a dnsmasq) and hands
# the message over; B delivers it to bob's Maildir; bob reads it over
# IMAP at B (STARTTLS, LOGIN, SELECT, FETCH) and finds it as alice sent
# it: her header fields, her body byte for byte, its MIME structure,
# with B's trace fields (Return-Path, Received) on top. Nothing of it
# stays at A: a client keeps its own Sent copy (by APPEND), the server
# keeps none.
import email.utils
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402
from auth_t import AUTH_LINE, template_services  # noqa: E402
from imap_t import imap_services, log_lines, tls_ctx  # noqa: E402
from postern import wait_for  # noqa: E402

ALICE, ALICE_PW = "alice@example.test", "Al1ce-path-secret"
BOB, BOB_PW = "bob@b.example", "B0b-path-secret"
MSGID = "<imap-path-1@example.test>"

FIELDS = (b"From: Alice Example <alice@example.test>\r\n"
          b"To: Bob <bob@b.example>\r\n"
          b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_across_two_instances?=\r\n"
          b"Date: " + email.utils.formatdate().encode() + b"\r\n"
          b"Message-ID: " + MSGID.encode() + b"\r\n")
PLAIN = ("Hello Bob,\r\n"
         ".a line that starts with a dot\r\n"
         "..and one with two\r\n"
         "gr\u00fc\u00dfe, 8-bit as sent\r\n").encode()
TEXT = (b"--=_b1\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n" + PLAIN +
        b"--=_b1\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"\r\n"
        b"<p>Hello Bob</p>\r\n"
        b"--=_b1--\r\n")
HEADER = (FIELDS + b"MIME-Version: 1.0\r\n"
          b"Content-Type: multipart/alternative; boundary=\"=_b1\"\r\n")
MESSAGE = HEADER + b"\r\n" + TEXT


def fetch(c, item):
    """The literal of FETCH 1 (item), or b""."""
    typ, data = c.fetch("1", "(%s)" % item)
    for d in data if typ == "OK" else []:
        if isinstance(d, tuple):
            return d[1]
    return b""


def fetch_line(c, item):
    """The response line of FETCH 1 (item) (text), or ""."""
    typ, data = c.fetch("1", "(%s)" % item)
    return b" ".join(d if isinstance(d, bytes) else d[0] for d in data
                     ).decode("utf-8", "replace") if typ == "OK" else ""


def reachable(addr, port):
    try:
        socket.create_connection((addr, port), timeout=2).close()
        return True
    except OSError:
        return False


def read_at_b(t, port):
    import imaplib
    c = imaplib.IMAP4(relaytest.B_ADDR, port, timeout=60)
    c.starttls(ssl_context=tls_ctx())
    typ, _ = c.login(BOB, BOB_PW)
    t.is_(typ, "OK", "bob logs in at B over STARTTLS")
    typ, data = c.select("INBOX")
    t.ok(typ == "OK" and data == [b"1"], "SELECT INBOX: 1 message (%s)" %
         data)
    flags = fetch_line(c, "FLAGS")
    t.ok("FLAGS (" in flags and "\\Seen" not in flags,
         "not \\Seen yet: %s" % flags)
    t.is_(fetch(c, "BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE "
                "MESSAGE-ID)]"), FIELDS + b"\r\n",
          "From, To, Subject, Date, Message-ID as alice wrote them")
    t.is_(fetch(c, "BODY.PEEK[TEXT]"), TEXT, "the body byte for byte "
          "(dot-stuffing undone, 8-bit kept)")
    # the CR LF before a boundary is the boundary's (RFC 2046 5.1.1)
    t.is_(fetch(c, "BODY.PEEK[1]"), PLAIN[:-2], "the text/plain part")
    bs = fetch_line(c, "BODYSTRUCTURE")
    t.like(bs, r'(?i)\(\("text" "plain" \("charset" "utf-8"\) NIL NIL '
           r'"8bit" %d 4 ' % len(PLAIN[:-2]), "BODYSTRUCTURE: the plain part")
    t.like(bs, r'(?i)\("text" "html" .*\) "alternative"',
           "BODYSTRUCTURE: multipart/alternative")
    env = fetch_line(c, "ENVELOPE")
    t.like(env, r'ENVELOPE \("[^"]+" "=\?UTF-8\?Q\?Gr=C3=BC=C3=9Fe_across'
           r'_two_instances\?=" \(\("Alice Example" NIL "alice" '
           r'"example\.test"\)\)', "ENVELOPE: date, subject, from")
    typ, data = c.search(None, "HEADER", "Message-ID", MSGID)
    t.is_(data, [b"1"], "SEARCH HEADER Message-ID finds it")
    c.literal = "\u00fc\u00dfe".encode()     # 8-bit: as a literal
    typ, data = c.search("UTF-8", "SUBJECT")
    t.is_(data, [b"1"], "SEARCH CHARSET UTF-8 SUBJECT in the decoded "
          "encoded word")

    whole = fetch(c, "BODY[]")
    size = re.search(r"RFC822\.SIZE (\d+)", fetch_line(c, "RFC822.SIZE"))
    t.ok(whole.endswith(MESSAGE), "BODY[]: the message as sent, at the "
         "end")
    t.like(whole[:len(whole) - len(MESSAGE)].decode("latin-1"),
           r"(?s)^Return-Path: <alice@example\.test>\r\n.*Received: from "
           r"mail\.a\.example \(localhost \[127\.0\.0\.1\]\)",
           "above it B's trace fields: Return-Path, Received from A")
    t.ok(size and int(size.group(1)) == len(whole), "RFC822.SIZE is the "
         "length of BODY[]")
    t.like(fetch_line(c, "FLAGS"), r"\\Seen", "BODY[] set \\Seen")
    c.logout()


def main(t, mode):
    lines, ports = template_services([87])
    b_lines, b_ports, b_main = imap_services(mode)
    p = relaytest.Pair(t, mode, a_services=lines + [AUTH_LINE],
                       b_services=b_lines, b_main=b_main)
    t.ok(p.a_user(ALICE, ALICE_PW) and p.b_user(BOB, BOB_PW),
         "alice at A, bob at B")
    p.start()
    wait_for(lambda: reachable(relaytest.B_ADDR, b_ports["imap"]),
             "B's IMAP port", t)

    refused = p.submit(ports[87], ALICE, ALICE_PW, [BOB], MESSAGE,
                       options=["BODY=8BITMIME"])
    t.is_(refused, {}, "A takes alice's submission")
    t.ok(p.wait_b_maildir(1, BOB), "it reaches bob's Maildir at B")
    read_at_b(t, b_ports["imap"])

    logins = [ln for ln in log_lines(p.b, "imapd") if "Login: " in ln]
    t.like(logins[0] if logins else "", r"Login: user=<bob@b\.example>, "
           r"method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.2, TLS",
           "B logs bob's login with TLS")
    t.ok(qmgrtest.wait_empty(p.a, t), "A's queue is empty")
    at_a = os.path.join(p.a.dir, "mail", "example.test", "alice")
    kept = [f for d, _, fs in os.walk(at_a)
            if os.path.basename(d) in ("new", "cur") for f in fs]
    t.is_(kept, [], "no copy of it in alice's folders at A (a client "
          "keeps its Sent copy by APPEND)")
    p.teardown()


relaytest.run_or_skip(main, ["auth/auth", "imapd/imapd",
                             "imapd/login/imap-login"])

#!/usr/bin/env python3
# smtpd: SMTP smuggling defence (smtpd_forbid_bare_newline). Bare LF and
# bare CR in DATA, BDAT and commands; the end of data is only
# CR LF . CR LF; the normalize mode; mynetworks is excluded by default.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (content_body, greet, queue_files, queued_id,  # noqa
                     smtpd_instance, stray, wait_queued)

SMUGGLE = (b"Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>"
           b"\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n"
           b"Subject: smuggled\r\n\r\nspoof\r\n")


def data(c, body):
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@relay.example>")
    c.cmd("DATA")
    c.send(body + b".\r\n")
    return c.reply()


def main(t, mode):
    inst, (port, port_norm, port_mynet) = smtpd_instance(
        t, mode, main={"mynetworks": "192.0.2.0/24", "smtpd_greet_pause": "0",
                       "relay_domains": "relay.example"}, ports=3,
        opts=[[], ["smtpd_forbid_bare_newline=normalize"],
              ["mynetworks=127.0.0.0/8"]])

    before = len(queue_files(inst))
    c = greet(port)
    t.is_(data(c, b"Subject: x\r\n\r\nline\nmore\r\n"),
          (550, ["5.5.2 Error: bare <LF> received"]),
          "a bare LF in DATA: 550 5.5.2")
    r = data(c, SMUGGLE)
    t.is_(r, (550, ["5.5.2 Error: bare <LF> received"]),
          "LF . LF does not end the data: the smuggled commands are "
          "content, and the message is refused")
    t.is_(c.cmd("NOOP"), (250, ["2.0.0 Ok"]),
          "the next reply is to the next command: nothing was smuggled")
    t.is_(data(c, b"a\r\n.\nb\r\n"),
          (550, ["5.5.2 Error: bare <LF> received"]), "CR LF . LF: no end")
    t.is_(data(c, b"a\n.\r\nb\r\n"),
          (550, ["5.5.2 Error: bare <LF> received"]), "LF . CR LF: no end")
    t.is_(data(c, b"a\rb\r\n"), (550, ["5.5.2 Error: bare <CR> received"]),
          "a bare CR: 550 5.5.2")
    t.is_(c.cmd("NOOP")[0], 250, "still in step")
    c.send(b"NOOP\n")
    t.is_(c.reply(), (550, ["5.5.2 Error: bare <LF> received"]),
          "a command ending in a bare LF: 550 5.5.2")
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@relay.example>")
    c.send(b"BDAT 8 LAST\r\na\nb\r\nxyz")
    t.is_(c.reply(), (550, ["5.5.2 Error: bare <LF> received"]),
          "a bare LF in BDAT: 550 5.5.2")
    c.cmd("QUIT")
    t.is_(len(queue_files(inst)), before, "nothing was queued")
    t.is_(stray(inst), [], "and nothing left behind")
    t.ok(inst.wait_log(r"\w+: reject: DATA from \S+: 550 5\.5\.2 Error: "
                       r"bare <LF> received; from=<a@example\.org> "
                       r"proto=ESMTP"), "log: the reject")

    # normalize: stored with CR LF, the end of data still strict
    c = greet(port_norm)
    r = data(c, b"Subject: x\r\n\r\nline\nmore\rend\r\n")
    q = queued_id(r)
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None,
          b"Subject: x\r\n\r\nline\r\nmore\r\nend\r\n",
          "normalize: bare LF and CR stored as CR LF")
    r = data(c, SMUGGLE)
    q = queued_id(r)
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None,
          b"Subject: smuggle\r\n\r\nhello\r\n.\r\nMAIL FROM:"
          b"<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\n"
          b"DATA\r\nSubject: smuggled\r\n\r\nspoof\r\n",
          "normalize: the smuggling attempt is one message, as content")
    t.is_(c.cmd("NOOP")[0], 250, "and the session is in step")
    c.send(b"NOOP\n")
    t.is_(c.reply()[0], 250, "normalize: a command with a bare LF is read")
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@relay.example>")
    c.send(b"BDAT 8 LAST\r\na\nb\r\nxyz")
    q = queued_id(c.reply())
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None, b"a\r\nb\r\nxyz\r\n",
          "normalize: BDAT content too")
    c.cmd("QUIT")

    # the default excludes mynetworks (as Postfix): normalized
    c = greet(port_mynet)
    r = data(c, b"Subject: x\r\n\r\nlegacy\napp\r\n")
    q = queued_id(r)
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None,
          b"Subject: x\r\n\r\nlegacy\r\napp\r\n",
          "a client in mynetworks is normalized, not refused")
    c.cmd("QUIT")
    inst.teardown()


run(main)

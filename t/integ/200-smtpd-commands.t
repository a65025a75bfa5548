#!/usr/bin/env python3
# smtpd: greeting, EHLO/HELO, every command, sequence and syntax errors,
# the privilege drop, and the connect/disconnect log lines.
# check: slow
import os
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import Raw, greet, smtpd_instance, smtpd_pids  # noqa: E402


def main(t, mode):
    inst, (port, port2) = smtpd_instance(
        t, mode, ports=2, opts=[[], ["disable_vrfy_command=yes",
                                     "message_size_limit=0"]])

    c = Raw(port)
    r = c.reply()
    t.is_(r, (220, ["localhost ESMTP Postern"]),
          "greeting: 220 $myhostname ESMTP $mail_name")
    if mode == "root":
        pids = smtpd_pids(inst)
        t.is_(len(pids), 1, "one smtpd process serves the client")
        if pids:
            inst.check_privs(pids[0], chroot=True)
    t.is_(c.cmd("MAIL FROM:<a@example.org>"),
          (503, ["5.5.1 Error: send HELO/EHLO first"]),
          "MAIL before HELO: 503 5.5.1")
    t.is_(c.cmd("EHLO"), (501, ["5.5.4 Syntax: EHLO hostname"]),
          "EHLO without argument: 501 5.5.4")
    r = c.cmd("EHLO client.example")
    # STARTTLS: postern init's main.cf has a certificate and level may
    t.is_(r, (250, ["localhost", "PIPELINING", "SIZE 10240000", "VRFY",
                    "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
                    "DSN", "SMTPUTF8", "CHUNKING"]),
          "EHLO lists every extension (no enhanced code, RFC 2034)")
    t.is_(c.cmd("HELO client.example"), (250, ["localhost"]),
          "HELO: 250 and the host name")
    t.is_(c.cmd("MAIL FROM:<a@example.org> SIZE=10"),
          (555, ["5.5.4 Unsupported option: SIZE (send EHLO first)"]),
          "ESMTP parameters after HELO: 555 5.5.4")
    c.cmd("EHLO client.example")
    t.is_(c.cmd("NOOP"), (250, ["2.0.0 Ok"]), "NOOP: 250 2.0.0")
    t.is_(c.cmd("noop with an argument"), (250, ["2.0.0 Ok"]),
          "noop in lower case, with an ignored argument")
    t.is_(c.cmd("RSET"), (250, ["2.0.0 Ok"]), "RSET: 250 2.0.0")
    t.is_(c.cmd("RSET x"), (501, ["5.5.4 Syntax: RSET"]),
          "RSET with an argument: 501 5.5.4")
    r = c.cmd("HELP")
    t.ok(r is not None and r[0] == 214 and len(r[1]) > 1 and
         all(x.startswith("2.0.0 ") for x in r[1]),
         "HELP: a multi-line 214 with 2.0.0 on every line")
    t.is_(c.cmd("VRFY someone@example.test"),
          (252, ["2.0.0 Cannot VRFY user, but will accept message and "
                 "attempt delivery"]), "VRFY: 252 2.0.0")
    t.is_(c.cmd("VRFY"), (501, ["5.5.4 Syntax: VRFY address"]),
          "VRFY without argument: 501")
    t.is_(c.cmd("VRFY <a b>"), (501, ["5.1.3 Bad recipient address syntax"]),
          "VRFY of a bad address: 501 5.1.3")
    t.is_(c.cmd("EXPN staff"), (502, ["5.5.2 Error: command not recognized"]),
          "an unknown command: 502 5.5.2")
    t.is_(c.cmd("RCPT TO:<x@example.test>"),
          (503, ["5.5.1 Error: need MAIL command"]), "RCPT before MAIL: 503")
    t.is_(c.cmd("DATA"), (503, ["5.5.1 Error: need RCPT command"]),
          "DATA before MAIL: 503")
    t.is_(c.cmd("MAIL TO:<a@example.org>"),
          (501, ["5.5.4 Syntax: MAIL FROM:<address>"]), "MAIL syntax: 501")
    t.is_(c.cmd("MAIL FROM:a@example.org"),
          (501, ["5.5.4 Syntax: MAIL FROM:<address>"]),
          "MAIL without brackets: 501 5.5.4")
    t.is_(c.cmd("MAIL FROM:<a..b@example.org>")[1][0][:5], "5.1.7",
          "bad sender syntax: 5.1.7")
    t.is_(c.cmd("MAIL FROM:<>"), (250, ["2.1.0 Ok"]), "null sender: 250 2.1.0")
    t.is_(c.cmd("MAIL FROM:<b@example.org>"),
          (503, ["5.5.1 Error: nested MAIL command"]), "nested MAIL: 503")
    t.is_(c.cmd("DATA"), (554, ["5.5.1 Error: no valid recipients"]),
          "DATA without a recipient: 554 5.5.1")
    t.is_(c.cmd("RCPT TO:<a b@example.org>")[0], 501,
          "bad recipient syntax: 501")
    t.is_(c.cmd("RCPT TO:<user@example.org> FOO=bar"),
          (555, ["5.5.4 Unsupported option: FOO"]),
          "unknown RCPT parameter: 555 5.5.4")
    t.is_(c.cmd("RCPT TO:<Postmaster>"), (250, ["2.1.5 Ok"]),
          "<Postmaster> without a domain is accepted")
    t.is_(c.cmd("ETRN example.net"), (503, ["5.5.1 Error: MAIL transaction "
                                           "in progress"]),
          "ETRN inside a transaction: 503")
    c.cmd("RSET")
    t.is_(c.cmd("ETRN"), (501, ["5.5.4 Syntax: ETRN domain"]),
          "ETRN without a domain: 501")
    t.is_(c.cmd("ETRN nowhere.example"),
          (459, ["4.7.1 <nowhere.example>: Node not allowed: not a relay "
                 "domain of this server"]), "ETRN for a foreign domain: 459")
    t.is_(c.cmd("QUIT"), (221, ["2.0.0 Bye"]), "QUIT: 221 2.0.0")
    t.ok(c.closed(), "the server closes after QUIT")

    t.ok(inst.wait_log(r"smtpd\[\d+\]: connect from \S+\[127\.0\.0\.1\]"),
         "log: connect from host[127.0.0.1]")
    t.ok(inst.wait_log(r"disconnect from \S+\[127\.0\.0\.1\] helo=1 "
                       r"ehlo=2/3 mail=1/7 rcpt=1/4 data=0/2 rset=2/3 "
                       r"noop=2 vrfy=1/3 etrn=0/3 help=1 quit=1 "
                       r"unknown=0/1 commands=12/31$"),
         "log: disconnect with the command counts")

    # the second port: VRFY disabled, no size limit
    c = greet(port2, ehlo=False)
    r = c.cmd("EHLO client.example")
    t.ok(r is not None and "VRFY" not in r[1] and "SIZE" in r[1],
         "disable_vrfy_command: no VRFY in EHLO; SIZE without a limit")
    t.is_(c.cmd("VRFY x@example.test"),
          (502, ["5.5.1 VRFY command is disabled"]), "VRFY disabled: 502")
    c.cmd("QUIT")
    c.close()

    # a real client sees the same
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    code, _ = s.ehlo("smtplib.example")
    t.is_(code, 250, "smtplib: EHLO")
    t.ok(s.has_extn("pipelining") and s.has_extn("chunking") and
         s.has_extn("smtputf8") and s.has_extn("dsn") and
         s.has_extn("8bitmime") and s.has_extn("enhancedstatuscodes") and
         s.has_extn("etrn") and s.has_extn("vrfy"),
         "smtplib sees the extensions")
    t.is_(s.noop()[0], 250, "smtplib: NOOP")
    t.is_(s.rset()[0], 250, "smtplib: RSET")
    t.is_(s.verify("someone@example.test")[0], 252, "smtplib: VRFY")
    t.is_(s.help()[:9], b"2.0.0 Pos", "smtplib: HELP")
    t.is_(s.quit()[0], 221, "smtplib: QUIT")
    inst.teardown()


run(main)

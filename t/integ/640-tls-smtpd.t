#!/usr/bin/env python3
# smtpd with TLS: STARTTLS offered at level may (a certificate is set by
# postern init), required at encrypt (530 5.7.0), absent at none;
# implicit TLS with smtpd_tls_wrappermode (port 465); Python's smtplib,
# swaks --tls / --tlsc, openssl s_client -starttls smtp with session
# resumption; the Received: field (ESMTPS, "using TLSv1.3 with cipher")
# and the log line; the STARTTLS command injection (CVE-2011-0411).
import os
import re
import shutil
import smtplib
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import Raw, qcat, smtpd_instance, wait_queued  # noqa: E402
from tls_t import s_client  # noqa: E402

MSG = "From: a@example.org\r\nTo: b@example.net\r\nSubject: tls\r\n\r\nhi\r\n"


def queued(inst, reply_text):
    m = re.search(r"queued as ([0-9A-F]+)", reply_text or "")
    if not m:
        return None
    p = wait_queued(inst, m.group(1))
    data = qcat(p, "-c") if p else None
    return data.decode("utf-8", "replace") if data else None


def received(content):
    m = re.match(r"Received: [^\r]*\r\n(\t[^\r]*\r\n)*", content or "")
    return m.group(0) if m else ""


def swaks(port, *args):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % port,
                        "--timeout", "30", "--helo", "swaks.example",
                        "--from", "a@example.org", "--to", "b@example.net"]
                       + list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def main(t, mode):
    inst, (may, enc, wrap, none, badgroups, badwrap) = smtpd_instance(
        t, mode, ports=6, opts=[
            ["max_use=1"], ["smtpd_tls_security_level=encrypt"],
            ["smtpd_tls_wrappermode=yes"], ["smtpd_tls_security_level=none"],
            ["tls_eecdh_auto_curves=nosuchgroup"],
            ["tls_eecdh_auto_curves=nosuchgroup",
             "smtpd_tls_wrappermode=yes"]])
    cafile = os.path.join(inst.etc, "tls", "cert.pem")
    verify = ssl.create_default_context(cafile=cafile)

    # smtplib: STARTTLS at level may, verified, then a message
    # (smtplib checks the certificate against the name it connected to)
    s = smtplib.SMTP("localhost", may, local_hostname="client.example",
                     timeout=30)
    s.ehlo()
    t.ok(s.has_extn("starttls"), "level may: EHLO offers STARTTLS")
    code, text = s.starttls(context=verify)
    t.is_((code, text), (220, b"2.0.0 Ready to start TLS"),
          "STARTTLS: 220 2.0.0 Ready to start TLS")
    t.is_(s.sock.version(), "TLSv1.3", "TLS 1.3, the certificate verified")
    s.ehlo()
    t.ok(not s.has_extn("starttls"), "no STARTTLS offered inside TLS")
    r = s.sendmail("a@example.org", ["b@example.net"], MSG)
    t.is_(r, {}, "a message over TLS is accepted")
    code, text = s.docmd("NOOP")
    s.quit()
    inst.wait_log(r"smtpd\[\d+\]: [0-9A-F]+: client=")
    qids = re.findall(r"smtpd\[\d+\]: ([0-9A-F]+): client=", inst.log())
    content = None
    if qids:
        p = wait_queued(inst, qids[-1])
        content = qcat(p, "-c").decode() if p else None
    rec = received(content)
    t.like(rec, r"^Received: from client\.example \(\S+ \[127\.0\.0\.1\]\)"
           r"\r\n\t\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384 "
           r"\(256/256 bits\)\r\n\t key-exchange X25519\)\r\n\t\(No client "
           r"certificate requested\)\r\n\tby localhost \(Postern\) with "
           r"ESMTPS id ", "Received: ESMTPS, using TLSv1.3 with cipher ...")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: Anonymous TLS connection established "
                       r"from \S+\[127\.0\.0\.1\]: TLSv1\.3 with cipher "
                       r"TLS_AES_256_GCM_SHA384 \(256/256 bits\) "
                       r"key-exchange X25519$"), "the TLS log line")
    t.ok(inst.wait_log(r"disconnect from \S+\[127\.0\.0\.1\] ehlo=2 "
                       r"starttls=1 mail=1 rcpt=1 data=1 noop=1 quit=1 "
                       r"commands=8$"), "starttls=1 on the disconnect line")

    # level encrypt: 530 until STARTTLS
    c = Raw(enc)
    c.reply()
    r = c.cmd("EHLO client.example")
    t.ok(r and "STARTTLS" in r[1], "level encrypt: STARTTLS offered")
    t.is_(c.cmd("MAIL FROM:<a@example.org>"),
          (530, ["5.7.0 Must issue a STARTTLS command first"]),
          "MAIL before STARTTLS: 530 5.7.0")
    t.is_(c.cmd("VRFY postmaster"),
          (530, ["5.7.0 Must issue a STARTTLS command first"]),
          "VRFY too")
    t.is_(c.cmd("NOOP"), (250, ["2.0.0 Ok"]), "NOOP is fine")
    t.is_(c.cmd("STARTTLS now"), (501, ["5.5.4 Syntax: STARTTLS"]),
          "STARTTLS with an argument: 501")
    c.close()
    s = smtplib.SMTP("localhost", enc, local_hostname="client.example",
                     timeout=30)
    s.starttls(context=verify)
    t.is_(s.sendmail("a@example.org", ["b@example.net"], MSG), {},
          "level encrypt: accepted after STARTTLS")
    s.quit()

    # level none: nothing
    c = Raw(none)
    c.reply()
    r = c.cmd("EHLO client.example")
    t.ok(r and r[0] == 250 and "STARTTLS" not in r[1],
         "level none: no STARTTLS in EHLO")
    t.is_(c.cmd("STARTTLS"), (502, ["5.5.1 Error: command not implemented"]),
          "and STARTTLS: 502 5.5.1")
    c.close()

    # state: STARTTLS needs EHLO first, not inside a transaction, and
    # resets the session (EHLO again)
    c = Raw(may)
    c.reply()
    t.is_(c.cmd("STARTTLS"), (503, ["5.5.1 Error: send HELO/EHLO first"]),
          "STARTTLS before EHLO: 503")
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.org>")
    t.is_(c.cmd("STARTTLS"), (503, ["5.5.1 Error: MAIL transaction in "
                                    "progress"]),
          "STARTTLS in a transaction: 503")
    c.close()

    # CVE-2011-0411: commands pipelined in plaintext after STARTTLS; had
    # they run inside TLS, their replies (214, 503) would come first
    c = Raw(may)
    c.reply()
    c.cmd("EHLO client.example")
    c.send("STARTTLS\r\nHELP\r\nMAIL FROM:<evil@example.org>\r\n")
    t.is_(c.reply(), (220, ["2.0.0 Ready to start TLS"]),
          "injection: STARTTLS answered")
    t.is_(c.buf, b"", "nothing else answered in plaintext")
    c.sock = ssl.create_default_context(cafile=cafile).wrap_socket(
        c.sock, server_hostname="localhost")
    t.is_(c.cmd("NOOP"), (250, ["2.0.0 Ok"]),
          "the first reply inside TLS is for the first command sent "
          "inside TLS")
    t.is_(c.cmd("MAIL FROM:<a@example.org>"),
          (503, ["5.5.1 Error: send HELO/EHLO first"]),
          "the session starts afresh after STARTTLS (RFC 3207 4.2)")
    r = c.cmd("EHLO client.example")
    t.ok(r and r[0] == 250 and "STARTTLS" not in r[1],
         "EHLO again: no STARTTLS offered")
    t.is_(c.cmd("QUIT"), (221, ["2.0.0 Bye"]), "QUIT inside TLS")
    c.close()
    t.ok(inst.wait_log(r"smtpd\[\d+\]: \S+\[127\.0\.0\.1\]: discarding 36 "
                       r"bytes sent in plaintext after STARTTLS$"),
         "the discarded plaintext is logged")

    # implicit TLS (submissions, 465)
    s = smtplib.SMTP_SSL("localhost", wrap, local_hostname="client.example",
                         timeout=30, context=verify)
    s.ehlo()
    t.ok(not s.has_extn("starttls"), "implicit TLS: no STARTTLS offered")
    t.is_(s.sock.version(), "TLSv1.3", "implicit TLS: TLS 1.3")
    t.is_(s.sendmail("a@example.org", ["b@example.net"], MSG), {},
          "implicit TLS: a message is accepted")
    s.quit()

    # swaks
    if shutil.which("swaks") is None:
        t.skip("swaks is not installed (build-aux/deps.sh)", 2)
    else:
        rc, out = swaks(may, "--tls")
        t.ok(rc == 0 and re.search(r"<~\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --tls: STARTTLS and a message")
        qid = re.search(r"queued as ([0-9A-F]+)", out)
        content = queued(inst, qid.group(0)) if qid else None
        t.like(received(content), r"with ESMTPS id ",
               "swaks --tls: received with ESMTPS")
        rc, out = swaks(wrap, "--tlsc")
        t.ok(rc == 0 and re.search(r"<~\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --tlsc: implicit TLS and a message")

    # openssl s_client -starttls smtp: resumption across processes
    sess = os.path.join(inst.dir, "smtp-sess.pem")
    rc, out = s_client(may, ["-starttls", "smtp", "-sess_out", sess],
                       stdin=b"QUIT\n")
    t.ok(rc == 0 and re.search(r"^New, TLSv1\.3", out, re.M),
         "s_client -starttls smtp: a new session")
    rc, out = s_client(may, ["-starttls", "smtp", "-sess_in", sess],
                       stdin=b"QUIT\n")
    t.ok(rc == 0 and re.search(r"^Reused, TLSv1\.3", out, re.M),
         "s_client -sess_in: Reused (max_use=1: another smtpd process)")

    # a client that gives up in the handshake
    c = Raw(wrap)
    c.send("EHLO plaintext\r\n")
    t.ok(c.closed(), "plaintext on the implicit TLS port: hung up")
    c.close()
    t.ok(inst.wait_log(r"smtpd\[\d+\]: SSL_accept error from \S+\[127\.0\.0"
                       r"\.1\]: "), "SSL_accept error logged")

    # OpenSSL's context is made at the first STARTTLS: a group list it
    # refuses leaves plain SMTP working, STARTTLS gets 454 and the log
    # says why
    s = smtplib.SMTP("127.0.0.1", badgroups, local_hostname="c.example",
                     timeout=30)
    s.ehlo()
    r = s.sendmail("a@example.org", ["b@example.net"], MSG)
    t.is_(r, {}, "a group list OpenSSL refuses: plain mail still accepted")
    t.is_(s.docmd("STARTTLS"),
          (454, b"4.7.0 TLS not available due to local problem"),
          "... STARTTLS: 454 4.7.0 TLS not available due to local problem")
    t.is_(s.docmd("NOOP")[0], 250, "... and the session goes on")
    s.quit()
    t.ok(inst.wait_log(r"smtpd\[\d+\]: error: TLS is not available: "
                       r"tls_eecdh_auto_curves = nosuchgroup: an unknown "
                       r"group"), "... the log names the parameter")
    c = Raw(badwrap)
    t.ok(c.closed(), "the same with implicit TLS: hung up at once")
    c.close()
    inst.teardown(expect=[r"TLS is not available: tls_eecdh_auto_curves"])


run(main)

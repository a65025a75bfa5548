#!/usr/bin/env python3
# lib/tls through t/bin/tlsecho: STARTTLS and implicit TLS with Python's
# ssl module, the log line, protocol versions (TLS 1.1 refused), lines
# over TLS, and the STARTTLS command injection (CVE-2011-0411).
import os
import re
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
from tls_t import TLSECHO, Line, client_ctx, s_client, \
    tlsecho_instance  # noqa: E402


def main(t, mode):
    if not os.access(TLSECHO, os.X_OK):
        t.skip("t/bin/tlsecho is not built", 1)
        return
    inst, (port, wport) = tlsecho_instance(t, mode, [[], ["-w"]])
    cafile = os.path.join(inst.etc, "tls", "cert.pem")
    verify = client_ctx(cafile=cafile)

    # STARTTLS, verified against the instance's certificate
    c = Line(port)
    t.like(c.line(), r"^tlsecho \d+ ready$", "plaintext greeting")
    t.is_(c.cmd("INFO"), "250 plain", "no TLS yet")
    r = c.starttls(verify)
    t.is_(r, "220 ready to start TLS", "STARTTLS: go ahead")
    t.is_(c.sock.version(), "TLSv1.3", "TLS 1.3 negotiated")
    t.is_(c.cmd("INFO"), "250 tls TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
          "(256/256 bits) reused=0", "the server sees the same")
    t.is_(c.cmd("hello there"), "250 echo: hello there",
          "lines are read and answered over TLS")
    t.is_(c.cmd("x" * 2000), "500 line too long",
          "an over-long line over TLS is refused")
    t.is_(c.cmd("after"), "250 echo: after", "and the next line is intact")
    t.is_(c.cmd("STARTTLS"), "554 TLS already active", "no second STARTTLS")
    t.is_(c.cmd("QUIT"), "221 bye", "QUIT over TLS")
    c.close()
    t.ok(inst.wait_log(r"tlsecho\[\d+\]: Anonymous TLS connection "
                       r"established from unknown\[127\.0\.0\.1\]: TLSv1\.3 "
                       r"with cipher TLS_AES_256_GCM_SHA384 \(256/256 bits\)"
                       r" key-exchange X25519$"),
         "the log line has Postfix's shape")

    # implicit TLS: the handshake before the greeting
    c = Line(wport)
    c.wrap(verify)
    t.like(c.line(), r"^tlsecho \d+ ready$", "implicit TLS: greeting inside "
           "TLS")
    t.like(c.cmd("INFO"), r"^250 tls TLSv1\.3 ", "implicit TLS: TLS 1.3")
    c.close()

    # TLS 1.2 works, with ECDHE and AES-GCM
    c = Line(wport)
    c.wrap(client_ctx(maxver=ssl.TLSVersion.TLSv1_2))
    c.line()
    t.is_(c.cmd("INFO"), "250 tls TLSv1.2 with cipher "
          "ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits) reused=0",
          "TLS 1.2: ECDHE with AES-GCM")
    c.close()

    # TLS 1.1 is refused
    rc, out = s_client(wport, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
    t.ok(rc != 0 and "tlsecho" not in out, "a TLS 1.1 client is refused")
    t.ok(inst.wait_log(r"SSL_accept error from unknown\[127\.0\.0\.1\]: "
                       r"unsupported protocol"),
         "and the server logs why")

    # CVE-2011-0411: a command pipelined after STARTTLS in plaintext
    c = Line(port)
    c.line()
    c.send("STARTTLS\r\nNOOP\r\n")
    t.is_(c.line(), "220 ready to start TLS", "injection: STARTTLS answered")
    t.is_(c.buf, b"", "and nothing else in plaintext")
    c.wrap(verify)
    t.like(c.cmd("INFO"), r"^250 tls ", "the first reply inside TLS answers "
           "the first command sent inside TLS")
    t.is_(c.cmd("QUIT"), "221 bye", "the injected NOOP was never answered")
    c.close()

    # a client that talks plaintext after STARTTLS gets no answer
    c = Line(port)
    c.line()
    c.cmd("STARTTLS")
    c.send("NOOP\r\n")
    t.is_(c.line(), None, "plaintext after STARTTLS: the server hangs up")
    c.close()
    t.ok(inst.wait_log(r"SSL_accept error from unknown\[127\.0\.0\.1\]: "
                       r"(wrong version number|http request|"
                       r"packet length too long|record layer failure)"),
         "and logs the failed handshake")
    log = inst.log()
    t.ok(not re.search(r"warning|error: ", log.replace(
        "SSL_accept error", "")), "handshake failures are not warnings")
    inst.teardown()


run(main)

#!/usr/bin/env python3
# STARTTLS in the SMTP client, per smtp_tls_security_level: verify against
# a test CA (smtp_tls_CAfile; smtp_tls_CApath read before the jail),
# a certificate from another CA refused, secure matching the next hop
# (a "forged" MX for another domain refused), may against a server without
# STARTTLS (plaintext), encrypt against one (deferred). B (another Postern
# instance) serves a certificate for mx.b.example from the test CA; each
# level is a master.cf service with -o, chosen by transport_maps.
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402

SENDER = qmgrtest.USER
ON_B = ["b.example", "capath.example", "badca.example", "forged.example"]


def main(t, mode):
    d = tempfile.mkdtemp(prefix="relay-tls.")
    os.chmod(d, 0o755)
    ca, cakey = relaytest.make_ca(d)
    cert, key = relaytest.issue_cert(d, ca, cakey, "mx.b.example")
    other = os.path.join(d, "other")
    os.mkdir(other)
    os.chmod(other, 0o755)
    otherca, _ = relaytest.make_ca(other)
    capath = os.path.join(d, "capath")
    os.mkdir(capath)
    shutil.copy(ca, os.path.join(capath, "testca.pem"))
    subprocess.run(["openssl", "rehash", capath], check=True,
                   capture_output=True)
    for root, dirs, files in os.walk(d):
        for f in files:
            if not f.endswith(".key"):
                os.chmod(os.path.join(root, f), 0o644)
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o755)

    port = relaytest.free_port()
    plain = relaytest.Peer(t, addr="127.0.0.4", port=port,
                           name="mx.plain.example").start()
    mx = {x: [(10, "mx.b.example")] for x in ON_B}
    mx["plain.example"] = [(10, "mx.plain.example")]
    mx["encplain.example"] = [(10, "mx.plain.example")]
    transports = ("secure@b.example=secure:, capath.example=capath:, "
                  "badca.example=badca:, forged.example=secure:, "
                  "plain.example=may:, encplain.example=encrypt:")
    p = relaytest.Pair(
        t, mode, peer_port=port, mx=mx,
        hosts={"mx.b.example": ["127.0.0.2"],
               "mx.plain.example": ["127.0.0.4"]},
        b_main={"smtpd_tls_cert_file": cert, "smtpd_tls_key_file": key,
                "virtual_mailbox_domains": ", ".join(ON_B)},
        a_main={"smtp_tls_security_level": "verify",
                "smtp_tls_CAfile": ca,
                "transport_maps": "inline:{%s}" % transports},
        a_services=[
            "capath unix - - y - - relay -o smtp_tls_CAfile= "
            "-o smtp_tls_CApath=" + capath,
            "badca unix - - y - - relay -o smtp_tls_CAfile=" + otherca,
            "secure unix - - y - - relay -o smtp_tls_security_level=secure",
            "may unix - - y - - relay -o smtp_tls_security_level=may",
            "encrypt unix - - y - - relay "
            "-o smtp_tls_security_level=encrypt"])
    for x in ON_B:
        p.b_user("u@" + x)
    p.b_user("secure@b.example")
    p.start()

    qid = p.a_send("u@b.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "u@b.example"), "verify: delivered")
    t.ok(p.a.wait_log(r"postern/relay\[\d+\]: Verified TLS connection "
                      r"established to mx\.b\.example\[127\.0\.0\.2\]:%d: "
                      r"TLSv1\.[23] with cipher" % port),
         "verify with smtp_tls_CAfile: \"Verified TLS connection "
         "established\"")
    t.ok(p.a.wait_log(r"%s: to=<u@b\.example>, .*status=sent" % qid),
         "and sent")

    p.a_send("u@capath.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "u@capath.example"),
         "verify with smtp_tls_CApath (read before the jail): delivered")

    qid = p.a_send("u@badca.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@badca\.example>, relay=mx\.b\.example\["
                      r"127\.0\.0\.2\]:%d, .*dsn=4\.7\.5, status=deferred "
                      r"\(Server certificate not verified" % (qid, port)),
         "a certificate from another CA: deferred, not verified")

    # secure: the certificate must name the next hop or a name below it
    # (dot-nexthop): mx.b.example is below b.example ...
    qid = p.a_send("secure@b.example", sender=SENDER)
    t.ok(p.wait_b_maildir(1, "secure@b.example"),
         "secure: mx.b.example's certificate for next hop b.example: "
         "delivered")
    t.ok(p.a.wait_log(r"%s: to=<secure@b\.example>, .*status=sent" % qid),
         "sent")
    # ... not below forged.example, whose MX record points there
    qid = p.a_send("u@forged.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@forged\.example>, .*dsn=4\.7\.5, "
                      r"status=deferred \(Server certificate not verified"
                      % qid),
         "secure: an MX whose certificate does not name the next hop is "
         "refused (a forged MX record cannot redirect the mail)")

    # may, against a server without STARTTLS: plaintext
    qid = p.a_send("u@plain.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@plain\.example>, relay=mx\.plain\.example"
                      r"\[127\.0\.0\.4\]:%d, .*status=sent" % (qid, port)),
         "may: a server without STARTTLS gets the mail in plaintext")
    t.ok(not re.search(r"TLS connection established to mx\.plain\.example",
                       p.a.log()), "without TLS")
    # encrypt, against the same server: deferred
    qid = p.a_send("u@encplain.example", sender=SENDER)
    t.ok(p.a.wait_log(r"%s: to=<u@encplain\.example>, .*dsn=4\.7\.4, "
                      r"status=deferred \(TLS is required, but was not "
                      r"offered by host mx\.plain\.example\[127\.0\.0\.4\]\)"
                      % qid), "encrypt: deferred when STARTTLS is missing")
    plain.stop()
    p.teardown()
    shutil.rmtree(d, ignore_errors=True)


relaytest.run_or_skip(main)

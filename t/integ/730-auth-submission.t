#!/usr/bin/env python3
# The submission (587, STARTTLS) and submissions (465, implicit TLS)
# services exactly as `postern init` writes them into master.cf: AUTH only
# after TLS (538 5.7.11 before), MAIL before AUTH refused (530 5.7.0
# Authentication required), a sender the user does not own refused (553
# 5.7.1), smtpd_sender_login_maps granting another; swaks --tls/--tlsc
# with --auth, smtplib SMTP_SSL + login; Received: ESMTPSA.
import os
import re
import shutil
import smtplib
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
for prog in ("smtpd/smtpd", "auth/auth"):
    if not os.access(os.path.join(TOP, prog), os.X_OK):
        print("1..0 # SKIP %s is not built here" % prog)
        sys.exit(0)
from auth_t import (PASSWORDS, Raw, auth_instance, b64,  # noqa: E402
                    no_secret_in_log, plain, template_services)
from smtpd_t import qcat, wait_queued  # noqa: E402

ALICE, ALICE_PW = "alice@example.test", PASSWORDS[0]
BOB, BOB_PW = "bob@example.test", PASSWORDS[2]
MSG = "From: %s\r\nTo: x@example.net\r\nSubject: sub\r\n\r\nhi\r\n" % ALICE


def swaks(port, *args):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % port,
                        "--timeout", "30", "--helo", "swaks.example",
                        "--to", "x@example.net"] + list(args),
                       capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def received_of(inst, qid):
    p = wait_queued(inst, qid) if qid else None
    data = qcat(p, "-c") if p else None
    return data.decode("utf-8", "replace") if data else ""


def main(t, mode):
    lines, ports = template_services([87, 65])
    t.is_(sorted(ports), [65, 87], "postern init writes submission and "
          "submissions (not commented out)")
    t.ok(all("smtpd_sasl_auth_enable=yes" in ln and
             "smtpd_client_restrictions=permit_sasl_authenticated,reject" in
             ln and "smtpd_sender_restrictions=reject_authenticated_sender_"
             "login_mismatch" in ln for ln in lines),
         "  with AUTH and the restrictions of a submission service")
    inst, _ = auth_instance(
        t, mode, services=lines, users={ALICE: ALICE_PW, BOB: BOB_PW},
        main={"smtpd_sender_login_maps":
              "texthash:$config_directory/senders"},
        files={"senders": "shared@example.test  bob@example.test, "
                          "alice@example.test\n"})
    sub, subs = ports[87], ports[65]
    ctx = ssl.create_default_context(
        cafile=os.path.join(inst.etc, "tls", "cert.pem"))

    # before STARTTLS
    c = Raw(sub)
    c.reply()
    r = c.cmd("EHLO client.example")
    t.ok(r and "STARTTLS" in r[1] and not any("AUTH" in x for x in r[1]),
         "587: STARTTLS offered, AUTH not (yet)")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)),
          (538, ["5.7.11 Encryption required for requested authentication "
                 "mechanism"]), "587: AUTH before STARTTLS: 538 5.7.11")
    t.is_(c.cmd("MAIL FROM:<%s>" % ALICE),
          (530, ["5.7.0 Must issue a STARTTLS command first"]),
          "587: MAIL before STARTTLS: 530 5.7.0")
    c.close()

    # after STARTTLS
    s = smtplib.SMTP("localhost", sub, local_hostname="client.example",
                     timeout=30)
    s.starttls(context=ctx)
    s.ehlo()
    t.ok(s.has_extn("auth"), "587 after STARTTLS: AUTH offered")
    t.is_(s.docmd("MAIL FROM:<%s>" % ALICE),
          (530, b"5.7.0 Authentication required"),
          "587: MAIL before AUTH: 530 5.7.0 Authentication required")
    s.rset()
    s.login(ALICE, ALICE_PW)
    t.is_(s.docmd("MAIL FROM:<%s>" % BOB),
          (553, b"5.7.1 <bob@example.test>: Sender address rejected: not "
                b"owned by user alice@example.test"),
          "587: a sender the user does not own: 553 5.7.1")
    s.rset()
    t.is_(s.docmd("MAIL FROM:<shared@example.test>"), (250, b"2.1.0 Ok"),
          "587: a sender smtpd_sender_login_maps grants: 250")
    s.rset()
    t.is_(s.sendmail(ALICE, ["x@example.net"], MSG), {},
          "587: its own address, relayed to another domain")
    s.quit()

    # submissions: TLS from the first byte
    s = smtplib.SMTP_SSL("localhost", subs, local_hostname="client.example",
                         timeout=30, context=ctx)
    s.ehlo()
    t.ok(s.has_extn("auth") and not s.has_extn("starttls"),
         "465: AUTH offered at once, no STARTTLS")
    t.is_(s.docmd("MAIL FROM:<%s>" % ALICE),
          (530, b"5.7.0 Authentication required"), "465: MAIL before AUTH: "
          "530 5.7.0")
    s.rset()
    code, _ = s.login(BOB, BOB_PW)
    t.is_(code, 235, "465: smtplib login: 235")
    t.is_(s.docmd("MAIL FROM:<%s>" % ALICE)[0], 553,
          "465: bob may not send as alice: 553")
    s.rset()
    t.is_(s.sendmail(BOB, ["x@example.net"], MSG), {},
          "465: bob sends as bob")
    s.quit()

    if shutil.which("swaks") is None:
        t.skip("swaks is not installed (build-aux/deps.sh)", 4)
    else:
        rc, out = swaks(sub, "--tls", "--from", ALICE, "--auth", "LOGIN",
                        "--auth-user", ALICE, "--auth-password", ALICE_PW)
        m = re.search(r"<~\s+250 2\.0\.0 Ok: queued as ([0-9A-F]+)", out)
        t.ok(rc == 0 and m, "swaks --tls --auth LOGIN on 587: queued")
        t.like(received_of(inst, m.group(1) if m else None),
               r"\r\n\tby localhost \(Postern\) with ESMTPSA id ",
               "  Received: ESMTPSA")
        rc, out = swaks(subs, "--tlsc", "--from", ALICE, "--auth", "PLAIN",
                        "--auth-user", ALICE, "--auth-password", ALICE_PW)
        t.ok(rc == 0 and re.search(r"<~\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --tlsc --auth PLAIN on 465: queued")
        rc, out = swaks(sub, "--tls", "--from", BOB, "--auth", "PLAIN",
                        "--auth-user", ALICE, "--auth-password", ALICE_PW)
        t.ok(re.search(r"<~\*\s+553 5\.7\.1 <bob@example\.test>: Sender "
                       r"address rejected: not owned by user "
                       r"alice@example\.test", out),
             "swaks as alice with bob's address: 553 5.7.1")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: NOQUEUE: reject: MAIL from "
                       r"\S+\[127\.0\.0\.1\]: 553 5\.7\.1 <bob@example\.test>"
                       r": Sender address rejected: not owned by user "
                       r"alice@example\.test; proto=ESMTPSA "),
         "the sender rejection is logged")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: [0-9A-F]+: client=\S+\[127\.0\.0\.1\]"
                       r", sasl_method=PLAIN, sasl_username=bob@example\.test$"
                       ), "log: sasl_method=PLAIN (smtplib), sasl_username")
    t.ok(b64(ALICE_PW) not in inst.log(), "(the base64 password is not "
         "logged)")
    no_secret_in_log(t, inst)
    inst.teardown()


run(main)

#!/usr/bin/env python3
# SMTP AUTH through the auth service: swaks --auth PLAIN and LOGIN (in
# the clear where smtpd_tls_auth_only = no, and with --tls), Python's
# smtplib starttls + login; 235 / 535 5.7.8 (an unknown user gets the
# same reply) / 538 5.7.11 / 503 / 501; the session failure limit (421);
# an authenticated client relays; sasl_method and sasl_username in the
# log line and the queue file; ESMTPA/ESMTPSA in Received: with no
# secret; the users table read again after `postern user add`; the auth
# process's privileges; no password in any log line (smtpd runs -v).
# check: slow
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
from auth_t import (PASSWORDS, Raw, add_user, auth_instance,  # noqa: E402
                    auth_pids, b64, no_secret_in_log, plain)
from smtpd_t import envelope, qcat, wait_queued  # noqa: E402

ALICE, ALICE_PW = "alice@example.test", PASSWORDS[0]
WRONG = PASSWORDS[1]
BOB, BOB_PW = "bob@example.test", PASSWORDS[2]
MSG = "From: %s\r\nTo: x@example.net\r\nSubject: auth\r\n\r\nhi\r\n" % ALICE


def swaks(port, *args):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % port,
                        "--timeout", "30", "--helo", "swaks.example",
                        "--from", ALICE, "--to", "x@example.net"]
                       + list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def queued_content(inst, text):
    m = re.search(r"queued as ([0-9A-F]+)", text or "")
    p = wait_queued(inst, m.group(1)) if m else None
    if not p:
        return None, None
    return (qcat(p, "-c") or b"").decode("utf-8", "replace"), envelope(p)


def greet(port):
    c = Raw(port)
    c.reply()
    r = c.cmd("EHLO client.example")
    return c, r


def main(t, mode):
    inst, (clear, tls) = auth_instance(
        t, mode, main={"auth_failure_delay": "1s"},
        users={ALICE: ALICE_PW},
        opts=[["smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=no",
               "smtpd_auth_failure_limit=2", "mynetworks=192.0.2.0/24",
               "max_use=1 -v"],
              ["smtpd_sasl_auth_enable=yes", "mynetworks=192.0.2.0/24"]])
    cafile = os.path.join(inst.etc, "tls", "cert.pem")

    # --- in the clear, where the service allows it ----------------------
    c, r = greet(clear)
    t.ok(r and "AUTH PLAIN LOGIN" in r[1], "EHLO offers AUTH PLAIN LOGIN")
    t.is_(c.cmd("RCPT TO:<x@example.net>"),
          (503, ["5.5.1 Error: need MAIL command"]), "(no transaction)")
    c.cmd("MAIL FROM:<%s>" % ALICE)
    t.is_(c.cmd("RCPT TO:<x@example.net>"),
          (554, ["5.7.1 <x@example.net>: Relay access denied"]),
          "not authenticated, not in mynetworks: no relaying")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)),
          (503, ["5.5.1 Error: MAIL transaction in progress"]),
          "AUTH inside a transaction: 503 5.5.1")
    c.cmd("RSET")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)),
          (235, ["2.7.0 Authentication successful"]),
          "AUTH PLAIN with an initial response: 235 2.7.0")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)),
          (503, ["5.5.1 Error: already authenticated"]), "AUTH twice: 503")
    c.cmd("MAIL FROM:<%s>" % ALICE)
    t.is_(c.cmd("RCPT TO:<x@example.net>"), (250, ["2.1.5 Ok"]),
          "authenticated: relaying is allowed")
    c.cmd("QUIT")
    c.close()

    c, r = greet(clear)
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, WRONG)),
          (535, ["5.7.8 Error: authentication failed"]),
          "a wrong password: 535 5.7.8")
    t.is_(c.cmd("AUTH PLAIN " + plain("nobody@example.test", ALICE_PW)),
          (421, ["4.7.0 localhost Error: too many authentication failures"]),
          "the second failure (smtpd_auth_failure_limit=2): 421 4.7.0")
    t.ok(c.closed(), "  and the server hangs up")
    c, r = greet(clear)
    t.is_(c.cmd("AUTH PLAIN " + plain("nobody@example.test", ALICE_PW)),
          (535, ["5.7.8 Error: authentication failed"]),
          "an unknown user: the same 535 5.7.8")
    t.is_(c.cmd("AUTH LOGIN " + b64(ALICE)), (334, ["UGFzc3dvcmQ6"]),
          "AUTH LOGIN with the user as initial response: Password:")
    t.is_(c.cmd(b64(ALICE_PW)), (235, ["2.7.0 Authentication successful"]),
          "  then the password: 235")
    c.close()
    c, r = greet(clear)
    t.is_(c.cmd("AUTH LOGIN"), (334, ["VXNlcm5hbWU6"]),
          "AUTH LOGIN: Username:")
    t.is_(c.cmd("*"), (501, ["5.7.0 Authentication aborted"]),
          "\"*\" cancels: 501 5.7.0")
    t.is_(c.cmd("AUTH PLAIN"), (334, [""]), "AUTH PLAIN without response: 334")
    t.is_(c.cmd("not base64!"), (501, ["5.5.2 Error: cannot decode response"]),
          "a response that is not base64: 501 5.5.2")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW, "bob@example.test")),
          (535, ["5.7.8 Error: authentication failed"]),
          "a PLAIN authorization identity of someone else: 535")
    c.close()
    c, r = greet(clear)
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE.upper(), ALICE_PW, ALICE)),
          (235, ["2.7.0 Authentication successful"]),
          "the user name in any case, authzid = user: 235")
    t.is_(c.cmd("MAIL FROM:<%s> AUTH=<>" % ALICE), (250, ["2.1.0 Ok"]),
          "MAIL FROM with AUTH=<> (RFC 4954 5)")
    c.close()

    if shutil.which("swaks") is None:
        t.skip("swaks is not installed (build-aux/deps.sh)", 4)
    else:
        rc, out = swaks(clear, "--auth", "PLAIN", "--auth-user", ALICE,
                        "--auth-password", ALICE_PW)
        t.ok(rc == 0 and re.search(r"<-\s+235 2\.7\.0", out) and
             re.search(r"<-\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --auth PLAIN: 235, queued")
        content, env = queued_content(inst, out)
        t.like(content, r"^Received: from swaks\.example \(\S+ "
               r"\[127\.0\.0\.1\]\)\r\n\tby localhost \(Postern\) with "
               r"ESMTPA id ", "Received: ESMTPA")
        t.like(env, r"(?m)^attr sasl_method=PLAIN\n(.*\n)*"
               r"attr sasl_username=alice@example\.test$",
               "the queue file records sasl_method and sasl_username")
        rc, out = swaks(clear, "--auth", "LOGIN", "--auth-user", ALICE,
                        "--auth-password", ALICE_PW)
        t.ok(rc == 0 and re.search(r"<-\s+334 UGFzc3dvcmQ6", out) and
             re.search(r"<-\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --auth LOGIN: queued")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: [0-9A-F]+: client=\S+\[127\.0\.0\.1\]"
                       r", sasl_method=PLAIN, sasl_username="
                       r"alice@example\.test$"),
         "log: QID: client=..., sasl_method=PLAIN, sasl_username=...")
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication succeeded "
                       r"for alice@example\.test from 127\.0\.0\.1 "
                       r"\(cleartext\)$"), "auth logs the success")
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication failed "
                       r"for alice@example\.test from 127\.0\.0\.1: bad "
                       r"password$"), "auth logs a bad password")
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication failed "
                       r"for nobody@example\.test from 127\.0\.0\.1: "
                       r"unknown user$"), "auth logs an unknown user")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: \S+\[127\.0\.0\.1\]: SASL "
                       r"PLAIN authentication failed: authentication "
                       r"failure$"), "smtpd logs the failure as Postfix does")
    t.ok(inst.wait_log(r"disconnect from \S+\[127\.0\.0\.1\] ehlo=1 "
                       r"auth=0/2 commands=1/3$"),
         "auth=0/2 on the disconnect line")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: debug: < \S+: AUTH PLAIN$"),
         "the debug log shows AUTH PLAIN, not the response")

    # --- with TLS (smtpd_tls_auth_only = yes, the default) -------------
    c, r = greet(tls)
    t.ok(r and "STARTTLS" in r[1] and not any("AUTH" in x for x in r[1]),
         "before STARTTLS: no AUTH offered")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)),
          (538, ["5.7.11 Encryption required for requested authentication "
                 "mechanism"]), "AUTH before TLS: 538 5.7.11")
    c.close()

    s = smtplib.SMTP("localhost", tls, local_hostname="client.example",
                     timeout=30)
    s.starttls(context=ssl.create_default_context(cafile=cafile))
    s.ehlo()
    t.ok(s.has_extn("auth") and "PLAIN" in s.esmtp_features.get("auth", ""),
         "after STARTTLS: AUTH PLAIN LOGIN offered")
    try:
        code, text = s.login(ALICE, ALICE_PW)
    except smtplib.SMTPException as e:
        code, text = -1, str(e).encode()
    t.is_((code, text), (235, b"2.7.0 Authentication successful"),
          "smtplib starttls + login: 235 2.7.0")
    t.is_(s.sendmail(ALICE, ["x@example.net"], MSG), {},
          "  then it relays a message")
    s.quit()
    qids = re.findall(r"smtpd\[\d+\]: ([0-9A-F]+): client=\S+, sasl_method",
                      inst.log())
    content = env = None
    if qids:
        p = wait_queued(inst, qids[-1])
        if p:
            content = (qcat(p, "-c") or b"").decode("utf-8", "replace")
            env = envelope(p)
    t.like(content, r"^Received: from client\.example \(\S+ \[127\.0\.0\.1\]"
           r"\)\r\n\t\(using TLSv1\.3 [^\r]*\r\n(\t[^\r]*\r\n)*\tby "
           r"localhost \(Postern\) with ESMTPSA id ",
           "Received: ESMTPSA with the TLS clause")
    t.ok(content is not None and all(p not in content and b64(p) not in
                                     content for p in PASSWORDS),
         "no password in the message or its Received: field")
    t.ok(env is not None and all(p not in env for p in PASSWORDS),
         "no password in the queue file's envelope")
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication succeeded "
                       r"for alice@example\.test from 127\.0\.0\.1 \(TLS\)$"),
         "auth logs the success over TLS")

    if shutil.which("swaks") is None:
        t.skip("swaks is not installed (build-aux/deps.sh)", 2)
    else:
        rc, out = swaks(tls, "--tls", "--auth", "LOGIN", "--auth-user",
                        ALICE, "--auth-password", ALICE_PW)
        t.ok(rc == 0 and re.search(r"<~\s+235 2\.7\.0", out) and
             re.search(r"<~\s+250 2\.0\.0 Ok: queued as", out),
             "swaks --tls --auth LOGIN: 235, queued")
        rc, out = swaks(tls, "--tls", "--auth", "PLAIN", "--auth-user",
                        ALICE, "--auth-password", WRONG)
        t.ok(re.search(r"<~\*\s+535 5\.7\.8 Error: authentication failed",
                       out), "swaks --tls --auth PLAIN, wrong password: 535")

    # --- the users table is read again when `postern user` changes it ----
    c, r = greet(clear)
    t.is_(c.cmd("AUTH PLAIN " + plain(BOB, BOB_PW))[0], 535,
          "a user not yet added: 535")
    c.close()
    t.ok(add_user(t, inst, BOB, BOB_PW), "postern user add while running")
    c, r = greet(clear)
    t.is_(c.cmd("AUTH PLAIN " + plain(BOB, BOB_PW)),
          (235, ["2.7.0 Authentication successful"]),
          "  the new user logs in without a restart")
    c.close()

    if mode == "root":
        pids = auth_pids(inst)
        t.is_(len(pids), 1, "one auth process")
        for pid in pids[:1]:
            inst.check_privs(pid, chroot=False)
    no_secret_in_log(t, inst)
    inst.teardown(expect=[r"SASL (PLAIN|LOGIN) authentication failed"])


run(main)

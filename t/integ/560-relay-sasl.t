#!/usr/bin/env python3
# Client SASL for a relayhost: A sends everything through relayhost
# [127.0.0.2]:PORT, B's submission service (STARTTLS required, AUTH),
# logging in with the username and password of smtp_sasl_password_maps.
# A wrong password defers (4.7.0); a server that offers AUTH without TLS
# gets no password at all (deferred). No password in A's log.
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import relaytest  # noqa: E402
from auth_t import AUTH_LINE, add_user, template_services  # noqa

PASSWORD = "s3cret-relay-pw"


def main(t, mode):
    lines, ports = template_services([87])
    sub = ports[87]
    port = relaytest.free_port()
    notls = relaytest.Peer(t, addr="127.0.0.4", port=port,
                           name="notls.example",
                           ehlo=("PIPELINING", "AUTH PLAIN LOGIN")).start()
    d = tempfile.mkdtemp(prefix="relay-sasl.")
    os.chmod(d, 0o755)
    good = os.path.join(d, "passwords")
    with open(good, "w") as f:
        f.write("[127.0.0.2]:%d relayuser@b.example:%s\n"
                "[127.0.0.4]:%d someone:%s\n" % (sub, PASSWORD, port,
                                                PASSWORD))
    bad = os.path.join(d, "badpasswords")
    with open(bad, "w") as f:
        f.write("[127.0.0.2]:%d relayuser@b.example:wrong-password\n" % sub)
    for x in (good, bad):
        os.chmod(x, 0o644)
    p = relaytest.Pair(
        t, mode, b_services=lines + [AUTH_LINE],
        a_main={"relayhost": "[127.0.0.2]:%d" % sub,
                "smtp_sasl_auth_enable": "yes",
                "smtp_sasl_password_maps": "texthash:" + good,
                "smtp_tls_security_level": "encrypt",
                "transport_maps": "inline:{wrongpw@b.example=badpw:"
                "[127.0.0.2]:%d, nt@b.example=notls:[127.0.0.4]:%d}" %
                (sub, port)},
        a_services=["badpw unix - - y - - relay "
                    "-o smtp_sasl_password_maps=texthash:" + bad,
                    "notls unix - - y - - relay "
                    "-o smtp_tls_security_level=may"])
    add_user(t, p.b, "relayuser@b.example", PASSWORD)
    p.b_user("friend@b.example")
    p.start()

    qid = p.a_send("friend@b.example", sender="relayuser@b.example")
    t.ok(p.wait_b_maildir(1, "friend@b.example"),
         "relayed through the relayhost's submission port with AUTH")
    t.ok(p.a.wait_log(r"%s: to=<friend@b\.example>, relay=127\.0\.0\.2\["
                      r"127\.0\.0\.2\]:%d, .*status=sent" % (qid, sub)),
         "relay= is the relayhost")
    t.ok(p.b.wait_log(r"postern/smtpd\[\d+\]: \w+: client=.*sasl_method="
                      r"PLAIN, sasl_username=relayuser@b\.example"),
         "B saw the login (PLAIN, inside TLS)")
    t.ok(p.a.wait_log(r"TLS connection established to 127\.0\.0\.2\["
                      r"127\.0\.0\.2\]:%d" % sub), "inside TLS")

    qid = p.a_send("wrongpw@b.example", sender="relayuser@b.example")
    t.ok(p.a.wait_log(r"%s: to=<wrongpw@b\.example>, .*dsn=4\.7\.0, "
                      r"status=deferred \(SASL authentication failed; "
                      r"server 127\.0\.0\.2\[127\.0\.0\.2\] said: 535 "
                      % qid), "a wrong password: deferred 4.7.0")

    qid = p.a_send("nt@b.example", sender="relayuser@b.example")
    t.ok(p.a.wait_log(r"%s: to=<nt@b\.example>, .*dsn=4\.7\.0, "
                      r"status=deferred \(SASL authentication to "
                      r"127\.0\.0\.4\[127\.0\.0\.4\] refused without TLS"
                      % qid), "AUTH offered without TLS: no login, deferred")
    t.ok(not any(ln.upper().startswith("AUTH") for s in notls.sessions
                 for ln in s["lines"]), "the password never went out")
    t.ok(PASSWORD not in p.a.log() and PASSWORD not in p.b.log(),
         "no password in the logs")
    notls.stop()
    p.teardown(b_expect=[r"authentication failed", r"SASL .* failed"])


relaytest.run_or_skip(main, ["auth/auth"])

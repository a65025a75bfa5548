#!/usr/bin/env python3
# Failed logins are answered after auth_failure_delay without holding up
# anyone else (one auth process, a timer per answer); failures are
# counted per client address and per user name, and past
# auth_client_failure_limit / auth_user_failure_limit every attempt
# fails at once with 454 4.7.0, even with the right password.
#
# Clients come from different loopback addresses (127.0.0.N) so that
# auth sees different clients.
# check: slow
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
for prog in ("smtpd/smtpd", "auth/auth"):
    if not os.access(os.path.join(TOP, prog), os.X_OK):
        print("1..0 # SKIP %s is not built here" % prog)
        sys.exit(0)
from auth_t import (PASSWORDS, RawFrom, auth_instance,  # noqa: E402
                    no_secret_in_log, plain)

ALICE, ALICE_PW = "alice@example.test", PASSWORDS[0]
WRONG = PASSWORDS[1]
BOB, BOB_PW = "bob@example.test", PASSWORDS[2]
CAROL, CAROL_PW = "carol@example.test", PASSWORDS[3]
OK235 = (235, ["2.7.0 Authentication successful"])
FAIL535 = (535, ["5.7.8 Error: authentication failed"])
THROTTLED = (454, ["4.7.0 Temporary authentication failure: too many "
                   "failed logins, try again later"])


def session(port, src):
    c = RawFrom(port, src)
    c.reply()
    c.cmd("EHLO client.example")
    return c


def main(t, mode):
    inst, (port,) = auth_instance(
        t, mode, main={"auth_failure_delay": "5s",
                       "auth_client_failure_limit": "3",
                       "auth_user_failure_limit": "4",
                       "auth_throttle_time": "1h"},
        users={ALICE: ALICE_PW, BOB: BOB_PW, CAROL: CAROL_PW},
        opts=[["smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=no",
               "smtpd_auth_failure_limit=10"]])

    # three wrong passwords from 127.0.0.2 at once: all held back
    bad = [session(port, "127.0.0.2") for _ in range(3)]
    for c in bad:
        c.send("AUTH PLAIN %s\r\n" % plain(ALICE, WRONG))
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication failed for "
                       r"alice@example\.test from 127\.0\.0\.2: bad "
                       r"password$", count=3),
         "auth has refused three passwords from 127.0.0.2")
    c = session(port, "127.0.0.3")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)), OK235,
          "meanwhile another client logs in at once")
    c.close()
    t.ok(not any(b.pending() for b in bad),
         "the failures are not answered yet (auth_failure_delay)")
    t.is_([b.reply() for b in bad], [FAIL535] * 3,
          "then each gets 535 5.7.8")
    for b in bad:
        b.close()
    t.ok(inst.wait_log(r"auth\[\d+\]: warning: client 127\.0\.0\.2: 3 "
                       r"authentication failures in 3600s"),
         "auth warns when a client reaches the limit")

    c = session(port, "127.0.0.2")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)), THROTTLED,
          "the client is throttled: 454 4.7.0, even with the right password")
    t.is_(c.cmd("AUTH PLAIN " + plain(BOB, BOB_PW)), THROTTLED,
          "  for every user")
    c.close()
    t.ok(inst.wait_log(r"auth\[\d+\]: smtpd PLAIN authentication throttled "
                       r"for bob@example\.test from 127\.0\.0\.2: 3 failures "
                       r"from this client in 3600s; retry in \d+s$"),
         "auth logs the throttled attempt")

    # four clients guess carol's password at once: the user is throttled
    bad = [session(port, "127.0.0.%d" % n) for n in range(4, 8)]
    for c in bad:
        c.send("AUTH PLAIN %s\r\n" % plain(CAROL, WRONG))
    t.is_([b.reply() for b in bad], [FAIL535] * 4,
          "four clients with wrong passwords for carol: 535 each")
    for b in bad:
        b.close()
    t.ok(inst.wait_log(r"auth\[\d+\]: warning: user carol@example\.test: 4 "
                       r"authentication failures in 3600s"),
         "auth warns when a user reaches the limit")
    c = session(port, "127.0.0.8")
    t.is_(c.cmd("AUTH PLAIN " + plain(CAROL, CAROL_PW)), THROTTLED,
          "carol from a fifth client, right password: 454 4.7.0")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)), OK235,
          "alice from that client: 235")
    c.close()
    t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: \S+\[127\.0\.0\.8\]: SASL "
                       r"PLAIN authentication failed: too many failed "
                       r"logins$"), "smtpd logs the throttled attempt")
    no_secret_in_log(t, inst)
    inst.teardown(expect=[r"SASL PLAIN authentication failed",
                          r"auth\[\d+\]: warning: (client|user) \S+: \d+ "
                          r"authentication failures in"])


run(main)

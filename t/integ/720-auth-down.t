#!/usr/bin/env python3
# The auth service down, hung or crashing: a login then fails with 454
# 4.7.0 (temporary), never succeeds, whatever the password; the master
# restarts a killed auth on the next login.
#   - its socket gone (renamed away): 454, then 235 once it is back;
#   - the process stopped (SIGSTOP): 454 after auth_request_timeout;
#   - kill -9 while it holds a failure's answer back: 454, not 535;
#     the next login starts a new auth process: 235.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run, wait_for  # noqa: E402
for prog in ("smtpd/smtpd", "auth/auth"):
    if not os.access(os.path.join(TOP, prog), os.X_OK):
        print("1..0 # SKIP %s is not built here" % prog)
        sys.exit(0)
from auth_t import (PASSWORDS, Raw, auth_instance, auth_pids,  # noqa: E402
                    no_secret_in_log, plain)

ALICE, ALICE_PW = "alice@example.test", PASSWORDS[0]
WRONG = PASSWORDS[1]
OK235 = (235, ["2.7.0 Authentication successful"])
TEMP454 = (454, ["4.7.0 Temporary authentication failure"])


def login(port, password=ALICE_PW):
    c = Raw(port)
    c.reply()
    c.cmd("EHLO client.example")
    r = c.cmd("AUTH PLAIN " + plain(ALICE, password))
    c.close()
    return r


def main(t, mode):
    inst, (port,) = auth_instance(
        t, mode, main={"auth_failure_delay": "10s"},
        users={ALICE: ALICE_PW},
        opts=[["smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=no",
               "auth_request_timeout=3s"]])
    sock = os.path.join(inst.spool, "private", "auth")

    t.is_(login(port), OK235, "the service up: 235")
    pids = auth_pids(inst)
    t.is_(len(pids), 1, "one auth process")

    os.rename(sock, sock + ".away")
    t.is_(login(port), TEMP454, "the socket gone, the right password: "
          "454 4.7.0")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: \S+: SASL PLAIN "
                       r"authentication failed: auth service: connect to "
                       r"private/auth: No such file or directory$"),
         "  smtpd says why")
    os.rename(sock + ".away", sock)
    t.is_(login(port), OK235, "the socket back: 235")

    if pids:
        os.kill(pids[0], signal.SIGSTOP)
        t.is_(login(port), TEMP454, "the process stopped: 454 4.7.0 (after "
              "auth_request_timeout)")
        t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: \S+: SASL PLAIN "
                           r"authentication failed: auth service: "
                           r"private/auth: timed out"), "  smtpd says why")
        os.kill(pids[0], signal.SIGCONT)

        # a failure's answer is held back for 10s: kill auth meanwhile
        c = Raw(port)
        c.reply()
        c.cmd("EHLO client.example")
        c.send("AUTH PLAIN %s\r\n" % plain(ALICE, WRONG))
        t.ok(inst.wait_log(r"auth\[%d\]: smtpd PLAIN authentication failed "
                           r"for alice@example\.test" % pids[0]),
             "auth has refused the password and holds the answer back")
        os.kill(pids[0], signal.SIGKILL)
        t.is_(c.reply(), TEMP454, "auth killed before it answered: 454 "
              "4.7.0, not 535")
        t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: \S+: SASL PLAIN "
                           r"authentication failed: auth service: "
                           r"private/auth: connection closed by the "
                           r"service before it answered$"), "  smtpd says why")
        t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)), OK235,
              "the next login, same session: the master starts a new auth: "
              "235")
        c.close()
        new = auth_pids(inst)
        t.ok(len(new) == 1 and new[0] != pids[0], "a new auth process")
    else:
        t.skip("no auth process found", 7)
    no_secret_in_log(t, inst)
    inst.teardown(expect=[r"SASL PLAIN authentication failed: auth service",
                          r"master\[\d+\]: warning: .*auth.*signal 9"])


run(main)

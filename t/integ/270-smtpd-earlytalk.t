#!/usr/bin/env python3
# smtpd: early talkers. A client outside mynetworks that sends before the
# 220 greeting (within smtpd_greet_pause) gets 554 5.5.0 and is
# disconnected; a patient client is served; the check can be turned
# off, and mynetworks is not paused.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import Raw, smtpd_instance  # noqa: E402


def main(t, mode):
    inst, (port, port_allow, port_mynet) = smtpd_instance(
        t, mode, main={"mynetworks": "192.0.2.0/24",
                       "smtpd_greet_pause": "2s"}, ports=3,
        opts=[[], ["smtpd_reject_early_talkers=no"],
              ["mynetworks=127.0.0.0/8"]])

    c = Raw(port)
    c.send(b"EHLO early.example\r\nMAIL FROM:<spam@example.org>\r\n")
    t.is_(c.reply(), (554, ["5.5.0 localhost Error: SMTP protocol "
                            "synchronization (talked before the greeting)"]),
          "an early talker gets 554 5.5.0 instead of the greeting")
    t.ok(c.closed(), "and is disconnected")
    c.close()
    t.ok(inst.wait_log(r"NOQUEUE: reject: CONNECT from \S+\[127\.0\.0\.1\]: "
                       r"554 5\.5\.0 localhost Error: SMTP protocol "
                       r"synchronization \(talked before the greeting\); "
                       r"proto=SMTP helo=<>"), "log: the reject")
    t.ok(inst.wait_log(r"disconnect from \S+\[127\.0\.0\.1\] commands=0$"),
         "log: disconnect, no command served")

    c = Raw(port)
    t.is_(c.reply(), (220, ["localhost ESMTP Postern"]),
          "a patient client gets the greeting after the pause")
    t.is_(c.cmd("EHLO patient.example")[0], 250, "and is served")
    c.cmd("QUIT")
    c.close()

    c = Raw(port_allow)
    c.send(b"EHLO early.example\r\n")
    t.is_(c.reply(), (220, ["localhost ESMTP Postern"]),
          "smtpd_reject_early_talkers = no: the greeting")
    t.is_(c.reply()[0], 250, "and the early EHLO is answered")
    c.cmd("QUIT")
    c.close()
    t.ok(inst.wait_log(r"pregreet from \S+\[127\.0\.0\.1\] \(early talker; "
                       r"allowed\)"), "log: the early talker is noted")

    c = Raw(port_mynet)
    c.send(b"EHLO trusted.example\r\n")
    t.is_(c.reply(), (220, ["localhost ESMTP Postern"]),
          "a client in mynetworks is not held back")
    t.is_(c.reply()[0], 250, "its pipelined EHLO is answered")
    c.cmd("QUIT")
    c.close()
    inst.teardown()


run(main)

#!/usr/bin/env python3
# syslog_name: every log line begins NAME/PROGRAM, as in Postfix, and a
# master.cf service may have a name of its own ("-o
# syslog_name=NAME/submission"), so that the submission port's lines
# can be told from port 25's; a name with other characters is refused
# with a warning, and that process keeps the default name.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import Raw, smtpd_instance  # noqa: E402


def talk(port, helo):
    c = Raw(port)
    c.reply()
    c.cmd("EHLO %s" % helo)
    c.cmd("QUIT")
    c.close()


def main(t, mode):
    inst, (port, sub, bad) = smtpd_instance(
        t, mode, main={"syslog_name": "mailhub", "syslog_facility": "local3"},
        ports=3, opts=[[], ["syslog_name=mailhub/submission"],
                       ["syslog_name=bad:name"]])
    talk(port, "one.example")
    talk(sub, "two.example")
    talk(bad, "three.example")
    t.ok(inst.wait_log(r"^mailhub/master\[\d+\]: daemon started"),
         "the master's lines begin mailhub/master")
    t.ok(inst.wait_log(r"^mailhub/smtpd\[\d+\]: connect from "),
         "port 25's smtpd: mailhub/smtpd")
    t.ok(inst.wait_log(r"^mailhub/submission/smtpd\[\d+\]: connect from "),
         "-o syslog_name=mailhub/submission: mailhub/submission/smtpd")
    t.ok(inst.wait_log(r"^postern/smtpd\[\d+\]: warning: syslog_name "
                       r"\"bad:name\": only letters"),
         "a name with a colon: a warning, and that service's lines have "
         "the default name")
    stray = [line for line in inst.log().splitlines()
             if line.startswith("postern/") and "three.example" not in line
             and "bad:name" not in line and "connect from" not in line]
    t.ok(not stray, "no other line begins with the default postern/")
    for line in stray[:5]:
        t.diag(line)


run(main)

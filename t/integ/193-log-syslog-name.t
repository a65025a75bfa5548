#!/usr/bin/env python3
# syslog_name: every log line begins NAME/PROGRAM, as in Postfix, and a
# master.cf service may have a name of its own ("-o
# syslog_name=NAME/submission"), so that the submission port's lines
# can be told from port 25's; a name with other characters is a
# configuration error (`postern check` names its file and line).
import os
import re
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
    inst, (port, sub) = smtpd_instance(
        t, mode, main={"syslog_name": "mailhub", "syslog_facility": "local3"},
        ports=2, opts=[[], ["syslog_name=mailhub/submission"]])
    talk(port, "one.example")
    talk(sub, "two.example")
    t.ok(inst.wait_log(r"^mailhub/master\[\d+\]: daemon started"),
         "the master's lines begin mailhub/master")
    t.ok(inst.wait_log(r"^mailhub/smtpd\[\d+\]: connect from "),
         "port 25's smtpd: mailhub/smtpd")
    t.ok(inst.wait_log(r"^mailhub/submission/smtpd\[\d+\]: connect from "),
         "-o syslog_name=mailhub/submission: mailhub/submission/smtpd")
    stray = [line for line in inst.log().splitlines()
             if line.startswith("postern/")]
    t.ok(not stray, "no line begins with the default postern/")
    for line in stray[:5]:
        t.diag(line)

    # a name outside the log grammar: a configuration error with its
    # file and line, from `postern check` and from a reload
    with open(os.path.join(inst.etc, "main.cf"), "a") as f:
        f.write("syslog_name = mail:hub\n")
    r = inst.postern("check")
    t.ok(r.returncode != 0 and re.search(
        r"main\.cf:\d+: syslog_name: bad value \"mail:hub\": a log name "
        r"is letters, digits", r.stdout + r.stderr),
        "check: main.cf:LINE: syslog_name: bad value, and why")
    for line in (r.stdout + r.stderr).splitlines():
        if "syslog_name" in line:
            t.diag(line)
    inst.teardown()


run(main)

#!/usr/bin/env python3
# qmgr: pflogsumm (Debian's Postfix log summariser) counts our log: the
# log lines are in the shape Postfix log tools expect.
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402


def main(t, mode):
    pfl = shutil.which("pflogsumm") or "/usr/sbin/pflogsumm"
    if not os.access(pfl, os.X_OK):
        t.skip("pflogsumm is not installed (build-aux/deps.sh)", 6)
        return
    inst = q.instance(t, mode)
    q.start(inst)
    for i in range(3):
        q.qput(inst, "sender@example.test", [q.USER], subject="s%d" % i)
    q.qput(inst, "sender@example.test", ["nobody@example.test"],
           subject="bounce")
    q.qput(inst, "sender@example.test", ["far@remote.test"],
           subject="defer")
    t.ok(q.wait_maildir(inst, 3), "three deliveries")
    t.ok(inst.wait_log(r"to=<nobody@example\.test>.*status=bounced"),
         "one bounce")
    t.ok(inst.wait_log(r"to=<far@remote\.test>.*status=deferred"),
         "one deferral")
    wait_for(lambda: not q.queue_files(inst, "incoming") and
             not q.queue_files(inst, "active"), "a quiet queue", t)
    inst.stop()
    # syslog adds the time stamp and host; our stderr log has neither
    stamp = time.strftime("%b %e %H:%M:%S")
    lines = ["%s testhost %s" % (stamp, line)
             for line in inst.log().splitlines()]
    path = os.path.join(inst.dir, "maillog")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([pfl, "--syslog-name=postern", path],
                       capture_output=True, text=True)
    t.is_(r.returncode, 0, "pflogsumm runs")
    out = r.stdout

    def count(what):
        m = re.search(r"^\s*(\d+)\s+%s\b" % what, out, re.M)
        return int(m.group(1)) if m else None
    t.ok((count("delivered") or 0) >= 3, "pflogsumm counts the deliveries")
    t.ok((count("bounced") or 0) >= 1, "pflogsumm counts the bounce")
    t.ok((count("deferred") or 0) >= 1, "pflogsumm counts the deferral")
    if not t.ok(re.search(r"example\.test", out),
                "recipient domains appear"):
        t.diag(out)
    inst.teardown(expect=[r"connect to transport private/smtp"])


if q.have_programs(None):
    run(main)

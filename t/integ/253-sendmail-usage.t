#!/usr/bin/env python3
# sendmail: what needs no running smtpd. Bad usage exits 64, a mail
# system that is down exits 75 with a clear message (also for -bs and
# -q), a broken main.cf exits 78, and mailq on an empty or unreadable
# queue.
import os
import pwd
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, TEST_USER, run, wait_for  # noqa: E402
try:
    from anvil_t import have, sendmail  # noqa: E402
except ImportError:     # a copy of the tree without t/lib/anvil_t.py
    print("1..0 # SKIP t/lib/anvil_t.py is not here")
    sys.exit(0)

MSG = b"Subject: test\n\nhello\n"


def main(t, mode):
    inst = Instance(t, mode=mode, services=["anvil unix - - y - 1 anvil"])

    def sm(args, data=MSG, **kw):
        r = sendmail(inst, args, data, **kw)
        return r.returncode, r.stdout.decode(errors="replace"), \
            r.stderr.decode(errors="replace")

    # bad usage: 64, before anything is read or sent
    for args, what, pat in [
            (["-Z", "root"], "an unknown option", r"unknown option -Z"),
            (["-f"], "-f without its argument", r"missing argument for -f"),
            ([], "no recipients and no -t", r"no recipients"),
            (["-bd"], "-bd (daemon mode)", r"postern start"),
            (["-bi", "root"], "-bi with a recipient",
             r"recipients are given only to deliver"),
            (["-R", "bogus", "root"], "-R with a bad value",
             r"-R takes full or hdrs"),
            (["-f", "a@@b", "root"], "a malformed -f address", r"-f a@@b"),
            (["a@b@c"], "a malformed recipient", r"recipient \"a@b@c\""),
    ]:
        rc, out, err = sm(args)
        t.is_(rc, 64, "exit 64 for %s" % what)
        t.like(err, pat, "and it says why (%s)" % what)
    rc, out, err = sm(["-t"], b"Subject: no one\n\nbody\n")
    t.is_(rc, 64, "-t with no To:, Cc: or Bcc: exits 64")
    t.like(err, r"no recipient addresses found in the message header",
           "and says so")
    t.like(err, r"usage:|no recipient", "a usage problem, not a system one")

    # the mail system is down: not started, so no public/submit socket
    rc, out, err = sm(["root"])
    t.is_(rc, 75, "the system is down: exit 75 (EX_TEMPFAIL)")
    t.like(err, r"the mail system is down: cannot connect to \S+/public/"
           r"submit: No such file or directory", "a clear message")
    t.like(err, r"message not sent; try again later", "nothing was sent")
    rc, out, err = sm(["-bs"], b"EHLO x\r\nQUIT\r\n")
    t.is_(rc, 75, "-bs when down: exit 75")
    t.like(out, r"^421 4\.3\.2 \S+ Service not available", "and a 421 "
           "greeting for the SMTP client on standard output")
    rc, out, err = sm(["-q"], b"")
    t.is_(rc, 75, "-q when the queue manager is not running: exit 75")
    t.like(err, r"the queue manager is not running", "and says so")

    # the queue
    rc, out, err = sm([], b"", name="mailq")
    t.is_((rc, out), (0, "Mail queue is empty\n"),
          "mailq (the name) on an empty queue")
    rc, out, err = sm(["-bp"], b"")
    t.is_((rc, out), (0, "Mail queue is empty\n"), "sendmail -bp the same")
    if mode == "root":
        inc = os.path.join(inst.spool, "incoming")
        os.makedirs(inc, exist_ok=True)
        pw = pwd.getpwnam(TEST_USER)
        os.chown(inc, pw.pw_uid, pw.pw_gid)
        os.chmod(inc, 0o700)
        rc, out, err = sm(["-bp"], b"", user="nobody")
        t.is_(rc, 77, "mailq by a user who cannot read the queue: 77")
        t.like(err, r"cannot read the queue .*Permission denied.*run "
               r"mailq as root or %s" % TEST_USER, "with an explanation")
    else:
        t.skip("not root: no other user to run mailq as", 2)

    # with the queue manager running: -q wakes it, mailq is its listing
    if have("qmgr/qmgr"):
        inst.write_master_cf(["qmgr unix n - n 300 1 qmgr"])
        inst.start()
        # qmgr is ready once its control socket is there
        wait_for(lambda: os.path.exists(os.path.join(
            inst.spool, "private", "qmgr-ctl")), "qmgr to be ready", t)
        rc, out, err = sm(["-q"], b"")
        t.is_((rc, err), (0, ""), "-q: the flush request goes to qmgr")
        rc, out, err = sm([], b"", name="mailq")
        t.is_((rc, out), (0, "Mail queue is empty\n"),
              "mailq through qmgr's listing")
        if mode == "root":
            rc, out, err = sm([], b"", name="mailq", user="nobody")
            t.is_(rc, 77, "nobody cannot reach qmgr's control socket "
                  "nor read the queue: 77")
        else:
            t.skip("not root: no other user to run mailq as")
        inst.stop()
    else:
        t.skip("qmgr is not built here", 3)

    # a broken main.cf
    with open(os.path.join(inst.etc, "main.cf"), "a") as f:
        f.write("message_size_limit = lots\n")
    rc, out, err = sm(["root"])
    t.is_(rc, 78, "a bad main.cf: exit 78 (EX_CONFIG)")
    t.like(err, r"main\.cf:\d+: message_size_limit", "naming file:line")
    inst.teardown()


run(main)

#!/usr/bin/env python3
# smtpd: swaks, the admin's SMTP test tool, against smtpd: a plain
# submission, a pipelined one, dots in the body, and the rejects it
# reports (relay denied, unknown user, over-size).
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import content_body, smtpd_instance, wait_queued  # noqa: E402


def swaks(port, *args):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % port,
                        "--timeout", "30", "--helo", "swaks.example"] +
                       list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def qid_of(out):
    m = re.search(r"<-\s+250 2\.0\.0 Ok: queued as ([0-9A-F]+)", out)
    return m.group(1) if m else None


def main(t, mode):
    if shutil.which("swaks") is None:
        t.skip("swaks is not installed (build-aux/deps.sh)", 9)
        return
    inst, (port, port_out) = smtpd_instance(
        t, mode, main={"message_size_limit": "100000"}, ports=2,
        opts=[[], ["mynetworks=192.0.2.0/24", "smtpd_greet_pause=0"]])

    rc, out = swaks(port, "--from", "a@example.org", "--to", "b@example.net",
                    "--body", "Hello from swaks")
    t.is_(rc, 0, "swaks: a plain message is accepted")
    q = qid_of(out)
    t.ok(q is not None and wait_queued(inst, q), "and queued")

    body = ".leading dot\r\n..two dots\r\n.\r\nend"
    rc, out = swaks(port, "--pipeline", "--from", "a@example.org",
                    "--to", "b@example.net,c@example.net", "--data",
                    "Subject: piped\r\n\r\n" + body)
    t.is_(rc, 0, "swaks --pipeline: accepted")
    t.like(out, r" -> MAIL FROM:<a@example\.org>\n -> RCPT TO:<b@example\."
           r"net>\n -> RCPT TO:<c@example\.net>\n -> DATA\n<-\s+250 2\.1\.0 "
           r"Ok\n<-\s+250 2\.1\.5 Ok\n<-\s+250 2\.1\.5 Ok\n<-\s+354 ",
           "one batch sent, the replies in order")
    q = qid_of(out)
    p = wait_queued(inst, q) if q else None
    t.is_(content_body(p) if p else None,
          ("Subject: piped\r\n\r\n" + body + "\r\n").encode(),
          "dots in the body survive swaks' stuffing and our unstuffing")

    rc, out = swaks(port_out, "--from", "a@example.org",
                    "--to", "b@example.net")
    t.ok(rc != 0 and re.search(r"<\*\* 554 5\.7\.1 <b@example\.net>: Relay "
                               r"access denied", out),
         "swaks sees: 554 5.7.1 Relay access denied")
    rc, out = swaks(port, "--from", "a@example.org",
                    "--to", "nobody@example.test")
    t.ok(rc != 0 and re.search(r"<\*\* 550 5\.1\.1 <nobody@example\.test>: "
                               r"Recipient address rejected: User unknown",
                               out), "swaks sees: 550 5.1.1 User unknown")
    big = os.path.join(inst.dir, "big.txt")
    with open(big, "w") as f:
        f.write(("x" * 76 + "\n") * 2000)
    rc, out = swaks(port, "--from", "a@example.org", "--to", "b@example.net",
                    "--body", big)
    t.ok(rc != 0 and re.search(r"<\*\* 552 5\.3\.4 Error: message file too "
                               r"big", out), "swaks sees: 552 5.3.4")
    rc, out = swaks(port, "--quit-after", "EHLO")
    t.like(out, r"<-\s+250-PIPELINING", "swaks sees the EHLO keywords")
    inst.teardown()


run(main)

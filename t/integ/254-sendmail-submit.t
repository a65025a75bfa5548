#!/usr/bin/env python3
# sendmail with smtpd on the local submission socket, as scripts and cron
# use it: echo ... | sendmail -t, sendmail -f x -i rcpt < file, a lone dot
# with and without -i, -bs, the envelope sender from the uid, -f refused
# for an unprivileged user, refused recipients and their exit status,
# and mailq's listing. Checked in the queue files (t/bin/qcat).
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, TEST_USER, run  # noqa: E402
try:
    from anvil_t import have, qcat, qfiles, sendmail, sendmail_path  # noqa
except ImportError:     # a copy of the tree without t/lib/anvil_t.py
    have = None
if have is None or not have("smtpd/smtpd", "t/bin/qcat"):
    print("1..0 # SKIP smtpd or t/bin/qcat is not here")
    sys.exit(0)


class Queue:
    """Finds the queue file a submission made."""

    def __init__(self, inst):
        self.inst = inst
        self.seen = set(qfiles(inst))

    def new(self):
        now = set(qfiles(self.inst))
        fresh = sorted(now - self.seen)
        self.seen = now
        return fresh

    def one(self, t, what):
        fresh = self.new()
        if not t.is_(len(fresh), 1, "%s: one new queue file" % what):
            return None, None
        env = qcat(fresh[0], "-e").decode(errors="replace")
        body = qcat(fresh[0], "-c")
        return env, body


def main(t, mode):
    login = pwd.getpwuid(os.geteuid()).pw_name
    inst = Instance(t, mode=mode, main={
        "smtpd_peername_lookup": "no",
        "virtual_mailbox_maps": "inline:{known@example.test=known/}",
        "local_login_sender_maps": "inline:{nobody=@example.org}",
        "message_size_limit": "100000",
    }, services=["submit unix n - n - - smtpd -o smtpd_local_submission=yes"])
    inst.start()
    q = Queue(inst)
    sm_path = sendmail_path(inst)
    uid = os.geteuid()

    # cron-style: a pipe into sendmail -t, through the shell
    r = subprocess.run(
        "printf 'To: Someone <a@example.net>, b@example.net\\n"
        "Cc: (copy) c@example.net\\nBcc: hidden@example.net\\n"
        "Subject: cron output\\n\\ndone\\n' | %s -C %s -t" %
        (sm_path, inst.etc), shell=True, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "NAME": "Cron Daemon"})
    t.is_((r.returncode, r.stderr), (0, ""), "echo ... | sendmail -t: exit 0")
    env, body = q.one(t, "-t")
    if env:
        t.like(env, r"(?m)^sender <%s@example\.test>$" % re.escape(login),
               "envelope sender: the uid's user @ myorigin")
        t.like(env, r"(?m)^attr local_uid=%d$" % uid, "local_uid=%d" % uid)
        t.is_(re.findall(r"(?m)^rcpt <([^>]*)>", env),
              ["a@example.net", "b@example.net", "c@example.net",
               "hidden@example.net"], "recipients from To:, Cc: and Bcc:")
        text = body.decode(errors="replace")
        t.ok("hidden" not in text and "Bcc:" not in text,
             "the Bcc: field is gone from the message")
        t.like(text, r"(?m)^From: Cron Daemon <%s@example\.test>\r$" %
               re.escape(login), "From: added, with $NAME as the full name")
        t.like(text, r"(?m)^Received: by \S+ \(Postern, from userid %d\)" %
               uid, "Received: from userid")
        t.like(text, r"(?m)^Date: ", "Date: added by smtpd")
        t.like(text, r"(?m)^Message-ID: <", "Message-ID: added by smtpd")
        t.ok(text.endswith("\r\n\r\ndone\r\n"), "the body, CR LF")

    # sendmail -f x -i rcpt < file: a lone dot is data with -i
    path = os.path.join(inst.dir, "report.txt")
    with open(path, "wb") as f:
        f.write(b"Subject: report\n\nline 1\n.\n..two\nlast line, no LF")
    with open(path, "rb") as f:
        r = sendmail(inst, ["-f", "<backup@example.org>", "-i",
                            "admin@example.net"], f.read())
    t.is_(r.returncode, 0, "sendmail -f x -i rcpt < file: exit 0 (%s may "
          "use -f)" % ("root" if mode == "root" else "mail_owner"))
    env, body = q.one(t, "-f -i")
    if env:
        t.like(env, r"(?m)^sender <backup@example\.org>$", "the -f sender")
        t.ok(body.endswith(b"\r\n\r\nline 1\r\n.\r\n..two\r\n"
                           b"last line, no LF\r\n"),
             "with -i: the lone dot, the dots, and the last line kept "
             "byte for byte (CR LF added)")
        t.ok(b"\r\nFrom: " in body or body.startswith(b"From: "),
             "From: added")

    # without -i a lone dot ends the message
    r = sendmail(inst, ["admin@example.net"],
                 b"Subject: dot\n\nbefore\n.\nafter\n")
    t.is_(r.returncode, 0, "a lone dot without -i: exit 0")
    env, body = q.one(t, "lone dot")
    if env:
        t.ok(body.endswith(b"\r\n\r\nbefore\r\n") and b"after" not in body,
             "without -i the message ends at the lone dot")

    # sendmail -bs: the SMTP session is smtpd's
    r = sendmail(inst, ["-bs"], b"EHLO client.example\r\n"
                 b"MAIL FROM:<%s@example.test>\r\n"
                 b"RCPT TO:<bs@example.net>\r\nDATA\r\n"
                 b"Subject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n" %
                 login.encode())
    out = r.stdout.decode(errors="replace")
    t.is_(r.returncode, 0, "sendmail -bs: exit 0")
    t.like(out, r"^220 .*\r\n(.|\n)*250 2\.0\.0 Ok: queued as [0-9A-F]+"
           r"\r\n221 ", "the client sees smtpd's greeting, the queue ID and "
           "the goodbye")
    env, body = q.one(t, "-bs")
    if env:
        t.like(env, r"(?m)^attr local_uid=%d$" % uid,
               "-bs: the same local identity")

    # refused recipients: the status of the refusal; the others get it
    r = sendmail(inst, ["nosuch@example.test", "ok@example.net"],
                 b"Subject: x\n\ny\n")
    t.is_(r.returncode, 67, "an unknown local recipient: exit 67 "
          "(EX_NOUSER)")
    t.like(r.stderr.decode(), r"sendmail: RCPT TO:<nosuch@example\.test>: "
           r"550 5\.1\.1 ", "with the server's reply")
    env, body = q.one(t, "partly refused")
    if env:
        t.is_(re.findall(r"(?m)^rcpt <([^>]*)>", env), ["ok@example.net"],
              "the message went to the other recipient")
    r = sendmail(inst, ["admin@example.net"], b"Subject: big\n\n" +
                 b"x" * 80 + b"\n" * 1 + (b"y" * 99 + b"\n") * 1100)
    t.is_(r.returncode, 65, "over message_size_limit: exit 65 "
          "(EX_DATAERR)")
    t.is_(q.new(), [], "and nothing queued")

    # an unprivileged user: own address only, plus what the table allows
    if mode == "root":
        r = sendmail(inst, ["-f", "boss@example.test", "admin@example.net"],
                     b"Subject: forged\n\nx\n", user="nobody")
        t.is_(r.returncode, 77, "nobody with -f boss@...: exit 77 "
              "(EX_NOPERM)")
        t.like(r.stderr.decode(), r"553 5\.7\.1 <boss@example\.test>: "
               r"Sender address rejected: not owned by user nobody",
               "the 553 5.7.1 refusal is printed")
        t.is_(q.new(), [], "nothing queued")
        r = sendmail(inst, ["-f", "<>", "admin@example.net"],
                     b"Subject: bounce\n\nx\n", user="nobody")
        t.is_(r.returncode, 77, "nobody may not use the null sender")
        r = sendmail(inst, ["admin@example.net"], b"Subject: own\n\nx\n",
                     user="nobody")
        t.is_(r.returncode, 0, "nobody without -f: exit 0")
        env, body = q.one(t, "nobody")
        if env:
            t.like(env, r"(?m)^sender <nobody@example\.test>$",
                   "sender nobody@myorigin")
            t.like(env, r"(?m)^attr local_uid=65534$", "local_uid=65534")
        r = sendmail(inst, ["-f", "list@example.org", "admin@example.net"],
                     b"Subject: list\n\nx\n", user="nobody")
        t.is_(r.returncode, 0, "local_login_sender_maps lets nobody use "
              "@example.org")
        q.new()
        r = sendmail(inst, ["-bs"], b"EHLO x\r\nMAIL FROM:<root@example."
                     b"test>\r\nQUIT\r\n", user="nobody")
        t.like(r.stdout.decode(), r"553 5\.7\.1 <root@example\.test>: "
               r"Sender address rejected: not owned by user nobody",
               "-bs cannot get around it")
        t.ok(inst.wait_log(r"local submission: uid=65534 user=nobody"),
             "the log names the user")
        r = sendmail(inst, ["-bp"], user="nobody")
        t.is_(r.returncode, 77, "mailq as nobody: the queue is not "
              "readable")
    else:
        t.skip("not root: no other user to submit as", 12)

    # mailq lists what is queued
    r = sendmail(inst, [], name="mailq")
    out = r.stdout.decode(errors="replace")
    n = len(qfiles(inst))
    t.is_(r.returncode, 0, "mailq: exit 0")
    t.like(out, r"^-Queue ID- +--Size-- ----Arrival Time---- +"
           r"-Sender/Recipient-------\n", "the header line")
    t.like(out, r"(?m)^[0-9A-F]+ +\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d +"
           r"backup@example\.org\n +admin@example\.net\n",
           "an entry: ID, size, arrival, sender, then its recipient")
    t.like(out, r"\n-- \d+ Kbytes in %d Requests\.\n$" % n,
           "the total: %d requests" % n)
    if mode == "root":
        pw = pwd.getpwnam(TEST_USER)
        st = os.stat(qfiles(inst)[0])
        t.is_(st.st_uid, pw.pw_uid, "queue files belong to mail_owner")
    inst.teardown(expect=[r"reject: RCPT from local: 550 5\.1\.1",
                          r"reject: MAIL from local: 553 5\.7\.1"])


run(main)

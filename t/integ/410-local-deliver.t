#!/usr/bin/env python3
"""delivery/local: what the agent answers qmgr and what lands in Maildirs.

The test talks to the agent's socket as qmgr does (t/lib/deliver.py):
delivered messages (Return-Path, Delivered-To, LF line ends, the body
byte for byte, the Maildir++ name and ,S= size, modes), several
recipients in one request, the null sender, +ext folders, the log line;
in root mode the agent's uid and jail, read from /proc.
"""
import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from localtest import LOCAL, NAME_RE, LocalInstance, built, \
    stored  # noqa: E402
from postern import TEST_USER, run, wait_for  # noqa: E402

BODY = (b"From: Sender <sender@example.org>\r\nTo: alice@example.test\r\n"
        b"Subject: hello\r\nMessage-ID: <1@example.org>\r\n\r\n"
        b"line one\r\n.leading dot kept\r\nlone\rCR, 8 bits \xc3\xa9\xff\r\n"
        b"\r\n\r\nlast line without a line end")
STATUS_ORDER = ["req", "index", "dsn", "action", "relay", "text",
                "remote_mta", "diag_type"]


def check_delivered(t, li, rel, rcpt, body, sender="sender@example.org",
                    what=""):
    names = li.files(rel)
    if not t.is_(len(names), 1, "%sone file in %s/new" % (what, rel)):
        return None
    name = names[-1]
    m = NAME_RE.match(name)
    t.ok(m, "%sMaildir++ name %s" % (what, name))
    data = li.read(rel, name)
    t.ok(data == stored(sender, rcpt, body),
         "%sstored: Return-Path, Delivered-To, then the body with LF, "
         "byte for byte" % what)
    if m:
        t.is_(int(m.group(1)), len(data), "%s,S= is the file size" % what)
        t.is_(int(m.group(2)), len(data) + data.count(b"\n") -
              data.count(b"\r\n"), "%s,W= is the size with CR LF line "
              "ends (what POP3 and IMAP send)" % what)
    st = os.stat(os.path.join(li.mail, rel, "new", name))
    t.is_(stat.S_IMODE(st.st_mode), 0o600, "%sfile mode 0600" % what)
    t.is_(li.files(rel, "tmp"), [], "%snothing left in tmp/" % what)
    return name


def main(t, mode):
    if not built("delivery/local/local"):
        t.skip("%s is not built" % LOCAL)
        return
    li = LocalInstance(t, mode, users=[
        ("alice@example.test", "pw-alice", []),
        ("bob@example.test", "pw-bob", []),
        ("carol@example.test", "pw-carol", []),
    ], services=[
        "local2 unix - n y - - local -o maildir_folder_extension=no",
    ])
    os.makedirs(li.maildir("example.test/carol/.Work/cur"))
    if mode == "root":
        li.chown_mail()
    li.start()

    with li.agent() as a:
        t.is_(a.hello, {"proto": "deliver/1.1"}, "the agent speaks first: "
              "proto=deliver/1.1")
        qf = li.queue_file(["alice@example.test"], BODY)
        st = a.deliver(qf, ["alice@example.test"])
        t.is_(len(st), 1, "one status for one recipient, then done")
        t.is_(st[0]["_order"], STATUS_ORDER, "status attributes in the "
              "order of deliver_proto.h")
        t.is_((st[0]["index"], st[0]["dsn"], st[0]["action"],
               st[0]["relay"], st[0]["text"]),
              ("0", "2.0.0", "delivered", "local", "delivered to maildir"),
              "2.0.0 delivered to maildir")
        check_delivered(t, li, "example.test/alice", "alice@example.test",
                        BODY)
        for sub in ("", "/tmp", "/new", "/cur"):
            t.is_(stat.S_IMODE(os.stat(li.maildir("example.test/alice" +
                                                  sub)).st_mode), 0o700,
                  "Maildir%s created with mode 0700" % sub)
        t.ok(inst_log_has(li, r"%s: to=<alice@example\.test>, relay=local, "
                          r"delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/0/"
                          r"[0-9.]+, dsn=2\.0\.0, status=sent \(delivered "
                          r"to maildir\)" % qf.qid),
             "Postfix-shaped log line with the queue ID")

        # the same connection carries a second request: three recipients
        qf = li.queue_file(["bob@example.test", "nobody@example.test",
                            "carol@example.test"], BODY)
        st = a.deliver(qf, ["bob@example.test", "nobody@example.test",
                            "carol@example.test"], sender="",
                       orig=["Bob@Example.TEST", "", ""])
        t.is_([(s["index"], s["dsn"]) for s in st],
              [("0", "2.0.0"), ("1", "5.1.1"), ("2", "2.0.0")],
              "three recipients: a status each, in request order")
        t.is_((st[1]["action"], st[1]["text"]), ("failed", "user unknown"),
              "an unknown user: 5.1.1 user unknown")
        check_delivered(t, li, "example.test/bob", "bob@example.test",
                        BODY, sender="", what="null sender: ")
        t.ok(li.read("example.test/bob", li.files("example.test/bob")[0])
             .startswith(b"Return-Path: <>\n"), "Return-Path: <> for the "
             "null sender")
        t.ok(inst_log_has(li, r"to=<bob@example\.test>, "
                          r"orig_to=<Bob@Example\.TEST>, relay=local"),
             "orig_to= in the log line")
        t.ok(inst_log_has(li, r"to=<nobody@example\.test>, relay=local, "
                          r".*dsn=5\.1\.1, status=bounced \(user unknown\)"),
             "the bounce is logged")

        # +ext: the folder when it exists, else the inbox
        qf = li.queue_file(["carol+work@example.test"], BODY)
        st = a.deliver(qf, ["carol+work@example.test"])
        t.is_(st[0]["dsn"], "2.0.0", "carol+work delivered")
        check_delivered(t, li, "example.test/carol/.Work",
                        "carol+work@example.test", BODY,
                        what="+work into .Work: ")
        qf = li.queue_file(["carol+nothing@example.test"], BODY)
        st = a.deliver(qf, ["carol+nothing@example.test"])
        t.is_(len(li.files("example.test/carol")), 2,
              "+ext without such a folder: the inbox")
        qf = li.queue_file(["CAROL+WORK@example.test"], BODY)
        a.deliver(qf, ["CAROL+WORK@example.test"])
        t.is_(len(li.files("example.test/carol/.Work")), 2,
              "the folder is found regardless of case")

    with li.agent(os.path.join(li.inst.spool, "private", "local2")) as a:
        qf = li.queue_file(["carol+work@example.test"], BODY)
        st = a.deliver(qf, ["carol+work@example.test"])
        t.is_((st[0]["dsn"], len(li.files("example.test/carol/.Work")),
               len(li.files("example.test/carol"))), ("2.0.0", 2, 3),
              "maildir_folder_extension=no: the inbox")

    # a big message, many buffers
    big = b"Subject: big\r\n\r\n" + b"".join(
        b"%06d %s\r\n" % (i, b"x" * 90) for i in range(20000))
    with li.agent() as a:
        qf = li.queue_file(["alice@example.test"], big)
        st = a.deliver(qf, ["alice@example.test"])
        t.is_(st[0]["dsn"], "2.0.0", "a 2 MB message is delivered")
        names = li.files("example.test/alice")
        got = [li.read("example.test/alice", n) for n in names]
        t.ok(stored("sender@example.org", "alice@example.test", big) in got,
             "... byte for byte")

    if mode == "root":
        pids = li.local_pids()
        t.ok(pids, "a local agent process is running")
        for pid in pids[:1]:
            check_root(t, li, pid)
    li.teardown()


def inst_log_has(li, pattern):
    return li.inst.wait_log(pattern)


def check_root(t, li, pid):
    import pwd
    pw = pwd.getpwnam(TEST_USER)
    with open("/proc/%d/status" % pid) as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f
                      if ":\t" in line)
    t.is_(status.get("Uid", "").split(), [str(pw.pw_uid)] * 4,
          "root mode: the agent runs as vmail_owner (all four uids)")
    t.is_(status.get("Gid", "").split(), [str(pw.pw_gid)] * 4,
          "root mode: and its group (all four gids)")
    t.is_(os.readlink("/proc/%d/root" % pid), os.path.realpath(li.mail),
          "root mode: its root directory is virtual_mailbox_base")
    st = os.stat(li.maildir("example.test/alice/new"))
    t.is_((st.st_uid, st.st_gid), (pw.pw_uid, pw.pw_gid),
          "root mode: Maildirs belong to vmail_owner")


run(main)

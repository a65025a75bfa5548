#!/usr/bin/env python3
"""delivery/local: every way a delivery can fail, and what qmgr hears.

Mail loops (5.4.6), quota (5.2.2, or 4.2.2 with
local_quota_exceeded_action = defer), table trouble (4.3.0, never a
bounce), a user added while the agent runs (never bounced), a Maildir
that cannot be written or is a symbolic link (4.3.0, nothing written
anywhere), a full file system (root: a tiny tmpfs; 4.3.0, nothing
visible), a queue file reused while the agent read it (4.3.0, nothing
delivered), tmp/ leftovers over 36 hours removed, and protocol errors
(the connection is closed, the agent lives on).
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from deliver import Agent, ProtocolClosed, frame  # noqa: E402
from localtest import LOCAL, LocalInstance, built  # noqa: E402
from postern import TEST_USER, ensure_user, run  # noqa: E402

BODY = b"Subject: test\r\n\r\nhello\r\n"


def one(li, rcpt, body=BODY, sock=None, sender="sender@example.org"):
    with li.agent(sock) as a:
        return a.deliver(li.queue_file([rcpt], body), [rcpt],
                         sender=sender)[0]


def test_loop(t, li):
    looped = (b"Delivered-To: someone@example.org\r\n"
              b"Delivered-To: <Alice@Example.TEST>\r\n"
              b"Subject: looped\r\n\r\nDelivered-To: bob@example.test\r\n")
    st = one(li, "alice@example.test", looped)
    t.is_((st["dsn"], st["action"], st["text"]),
          ("5.4.6", "failed", "mail forwarding loop for alice@example.test"),
          "Delivered-To: for the recipient already there: 5.4.6 loop")
    t.is_(li.files("example.test/alice"), [], "... nothing delivered")
    st = one(li, "bob@example.test", looped)
    t.is_(st["dsn"], "2.0.0", "a Delivered-To: in the body is no loop")


def test_quota(t, li):
    st = one(li, "quota@example.test", b"Subject: q\r\n\r\n" + b"x" * 500)
    t.is_(st["dsn"], "2.0.0", "under quota (1k): delivered")
    with open(li.maildir("example.test/quota/maildirsize")) as f:
        lines = f.read().splitlines()
    t.is_(lines[0], "1024S", "maildirsize holds the quota definition")
    t.ok(sum(int(x.split()[0]) for x in lines[1:]) > 500,
         "... and the usage")
    st = one(li, "quota@example.test", b"Subject: q\r\n\r\n" + b"y" * 600)
    t.is_((st["dsn"], st["action"]), ("5.2.2", "failed"),
          "a message that passes the quota: 5.2.2")
    t.like(st["text"], r"^mailbox full", "... mailbox full")
    t.is_(len(li.files("example.test/quota")), 1, "... nothing delivered")
    t.is_(li.files("example.test/quota", "tmp"), [],
          "... and nothing left in tmp/")
    st = one(li, "quota@example.test", b"Subject: q\r\n\r\n" + b"y" * 600,
             sock=os.path.join(li.inst.spool, "private", "localdefer"))
    t.is_((st["dsn"], st["action"]), ("4.2.2", "delayed"),
          "local_quota_exceeded_action = defer: 4.2.2")
    st = one(li, "quota@example.test", b"Subject: q\r\n\r\nsmall\r\n")
    t.is_(st["dsn"], "2.0.0", "a message that fits still gets in")


def test_reused_file(t, li):
    # qmgr gave up on an agent and the file was reused (qfile_spare)
    # while the agent still read it: the queue file no longer holds the
    # message the request names
    qf = li.queue_file(["bob@example.test"], BODY)
    other = qf.qid[:8] + "%05X" % ((int(qf.qid[8:13], 16) + 1) % 0x100000) \
        + qf.qid[13:]
    before = li.files("example.test/bob")
    with li.agent() as a:
        st = a.deliver(qf, ["bob@example.test"], qid=other)[0]
    t.is_((st["dsn"], st["action"], st["text"]),
          ("4.3.0", "delayed", "the queue file changed during delivery"),
          "a queue file that holds another message now: 4.3.0, retried")
    t.is_(li.files("example.test/bob"), before, "... nothing delivered")
    t.is_(li.files("example.test/bob", "tmp"), [],
          "... nothing left in tmp/")
    t.ok(li.inst.wait_log(r"%s: the queue file changed during delivery to "
                          r"bob@example\.test; not delivered" % other),
         "... and the agent says why in the log")


def test_tables(t, li):
    st = one(li, "x@example.test",
             sock=os.path.join(li.inst.spool, "private", "localbroken"))
    t.is_((st["dsn"], st["action"], st["text"]),
          ("4.3.0", "delayed", "temporary lookup failure in "
           "virtual_mailbox_maps"),
          "a table that cannot be opened: 4.3.0, not user unknown")
    # a user added while the agent runs is never bounced
    r = li.user_add("late@example.test", "pw")
    t.is_(r.returncode, 0, "postern user add while the agent runs")
    if li.mode == "root":
        li.chown_mail()
    got = []
    for _ in range(3):
        st = one(li, "late@example.test")
        got.append(st["dsn"])
        if st["dsn"] == "2.0.0":
            break
        time.sleep(0.2)
    t.ok(got[-1] == "2.0.0" and all(d == "4.3.0" for d in got[:-1]),
         "the new user gets the mail, at worst after a 4.3.0 (%s)" % got)


def test_maildir_errors(t, li):
    # a symbolic link instead of the Maildir: refused, nothing written
    target = os.path.join(li.dir, "elsewhere")
    os.mkdir(target)
    os.symlink(target, li.maildir("example.test/linked"))
    st = one(li, "linked@example.test")
    t.is_((st["dsn"], st["action"]), ("4.3.0", "delayed"),
          "a Maildir that is a symbolic link: 4.3.0")
    t.like(st["text"], r"symbolic link", "... the text says why")
    t.is_(os.listdir(target), [], "... nothing written through the link")
    # tmp/ that cannot be written
    os.makedirs(li.maildir("example.test/ro/tmp"))
    if li.mode == "root":
        li.chown_mail()
    os.chmod(li.maildir("example.test/ro/tmp"), 0o500)
    st = one(li, "ro@example.test")
    t.is_(st["dsn"], "4.3.0", "an unwritable tmp/: 4.3.0")
    t.like(st["text"], r"Permission denied", "... Permission denied")
    t.is_(li.files("example.test/ro"), [], "... nothing in new/")
    os.chmod(li.maildir("example.test/ro/tmp"), 0o700)
    st = one(li, "ro@example.test")
    t.is_(st["dsn"], "2.0.0", "once writable, delivered")


def test_tmp_cleaning(t, li):
    tmp = li.maildir("example.test/clean/tmp")
    os.makedirs(tmp)
    for d in ("new", "cur"):
        os.makedirs(li.maildir("example.test/clean/" + d))
    old = os.path.join(tmp, "1.M1P1Q1.crashed")
    young = os.path.join(tmp, "2.M1P1Q1.writing")
    for p, age in ((old, 36 * 3600 + 60), (young, 36 * 3600 - 600)):
        with open(p, "w") as f:
            f.write("half a message")
        os.utime(p, (time.time() - age, time.time() - age))
    if li.mode == "root":
        li.chown_mail()
    st = one(li, "clean@example.test")
    t.is_(st["dsn"], "2.0.0", "delivery into a Maildir with tmp/ leftovers")
    t.ok(not os.path.exists(old), "a tmp/ file over 36 hours old is removed")
    t.ok(os.path.exists(young), "a younger one is kept")
    t.ok(li.inst.wait_log(r"example.test/clean/tmp: removed 1 leftover"),
         "the removal is logged")


def test_enospc(t, li):
    full = li.maildir("example.test/full")
    os.makedirs(full)
    if li.mode != "root" or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full],
            capture_output=True).returncode != 0:
        t.skip("a full file system needs root (a tiny tmpfs)", 4)
        return
    try:
        li.chown_mail()
        st = one(li, "full@example.test",
                 b"Subject: big\r\n\r\n" + b"z" * 200000)
        t.is_((st["dsn"], st["action"]), ("4.3.0", "delayed"),
              "a full file system: 4.3.0, a deferral")
        t.like(st["text"], r"No space left on device", "... ENOSPC")
        t.is_(li.files("example.test/full"), [], "... nothing in new/")
        t.is_(li.files("example.test/full", "tmp"), [],
              "... nothing left in tmp/")
    finally:
        subprocess.run(["umount", "-l", full])


def test_protocol(t, li):
    qf = li.queue_file(["alice@example.test"], BODY)
    cases = []
    good = Agent.request(qf, ["alice@example.test"])
    cases.append(("garbage bytes", None, b"\x00\x00\x00\x05hello", None))
    cases.append(("an attribute missing",
                  [x for x in good if x[0] != "queued"], None, "file"))
    cases.append(("attributes out of order",
                  [good[0], good[2], good[1]] + good[3:], None, "file"))
    cases.append(("an unknown request", [("req", "frobnicate")], None,
                  None))
    cases.append(("no queue file descriptor", good, None, None))
    cases.append(("a directory as the queue file", good, None, "dir"))
    bad = [(k, v if k != "content_size" else qf.size + 1000)
           for k, v in good]
    cases.append(("content past the end of the file", bad, None, "file"))
    bad = [(k, v if k != "queue_id" else "../../etc") for k, v in good]
    cases.append(("a malformed queue_id", bad, None, "file"))
    bad = [(k, v if k != "rcpt" else "alice@example.test\r\nX: y")
           for k, v in good]
    cases.append(("a recipient with CR LF", bad, None, "file"))
    bad = [(k, v if k != "count" else 2) for k, v in good]
    cases.append(("fewer recipients than count", bad, None, "file"))
    bad = [(k, v if k != "count" else 0) for k, v in good]
    cases.append(("count 0", bad, None, "file"))
    for name, attrs, raw, fdkind in cases:
        fd = None
        if fdkind == "file":
            fd = os.open(qf.path, os.O_RDONLY)
        elif fdkind == "dir":
            fd = os.open(li.dir, os.O_RDONLY | os.O_DIRECTORY)
        with li.agent() as a:
            a.send(attrs, fd=fd, raw=raw)
            if fd is not None:
                os.close(fd)
            try:
                a.recv()
                closed = False
            except (ProtocolClosed, ConnectionResetError):
                closed = True
        t.ok(closed, "protocol error, %s: the connection is closed" % name)
    t.is_(li.files("example.test/alice"), [],
          "no protocol error delivered anything")
    st = one(li, "alice@example.test")
    t.is_(st["dsn"], "2.0.0", "the agent still serves the next request")
    t.ok(frame([("req", "x")]), "frame helper")


def main(t, mode):
    if not built("delivery/local/local"):
        t.skip("%s is not built" % LOCAL)
        return
    li = LocalInstance(t, mode, users=[
        ("alice@example.test", "pw", []),
        ("bob@example.test", "pw", []),
        ("quota@example.test", "pw", ["--quota", "1k"]),
        ("linked@example.test", "pw", []),
        ("ro@example.test", "pw", []),
        ("clean@example.test", "pw", []),
        ("full@example.test", "pw", []),
    ], services=[
        "localdefer unix - n y - - local "
        "-o local_quota_exceeded_action=defer",
        "localbroken unix - n y - - local "
        "-o virtual_mailbox_maps=hash:/nonexistent/mailboxes",
    ])
    li.start()
    test_loop(t, li)
    test_quota(t, li)
    test_reused_file(t, li)
    test_tables(t, li)
    test_maildir_errors(t, li)
    test_tmp_cleaning(t, li)
    test_enospc(t, li)
    test_protocol(t, li)
    if mode == "root":
        ensure_user(TEST_USER)
    li.teardown(expect=[
        r"protocol error from qmgr",
        r"the queue file changed during delivery",
        r"virtual_mailbox_maps: .*nonexistent",
        r"error: [0-9A-F]+: .*(symbolic link|Permission denied|"
        r"No space left)",
    ])


run(main)

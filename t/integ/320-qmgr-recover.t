#!/usr/bin/env python3
# qmgr: what it finds at start. A file an older version left in active/
# (it moved messages there) goes back to incoming/ and is delivered; a file that does not validate goes to
# corrupt/ with a warning; an old incoming/tmp.* file is removed; a name
# that is not a queue ID is left alone.
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
import qmgrtest as q  # noqa: E402


def put_file(inst, rel, data, age=0):
    path = os.path.join(inst.spool, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if age:
        t0 = time.time() - age
        os.utime(path, (t0, t0))
    if inst.mode == "root":
        import pwd
        pw = pwd.getpwnam(q.TEST_USER)
        for p in (path, os.path.dirname(path)):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    return path


def main(t, mode):
    inst = q.instance(t, mode)
    q.start(inst)
    qid = q.qput(inst, "a@example.test", [q.USER], subject="first")
    t.ok(q.wait_maildir(inst, 1), "the instance delivers")
    inst.stop()

    # what a crash can leave, and what an intruder might
    qid = q.qput(inst, "a@example.test", [q.USER], subject="crashed",
                 wake=False)
    h = qid[7]
    os.makedirs(os.path.join(inst.spool, "active", h), exist_ok=True)
    os.rename(os.path.join(inst.spool, "incoming", h, qid),
              os.path.join(inst.spool, "active", h, qid))
    if mode == "root":
        import pwd
        pw = pwd.getpwnam(q.TEST_USER)
        os.chown(os.path.join(inst.spool, "active", h), pw.pw_uid,
                 pw.pw_gid)
    else:
        pw = None
    # a message where an older version's hash (a microsecond digit) put
    # it: moved into its subdirectory at start, then delivered
    old = q.qput(inst, "a@example.test", [q.USER], subject="old layout",
                 wake=False)
    oh = old[12] if old[12] != old[7] else ("0" if old[7] != "0" else "1")
    os.makedirs(os.path.join(inst.spool, "incoming", oh), exist_ok=True)
    os.rename(os.path.join(inst.spool, "incoming", old[7], old),
              os.path.join(inst.spool, "incoming", oh, old))
    if mode == "root":
        os.chown(os.path.join(inst.spool, "incoming", oh), pw.pw_uid,
                 pw.pw_gid)
    bad = "6B07F94E59C83A7AC2F"
    put_file(inst, "incoming/%s/%s" % (bad[7], bad),
             b"PSTRNQ1\n" + b"\0" * 100)
    tmp_old = put_file(inst, "incoming/tmp.1.2", b"half", age=3 * 86400)
    tmp_new = put_file(inst, "incoming/tmp.1.3", b"half")
    odd = put_file(inst, "incoming/%s/README" % h, b"not mail")

    q.start(inst)
    t.ok(inst.wait_log(r"recovered 1 message\(s\) from active/"),
         "active/ is recovered at start")
    t.ok(inst.wait_log(r"moved 1 file\(s\) of incoming/ into the "
                       r"subdirectories of this version's hash"),
         "a file of an older layout is moved into its subdirectory")
    t.ok(q.wait_maildir(inst, 3), "the recovered message and the moved "
         "one are delivered")
    t.ok(any("Subject: crashed" in q.read(p) for p in q.maildir(inst)),
         "one is the crashed one")
    t.ok(any("Subject: old layout" in q.read(p) for p in q.maildir(inst)),
         "one is the one in an older layout")
    t.ok(inst.wait_log(r"warning: %s: corrupt queue file \(.*\): moved to "
                       r"corrupt/" % bad), "a bad file is reported")
    t.ok(os.path.exists(os.path.join(inst.spool, "corrupt", bad)),
         "and kept in corrupt/")
    t.ok(not os.path.exists(tmp_old), "an old tmp.* file is removed")
    t.ok(os.path.exists(tmp_new), "a fresh tmp.* file is left alone")
    t.ok(os.path.exists(odd), "a file that is not a queue ID is left alone")
    t.ok(q.wait_empty(inst, t), "nothing else is queued")
    r = inst.postern("cat", bad)
    t.like(r.stderr, r"bad|corrupt|short|offset|magic",
           "postern cat finds the corrupt file and says what is wrong")
    r = inst.postern("delete", bad)
    t.is_(r.returncode, 0, "delete removes a corrupt file")
    inst.teardown(expect=[r"corrupt queue file", r"not a queue file name"])


if q.have_programs(None):
    run(main)

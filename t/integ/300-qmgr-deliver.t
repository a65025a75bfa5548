#!/usr/bin/env python3
# qmgr: mail in incoming/ reaches the Maildir through the local agent;
# aliases, root/postmaster, unknown users bounce, the bounce comes back.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402


def main(t, mode):
    inst = q.instance(t, mode, main={
        "virtual_alias_maps": "texthash:$config_directory/virtual",
        "recipient_delimiter": "+",
    })
    with open(os.path.join(inst.etc, "virtual"), "w") as f:
        f.write("team@example.test  postmaster@example.test, x@remote.test\n"
                "info@example.test  postmaster@example.test\n")
    q.start(inst)

    qid = q.qput(inst, "someone@example.test", [q.USER], subject="one")
    t.ok(q.wait_maildir(inst, 1), "a queued message is delivered")
    t.ok(inst.wait_log(r"qmgr\[\d+\]: %s: removed" % qid),
         "the queue file is removed: `QID: removed`")
    log = inst.log()
    t.like(log, r"qmgr\[\d+\]: %s: from=<someone@example\.test>, "
           r"size=\d+, nrcpt=1 \(queue active\)" % qid,
           "qmgr logs from=, size=, nrcpt= (queue active)")
    t.like(log, r"%s: to=<postmaster@example\.test>, relay=local, "
           r"delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, "
           r"dsn=2\.0\.0, status=sent" % qid, "the delivery is logged")
    msg = q.read(q.maildir(inst)[0]) if q.maildir(inst) else ""
    t.like(msg, r"(?m)^Subject: one\r?$", "the Maildir file holds it")
    t.ok(q.wait_empty(inst, t), "the queue is empty")

    # an alias, an extension, root, and an address that maps outside
    qid = q.qput(inst, "someone@example.test",
                 ["info+tag@example.test", "root@localhost",
                  "team@example.test"], subject="two")
    t.ok(q.wait_maildir(inst, 4), "alias, root and team all arrive")
    # qmgr logs each delivery once local has answered: a moment after
    # the file is in the Maildir
    t.ok(inst.wait_log(r"%s: to=<postmaster\+tag@example\.test>, "
                       r"orig_to=<info\+tag@example\.test>, relay=local" %
                       qid),
         "virtual alias with the extension carried over (orig_to=)")
    t.ok(inst.wait_log(r"%s: to=<postmaster@example\.test>, "
                       r"orig_to=<root@localhost>" % qid),
         "root@ a mydestination domain reaches postmaster")
    t.ok(wait_for(lambda: re.search(
        r"%s: to=<x@remote\.test>, orig_to=<team@example\.test>, "
        r"relay=none, .*status=deferred \(.*transport smtp not available"
        % qid, inst.log()), "the outside member", t),
        "an alias member outside is deferred: transport smtp not "
        "available")
    t.ok(q.queue_files(inst, "deferred") == [qid] or
         wait_for(lambda: q.queue_files(inst, "deferred") == [qid],
                  "deferred", t), "the message waits in deferred/")

    # an unknown user bounces; the bounce comes back to the sender
    qid = q.qput(inst, q.USER, ["nobody@example.test"], subject="three")
    t.ok(inst.wait_log(r"%s: to=<nobody@example\.test>, .*dsn=5\.1\.1, "
                       r"status=bounced" % qid), "unknown user: 5.1.1")
    t.ok(inst.wait_log(r"%s: sender non-delivery notification: \w+" % qid),
         "a non-delivery notice is queued")
    t.ok(q.wait_maildir(inst, 5), "the notice reaches the sender")
    bounce = [q.read(p) for p in q.maildir(inst)
              if "multipart/report" in q.read(p)]
    t.ok(len(bounce) == 1 and "nobody@example.test" in bounce[0],
         "the notice is a multipart/report naming the recipient")
    t.ok(inst.wait_log(r"%s: removed" % qid),
         "the bounced message is removed")
    inst.teardown(expect=[r"connect to transport private/smtp"])


if q.have_programs(None):
    run(main)

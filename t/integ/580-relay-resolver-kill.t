#!/usr/bin/env python3
# The resolver service stops answering in the middle of a load (SIGSTOP),
# then is killed (SIGKILL) and started again by the master: the messages
# that needed it are deferred (4.3.0, not bounced, not counted against
# the destination), and once it is back every message is delivered, none
# lost and none twice.
# check: slow
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402

N = 30


def resolver_pids(inst):
    return inst.children_running("resolver")


def main(t, mode):
    p = relaytest.Pair(
        t, mode,
        a_main={"resolver_query_timeout": "2s",
                # a new lookup per message: no kept session
                "smtp_connection_cache_time_limit": "0"})
    p.b_user("bob@b.example")
    p.start()
    qid = p.a_send("bob@b.example", subject="first")
    t.ok(p.wait_b_maildir(1, "bob@b.example"), "the first message")
    pids = wait_for(lambda: resolver_pids(p.a), "the resolver", t)
    t.ok(pids, "the resolver runs")
    os.kill(pids[0], signal.SIGSTOP)
    for i in range(N):
        qmgrtest.qput(p.a, "sender@example.test", ["bob@b.example"],
                      subject="load %d" % i)
    t.ok(p.a.wait_log(r"to=<bob@b\.example>, relay=none, .*dsn=4\.3\.0, "
                      r"status=deferred \(DNS lookup not available: ",
                      bound=90),
         "with the resolver silent, messages are deferred 4.3.0")
    t.ok(not re.search(r"to=<bob@b\.example>.*status=bounced", p.a.log()),
         "none bounced")
    t.ok(not re.search(r"destination smtp/b\.example is not answering",
                       p.a.log()),
         "a local failure does not suspend the destination")
    os.kill(pids[0], signal.SIGKILL)
    t.ok(wait_for(lambda: [x for x in resolver_pids(p.a) if x != pids[0]],
                  "a new resolver", t, 90), "the master starts a new one")
    p.a.postern("flush")
    t.ok(p.wait_b_maildir(N + 1, "bob@b.example", bound=120),
         "every message arrives at B")
    t.ok(qmgrtest.wait_empty(p.a, t, 60), "A's queue is empty")
    subjects = sorted(qmgrtest.read(f).split("Subject: ")[1].split("\n")[0]
                      for f in p.b_maildir("bob@b.example"))
    t.is_(subjects, sorted(["first"] + ["load %d" % i for i in range(N)]),
          "each exactly once")
    del qid
    p.teardown(a_expect=[r"private/resolver: timed out",
                         r"private/resolver: connection closed",
                         r"resolver pid \d+ killed by signal 9"])


relaytest.run_or_skip(main)

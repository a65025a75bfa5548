#!/usr/bin/env python3
# Connection reuse: messages queued together for one destination go over
# one SMTP connection (RSET between them), as B's log shows: fewer
# "connect from" than messages, and A logs conn_use=N. qmgr gives the
# next job for a next hop to the agent that holds a session with it.
# smtp_connection_reuse_count_limit bounds the transactions per
# connection.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import wait_for  # noqa: E402
import qmgrtest  # noqa: E402
import relaytest  # noqa: E402

N = 8


def connects(p):
    return len(re.findall(r"postern/smtpd\[\d+\]: connect from ",
                          p.b.log()))


def main(t, mode):
    p = relaytest.Pair(
        t, mode,
        mx={"b.example": [(10, "mx.b.example")],
            "c.example": [(10, "mx.b.example")]},
        b_main={"virtual_mailbox_domains": "b.example, c.example"},
        a_main={"smtp_destination_concurrency_limit": "1",
                "transport_maps": "inline:{c.example=limited:}"},
        a_services=["limited unix - - y - - relay "
                    "-o smtp_connection_reuse_count_limit=2"])
    p.b_user("bob@b.example")
    p.b_user("carol@c.example")
    p.start()
    qmgrtest.wait_empty(p.a, t)
    for i in range(N):
        qmgrtest.qput(p.a, "sender@example.test", ["bob@b.example"],
                      subject="reuse %d" % i, wake=False)
    p.a.postern("flush")
    t.ok(p.wait_b_maildir(N, "bob@b.example"), "%d messages at B" % N)
    n = connects(p)
    t.ok(n < N, "over fewer connections than messages (%d for %d)" % (n, N))
    t.ok(p.a.wait_log(r"postern/relay\[\d+\]: \w+: to=<bob@b\.example>, "
                      r"relay=mx\.b\.example\[127\.0\.0\.2\]:\d+, "
                      r"conn_use=[2-9], .*status=sent"),
         "A logs conn_use for the reused connection")

    # at most two transactions per connection on the limited transport
    before = connects(p)
    for i in range(4):
        qmgrtest.qput(p.a, "sender@example.test", ["carol@c.example"],
                      subject="limited %d" % i, wake=False)
    p.a.postern("flush")
    t.ok(p.wait_b_maildir(4, "carol@c.example"), "4 messages at B")
    t.ok(wait_for(lambda: connects(p) - before >= 2, "connections", t),
         "smtp_connection_reuse_count_limit = 2: at least 2 connections "
         "for 4 messages (%d)" % (connects(p) - before))
    t.ok(not re.search(r"to=<carol@c\.example>, relay=[^,]+, conn_use=[3-9]",
                       p.a.log()), "never a third use")
    p.teardown()


relaytest.run_or_skip(main)

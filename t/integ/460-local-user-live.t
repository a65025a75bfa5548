#!/usr/bin/env python3
"""A user added while the system runs gets mail at once.

smtpd and local run jailed as root and keep their tables open; when
`postern user add` replaces the mailbox table, a running process must
not answer "user unknown" from its old copy: it hands over to a fresh
process (lib/maps: maps_changed, checked by the service skeleton).
"""
import os
import smtplib
import time
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from localtest import LocalInstance, pipeline_services, wait_files  # noqa
from postern import free_port, port_refuses, run, wait_for  # noqa: E402

MSG = b"From: bob@example.test\r\nSubject: hi\r\n\r\nhello\r\n"


def rcpt_reply(port, rcpt):
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    try:
        s.ehlo("client.example.org")
        s.mail("bob@example.test")
        code, text = s.rcpt(rcpt)
        if code == 250:
            s.data(MSG)
        return code, text
    finally:
        s.quit()


def main(t, mode):
    port = free_port()
    svcs = pipeline_services(port, qmgr_wakeup=1)
    if svcs is None:
        t.skip("smtpd or qmgr is not built yet")
        return
    li = LocalInstance(t, mode, users=[("alice@example.test", "pw", []),
                                       ("bob@example.test", "pw", [])],
                       services=svcs,
                       main={"minimal_backoff_time": "1s",
                             "maximal_backoff_time": "2s",
                             "queue_run_delay": "1s"})
    if mode == "root":
        li.chown_mail()
    li.start()
    wait_for(lambda: not port_refuses(port), "smtpd", t)
    code, text = rcpt_reply(port, "alice@example.test")
    t.is_(code, 250, "alice is known")
    t.ok(wait_files(li, "example.test/alice", 1), "alice gets her mail")
    # smtpd and local processes from that delivery are still alive
    code, text = rcpt_reply(port, "carol@example.test")
    t.is_(code, 550, "carol is not a user yet: 550")
    li.user_add("carol@example.test", "pw")
    code, text = rcpt_reply(port, "carol@example.test")
    t.is_(code, 250, "added while running: carol is accepted at once "
          "(%d %s)" % (code, text))
    t.ok(wait_files(li, "example.test/carol", 1),
         "and the message reaches carol's new Maildir")
    # Several idle smtpd processes: the kernel wakes only one of them
    # for a new client (lib/server_single.c). That one leaves for the
    # new table without the client; the master must start another.
    conns = [smtplib.SMTP("127.0.0.1", port, timeout=30) for _ in range(3)]
    for c in conns:
        c.ehlo("client.example.org")
    for c in conns:
        c.quit()
    time.sleep(0.5)     # the three report themselves idle
    li.user_add("dave@example.test", "pw")
    code, text = rcpt_reply(port, "dave@example.test")
    t.is_(code, 250, "with three idle processes holding the old table: "
          "dave is accepted (%d %s)" % (code, text))
    li.teardown(expect=[r"transport \S+ not available",
                        r"connect to transport",
                        r"table changed since this process opened it"])


run(main)

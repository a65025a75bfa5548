#!/usr/bin/env python3
# smtpd and qmgr agree on relay_domains (lib/domain_class): with
# relay_domains = example.net, an outside client may send to
# bob@example.net and to bob@sub.example.net (a subdomain, as Postfix's
# parent_domain_matches_subdomains has it), and qmgr routes both to the
# relay transport; a domain of no class is refused (Relay access denied)
# and never reaches the queue. No relay agent runs here, so the mail
# stays deferred with the transport's name in the reason, which is what
# `postern queue` shows.
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run, wait_for  # noqa: E402
import qmgrtest as q  # noqa: E402

SMTPD = os.path.join(TOP, "smtpd", "smtpd")
RCPTS = ["bob@example.net", "bob@sub.example.net",
         "carol@deep.sub.example.net"]


def main(t, mode):
    # 127.0.0.1 is an outside client: only relay_domains may be relayed
    inst, port = q.smtp_instance(t, mode, main={
        "relay_domains": "example.net", "mynetworks": "192.0.2.0/24",
        "minimal_backoff_time": "1h", "maximal_backoff_time": "2h",
        "queue_run_delay": "1h"})
    q.start(inst)
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("client.example")
    t.is_(s.mail("alice@outside.example")[0], 250, "MAIL FROM")
    for r in RCPTS:
        t.is_(s.rcpt(r)[0], 250, "an outside client may send to %s" % r)
    code, text = s.rcpt("bob@example.org")
    t.is_((code, text.decode()), (554, "5.7.1 <bob@example.org>: Relay "
                                  "access denied"),
          "but not to a domain of no class")
    t.is_(s.data(b"Subject: relay\r\n\r\nto be relayed\r\n")[0], 250,
          "the message is queued")
    s.quit()
    m = re.search(r"(\w+): client=", inst.log())
    qid = m.group(1) if m else "none"

    for r in RCPTS:
        t.ok(inst.wait_log(r"%s: to=<%s>, relay=none, .*status=deferred "
                           r"\(.*transport relay not available\)" %
                           (qid, re.escape(r))),
             "qmgr routes %s to the relay transport" % r)
    t.is_(len(q.log_lines(inst, r"transport smtp not available")), 0,
          "nothing goes to the default transport")
    t.ok(wait_for(lambda: q.queue_files(inst, "deferred") == [qid],
                  "deferred", t), "the message waits in deferred/")
    j = q.postern_json(inst)
    got = {}
    for e in j:
        for r in e["recipients"]:
            got[r["address"]] = r.get("delay_reason", "")
    t.is_(sorted(got), sorted(RCPTS), "postern queue lists the three")
    t.ok(all("transport relay not available" in got[r] for r in got),
         "each waits for the relay transport: %s" % got)
    inst.teardown(expect=[r"connect to transport private/relay"])


if os.access(SMTPD, os.X_OK) and q.have_programs(None):
    run(main)
elif not os.access(SMTPD, os.X_OK):
    print("1..0 # SKIP smtpd is not built here")

#!/usr/bin/env python3
# bounces end to end (qmgr/bounce.c through smtpd, qmgr and local): mail for
# a mailbox over its quota comes back to the sender's Maildir as a
# delivery status notification (RFC 3461/3464/6522), read with Python's
# email package; NOTIFY=NEVER and the null sender get none.
import email
import email.policy
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from localtest import LocalInstance, built  # noqa: E402
from postern import TOP, free_port, run, wait_for  # noqa: E402

PROGS = ("smtpd/smtpd", "qmgr/qmgr", "delivery/local/local")
DOMAIN = "example.org"
HOST = "mx.example.org"
USERS = [("alice@" + DOMAIN, "pw-alice", []),
         ("bob@" + DOMAIN, "pw-bob", ["--quota", "2k"]),
         ("carol@" + DOMAIN, "pw-carol", [])]


def messages(li, local):
    d = os.path.join(li.mail, DOMAIN, local, "new")
    try:
        return sorted(os.path.join(d, f) for f in os.listdir(d)
                      if not f.startswith("."))
    except FileNotFoundError:
        return []


def send(port, sender, rcpt, body, mail_opts=(), rcpt_opts=()):
    """One transaction; returns the queue ID from the 250 reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("client.example.com")
        code, _ = s.mail(sender, list(mail_opts))
        if code != 250:
            return None
        code, _ = s.rcpt(rcpt, list(rcpt_opts))
        if code != 250:
            return None
        code, msg = s.data(body)
        if code != 250:
            return None
        m = re.search(r"queued as ([0-9A-F]+)", msg.decode())
        return m.group(1) if m else None


def big_message(subject, size):
    head = ("From: Alice <alice@%s>\r\nTo: bob@%s\r\nSubject: %s\r\n"
            "Message-ID: <%s@client.example.com>\r\n\r\n" %
            (DOMAIN, DOMAIN, subject, subject.replace(" ", ".")))
    line = "All work and no play makes Jack a dull boy.\r\n"
    return (head + line * (size // len(line) + 1)).encode()


def notice(t, li, local, count=1):
    """The count-th message of a Maildir, parsed, or None."""
    got = wait_for(lambda: len(messages(li, local)) >= count,
                   "%d message(s) for %s" % (count, local), t)
    if not got:
        return None
    with open(messages(li, local)[count - 1], "rb") as f:
        return email.message_from_bytes(f.read(),
                                        policy=email.policy.default)


def report_parts(t, msg, what):
    """The parts of a multipart/report, checked for its outline."""
    t.is_(msg.get_content_type(), "multipart/report",
          what + ": multipart/report")
    t.is_(msg.get_param("report-type"), "delivery-status",
          what + ": report-type=delivery-status")
    parts = list(msg.iter_parts())
    t.ok(not msg.defects and all(not p.defects for p in parts),
         what + ": no MIME defects")
    return parts


def test_success(t, li, port):
    qid = send(port, "carol@" + DOMAIN, "alice@" + DOMAIN,
               big_message("tell me", 500), [], ["NOTIFY=SUCCESS,FAILURE"])
    t.ok(qid is not None, "NOTIFY=SUCCESS: accepted")
    msg = notice(t, li, "carol")
    t.ok(msg is not None, "a success notice reaches the sender")
    if msg is None:
        return
    t.is_(msg["Subject"], "Successful Mail Delivery Report",
          "success: subject")
    parts = report_parts(t, msg, "success")
    if len(parts) == 3:
        rcpt = parts[1].get_payload()[-1]
        t.is_(rcpt["Action"], "delivered", "success: Action delivered")
        t.like(rcpt["Status"], r"^2\.", "success: Status 2.x.x")
        t.is_(parts[2].get_content_type(), "text/rfc822-headers",
              "success: the headers only")
    t.ok(inst_log_has(li, r"%s: sender delivery status notification: "
                      % qid), "success: logged")


def inst_log_has(li, pattern):
    return li.inst.wait_log(pattern)


def test_delay(t, mode):
    """local_quota_exceeded_action = defer: a delay warning, once."""
    port = free_port()
    services = ["%d inet n - y - - smtpd" % port,
                "qmgr unix n - n 300 1 qmgr"]
    if built("anvil/anvil"):
        services.append("anvil unix - - y - 1 anvil")
    li = LocalInstance(t, mode, users=USERS, main={
        "myhostname": HOST, "virtual_mailbox_domains": DOMAIN,
        "local_quota_exceeded_action": "defer", "delay_warning_time": "1s",
        "queue_run_delay": "1s", "minimal_backoff_time": "1s",
        "maximal_backoff_time": "2s"}, services=services)
    li.start()
    qid = send(port, "alice@" + DOMAIN, "bob@" + DOMAIN,
               big_message("slow one", 8000), ["RET=FULL"])
    t.ok(qid is not None, "delay: accepted")
    msg = notice(t, li, "alice")
    t.ok(msg is not None, "delay: a warning reaches the sender")
    if msg is not None:
        t.is_(msg["Subject"], "Delayed Mail (still being retried)",
              "delay: subject")
        parts = report_parts(t, msg, "delay")
        if len(parts) == 3:
            rcpt = parts[1].get_payload()[-1]
            t.is_(rcpt["Action"], "delayed", "delay: Action delayed")
            t.is_(rcpt["Status"], "4.2.2", "delay: Status 4.2.2")
            t.ok(rcpt["Will-Retry-Until"] is not None,
                 "delay: Will-Retry-Until")
            t.is_(parts[2].get_content_type(), "text/rfc822-headers",
                  "delay: the headers only, even with RET=FULL")
            t.like(parts[0].get_content(), r"do not need to send",
                   "delay: the text says it is only a warning")
    t.ok(li.inst.wait_log(r"%s: sender delay notification: " % qid),
         "delay: logged")
    # several more retries pass: still one warning
    li.inst.wait_log(r"%s: to=<bob@%s>.*status=deferred" % (qid, DOMAIN),
                     count=4)
    t.is_(len(messages(li, "alice")), 1, "delay: warned once only")
    li.teardown()


def main(t, mode):
    if not built(*PROGS):
        t.skip("not built: " + ", ".join(
            p for p in PROGS if not os.access(os.path.join(TOP, p), os.X_OK)))
        return
    port = free_port()
    services = ["%d inet n - y - - smtpd" % port,
                "qmgr unix n - n 300 1 qmgr"]
    if built("anvil/anvil"):
        services.append("anvil unix - - y - 1 anvil")
    li = LocalInstance(t, mode, users=USERS, main={
        "myhostname": HOST, "virtual_mailbox_domains": DOMAIN,
        "local_quota_exceeded_action": "bounce"}, services=services)
    inst = li.inst
    li.start()

    # 1. over quota, RET=FULL, ENVID, ORCPT: a full report comes back
    qid = send(port, "alice@" + DOMAIN, "bob@" + DOMAIN,
               big_message("too big for bob", 8000),
               ["RET=FULL", "ENVID=QQ+2B314"],
               ["NOTIFY=FAILURE", "ORCPT=rfc822;bob+2Bx@" + DOMAIN])
    t.ok(qid is not None, "the message is accepted with a queue ID")
    t.ok(inst.wait_log(r"%s: to=<bob@%s>.*status=bounced" % (qid, DOMAIN)),
         "its delivery bounces")
    t.ok(inst.wait_log(r"%s: sender non-delivery notification: [0-9A-F]+"
                       % qid), "the notice is logged with its queue ID")
    got = wait_for(lambda: messages(li, "alice"), "the notice", t)
    t.is_(len(got), 1, "one notice in the sender's Maildir")
    if got:
        with open(got[0], "rb") as f:
            raw = f.read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        t.is_(msg["Return-Path"], "<>", "delivered with the null sender")
        t.like(msg["From"], r"^MAILER-DAEMON@%s" % re.escape(HOST),
               "from MAILER-DAEMON")
        t.is_(msg["Subject"], "Undelivered Mail Returned to Sender",
              "subject")
        t.is_(msg["Auto-Submitted"], "auto-replied", "Auto-Submitted")
        t.is_(msg.get_content_type(), "multipart/report", "multipart/report")
        t.is_(msg.get_param("report-type"), "delivery-status", "report-type")
        parts = list(msg.iter_parts())
        t.is_([p.get_content_type() for p in parts],
              ["text/plain", "message/delivery-status", "message/rfc822"],
              "the three parts, the original whole (RET=FULL)")
        t.ok(not msg.defects and all(not p.defects for p in parts),
             "no MIME defects")
        if len(parts) == 3:
            t.like(parts[0].get_content(), r"<bob@%s>" % DOMAIN,
                   "the text names the recipient")
            blocks = parts[1].get_payload()
            t.is_(len(blocks), 2, "per-message and one per-recipient block")
            per_msg, per_rcpt = blocks[0], blocks[-1]
            t.is_(per_msg["Reporting-MTA"], "dns; " + HOST, "Reporting-MTA")
            t.is_(per_msg["X-Postern-Queue-ID"], qid, "X-Postern-Queue-ID")
            t.is_(per_msg["Original-Envelope-Id"], "QQ+314",
                  "Original-Envelope-Id, decoded")
            t.is_(per_rcpt["Final-Recipient"], "rfc822; bob@" + DOMAIN,
                  "Final-Recipient")
            t.is_(per_rcpt["Original-Recipient"], "rfc822; bob+x@" + DOMAIN,
                  "Original-Recipient, decoded from ORCPT")
            t.is_(per_rcpt["Action"], "failed", "Action")
            t.is_(per_rcpt["Status"], "5.2.2", "Status")
            t.like(per_rcpt["Diagnostic-Code"], r"^x-unix; .*quota",
                   "Diagnostic-Code")
            inner = parts[2].get_payload()[0]
            t.is_(inner["Subject"], "too big for bob",
                  "the original comes back")
            t.like(inner.get_payload(), r"dull boy", "  with its body")
        bqid = re.search(r"sender non-delivery notification: ([0-9A-F]+)",
                         inst.log()).group(1)
        t.ok(inst.wait_log(r"%s: removed" % bqid), "the notice is removed "
             "from the queue once delivered")

    # 2. NOTIFY=NEVER: bounced, but nobody is told
    qid2 = send(port, "alice@" + DOMAIN, "bob@" + DOMAIN,
                big_message("never tell", 8000), [], ["NOTIFY=NEVER"])
    t.ok(qid2 is not None, "NOTIFY=NEVER: accepted")
    t.ok(inst.wait_log(r"%s: removed" % qid2), "  bounced and removed")
    t.ok(not re.search(r"%s: sender non-delivery" % qid2, inst.log()),
         "  no notice")
    t.is_(len(messages(li, "alice")), 1, "  nothing more for the sender")

    # 3. a bounce is never bounced
    qid3 = send(port, "", "bob@" + DOMAIN, big_message("from nobody", 8000))
    t.ok(qid3 is not None, "null sender: accepted")
    t.ok(inst.wait_log(r"%s: discarding sender non-delivery notification"
                       % qid3), "  its notice is discarded and logged")
    t.ok(inst.wait_log(r"%s: removed" % qid3), "  and it is removed")

    test_success(t, li, port)
    li.teardown()
    test_delay(t, mode)


run(main)

#!/usr/bin/env python3
# smtpd: recipient and relay policy. mydestination with alias_maps,
# virtual mailbox and alias domains, relay_domains, mynetworks (IPv4
# and IPv6), relay denied, unknown users, and a table that cannot be
# read (451 4.3.0, never 5xx, never acceptance).
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, free_port, run  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (Raw, greet, qcat, queued_id, smtpd_instance,  # noqa
                     wait_queued)

FILES = {
    "aliases": "root admin@example.test\ninfo user@example.test\n",
    "vmailbox": "user@example.test user/\n@catch.example catch/\n",
    "valias": "sales@alias.example user@example.test\n"
              "fwd@example.test user@example.test\n",
}
MAIN = {
    "mynetworks": "192.0.2.0/24",
    "smtpd_greet_pause": "0",
    "mydestination": "localhost, local.example",
    "alias_maps": "texthash:$config_directory/aliases",
    "virtual_mailbox_domains": "example.test, catch.example",
    "virtual_mailbox_maps": "texthash:$config_directory/vmailbox",
    "virtual_alias_domains": "alias.example",
    "virtual_alias_maps": "texthash:$config_directory/valias",
    "recipient_delimiter": "+",
    "relay_domains": "relay.example",
}


def has_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def main(t, mode):
    v6 = has_ipv6()
    p6 = free_port()
    services = []
    if v6:
        services.append("[::1]:%d inet n - y - - smtpd "
                        "-o mynetworks=127.0.0.0/8,[::1]/128" % p6)
    inst, (port, port_mynet, port_broken) = smtpd_instance(
        t, mode, main=MAIN, files=FILES, ports=3, services=services,
        opts=[[], ["mynetworks=127.0.0.0/8"],
              ["virtual_mailbox_maps=hash:$config_directory/never-made"]])

    cases = [
        ("nobody@elsewhere.org", 554,
         "5.7.1 <nobody@elsewhere.org>: Relay access denied"),
        ("x@relay.example", 250, "2.1.5 Ok"),
        ("x@sub.relay.example", 250, "2.1.5 Ok"),
        ("x@notrelay.example", 554,
         "5.7.1 <x@notrelay.example>: Relay access denied"),
        ("user@example.test", 250, "2.1.5 Ok"),
        ("USER@Example.TEST", 250, "2.1.5 Ok"),
        ("user+tag@example.test", 250, "2.1.5 Ok"),
        ("nobody@example.test", 550,
         "5.1.1 <nobody@example.test>: Recipient address rejected: "
         "User unknown in virtual mailbox table"),
        ("anything@catch.example", 250, "2.1.5 Ok"),
        ("fwd@example.test", 250, "2.1.5 Ok"),
        ("root@localhost", 250, "2.1.5 Ok"),
        ("info+x@local.example", 250, "2.1.5 Ok"),
        ("postmaster@local.example", 250, "2.1.5 Ok"),
        ("nobody@localhost", 550,
         "5.1.1 <nobody@localhost>: Recipient address rejected: "
         "User unknown in local recipient table"),
        ("sales@alias.example", 250, "2.1.5 Ok"),
        ("other@alias.example", 550,
         "5.1.1 <other@alias.example>: Recipient address rejected: "
         "User unknown in virtual alias table"),
    ]
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    for rcpt, code, text in cases:
        t.is_(c.cmd("RCPT TO:<%s>" % rcpt), (code, [text]),
              "outside mynetworks: %s -> %d" % (rcpt, code))
    t.is_(c.cmd("RCPT TO:<Postmaster>"), (250, ["2.1.5 Ok"]),
          "<Postmaster>")
    c.cmd("DATA")
    c.send(b"Subject: policy\r\n\r\n.\r\n")
    q = queued_id(c.reply())
    t.ok(q is not None, "the accepted recipients get the message")
    c.cmd("QUIT")
    t.ok(inst.wait_log(
        r"NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.1\]: 554 5\.7\.1 "
        r"<nobody@elsewhere\.org>: Relay access denied; "
        r"from=<a@example\.org> to=<nobody@elsewhere\.org> proto=ESMTP "
        r"helo=<client\.example>"), "log: the relay reject, Postfix-style")
    t.ok(inst.wait_log(
        r"\w+: reject: RCPT from \S+\[127\.0\.0\.1\]: 550 5\.1\.1 "
        r"<nobody@localhost>: Recipient address rejected: User unknown "
        r"in local recipient table; from=<a@example\.org> "
        r"to=<nobody@localhost> proto=ESMTP helo=<client\.example>"),
        "log: an unknown user, with the queue ID once one exists")

    # from mynetworks: relay allowed, unknown users still refused
    c = greet(port_mynet)
    c.cmd("MAIL FROM:<a@example.org>")
    t.is_(c.cmd("RCPT TO:<nobody@elsewhere.org>"), (250, ["2.1.5 Ok"]),
          "inside mynetworks: relaying is allowed")
    t.is_(c.cmd("RCPT TO:<nobody@example.test>")[0], 550,
          "inside mynetworks: an unknown local user is still 550")
    c.cmd("QUIT")

    # a table that cannot be read
    c = greet(port_broken)
    c.cmd("MAIL FROM:<a@example.org>")
    t.is_(c.cmd("RCPT TO:<user@example.test>"),
          (451, ["4.3.0 <user@example.test>: Temporary lookup failure"]),
          "an unreadable virtual_mailbox_maps: 451 4.3.0")
    t.is_(c.cmd("RCPT TO:<x@relay.example>")[0], 250,
          "other classes are not affected")
    c.cmd("QUIT")
    t.ok(inst.wait_log(r"warning: \S+\[127\.0\.0\.1\]: recipient "
                       r"<user@example\.test>: .*never-made"),
         "log: a warning names the table")

    # IPv6 client
    if v6:
        c = Raw(p6, host="::1", family=socket.AF_INET6)
        c.reply()
        c.cmd("EHLO v6.example")
        c.cmd("MAIL FROM:<a@example.org>")
        t.is_(c.cmd("RCPT TO:<x@elsewhere.org>"), (250, ["2.1.5 Ok"]),
              "[::1]/128 in mynetworks: an IPv6 client may relay")
        c.cmd("DATA")
        c.send(b"Subject: v6\r\n\r\n.\r\n")
        q6 = queued_id(c.reply())
        p = wait_queued(inst, q6) if q6 else None
        t.like(qcat(p, "-c").decode() if p else "",
               r"^Received: from v6\.example \(\S+ \[IPv6:::1\]\)",
               "Received: shows [IPv6:::1]")
        c.cmd("QUIT")
        t.ok(inst.wait_log(r"connect from \S+\[::1\]"), "log: [::1]")
    else:
        t.skip("no IPv6 loopback", 3)
    inst.teardown(expect=[r"warning: .*never-made"])


run(main)

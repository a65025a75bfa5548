"""relaytest.py - two Postern instances and DNS, for the relay tests.

    from relaytest import Pair
    p = Pair(t, mode, mx={"b.example": [(10, "mx.b.example")]},
             hosts={"mx.b.example": ["127.0.0.2"]})
    p.start()
    p.a_send("user@b.example")          # queued at A by qput
    p.wait_b_maildir(1, "user@b.example")
    p.teardown()

A is the sender's instance: qmgr, local (for its own users and the
bounces), the resolver pointed at a dnsmasq on a loopback port, and the
SMTP client as the smtp and relay transports; smtp_tcp_port is B's port,
so MX hosts on loopback addresses reach B. Optionally submission (587,
STARTTLS and AUTH) as `postern init` writes it.

B is the receiving instance, domain b.example, listening on 127.0.0.2
(another loopback address) with smtpd, qmgr and local; its Maildirs are
where a test finds what A sent. Either may be left out (b=False) when a
test needs a scripted peer or smtp-sink instead; `peer_port` is then the
port A connects to.

Test domains are under .example (libunbound refuses .test itself), and
the two instances have different host names: a server that greets with
the client's own name is "mail loops back to myself".
"""

import os
import re
import subprocess

import qmgrtest
from dnstest import Dnsmasq
from postern import POSTERN, TEST_USER, TOP, free_port, wait_for

RELAY = os.path.join(TOP, "delivery", "relay", "relay")
RESOLVER = os.path.join(TOP, "resolver", "resolver")
B_DOMAIN = "b.example"
B_ADDR = "127.0.0.2"


def built():
    return all(os.access(p, os.X_OK) for p in (
        RELAY, RESOLVER, qmgrtest.QMGR, qmgrtest.LOCAL, qmgrtest.QPUT))


def anvil_line():
    if os.access(os.path.join(TOP, "anvil", "anvil"), os.X_OK):
        return ["anvil unix - - y - 1 anvil"]
    return []


class Pair:
    def __init__(self, t, mode, mx=None, hosts=None, cnames=None,
                 nullmx=(), a_main=None, b_main=None, b=True,
                 peer_port=None, a_services=(), dns=True):
        self.t = t
        self.mode = mode
        self.dns = None
        if dns:
            self.dns = Dnsmasq(t, mx=mx if mx is not None else {
                B_DOMAIN: [(10, "mx." + B_DOMAIN)]},
                hosts=hosts if hosts is not None else {
                "mx." + B_DOMAIN: [B_ADDR]},
                cnames=cnames, nullmx=nullmx)
        self.peer_port = peer_port or free_port()
        self.b = None
        if b:
            conf = {"myhostname": "mx." + B_DOMAIN,
                    "inet_interfaces": B_ADDR,
                    "mynetworks": "127.0.0.0/8"}
            conf.update(b_main or {})
            self.b = qmgrtest.instance(t, mode, main=conf, domain=B_DOMAIN,
                                       services=qmgrtest.SERVICES + [
                "%d inet n - y - - smtpd" % self.peer_port] + anvil_line())
        conf = {"myhostname": "mail.a.example",
                "smtp_tcp_port": str(self.peer_port),
                "smtp_connection_cache_time_limit": "2s"}
        if self.dns is not None:
            conf["resolver_nameservers"] = "127.0.0.1:%d" % self.dns.port
        conf.update(a_main or {})
        self.a = qmgrtest.instance(t, mode, main=conf, services=[
            "qmgr unix n - n 300 1 qmgr",
            "local unix - n y - - local",
            "resolver unix - n y - 1 resolver",
            "smtp unix - - y - - relay",
            "relay unix - - y - - relay",
        ] + list(a_services) + anvil_line())

    def start(self):
        if self.dns is not None:
            self.dns.start()
        if self.b is not None:
            qmgrtest.start(self.b)
        qmgrtest.start(self.a)

    def a_send(self, *rcpts, sender="sender@example.test", body=None,
               subject="relayed", attrs=()):
        """Queue a message at A (as smtpd would have); its queue ID."""
        return qmgrtest.qput(self.a, sender, list(rcpts), body=body,
                             subject=subject, attrs=attrs)

    def b_maildir(self, user):
        return qmgrtest.maildir(self.b, user)

    def wait_b_maildir(self, count, user, bound=60):
        return wait_for(lambda: len(self.b_maildir(user)) >= count,
                        "%d message(s) at B for %s" % (count, user),
                        self.t, bound)

    def b_user(self, address, password="secret"):
        r = subprocess.run([POSTERN, "-c", self.b.etc, "user", "add",
                            "--stdin", address], input=password + "\n",
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.t.diag(r.stdout + r.stderr)
        if self.mode == "root":
            import pwd
            pw = pwd.getpwnam(TEST_USER)
            for d, _, files in os.walk(os.path.join(self.b.dir, "mail")):
                os.chown(d, pw.pw_uid, pw.pw_gid)
                for f in files:
                    os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)
        return r.returncode == 0

    def relay_lines(self, qid=None):
        """A's relay log lines (of one message)."""
        return [ln for ln in self.a.log().splitlines()
                if re.search(r"postern/relay\[\d+\]: ", ln) and
                (qid is None or (qid + ":") in ln)]

    def teardown(self, a_expect=(), b_expect=()):
        self.a.teardown(expect=a_expect)
        if self.b is not None:
            self.b.teardown(expect=b_expect)
        if self.dns is not None:
            self.dns.stop()

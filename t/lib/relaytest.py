"""relaytest.py - two Postern instances and DNS, for the relay tests.

    from relaytest import Pair
    p = Pair(t, mode, mx={"b.example": [(10, "mx.b.example")]},
             hosts={"mx.b.example": ["127.0.0.2"]})
    p.start()
    p.a_send("user@b.example")          # queued at A by qput, or
    p.submit(port, "alice@example.test", "pw", ["user@b.example"], body)
                                        # through A's submission port
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
from dnstest import Dnsmasq, Responder
from postern import POSTERN, TEST_USER, TOP, free_port, wait_for

RELAY = os.path.join(TOP, "delivery", "relay", "relay")
RESOLVER = os.path.join(TOP, "resolver", "resolver")
B_DOMAIN = "b.example"
PEER_PIPE_WAIT = 5.0    # seconds a probing peer waits for pipelined
                        # commands before it answers MAIL (a bound)
B_ADDR = "127.0.0.2"


def built():
    return all(os.access(p, os.X_OK) for p in (
        RELAY, RESOLVER, qmgrtest.QMGR, qmgrtest.LOCAL, qmgrtest.QPUT))


def run_or_skip(main, programs=()):
    """run(main) when the relay, the resolver, dnsmasq and programs (more
    paths under TOP) are there; else the TAP skip line saying what is
    missing."""
    from postern import run
    import dnstest
    if not built() or not all(os.access(os.path.join(TOP, x), os.X_OK)
                              for x in programs):
        print("1..0 # SKIP the relay, the resolver or %s is not built" %
              ", ".join(programs or ["qmgr"]))
    elif not dnstest.have_dnsmasq():
        print("1..0 # SKIP dnsmasq is missing (apt-get install "
              "dnsmasq-base)")
    else:
        run(main)


def anvil_line():
    if os.access(os.path.join(TOP, "anvil", "anvil"), os.X_OK):
        return ["anvil unix - - y - 1 anvil"]
    return []


class Pair:
    def __init__(self, t, mode, mx=None, hosts=None, cnames=None,
                 nullmx=(), a_main=None, b_main=None, b=True,
                 peer_port=None, a_services=(), dns=True, responder=False,
                 b_services=()):
        self.t = t
        self.mode = mode
        self.dns = None
        self.resp = None
        if dns:
            self.dns = Dnsmasq(t, mx=mx if mx is not None else {
                B_DOMAIN: [(10, "mx." + B_DOMAIN)]},
                hosts=hosts if hosts is not None else {
                "mx." + B_DOMAIN: [B_ADDR]},
                cnames=cnames, nullmx=nullmx)
            if responder:
                # scripted answers in front of dnsmasq (dnstest.py)
                self.resp = Responder(t, upstream=self.dns)
        self.peer_port = peer_port or free_port()
        self.b = None
        if b:
            conf = {"myhostname": "mx." + B_DOMAIN,
                    "inet_interfaces": B_ADDR,
                    "mynetworks": "127.0.0.0/8"}
            conf.update(b_main or {})
            self.b = qmgrtest.instance(t, mode, main=conf, domain=B_DOMAIN,
                                       services=qmgrtest.SERVICES + [
                "%d inet n - y - - smtpd" % self.peer_port] +
                list(b_services) + anvil_line())
        conf = {"myhostname": "mail.a.example",
                "smtp_tcp_port": str(self.peer_port),
                "smtp_connection_cache_time_limit": "2s"}
        if self.dns is not None:
            conf["resolver_nameservers"] = "127.0.0.1:%d" % (
                self.resp or self.dns).port
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
        if self.resp is not None:
            self.resp.start()
        if self.b is not None:
            qmgrtest.start(self.b)
        qmgrtest.start(self.a)

    def a_send(self, *rcpts, sender="sender@example.test", body=None,
               subject="relayed", attrs=()):
        """Queue a message at A (as smtpd would have); its queue ID."""
        return qmgrtest.qput(self.a, sender, list(rcpts), body=body,
                             subject=subject, attrs=attrs)

    def submit(self, port, user, password, rcpts, body, options=()):
        """A's user submits body on port as a mail client does (EHLO,
        STARTTLS, EHLO, AUTH, MAIL with options, RCPT, DATA): the
        refused recipients, {} when all are taken."""
        import smtplib
        import ssl
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo("client.example")
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("client.example")
        s.login(user, password)
        refused = s.sendmail(user, rcpts, body, mail_options=list(options))
        s.quit()
        return refused

    def b_maildir(self, user):
        return qmgrtest.maildir(self.b, user)

    def wait_b_maildir(self, count, user, bound=60):
        return wait_for(lambda: len(self.b_maildir(user)) >= count,
                        "%d message(s) at B for %s" % (count, user),
                        self.t, bound)

    def a_user(self, address, password="secret"):
        return self._user(self.a, address, password)

    def b_user(self, address, password="secret"):
        return self._user(self.b, address, password)

    def _user(self, inst, address, password):
        """`postern user add` at inst; as root the new Maildirs go to the
        vmail user, as a delivery's would."""
        r = subprocess.run([POSTERN, "-c", inst.etc, "user", "add",
                            "--stdin", address], input=password + "\n",
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.t.diag(r.stdout + r.stderr)
        if self.mode == "root":
            import pwd
            pw = pwd.getpwnam(TEST_USER)
            for d, _, files in os.walk(os.path.join(inst.dir, "mail")):
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
        if self.resp is not None:
            self.resp.stop()
        if self.dns is not None:
            self.dns.stop()


# --- a scripted SMTP server, for replies no real server gives on cue ----

class Peer:
    """A small SMTP server on addr:port (a thread per connection) whose
    replies a test chooses. ehlo: the keywords it announces; mail, rcpt,
    data: functions (argument: the command line, or the message bytes)
    returning the reply line, or None for the default 250. Every session
    is kept in self.sessions: {"lines": [...], "messages": [{"mail",
    "rcpts", "data" (un-dot-stuffed bytes), "raw" (as sent),
    "pipelined"}]}. With probe_pipelining, the reply to MAIL waits (at
    most PEER_PIPE_WAIT) to see whether the client sends on without it:
    "pipelined" says whether it did."""

    DEFAULT_EHLO = ("PIPELINING", "SIZE 10240000", "8BITMIME", "DSN",
                    "SMTPUTF8", "ENHANCEDSTATUSCODES")

    def __init__(self, t, addr=B_ADDR, port=None, ehlo=DEFAULT_EHLO,
                 name="peer.example", mail=None, rcpt=None, data=None,
                 greeting=None, probe_pipelining=False):
        import socket
        import threading
        self.t = t
        self.addr = addr
        self.port = port or free_port()
        self.ehlo = list(ehlo)
        self.name = name
        self.mail = mail
        self.rcpt = rcpt
        self.data = data
        self.greeting = greeting or "220 %s ESMTP scripted" % name
        self.probe_pipelining = probe_pipelining
        self.sessions = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, self.port))
        self.sock.listen(32)
        self.stopping = False

    def start(self):
        import threading
        threading.Thread(target=self._loop, daemon=True).start()
        return self

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass

    def messages(self):
        with self.lock:
            return [m for s in self.sessions for m in s["messages"]]

    def _loop(self):
        import threading
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            sess = {"lines": [], "messages": []}
            with self.lock:
                self.sessions.append(sess)
            threading.Thread(target=self._serve, args=(c, sess),
                             daemon=True).start()

    def _serve(self, c, sess):
        import select
        buf = [b""]

        def readline():
            while b"\n" not in buf[0]:
                chunk = c.recv(65536)
                if not chunk:
                    return b""
                buf[0] += chunk
            line, _, buf[0] = buf[0].partition(b"\n")
            return line + b"\n"

        def more_soon():
            """Did the client send more without waiting for a reply?"""
            if buf[0]:
                return True
            r, _, _ = select.select([c], [], [], PEER_PIPE_WAIT)
            return bool(r)

        def say(text):
            c.sendall(text.encode() + b"\r\n")
        try:
            c.settimeout(60)
            say(self.greeting)
            msg = None
            while True:
                line = readline()
                if not line:
                    return
                cmd = line.rstrip(b"\r\n").decode("utf-8", "replace")
                with self.lock:
                    sess["lines"].append(cmd)
                verb = cmd.split(" ")[0].upper()
                if verb == "EHLO":
                    lines = [self.name] + self.ehlo
                    for i, kw in enumerate(lines):
                        say("250%s%s" % (" " if i == len(lines) - 1
                                         else "-", kw))
                elif verb == "HELO":
                    say("250 " + self.name)
                elif verb == "MAIL":
                    msg = {"mail": cmd, "rcpts": [], "data": b"",
                           "raw": b"", "pipelined": None}
                    if self.probe_pipelining:
                        msg["pipelined"] = more_soon()
                    say((self.mail and self.mail(cmd)) or "250 2.1.0 Ok")
                elif verb == "RCPT":
                    r = (self.rcpt and self.rcpt(cmd)) or "250 2.1.5 Ok"
                    if r.startswith("2") and msg is not None:
                        msg["rcpts"].append(cmd)
                    say(r)
                elif verb == "DATA":
                    if msg is None or not msg["rcpts"]:
                        say("554 5.5.1 Error: no valid recipients")
                        continue
                    say("354 End data with <CR><LF>.<CR><LF>")
                    raw = b""
                    while True:
                        ln = readline()
                        if not ln or ln == b".\r\n":
                            break
                        raw += ln
                    msg["raw"] = raw
                    msg["data"] = b"".join(
                        (ln[1:] if ln.startswith(b".") else ln)
                        for ln in raw.splitlines(keepends=True))
                    with self.lock:
                        sess["messages"].append(msg)
                    say((self.data and self.data(msg)) or
                        "250 2.0.0 Ok: queued as SCRIPTED")
                    msg = None
                elif verb == "RSET":
                    msg = None
                    say("250 2.0.0 Ok")
                elif verb == "QUIT":
                    say("221 2.0.0 Bye")
                    return
                elif verb == "NOOP":
                    say("250 2.0.0 Ok")
                else:
                    say("502 5.5.2 Error: command not recognized")
        except OSError:
            pass
        finally:
            c.close()


# --- a test certificate authority ------------------------------------------

def make_ca(d):
    """A CA in directory d: (ca.pem, ca.key)."""
    ca, key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "30",
                    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-subj", "/CN=Postern Test CA", "-keyout", key,
                    "-out", ca, "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                   check=True, capture_output=True)
    return ca, key


def issue_cert(d, ca, cakey, name, stem=None):
    """A server certificate for name (CN and subjectAltName) signed by the
    CA: (cert.pem, key.pem) in d."""
    stem = stem or name
    cert = os.path.join(d, stem + ".pem")
    key = os.path.join(d, stem + ".key")
    csr = os.path.join(d, stem + ".csr")
    ext = os.path.join(d, stem + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n" %
                name)
    subprocess.run(["openssl", "req", "-new", "-nodes", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-subj",
                    "/CN=" + name, "-keyout", key, "-out", csr],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca,
                    "-CAkey", cakey, "-CAcreateserial", "-days", "30",
                    "-extfile", ext, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key

"""dnstest.py - DNS for the tests: dnsmasq and a scripted responder.

    from dnstest import Dnsmasq, Responder
    dns = Dnsmasq(t, mx={"b.example": [(10, "mx.b.example")]},
                  hosts={"mx.b.example": ["127.0.0.2"]})
    dns.start()                 # dns.port: UDP and TCP on 127.0.0.1
    ...
    dns.stop()

Dnsmasq runs Debian's dnsmasq (dnsmasq-base) in the foreground on a
free loopback port, authoritative for the names it is given (--local for
their top-level domain, so any other name in it is NXDOMAIN) and with no
upstream. MX records, A/AAAA records, CNAMEs and null MX records (RFC
7505, as a raw record: dnsmasq's --mx-host cannot name the root).

Responder is what dnsmasq cannot be: a small DNS server in this process
(UDP and TCP) that answers per name as scripted: a fixed answer, a delay,
SERVFAIL, a truncated UDP answer (the full one over TCP), garbage, or a
behaviour that changes while the test runs (resp.script[name] = ...).
Names it has no script for are passed on to an upstream (a Dnsmasq), so
one resolver_nameservers entry serves a whole test.

Test domains live under .example: libunbound refuses .test itself
(RFC 6761 special-use names are local zones in unbound).
"""

import os
import shutil
import socket
import struct
import subprocess
import threading
import time

from postern import WAIT, wait_for

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"

T_A, T_MX, T_CNAME, T_AAAA = 1, 15, 5, 28


def have_dnsmasq():
    return os.access(DNSMASQ, os.X_OK)


def free_udp_tcp_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        s.close()
        u.close()
        return port
    raise RuntimeError("no free port")


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode()
            out += bytes([len(b)]) + b
    return out + b"\0"


def query(port, name, qtype, tcp=False, timeout=5):
    """Ask 127.0.0.1:port; (rcode, answer count) - for readiness checks."""
    pkt = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + \
        encode_name(name) + struct.pack(">HH", qtype, 1)
    if tcp:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(struct.pack(">H", len(pkt)) + pkt)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(
                ">H", data[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        data = data[2:]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        s.sendto(pkt, ("127.0.0.1", port))
        data = s.recv(65535)
        s.close()
    return data[3] & 15, struct.unpack(">H", data[6:8])[0]


class Dnsmasq:
    def __init__(self, t, mx=None, hosts=None, cnames=None, nullmx=(),
                 tld="example"):
        self.t = t
        self.port = free_udp_tcp_port()
        self.proc = None
        args = [DNSMASQ, "-k", "-p", str(self.port),
                "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=",
                "--conf-file=/dev/null", "--local=/%s/" % tld,
                "--log-queries", "--log-facility=-"]
        if os.geteuid() == 0:
            args.append("--user=nobody")
        for domain, records in (mx or {}).items():
            for pref, host in records:
                args.append("--mx-host=%s,%s,%d" % (domain, host, pref))
        for host, addrs in (hosts or {}).items():
            args.append("--host-record=%s,%s" % (host, ",".join(addrs)))
        for alias, target in (cnames or {}).items():
            args.append("--cname=%s,%s" % (alias, target))
        for domain in nullmx:
            # MX 0 . : preference 0, the root name
            args.append("--dns-rr=%s,15,000000" % domain)
        self.args = args
        self.logfile = None

    def start(self):
        import tempfile
        self.logfile = tempfile.NamedTemporaryFile(prefix="dnsmasq.",
                                                   delete=False)
        self.proc = subprocess.Popen(self.args, stdout=self.logfile,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

        def ready():
            if self.proc.poll() is not None:
                return True
            try:
                query(self.port, "ready.check.invalid", T_A, timeout=1)
                return True
            except OSError:
                return False
        wait_for(ready, "dnsmasq to answer", self.t)
        if self.proc.poll() is not None:
            self.t.diag(self.log())
            raise RuntimeError("dnsmasq did not start")
        return self

    def log(self):
        try:
            with open(self.logfile.name, errors="replace") as f:
                return f.read()
        except (OSError, AttributeError):
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logfile is not None:
            try:
                os.unlink(self.logfile.name)
            except OSError:
                pass


# --- the scripted responder ---------------------------------------------

def _parse_question(pkt):
    """(id, flags, qname, qtype, end of question) or None."""
    if len(pkt) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", pkt[:6])
    if qd != 1:
        return None
    i, labels = 12, []
    while i < len(pkt):
        n = pkt[i]
        i += 1
        if n == 0:
            break
        if n > 63 or i + n > len(pkt):
            return None
        labels.append(pkt[i:i + n].decode("ascii", "replace").lower())
        i += n
    if i + 4 > len(pkt):
        return None
    qtype = struct.unpack(">H", pkt[i:i + 2])[0]
    return qid, flags, ".".join(labels), qtype, i + 4


def _rr(name, rtype, rdata, ttl=60):
    return encode_name(name) + struct.pack(">HHIH", rtype, 1, ttl,
                                           len(rdata)) + rdata


def rdata_mx(pref, host):
    return struct.pack(">H", pref) + encode_name(host)


def rdata_a(addr):
    return socket.inet_pton(socket.AF_INET, addr)


def rdata_aaaa(addr):
    return socket.inet_pton(socket.AF_INET6, addr)


class Answer:
    """A scripted answer: rcode and records [(name, type, rdata)]."""

    def __init__(self, records=(), rcode=0, delay=0.0, truncate=False,
                 garbage=False, drop=False):
        self.records = list(records)
        self.rcode = rcode
        self.delay = delay
        self.truncate = truncate
        self.garbage = garbage
        self.drop = drop


SERVFAIL = 2
NXDOMAIN = 3


class Responder:
    """script maps (name, qtype) or name to an Answer, or to a callable
    returning one (called per query, e.g. to fail the first time)."""

    def __init__(self, t, upstream=None):
        self.t = t
        self.upstream = upstream
        self.script = {}
        self.queries = []
        self.port = free_udp_tcp_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(16)
        self.stopping = False
        self.lock = threading.Lock()

    def start(self):
        for target in (self._udp_loop, self._tcp_loop):
            th = threading.Thread(target=target, daemon=True)
            th.start()
        return self

    def stop(self):
        self.stopping = True
        for s in (self.udp, self.tcp):
            try:
                s.close()
            except OSError:
                pass

    def count(self, name, qtype=None):
        with self.lock:
            return sum(1 for n, q, _ in self.queries
                       if n == name and (qtype is None or q == qtype))

    def _lookup(self, name, qtype):
        a = self.script.get((name, qtype), self.script.get(name))
        if callable(a):
            a = a(name, qtype)
        return a

    def _answer(self, pkt, tcp):
        q = _parse_question(pkt)
        if q is None:
            return None
        qid, flags, name, qtype, qend = q
        with self.lock:
            self.queries.append((name, qtype, "tcp" if tcp else "udp"))
        a = self._lookup(name, qtype)
        if a is None:
            return self._forward(pkt, tcp)
        if a.delay:
            time.sleep(a.delay)
        if a.drop:
            return None
        if a.garbage:
            # a header that promises an answer that is not there
            return struct.pack(">HHHHHH", qid, 0x8180, 1, 5, 0, 0) + \
                pkt[12:qend] + b"\xc0\x0c\x00"
        records = [r for r in a.records if r[1] == qtype or r[1] == T_CNAME]
        hdr_flags = 0x8180 | (flags & 0x0100) | a.rcode
        if a.truncate and not tcp:
            hdr_flags |= 0x0200
            records = []
        body = b"".join(_rr(n, rt, rd) for n, rt, rd in records)
        return struct.pack(">HHHHHH", qid, hdr_flags, 1, len(records), 0,
                           0) + pkt[12:qend] + body

    def _forward(self, pkt, tcp):
        if self.upstream is None:
            q = _parse_question(pkt)
            return struct.pack(">HHHHHH", q[0], 0x8183, 1, 0, 0, 0) + \
                pkt[12:q[4]]
        try:
            if tcp:
                s = socket.create_connection(("127.0.0.1",
                                              self.upstream.port), 5)
                s.sendall(struct.pack(">H", len(pkt)) + pkt)
                data = b""
                while len(data) < 2 or len(data) < 2 + struct.unpack(
                        ">H", data[:2])[0]:
                    chunk = s.recv(65535)
                    if not chunk:
                        break
                    data += chunk
                s.close()
                return data[2:]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            s.sendto(pkt, ("127.0.0.1", self.upstream.port))
            data = s.recv(65535)
            s.close()
            return data
        except OSError:
            return None

    def _udp_loop(self):
        while not self.stopping:
            try:
                pkt, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self._udp_one, args=(pkt, peer),
                             daemon=True).start()

    def _udp_one(self, pkt, peer):
        out = self._answer(pkt, False)
        if out is not None:
            try:
                self.udp.sendto(out, peer)
            except OSError:
                pass

    def _tcp_loop(self):
        while not self.stopping:
            try:
                c, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._tcp_one, args=(c,),
                             daemon=True).start()

    def _tcp_one(self, c):
        c.settimeout(WAIT)
        try:
            while True:
                hdr = b""
                while len(hdr) < 2:
                    chunk = c.recv(2 - len(hdr))
                    if not chunk:
                        return
                    hdr += chunk
                n = struct.unpack(">H", hdr)[0]
                pkt = b""
                while len(pkt) < n:
                    chunk = c.recv(n - len(pkt))
                    if not chunk:
                        return
                    pkt += chunk
                out = self._answer(pkt, True)
                if out is None:
                    return
                c.sendall(struct.pack(">H", len(out)) + out)
        except OSError:
            pass
        finally:
            c.close()

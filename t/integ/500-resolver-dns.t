#!/usr/bin/env python3
# The resolver service against real DNS servers on loopback: dnsmasq as
# the authority for the test domains, and a scripted responder in front
# of it for the answers dnsmasq cannot give (delayed, SERVFAIL, truncated,
# malformed). Asked through lib/resolver_clnt (t/bin/resolvc), as a relay
# agent asks.
# check: slow
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, TEST_USER, Instance, run, wait_for  # noqa: E402
import dnstest  # noqa: E402
from dnstest import (Answer, Dnsmasq, Responder, T_A, T_AAAA,  # noqa
                     T_MX, SERVFAIL, rdata_mx)

RESOLVER = os.path.join(TOP, "resolver", "resolver")
RESOLVC = os.path.join(TOP, "t", "bin", "resolvc")
# a real root DS: with it, nothing under our unsigned test zones validates
ROOT_DS = (". IN DS 20326 8 2 "
           "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D")


class Resolvc:
    """One resolver client (one kept connection), as a relay agent."""

    def __init__(self, sock):
        self.p = subprocess.Popen([RESOLVC, sock], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def read(self):
        return self.p.stdout.readline().rstrip("\n")

    def ask(self, line):
        self.send(line)
        return self.read()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def parse(ans):
    """{status, dsn, secure, ascii, hosts: [(name, pref, [addr])], text}"""
    m = re.match(r"^status=(\d) dsn=(\S+) secure=(\d) ascii=(\S*) "
                 r"hosts=(.*?) text=(.*)$", ans or "")
    if not m:
        return {"status": None, "raw": ans, "hosts": [], "dsn": None,
                "text": None, "secure": None, "ascii": None}
    hosts = []
    for h in m.group(5).split():
        name, pref, addrs = h.split(":", 2)
        hosts.append((name, int(pref.rstrip("s")), addrs.split(",")))
    return {"status": int(m.group(1)), "dsn": m.group(2),
            "secure": int(m.group(3)), "ascii": m.group(4), "hosts": hosts,
            "text": m.group(6), "raw": ans}


def main(t, mode):
    dns = Dnsmasq(t, mx={
        "a.example": [(10, "mx1.a.example"), (20, "mx2.a.example"),
                      (30, "mx3.a.example")],
        "eq.example": [(10, "h1.eq.example"), (10, "h2.eq.example"),
                       (10, "h3.eq.example"), (5, "first.eq.example")],
        "dead.example": [(10, "gone.dead.example")],
        "xn--bcher-kva.example": [(10, "mx.xn--bcher-kva.example")],
    }, hosts={
        "mx1.a.example": ["127.0.0.2"],
        "mx2.a.example": ["127.0.0.3", "::1"],
        "mx3.a.example": ["::1"],
        "h1.eq.example": ["127.0.1.1"], "h2.eq.example": ["127.0.1.2"],
        "h3.eq.example": ["127.0.1.3"],
        "first.eq.example": ["127.0.1.9"],
        "implicit.example": ["127.0.0.4"],
        "mx.xn--bcher-kva.example": ["127.0.0.5"],
    }, cnames={"alias.example": "a.example"},
        nullmx=["nullmx.example"]).start()
    resp = Responder(t, upstream=dns)
    mxa = [("delayed.example", T_MX, rdata_mx(10, "mx1.a.example"))]
    resp.script["servfail.example"] = Answer(rcode=SERVFAIL)
    resp.script["delayed.example"] = Answer(mxa, delay=1)
    resp.script["slow.example"] = Answer(
        [("slow.example", T_MX, rdata_mx(10, "mx1.a.example"))], delay=60)
    resp.script["trunc.example"] = Answer(
        [("trunc.example", T_MX, rdata_mx(10, "mx1.a.example"))],
        truncate=True)
    resp.script["garbage.example"] = Answer(garbage=True)
    resp.script[("badmx.example", T_MX)] = Answer(
        [("badmx.example", T_MX, b"\x00\x0a\x03m\xc0x\x00")])
    resp.script[("badaddr.example", T_A)] = Answer(
        [("badaddr.example", T_A, b"\x7f\x00\x00")])
    resp.start()

    conf = {"resolver_nameservers": "127.0.0.1:%d" % resp.port,
            "resolver_query_timeout": "6s"}
    tafile = tempfile.NamedTemporaryFile("w", suffix=".key", delete=False)
    tafile.write("; a root trust anchor\n" + ROOT_DS + "\n")
    tafile.close()
    os.chmod(tafile.name, 0o644)
    inst = Instance(t, mode=mode, main=conf, services=[
        "resolver unix - n y - 1 resolver",
        "resolver4 unix - n y - 1 resolver -o inet_protocols=ipv4",
        "resolverv unix - n y - 1 resolver -o resolver_trust_anchor_file="
        + tafile.name,
        "resolvert unix - n y - 1 resolver -o resolver_query_timeout=1s",
    ])
    inst.start()
    sock = os.path.join(inst.spool, "private", "resolver")
    wait_for(lambda: os.path.exists(sock), "the resolver socket", t)
    c = Resolvc(sock)

    # MX order, every host with its addresses (IPv6 first)
    a = parse(c.ask("mx a.example"))
    t.is_(a["status"], 0, "MX lookup succeeds")
    t.is_([h[0] for h in a["hosts"]],
          ["mx1.a.example", "mx2.a.example", "mx3.a.example"],
          "hosts in MX preference order")
    t.is_([h[1] for h in a["hosts"]], [10, 20, 30], "with preferences")
    t.is_(a["hosts"][1][2], ["::1", "127.0.0.3"],
          "a host's IPv6 and IPv4 addresses")
    t.is_((a["dsn"], a["secure"], a["ascii"]), ("2.0.0", 0, "a.example"),
          "2.0.0, not DNSSEC-validated (no trust anchor), A-label name")

    # equal preferences are shuffled, the best preference stays first
    orders = set()
    firsts = set()
    for _ in range(30):
        e = parse(c.ask("mx eq.example"))
        firsts.add(e["hosts"][0][0] if e["hosts"] else None)
        orders.add(tuple(h[0] for h in e["hosts"][1:]))
    t.is_(firsts, {"first.eq.example"}, "the lowest preference comes first")
    t.ok(all(sorted(o) == ["h1.eq.example", "h2.eq.example",
                           "h3.eq.example"] for o in orders),
         "each equal-preference host once")
    t.ok(len(orders) > 1, "equal preferences in varying order (%d orders "
         "in 30 lookups)" % len(orders))

    # implicit MX, null MX, NXDOMAIN, CNAME, host lookups
    i = parse(c.ask("mx implicit.example"))
    t.is_((i["status"], i["hosts"]), (0, [("implicit.example", 0,
                                           ["127.0.0.4"])]),
          "no MX: the implicit MX, the domain's own address")
    n = parse(c.ask("mx nullmx.example"))
    t.is_((n["status"], n["dsn"]), (2, "5.1.10"), "null MX: 5.1.10")
    t.like(n["text"], r"does not accept mail \(nullMX\)", "null MX reason")
    x = parse(c.ask("mx nosuch.example"))
    t.is_((x["status"], x["dsn"]), (1, "5.1.2"), "NXDOMAIN: 5.1.2")
    t.like(x["text"], r"name=nosuch\.example type=MX: Host not found$",
           "NXDOMAIN reason in Postfix's words")
    cn = parse(c.ask("mx alias.example"))
    t.is_([h[0] for h in cn["hosts"]], ["mx1.a.example", "mx2.a.example",
                                        "mx3.a.example"],
          "a CNAME is followed to the MX records of its target")
    h = parse(c.ask("host mx2.a.example"))
    t.is_(h["hosts"], [("mx2.a.example", 0, ["::1", "127.0.0.3"])],
          "host lookup ([host] next hop): no MX, the addresses")
    d = parse(c.ask("mx dead.example"))
    t.is_((d["status"], d["dsn"]), (1, "5.4.4"),
          "an MX host without address records: 5.4.4")
    t.like(d["text"], r"name=gone\.dead\.example type=A+: Host not found",
           "... and which host")
    u = parse(c.ask("mx bücher.example"))
    t.is_((u["status"], u["ascii"]), (0, "xn--bcher-kva.example"),
          "an internationalised domain is looked up in A-labels")
    t.is_([x[0] for x in u["hosts"]], ["mx.xn--bcher-kva.example"],
          "... and found")
    b = parse(c.ask("mx bad..example"))
    t.is_((b["status"], b["dsn"], b["text"]), (1, "5.1.2",
                                                "malformed domain name"),
          "a malformed domain name: 5.1.2 without a query")

    # what dnsmasq cannot do (the delay first: libunbound trusts a
    # server less once it has sent garbage)
    dl = parse(c.ask("mx delayed.example"))
    if not t.is_([x[0] for x in dl["hosts"]], ["mx1.a.example"],
                 "a delayed answer (1s) is waited for"):
        t.diag(dl["raw"])
        t.diag([q for q in resp.queries if q[0] == "delayed.example"])
    s = parse(c.ask("mx servfail.example"))
    t.is_((s["status"], s["dsn"]), (3, "4.4.3"), "SERVFAIL: 4.4.3")
    t.like(s["text"], r"Host not found, try again", "SERVFAIL reason")
    g = parse(c.ask("mx garbage.example"))
    t.is_((g["status"], g["dsn"]), (3, "4.4.3"), "a malformed answer: "
          "4.4.3")
    tr = parse(c.ask("mx trunc.example"))
    t.is_([x[0] for x in tr["hosts"]], ["mx1.a.example"],
          "a truncated UDP answer is asked again over TCP")
    t.ok(resp.count("trunc.example", T_MX) >= 2 and any(
        q == ("trunc.example", T_MX, "tcp") for q in resp.queries),
        "... (the responder saw the TCP query)")
    bm = parse(c.ask("mx badmx.example"))
    t.is_((bm["status"], bm["dsn"]), (3, "4.4.3"),
          "malformed MX record data: 4.4.3")
    ba = parse(c.ask("host badaddr.example"))
    t.is_(ba["status"], 1, "malformed A record data: not used")

    # one slow domain delays nobody else; it ends at the query timeout
    slow = Resolvc(sock)
    slow.send("mx slow.example")
    wait_for(lambda: resp.count("slow.example", T_MX) > 0,
             "the slow query to reach the responder", t)
    fast = parse(c.ask("mx a.example"))
    t.is_(fast["status"], 0, "another domain is answered while one is slow")
    t.ok(slow.p.poll() is None and resp.count("slow.example") > 0,
         "... and the slow one still waits")
    so = parse(slow.read())
    t.is_((so["status"], so["dsn"]), (3, "4.4.3"),
          "the slow domain: 4.4.3 in the end")
    slow.close()
    # libunbound gives up on a silent server by itself after some
    # seconds; resolver_query_timeout bounds it when that is shorter
    ct = Resolvc(os.path.join(inst.spool, "private", "resolvert"))
    so = parse(ct.ask("mx slow.example"))
    t.is_((so["status"], so["dsn"]), (3, "4.4.3"),
          "resolver_query_timeout = 1s: 4.4.3")
    t.like(so["text"], r"no answer within 1s", "... saying so")
    ct.close()

    # inet_protocols
    sock4 = os.path.join(inst.spool, "private", "resolver4")
    c4 = Resolvc(sock4)
    v4 = parse(c4.ask("mx a.example"))
    t.is_([(x[0], x[2]) for x in v4["hosts"]],
          [("mx1.a.example", ["127.0.0.2"]), ("mx2.a.example",
                                               ["127.0.0.3"])],
          "inet_protocols = ipv4: IPv4 addresses only, hosts without "
          "one left out")
    t.ok(resp.count("mx3.a.example", T_AAAA) >= 0, "(no AAAA needed)")
    c4.close()

    # DNSSEC: with a trust anchor, unsigned answers do not validate
    sockv = os.path.join(inst.spool, "private", "resolverv")
    cv = Resolvc(sockv)
    v = parse(cv.ask("mx a.example"))
    t.is_((v["status"], v["dsn"], v["secure"]), (3, "4.7.5", 0),
          "with a trust anchor, an answer that fails validation: 4.7.5")
    t.like(v["text"], r"DNSSEC validation failed", "... saying so")
    cv.close()

    # garbage on the socket: the connection is dropped, the service stays
    t.is_(c.ask("raw \x00\x00\x00\x05hello"), "sent", "garbage sent")
    again = parse(c.ask("mx a.example"))
    t.is_(again["status"], 0, "the service still answers")
    c.close()

    if mode == "root":
        pids = inst.children_running("resolver")
        t.ok(len(pids) >= 1, "resolver processes found")
        for pid in pids[:1]:
            st = dict(line.split(":", 1) for line in
                      open("/proc/%d/status" % pid))
            import pwd
            uid = str(pwd.getpwnam(TEST_USER).pw_uid)
            t.is_(st["Uid"].split(), [uid] * 4,
                  "the resolver runs as resolver_owner")
            t.is_(os.readlink("/proc/%d/root" % pid),
                  os.path.join(os.path.realpath(inst.spool), "empty"),
                  "jailed in queue_directory/empty")
            t.is_(os.listdir(os.path.join(inst.spool, "empty")), [],
                  "which is empty")
    inst.teardown(expect=[r"protocol error from resolver client",
                          r"DNSSEC validation failed",
                          r"malformed (MX|A) record",
                          r"libunbound: "])
    os.unlink(tafile.name)
    resp.stop()
    dns.stop()


if not (os.access(RESOLVER, os.X_OK) and os.access(RESOLVC, os.X_OK)):
    print("1..0 # SKIP the resolver is not built (make tests)")
elif not dnstest.have_dnsmasq():
    print("1..0 # SKIP dnsmasq is missing (apt-get install dnsmasq-base)")
else:
    run(main)

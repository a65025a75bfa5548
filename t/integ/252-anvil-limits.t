#!/usr/bin/env python3
# smtpd with anvil: smtpd_client_connection_count_limit and
# smtpd_client_connection_rate_limit give a real client 421 4.7.0 while
# other clients are still served; smtpd_client_event_limit_exceptions;
# a killed anvil is restarted and smtpd goes on; with no anvil at all
# smtpd fails open (serves, and warns).
import os
import signal
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, free_port, run, wait_for  # noqa: E402
try:
    from anvil_t import anvil_pids, have  # noqa: E402
except ImportError:     # a copy of the tree without t/lib/anvil_t.py
    have = None
if have is None or not have("anvil/anvil", "smtpd/smtpd"):
    print("1..0 # SKIP anvil or smtpd is not here")
    sys.exit(0)

TOO_MANY = r"^421 4\.7\.0 \S+ Error: too many connections from %s\r?$"
MAIN = {"smtpd_greet_pause": "0", "smtpd_peername_lookup": "no",
        "smtpd_client_event_limit_exceptions": "127.0.0.3"}


def greeting(port, src="127.0.0.1"):
    """Connect from src; (socket, first reply line) ("" when closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    buf = b""
    while b"\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    return s, buf.decode(errors="replace").split("\n")[0].rstrip("\r")


def closed(s):
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


def send_one(port, src, t, what):
    """A whole transaction with smtplib from src; True when queued."""
    try:
        with smtplib.SMTP("127.0.0.1", port, source_address=(src, 0),
                          timeout=20) as c:
            c.ehlo("client.example")
            c.sendmail("a@example.org", ["b@example.net"],
                       b"Subject: x\r\n\r\nbody\r\n")
        return True
    except (smtplib.SMTPException, OSError) as e:
        t.diag("%s: %r" % (what, e))
        return False


def main(t, mode):
    p1, p2 = free_port(), free_port()
    main_cf = dict(MAIN, mynetworks="127.0.0.0/8")
    inst = Instance(t, mode=mode, main=main_cf, services=[
        "%d inet n - y - - smtpd -o smtpd_client_connection_count_limit=2"
        % p1,
        "%d inet n - y - - smtpd -o smtpd_client_connection_count_limit=0 "
        "-o smtpd_client_connection_rate_limit=3" % p2,
        "anvil unix - - y - 1 anvil",
    ])
    inst.start()

    # the count limit
    a, ga = greeting(p1)
    b, gb = greeting(p1)
    t.ok(ga.startswith("220 ") and gb.startswith("220 "),
         "two sessions from 127.0.0.1 at the limit of 2: greeted")
    c, gc = greeting(p1)
    t.like(gc, TOO_MANY % r"127\.0\.0\.1",
           "a third: 421 4.7.0 Error: too many connections")
    t.ok(closed(c), "and the server hangs up")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: Connection concurrency "
                       r"limit exceeded: 3 from \S+\[127\.0\.0\.1\] for "
                       r"service %d" % p1), "log: the limit, the count, "
         "the client and the service")
    t.ok(inst.wait_log(r"NOQUEUE: reject: CONNECT from \S+\[127\.0\.0\.1\]"
                       r": 421 4\.7\.0"), "log: the reject")
    t.ok(send_one(p1, "127.0.0.2", t, "other client"),
         "meanwhile another client (127.0.0.2) is served, a whole "
         "transaction with smtplib")
    ex = [greeting(p1, "127.0.0.3") for _ in range(3)]
    t.ok(all(g.startswith("220 ") for _, g in ex),
         "a client in smtpd_client_event_limit_exceptions is not limited "
         "(three sessions at once)")
    for s, _ in ex:
        s.close()
    a.close()
    t.ok(wait_for(lambda: greeting(p1)[1].startswith("220 "),
                  "a slot after a session ended", t),
         "when a session ends, the client may open another")
    b.close()

    # the rate limit, on the other service (counted apart)
    got = []
    for i in range(4):
        try:
            with smtplib.SMTP("127.0.0.1", p2, timeout=20) as s:
                got.append(s.noop()[0])
        except smtplib.SMTPConnectError as e:
            got.append((e.smtp_code, e.smtp_error.decode()))
    t.is_(got[:3], [250, 250, 250], "three sessions in the rate window")
    t.ok(len(got) == 4 and isinstance(got[3], tuple) and
         got[3][0] == 421 and "4.7.0" in got[3][1] and
         "too many connections from 127.0.0.1" in got[3][1],
         "the fourth: smtplib gets 421 4.7.0 too many connections")
    if len(got) == 4 and not isinstance(got[3], tuple):
        t.diag(repr(got))
    t.ok(inst.wait_log(r"warning: Connection rate limit exceeded: 4 from "
                       r"\S+\[127\.0\.0\.1\] for service %d" % p2),
         "log: the rate")
    t.ok(send_one(p2, "127.0.0.2", t, "other client, rate"),
         "another client is served on that service")

    # anvil killed: the master restarts it, smtpd goes on
    pids = anvil_pids(inst)
    t.is_(len(pids), 1, "one anvil process")
    if mode == "root" and pids:
        inst.check_privs(pids[0], chroot=True)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    t.ok(send_one(p1, "127.0.0.1", t, "after kill"),
         "anvil killed: smtpd still serves (a new anvil counts from zero)")
    t.ok(wait_for(lambda: anvil_pids(inst) and anvil_pids(inst) != pids,
                  "a new anvil", t), "the master started a new anvil")
    inst.teardown(expect=[r"warning: Connection (concurrency|rate) limit "
                          r"exceeded", r"anvil pid \d+ killed by signal 9"])

    # no anvil service at all: fail open, with a warning per session
    p3 = free_port()
    inst = Instance(t, mode=mode, main=MAIN, services=[
        "%d inet n - y - - smtpd -o smtpd_client_connection_count_limit=1"
        % p3])
    inst.start()
    a, ga = greeting(p3)
    t.ok(ga.startswith("220 "), "no anvil: the first session is served")
    t.ok(send_one(p3, "127.0.0.1", t, "no anvil"),
         "and a second one, over the limit: smtpd fails open")
    t.ok(inst.wait_log(r"smtpd\[\d+\]: warning: anvil: connect to "
                       r"private/anvil: .*: no connection limits for "
                       r"\S+\[127\.0\.0\.1\]"), "with a warning that says so")
    a.close()
    inst.teardown(expect=[r"warning: anvil: connect to private/anvil"])

    # the rate window ends (anvil_rate_time_unit=2s)
    p4 = free_port()
    inst = Instance(t, mode=mode, main=dict(MAIN, anvil_rate_time_unit="2s"),
                    services=[
                        "%d inet n - y - - smtpd -o smtpd_client_connection_"
                        "rate_limit=1" % p4, "anvil unix - - y - 1 anvil"])
    inst.start()
    t0 = time.monotonic()
    a, ga = greeting(p4)
    a.close()
    b, gb = greeting(p4)
    b.close()
    if time.monotonic() - t0 < 2:
        t.like(gb, TOO_MANY % r"127\.0\.0\.1",
               "rate limit 1 per 2s: the second session in the window "
               "gets 421")
    else:
        t.skip("this machine took 2s for two connections")
    time.sleep(2.5)
    c, gc = greeting(p4)
    t.ok(gc.startswith("220 "), "after the window, the client is served "
         "again")
    c.close()
    inst.teardown(expect=[r"warning: Connection rate limit exceeded"])


run(main)

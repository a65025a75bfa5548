#!/usr/bin/env python3
# What a hostile or broken client cannot do to the POP3 server: a 1 MiB
# command line (before and after login) is answered -ERR and the
# connection goes on; binary garbage ends in the bad command limit;
# neither disturbs the other clients; 200 idle clients before login
# cost one login process and do not keep a new client out, nor do idle
# logged-in sessions; a silent client is disconnected after
# pop3d_timeout, before and after login, with the log line saying so.
# check: slow
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import free_port, run  # noqa: E402
from pop3_t import (Pop3Raw, add_user, built, pop3_instance,  # noqa: E402
                    proc_pids, put_msg)

if not built():
    print("1..0 # SKIP pop3d, pop3-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "R0bust-secret"
IDLE = 200
SESSIONS = 12


def good_login(t, port, what, user=ALICE, pw=ALICE_PW):
    c = Pop3Raw(port)
    r = c.login(user, pw)
    ok = r == "+OK Logged in." and c.cmd("STAT").startswith("+OK 1 ")
    t.ok(ok, "a normal client is served %s (%s)" % (what, r))
    c.cmd("QUIT")
    c.close()


def check_long(t, port):
    big = b"A" * (1024 * 1024)
    c = Pop3Raw(port)
    c.line()
    c.send(b"USER " + big + b"\r\n")
    t.is_(c.line(), "-ERR Input line too long.", "a 1 MiB line before "
          "login: -ERR")
    t.is_(c.cmd("NOOP"), "+OK", "... and the connection goes on")
    good_login(t, port, "while it happened")
    t.is_(c.cmd("USER " + ALICE), "+OK", "the same client can still log "
          "in")
    t.is_(c.cmd("PASS " + ALICE_PW), "+OK Logged in.", "... +OK")
    c.send(b"LIST " + big + b"\r\n")
    t.is_(c.line(), "-ERR Input line too long.", "a 1 MiB line after "
          "login: -ERR")
    t.ok(c.cmd("STAT").startswith("+OK 1 "), "... and the session goes on")
    c.cmd("QUIT")
    c.close()


def check_garbage(t, port):
    rnd = random.Random(1606)
    for state in ("before", "after"):
        c = Pop3Raw(port)
        if state == "after":
            c.login(ALICE, ALICE_PW)
        else:
            c.line()
        junk = bytes(rnd.randrange(256) for _ in range(200000))
        try:
            c.send(junk + b"\r\n" + b"\x00\xff\r\n" * 40)
        except OSError:
            pass
        t.ok(c.closed(), "binary garbage %s login: the server hangs up "
             "(the bad command limit)" % state)
        c.close()
        good_login(t, port, "after garbage %s login" % state)


def check_idle(t, inst, port):
    conns = []
    for _ in range(IDLE):
        c = Pop3Raw(port)
        conns.append(c)
    greeted = sum(1 for c in conns if c.line() == "+OK Postern ready.")
    t.is_(greeted, IDLE, "%d idle clients before login, all greeted" %
          IDLE)
    after = proc_pids(inst, "pop3-login")
    t.ok(len(after) < 20, "they cost no process each (%d pop3-login "
         "processes, dialers included, for %d clients)" % (len(after), IDLE))
    good_login(t, port, "with %d idle clients" % IDLE)
    sess = []
    for i in range(SESSIONS):
        c = Pop3Raw(port)
        r = c.login("u%d@example.test" % i, "Us3r-secret-%d" % i)
        if r == "+OK Logged in.":
            sess.append(c)
    t.is_(len(sess), SESSIONS, "%d idle logged-in sessions as well" %
          SESSIONS)
    good_login(t, port, "with all of them idle")
    alive = sum(1 for c in conns if c.cmd("NOOP") == "+OK")
    t.is_(alive, IDLE, "the idle clients are still served")
    for c in conns + sess:
        c.close()


def check_timeout(t, inst, port):
    c = Pop3Raw(port)
    t.is_(c.line(), "+OK Postern ready.", "greeted (pop3d_timeout=3s)")
    t.is_(c.line(), "-ERR Disconnected for inactivity.", "silent before "
          "login: disconnected")
    t.ok(c.closed(), "... and the connection closed")
    c.close()
    t.ok(inst.wait_log(r"pop3-login\[\d+\]: Disconnected: Inactivity \(no "
                       r"auth attempts in \d+ secs\): user=<>, "
                       r"rip=127\.0\.0\.1"), "logged by the login side")
    c = Pop3Raw(port)
    t.is_(c.login(ALICE, ALICE_PW), "+OK Logged in.", "logged in")
    t.is_(c.line(), "-ERR Disconnected for inactivity.", "silent after "
          "login: disconnected")
    c.close()
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Disconnected: Disconnected for "
                       r"inactivity user=<alice@example\.test>"),
         "logged by the session side")


def main(t, mode):
    users = {ALICE: ALICE_PW}
    quick = free_port()
    # a login port and a session service with a short idle timeout
    inst, ports = pop3_instance(
        t, mode, users=users, main={"auth_failure_delay": "0"},
        services=["%d inet n n y - - pop3-login -o pop3d_timeout=3s -o "
                  "pop3d_session_service=pop3dq" % quick,
                  "pop3dq unix - n y - - pop3d -o pop3d_timeout=3s"])
    for i in range(SESSIONS):
        add_user(t, inst, "u%d@example.test" % i, "Us3r-secret-%d" % i)
        put_msg(inst, "u%d@example.test" % i, b"Subject: u\n\nu\n")
    put_msg(inst, ALICE, b"Subject: r\n\nhello\n")
    check_long(t, ports["pop3"])
    check_garbage(t, ports["pop3"])
    check_idle(t, inst, ports["pop3"])
    check_timeout(t, inst, quick)
    inst.teardown()


run(main)

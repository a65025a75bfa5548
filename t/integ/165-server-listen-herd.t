#!/usr/bin/env python3
"""The processes a burst leaves stop being woken for every client
(lib/server_single.c).

Forty sessions at once make the master start some forty smtpd processes;
when they end, all of them wait on the one listen socket. Watched the
usual way (shared), each is woken for every later client and all but one
lose the race, most of them inside epoll_wait without ever seeing it. A
process counts those wakeups too and, when it loses far more races than
it wins, watches exclusively (EPOLLEXCLUSIVE: the kernel wakes one
waiter per client). After rounds of 200 clients one after the other (at
most four), /proc/PID/fdinfo of each idle smtpd's epoll descriptor shows
how it watches the listen socket: at most half of them may still watch
shared (0 or 1 of 40 after one round, here, with or without other
tests beside it; when a process counted only the races it saw, 38 or 39
still did after four rounds). Every client is served throughout.

max_idle counts from a process's last client, however often it is
woken meanwhile (a shared wait also returns every second to count): with
max_idle = 2s, eight processes left by a burst, and a client every
quarter of a second for five seconds, those that serve nobody exit while
the clients go on (2 to 4 of the 8 are left at the end here; were the
second's wakeups to count as activity, none would exit); when the
clients stop, the rest exit too.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import proc_fd_links, run, wait_for  # noqa: E402
from smtpd_t import Raw, smtpd_instance, smtpd_pids  # noqa: E402

BURST = 40
AFTER = 200             # clients one after the other, a round
ROUNDS = 4
LISTEN_FD = 4               # lib/server.h SERVER_LISTEN_FD
EPOLLEXCLUSIVE = 1 << 28


def listen_mode(pid):
    """'exclusive', 'shared', or None (not waiting on epoll now)."""
    try:
        fds = proc_fd_links(pid)
    except OSError:
        return None
    for fd, to in fds:
        if to != "anon_inode:[eventpoll]":
            continue
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for ln in lines:
            w = ln.split()
            if len(w) >= 4 and w[0] == "tfd:" and w[2] == "events:" and \
                    int(w[1]) == LISTEN_FD:
                return "exclusive" if int(w[3], 16) & EPOLLEXCLUSIVE \
                    else "shared"
    return None


def session(port, quit_too, out):
    c = Raw(port)
    r = c.reply()
    out.append(r is not None and r[0] == 220)
    quit_too.wait()
    r = c.cmd("QUIT")
    out.append(r is not None and r[0] == 221)
    c.close()


def burst(t, inst, port, n):
    """n sessions at once, then all end: n processes are left."""
    go = threading.Event()
    got = []
    th = [threading.Thread(target=session, args=(port, go, got))
          for _ in range(n)]
    for x in th:
        x.start()
    t.ok(wait_for(lambda: len(got) >= n, "%d greetings" % n, t),
         "%d sessions at once are greeted" % n)
    go.set()
    for x in th:
        x.join()
    t.ok(len(got) == 2 * n and all(got), "and all of them end")
    pids = smtpd_pids(inst)
    t.ok(len(pids) >= n, "%d smtpd processes after the burst (%d "
         "sessions)" % (len(pids), n))


def one_client(port):
    c = Raw(port)
    r = c.reply()
    ok = r is not None and r[0] == 220 and c.cmd("QUIT")[0] == 221
    c.close()
    return ok


def idle_exit(t, mode):
    inst, (port,) = smtpd_instance(t, mode, main={"max_idle": "2s"})
    burst(t, inst, port, 8)
    served = 0
    end = time.monotonic() + 5
    while time.monotonic() < end:
        served += one_client(port)
        time.sleep(0.25)
    left = len(smtpd_pids(inst))
    t.ok(served >= 10, "clients every quarter second are served (%d)" %
         served)
    t.ok(left < 8, "meanwhile the processes that served nobody for 2s "
         "exited, woken or not (%d of 8 left)" % left)
    t.ok(wait_for(lambda: not smtpd_pids(inst), "the last smtpd to exit",
                  t, 15), "when the clients stop, the rest exit too")
    inst.teardown()


def main(t, mode):
    inst, (port,) = smtpd_instance(t, mode)
    burst(t, inst, port, BURST)
    # rounds of clients one after the other until most processes have
    # judged their races (a loaded machine merges some wakeups, so a
    # process may need more of them); when a process counted only the
    # races it saw, none ever went exclusive
    served = rounds = 0
    modes = {}
    while rounds < ROUNDS:
        rounds += 1
        for _ in range(AFTER):
            served += one_client(port)
            time.sleep(0.002)
        wait_for(lambda: all(listen_mode(p) is not None
                             for p in smtpd_pids(inst)), "all idle", t)
        modes = {}
        for p in smtpd_pids(inst):
            m = listen_mode(p)
            modes[m] = modes.get(m, 0) + 1
        idle = modes.get("shared", 0) + modes.get("exclusive", 0)
        if modes.get("shared", 0) <= idle // 2:
            break
    t.is_(served, rounds * AFTER, "%d clients one after the other are "
          "served" % (rounds * AFTER))
    t.ok(idle >= BURST, "the burst's processes wait for clients (%d)" %
         idle)
    t.ok(modes.get("shared", 0) <= idle // 2,
         "most of them are not woken for every client: %d shared, %d "
         "exclusive after %d clients" % (modes.get("shared", 0),
                                         modes.get("exclusive", 0),
                                         rounds * AFTER))
    inst.teardown()
    idle_exit(t, mode)


run(main)

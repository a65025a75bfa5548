#!/usr/bin/env python3
# smtpd: robustness. A client gone mid-DATA or mid-BDAT leaves no file;
# kill -9 of smtpd right after 250 leaves a complete queue file; 100
# concurrent sessions; a garbage flood and a 1 MiB command line do not
# stop the server from serving others.
# check: slow
import os
import random
import re
import signal
import smtplib
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TOP, run, wait_for  # noqa: E402
if not os.access(os.path.join(TOP, "smtpd", "smtpd"), os.X_OK):
    print("1..0 # SKIP smtpd is not built here")
    sys.exit(0)
from smtpd_t import (Raw, content_body, greet, queue_files,  # noqa: E402
                     queued_id, smtpd_instance, smtpd_pids, stray,
                     wait_queued)


def server_pid(inst, client):
    """The smtpd process whose socket is the other end of client."""
    lport = client.sock.getsockname()[1]
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            rem = fields[2].split(":")
            if int(rem[1], 16) == lport and fields[9] != "0":
                inode = fields[9]
    if inode is None:
        return None
    for pid in smtpd_pids(inst):
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == \
                        "socket:[%s]" % inode:
                    return pid
        except OSError:
            continue
    return None


def transaction(port, tag, results):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=60)
        s.ehlo("c%s.example" % tag)
        s.sendmail("a@example.org", ["b@example.net"],
                   b"Subject: %s\r\n\r\nbody %s\r\n" % (tag.encode(),
                                                        tag.encode()))
        s.quit()
        results[tag] = True
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        results[tag] = repr(e)


def main(t, mode):
    inst, (port,) = smtpd_instance(t, mode)

    # a client that goes away in the middle of DATA
    before = len(queue_files(inst))
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.cmd("DATA")
    c.send(b"Subject: half\r\n\r\n" + b"x" * 100000)
    c.close()
    t.ok(inst.wait_log(r"lost connection after DATA \(\d+ bytes\) from "),
         "log: lost connection after DATA (N bytes)")
    t.is_(len(queue_files(inst)), before, "no queue file")
    t.ok(wait_for(lambda: stray(inst) == [], "tmp files gone", t),
         "no temporary file either")
    # ... and in the middle of BDAT
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.send(b"BDAT 1000 LAST\r\n" + b"y" * 10)
    c.close()
    t.ok(inst.wait_log(r"lost connection after BDAT \(\d+ bytes\) from "),
         "log: lost connection after BDAT")
    t.is_(len(queue_files(inst)), before, "no queue file after BDAT")
    t.ok(wait_for(lambda: stray(inst) == [], "tmp files gone", t),
         "and no temporary file")

    # kill -9 right after 250
    c = greet(port)
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.cmd("DATA")
    body = b"Subject: survive\r\n\r\n" + b"line\r\n" * 1000
    c.send(body + b".\r\n")
    r = c.reply()
    pid = server_pid(inst, c)
    t.ok(pid is not None, "found the smtpd process of the session")
    if pid:
        os.kill(pid, signal.SIGKILL)
    qid = queued_id(r)
    t.ok(qid is not None, "250 before the kill")
    p = wait_queued(inst, qid) if qid else None
    t.is_(content_body(p) if p else None, body,
          "after kill -9 the queue file is complete and valid")
    t.ok(c.closed(), "the killed session is gone")
    c.close()

    # 100 concurrent sessions
    results = {}
    threads = [threading.Thread(target=transaction,
                                args=(port, "t%03d" % i, results))
               for i in range(100)]
    n0 = len(queue_files(inst))
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    bad = {k: v for k, v in results.items() if v is not True}
    t.is_(len(results), 100, "100 concurrent sessions finished")
    t.is_(bad, {}, "every one of them was accepted")
    t.is_(len(queue_files(inst)) - n0, 100, "100 queue files")

    # a garbage flood and a 1 MiB line while others are served
    rnd = random.Random(4)
    flood_done = {}

    def flood(kind):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            if kind == "garbage":
                data = bytes(rnd.getrandbits(8) for _ in range(256 * 1024))
            else:
                data = b"MAIL FROM:<" + b"A" * (1024 * 1024) + b">\r\n"
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except OSError:
                pass
            s.close()
            flood_done[kind] = True
        except OSError as e:
            flood_done[kind] = repr(e)

    floods = [threading.Thread(target=flood, args=(k,))
              for k in ("garbage", "longline")]
    for th in floods:
        th.start()
    results = {}
    for i in range(5):
        transaction(port, "during%d" % i, results)
    for th in floods:
        th.join(60)
    t.is_(results, {"during%d" % i: True for i in range(5)},
          "others are served during the floods")
    t.is_(flood_done, {"garbage": True, "longline": True},
          "the flooding clients were dealt with")
    t.ok(inst.wait_log(r"too many errors after \S+ from \S+\[127\.0\.0\.1\]"),
         "the garbage client hit the error limit")
    c = greet(port)
    t.is_(c.cmd("NOOP")[0], 250, "a new client is served afterwards")
    c.cmd("QUIT")
    c.close()
    t.ok(len(smtpd_pids(inst)) >= 1, "smtpd processes are still there")
    inst.teardown(expect=[r"killed by signal 9"])


run(main)

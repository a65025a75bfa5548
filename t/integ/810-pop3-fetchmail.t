#!/usr/bin/env python3
# fetchmail (the Debian package) as a real POP3 client, pulling into a
# local MDA: with keep and fetchall every message arrives byte for byte
# and stays on the server; with UIDL tracking the next run fetches only
# what is new; without keep the fetched messages are deleted. Once over
# STLS, with fetchmail checking the instance's certificate.
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
from pop3_t import built, files, pop3_instance, put_msg  # noqa: E402

FETCHMAIL = shutil.which("fetchmail")
if not built():
    print("1..0 # SKIP pop3d, pop3-login or auth is not built")
    sys.exit(0)
if FETCHMAIL is None:
    print("1..0 # SKIP fetchmail is not installed (build-aux/deps.sh)")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "F3tchm4il-secret"
MSGS = [b"Subject: f1\nMessage-Id: <f1@test>\n\nhello\n.dotted\n",
        b"Subject: f2\nMessage-Id: <f2@test>\n\n" + b"line\n" * 2000,
        b"Subject: f3\nMessage-Id: <f3@test>\n\nthree\n"]


def fetch(t, port, home, keep=True, fetchall=True, tls=None):
    out = os.path.join(home, "out")
    os.makedirs(out, exist_ok=True)
    rc = os.path.join(home, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\n'
                'poll 127.0.0.1 service %d proto pop3 uidl\n'
                '  user "%s" there with password "%s" is "x" here\n'
                '  %s %s\n'
                '  mda "/bin/sh -c \'cat > %s/msg.$$\'"\n'
                % (port, ALICE, ALICE_PW, "keep" if keep else "nokeep",
                   "fetchall" if fetchall else "", out))
        if tls is None:
            f.write("  sslproto ''\n")
        else:
            f.write("  sslproto tls1.2+ sslcertck sslcertfile %s "
                    "sslcommonname localhost\n" % tls)
    os.chmod(rc, 0o600)
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    r = subprocess.run([FETCHMAIL, "-f", rc, "-i",
                        os.path.join(home, "fetchids"), "--nodetach"],
                       capture_output=True, text=True, env=env,
                       timeout=120)
    got = []
    for p in sorted(glob.glob(os.path.join(out, "msg.*"))):
        with open(p, "rb") as f:
            got.append(f.read())
        os.unlink(p)
    return r.returncode, got, r.stdout + r.stderr


def bodies(got):
    """What fetchmail handed over, without the Received: it adds."""
    out = []
    for g in got:
        g = g.replace(b"\r\n", b"\n")
        i = g.find(b"Subject: ")
        out.append(g[i:] if i >= 0 else g)
    return sorted(out)


def main(t, mode):
    inst, ports = pop3_instance(t, mode, users={ALICE: ALICE_PW})
    home = tempfile.mkdtemp(prefix="fm.", dir=inst.dir)
    os.chmod(home, 0o700)
    for m in MSGS:
        put_msg(inst, ALICE, m)
    rc, got, out = fetch(t, ports["pop3"], home)
    t.is_(rc, 0, "fetchmail keep fetchall: exit 0")
    if rc != 0:
        t.diag(out)
    t.is_(bodies(got), sorted(MSGS), "every message arrived, byte for "
          "byte (the dot line unstuffed)")
    t.is_(len(files(inst, ALICE, "new")) + len(files(inst, ALICE, "cur")),
          3, "keep: all three stay on the server")

    rc, got, out = fetch(t, ports["pop3"], home, fetchall=False)
    t.is_((rc, got), (1, []), "the next run without fetchall: nothing new "
          "(UIDLs seen before; exit 1)")
    new = b"Subject: f4\nMessage-Id: <f4@test>\n\nfour\n"
    put_msg(inst, ALICE, new)
    rc, got, out = fetch(t, ports["pop3"], home, fetchall=False)
    t.is_((rc, bodies(got)), (0, [new]), "a new message: only it is fetched")

    cafile = os.path.join(inst.etc, "tls", "cert.pem")
    rc, got, out = fetch(t, ports["pop3"], home, fetchall=True, keep=False,
                         tls=cafile)
    t.is_(rc, 0, "over STLS, nokeep fetchall: exit 0")
    if rc != 0:
        t.diag(out)
    t.is_(len(got), 4, "all four fetched over TLS")
    t.is_(files(inst, ALICE, "new") + files(inst, ALICE, "cur"), [],
          "nokeep: the server deleted them at QUIT")
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Disconnected: Logged out "
                       r"user=<alice@example\.test>, rip=127\.0\.0\.1, "
                       r"top=\d+/\d+, retr=4/\d+, del=4/4"),
         "logged: four retrieved, four deleted")
    inst.teardown()


run(main)

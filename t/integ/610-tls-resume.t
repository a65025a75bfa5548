#!/usr/bin/env python3
# lib/tls: session resumption with openssl s_client -sess_out/-sess_in
# across processes (max_use=1: every connection is a new process), TLS 1.3
# and 1.2; and, as root, that the keys were read before the jail.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
from tls_t import TLSECHO, Line, s_client, tlsecho_instance  # noqa: E402


def pid_of(out):
    m = re.search(r"tlsecho (\d+) ready", out)
    return int(m.group(1)) if m else None


def main(t, mode):
    if not os.access(TLSECHO, os.X_OK):
        t.skip("t/bin/tlsecho is not built", 1)
        return
    inst, (wport, sport) = tlsecho_instance(
        t, mode, [["-w", "max_use=1"], ["max_use=1"]])
    sess = os.path.join(inst.dir, "sess.pem")

    for ver in ("-tls1_3", "-tls1_2"):
        if os.path.exists(sess):
            os.unlink(sess)
        rc, out = s_client(wport, [ver, "-sess_out", sess])
        t.ok(rc == 0 and re.search(r"^New, TLSv1\.[23], Cipher is ", out,
                                   re.M), "%s: a new session" % ver)
        first = pid_of(out)
        t.ok(first and os.path.getsize(sess) > 0,
             "%s: s_client saved it" % ver)
        rc, out = s_client(wport, [ver, "-sess_in", sess])
        t.ok(rc == 0 and re.search(r"^Reused, TLSv1\.[23], Cipher is ", out,
                                   re.M), "%s: s_client -sess_in: Reused" %
             ver)
        second = pid_of(out)
        t.ok(first and second and first != second,
             "%s: by another process (%s, %s)" % (ver, first, second))

    keys = os.path.join(inst.dir, "data", "smtpd_tls_ticket_keys")
    st = os.stat(keys)
    t.is_(st.st_mode & 0o777, 0o600, "the ticket key file is mode 0600")
    t.is_(st.st_uid, os.geteuid(), "and owned by the master's user")

    if mode == "root":
        # a process that holds the key: its identity and its jail
        c = Line(sport)
        t.like(c.line(), r"^tlsecho \d+ ready$", "a client is being served")
        kids = [p for p in inst.children() if "tlsecho" in
                open("/proc/%d/cmdline" % p).read()]
        t.ok(kids, "tlsecho processes are running")
        for p in kids[:1]:
            inst.check_privs(p, chroot=True)
        c.close()
    inst.teardown()


run(main)

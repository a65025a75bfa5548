#!/usr/bin/env python3
# master: the /etc files that name lookups read are copied into the jail
# (queue_directory/etc, root only), so a chrooted smtpd names a local
# client from /etc/hosts instead of "unknown"; reload refreshes a copy.
import os
import smtplib
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import Instance, free_port, run  # noqa: E402


def hosts_name(addr="127.0.0.1"):
    """The first name /etc/hosts gives addr, as the C library finds it."""
    with open("/etc/hosts") as f:
        for line in f:
            w = line.split("#", 1)[0].split()
            if len(w) > 1 and w[0] == addr:
                return w[1]
    return None


def main(t, mode):
    port = free_port()
    inst = Instance(t, mode=mode, services=[
        "%d inet n - y - - smtpd" % port])
    inst.start()
    etc = os.path.join(inst.spool, "etc")
    if mode == "root":
        st = os.lstat(etc)
        t.ok(stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and
             stat.S_IMODE(st.st_mode) == 0o755,
             "queue_directory/etc: root's, mode 0755")
        for name in ("hosts", "nsswitch.conf", "resolv.conf"):
            src = "/etc/" + name
            if not os.path.exists(src):
                t.ok(not os.path.exists(os.path.join(etc, name)),
                     "%s is missing here: no copy" % src)
                continue
            with open(src, "rb") as f, \
                    open(os.path.join(etc, name), "rb") as g:
                t.is_(g.read(), f.read(), "etc/%s is a copy of %s" % (
                    name, src))
        # a copy that went stale is put right at reload
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write("# stale\n")
        r = inst.postern("reload")
        t.is_(r.returncode, 0, "postern reload")
        with open("/etc/hosts", "rb") as f, \
                open(os.path.join(etc, "hosts"), "rb") as g:
            t.is_(g.read(), f.read(), "reload refreshes etc/hosts")
    else:
        t.ok(not os.path.exists(etc),
             "unprivileged (nothing is chrooted): no copy is made")
    name = hosts_name()
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("client.example")
    s.quit()
    if name is None:
        t.skip("/etc/hosts has no name for 127.0.0.1")
    else:
        t.ok(inst.wait_log(r"smtpd\[\d+\]: connect from %s\[127\.0\.0\.1\]"
                           % name.replace(".", r"\.")),
             "smtpd names the client from /etc/hosts: %s[127.0.0.1]" % name)
    inst.teardown()


run(main)

"""auth_t.py - helpers for the authentication tests (t/integ/7NN-auth-*).

    from auth_t import auth_instance, add_user, plain, b64, Raw, \
        auth_pids, no_secret_in_log, PASSWORDS

auth_instance(t, mode, main={...}, opts=[[...], ...], users={...},
services=[...], files={...}) starts an instance with smtpd on one free
port per opts entry (as smtpd_t's smtpd_instance), the given extra
master.cf lines and the auth service, then adds the users {address:
password} with `postern user add --stdin` (the way an admin does). It
returns (inst, [port, ...]).

template_services(names) gives the master.cf entries `postern init`
writes for the services named by port offset (87: submission, 65:
submissions), on free ports: ([lines], {offset: port}).

plain(user, password) is the base64 PLAIN message; b64(text) plain
base64. auth_pids(inst) are the master's children running auth.

no_secret_in_log(t, inst) checks that no password of PASSWORDS (every
password a test uses, right or wrong), nor its base64 forms, appears
anywhere in the instance's log.
"""

import base64
import os
import re
import subprocess

from postern import POSTERN, TOP
from smtpd_t import Raw, smtpd_instance  # noqa: F401 (re-exported)

AUTH = os.path.join(TOP, "auth", "auth")
AUTH_LINE = "auth unix - n n - 1 auth"

# every password the tests send; none may ever be logged
PASSWORDS = ["S3cret-alice", "W0ng-guess", "B0b-secret", "C4rol-secret",
             "D4ve-secret"]


def b64(text):
    if isinstance(text, str):
        text = text.encode()
    return base64.b64encode(text).decode()


def plain(user, password, authzid=""):
    return b64("%s\0%s\0%s" % (authzid, user, password))


def add_user(t, inst, address, password):
    r = subprocess.run([POSTERN, "-c", inst.etc, "user", "add", "--stdin",
                        address], input=password + "\n",
                       capture_output=True, text=True)
    if r.returncode != 0:
        t.diag("postern user add %s: %s" % (address, r.stdout + r.stderr))
    return r.returncode == 0


def auth_instance(t, mode, main=None, opts=None, users=None, services=(),
                  files=None):
    ports = len(opts) if opts else (0 if services else 1)
    inst, nums = smtpd_instance(t, mode, main=main, ports=ports, opts=opts,
                                services=[AUTH_LINE] + list(services),
                                files=files)
    for addr, pw in (users or {}).items():
        add_user(t, inst, addr, pw)
    return inst, nums


def auth_pids(inst):
    return inst.children_running("auth")


def no_secret_in_log(t, inst, passwords=PASSWORDS):
    log = inst.log()
    found = []
    for pw in passwords:
        forms = [pw]
        # inside a PLAIN message the password's base64 depends on its
        # offset: look for the characters that only its bytes make, at
        # each of the three alignments
        for pad in range(3):
            enc = b64("\0" * pad + pw)
            start = -(-8 * pad // 6)
            end = 8 * (pad + len(pw)) // 6
            forms.append(enc[start:end])
        for f in forms:
            if len(f) >= 8 and f in log:
                found.append(f)
    t.ok(not found, "no password, nor its base64, in the log")
    if found:
        t.diag("found: %r" % found)
    return not found


def auth_lines(inst):
    return [ln for ln in inst.log().splitlines()
            if re.search(r"postern/auth\[\d+\]: ", ln)]


class RawFrom(Raw):
    """A Raw SMTP client whose connection comes from the loopback
    address src (127.0.0.N): the auth service sees another client."""

    def __init__(self, port, src, timeout=None):
        import socket
        from postern import WAIT
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout or WAIT)
        self.sock.bind((src, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""

    def pending(self):
        """Has the server sent anything not yet read?"""
        import select
        if self.buf:
            return True
        r, _, _ = select.select([self.sock], [], [], 0)
        return bool(r)


def template_services(offsets):
    """The `postern init` master.cf entries for these port offsets."""
    import shutil
    import tempfile
    from postern import free_port
    d = tempfile.mkdtemp(prefix="postern-tpl.")
    base = 20000
    try:
        subprocess.run([POSTERN, "init", d, "--port-base", str(base)],
                       capture_output=True, check=True)
        with open(os.path.join(d, "etc", "master.cf")) as f:
            text = f.read()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    lines, ports, cur = [], {}, None
    for ln in text.splitlines():
        m = re.match(r"^(\d+)\s", ln)
        if m:
            cur = int(m.group(1)) - base
            if cur in offsets:
                ports[cur] = free_port()
                lines.append(str(ports[cur]) + ln[len(m.group(1)):])
            continue
        if re.match(r"^\s+-o ", ln) and cur in offsets:
            lines[-1] += " " + ln.strip()
        elif not ln.startswith(" "):
            cur = None
    return lines, ports

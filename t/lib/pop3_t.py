"""pop3_t.py - helpers for the POP3 tests (t/integ/8NN-pop3-*).

    from pop3_t import pop3_instance, Pop3Raw, put_msg, MBOX, ...

pop3_instance(t, mode, users={addr: password}, main={...}, smtp=False,
login_opts=[...], session_line=None) starts an instance whose master.cf
holds, as `postern init` writes them, the auth service, pop3-login on a
free port (STLS) and on another with TLS from the first byte (pop3s),
and the pop3d session service; with smtp=True also smtpd, qmgr and
local, so that mail can arrive the real way. It adds the users with
`postern user add` and returns (inst, {"pop3": port, "pop3s": port,
"smtp": port or None}). As root the login side runs as its own test
user (LOGIN_USER), the rest as postern.TEST_USER.

maildir(inst, addr) is the user's Maildir (DOMAIN/LOCALPART below the
mail root); put_msg(inst, addr, data) writes a message into its new/ as
another Maildir tool would (owned by the vmail user), with ,S= and ,W=
unless told not to.

Pop3Raw is a byte-level client for what poplib will not do: pipelined
commands, long lines, garbage, SASL by hand.

proc_pids(inst, name) are the pids whose process title says
postern/NAME (pop3-login, pop3d, auth ...), descendants of the master
included (the login side's dialer is a grandchild).
"""

import base64
import os
import pwd
import re
import subprocess
import time

import postern
from postern import POSTERN, TOP, WAIT, Instance, free_port, wait_for
from smtpd_t import Raw

POP3D = os.path.join(TOP, "pop3d", "pop3d")
POP3_LOGIN = os.path.join(TOP, "pop3d", "login", "pop3-login")
MBOX = os.path.join(TOP, "t", "bin", "mbox")
LOGIN_USER = "postern-tl"


def built():
    return all(os.access(p, os.X_OK) for p in (POP3D, POP3_LOGIN)) and \
        os.access(os.path.join(TOP, "auth", "auth"), os.X_OK)


def b64(text):
    if isinstance(text, str):
        text = text.encode()
    return base64.b64encode(text).decode()


def plain(user, password):
    return b64("\0%s\0%s" % (user, password))


def add_user(t, inst, addr, password):
    r = subprocess.run([POSTERN, "-c", inst.etc, "user", "add", "--stdin",
                        addr], input=password + "\n", capture_output=True,
                       text=True)
    if r.returncode != 0:
        t.diag("postern user add %s: %s" % (addr, r.stdout + r.stderr))
    return r.returncode == 0


def pop3_instance(t, mode, users=None, main=None, smtp=False,
                  login_opts=(), session_line=None, services=()):
    return mail_instance(t, mode, "pop3", "pop3s", "pop3d",
                         session_line or "pop3d unix - n y - - pop3d",
                         users, main, smtp, login_opts, services)


def mail_services(mode, proto, tls_proto, daemon, session_line,
                  login_opts=()):
    """The master.cf lines `postern init` writes for a mail-reading
    service: auth, PROTO-login on a free port for proto and, with
    DAEMON_tls_wrappermode, on one for tls_proto, and the session
    service's line; the main.cf settings they need here (login_owner as
    root). Returns (lines, {proto: port, tls_proto: port}, main)."""
    ports = {proto: free_port(), tls_proto: free_port()}
    conf = {}
    if mode == "root":
        postern.ensure_user(LOGIN_USER)
        conf["login_owner"] = LOGIN_USER
    opts = "".join(" -o " + o for o in login_opts)
    login = "%s-login" % proto
    lines = ["auth unix - n n - 1 auth",
             "%d inet n n y - - %s%s" % (ports[proto], login, opts),
             "%d inet n n y - - %s -o %s_tls_wrappermode=yes%s"
             % (ports[tls_proto], login, daemon, opts),
             session_line]
    return lines, ports, conf


def mail_instance(t, mode, proto, tls_proto, daemon, session_line,
                  users=None, main=None, smtp=False, login_opts=(),
                  services=()):
    """The instance of pop3_instance for POP3 or IMAP (mail_services'
    lines, and with smtp the delivery path)."""
    lines, ports, conf = mail_services(mode, proto, tls_proto, daemon,
                                       session_line, login_opts)
    ports["smtp"] = None
    conf.update(main or {})
    if smtp:
        ports["smtp"] = free_port()
        lines += ["%d inet n - y - - smtpd" % ports["smtp"],
                  "anvil unix - - y - 1 anvil",
                  "qmgr unix n - n 300 1 qmgr",
                  "local unix - n y - - local"]
    lines += list(services)
    inst = Instance(t, mode=mode, main=conf, services=lines)
    for addr, pw in (users or {}).items():
        add_user(t, inst, addr, pw)
    inst.start()
    wait_for(lambda: all(not postern.port_refuses(p) for p in
                         (ports[proto], ports[tls_proto])),
             "the %s ports" % proto.upper(), t)
    return inst, ports


def maildir(inst, addr):
    local, _, domain = addr.lower().partition("@")
    return os.path.join(inst.dir, "mail", domain, local)


def vmail_pw(inst):
    """The vmail user of the instance (root mode), or None."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(postern.TEST_USER)


def _own(inst, path):
    pw = vmail_pw(inst)
    if pw is not None:
        os.chown(path, pw.pw_uid, pw.pw_gid)


def make_maildir(inst, addr):
    md = maildir(inst, addr)
    path = os.path.join(inst.dir, "mail")
    for part in os.path.relpath(md, path).split(os.sep) + ["tmp", "new",
                                                             "cur"]:
        if part in ("tmp", "new", "cur"):
            p = os.path.join(md, part)
        else:
            path = os.path.join(path, part)
            p = path
        if not os.path.isdir(p):
            os.mkdir(p, 0o700)
            _own(inst, p)
    return md


_seq = [0]


def put_msg(inst, addr, data, sizes=True, sub="new", when=None):
    """Write data (bytes, LF line ends) into the user's Maildir as a
    delivery would; returns the file name."""
    md = make_maildir(inst, addr)
    _seq[0] += 1
    base = "%d.M%dP%dQ%d.test" % (when or int(time.time()), _seq[0],
                                  os.getpid(), _seq[0])
    if sizes:
        vsize = len(data) + data.count(b"\n") - data.count(b"\r\n")
        base += ",S=%d,W=%d" % (len(data), vsize)
    name = base + (":2," if sub == "cur" else "")
    tmp = os.path.join(md, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    _own(inst, tmp)
    os.rename(tmp, os.path.join(md, sub, name))
    return name


def files(inst, addr, sub="new"):
    try:
        return sorted(os.listdir(os.path.join(maildir(inst, addr), sub)))
    except OSError:
        return []


def crlf_size(data):
    return len(data) + data.count(b"\n") - data.count(b"\r\n")


def proc_pids(inst, name):
    """pids whose title is postern/NAME..., below the master."""
    if inst.proc is None:
        return []
    out = []
    master = inst.proc.pid
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
        except OSError:
            continue
        if not argv0.startswith("postern/%s:" % name):
            continue
        # below the master (the dialer is its grandchild)
        p, seen = pid, 0
        while p > 1 and seen < 10:
            st = postern.proc_status(p)
            p = int(st.get("PPid", "0") or 0)
            seen += 1
            if p == master:
                out.append(pid)
                break
    return sorted(out)


def mbox(inst, addr, *args):
    """t/bin/mbox on the user's Maildir, as the vmail user: stdout."""
    cmd = [MBOX] + list(args) + [maildir(inst, addr)]
    pw = vmail_pw(inst)
    if pw is not None:
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" %
               pw.pw_gid, "--clear-groups"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


class Pop3Raw(Raw):
    """A line-based POP3 client on a raw socket (smtpd_t.Raw's socket)."""

    def line(self):
        ln = super().line()
        return ln.rstrip("\r") if ln is not None else None

    def multi(self):
        """The lines of a multi-line reply after its status line."""
        out = []
        while True:
            ln = self.line()
            if ln is None or ln == ".":
                return out
            out.append(ln[1:] if ln.startswith("..") else ln)

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def login(self, user, password):
        self.line()
        self.cmd("USER " + user)
        return self.cmd("PASS " + password)

    def closed(self):
        """Has the server closed the connection (after what it sent)?"""
        while True:
            ln = self.line()
            if ln is None:
                return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def log_lines(inst, prog):
    return [ln for ln in inst.log().splitlines()
            if re.search(r"postern/%s\[\d+\]: " % re.escape(prog), ln)]

"""anvil_t.py - helpers for the connection-counter and sendmail tests
(t/integ/25N-*).

    from anvil_t import AnvilClient, have, sendmail, anvil_pids

have(*rels) is true when the programs (paths relative to the tree) are
built and executable; a test skips itself otherwise.

AnvilClient drives t/bin/anvilc, a client of lib/anvil_clnt that keeps
one connection to anvil as smtpd does: connect(svc, ip) returns
("ok", count, rate), ("full",) or ("error", text).

sendmail(inst, args, data, user=None) runs the sendmail personality of
ctl/postern (through a link named sendmail, or mailq with name="mailq")
against the instance, optionally as another user (root only), and
returns the CompletedProcess (bytes).
"""

import os
import pwd
import subprocess

from postern import POSTERN, TOP, WAIT

ANVILC = os.path.join(TOP, "t", "bin", "anvilc")
QCAT = os.path.join(TOP, "t", "bin", "qcat")


def have(*rels):
    return all(os.access(os.path.join(TOP, r), os.X_OK) for r in rels)


class AnvilClient:
    def __init__(self, inst):
        self.proc = subprocess.Popen(
            [ANVILC, os.path.join(inst.spool, "private", "anvil")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)

    def _ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def connect(self, svc, ip):
        r = self._ask("connect %s %s" % (svc, ip)).split(" ", 2)
        if r[0] == "ok":
            return ("ok", int(r[1]), int(r[2]))
        return tuple(r[:1]) if r[0] == "full" else ("error", " ".join(r[1:]))

    def disconnect(self, svc, ip):
        return self._ask("disconnect %s %s" % (svc, ip))

    def raw(self, text):
        return self._ask("raw " + text)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=WAIT)


def anvil_pids(inst):
    """The master's children that run anvil."""
    return inst.children_running("anvil")


def sendmail_path(inst, name="sendmail"):
    """A link NAME -> ctl/postern in the instance (0755, anyone may run)."""
    d = os.path.join(inst.dir, "bin")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    p = os.path.join(d, name)
    if not os.path.islink(p):
        os.symlink(POSTERN, p)
    return p


def sendmail(inst, args, data=b"", user=None, name="sendmail", env=None):
    cmd = [sendmail_path(inst, name), "-C", inst.etc] + list(args)
    e = {"PATH": "/usr/bin:/bin", "TMPDIR": "/tmp"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    e.update(env or {})
    if user is not None:
        pw = pwd.getpwnam(user)
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
               "--clear-groups"] + cmd
    if isinstance(data, str):
        data = data.encode()
    return subprocess.run(cmd, input=data, capture_output=True,
                          timeout=WAIT * 3, env=e, cwd="/tmp")


def qfiles(inst):
    """Committed queue files under incoming/ (incoming/H/QID)."""
    base = os.path.join(inst.spool, "incoming")
    out = []
    if os.path.isdir(base):
        for h in sorted(os.listdir(base)):
            d = os.path.join(base, h)
            if os.path.isdir(d):
                out.extend(os.path.join(d, f) for f in os.listdir(d))
    return out


def qcat(path, flag=None):
    r = subprocess.run([QCAT] + ([flag] if flag else []) + [path],
                       capture_output=True)
    return r.stdout if r.returncode == 0 else None

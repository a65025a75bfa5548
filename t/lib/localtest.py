"""localtest.py - shared set-up of the delivery/local integration tests.

    from localtest import LocalInstance
    li = LocalInstance(t, mode, users=[("alice@example.test", "pw", [])])
    li.start()
    with li.agent() as a:
        st = a.deliver(li.queue_file(["alice@example.test"], body),
                       ["alice@example.test"])

An instance made by postern.Instance with the local service (and any
other services a test names), recipient_delimiter = +, users added with
`postern user add --stdin` before the start, the mail root given to the
service user in root mode, and helpers to read Maildirs.

Importing this module also makes the harness's unprivileged re-run copy
the agent, this module and the test helpers (the harness copies only the
master's files).
"""

import os
import re
import subprocess
import tempfile

import postern
from deliver import Agent, QueueFile
from postern import TEST_USER, TOP, Instance, wait_for

LOCAL = os.path.join(TOP, "delivery", "local", "local")
PWVERIFY = os.path.join(TOP, "t", "bin", "pwverify")
NAME_RE = re.compile(r"^\d+\.M\d+P\d+Q\d+\.[^/:,]+,S=(\d+),W=(\d+)$")


def built(*rels):
    return all(os.access(os.path.join(TOP, r), os.X_OK) for r in rels)


def stored(sender, rcpt, content):
    """What the agent stores for content (CRLF) sent to rcpt."""
    return (b"Return-Path: <" + sender.encode() + b">\nDelivered-To: " +
            rcpt.encode() + b"\n" + content.replace(b"\r\n", b"\n"))


def pipeline_services(port, qmgr_wakeup=300):
    """master.cf lines of smtpd on port, qmgr and local (as postern init
    writes them), or None when smtpd or qmgr is not built."""
    if not built("smtpd/smtpd", "qmgr/qmgr"):
        return None
    out = ["%d inet n - y - - smtpd" % port]
    if built("anvil/anvil"):
        out.append("anvil unix - - y - 1 anvil")
    out.append("qmgr unix n - y %d 1 qmgr" % qmgr_wakeup)
    return out


def wait_files(li, rel, n, bound=60):
    """Wait until the Maildir rel's new/ holds at least n files."""
    return wait_for(lambda: len(li.files(rel)) >= n,
                    "%d file(s) in %s/new" % (n, rel), li.t, bound)


class LocalInstance:
    def __init__(self, t, mode, users=(), main=None, services=(),
                 local_line="local unix - n y - - local"):
        self.t = t
        self.mode = mode
        conf = {"recipient_delimiter": "+"}
        conf.update(main or {})
        self.inst = Instance(t, mode=mode, main=conf,
                             services=[local_line] + list(services))
        self.dir = self.inst.dir
        self.mail = os.path.join(self.dir, "mail")
        self.sock = os.path.join(self.inst.spool, "private", "local")
        self.qdir = tempfile.mkdtemp(prefix="qf.", dir=self.dir)
        for addr, pw, opts in users:
            self.user_add(addr, pw, *opts)
        if mode == "root":
            self.chown_mail()

    def chown_mail(self):
        pw = postern.ensure_user(TEST_USER)
        for dirpath, dirnames, filenames in os.walk(self.mail):
            os.chown(dirpath, pw.pw_uid, pw.pw_gid)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), pw.pw_uid, pw.pw_gid)

    def postern(self, *args, stdin=None):
        return subprocess.run([postern.POSTERN, "-c", self.inst.etc] +
                              list(args), input=stdin, capture_output=True,
                              text=True)

    def user_add(self, addr, pw, *opts):
        r = self.postern("user", "add", "--stdin", *opts, addr,
                         stdin=pw + "\n")
        if r.returncode != 0:
            self.t.diag(r.stdout + r.stderr)
        return r

    def start(self):
        self.inst.start()

    def agent(self, sock=None):
        path = sock or self.sock
        wait_for(lambda: os.path.exists(path), "socket " + path, self.t)
        return Agent(path)

    def queue_file(self, rcpts, content, sender="sender@example.org"):
        return QueueFile.write(self.qdir, sender, rcpts, content)

    def maildir(self, rel):
        return os.path.join(self.mail, rel)

    def files(self, rel, sub="new"):
        """Names in the Maildir rel's sub/ (sorted), [] when missing."""
        try:
            return sorted(os.listdir(os.path.join(self.mail, rel, sub)))
        except OSError:
            return []

    def read(self, rel, name, sub="new"):
        with open(os.path.join(self.mail, rel, sub, name), "rb") as f:
            return f.read()

    def local_pids(self):
        """pids of the master's children that run the local agent."""
        out = []
        for pid in self.inst.children():
            try:
                exe = os.readlink("/proc/%d/exe" % pid)
            except OSError:
                continue
            if exe.endswith("/local"):
                out.append(pid)
        return out

    def teardown(self, expect=()):
        self.inst.teardown(expect=expect)

"""imap_t.py - helpers for the IMAP tests (t/integ/9NN-imap-*).

    from imap_t import imap_instance, ImapRaw, put_msg, imap_login, ...

imap_instance(t, mode, users={addr: password}, main={...}, smtp=False,
login_opts=[...]) starts an instance whose master.cf holds, as `postern
init` writes them, the auth service, imap-login on a free port
(STARTTLS) and on another with TLS from the first byte (imaps), and the
imapd session service; with smtp=True also smtpd, qmgr and local, so
that mail arrives the real way. It adds the users with `postern user
add` and returns (inst, {"imap": port, "imaps": port, "smtp": port or
None}). As root the login side runs as its own test user (LOGIN_USER),
the rest as postern.TEST_USER. imap_services(mode) gives the same
master.cf lines (and main.cf settings) for an instance made another
way, as the relay path test's receiving instance.

maildir, put_msg, files, crlf_size, proc_pids and log_lines are
pop3_t's, which the POP3 and IMAP tests share.

ImapRaw is a byte-level client for what imaplib will not do:
pipelining, literals by hand, long lines, garbage, IDLE.
"""

import imaplib
import os
import re
import ssl

from postern import TOP, WAIT
from smtpd_t import Raw
# what POP3 and IMAP tests share: users, Maildirs, messages, processes
from pop3_t import (LOGIN_USER, add_user, crlf_size,  # noqa: F401
                    files, log_lines, mail_instance, mail_services,
                    maildir, make_maildir, proc_pids, put_msg, vmail_pw)

IMAPD = os.path.join(TOP, "imapd", "imapd")
IMAP_LOGIN = os.path.join(TOP, "imapd", "login", "imap-login")
IMAPD_LINE = "imapd unix - n y - 1000 imapd"


def built():
    return all(os.access(p, os.X_OK) for p in (IMAPD, IMAP_LOGIN)) and \
        os.access(os.path.join(TOP, "auth", "auth"), os.X_OK)


def imap_instance(t, mode, users=None, main=None, smtp=False,
                  login_opts=(), services=()):
    return mail_instance(t, mode, "imap", "imaps", "imapd", IMAPD_LINE,
                         users, main, smtp, login_opts, services)


def imap_services(mode, login_opts=()):
    """The master.cf lines of imap_instance's IMAP side (auth, imap-login
    with STARTTLS and implicit TLS, imapd), for an instance made another
    way: (lines, {"imap": port, "imaps": port}, main.cf settings)."""
    return mail_services(mode, "imap", "imaps", "imapd", IMAPD_LINE,
                         login_opts)


def own(inst, path):
    """Give path to the vmail user (root mode), as a delivery would."""
    pw = vmail_pw(inst)
    if pw is not None:
        os.chown(path, pw.pw_uid, pw.pw_gid)


def wire(data):
    """What IMAP sends for stored bytes: every bare LF as CR LF."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def imap(port, user=None, password=None, timeout=60):
    """An imaplib client on port, logged in when user is given."""
    c = imaplib.IMAP4("127.0.0.1", port, timeout=timeout)
    if user is not None:
        c.login(user, password)
    return c


class ImapRaw(Raw):
    """A byte-level IMAP client on smtpd_t.Raw's socket."""

    def __init__(self, port, host="127.0.0.1", timeout=WAIT, tls=False):
        super().__init__(port, host=host, timeout=timeout)
        if tls:
            self.sock = tls_ctx().wrap_socket(self.sock)
        self.n = 0

    def line(self):
        """One response line (bytes, without CR LF), literals included
        as they come; None at end of file."""
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except OSError:     # a reset or a timeout: read as the end
                data = b""
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                break
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, tag):
        """Lines up to and including the tagged one; a literal's bytes
        are appended to the line that announced it."""
        out = []
        while True:
            ln = self.line()
            if ln is None:
                return out
            m = re.search(rb"~?\{(\d+)\}$", ln)
            while m:
                ln += b"\r\n" + self.read(int(m.group(1)))
                rest = self.line() or b""
                ln += rest
                m = re.search(rb"~?\{(\d+)\}$", rest)
            out.append(ln)
            if ln.startswith(tag.encode() + b" "):
                return out

    def cmd(self, text, tag=None):
        if tag is None:
            self.n += 1
            tag = "r%d" % self.n
        self.send("%s %s\r\n" % (tag, text))
        return self.response(tag)

    def login(self, user, password):
        self.line()
        r = self.cmd('LOGIN "%s" "%s"' % (user, password))
        return r[-1] if r else None


"""smtpd_t.py - helpers for the smtpd integration tests (t/integ/2NN-*).

    from smtpd_t import smtpd_instance, Raw, queue_files, qcat

smtpd_instance(t, mode, main={...}, ports=1, opts=[[...], ...]) makes and
starts an Instance whose master.cf runs smtpd on `ports` free loopback
ports (chrooted as in the shipped master.cf; -o options per port from
opts) and returns (inst, [port, ...]).

Raw is a byte-level SMTP client for what smtplib will not do: pipelined
batches, bare LF, BDAT, garbage. reply() returns (code, [lines]) of one
possibly multi-line reply, None when the server closed.

queue_files(inst) lists the committed queue files (incoming/H/QID), and
stray(inst) the temporary ones (incoming/tmp.*); qcat(path, "-c") gives
a file's content bytes as t/bin/qcat prints them.
"""

import os
import re
import socket
import subprocess

from postern import Instance, TOP, WAIT, free_port, wait_for

QCAT = os.path.join(TOP, "t", "bin", "qcat")
SMTPD = os.path.join(TOP, "smtpd", "smtpd")


def smtpd_instance(t, mode, main=None, ports=1, opts=None, services=(),
                   files=None):
    """files: {name: text} written into the instance's etc/ before the
    start (main.cf can name them as $config_directory/name)."""
    nums = [free_port() for _ in range(ports)]
    lines = []
    for i, p in enumerate(nums):
        line = "%d inet n - y - - smtpd" % p
        for o in (opts[i] if opts and i < len(opts) else []):
            line += " -o " + o
        lines.append(line)
    lines.extend(services)
    # as in the shipped master.cf: smtpd asks anvil for its client limits
    # (without it smtpd serves, but warns: anvil_t.py, t/integ/252-*)
    if os.access(os.path.join(TOP, "anvil", "anvil"), os.X_OK) and \
            not any(s.split()[:1] == ["anvil"] for s in services):
        lines.append("anvil unix - - y - 1 anvil")
    inst = Instance(t, mode=mode, main=main, services=lines)
    for name, text in (files or {}).items():
        with open(os.path.join(inst.etc, name), "w") as f:
            f.write(text)
    inst.start()
    return inst, nums


def smtpd_pids(inst):
    """The master's children that run smtpd."""
    return inst.children_running("smtpd")


class Raw:
    """port: a TCP port on host; or a str: the path of a UNIX socket."""

    ERRORS = (ConnectionResetError, socket.timeout)   # read as end of file

    def __init__(self, port, host="127.0.0.1", timeout=WAIT,
                 family=socket.AF_INET):
        if isinstance(port, str):
            family = socket.AF_UNIX
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(port if isinstance(port, str) else (host, port))
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except self.ERRORS:
                data = b""
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace")

    def reply(self):
        """One reply: (code, [text lines]); None at end of file."""
        lines = []
        while True:
            ln = self.line()
            if ln is None:
                return None
            m = re.match(r"^(\d{3})([ -])(.*?)\r?$", ln)
            if not m:
                return (0, [ln])
            lines.append(m.group(3))
            if m.group(2) == " ":
                return (int(m.group(1)), lines)

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def text(self, r):
        return "%d %s" % (r[0], " / ".join(r[1])) if r else "(closed)"

    def closed(self):
        """True when the server has closed the connection."""
        try:
            self.sock.settimeout(WAIT)
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def greet(port, host="127.0.0.1", family=socket.AF_INET, ehlo=True):
    c = Raw(port, host=host, family=family)
    c.reply()
    if ehlo:
        c.cmd("EHLO client.example")
    return c


def queue_files(inst):
    base = os.path.join(inst.spool, "incoming")
    out = []
    if not os.path.isdir(base):
        return out
    for h in sorted(os.listdir(base)):
        d = os.path.join(base, h)
        if os.path.isdir(d):
            out.extend(os.path.join(d, f) for f in sorted(os.listdir(d)))
    return out


def stray(inst):
    base = os.path.join(inst.spool, "incoming")
    if not os.path.isdir(base):
        return []
    return [f for f in os.listdir(base) if f.startswith("tmp.")]


def qfile_by_id(inst, qid):
    for f in queue_files(inst):
        if os.path.basename(f) == qid:
            return f
    return None


def qcat(path, flag=None):
    args = [QCAT] + ([flag] if flag else []) + [path]
    r = subprocess.run(args, capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout


def envelope(path):
    out = qcat(path, "-e")
    return out.decode("utf-8", "replace") if out is not None else None


def content_body(path):
    """The content without our Received: field (the first one)."""
    data = qcat(path, "-c")
    if data is None:
        return None
    m = re.match(rb"Received: [^\r]*\r\n(\t[^\r]*\r\n)*", data)
    return data[m.end():] if m else data


def queued_id(reply):
    m = re.search(r"queued as ([0-9A-F]+)", " ".join(reply[1])) \
        if reply else None
    return m.group(1) if m else None


def wait_queued(inst, qid):
    return wait_for(lambda: qfile_by_id(inst, qid), "queue file " + qid)

"""deliver.py - the client side of the deliver protocol (lib/deliver_proto.h)
and queue files (lib/qfile.h), for tests of the delivery agents.

The tests of delivery/local talk to the agent's socket the way qmgr does,
so that every answer of the agent (each status, each protocol error) can be
asserted on directly; the end-to-end tests go through smtpd and qmgr.

    qf = QueueFile.write(dirpath, "sender@x", ["rcpt@y"], b"Subject: ..")
    with Agent(socket_path) as a:
        statuses = a.deliver(qf, ["rcpt@y"])
    statuses[0]["dsn"] == "2.0.0"

Frames: a 32-bit big-endian payload length, then attributes, each a name,
a NUL, a 32-bit big-endian value length and the value (lib/ipc.h).
"""

import array
import os
import socket
import struct
import time

HDR_SIZE = 64
MAGIC = b"PSTRNQ1\n"


def frame(attrs):
    """attrs: list of (name, value) with str/bytes/int/bool values."""
    out = b""
    for name, v in attrs:
        if isinstance(v, bool):
            v = b"1" if v else b"0"
        elif isinstance(v, int):
            v = str(v).encode()
        elif isinstance(v, str):
            v = v.encode()
        out += name.encode() + b"\0" + struct.pack(">I", len(v)) + v
    return struct.pack(">I", len(out)) + out


def parse(payload):
    attrs = []
    i = 0
    while i < len(payload):
        nul = payload.index(b"\0", i)
        name = payload[i:nul].decode()
        (n,) = struct.unpack(">I", payload[nul + 1:nul + 5])
        attrs.append((name, payload[nul + 5:nul + 5 + n].decode(
            "utf-8", "replace")))
        i = nul + 5 + n
    return attrs


def make_qid(ino, now=None):
    """The queue ID smtpd gives a file: arrival time and inode."""
    if now is None:
        now = time.time()
    return "%08X%05X%X" % (int(now) & 0xffffffff,
                           int((now % 1) * 1e6) & 0xfffff, ino)


class QueueFile:
    """A queue file as smtpd writes it (lib/qfile.h), CRLF content."""

    def __init__(self, path, qid, offset, size, arrival):
        self.path = path
        self.qid = qid
        self.offset = offset
        self.size = size
        self.arrival = arrival

    @staticmethod
    def write(dirpath, sender, rcpts, content):
        arrival = time.time()
        recs = b""

        def rec(t, data=b""):
            return t + struct.pack(">I", len(data)) + data

        recs += rec(b"S", sender.encode())
        for r in rcpts:
            recs += rec(b"R", r.encode())
        recs += rec(b"M")
        offset = HDR_SIZE + len(recs)
        hdr = MAGIC + struct.pack(">QQQI", offset, len(content),
                                  int(arrival), int((arrival % 1) * 1e6))
        hdr += b"\0" * (HDR_SIZE - len(hdr))
        tmp = os.path.join(dirpath, "q.%d.%f" % (os.getpid(), arrival))
        with open(tmp, "wb") as f:
            f.write(hdr + recs + content + rec(b"E"))
        ino = os.stat(tmp).st_ino
        qid = make_qid(ino, arrival)
        path = os.path.join(dirpath, qid)
        os.rename(tmp, path)
        return QueueFile(path, qid, offset, len(content), int(arrival))


class ProtocolClosed(Exception):
    pass


class Agent:
    """A connection to a delivery agent's socket."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.hello = dict(self.recv())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            d = self.sock.recv(n - len(buf))
            if not d:
                raise ProtocolClosed("connection closed")
            buf += d
        return buf

    def recv(self):
        (n,) = struct.unpack(">I", self._read(4))
        return parse(self._read(n))

    def send(self, attrs, fd=None, raw=None):
        data = raw if raw is not None else frame(attrs)
        if fd is None:
            self.sock.sendall(data)
            return
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                array.array("i", [fd]).tobytes())]
        n = self.sock.sendmsg([data], anc)
        if n < len(data):
            self.sock.sendall(data[n:])

    @staticmethod
    def request(qf, rcpts, sender=None, qid=None, offset=None, size=None,
                queued=None, orig=None):
        attrs = [("req", "deliver"),
                 ("queue_id", qid if qid is not None else qf.qid),
                 ("sender", sender if sender is not None else ""),
                 ("arrival", qf.arrival),
                 ("queued", queued if queued is not None else qf.arrival),
                 ("content_offset", offset if offset is not None
                  else qf.offset),
                 ("content_size", size if size is not None else qf.size),
                 ("envid", ""), ("ret", ""), ("smtputf8", False),
                 ("nexthop", ""), ("count", len(rcpts))]
        for i, r in enumerate(rcpts):
            attrs += [("rcpt", r), ("orig", orig[i] if orig else ""),
                      ("orcpt", ""), ("notify", "")]
        return attrs

    def deliver(self, qf, rcpts, sender="sender@example.org", **kw):
        """Send one request; return the list of status dicts (in order),
        raising ProtocolClosed when the agent hangs up before req=done."""
        fd = os.open(qf.path, os.O_RDONLY)
        try:
            self.send(self.request(qf, rcpts, sender=sender, **kw), fd=fd)
        finally:
            os.close(fd)
        out = []
        while True:
            r = self.recv()
            d = dict(r)
            if d.get("req") == "done":
                self.done = d
                return out
            d["_order"] = [k for k, _ in r]
            out.append(d)

"""ipc_t.py - lib/ipc records from Python, to speak to our services the
way another of our processes would (or a compromised one).

    from ipc_t import IpcSock
    s = IpcSock(path)                    # a UNIX stream socket
    s.recv()                             # {"proto": "auth/1.1"}
    s.send([("req", "verify"), ...], fd=None)
    rec = s.recv()                       # an ordered list of (name, bytes)

A frame is a 32-bit big-endian payload length, then attributes: name,
NUL, 32-bit length, value (lib/ipc.h).
"""

import socket
import struct

from postern import WAIT


def encode(attrs):
    payload = b""
    for name, value in attrs:
        if isinstance(value, str):
            value = value.encode()
        payload += name.encode() + b"\0" + struct.pack(">I", len(value)) + \
            value
    return struct.pack(">I", len(payload)) + payload


def decode(payload):
    out = []
    i = 0
    while i < len(payload):
        nul = payload.index(b"\0", i)
        name = payload[i:nul].decode()
        (n,) = struct.unpack(">I", payload[nul + 1:nul + 5])
        out.append((name, payload[nul + 5:nul + 5 + n]))
        i = nul + 5 + n
    return out


class IpcSock:
    def __init__(self, path, timeout=WAIT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            data = self.sock.recv(n - len(buf))
            if not data:
                return None
            buf += data
        return buf

    def recv(self):
        hdr = self._exact(4)
        if hdr is None:
            return None
        (n,) = struct.unpack(">I", hdr)
        payload = self._exact(n)
        return decode(payload) if payload is not None else None

    def send(self, attrs, fd=None):
        frame = encode(attrs)
        if fd is None:
            self.sock.sendall(frame)
        else:
            socket.send_fds(self.sock, [frame], [fd])

    def close(self):
        self.sock.close()

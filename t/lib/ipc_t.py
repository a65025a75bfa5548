"""ipc_t.py - lib/ipc records from Python, to speak to our services the
way another of our processes would (or a compromised one).

    from ipc_t import IpcSock
    s = IpcSock(path)                    # a UNIX stream socket
    s.recv()                             # {"proto": "auth/1.1"}
    s.send([("req", "verify"), ...], fd=None)
    rec = s.recv()                       # an ordered list of (name, bytes)

Frames are built by deliver.frame (lib/ipc.h); replies are decoded here
as bytes (values of any kind, the login token among them).
"""

import socket
import struct

from deliver import frame
from postern import WAIT


def decode(payload):
    """An ordered list of (name, bytes)."""
    out = []
    i = 0
    while i < len(payload):
        nul = payload.index(b"\0", i)
        (n,) = struct.unpack(">I", payload[nul + 1:nul + 5])
        out.append((payload[i:nul].decode(), payload[nul + 5:nul + 5 + n]))
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
        data = frame(attrs)
        if fd is None:
            self.sock.sendall(data)
        else:
            socket.send_fds(self.sock, [data], [fd])

    def close(self):
        self.sock.close()

"""tls_t.py - helpers for the TLS integration tests (t/integ/6NN-tls-*).

    from tls_t import TLSECHO, tlsecho_instance, Line, client_ctx, \
        s_client, fingerprint

tlsecho_instance(t, mode, opts=[[...], [...]], main={...}) starts an
instance whose master.cf runs t/bin/tlsecho (lib/tls on the SINGLE
skeleton; chrooted like smtpd) on one free port per opts entry; an
entry holding "-w" is implicit TLS. It returns (inst, [port, ...]).
The certificate is the one `postern init` made: inst.etc/tls/cert.pem.

Line is a line client: starttls() and wrap() put Python's ssl under it;
cmd() sends a line and returns the reply line.

s_client(port, args, stdin) runs `openssl s_client` and returns its
output; fingerprint(der) is the SHA-256 of a DER certificate, and
file_fingerprint(path) that of a PEM file.
"""

import hashlib
import os
import re
import socket
import ssl
import subprocess

from postern import Instance, TOP, WAIT, free_port
from smtpd_t import Raw

TLSECHO = os.path.join(TOP, "t", "bin", "tlsecho")


def tlsecho_instance(t, mode, opts, main=None, chroot="y"):
    ports = [free_port() for _ in opts]
    lines = []
    for p, o in zip(ports, opts):
        args = [a for a in o if a == "-w"]
        line = "%d inet n - %s - - %s%s" % (p, chroot, TLSECHO,
                                          "".join(" " + a for a in args))
        for a in o:
            if a != "-w":
                line += " -o " + a
        lines.append(line)
    inst = Instance(t, mode=mode, main=main, services=lines)
    inst.start()
    return inst, ports


def client_ctx(cafile=None, maxver=None, minver=None, ciphers=None):
    """A client context: verifying against cafile (name localhost), or
    not verifying at all."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if maxver is not None:
        ctx.maximum_version = maxver
    if minver is not None:
        ctx.minimum_version = minver
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


class Line(Raw):
    """A line at a time (no CR), on a socket that may turn to TLS."""

    ERRORS = (OSError, ssl.SSLError)

    def line(self):
        ln = super().line()
        return None if ln is None else ln.rstrip("\r")

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def wrap(self, ctx, server_hostname="localhost"):
        """TLS on the socket now; whatever was buffered is dropped."""
        self.sock = ctx.wrap_socket(self.sock,
                                    server_hostname=server_hostname)
        self.buf = b""
        return self.sock

    def starttls(self, ctx, server_hostname="localhost"):
        r = self.cmd("STARTTLS")
        if r is None or not r.startswith("220"):
            return r
        self.wrap(ctx, server_hostname)
        return r


def s_client(port, args, stdin=b"QUIT\n"):
    """stdin lines end in LF: -crlf makes them CR LF."""
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % port, "-ign_eof", "-crlf"] +
                       list(args), input=stdin, capture_output=True,
                       timeout=WAIT + 10)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def fingerprint(der):
    return hashlib.sha256(der).hexdigest() if der else None


def file_fingerprint(path):
    with open(path) as f:
        pem = f.read()
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  pem, re.S)
    return fingerprint(ssl.PEM_cert_to_DER_cert(m.group(0))) if m else None


def served_fingerprint(port, wrapper=True, timeout=WAIT):
    """The certificate a TLS port serves (tlsecho: implicit or STARTTLS);
    None when nothing answers within timeout (a shorter one only makes a
    "serves nobody" check weaker, never wrong)."""
    try:
        c = Line(port, timeout=timeout)
    except OSError:
        return None
    try:
        if wrapper:
            c.wrap(client_ctx())
        else:
            c.line()
            c.starttls(client_ctx())
        return fingerprint(c.sock.getpeercert(binary_form=True))
    except (OSError, ssl.SSLError):
        return None
    finally:
        c.close()


def new_pair(cert, key, cn="localhost", kind="ec"):
    """Replace cert and key with a fresh self-signed pair (as a renewal
    would), with openssl req."""
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] \
        if kind == "ec" else ["-newkey", "rsa:2048"]
    tmpc, tmpk = cert + ".new", key + ".new"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "30",
                    "-subj", "/CN=" + cn, "-addext",
                    "subjectAltName=DNS:" + cn, "-keyout", tmpk, "-out",
                    tmpc] + newkey, check=True, capture_output=True)
    os.chmod(tmpk, 0o600)
    os.rename(tmpk, key)
    os.rename(tmpc, cert)

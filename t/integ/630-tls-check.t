#!/usr/bin/env python3
# postern init makes a self-signed certificate (key mode 0600) and names
# it in main.cf; postern check finds what would keep TLS from working:
# a key that does not match, an unreadable file, an expired certificate,
# a private key others can read, encrypt without a certificate.
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import POSTERN, port_base, run  # noqa: E402
from tls_t import new_pair  # noqa: E402


def check(etc):
    r = subprocess.run([POSTERN, "-c", etc, "check"], capture_output=True,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def tls_lines(out):
    return "\n".join(ln for ln in out.splitlines()
                     if "tls" in ln or "certificate" in ln or
                     "fix: chmod o-rwx" in ln or "openssl" in ln)


def main(t, mode):
    del mode
    top = tempfile.mkdtemp(prefix="postern-t.")
    d = os.path.join(top, "inst")
    r = subprocess.run([POSTERN, "init", d, "--port-base",
                        str(port_base())],
                       capture_output=True, text=True)
    t.is_(r.returncode, 0, "postern init")
    etc = os.path.join(d, "etc")
    cert = os.path.join(etc, "tls", "cert.pem")
    key = os.path.join(etc, "tls", "key.pem")
    t.is_(os.stat(key).st_mode & 0o777, 0o600, "the key is mode 0600")
    t.is_(os.stat(cert).st_mode & 0o777, 0o644, "the certificate 0644")
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"],
                         capture_output=True, text=True).stdout
    t.like(out, r"Subject: CN = localhost", "for localhost (myhostname)")
    t.like(out, r"DNS:localhost", "with a subjectAltName")
    t.like(out, r"ASN1 OID: prime256v1", "an ECDSA P-256 key")
    with open(os.path.join(etc, "main.cf")) as f:
        maincf = f.read()
    t.like(maincf, r"(?m)^smtpd_tls_cert_file = %s$" % re.escape(cert),
           "main.cf names the certificate")
    t.like(maincf, r"(?m)^smtpd_tls_key_file = %s$" % re.escape(key),
           "and the key")
    t.like(maincf, r"(?m)^smtpd_tls_security_level = may$",
           "and offers STARTTLS")

    rc, out = check(etc)
    t.is_(tls_lines(out), "", "postern check: no TLS problem")

    # a key that does not match
    shutil.copy2(key, key + ".good")
    new_pair(os.path.join(top, "o.pem"), os.path.join(top, "o.key"))
    shutil.copy2(os.path.join(top, "o.key"), key)
    rc, out = check(etc)
    t.ok(rc == 1 and re.search(
        r"postern check: smtpd_tls_key_file %s: key does not match "
        r"certificate %s\n    fix: name the key of that certificate" %
        (re.escape(key), re.escape(cert)), out), "a mismatched key")

    # others may read the key
    shutil.copy2(key + ".good", key)
    os.chmod(key, 0o644)
    rc, out = check(etc)
    t.ok(rc == 1 and re.search(r"smtpd_tls_key_file %s: mode 644: every "
                               r"user can read the private key\n    "
                               r"fix: chmod o-rwx %s" % (re.escape(key),
                                                         re.escape(key)),
                               out), "a key every user can read")
    os.chmod(key, 0o640)
    rc, out = check(etc)
    t.is_(tls_lines(out), "", "a group-readable key is fine (ssl-cert)")
    os.chmod(key, 0o600)

    # a missing certificate file
    os.rename(cert, cert + ".away")
    rc, out = check(etc)
    t.ok(rc == 1 and re.search(r"smtpd_tls_cert_file %s: No such file or "
                               r"directory\n    fix: correct the file name"
                               % re.escape(cert), out),
         "a missing certificate")
    os.rename(cert + ".away", cert)

    # an expired certificate
    csr = os.path.join(top, "r.csr")
    subprocess.run(["openssl", "req", "-new", "-key", key, "-subj",
                    "/CN=localhost", "-out", csr], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-signkey", key,
                    "-days", "-1", "-out", cert], check=True,
                   capture_output=True)
    rc, out = check(etc)
    t.ok(rc == 1 and re.search(r"smtpd_tls_cert_file %s: the certificate "
                               r"expired on \d{4}-\d\d-\d\d [0-9:]+ UTC\n"
                               r"    fix: renew it" % re.escape(cert), out),
         "an expired certificate")

    # encrypt without a certificate
    with open(os.path.join(etc, "main.cf"), "a") as f:
        f.write("smtpd_tls_cert_file =\nsmtpd_tls_security_level = "
                "encrypt\n")
    rc, out = check(etc)
    t.ok(rc == 1 and "smtpd_tls_security_level = encrypt, but no "
         "certificate is configured" in out, "encrypt without a certificate")
    with open(os.path.join(etc, "main.cf"), "a") as f:
        f.write("smtpd_tls_security_level = sometimes\n")
    rc, out = check(etc)
    t.ok(rc == 1 and re.search(r"smtpd_tls_security_level: bad value "
                               r"\"sometimes\"", out), "an unknown level")
    t.ok(not os.path.exists(os.path.join(d, "data",
                                         "smtpd_tls_ticket_keys")),
         "postern check wrote nothing (no ticket key file)")
    shutil.rmtree(top, ignore_errors=True)


run(main)

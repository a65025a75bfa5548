#!/usr/bin/env python3
# lib/tls: a renewed certificate is served after `postern reload`
# without a restart (the master replaces its children, which read the
# files again before their jail); a key that does not match its
# certificate, or a missing one, is a clear startup error naming the
# files; fixed and reloaded, the service comes back.
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run, wait_for  # noqa: E402
from tls_t import TLSECHO, file_fingerprint, new_pair, \
    served_fingerprint, tlsecho_instance  # noqa: E402


def main(t, mode):
    if not os.access(TLSECHO, os.X_OK):
        t.skip("t/bin/tlsecho is not built", 1)
        return
    inst, (wport, sport) = tlsecho_instance(
        t, mode, [["-w"], []], main={"service_throttle_time": "1s"})
    cert = os.path.join(inst.etc, "tls", "cert.pem")
    key = os.path.join(inst.etc, "tls", "key.pem")
    old = file_fingerprint(cert)
    t.is_(served_fingerprint(wport), old, "the instance's certificate is "
          "served (implicit TLS)")
    t.is_(served_fingerprint(sport, wrapper=False), old, "and after "
          "STARTTLS")

    # renewal: new files at the same paths (as certbot does), reload
    new_pair(cert, key, kind="rsa")
    new = file_fingerprint(cert)
    t.ok(new and new != old, "a renewed certificate is in place")
    t.is_(served_fingerprint(wport), old, "before the reload the running "
          "processes serve the old one")
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "postern reload")
    t.ok(wait_for(lambda: served_fingerprint(wport) == new,
                  "the new certificate", t),
         "after the reload the new certificate is served")
    t.is_(served_fingerprint(sport, wrapper=False), new,
          "on the STARTTLS port too")

    # a key that does not belong to the certificate
    keep = key + ".good"
    shutil.copy2(key, keep)
    other_c = os.path.join(inst.dir, "other.pem")
    other_k = os.path.join(inst.dir, "other.key")
    new_pair(other_c, other_k)
    shutil.copy2(other_k, key)
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "reload with a mismatched key (main.cf is fine)")
    # the master starts a process when a client comes
    t.is_(served_fingerprint(wport, timeout=3), None,
          "the service serves nobody")
    t.ok(inst.wait_log(r"tlsecho\[\d+\]: fatal: smtpd_tls_key_file %s: key "
                       r"does not match certificate %s$" % (key, cert)),
         "it fails at startup naming both files")

    # a missing key
    os.unlink(key)
    served_fingerprint(wport, timeout=3)
    t.ok(inst.wait_log(r"tlsecho\[\d+\]: fatal: smtpd_tls_key_file %s: No "
                       r"such file or directory$" % key),
         "a missing key file: fatal, naming it")

    # fixed
    shutil.copy2(keep, key)
    os.chmod(key, 0o600)
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "reload after the fix")
    t.ok(wait_for(lambda: served_fingerprint(wport, timeout=3) == new,
                  "the service back", t), "the service is back")
    inst.teardown(expect=[r"fatal: smtpd_tls_key_file ",
                          r"warning: .*tlsecho.*(exit|status|throttl)",
                          r"warning: service .*(exit|status|throttl)"])


run(main)

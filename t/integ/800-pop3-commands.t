#!/usr/bin/env python3
# POP3 as a client sees it (RFC 1939, 2449, 2595, 5034), with poplib and
# a raw client: the greeting and CAPA before and after login; USER/PASS
# and AUTH PLAIN/LOGIN (initial response or not, cancelled, malformed,
# an unknown mechanism); [AUTH] for bad credentials; STAT, LIST, UIDL,
# RETR (CR LF, dot-stuffing, the octets LIST announced), TOP, DELE,
# RSET, NOOP, QUIT with deletion only in the UPDATE state; UIDLs equal
# to the store's UIDs and UIDVALIDITY and stable across sessions;
# pipelined commands right after PASS; STLS and pop3s; a login without
# TLS refused outside mynetworks; [IN-USE] for a second session of one
# user; unknown commands and the bad command limit; the log lines;
# pop3d_tls_security_level = encrypt: only CAPA, STLS and QUIT before
# TLS, even from the loopback.
import os
import poplib
import re
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import (POSTERN, free_port, port_refuses, run,  # noqa: E402
                     wait_for)
from pop3_t import (Pop3Raw, b64, built, crlf_size, files,  # noqa: E402
                    mbox, plain, pop3_instance, put_msg)

if not built():
    print("1..0 # SKIP pop3d, pop3-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "Al1ce-pop3-secret"
BOB, BOB_PW = "bob@example.test", "B0b-pop3-secret"
MSGS = [b"Subject: one\n\nfirst line\n.a line that starts with a dot\n"
        b"..two dots\nlast\n",
        b"Subject: two\nX-Long: " + b"x" * 900 + b"\n\nbody\r\nwith CR LF\n",
        b"From: a@b\nSubject: three\n\nl1\nl2\nl3\nl4\n"]


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def pop(port):
    return poplib.POP3("127.0.0.1", port, timeout=30)


def wire(data):
    """What RETR sends for a stored message (before dot-stuffing)."""
    out = re.sub(rb"(?<!\r)\n", b"\r\n", data)
    return out


def check_session(t, inst, port):
    p = pop(port)
    t.is_(p.getwelcome(), b"+OK Postern ready.", "greeting")
    capa = p.capa()
    t.ok(all(k in capa for k in ("TOP", "UIDL", "RESP-CODES",
                                 "AUTH-RESP-CODE", "PIPELINING", "USER",
                                 "STLS", "IMPLEMENTATION")),
         "CAPA before login: %s" % sorted(capa))
    t.is_(capa.get("SASL"), ["PLAIN", "LOGIN"], "CAPA: SASL PLAIN LOGIN")
    try:
        p.pass_("x")
        t.ok(False, "PASS without USER refused")
    except poplib.error_proto as e:
        t.is_(e.args[0], b"-ERR No username given.", "PASS without USER")
    p.user(ALICE)
    try:
        p.pass_("wrong-password")
        t.ok(False, "a wrong password refused")
    except poplib.error_proto as e:
        t.is_(e.args[0], b"-ERR [AUTH] Authentication failed.",
              "a wrong password: -ERR [AUTH]")
    p.user("nobody@example.test")
    try:
        p.pass_(ALICE_PW)
        t.ok(False, "an unknown user refused")
    except poplib.error_proto as e:
        t.is_(e.args[0], b"-ERR [AUTH] Authentication failed.",
              "an unknown user: the same reply")
    p.user(ALICE)
    t.is_(p.pass_(ALICE_PW), b"+OK Logged in.", "USER/PASS: +OK Logged in.")
    capa = p.capa()
    t.ok("USER" not in capa and "SASL" not in capa and "STLS" not in capa
         and "UIDL" in capa and "TOP" in capa,
         "CAPA after login: no USER, SASL, STLS (%s)" % sorted(capa))
    total = sum(crlf_size(m) for m in MSGS)
    t.is_(p.stat(), (3, total), "STAT: 3 messages, their CR LF octets")
    resp, lines, _ = p.list()
    t.is_([ln.decode() for ln in lines],
          ["%d %d" % (i + 1, crlf_size(m)) for i, m in enumerate(MSGS)],
          "LIST: the CR LF size of each")
    t.is_(p.list(2), b"+OK 2 %d" % crlf_size(MSGS[1]), "LIST 2")
    for bad, want in (("4", "There's no message 4."),
                      ("0", "There's no message 0."),
                      ("-1", "There's no message -1."),
                      ("01", "There's no message 01.")):
        try:
            p.list(bad)
            t.ok(False, "LIST %s refused" % bad)
        except poplib.error_proto as e:
            t.is_(e.args[0], b"-ERR " + want.encode(), "LIST %s: -ERR" %
                  bad)
    # UIDL: the store's UID and UIDVALIDITY, as hex
    rc, out, err = mbox(inst, ALICE)
    t.is_(rc, 0, "t/bin/mbox reads the folder (%s)" % err.strip())
    uv = int(re.search(r"uidvalidity (\d+)", out).group(1)) if rc == 0 \
        else 0
    uids = [int(ln.split()[0]) for ln in out.splitlines()[1:]]
    resp, lines, _ = p.uidl()
    t.is_([ln.decode() for ln in lines],
          ["%d %08X%08X" % (i + 1, u, uv) for i, u in enumerate(uids)],
          "UIDL: UID and UIDVALIDITY of the store")
    t.is_(p.uidl(3), b"+OK 3 %08X%08X" % (uids[2], uv), "UIDL 3")
    for i, m in enumerate(MSGS):
        resp, lines, octets = p.retr(i + 1)
        t.is_(resp, b"+OK %d octets" % crlf_size(m),
              "RETR %d announces its octets" % (i + 1))
        t.is_(b"\r\n".join(lines) + b"\r\n", wire(m),
              "RETR %d: the message, CR LF, dots undone by the client"
              % (i + 1))
        t.is_(octets, crlf_size(m), "RETR %d: the octets sent equal the "
              "LIST size" % (i + 1))
    resp, lines, _ = p.top(3, 0)
    t.is_(lines, [b"From: a@b", b"Subject: three", b""],
          "TOP 3 0: the header and the empty line")
    resp, lines, _ = p.top(3, 2)
    t.is_(lines[-2:], [b"l1", b"l2"], "TOP 3 2: two body lines")
    t.is_(p.dele(2), b"+OK Marked to be deleted.", "DELE 2")
    for cmd in (lambda: p.dele(2), lambda: p.retr(2), lambda: p.list(2)):
        try:
            cmd()
            t.ok(False, "a deleted message refused")
        except poplib.error_proto as e:
            t.is_(e.args[0], b"-ERR Message is deleted.",
                  "a deleted message: -ERR Message is deleted.")
    t.is_(p.stat(), (2, total - crlf_size(MSGS[1])), "STAT without it")
    t.is_(len(p.list()[1]), 2, "LIST without it")
    t.is_(p.rset(), b"+OK", "RSET")
    t.is_(p.stat(), (3, total), "RSET undoes DELE")
    t.is_(p.noop(), b"+OK", "NOOP")
    p.dele(2)
    t.is_(len(files(inst, ALICE, "new")) + len(files(inst, ALICE, "cur")),
          3, "nothing is deleted before QUIT")
    t.is_(p.quit(), b"+OK Logging out, messages deleted.",
          "QUIT: the UPDATE state")
    t.is_(len(files(inst, ALICE, "new")) + len(files(inst, ALICE, "cur")),
          2, "QUIT deleted one file")
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Disconnected: Logged out "
                       r"user=<alice@example\.test>, rip=127\.0\.0\.1, "
                       r"top=2/\d+, retr=3/%d, del=1/3, size=%d" %
                       (total, total - crlf_size(MSGS[1]))),
         "the logout line: top, retr, del and size, as Dovecot's")
    t.ok(re.search(r"pop3d\[\d+\]: Login: user=<alice@example\.test>, "
                   r"method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.1, "
                   r"no TLS, (Landlock ABI \d|no Landlock)", inst.log()),
         "the login line")

    # the next session: same UIDLs for what is left, retrieved ones seen
    p = pop(port)
    p.user(ALICE)
    p.pass_(ALICE_PW)
    resp, lines, _ = p.uidl()
    t.is_([ln.decode().split()[1] for ln in lines],
          ["%08X%08X" % (u, uv) for u in (uids[0], uids[2])],
          "UIDLs are stable across sessions")
    p.quit()
    rc, out, _ = mbox(inst, ALICE)
    t.ok(rc == 0 and all(int(ln.split()[2]) & 0x08 for ln in
                         out.splitlines()[1:]),
         "retrieved messages are \\Seen for IMAP")


def check_sasl(t, port):
    c = Pop3Raw(port)
    c.line()
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE_PW)), "+OK Logged in.",
          "AUTH PLAIN with an initial response")
    c.cmd("QUIT")
    c.close()
    c = Pop3Raw(port)
    c.line()
    t.is_(c.cmd("AUTH PLAIN"), "+ ", "AUTH PLAIN without one: an empty "
          "challenge")
    t.is_(c.cmd(plain(ALICE, ALICE_PW)), "+OK Logged in.", "... then +OK")
    c.cmd("QUIT")
    c.close()
    c = Pop3Raw(port)
    c.line()
    t.is_(c.cmd("AUTH LOGIN"), "+ " + b64("Username:"), "AUTH LOGIN: "
          "Username:")
    t.is_(c.cmd(b64(ALICE)), "+ " + b64("Password:"), "... Password:")
    t.is_(c.cmd(b64(ALICE_PW)), "+OK Logged in.", "... +OK")
    c.cmd("QUIT")
    c.close()
    c = Pop3Raw(port)
    c.line()
    c.cmd("AUTH LOGIN")
    t.is_(c.cmd("*"), "-ERR Authentication cancelled.", "AUTH cancelled "
          "with *")
    t.is_(c.cmd("AUTH PLAIN !!!notbase64"),
          "-ERR [AUTH] Invalid authentication data.", "malformed base64")
    t.is_(c.cmd("AUTH CRAM-MD5"), "-ERR Unsupported authentication "
          "mechanism.", "an unknown mechanism")
    t.is_(c.cmd("AUTH PLAIN " + plain(ALICE, "wrong")),
          "-ERR [AUTH] Authentication failed.", "AUTH with a wrong "
          "password: [AUTH]")
    t.is_(c.cmd("STAT"), "-ERR Unknown command.", "STAT before login")
    t.is_(c.cmd("FOO bar"), "-ERR Unknown command.", "an unknown command")
    c.send("NOOP\r\n" * 30)
    c.send("FOO\r\n" * 20)
    got = []
    while True:
        ln = c.line()
        if ln is None:
            break
        got.append(ln)
    t.is_(got[-1] if got else None, "-ERR Too many bad commands.",
          "the bad command limit, then the server hangs up")
    c.close()


def check_pipelining(t, port):
    c = Pop3Raw(port)
    c.line()
    c.send("USER %s\r\nPASS %s\r\nSTAT\r\nLIST 1\r\nNOOP\r\nQUIT\r\n" %
           (BOB, BOB_PW))
    got = [c.line() for _ in range(6)]
    t.is_(got, ["+OK", "+OK Logged in.", "+OK 1 %d" % crlf_size(MSGS[0]),
                "+OK 1 %d" % crlf_size(MSGS[0]), "+OK", "+OK Logging out."],
          "commands pipelined behind PASS go to the session, in order")
    c.close()


def check_tls(t, inst, ports):
    p = pop(ports["pop3"])
    t.is_(p.stls(ctx()), b"+OK Begin TLS negotiation now.", "STLS")
    t.ok("STLS" not in p.capa(), "no STLS in CAPA once TLS is up")
    p.user(BOB)
    t.is_(p.pass_(BOB_PW), b"+OK Logged in.", "a login over STLS")
    t.is_(p.stat()[0], 1, "STAT over TLS (relayed)")
    t.is_(p.retr(1)[1][-1], b"last", "RETR over TLS")
    p.quit()
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Login: user=<bob@example\.test>, "
                       r"method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.1, "
                       r"TLS relayed by the login process"),
         "the log says who carries the TLS")
    s = poplib.POP3_SSL("127.0.0.1", ports["pop3s"], context=ctx(),
                        timeout=30)
    t.is_(s.getwelcome(), b"+OK Postern ready.", "pop3s: TLS from the "
          "first byte, then the greeting")
    s.user(BOB)
    t.is_(s.pass_(BOB_PW), b"+OK Logged in.", "pop3s login")
    s.quit()


def check_in_use(t, port):
    p1 = pop(port)
    p1.user(BOB)
    p1.pass_(BOB_PW)
    p2 = pop(port)
    p2.user(BOB)
    try:
        p2.pass_(BOB_PW)
        t.ok(False, "a second POP3 session of bob refused")
    except poplib.error_proto as e:
        t.is_(e.args[0], b"-ERR [IN-USE] Mailbox is locked by another "
              b"POP3 session.", "[IN-USE] while the first holds the maildrop")
    p1.quit()
    p3 = pop(port)
    p3.user(BOB)
    t.is_(p3.pass_(BOB_PW), b"+OK Logged in.", "free again after QUIT")
    p3.quit()


def check_plaintext(t, inst):
    port = free_port()
    line = "%d inet n n y - - pop3-login -o mynetworks=192.0.2.0/24" % port
    with open(os.path.join(inst.etc, "master.cf"), "a") as f:
        f.write(line + "\n")
    inst.postern("reload")
    wait_for(lambda: not port_refuses(port), "the new port", t)
    c = Pop3Raw(port)
    c.line()
    c.send("CAPA\r\n")
    c.line()
    capa = c.multi()
    t.ok("STLS" in capa and "USER" not in capa and
         not any(x.startswith("SASL") for x in capa),
         "outside mynetworks without TLS: CAPA offers STLS, not USER or "
         "SASL (%s)" % capa)
    no = "-ERR [AUTH] Plaintext authentication disallowed on non-secure " \
        "(SSL/TLS) connections."
    t.is_(c.cmd("USER " + BOB), no, "USER refused without TLS")
    t.is_(c.cmd("AUTH PLAIN " + plain(BOB, BOB_PW)), no,
          "AUTH refused without TLS")
    c.close()
    p = pop(port)
    p.stls(ctx())
    p.user(BOB)
    t.is_(p.pass_(BOB_PW), b"+OK Logged in.", "... and allowed after STLS")
    p.quit()


def check_encrypt(t, inst):
    """pop3d_tls_security_level = encrypt on a port of its own."""
    port = free_port()
    line = ("%d inet n n y - - pop3-login -o pop3d_tls_security_level="
            "encrypt" % port)
    with open(os.path.join(inst.etc, "master.cf"), "a") as f:
        f.write(line + "\n")
    inst.postern("reload")
    wait_for(lambda: not port_refuses(port), "the encrypt port", t)
    c = Pop3Raw(port)
    c.line()
    first = "-ERR [AUTH] Issue STLS first."
    t.is_(c.cmd("USER " + BOB), first,
          "encrypt: USER before TLS refused even from the loopback")
    t.is_(c.cmd("AUTH PLAIN " + plain(BOB, BOB_PW)), first,
          "encrypt: AUTH before TLS refused")
    t.is_(c.cmd("NOOP"), first, "encrypt: NOOP before TLS refused")
    c.send("CAPA\r\n")
    t.like(c.line(), r"^\+OK", "encrypt: CAPA answered")
    capa = c.multi()
    t.ok("STLS" in capa, "encrypt: CAPA offers STLS (%s)" % capa)
    c.close()
    p = pop(port)
    p.stls(ctx())
    p.user(BOB)
    t.is_(p.pass_(BOB_PW), b"+OK Logged in.", "encrypt: a login after STLS")
    p.quit()


def check_init(t):
    """postern init's master.cf: the login side, pop3s, the session."""
    d = tempfile.mkdtemp(prefix="postern-init.")
    try:
        r = subprocess.run([POSTERN, "init", d, "--port-base", "20000"],
                           capture_output=True, text=True)
        with open(os.path.join(d, "etc", "master.cf")) as f:
            text = f.read()
        t.ok(r.returncode == 0 and "POP3 20010" in r.stdout,
             "postern init says where POP3 is")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    t.ok(re.search(r"^20010\s+inet\s+n\s+n\s+y\s+-\s+-\s+pop3-login$",
                   text, re.M), "pop3 (B+10): the login side, its own user "
         "(unpriv n), jailed")
    t.ok(re.search(r"^20095\s+inet\s+n\s+n\s+y\s+-\s+-\s+pop3-login\n"
                   r"\s+-o pop3d_tls_wrappermode=yes$", text, re.M),
         "pop3s (B+95): the same, -o pop3d_tls_wrappermode=yes")
    t.ok(re.search(r"^pop3d\s+unix\s+-\s+n\s+y\s+-\s+-\s+pop3d$", text,
                   re.M), "the pop3d session service: vmail_owner, jailed")


def main(t, mode):
    check_init(t)
    inst, ports = pop3_instance(t, mode, users={ALICE: ALICE_PW,
                                                BOB: BOB_PW},
                                main={"auth_failure_delay": "0"})
    for m in MSGS:
        put_msg(inst, ALICE, m)
    put_msg(inst, BOB, MSGS[0])
    check_session(t, inst, ports["pop3"])
    check_sasl(t, ports["pop3"])
    check_pipelining(t, ports["pop3"])
    check_tls(t, inst, ports)
    check_in_use(t, ports["pop3"])
    check_plaintext(t, inst)
    check_encrypt(t, inst)
    inst.teardown()


run(main)

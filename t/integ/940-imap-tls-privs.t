#!/usr/bin/env python3
# IMAP with TLS, and its privilege model:
#   - a client outside mynetworks is told LOGINDISABLED and STARTTLS;
#     LOGIN and AUTHENTICATE before TLS: NO [PRIVACYREQUIRED]; after
#     STARTTLS the capabilities offer AUTH=PLAIN and a login works, its
#     session's bytes relayed by the login process (the log says so);
#     plaintext sent together with STARTTLS is not taken as commands;
#   - imaps (993): TLS from the first byte, the greeting inside it;
#   - imapd_tls_security_level = encrypt: nothing but CAPABILITY, NOOP,
#     LOGOUT, ID and STARTTLS before TLS, even from the loopback;
#   - as root: imap-login runs as login_owner, chrooted in an empty
#     directory, without a descriptor under the mail root; the session
#     runs as the vmail user, chrooted in the mail root, in the user's
#     Maildir, and cannot follow a symbolic link planted there to
#     another user's mail.
import os
import pwd
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import postern  # noqa: E402
from postern import TEST_USER, run  # noqa: E402
from imap_t import (LOGIN_USER, ImapRaw, built, imap_instance,  # noqa: E402
                    log_lines, maildir, own, proc_pids, put_msg, tls_ctx)

if not built():
    print("1..0 # SKIP imapd, imap-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "Tl5-alice-secret"
BOB, BOB_PW = "bob@example.test", "Tl5-bob-secret"


def starttls(r):
    r.sock = tls_ctx().wrap_socket(r.sock)
    r.buf = b""


def check_starttls(t, inst, port):
    r = ImapRaw(port)
    g = r.line().decode()
    t.like(g, r"^\* OK \[CAPABILITY .*STARTTLS LOGINDISABLED\] ",
           "outside mynetworks: STARTTLS and LOGINDISABLED")
    t.like(r.cmd('LOGIN %s "%s"' % (ALICE, ALICE_PW))[-1].decode(),
           r" NO \[PRIVACYREQUIRED\] ", "LOGIN before TLS: NO "
           "[PRIVACYREQUIRED]")
    t.like(r.cmd("AUTHENTICATE PLAIN")[-1].decode(),
           r" NO \[PRIVACYREQUIRED\] ", "AUTHENTICATE before TLS too")
    # STARTTLS with a command injected behind it in the same packet
    r.send(b"s1 STARTTLS\r\ns2 CAPABILITY\r\n")
    t.is_(r.line(), b"s1 OK Begin TLS negotiation now.", "STARTTLS")
    starttls(r)
    out = r.cmd("CAPABILITY", "s3")
    t.ok(out[0].startswith(b"* CAPABILITY") and b"AUTH=PLAIN" in out[0]
         and b"LOGINDISABLED" not in out[0] and b"STARTTLS" not in out[0]
         and out[-1] == b"s3 OK Capability completed.",
         "after TLS: AUTH=PLAIN; the injected command was dropped")
    out = r.cmd('LOGIN %s "%s"' % (ALICE, ALICE_PW), "s4")
    t.like(out[-1].decode(), r"^s4 OK \[CAPABILITY ", "LOGIN over TLS")
    out = r.cmd("SELECT INBOX", "s5")
    t.ok(b"* 1 EXISTS" in out, "the session works through the relay")
    out = r.cmd("FETCH 1 BODY[]", "s6")
    t.ok(b"the mail of alice" in out[0], "... a FETCH too")
    r.cmd("LOGOUT", "s7")
    r.close()
    t.ok(any("TLS" in ln and "relayed" in ln for ln in
             log_lines(inst, "imapd") if "Login: " in ln),
         "the session's login line says the login process relays TLS")


def check_imaps(t, port):
    r = ImapRaw(port, tls=True)
    g = r.line().decode()
    t.like(g, r"^\* OK \[CAPABILITY .*AUTH=PLAIN", "imaps: the greeting "
           "inside TLS, logins allowed")
    out = r.cmd('LOGIN %s "%s"' % (ALICE, ALICE_PW))
    t.like(out[-1].decode(), r" OK \[CAPABILITY ", "imaps: LOGIN")
    r.cmd("LOGOUT")
    r.close()


def check_privs(t, inst, port):
    r = ImapRaw(port, tls=True)
    r.line()
    mail = os.path.realpath(os.path.join(inst.dir, "mail"))
    logins = [p for p in proc_pids(inst, "imap-login")
              if "dialer" not in open("/proc/%d/cmdline" % p).read()]
    t.ok(logins, "a login process")
    lu = pwd.getpwnam(LOGIN_USER)
    for pid in logins[:1]:
        st = postern.proc_status(pid)
        t.is_(st.get("Uid", "").split()[:1], [str(lu.pw_uid)],
              "imap-login runs as login_owner")
        root = os.readlink("/proc/%d/root" % pid)
        t.ok(root != "/" and not os.listdir("/proc/%d/root" % pid),
             "... chrooted in an empty directory (%s)" % root)
        t.ok(not any(f.startswith(mail) for f in postern.proc_fds(pid)),
             "... with no descriptor under the mail root")
    before = set(proc_pids(inst, "imapd"))
    out = r.cmd('LOGIN %s "%s"' % (ALICE, ALICE_PW))
    mine = [p for p in proc_pids(inst, "imapd") if p not in before]
    t.is_(len(mine), 1, "one session process for the login")
    vu = pwd.getpwnam(TEST_USER)
    for pid in mine:
        st = postern.proc_status(pid)
        t.is_(st.get("Uid", "").split()[:1], [str(vu.pw_uid)],
              "the session runs as the vmail user")
        t.is_(os.path.realpath("/proc/%d/root" % pid), mail,
              "... chrooted in the mail root")
        t.is_(os.path.realpath("/proc/%d/cwd" % pid),
              os.path.realpath(maildir(inst, ALICE)),
              "... in the user's Maildir")
        t.is_(st.get("NoNewPrivs", "").strip(), "1", "... no new privileges")
    # a symbolic link to bob's mail planted in alice's Maildir
    bobmsg = os.path.join(maildir(inst, BOB), "new")
    name = os.listdir(bobmsg)[0]
    link = os.path.join(maildir(inst, ALICE), "new", "1.evil.x,S=5,W=5")
    os.symlink(os.path.join(bobmsg, name), link)
    out = r.cmd("SELECT INBOX")
    out = r.cmd("FETCH 1:* (BODY.PEEK[])")
    t.ok(not any(b"the secret of bob" in x for x in out),
         "a symbolic link to another user's mail is not followed")
    r.cmd("LOGOUT")
    r.close()
    os.unlink(link)


def check_encrypt(t, mode):
    inst, ports = imap_instance(t, mode, users={ALICE: ALICE_PW}, main={
        "imapd_tls_security_level": "encrypt"})
    try:
        r = ImapRaw(ports["imap"])
        r.line()
        t.like(r.cmd('LOGIN %s "%s"' % (ALICE, ALICE_PW))[-1].decode(),
               r" NO \[PRIVACYREQUIRED\] Issue STARTTLS first",
               "encrypt: LOGIN before TLS refused even from the loopback")
        t.like(r.cmd("CAPABILITY")[-1].decode(), r" OK ",
               "... CAPABILITY allowed")
        r.cmd("LOGOUT")
        r.close()
    finally:
        inst.teardown()


def main(t, mode):
    inst, ports = imap_instance(t, mode, users={ALICE: ALICE_PW, BOB:
                                                BOB_PW},
                                main={"mynetworks": "192.0.2.0/24"})
    put_msg(inst, ALICE, b"Subject: hello\n\nthe mail of alice\n")
    put_msg(inst, BOB, b"Subject: bob's\n\nthe secret of bob\n")
    try:
        check_starttls(t, inst, ports["imap"])
        check_imaps(t, ports["imaps"])
        if mode == "root":
            check_privs(t, inst, ports["imaps"])
        else:
            t.skip("privileges are checked in the root run", 11)
    finally:
        inst.teardown()
    check_encrypt(t, mode)


run(main)

#!/usr/bin/env python3
# The privilege model of POP3 (DESIGN, "Mail access"), from /proc and
# from the outside:
#   - as root, the login process runs as login_owner, chrooted in an
#     empty directory, and holds no descriptor under the mail root nor
#     of the user table; its dialer runs as mail_owner in the queue;
#   - as root, the session process runs as the vmail user, chrooted in
#     the mail root, with the user's Maildir as its working directory
#     and no new privileges;
#   - the session cannot read another user's mail through a symbolic
#     link planted in the Maildir (absolute or "../"), before or after
#     the index knows the name;
#   - a forged login token and a replayed one are refused by the
#     session side (speaking the handoff protocol ourselves, as a
#     compromised login process would), and logged;
#   - auth unreachable: -ERR [SYS/TEMP], never a login.
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TEST_USER, run  # noqa: E402
from ipc_t import IpcSock  # noqa: E402
from pop3_t import (LOGIN_USER, Pop3Raw, built, maildir,  # noqa: E402
                    pop3_instance, proc_pids, put_msg)
import pwd  # noqa: E402
import postern  # noqa: E402

if not built():
    print("1..0 # SKIP pop3d, pop3-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "Pr1vs-alice-secret"
BOB, BOB_PW = "bob@example.test", "Pr1vs-bob-secret"
BOB_SECRET = b"Subject: bob's\n\nthe secret of bob\n"


def check_login_proc(t, inst, port):
    c = Pop3Raw(port)
    c.line()
    pids = [p for p in proc_pids(inst, "pop3-login")
            if "dialer" not in open("/proc/%d/cmdline" % p).read()]
    dialers = [p for p in proc_pids(inst, "pop3-login")
               if "dialer" in open("/proc/%d/cmdline" % p).read()]
    t.ok(len(pids) >= 1, "a login process (%s)" % pids)
    lu = pwd.getpwnam(LOGIN_USER)
    mail = os.path.realpath(os.path.join(inst.dir, "mail"))
    users_db = os.path.realpath(os.path.join(inst.etc, "users"))
    for pid in pids:
        st = postern.proc_status(pid)
        t.is_(st.get("Uid", "").split(), [str(lu.pw_uid)] * 4,
              "login pid %d runs as login_owner %s" % (pid, LOGIN_USER))
        root = os.readlink("/proc/%d/root" % pid)
        t.is_(root, os.path.realpath(os.path.join(inst.spool, "empty")),
              "login pid %d: chrooted in queue_directory/empty" % pid)
        t.is_(os.listdir(root), [], "... which is empty")
        bad = [f for f in postern.proc_fds(pid) if f.startswith(mail) or
               f.startswith(users_db)]
        t.is_(bad, [], "login pid %d: no descriptor under the mail root "
              "or of the user table" % pid)
        t.is_(st.get("NoNewPrivs"), "1", "... no new privileges")
    tu = pwd.getpwnam(TEST_USER)
    for pid in dialers:
        st = postern.proc_status(pid)
        t.is_(st.get("Uid", "").split(), [str(tu.pw_uid)] * 4,
              "its dialer runs as mail_owner")
        t.is_(os.readlink("/proc/%d/root" % pid),
              os.path.realpath(inst.spool), "... chrooted in the queue")
        bad = [f for f in postern.proc_fds(pid) if f.startswith(mail)]
        t.is_(bad, [], "... with nothing under the mail root")
    c.close()


def check_session_proc(t, inst, port):
    c = Pop3Raw(port)
    t.is_(c.login(ALICE, ALICE_PW), "+OK Logged in.", "alice logged in")
    pids = [p for p in proc_pids(inst, "pop3d")
            if "alice" in open("/proc/%d/cmdline" % p).read()]
    t.is_(len(pids), 1, "her session process, named in its title")
    tu = pwd.getpwnam(TEST_USER)
    for pid in pids:
        st = postern.proc_status(pid)
        t.is_(st.get("Uid", "").split(), [str(tu.pw_uid)] * 4,
              "session pid %d runs as the vmail user" % pid)
        t.is_(os.readlink("/proc/%d/root" % pid),
              os.path.realpath(os.path.join(inst.dir, "mail")),
              "... chrooted in the mail root")
        t.is_(os.readlink("/proc/%d/cwd" % pid),
              os.path.realpath(maildir(inst, ALICE)),
              "... working in alice's Maildir")
        t.is_(st.get("NoNewPrivs"), "1", "... no new privileges")
    c.cmd("QUIT")
    c.close()


def check_symlinks(t, inst, port, mode):
    bobs = put_msg(inst, BOB, BOB_SECRET)
    bob_path = os.path.join(maildir(inst, BOB), "new", bobs)
    amd = maildir(inst, ALICE)
    # absolute within the session's jail (root), or on the host (user)
    target = ("/example.test/bob/new/" + bobs) if mode == "root" else \
        bob_path
    os.symlink(target, os.path.join(amd, "new", "1.M1P1.abs,S=35,W=38"))
    os.symlink("../../bob/new/" + bobs,
               os.path.join(amd, "new", "1.M2P1.rel,S=35,W=38"))
    c = Pop3Raw(port)
    c.login(ALICE, ALICE_PW)
    t.ok(c.cmd("STAT").startswith("+OK 1 "), "symbolic links planted in "
         "new/ are no messages: STAT counts the one real message")
    c.cmd("QUIT")
    c.close()
    # a message the index knows, turned into a link to bob's afterwards
    name = [n for n in os.listdir(os.path.join(amd, "new"))
            if ".test," in n][0]
    os.unlink(os.path.join(amd, "new", name))
    os.symlink("../../bob/new/" + bobs, os.path.join(amd, "new", name))
    c = Pop3Raw(port)
    c.login(ALICE, ALICE_PW)
    c.send("RETR 1\r\n")
    r = c.line()
    got = [r] + (c.multi() if r and r.startswith("+OK") else [])
    t.ok(not any("secret of bob" in ln for ln in got),
         "RETR of a message whose file became a link to bob's: bob's "
         "mail is not sent (%s)" % r)
    c.cmd("QUIT")
    c.close()


def handoff(inst, token, user=ALICE):
    """Hand over one end of a socket pair with token, as a login process
    would: what the session side then says on it."""
    ours, theirs = socket.socketpair()
    ours.settimeout(20)
    s = IpcSock(os.path.join(inst.spool, "private", "pop3d"))
    hello = s.recv()
    s.send([("req", "handoff"), ("token", token), ("client", "127.0.0.1"),
            ("client_port", "4711"), ("server", "127.0.0.1"),
            ("server_port", "110"), ("transport", "plain"), ("tls", ""),
            ("mech", "PLAIN"), ("user", user), ("tag", ""),
            ("input", "")], fd=theirs.fileno())
    theirs.close()
    s.close()
    try:
        data = ours.recv(4096).decode()
    except socket.timeout:
        data = "(timeout)"
    ours.close()
    return hello, data.strip()


def token_for(inst, user, pw):
    """Ask auth for a login token, as a login process does."""
    s = IpcSock(os.path.join(inst.spool, "private", "auth"))
    s.recv()
    s.send([("req", "login"), ("service", "pop3d"), ("mech", "PLAIN"),
            ("client", "127.0.0.1"), ("tls", "0"), ("user", user),
            ("password", pw)])
    rep = dict(s.recv())
    s.close()
    return rep.get("token", b"").decode()


def check_tokens(t, inst):
    hello, r = handoff(inst, "ab" * 32)
    t.is_(hello, [("proto", b"login/1.0")], "the session service announces "
          "the handoff protocol")
    t.is_(r, "-ERR [AUTH] Authentication failed.", "a forged token: "
          "refused")
    t.ok(inst.wait_log(r"auth\[\d+\]: warning: pop3d: login token refused "
                       r"from auth client pid \d+ for client 127\.0\.0\.1: "
                       r"no such token"), "auth logs the forged token")
    tok = token_for(inst, ALICE, ALICE_PW)
    t.ok(re.match(r"^[0-9a-f]{64}$", tok), "auth gives a token for a "
         "right password")
    t.is_(token_for(inst, ALICE, "wrong"), "", "none for a wrong one")
    hello, r = handoff(inst, tok, user=BOB)
    t.is_(r, "+OK Logged in.", "the token works once (the user auth "
          "knows, whatever the login side claims)")
    t.ok(inst.wait_log(r"pop3d\[\d+\]: Login: user=<alice@example\.test>"),
         "... as alice")
    hello, r = handoff(inst, tok)
    t.is_(r, "-ERR [AUTH] Authentication failed.", "the same token "
          "replayed: refused")


def check_auth_down(t, inst, port):
    sock = os.path.join(inst.spool, "private", "auth")
    os.rename(sock, sock + ".away")
    c = Pop3Raw(port)
    r = c.login(ALICE, ALICE_PW)
    t.is_(r, "-ERR [SYS/TEMP] Temporary authentication failure; try again "
          "later.", "auth unreachable: [SYS/TEMP], never a login")
    c.close()
    os.rename(sock + ".away", sock)
    c = Pop3Raw(port)
    t.is_(c.login(ALICE, ALICE_PW), "+OK Logged in.", "auth back: +OK")
    c.cmd("QUIT")
    c.close()


def main(t, mode):
    inst, ports = pop3_instance(t, mode, users={ALICE: ALICE_PW,
                                                BOB: BOB_PW},
                                main={"auth_failure_delay": "0"})
    put_msg(inst, ALICE, b"Subject: alice's\n\nmine\n")
    if mode == "root":
        check_login_proc(t, inst, ports["pop3"])
        check_session_proc(t, inst, ports["pop3"])
    else:
        t.skip("not root: no privileges to drop", 1)
    check_symlinks(t, inst, ports["pop3"], mode)
    check_tokens(t, inst)
    check_auth_down(t, inst, ports["pop3"])
    inst.teardown(expect=[r"auth\[\d+\]: warning: pop3d: login token "
                          r"refused",
                          r"pop3d\[\d+\]: warning: login from 127\.0\.0\.1 "
                          r"refused: auth refused the login token",
                          r"pop3-login\[\d+\]: warning: .*auth service: "
                          r"connect to private/auth|private/auth: No such",
                          r"pop3d\[\d+\]: warning: 127\.0\.0\.1: the login "
                          r"side said user bob@example\.test, auth says "
                          r"alice@example\.test",
                          r"pop3d\[\d+\]: error: alice@example\.test: "
                          r"example\.test/alice: open message \d+: a "
                          r"symbolic link"])


run(main)

#!/usr/bin/env python3
"""postern user add|del|list|passwd, and the mailbox `postern init` makes.

Passwords come from standard input (--stdin) or the terminal (a pty here),
never from the command line; the stored hash is checked with crypt(3)
through t/bin/pwverify (lib/pwhash, the verifier auth uses). The users
file keeps hashes private; mailboxes, the table delivery reads, has none.
Concurrent runs are serialised; a malformed users file changes nothing.
"""
import grp
import os
import pty
import re
import select
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import localtest  # noqa: E402,F401  (copies the helpers for the sub-run)
from localtest import PWVERIFY  # noqa: E402
from postern import POSTERN, TEST_USER, Instance, run  # noqa: E402


def verify(pw, h):
    return subprocess.run([PWVERIFY, h], input=pw + "\n", text=True,
                          capture_output=True).returncode == 0


def users(etc):
    out = {}
    with open(os.path.join(etc, "users")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                w = line.split()
                out[w[0]] = w[1:]
    return out


def mailboxes(etc):
    with open(os.path.join(etc, "mailboxes")) as f:
        return [line.rstrip("\n") for line in f
                if line.strip() and not line.startswith("#")]


def tty_run(argv, answers):
    """Run argv on a pty, answering prompts; (status, transcript)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b""
    for a in answers:
        end = time.monotonic() + 20
        while not re.search(rb"(Password|Again): $", out) and \
                time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                try:
                    out += os.read(fd, 1024)
                except OSError:
                    break
        os.write(fd, a.encode() + b"\n")
        out += b"\n[answered]\n"
    while True:
        r, _, _ = select.select([fd], [], [], 20)
        if not r:
            break
        try:
            d = os.read(fd, 1024)
        except OSError:
            break
        if not d:
            break
        out += d
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def test_init(t):
    d = tempfile.mkdtemp(prefix="postern-ti.")
    r = subprocess.run([POSTERN, "init", d, "--domain", "init.test"],
                       capture_output=True, text=True)
    t.is_(r.returncode, 0, "postern init")
    m = re.search(r"mailbox: +(\S+), password (\S+)", r.stdout)
    t.ok(m, "postern init prints the postmaster mailbox and its password")
    if not m:
        t.diag(r.stdout + r.stderr)
        return
    etc = os.path.join(d, "etc")
    u = users(etc)
    t.is_(m.group(1), "postmaster@init.test", "... postmaster@DOMAIN")
    t.ok(verify(m.group(2), u.get("postmaster@init.test", ["!"])[0]),
         "the printed password matches the stored hash")
    found = subprocess.run(["grep", "-rl", m.group(2), d],
                           capture_output=True, text=True).stdout
    t.is_(found, "", "the password itself is stored nowhere")
    t.is_(mailboxes(etc), ["postmaster@init.test init.test/postmaster/"],
          "mailboxes has the postmaster mailbox")
    subprocess.run(["rm", "-rf", d])


def main(t, mode):
    inst = Instance(t, mode=mode, services=[])
    etc = inst.etc
    P = [POSTERN, "-c", etc, "user"]

    def pu(*args, stdin=None):
        return subprocess.run(P + list(args), input=stdin, text=True,
                              capture_output=True)

    test_init(t)

    r = pu("add", "--stdin", "Alice@Example.TEST", stdin="s3cret pass\n")
    t.is_(r.returncode, 0, "user add --stdin")
    t.like(r.stdout, r"added alice@example\.test, Maildir .*/mail/"
           r"example\.test/alice/, no quota", "... says what it did")
    u = users(etc)
    t.ok("alice@example.test" in u, "the address is stored in lower case")
    h = u["alice@example.test"][0]
    t.like(h, r"^\$y\$", "a yescrypt hash")
    t.ok(verify("s3cret pass", h), "the hash verifies the password")
    t.ok(not verify("s3cret pas", h), "... and no other")
    t.is_(u["alice@example.test"][1], "example.test/alice/",
          "Maildir DOMAIN/LOCALPART/ relative to virtual_mailbox_base")
    t.ok("alice@example.test example.test/alice/" in mailboxes(etc),
         "mailboxes: address and Maildir")
    t.ok(not any("$" in x for x in mailboxes(etc)),
         "mailboxes holds no password hash")
    q = subprocess.run([POSTERN, "map", "-q", "alice@example.test",
                        "hash:" + os.path.join(etc, "mailboxes")],
                       capture_output=True, text=True)
    t.is_(q.stdout, "example.test/alice/\n", "mailboxes.db is compiled")
    q = subprocess.run([POSTERN, "map", "-q", "ALICE@example.test",
                        "hash:" + os.path.join(etc, "users")],
                       capture_output=True, text=True)
    t.like(q.stdout, r"^\$y\$", "users.db is compiled (for auth)")
    want_users = 0o640 if mode == "root" else 0o600
    for f, want in (("users", want_users), ("users.db", want_users),
                    ("mailboxes", 0o644), ("mailboxes.db", 0o644)):
        st = os.stat(os.path.join(etc, f))
        t.is_(oct(stat.S_IMODE(st.st_mode)), oct(want), "%s mode" % f)
    if mode == "root":
        st = os.stat(os.path.join(etc, "users"))
        t.is_((st.st_uid, grp.getgrgid(st.st_gid).gr_name),
              (0, grp.getgrgid(__import__("pwd").getpwnam(
                  TEST_USER).pw_gid).gr_name),
              "root: users belongs to root and auth_owner's group")

    r = pu("add", "--stdin", "alice@example.test", stdin="x\n")
    t.is_(r.returncode, 1, "adding an existing user: exit 1")
    t.like(r.stderr, r"exists", "... it exists")
    r = pu("add", "--stdin", "not an address", stdin="x\n")
    t.is_(r.returncode, 2, "a bad address: exit 2")
    r = pu("add", "--stdin", "#hash@example.test", stdin="x\n")
    t.is_(r.returncode, 2, "a local part that would read as a comment: "
          "exit 2")
    r = pu("add", "--stdin", "empty@example.test", stdin="\n")
    t.is_(r.returncode, 2, "an empty password is refused")
    r = pu("add", "--password", "x", "pw@example.test")
    t.is_(r.returncode, 64, "no way to give the password on the command "
          "line")
    r = pu("add", "notty@example.test", stdin="")
    t.is_(r.returncode, 2, "no terminal and no --stdin: exit 2")
    t.like(r.stderr, r"use --stdin", "... with the hint")
    t.ok("notty@example.test" not in users(etc), "... nothing added")

    # a domain that is not ours: a warning and the fix
    r = pu("add", "--stdin", "bob@other.test", stdin="pw\n")
    t.is_(r.returncode, 0, "a user of another domain is added")
    t.like(r.stderr, r"warning: other\.test is not in "
           r"virtual_mailbox_domains", "... with a warning")
    m = re.search(r"fix: postern conf \"(.*)\"", r.stderr)
    t.ok(m, "... and the fix")
    if m:
        c = subprocess.run([POSTERN, "-c", etc, "conf", m.group(1)],
                           capture_output=True, text=True)
        t.is_(c.returncode, 0, "the fix applies: %s" % m.group(1))
    r = pu("add", "--stdin", "bob2@other.test", stdin="pw\n")
    t.is_(r.stderr, "", "after the fix, no warning")

    # quota and Maildir options
    r = pu("add", "--stdin", "--quota", "10m", "--maildir",
           os.path.join(inst.dir, "mail", "custom", "q"), "q@example.test",
           stdin="pw\n")
    t.is_(r.returncode, 0, "add with --quota and an absolute --maildir")
    t.is_(users(etc)["q@example.test"][1:], ["custom/q", "quota=10m"],
          "stored relative to virtual_mailbox_base, quota with its unit")
    t.ok("q@example.test custom/q quota=10m" in mailboxes(etc),
         "mailboxes has the quota")
    for bad in ("/etc/evil", "a/../../b", "bad dir"):
        r = pu("add", "--stdin", "--maildir", bad, "e@example.test",
               stdin="pw\n")
        t.is_(r.returncode, 2, "--maildir %r refused" % bad)
    r = pu("add", "--stdin", "--quota", "10x", "e@example.test",
           stdin="pw\n")
    t.is_(r.returncode, 64, "a bad quota is a usage error")

    r = pu("list")
    t.is_(r.stdout.splitlines(),
          ["postmaster@example.test example.test/postmaster/ -",
           "alice@example.test example.test/alice/ -",
           "bob@other.test other.test/bob/ -",
           "bob2@other.test other.test/bob2/ -",
           "q@example.test custom/q 10m"],
          "user list: address, Maildir, quota; never a hash")

    # passwd, from stdin and from the terminal
    r = pu("passwd", "--stdin", "alice@example.test", stdin="new one\n")
    t.is_(r.returncode, 0, "user passwd --stdin")
    h = users(etc)["alice@example.test"][0]
    t.ok(verify("new one", h) and not verify("s3cret pass", h),
         "the new password replaces the old one")
    r = pu("passwd", "--stdin", "nobody@example.test", stdin="x\n")
    t.is_(r.returncode, 1, "passwd of an unknown user: exit 1")
    status, out = tty_run(P + ["passwd", "alice@example.test"],
                          ["tty pass", "tty pass"])
    t.is_(status, 0, "user passwd on a terminal: asked twice")
    t.ok("Password: " in out and "Again: " in out, "... with prompts")
    t.ok("tty pass" not in out, "... without echo")
    t.ok(verify("tty pass", users(etc)["alice@example.test"][0]),
         "... and the password is set")
    status, out = tty_run(P + ["passwd", "alice@example.test"],
                          ["one", "two"])
    t.is_(status, 1, "two different answers: exit 1")
    t.ok(verify("tty pass", users(etc)["alice@example.test"][0]),
         "... and the password is unchanged")
    status, out = tty_run(P + ["add", "tty@example.test"], ["a b", "a b"])
    t.is_(status, 0, "user add on a terminal")
    t.ok(verify("a b", users(etc).get("tty@example.test", ["!"])[0]),
         "... stores the typed password")

    # del keeps the Maildir
    os.makedirs(os.path.join(inst.dir, "mail", "other.test", "bob", "new"))
    r = pu("del", "bob@other.test")
    t.is_(r.returncode, 0, "user del")
    t.like(r.stdout, r"Maildir .*other\.test/bob/ is kept", "... says the "
           "Maildir is kept")
    t.ok("bob@other.test" not in users(etc) and
         not any(x.startswith("bob@") for x in mailboxes(etc)),
         "... gone from users and mailboxes")
    t.ok(os.path.isdir(os.path.join(inst.dir, "mail", "other.test", "bob")),
         "... the Maildir is still there")
    r = pu("del", "bob@other.test")
    t.is_(r.returncode, 1, "deleting it again: exit 1")

    # a hash of another accepted scheme, added by hand, is kept
    sha = subprocess.run(["openssl", "passwd", "-6", "-salt", "saltsalt",
                          "legacy"], capture_output=True, text=True)
    if sha.returncode == 0:
        with open(os.path.join(etc, "users"), "a") as f:
            f.write("legacy@example.test %s example.test/legacy/\n" %
                    sha.stdout.strip())
        pu("add", "--stdin", "after@example.test", stdin="pw\n")
        h = users(etc).get("legacy@example.test", ["!"])[0]
        t.ok(h.startswith("$6$") and verify("legacy", h),
             "a $6$ hash written by hand is kept and verifies")
    else:
        t.skip("no openssl passwd")

    # concurrent runs are serialised: nothing is lost
    procs = [subprocess.Popen(P + ["add", "--stdin",
                                   "c%02d@example.test" % i],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for i in range(12)]
    codes = [p.communicate("pw%d\n" % i)[0] and p.returncode
             for i, p in enumerate(procs)]
    t.is_(codes, [0] * 12, "12 concurrent user add runs succeed")
    u = users(etc)
    t.ok(all("c%02d@example.test" % i in u for i in range(12)),
         "... and every one of them is in users")
    t.is_(len([x for x in mailboxes(etc) if x.startswith("c")]), 12,
          "... and in mailboxes")
    t.is_(sorted(f for f in os.listdir(etc) if f.endswith(".tmp")), [],
          "no temporary file is left")

    # a malformed users file: nothing changes
    with open(os.path.join(etc, "users"), "a") as f:
        f.write("broken-line-without-fields\n")
    with open(os.path.join(etc, "users")) as f:
        before = f.read()
    r = pu("add", "--stdin", "z@example.test", stdin="pw\n")
    t.is_(r.returncode, 2, "a malformed users file: exit 2")
    t.like(r.stderr, r"users:\d+: expected", "... naming file:line")
    with open(os.path.join(etc, "users")) as f:
        t.ok(f.read() == before, "... and the file is unchanged")
    inst.teardown()


run(main)

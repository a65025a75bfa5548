#!/usr/bin/env python3
# postern check and postern setup, as a new admin meets them.
#
# - An instance made by `postern init` inside a directory that only
#   root may enter (as `mktemp -d` makes them): as root, check names the
#   service users that cannot reach the queue directory and the password
#   table, with the fix; setup makes the missing service users, opens
#   the way and gives the mail root to vmail_owner; a second setup has
#   nothing to do; check is then clean, and mail sent to port 25 is
#   delivered (before, qmgr died at every start while mail piled up).
# - Three different mistakes in main.cf are three problems in one run,
#   each with its file:line and fix, the typo with the name it meant.
# - A network-facing service with chroot n is a warning on a root
#   instance (and not for the local submission service).
# - A missing configuration directory is named as such.
# - init refuses a master.cf with an -o option this build does not know
#   on a service that is built.
import os
import re
import shutil
import smtplib
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import POSTERN, TOP, port_base, run, wait_for  # noqa: E402

NEWUSER = "postern-tsetup"


class Result:
    """A postern run, without the warning that nothing keeps the log
    (a host without syslog, as this test's may be: not its subject)."""

    def __init__(self, r):
        self.returncode = r.returncode
        self.stderr = r.stderr
        self.stdout = re.sub(r"postern check: warning: nothing will keep "
                             r"the log: .*\n    fix: .*\n", "", r.stdout)
        self.stdout = re.sub(r"(found), 1 warning\n", r"\1\n",
                             self.stdout) if r.stdout != self.stdout \
            else self.stdout


def postern(*args):
    return Result(subprocess.run([POSTERN] + list(args),
                                 capture_output=True, text=True))


def init(d):
    r = postern("init", d, "--port-base", str(port_base()))
    if r.returncode != 0:
        raise RuntimeError("postern init %s: %s" % (d, r.stderr))
    return os.path.join(d, "etc")


def base_port(etc):
    """init's port base: its first SMTP port is the base + 25."""
    with open(os.path.join(etc, "master.cf")) as f:
        ports = sorted(int(m.group(1)) for m in
                       re.finditer(r"^(\d+)\s+inet\s.*\ssmtpd$", f.read(),
                                   re.M))
    return ports[0] - 25


def test_reach(t, mode):
    top = tempfile.mkdtemp()          # mode 0700, as mktemp -d makes it
    etc = init(os.path.join(top, "inst"))
    r = postern("-c", etc, "check")
    if mode != "root":
        t.is_(r.returncode, 0, "an instance of one's own: check is clean")
        if r.returncode != 0:
            t.diag(r.stdout)
        t.skip("the rest of this part needs root", 12)
        shutil.rmtree(top)
        return
    t.is_(r.returncode, 1, "in a 0700 directory: check finds problems")
    t.like(r.stdout, r"postern check: mail_owner \S+ cannot change into "
           r"queue_directory %s/inst/spool .*: %s: Permission denied" %
           (re.escape(top), re.escape(top)),
           "it names mail_owner, the queue directory and what is in the "
           "way")
    t.like(r.stdout, r"auth_owner \S+ cannot read the password table "
           r"%s/inst/etc/users.db" % re.escape(top),
           "and auth_owner, who cannot read the password table")
    t.like(r.stdout, r"\n    fix: chmod o\+x %s\n" % re.escape(top),
           "with the fix")
    # a service user that does not exist yet (setup makes it)
    subprocess.run(["userdel", NEWUSER], capture_output=True)
    with open(os.path.join(etc, "main.cf"), "a") as f:
        f.write("auth_owner = %s\n" % NEWUSER)
    r = postern("-c", etc, "check")
    t.like(r.stdout, r"postern check: auth_owner = %s: no such user\n    "
           r"fix: useradd --system --home-dir %s/inst/spool "
           r"--no-create-home --shell /usr/sbin/nologin %s\n" %
           (NEWUSER, re.escape(top), NEWUSER),
           "a missing service user, with the useradd line")
    r = postern("-c", etc, "setup")
    t.is_(r.returncode, 0, "postern setup fixes all of it")
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    t.like(r.stdout, r"postern setup: chmod o\+x %s\n" % re.escape(top),
           "and says what it did")
    t.like(r.stdout, r"postern setup: useradd --system .* %s\n" % NEWUSER,
           "it made the user")
    t.like(r.stdout, r"postern setup: chgrp \d+ %s/inst/etc/users.db && "
           r"chmod g\+r " % re.escape(top), "and gave it the password "
           "table to read")
    r = postern("-c", etc, "setup")
    t.like(r.stdout, r"^postern setup: nothing to do\npostern check: no "
           r"problems found\n$", "a second setup has nothing to do")
    r = postern("-c", etc, "check")
    t.is_((r.returncode, r.stdout), (0, "postern check: no problems "
          "found\n"), "check is clean")
    mail = os.path.join(top, "inst", "mail")
    st = os.stat(mail)
    vmail = subprocess.run(["id", "-u", "vmail"], capture_output=True,
                           text=True).stdout.strip()
    t.is_((str(st.st_uid), stat.S_IMODE(st.st_mode)), (vmail, 0o700),
          "the mail root belongs to vmail_owner, mode 0700")

    # and mail flows: qmgr can work, local can deliver
    r = postern("-c", etc, "start")
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    try:
        with smtplib.SMTP("127.0.0.1", base_port(etc) + 25,
                          timeout=30) as c:
            c.sendmail("root@example.test", ["postmaster@example.test"],
                       "Subject: reach\r\n\r\nhello\r\n")
        new = os.path.join(mail, "example.test", "postmaster", "new")
        t.ok(wait_for(lambda: os.path.isdir(new) and os.listdir(new),
                      "the delivery", t), "mail sent to port 25 is "
             "delivered")
    finally:
        postern("-c", etc, "stop")
        subprocess.run(["userdel", NEWUSER], capture_output=True)
    shutil.rmtree(top)


def test_mistakes(t, mode):
    top = tempfile.mkdtemp()
    os.chmod(top, 0o755)
    etc = init(os.path.join(top, "inst"))
    main = os.path.join(etc, "main.cf")
    with open(main) as f:
        good = f.read()
    n = len(good.splitlines())
    with open(main, "a") as f:
        f.write("message_size_limit = ten\n"
                "smtpd_tls_secruity_level = may\n"
                "this line has no equals sign\n")
    if mode == "root":
        postern("-c", etc, "setup")
    r = postern("-c", etc, "check")
    t.is_(r.returncode, 1, "three mistakes: check exits 1")
    t.like(r.stdout, r"postern check: 3 problems found\n$",
           "and counts three problems")
    probs = re.findall(r"^postern check: (.*)\n    fix: (.*)$", r.stdout,
                       re.M)
    t.is_(len(probs), 3, "each with its fix")
    t.like(r.stdout, r"main\.cf:%d: message_size_limit: bad value \"ten\"" %
           (n + 1), "the bad value, with file:line")
    t.like(r.stdout, r"fix: give message_size_limit a valid size value "
           r"\(its default is \"10240000\"", "its fix says what it takes")
    t.like(r.stdout, r"main\.cf:%d: unknown parameter "
           r"smtpd_tls_secruity_level \(did you mean "
           r"smtpd_tls_security_level\?\)\n    fix: rename it to "
           r"smtpd_tls_security_level" % (n + 2),
           "the typo, with the name it meant")
    t.like(r.stdout, r"main\.cf:%d: missing '=' after parameter name" %
           (n + 3), "the line that is not name = value")
    t.ok(r.stdout.index(":%d:" % (n + 1)) < r.stdout.index(":%d:" %
         (n + 2)) < r.stdout.index(":%d:" % (n + 3)), "in line order")

    # a network-facing service that is not jailed
    mcf = os.path.join(etc, "master.cf")
    with open(mcf) as f:
        text = f.read()
    sub = base_port(etc) + 87
    text = re.sub(r"^(%d\s+inet\s+\S+\s+\S+\s+)y" % sub, r"\1n", text,
                  flags=re.M)
    with open(mcf, "w") as f:
        f.write(text)
    with open(main, "w") as f:
        f.write(good)
    r = postern("-c", etc, "check")
    want = r"warning: %s:\d+: service \"%d\" \(smtpd\) faces the network" \
        % (re.escape(mcf), sub)
    if mode == "root":
        t.like(r.stdout, want, "submission with chroot n: a warning")
        t.like(r.stdout, r"fix: set the chroot column \(the fifth\) of "
               r"%s line \d+ to y" % re.escape(mcf), "with its fix")
        t.ok(not re.search(r"service \"submit\"", r.stdout),
             "the local submission service is the exception")
    else:
        t.ok(not re.search(want, r.stdout), "not on an instance of "
             "one's own (nothing is jailed there)")
        t.skip("root only", 2)
    shutil.rmtree(top)


def test_missing_dir(t):
    r = postern("-c", "/nonexistent/etc", "check")
    t.is_(r.returncode, 1, "a missing configuration directory: exit 1")
    t.like(r.stdout, r"^postern check: configuration directory "
           r"/nonexistent/etc: No such file or directory\n    fix: name the "
           r"right directory with -c", "named as such, with the fix")


def test_init_unknown_option(t):
    """A program built before the parameters of its -o options exist
    (a build tree with the pop3d program but not its parameters)."""
    opt = None
    for name in ("pop3d_tls_wrappermode", "imapd_tls_wrappermode"):
        if postern("conf", "-d", name).returncode != 0:
            opt = name
            break
    if opt is None:
        t.skip("every -o option of init's master.cf is known here", 3)
        return
    prog = opt.split("_")[0]
    tree = tempfile.mkdtemp()
    os.chmod(tree, 0o755)
    for rel in ("ctl/postern", "master/master.h", "smtpd/smtpd"):
        os.makedirs(os.path.join(tree, os.path.dirname(rel)),
                    exist_ok=True)
        shutil.copy2(os.path.join(TOP, rel), os.path.join(tree, rel))
    fake = os.path.join(tree, prog, prog)
    os.makedirs(os.path.dirname(fake))
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nexit 1\n")
    os.chmod(fake, 0o755)
    d = os.path.join(tree, "inst")
    r = subprocess.run([os.path.join(tree, "ctl", "postern"), "init", d],
                       capture_output=True, text=True)
    t.is_(r.returncode, 1, "init refuses a built service with an unknown "
          "-o option")
    t.like(r.stderr, r"-o %s=yes: unknown parameter \"%s\" in this build"
           % (opt, opt), "and names it")
    t.ok(not os.path.exists(os.path.join(d, "etc", "master.cf")),
         "no master.cf is written")
    shutil.rmtree(tree)


def main(t, mode):
    test_reach(t, mode)
    test_mistakes(t, mode)
    test_missing_dir(t)
    test_init_unknown_option(t)


run(main)

#!/usr/bin/env python3
# make install as a system instance, as an admin meets it:
# - DESTDIR is honoured: make install runs as nobody into a DESTDIR of
#   nobody's, so a write anywhere else fails;
# - it installs the programs (every one the Makefile builds), the
#   sendmail, mailq and newaliases links, the man pages, main.cf and
#   master.cf (the master.cf of postern init: the same services, jails
#   and options, on the standard ports), postern.service and logrotate's
#   file; a second make install keeps an admin's main.cf and puts the
#   new sample beside it as main.cf.dist;
# - postern setup makes what the instance needs (the mail root, the
#   empty user tables, the alias table, a self-signed certificate) and
#   a second setup finds nothing to do;
# - the unit passes systemd-analyze verify, and its ExecStart=,
#   ExecReload= and ExecStop= commands, run with its capability
#   bounding set and no_new_privs, start the instance, which takes mail
#   on port 25 over STARTTLS and delivers it, serves it over POP3 and
#   IMAP (each after STARTTLS) where master.cf has them, reload it and
#   stop it;
#   newaliases and sendmail -bi build /etc/aliases, and mail to an alias
#   arrives.
# Root only (it runs the instance as root would); skipped otherwise.
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import (POSTERN, TEST_USER, TOP, WAIT, ensure_user,  # noqa
                     pid_alive, port_base, run, wait_for)
try:
    import system_t  # noqa: E402
except ImportError:     # a copy of the tree without t/lib/system_t.py
    print("1..0 # SKIP t/lib/system_t.py is not here")
    sys.exit(0)

LOG_USER = "postern-tlog"   # log_owner must be a user of its own
LOGIN_USER = "postern-tl"   # and login_owner (as the POP3 tests')
PASSWORD = "correct horse 46"


def config_mk():
    """The build's installation variables (config.mk), expanded."""
    with open(os.path.join(TOP, "config.mk")) as f:
        v = dict(re.findall(r"^(\w+) = (.*)$", f.read(), re.M))
    for _ in range(5):
        for k in v:
            v[k] = re.sub(r"\$[{(](\w+)[})]", lambda m: v.get(m.group(1),
                          ""), v[k])
    return v


def makefile_daemons():
    """The programs the Makefile builds for daemon_directory."""
    with open(os.path.join(TOP, "Makefile")) as f:
        text = f.read().replace("\\\n", " ")
    m = re.search(r"^DAEMONS = (.*)$", text, re.M)
    return [os.path.basename(p) for p in m.group(1).split()]


def make_install(dest, as_user=None):
    cmd = ["make", "-s", "install", "DESTDIR=" + dest]
    if as_user is not None:
        pw = pwd.getpwnam(as_user)
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid,
               "--regid=%d" % pw.pw_gid, "--clear-groups"] + cmd
    return subprocess.run(cmd, cwd=TOP, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
                          timeout=WAIT * 6)


def services(text):
    """(name or port, the other columns and options) of each master.cf
    service, commented out or not."""
    out, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^#?(\S+)\s+(inet|unix|unix-dgram)\s+(.*)$", line)
        if m:
            cur = [m.group(1), m.group(2) + " " + " ".join(m.group(3).split())]
            out.append(cur)
        elif re.match(r"^#?\s+-o ", line) and cur is not None:
            cur[1] += " " + line.lstrip("#").strip()
    return out


def check_files(t, dest, cm):
    def d(var, *rest):
        return os.path.join(dest, cm[var].lstrip("/"), *rest)

    t.ok(os.access(d("sbindir", "postern"), os.X_OK), "postern in sbindir")
    t.is_(os.readlink(d("sbindir", "sendmail")), "postern",
          "sendmail is a link to postern")
    for n in ("mailq", "newaliases"):
        t.is_(os.readlink(d("bindir", n)),
              os.path.join(cm["sbindir"], "postern"),
              "%s in bindir is a link to postern" % n)
    missing = [p for p in makefile_daemons()
               if not os.access(d("DAEMON_DIR", p), os.X_OK)]
    t.is_(missing, [], "every program the Makefile builds is in "
          "daemon_directory")
    for page in ("man1/postern.1", "man1/sendmail.1", "man1/newaliases.1",
                 "man1/mailq.1", "man5/postern.conf.5", "man8/master.8"):
        t.ok(os.path.isfile(d("mandir", page)), "man page %s" % page)
    for f in ("main.cf", "master.cf"):
        t.ok(os.path.isfile(d("CONF_DIR", f)), "%s installed" % f)
    t.ok(os.path.isfile(d("sysconfdir", "logrotate.d", "postern")),
         "logrotate's file")
    t.ok(os.path.isfile(d("SYSTEMD_UNIT_DIR", "postern.service")),
         "postern.service")
    for var in ("QUEUE_DIR", "DATA_DIR"):
        t.ok(os.path.isdir(d(var)), "%s made" % cm[var])


def check_master_cf(t, dest, cm):
    """The same template as postern init's."""
    with open(os.path.join(dest, cm["CONF_DIR"].lstrip("/"),
                           "master.cf")) as f:
        system = services(f.read())
    inst = tempfile.mkdtemp(prefix="postern-t.")
    try:
        base = port_base()
        r = subprocess.run([POSTERN, "init", inst, "--port-base",
                            str(base)], capture_output=True, text=True)
        with open(os.path.join(inst, "etc", "master.cf")) as f:
            init = services(f.read())
    finally:
        shutil.rmtree(inst, ignore_errors=True)
    t.is_(r.returncode, 0, "postern init makes an instance to compare")
    t.is_([s[1] for s in system], [s[1] for s in init],
          "master.cf: the services, jails and options of postern init's")
    names = {str(base + o): n for n, o in system_t.INET_OFFSETS.items()}
    t.is_([s[0] for s in system], [names.get(s[0], s[0]) for s in init],
          "... with the inet services on their standard ports by name")
    t.ok(any(s[0] == "smtp" and s[1].startswith("inet n - y ")
             for s in system), "smtp inet is jailed")


def check_reinstall(t, dest, cm):
    conf = os.path.join(dest, cm["CONF_DIR"].lstrip("/"))
    with open(os.path.join(conf, "main.cf"), "a") as f:
        f.write("# the admin's line\nmyhostname = mail.example.test\n")
    with open(os.path.join(conf, "main.cf")) as f:
        mine = f.read()
    r = make_install(dest)
    t.is_(r.returncode, 0, "make install again")
    t.like(r.stdout, r"main\.cf exists and is kept; the new sample is "
           r"\S+/main\.cf\.dist", "it says so")
    t.like(r.stdout, r"master\.cf is up to date", "an unchanged master.cf "
           "is left alone")
    with open(os.path.join(conf, "main.cf")) as f:
        t.is_(f.read(), mine, "the admin's main.cf is kept as it was")
    with open(os.path.join(conf, "main.cf.dist")) as f:
        t.ok("the admin's line" not in f.read(), "main.cf.dist is the "
             "new sample")
    # back to the sample, for the instance below
    shutil.move(os.path.join(conf, "main.cf.dist"),
                os.path.join(conf, "main.cf"))


def check_unit_static(t, si, cm):
    sa = shutil.which("systemd-analyze")
    if sa is None:
        t.skip("systemd-analyze is not installed", 2)
        return
    # verify looks for the programs and the man pages where they will
    # be: point it at DESTDIR's (the only change to the unit)
    tmp = tempfile.mkdtemp(prefix="postern-t.")
    try:
        with open(si.unit_path) as f:
            text = f.read()
        text = re.sub(r"^(Exec\w+=)(\S+)", lambda m: m.group(1) +
                      si.rerooted(m.group(2)), text, flags=re.M)
        unit = os.path.join(tmp, "postern.service")
        with open(unit, "w") as f:
            f.write(text)
        env = dict(os.environ, MANPATH=si.rerooted(cm["mandir"]))
        r = subprocess.run([sa, "verify", unit], capture_output=True,
                           text=True, env=env)
        t.is_((r.returncode, r.stdout + r.stderr), (0, ""),
              "systemd-analyze verify: no complaint")
        r = subprocess.run([sa, "security", "--offline=yes", unit],
                           capture_output=True, text=True)
        m = re.search(r"Overall exposure level for postern\.service: "
                      r"([\d.]+)", r.stdout)
        t.ok(m is not None and float(m.group(1)) <= 3.5,
             "systemd-analyze security --offline=yes: exposure %s (at "
             "most 3.5)" % (m.group(1) if m else "?"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def setup(t, si, main):
    r = si.cmd("setup")
    t.is_(r.returncode, 0, "postern setup on the new system instance")
    t.like(r.stdout, r"postern check: no problems found", "and then check "
           "finds nothing wrong")
    for what in (r"made a self-signed certificate for localhost",
                 r"made postern user's tables, empty",
                 r"made \S+/etc/aliases, empty, and built it",
                 r"mkdir -m 700 \S+/mail && chown %s:" % TEST_USER):
        t.like(r.stdout, r"(?m)^postern setup: " + what, "setup: " + what)
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    key = si.conf("-x", "smtpd_tls_key_file").split("=", 1)[1].strip()
    t.is_(os.stat(key).st_mode & 0o777, 0o600, "the key is mode 0600")
    base = main["virtual_mailbox_base"]
    st = os.stat(base)
    t.is_((st.st_uid, st.st_mode & 0o777),
          (pwd.getpwnam(TEST_USER).pw_uid, 0o700),
          "the mail root belongs to vmail_owner, mode 0700")
    r = si.cmd("setup")
    t.like(r.stdout, r"^postern setup: nothing to do\n", "a second setup "
           "changes nothing")


def mail_flow(t, si, dest, cm):
    r = si.cmd("user", "add", "--stdin", "alice@example.test",
               stdin=PASSWORD + "\n")
    t.is_(r.returncode, 0, "postern user add alice@example.test")
    r = si.unit_cmd("Start")
    t.is_(r.returncode, 0, "ExecStart= (postern start) under the unit's "
          "capability bounding set")
    pid = wait_for(si.master_pid, "the PIDFile", t)
    t.ok(pid and pid_alive(pid), "PIDFile= names the running master")
    if not pid:
        t.diag(r.stdout + r.stderr)
        return
    with open("/proc/%d/status" % pid) as f:
        bnd = re.search(r"^CapBnd:\s+(\w+)", f.read(), re.M).group(1)
    caps = si.unit["Service"]["CapabilityBoundingSet"][0].split()
    t.is_(bin(int(bnd, 16)).count("1"), len(caps), "the master has the %d "
          "capabilities of the unit's bounding set" % len(caps))
    t.ok(si.send("alice@example.test", "system install", starttls=True),
         "port 25 offers STARTTLS with the certificate setup made")
    t.ok(si.wait_maildir("example.test/alice/"), "the message is in "
         "alice's Maildir")
    si.read_back("alice@example.test", PASSWORD, "system install")

    # aliases: newaliases (the name) and sendmail -bi build /etc/aliases
    aliases = si.conf("-x", "alias_maps").split("=", 1)[1].strip()
    with open(aliases.split(":", 1)[1], "a") as f:
        f.write("info: alice@example.test\n")
    links = tempfile.mkdtemp(prefix="postern-t.")
    try:
        na = os.path.join(links, "newaliases")
        os.symlink(si.postern, na)
        r = subprocess.run([na], capture_output=True, text=True,
                           env=si.env())
        t.is_((r.returncode, r.stderr), (0, ""), "newaliases builds it")
        r = subprocess.run([si.rerooted(os.path.join(cm["sbindir"],
                                                     "sendmail")), "-bi"],
                           capture_output=True, text=True, env=si.env())
        t.is_((r.returncode, r.stderr), (0, ""), "so does sendmail -bi")
    finally:
        shutil.rmtree(links, ignore_errors=True)
    r = si.cmd("map", "-q", "info", aliases)
    t.is_(r.stdout, "alice@example.test\n", "info: is in the table")
    si.send("info@localhost", "to an alias")
    # qmgr, in its jail, cannot reopen the new table: it defers, then
    # leaves for a new qmgr, which the next message (or the master's
    # wakeup) starts
    wait_for(lambda: len(si.maildir_files("example.test/alice/")) >= 2 or
             "a lookup table changed: exiting" in si.log(),
             "the delivery, or qmgr's exit", t, bound=WAIT * 3)
    si.send("alice@example.test", "the next one")
    t.ok(si.wait_maildir("example.test/alice/", 3), "mail to info@localhost "
         "reaches alice (with the next message)")
    t.like(si.log(), r"to=<alice@example\.test>, orig_to=<info@localhost>, "
           r"relay=local, .*status=sent", "delivered through the alias")

    r = si.unit_cmd("Reload")
    t.is_(r.returncode, 0, "ExecReload= (postern reload)")
    t.like(r.stdout, r"reloaded", "the master confirms the reload")
    r = si.unit_cmd("Stop")
    t.is_(r.returncode, 0, "ExecStop= (postern stop)")
    t.ok(wait_for(lambda: not pid_alive(pid), "the master to end", t),
         "the master is gone")


def main(t, mode):
    if mode != "root":
        t.skip("a system instance runs as root", 1)
        return
    ensure_user(TEST_USER)
    ensure_user(LOG_USER)
    ensure_user(LOGIN_USER)
    cm = config_mk()
    dest = tempfile.mkdtemp(prefix="postern-t.")
    try:
        nobody = pwd.getpwnam("nobody")
        os.chown(dest, nobody.pw_uid, nobody.pw_gid)
        if subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                           "--clear-groups", "test", "-r",
                           os.path.join(TOP, "Makefile")]).returncode == 0:
            r = make_install(dest, "nobody")
            t.is_(r.returncode, 0, "make install DESTDIR=... as nobody: "
                  "nothing is written outside DESTDIR")
        else:
            t.skip("nobody cannot read the tree: make install as root", 1)
            r = make_install(dest)
        if r.returncode != 0:
            t.diag(r.stdout + r.stderr)
            return
        # what a package's files are: root's
        subprocess.run(["chown", "-R", "root:root", dest], check=True)
        check_files(t, dest, cm)
        check_master_cf(t, dest, cm)
        check_reinstall(t, dest, cm)
        si = system_t.StagedInstance(t, dest)
        check_unit_static(t, si, cm)
        main_cf = {"mail_owner": TEST_USER, "vmail_owner": TEST_USER,
                   "auth_owner": TEST_USER, "log_owner": LOG_USER,
                   "login_owner": LOGIN_USER,
                   "maillog_file_prefixes": dest,
                   # qmgr defers the first message after newaliases (it
                   # cannot reopen the table in its jail; a new qmgr can)
                   "queue_run_delay": "1s", "minimal_backoff_time": "1s",
                   "maximal_backoff_time": "2s"}
        os.makedirs(os.path.join(dest, "var", "log"), exist_ok=True)
        main_cf["maillog_file"] = os.path.join(dest, "var", "log",
                                               "postern.log")
        si.configure(main_cf)
        main_cf["virtual_mailbox_base"] = si.conf(
            "-x", "virtual_mailbox_base").split("=", 1)[1].strip()
        setup(t, si, main_cf)
        mail_flow(t, si, dest, cm)
        si.teardown_log()
    finally:
        if os.environ.get("POSTERN_T_KEEP"):
            t.diag("kept " + dest)
        else:
            shutil.rmtree(dest, ignore_errors=True)


run(main)

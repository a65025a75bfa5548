#!/usr/bin/env python3
# The Debian package (make check-deb; root only, never part of make
# check: it builds the package, a minute or two):
# - dpkg-buildpackage -us -uc -b builds it (build-aux/mkdeb, nocheck:
#   make check runs the tests);
# - lintian finds no error and no warning;
# - it provides, conflicts with and replaces mail-transport-agent and
#   holds sendmail, mailq, newaliases, every program the Makefile
#   builds, the configuration, the unit and logrotate's file;
# - extracted with dpkg-deb -x into a temporary root, it runs there: its
#   postern setup makes the service users (the package's own names) and
#   everything else, its unit's ExecStart=/ExecReload=/ExecStop= run the
#   instance with the unit's capability bounding set, port 25 takes a
#   message that lands in the Maildir, POP3 and IMAP serve it where
#   those programs are built, sendmail and mailq work;
# - the whole install, upgrade and purge cycle (t/deb/cycle.sh: apt-get
#   install, mail in with swaks and out over POP3 and IMAP and through
#   the relay agent to a relayhost, an upgrade, remove, purge) on a throw-away overlay of this machine's root in
#   its own namespaces (t/deb/overlay.sh), where apt replaces any other
#   mail-transport-agent (Postfix, for the benchmarks) as it would on a
#   real machine while the machine itself keeps it.
import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TAP, TOP, pid_alive, wait_for  # noqa: E402
import system_t  # noqa: E402

PASSWORD = "deb secret 19"


def makefile_daemons():
    with open(os.path.join(TOP, "Makefile")) as f:
        text = f.read().replace("\\\n", " ")
    m = re.search(r"^DAEMONS = (.*)$", text, re.M)
    return [os.path.basename(p) for p in m.group(1).split()]


def other_mta():
    """Installed packages that provide mail-transport-agent, but ours."""
    r = subprocess.run(["dpkg-query", "-W", "-f",
                        "${Package}\t${Status}\t${Provides}\n"],
                       capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        pkg, status, provides = (line.split("\t") + ["", ""])[:3]
        if pkg != "postern" and status.endswith(" installed") and \
                re.search(r"\bmail-transport-agent\b", provides):
            out.append(pkg)
    return out


def build(t, out):
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck")
    r = subprocess.run([os.path.join(TOP, "build-aux", "mkdeb"), out],
                       capture_output=True, text=True, env=env)
    t.is_(r.returncode, 0, "the package builds (dpkg-buildpackage -us -uc "
          "-b, debhelper %s)" % debhelper_version())
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
        return None
    debs = [d for d in glob.glob(os.path.join(out, "postern_*.deb"))]
    return debs[0] if debs else None


def debhelper_version():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}",
                        "debhelper"], capture_output=True, text=True)
    return r.stdout or "?"


def check_package(t, deb):
    # the overrides, each with its reason: debian/postern.lintian-overrides
    r = subprocess.run(["lintian", "--pedantic", "--fail-on",
                        "error,warning", deb], capture_output=True,
                       text=True)
    bad = [line for line in r.stdout.splitlines() if re.match(r"^[EW]: ",
                                                             line)]
    t.ok(r.returncode == 0 and not bad, "lintian --pedantic: no error, no "
         "warning")
    for line in r.stdout.splitlines() + r.stderr.splitlines():
        if "root privileges" not in line:
            t.diag("lintian: " + line)
    for field in ("Provides", "Conflicts", "Replaces"):
        r = subprocess.run(["dpkg-deb", "-f", deb, field],
                           capture_output=True, text=True)
        t.like(r.stdout, r"\bmail-transport-agent\b",
               "%s: mail-transport-agent" % field)
    r = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True,
                       text=True)
    files = set(re.findall(r"\s\./(\S+)", r.stdout))
    for f in ("usr/sbin/postern", "usr/sbin/sendmail", "usr/bin/mailq",
              "usr/bin/newaliases", "usr/lib/sendmail",
              "etc/postern/main.cf", "etc/postern/master.cf",
              "etc/logrotate.d/postern", "lib/systemd/system/postern.service",
              "usr/share/doc/postern/README.Debian"):
        t.ok(f in files, "the package holds /%s" % f)
    missing = [p for p in makefile_daemons()
               if "usr/lib/postern/" + p not in files]
    t.is_(missing, [], "every program the Makefile builds is in "
          "/usr/lib/postern")


def run_extracted(t, deb):
    root = tempfile.mkdtemp(prefix="postern-t.")
    made = []
    try:
        r = subprocess.run(["dpkg-deb", "-x", deb, root])
        t.is_(r.returncode, 0, "dpkg-deb -x into a temporary root")
        si = system_t.StagedInstance(t, root)
        owners = dict(re.findall(r"^(\w+_owner) = (\S+)$",
                                 si.conf("-x"), re.M))
        before = {u for u in owners.values() if _user_exists(u)}
        os.makedirs(os.path.join(root, "var", "log"), exist_ok=True)
        si.configure({"maillog_file": os.path.join(root, "var", "log",
                                                   "postern.log"),
                      "maillog_file_prefixes": root})
        r = si.cmd("setup")
        made = [u for u in set(owners.values())
                if u not in before and _user_exists(u)]
        t.is_(r.returncode, 0, "postern setup on the extracted package")
        t.like(r.stdout, r"postern check: no problems found",
               "then check finds nothing wrong")
        missing = [u for p, u in owners.items() if p != "log_owner" and
                   not _user_exists(u)]
        t.is_(missing, [], "the service users exist (setup made %s)" %
              (", ".join(sorted(made)) or "none: they were there"))
        r = si.cmd("user", "add", "--stdin", "alice@example.test",
                   stdin=PASSWORD + "\n")
        t.is_(r.returncode, 0, "postern user add")
        r = si.unit_cmd("Start")
        t.is_(r.returncode, 0, "the unit's ExecStart=")
        pid = wait_for(si.master_pid, "PIDFile", t)
        t.ok(pid and pid_alive(pid), "PIDFile= names the master")
        si.send("alice@example.test", "from the package")
        t.ok(si.wait_maildir("example.test/alice/"), "smtp (port 25, "
             "moved for the test) takes a message; it is in the Maildir")
        si.read_back("alice@example.test", PASSWORD, "from the package")
        sm = si.rerooted("/usr/sbin/sendmail")
        r = subprocess.run([sm, "alice@example.test"], input="Subject: "
                           "local\n\nx\n", text=True, capture_output=True,
                           env=si.env())
        t.is_(r.returncode, 0, "the package's sendmail submits")
        t.ok(si.wait_maildir("example.test/alice/", 2), "and it arrives")
        r = subprocess.run([sm, "-bp"], capture_output=True, text=True,
                           env=si.env())
        t.ok(r.returncode == 0 and "Mail queue is empty" in r.stdout or
             wait_for(lambda: "Mail queue is empty" in subprocess.run(
                 [sm, "-bp"], capture_output=True, text=True,
                 env=si.env()).stdout, "an empty queue", t),
             "mailq: the queue is empty")
        t.is_(si.unit_cmd("Reload").returncode, 0, "the unit's ExecReload=")
        t.is_(si.unit_cmd("Stop").returncode, 0, "the unit's ExecStop=")
        t.ok(wait_for(lambda: not pid_alive(pid), "the master to end", t),
             "the master is gone")
        si.teardown_log()
    finally:
        for u in made:      # leave the machine's users as they were
            subprocess.run(["userdel", u], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def packages(names):
    """The versions and states of these packages on this machine (other
    helpers may install packages meanwhile: only these are compared)."""
    r = subprocess.run(["dpkg-query", "-W", "-f",
                        "${Package} ${Version} ${db:Status-Abbrev}\n"] +
                       names, capture_output=True, text=True)
    return r.stdout + r.stderr


def cycle(t, deb):
    """t/deb/cycle.sh on a throw-away view of this machine (overlay.sh),
    whatever MTA it has; where no overlay can be made, on the machine
    itself if it has no other mail-transport-agent, else skipped."""
    here = os.path.dirname(os.path.abspath(__file__))
    others = other_mta()
    t.diag("the cycle on an overlay of this machine's root%s" %
           (" (%s installed here stays)" % ", ".join(others)
            if others else ""))
    before = packages(others + ["postern"])
    r = subprocess.run([os.path.join(here, "overlay.sh"), deb],
                       capture_output=True, text=True)
    if r.returncode == 77:
        t.diag("no overlay here: " + r.stderr.strip())
        if others:
            t.skip("%s (a mail-transport-agent) is installed here and no "
                   "overlay of the root can be made: the install, upgrade "
                   "and purge cycle needs a machine without one "
                   "(t/deb/cycle.sh)" % ", ".join(others))
            return
        r = subprocess.run([os.path.join(here, "cycle.sh"), deb],
                           capture_output=True, text=True)
    tap_lines(t, r, "cycle: ")
    t.is_(packages(others + ["postern"]), before, "this machine's "
          "mail-transport-agent and postern packages are as they were")


def tap_lines(t, r, prefix):
    """Report a script's TAP lines as this test's."""
    seen = 0
    for line in r.stdout.splitlines():
        m = re.match(r"^(not )?ok \d+(?: - (.*?))?(?: # SKIP (.*))?$", line)
        if m and m.group(3):
            t.skip(m.group(3))
        elif m:
            t.ok(not m.group(1), prefix + (m.group(2) or ""))
        elif line.startswith("#"):
            t.diag(line[1:].strip())
        seen += bool(m)
    plan = re.search(r"^1\.\.(\d+)$", r.stdout, re.M)
    t.ok(plan and int(plan.group(1)) == seen and r.returncode == 0,
         prefix + "ran to its end (status %d)" % r.returncode)
    if r.stderr.strip():
        t.diag(r.stderr)


def main():
    t = TAP()
    if os.geteuid() != 0:
        print("1..0 # SKIP root only: the package's instance runs as root")
        return
    for tool in ("dpkg-buildpackage", "dh", "lintian", "setpriv"):
        if shutil.which(tool) is None:
            print("1..0 # SKIP %s is not installed (build-aux/deps.sh "
                  "deb)" % tool)
            return
    out = tempfile.mkdtemp(prefix="postern-deb.")
    try:
        deb = build(t, out)
        if deb is not None:
            check_package(t, deb)
            run_extracted(t, deb)
            cycle(t, deb)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    t.done()


main()

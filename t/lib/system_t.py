"""system_t.py - a system instance run from a staging root.

A staging root R holds what `make install DESTDIR=R` installs, or what
the Debian package holds (dpkg-deb -x). Its programs carry the paths of
a system install (/etc/postern, /var/spool/postern, ...); StagedInstance
runs them in place: POSTERN_CONFIG_DIR names R's configuration directory,
and the lines appended to its main.cf put every directory and file that
main.cf names (and the built-in directories) under R, the services on
127.0.0.1 on free ports, and the service users where the test says.

The master is started, reloaded and stopped with the ExecStart=,
ExecReload= and ExecStop= commands of R's postern.service, each run as
systemd would run it as far as that can be done without systemd as PID
1: with the unit's CapabilityBoundingSet (setpriv --bounding-set),
NoNewPrivileges (--no-new-privs) and UMask. The file-system sandbox
(ProtectSystem=, PrivateTmp=, ...) needs systemd's namespaces and is
not reproduced.
"""

import atexit
import glob
import imaplib
import os
import poplib
import re
import shutil
import smtplib
import ssl
import subprocess

from postern import WAIT, pid_alive, port_base, wait_for

# the inet services of the system master.cf, by /etc/services name, and
# the offset from a port base that `postern init` gives each
INET_OFFSETS = {"smtp": 25, "submission": 87, "submissions": 65,
                "pop3": 10, "pop3s": 95, "imap": 43, "imaps": 93}


def unit_file(root):
    """R's postern.service, or None."""
    found = sorted(glob.glob(os.path.join(root, "**", "postern.service"),
                             recursive=True))
    return found[0] if found else None


def parse_unit(path):
    """{section: {key: [values]}} of a unit file (no drop-ins)."""
    out, sect = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            m = re.match(r"^\[(.+)\]$", line)
            if m:
                sect = out.setdefault(m.group(1), {})
                continue
            k, _, v = line.partition("=")
            sect.setdefault(k.strip(), []).append(v.strip())
    return out


def bounding_set(caps):
    """setpriv's --bounding-set argument for CapabilityBoundingSet=."""
    names = []
    for v in caps:
        names += [c.lower().replace("cap_", "", 1) for c in v.split()]
    return "-all" + "".join(",+" + n for n in names)


def tls_client():
    """A client context that takes the instance's self-signed
    certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class StagedInstance:
    def __init__(self, t, root):
        self.t = t
        self.root = root
        self.unit_path = unit_file(root)
        self.unit = parse_unit(self.unit_path) if self.unit_path else {}
        svc = self.unit.get("Service", {})
        start = svc.get("ExecStart", ["/usr/sbin/postern start"])[0]
        self.postern = self.rerooted(start.split()[0])
        self.etc = "/nonexistent"   # the built-in defaults, first
        d = self.conf("-d", "-x", "config_directory", "queue_directory",
                      "data_directory", "daemon_directory")
        self.builtin = dict(re.findall(r"^(\w+) = (.*)$", d, re.M))
        self.etc = self.rerooted(self.builtin["config_directory"])
        self.base = None

    def rerooted(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def env(self):
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
             "POSTERN_CONFIG_DIR": self.etc, "TMPDIR": "/tmp"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        return e

    def run(self, argv, stdin=None, name=None):
        """A program of R (argv[0] relative to R, or absolute in R)."""
        return subprocess.run([self.rerooted(argv[0])] + list(argv[1:]),
                              input=stdin, capture_output=True, text=True,
                              env=self.env(), timeout=WAIT * 6)

    def conf(self, *args):
        r = subprocess.run([self.postern, "conf"] + list(args),
                           capture_output=True, text=True, env=self.env())
        return r.stdout

    def cmd(self, *args, stdin=None):
        """postern ARGS on R's configuration."""
        return subprocess.run([self.postern] + list(args), input=stdin,
                              capture_output=True, text=True,
                              env=self.env(), timeout=WAIT * 6)

    def configure(self, main=None):
        """Point main.cf and master.cf at R and at free loopback ports."""
        os.chmod(self.root, 0o755)
        lines = ["", "# test settings: everything under %s" % self.root]
        for name in ("queue_directory", "data_directory",
                     "daemon_directory"):
            lines.append("%s = %s" % (name, self.rerooted(
                self.builtin[name])))
        for name, value in re.findall(r"^(\w+) = (.*)$", self.conf("-n"),
                                      re.M):
            m = re.match(r"^((?:hash|texthash):)?(/.*)$", value)
            if m and name != "config_directory":
                lines.append("%s = %s%s" % (name, m.group(1) or "",
                                            self.rerooted(m.group(2))))
        lines += ["inet_interfaces = 127.0.0.1", "mydestination = localhost",
                  "myhostname = localhost", "mydomain = example.test",
                  "virtual_mailbox_domains = example.test"]
        for k, v in (main or {}).items():
            lines.append("%s = %s" % (k, v))
        with open(os.path.join(self.etc, "main.cf"), "a") as f:
            f.write("\n".join(lines) + "\n")
        self.base = port_base()
        path = os.path.join(self.etc, "master.cf")
        with open(path) as f:
            text = f.read()

        def port(m):
            p = str(self.base + INET_OFFSETS[m.group(2)])
            width = len(m.group(2)) + len(m.group(3))
            return m.group(1) + p.ljust(max(width, len(p) + 1)) + "inet"
        text = re.sub(r"^(#?)(%s)(\s+)inet\b" % "|".join(INET_OFFSETS),
                      port, text, flags=re.M)
        with open(path, "w") as f:
            f.write(text)

    def port(self, service):
        return self.base + INET_OFFSETS[service]

    def serves(self, service):
        """Is the inet service on (not commented out) in master.cf?"""
        with open(os.path.join(self.etc, "master.cf")) as f:
            return re.search(r"^%d\s+inet\b" % self.port(service), f.read(),
                             re.M) is not None

    def unit_cmd(self, key):
        """Run the unit's Exec<key>= command as systemd would (see the
        module's comment): the CompletedProcess."""
        svc = self.unit["Service"]
        argv = svc["Exec" + key][0].split()
        argv[0] = self.rerooted(argv[0])
        wrap = [shutil.which("setpriv") or "setpriv"]
        if svc.get("CapabilityBoundingSet"):
            wrap.append("--bounding-set=" +
                        bounding_set(svc["CapabilityBoundingSet"]))
        if svc.get("NoNewPrivileges", ["no"])[0] == "yes":
            wrap.append("--no-new-privs")
        umask = int(svc.get("UMask", ["0022"])[0], 8)
        if key == "Start" and not getattr(self, "_stop_at_exit", False):
            atexit.register(self.stop)  # a test that dies leaves nothing
            self._stop_at_exit = True   # running
        return subprocess.run(wrap + argv, capture_output=True, text=True,
                              env=self.env(), timeout=WAIT * 6,
                              stdin=subprocess.DEVNULL,
                              preexec_fn=lambda: os.umask(umask))

    def stop(self):
        pid = self.master_pid()
        if pid is not None and pid_alive(pid):
            self.cmd("stop")

    def log(self):
        path = self.conf("-x", "maillog_file").split("=", 1)[1].strip()
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def teardown_log(self, expect=()):
        """Fail on a warning:, error:, fatal: or panic: line of the
        maillog_file that the test did not expect."""
        bad = [line for line in self.log().splitlines()
               if re.search(r"\b(warning|error|fatal|panic): ", line) and
               not any(re.search(p, line) for p in expect)]
        self.t.ok(not bad, "no unexpected warnings or errors in the log")
        if bad:
            self.t.diag("\n".join(bad))

    def pidfile(self):
        return self.rerooted(self.unit["Service"]["PIDFile"][0])

    def master_pid(self):
        try:
            with open(self.pidfile()) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def maildir_files(self, rel):
        """The messages of a Maildir: new/ and cur/ (where a POP3 or
        IMAP session moves what it has seen)."""
        base = self.conf("-x", "virtual_mailbox_base").split("=", 1)[1]
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(base.strip(), rel, sub)
            try:
                out += [os.path.join(d, f) for f in sorted(os.listdir(d))]
            except OSError:
                pass
        return out

    def wait_maildir(self, rel, n=1):
        return wait_for(lambda: len(self.maildir_files(rel)) >= n,
                        "%d message(s) in %s" % (n, rel), self.t,
                        bound=WAIT * 3)

    def send(self, rcpt, subject, starttls=False):
        """A message from bob@example.org to rcpt on the smtp port
        (after STARTTLS if asked: then whether it was offered)."""
        s = smtplib.SMTP("127.0.0.1", self.port("smtp"), timeout=WAIT)
        s.ehlo("client.example.org")
        offered = s.has_extn("starttls")
        if starttls:
            s.starttls(context=tls_client())
        s.sendmail("bob@example.org", [rcpt], ("Subject: %s\r\n\r\n"
                   "hello\r\n" % subject).encode())
        s.quit()
        return offered

    def read_back(self, address, password, subject):
        """Log in as address over POP3 and IMAP (each after STARTTLS
        with the instance's certificate) where master.cf serves them,
        and find the message with this subject: a test line for each,
        or a skip naming the service that is not served."""
        t = self.t
        ctx = tls_client()
        want = r"(?m)^Subject: %s\r?$" % re.escape(subject)
        if self.serves("pop3"):
            text = ""
            try:
                p = poplib.POP3("127.0.0.1", self.port("pop3"),
                                timeout=WAIT)
                p.stls(context=ctx)
                p.user(address)
                p.pass_(password)
                for i in range(len(p.list()[1]), 0, -1):
                    text += b"\n".join(p.top(i, 0)[1]).decode(
                        errors="replace") + "\n"
                p.quit()
            except (OSError, poplib.error_proto) as e:
                text = "POP3: %s" % e
            t.like(text, want, "POP3 (STLS, USER, PASS) serves it")
        else:
            t.skip("master.cf serves no POP3")
        if self.serves("imap"):
            try:
                m = imaplib.IMAP4("127.0.0.1", self.port("imap"),
                                  timeout=WAIT)
                m.starttls(ssl_context=ctx)
                m.login(address, password)
                m.select("INBOX", readonly=True)
                typ, data = m.search(None, "SUBJECT", '"%s"' % subject)
                text = ""
                for n in data[0].split():
                    typ, d = m.fetch(n, "(BODY.PEEK[HEADER.FIELDS "
                                     "(SUBJECT)])")
                    text += "".join(x[1].decode(errors="replace")
                                    for x in d if isinstance(x, tuple))
                m.logout()
            except (OSError, imaplib.IMAP4.error) as e:
                text = "IMAP: %s" % e
            t.like(text, want, "IMAP (STARTTLS, LOGIN, SEARCH, FETCH) "
                   "serves it")
        else:
            t.skip("master.cf serves no IMAP")

"""postern.py - the integration-test harness (TAP producer + instances).

A test script does:

    from postern import TAP, Instance, run
    def main(t, mode):
        inst = Instance(t, services=[...])
        inst.start()
        ...
        inst.teardown(expect=[r"killed by signal 9"])
    run(main)

Instance makes a temporary instance with `postern init` (free loopback
ports), replaces master.cf with the services a test names, starts the
master in the foreground with its log (and its children's) in a file,
and waits for it to be ready. teardown() stops it and fails the test on
any warning:/error:/fatal:/panic: line that the test did not expect.

run(main) calls main(t, "user") when not root. As root it calls
main(t, "root") (services drop to a test user created with useradd),
then runs the same script again as an unprivileged user (nobody) on a
copy of the programs in a world-readable directory, and folds those
results into its own, prefixed "[unprivileged]".

No timing thresholds: every wait polls with a generous bound and only
fails when the bound is reached.
"""

import atexit
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POSTERN = os.path.join(TOP, "ctl", "postern")
MASTER = os.path.join(TOP, "master", "master")
ECHO = os.path.join(TOP, "t", "bin", "echo")
TEST_USER = "postern-t"
WAIT = 20.0  # seconds: the bound of every wait, never an assertion


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.prefix = ""

    def ok(self, cond, name):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s%s" % ("" if cond else "not ", self.n,
                                  self.prefix, name), flush=True)
        return bool(cond)

    def is_(self, got, want, name):
        r = self.ok(got == want, name)
        if not r:
            self.diag("got: %r\nwant: %r" % (got, want))
        return r

    def like(self, got, pattern, name):
        r = self.ok(got is not None and re.search(pattern, got), name)
        if not r:
            self.diag("got: %r\nwant match: %r" % (got, pattern))
        return r

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def skip(self, why, count=1):
        for _ in range(count):
            self.n += 1
            print("ok %d # SKIP %s" % (self.n, why), flush=True)

    def raw(self, line):
        """Fold a result line of a sub-run into this one."""
        m = re.match(r"^(not )?ok \d+(.*)$", line)
        if not m:
            if line.startswith("#"):
                print(line, flush=True)
            return
        self.n += 1
        if m.group(1):
            self.failed += 1
        rest = m.group(2)
        if rest.startswith(" # SKIP"):
            print("ok %d%s" % (self.n, rest), flush=True)
        else:
            print("%sok %d - [unprivileged]%s" % (
                m.group(1) or "", self.n, re.sub(r"^ -", "", rest)),
                flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(min(self.failed, 254))


def wait_for(cond, what, t=None, bound=WAIT):
    """Poll cond() until true or bound seconds; report failure via t."""
    end = time.monotonic() + bound
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            if t is not None:
                t.diag("gave up waiting (%ds) for %s" % (bound, what))
            return v
        time.sleep(0.02)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


_port_locks = []  # the lock files of the port bases this process holds


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def port_base():
    """A base for `postern init --port-base`: its ports (base+10 to
    base+95) are free now, below the ephemeral range that free_port()
    and client connections use, and held for this process by a lock
    file, so that tests running side by side never share one (bases are
    multiples of 100, so their ranges never overlap)."""
    import fcntl
    import random
    lockdir = os.path.join(tempfile.gettempdir(), "postern-t-ports")
    try:
        os.mkdir(lockdir)
        os.chmod(lockdir, 0o1777)  # root and the unprivileged re-run
    except FileExistsError:
        pass
    for _ in range(400):
        base = random.randrange(100, 320) * 100
        path = os.path.join(lockdir, str(base))
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL,
                             0o644)
            except OSError:
                continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if all(_port_free(base + o) for o in (10, 25, 43, 65, 87, 93, 95)):
            _port_locks.append(fd)
            return base
        os.close(fd)
    raise RuntimeError("no free port base for postern init")


def port_refuses(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return True
    s.close()
    return False


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def proc_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def proc_fd_links(pid):
    """[(fd, what it points at)] for the descriptors of process pid
    (readlink); OSError when the process is gone."""
    out = []
    d = "/proc/%d/fd" % pid
    for f in os.listdir(d):
        try:
            out.append((f, os.readlink(os.path.join(d, f))))
        except OSError:
            pass
    return out


def proc_fds(pid):
    """What the descriptors of process pid point at (readlink)."""
    return [to for _, to in proc_fd_links(pid)]


def ensure_user(name):
    """Create a system user for the services (root only). Tests run in
    parallel: another one may be adding the same user, or holding the
    password file's lock for its own, so a failed useradd is retried
    until the user exists (bounded)."""
    end = time.monotonic() + WAIT
    while True:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        r = subprocess.run(["useradd", "--system", "--no-create-home",
                            "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", name],
                           capture_output=True, text=True)
        if r.returncode == 0 or time.monotonic() > end:
            break
        time.sleep(0.1)
    if r.returncode != 0:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError("useradd %s: %s" % (name, r.stderr.strip()))
    return pwd.getpwnam(name)


class Client:
    """A line-oriented client of the echo service."""

    def __init__(self, port, timeout=WAIT):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def greeting_pid(self):
        g = self.line()
        m = re.match(r"^echo (\d+) ready$", g or "")
        return int(m.group(1)) if m else None

    def echo(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.line()

    def close(self):
        try:
            self.sock.sendall(b"quit\r\n")
        except OSError:
            pass
        self.sock.close()


class Instance:
    def __init__(self, t, services, main=None, mode="user", domain=None,
                 base=None):
        """base: the directory to make the instance in (a file system
        of the test's own); the system's temporary directory when None."""
        self.t = t
        self.mode = mode
        self.proc = None
        self.master_pid = None
        self.wrapped = False
        self.log_pos = 0
        self.dir = tempfile.mkdtemp(prefix="postern-t.", dir=base)
        os.chmod(self.dir, 0o755)
        r = subprocess.run([POSTERN, "init", self.dir, "--port-base",
                            str(port_base())] +
                           (["--domain", domain] if domain else []),
                           capture_output=True, text=True)
        if r.returncode != 0:
            t.diag(r.stdout + r.stderr)
            raise RuntimeError("postern init failed")
        self.etc = os.path.join(self.dir, "etc")
        self.spool = os.path.join(self.dir, "spool")
        self.logfile = os.path.join(self.dir, "master.log")
        extra = dict(main or {})
        if mode == "root":
            ensure_user(TEST_USER)
            for k in ("mail_owner", "vmail_owner", "auth_owner",
                      "resolver_owner"):
                extra.setdefault(k, TEST_USER)
        with open(os.path.join(self.etc, "main.cf"), "a") as f:
            f.write("\n# test settings\n")
            for k, v in extra.items():
                f.write("%s = %s\n" % (k, v))
        if services is not None:  # None: the master.cf init wrote
            self.write_master_cf(services)
        if mode == "root":
            # as an admin would: give the service users what they own
            # (the mail root, the password table's group)
            r = self.postern("setup")
            if r.returncode != 0:
                t.diag("postern setup: " + r.stdout + r.stderr)

    def write_master_cf(self, services):
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("# written by t/lib/postern.py\n")
            for s in services:
                f.write(s.replace("ECHO", ECHO) + "\n")

    def postern(self, *args):
        return subprocess.run([POSTERN, "-c", self.etc] + list(args),
                              capture_output=True, text=True)

    def statefile(self):
        try:
            with open(os.path.join(self.spool, "pid", "master.state")) as f:
                return f.read()
        except OSError:
            return ""

    def _ready_pid(self):
        """The pid in the state file of a master that has started."""
        m = re.search(r"^pid (\d+)$", self.statefile(), re.M)
        if m is None:
            return None
        pid = int(m.group(1))
        if not self.wrapped:
            return pid if pid == self.proc.pid else None
        return pid if pid_alive(pid) else None

    def start(self, args=("-f",), wrap=()):
        """wrap: a command that runs `postern start` (strace ...); the
        master is then its child, and master_pid says which."""
        if not getattr(self, "_stop_at_exit", False):
            atexit.register(self.stop)  # a test that dies leaves nothing
            self._stop_at_exit = True   # running
        self.logfh = open(self.logfile, "ab")
        self.wrapped = bool(wrap)
        self.proc = subprocess.Popen(
            list(wrap) + [POSTERN, "-c", self.etc, "start"] + list(args),
            stdout=self.logfh, stderr=self.logfh, stdin=subprocess.DEVNULL)
        ok = wait_for(lambda: self._ready_pid() is not None or
                      self.proc.poll() is not None,
                      "the master to be ready", self.t)
        if not ok or self.proc.poll() is not None:
            self.t.diag(self.log())
            raise RuntimeError("the master did not start")
        self.master_pid = self._ready_pid()
        return self.master_pid

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_log(self, pattern, count=1, bound=WAIT):
        return wait_for(lambda: len(re.findall(pattern, self.log(), re.M))
                        >= count, "log %r x%d" % (pattern, count), self.t,
                        bound)

    def children(self):
        """pids of the master's children (by PPid in /proc)."""
        if self.proc is None:
            return []
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = proc_status(int(d))
                if st.get("PPid") == str(self.master_pid) and \
                        not st.get("State", "").startswith("Z"):
                    out.append(int(d))
        return out

    def children_running(self, program):
        """pids of the master's children that run program: by the
        process title ("postern/NAME: ...") or the program's name."""
        out = []
        for pid in self.children():
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv0 = f.read().split(b"\0")[0].decode("utf-8",
                                                             "replace")
            except OSError:
                continue
            if argv0.startswith("postern/%s:" % program) or \
                    os.path.basename(argv0.split(" ")[0]) == program:
                out.append(pid)
        return out

    def check_privs(self, pid, chroot):
        """Root mode: the child runs as TEST_USER, jailed as configured."""
        pw = pwd.getpwnam(TEST_USER)
        st = proc_status(pid)
        uids = st.get("Uid", "").split()
        gids = st.get("Gid", "").split()
        groups = set(st.get("Groups", "").split())
        self.t.is_(uids, [str(pw.pw_uid)] * 4,
                   "pid %d: real, effective, saved and fs uid" % pid)
        self.t.is_(gids, [str(pw.pw_gid)] * 4,
                   "pid %d: real, effective, saved and fs gid" % pid)
        self.t.ok(groups <= {str(pw.pw_gid)},
                  "pid %d: no other supplementary group (%s)" %
                  (pid, " ".join(sorted(groups))))
        try:
            root = os.readlink("/proc/%d/root" % pid)
        except OSError as e:
            root = str(e)
        self.t.is_(root, os.path.realpath(self.spool) if chroot else "/",
                   "pid %d: root directory" % pid)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        if self.wrapped and self.master_pid is not None:
            try:
                os.kill(self.master_pid, signal.SIGTERM)
            except OSError:
                self.proc.send_signal(signal.SIGTERM)
        else:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=WAIT + 15)
        except subprocess.TimeoutExpired:
            self.t.ok(False, "the master stops on SIGTERM")
            self.proc.kill()
            return self.proc.wait()

    def teardown(self, expect=()):
        self.stop()
        bad = []
        for line in self.log().splitlines():
            if re.search(r"\b(warning|error|fatal|panic): ", line) and \
                    not any(re.search(p, line) for p in expect):
                bad.append(line)
        self.t.ok(not bad, "no unexpected warnings or errors in the log")
        if bad:
            self.t.diag("\n".join(bad))
        if os.environ.get("POSTERN_T_KEEP"):
            self.t.diag("kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# What the unprivileged re-run needs: every program and test tool that is
# built, and the Python helpers (one list, so no helper has to patch it).
PROGRAMS = ("ctl/postern", "master/master", "smtpd/smtpd", "qmgr/qmgr",
            "anvil/anvil", "auth/auth", "delivery/local/local",
            "postlogd/postlogd", "pop3d/pop3d", "pop3d/login/pop3-login",
            "imapd/imapd", "imapd/login/imap-login",
            "resolver/resolver", "delivery/relay/relay")


def _unprivileged_copy():
    """The programs and this test in a directory anyone can read."""
    top = tempfile.mkdtemp(prefix="postern-tu.")
    os.chmod(top, 0o755)
    rels = list(PROGRAMS) + ["master/master.h", "config.mk"]
    for d, want in (("t/bin", lambda f: "." not in f),
                    ("t/lib", lambda f: f.endswith(".py")),
                    ("fuzz/corpus/mime", lambda f: True)):
        for f in sorted(os.listdir(os.path.join(TOP, d))):
            if want(f):
                rels.append(os.path.join(d, f))
    for rel in rels:
        if os.access(os.path.join(TOP, rel), os.R_OK):
            dst = os.path.join(top, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(TOP, rel), dst)
    script = os.path.join(top, "t", "integ", os.path.basename(sys.argv[0]))
    os.makedirs(os.path.dirname(script), exist_ok=True)
    shutil.copy2(os.path.abspath(sys.argv[0]), script)
    for dirpath, dirnames, filenames in os.walk(top):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    return top, script


def _run_unprivileged(t):
    py = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) \
        else sys.executable
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    if runuser is None:
        t.skip("neither runuser nor setpriv: no unprivileged run")
        return
    top, script = _unprivileged_copy()
    try:
        env = {"PATH": "/usr/bin:/bin", "POSTERN_T_SUBRUN": "1",
               "TMPDIR": "/tmp"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if runuser.endswith("runuser"):
            cmd = [runuser, "-u", "nobody", "--", py, script]
        else:
            cmd = [runuser, "--reuid=nobody", "--regid=nogroup",
                   "--clear-groups", py, script]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           cwd="/tmp")
        for line in r.stdout.splitlines():
            t.raw(line)
        if r.returncode != 0 and "not ok" not in r.stdout:
            t.ok(False, "the unprivileged run exits 0 (status %d)" %
                 r.returncode)
            t.diag(r.stderr)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def sanitizer_build():
    """Built with ASan/UBSan (./configure --enable-sanitizers)? The
    unprivileged run has config.mk in its copy too."""
    try:
        with open(os.path.join(TOP, "config.mk")) as f:
            return re.search(r"^SAN_FLAGS = .*-fsanitize", f.read(), re.M)
    except OSError:
        return False


def run(main):
    t = TAP()
    if sanitizer_build() and "detect_leaks" not in \
            os.environ.get("ASAN_OPTIONS", ""):
        # LeakSanitizer cannot work in a chrooted service (no /proc):
        # the unit tests check for leaks, these tests for behaviour
        os.environ["ASAN_OPTIONS"] = "detect_leaks=0:" + \
            os.environ.get("ASAN_OPTIONS", "")
    for prog in (POSTERN, MASTER, ECHO):
        if not os.access(prog, os.X_OK):
            print("1..0 # SKIP %s is not built (make tests)" % prog)
            sys.exit(0)
    if os.geteuid() == 0:
        main(t, "root")
        if not os.environ.get("POSTERN_T_SUBRUN"):
            _run_unprivileged(t)
    else:
        main(t, "user")
    t.done()

#!/usr/bin/env python3
# maillog_file: in an instance as `postern init` makes it, every line
# reaches the file through the log service (postlogd), from the
# chrooted smtpd, qmgr and the local agent jailed in the mail root, in
# the shape of Postfix's maillog_file. Rotation: rename the file and
# reload, and the lines after the reload are in the new file, none
# lost; postern logrotate does the same and compresses the old one. The
# master's last line, "stopped", is in the file too. As root, the log
# service runs as log_owner in an empty jail, and the mail services can
# neither write the file nor signal the service.
import gzip
import os
import pwd
import re
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import (TEST_USER, Instance, ensure_user, run,  # noqa: E402
                     wait_for)

LOG_USER = "postern-tlog"   # a user of its own, as log_owner must be
RCPT = "postmaster@example.test"
# Postfix's maillog_file line: "Mmm dd HH:MM:SS host ident[pid]: text"
LINE = r"^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ %s\[(\d+)\]: %s"


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def smtp_port(inst):
    """The instance's SMTP port: the first smtpd inet line of master.cf."""
    with open(os.path.join(inst.etc, "master.cf")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 8 and w[1] == "inet" and w[7] == "smtpd":
                return int(w[0])
    return None


def send(t, port, subject):
    """One message over SMTP; its queue ID from the 250 reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("client.example")
        s.mail("sender@example.org")
        s.rcpt(RCPT)
        code, text = s.data(("Subject: %s\r\n\r\nbody\r\n" % subject)
                            .encode())
    t.is_(code, 250, "%s: accepted" % subject)
    m = re.search(r"queued as ([0-9A-F]+)", text.decode())
    return m.group(1) if m else "NO-QID"


def delivered(path, qid):
    return wait_for(lambda: re.search(r"%s: removed" % qid, read(path)),
                    "%s delivered, in %s" % (qid, path))


def story(qid):
    """The lines of one message's life: who says them, and what."""
    return [("postern/smtpd", r"%s: client=localhost\[127\.0\.0\.1\]" % qid,
             "client="),
            ("postern/smtpd", r"%s: from=<sender@example\.org>, size=\d+, "
             r"nrcpt=1 \(queued\)" % qid, "queued"),
            ("postern/qmgr", r"%s: from=<sender@example\.org>" % qid,
             "queue active"),
            ("postern/local", r"%s: to=<%s>, relay=local, .*status=sent" %
             (qid, re.escape(RCPT)), "status=sent"),
            ("postern/qmgr", r"%s: removed" % qid, "removed")]


def no_surprises(t, text, where):
    bad = [ln for ln in text.splitlines()
           if re.search(r"\b(warning|error|fatal|panic): ", ln)]
    t.ok(not bad, "no warning or error in %s" % where)
    if bad:
        t.diag("\n".join(bad))


def postlogd_pid(inst):
    pids = inst.children_running("postlogd")
    return pids[0] if pids else None


def as_user(name, cmd):
    return subprocess.run(["runuser", "-u", name, "--"] + cmd,
                          capture_output=True, text=True)


def main(t, mode):
    main_cf = {}
    if mode == "root":
        ensure_user(LOG_USER)
        main_cf["log_owner"] = LOG_USER
    inst = Instance(t, mode=mode, services=None, main=main_cf)  # init's
    logdir = os.path.join(inst.dir, "log")
    os.mkdir(logdir, 0o755)
    path = os.path.join(logdir, "maillog")
    with open(os.path.join(inst.etc, "main.cf"), "a") as f:
        f.write("maillog_file = %s\nmaillog_file_prefixes = %s\n" %
                (path, logdir))
    r = inst.postern("check")
    t.is_(r.returncode, 0, "postern check: no problem with maillog_file")
    t.ok("nothing will keep the log" not in r.stdout,
         "and no warning that the log goes nowhere")
    if r.returncode != 0:
        t.diag(r.stdout)
    port = smtp_port(inst)
    inst.start()

    # 1. a line from the chrooted smtpd, and the rest of the message's life
    qid = send(t, port, "first")
    t.ok(delivered(path, qid), "the message's lines arrive in maillog_file")
    text = read(path)
    for ident, what, name in story(qid):
        t.like(text, "(?m)" + LINE % (re.escape(ident), what),
               "%s %s: in the file, in Postfix's shape" % (ident, name))
    m = re.search("(?m)" + LINE % ("postern/master", "daemon started"), text)
    t.ok(m, "the master's own start line is in the file")
    t.ok(not re.search(r"postern/(smtpd|qmgr|local)\[", inst.log()),
         "and nothing of the services' goes to the terminal instead")
    st = os.stat(path)
    t.is_(oct(st.st_mode & 0o7777), oct(0o640), "the file is mode 0640")
    t.is_(st.st_uid, os.geteuid(), "and belongs to the master's user")

    pid = postlogd_pid(inst)
    t.ok(pid is not None, "the log service runs (postlogd)")
    if mode == "root" and pid is not None:
        lw = pwd.getpwnam(LOG_USER)
        uids = open("/proc/%d/status" % pid).read()
        t.like(uids, r"(?m)^Uid:\t%d\t%d\t%d\t%d$" % ((lw.pw_uid,) * 4),
               "postlogd runs as log_owner")
        t.is_(os.readlink("/proc/%d/root" % pid),
              os.path.realpath(os.path.join(inst.spool, "empty")),
              "jailed in the empty queue_directory/empty")
        t.is_(os.listdir(os.path.join(inst.spool, "empty")), [],
              "which is empty")
        r = as_user(TEST_USER, ["sh", "-c", "echo forged >> %s" % path])
        t.ok(r.returncode != 0, "mail_owner cannot write the log file")
        r = as_user(TEST_USER, ["kill", "-STOP", str(pid)])
        t.ok(r.returncode != 0, "nor signal the log service")
        t.ok("forged" not in read(path), "the file is as the services "
             "wrote it")
    elif mode == "root":
        t.skip("no postlogd", 6)

    # 2. rotation: rename, reload; after it, every line is in the new file
    old = path + ".1"
    os.rename(path, old)
    r = inst.postern("reload")
    t.is_(r.returncode, 0, "postern reload")
    qid2 = send(t, port, "second")
    t.ok(delivered(path, qid2), "after the reload, lines go to a new file")
    new, before = read(path), read(old)
    for ident, what, name in story(qid2):
        t.like(new, "(?m)" + LINE % (re.escape(ident), what),
               "rotated: %s %s is in the new file" % (ident, name))
    t.ok(qid2 not in before, "none of them in the renamed file")
    for ident, what, name in story(qid):
        t.like(before, "(?m)" + LINE % (re.escape(ident), what),
               "nothing lost: %s %s of the first message is still in "
               "the renamed file" % (ident, name))
    t.like(before, r"postern/master\[\d+\]: reload -- configuration",
           "the renamed file has the reload's first line")
    t.like(new, r"postern/master\[\d+\]: reloaded: \d+ service",
           "the new file starts with the reload done")

    # 3. postern logrotate: the same, and the old file compressed
    r = inst.postern("logrotate")
    t.is_(r.returncode, 0, "postern logrotate")
    t.like(r.stdout, r"renamed %s to %s\.\d{8}-\d{6}" % (
        re.escape(path), re.escape(path)), "says what it renamed")
    gz = [n for n in os.listdir(logdir) if n.endswith(".gz")]
    t.is_(len(gz), 1, "the old file is compressed")
    zipped = gzip.open(os.path.join(logdir, gz[0]), "rt").read() \
        if gz else ""
    t.ok(qid2 in zipped and "reload -- configuration" in zipped,
         "and holds everything until the reload")
    qid3 = send(t, port, "third")
    t.ok(delivered(path, qid3), "lines after logrotate go to a new file")

    # 4. stopping: the master's last line is in the file too
    t.is_(inst.stop(), 0, "the master stops")
    lines = read(path).splitlines()
    t.like(lines[-1] if lines else "", LINE % ("postern/master", "stopped$"),
           "the last line of the file is the master's \"stopped\"")
    no_surprises(t, read(path) + read(old) + zipped, "the log files")
    inst.teardown()


run(main)

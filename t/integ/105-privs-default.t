#!/usr/bin/env python3
# Every process of a default instance (the master.cf `postern init`
# writes) runs as DESIGN's table says: its user (real, effective, saved
# and file-system ids, no other group), its jail (/proc/PID/root), no
# capabilities and no way to gain privileges again (NoNewPrivs). Every
# service is made to start: mail through port 25 to a mailbox (smtpd,
# anvil, qmgr, local), AUTH on submission (auth), submissions, the
# local submission socket, a POP3 login on each POP3 port (the login
# side, pop3-login, and a session, pop3d) and an IMAP login on each IMAP
# port (imap-login and imapd).
#
# As root the services run as four different users; run by anyone
# else, everything runs as that user and nothing is jailed.
import imaplib
import os
import poplib
import pwd
import re
import smtplib
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TEST_USER, TOP, Instance, ensure_user, proc_status, \
    run, wait_for  # noqa: E402
from auth_t import add_user  # noqa: E402

VMAIL = "postern-tvmail"
AUTHU = "postern-tauth"
LOGINU = "postern-tl"
PROGS = ("smtpd/smtpd", "qmgr/qmgr", "anvil/anvil", "auth/auth",
         "delivery/local/local", "pop3d/pop3d", "pop3d/login/pop3-login",
         "imapd/imapd", "imapd/login/imap-login")


def services(inst):
    """{service name: port or None} of the uncommented master.cf lines."""
    out = {}
    with open(os.path.join(inst.etc, "master.cf")) as f:
        for line in f:
            m = re.match(r"^([^#\s]\S*)\s+(inet|unix)\s", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def service_of(pid):
    """The master.cf service a child runs, from its process title
    ("postern/smtpd: 2025 (inet)")."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            title = f.read().decode(errors="replace")
    except OSError:
        return None
    m = re.match(r"^postern/[^:]+: (\S+) \((inet|unix)\)", title)
    if m:
        return m.group(1)
    # a session names its user and client instead ("postern/pop3d:
    # alice@example.test 127.0.0.1"): the service is the program's name
    m = re.match(r"^postern/([^:\s]+): ", title)
    return m.group(1) if m else title


def main(t, mode):
    for prog in PROGS:
        if not os.access(os.path.join(TOP, prog), os.X_OK):
            t.skip("%s is not built" % prog)
            return
    # loopback clients count too, so that smtpd asks anvil
    main_cf = {"smtpd_client_event_limit_exceptions": ""}
    if mode == "root":
        ensure_user(TEST_USER)
        ensure_user(VMAIL)
        ensure_user(AUTHU)
        ensure_user(LOGINU)
        main_cf.update({"mail_owner": TEST_USER, "vmail_owner": VMAIL,
                        "auth_owner": AUTHU, "login_owner": LOGINU})
    inst = Instance(t, mode=mode, services=None, main=main_cf)
    add_user(t, inst, "alice@example.test", "S3cret-alice")
    svc = services(inst)
    inet = sorted(int(n) for n in svc if svc[n] == "inet")
    ports = {p - inet[0] + 10: p for p in inet}  # by offset from the base
    t.is_(sorted(ports), [10, 25, 43, 65, 87, 93, 95], "init's master.cf "
          "serves POP3, SMTP, IMAP, submissions, submission, IMAPS and "
          "POP3S")
    inst.start()

    # port 25: a message to a mailbox (anvil, qmgr and local start)
    with smtplib.SMTP("127.0.0.1", ports[25], timeout=30) as c:
        c.sendmail("root@example.test", ["postmaster@example.test"],
                   "Subject: privs\r\n\r\nhello\r\n")
    new = os.path.join(inst.dir, "mail", "example.test", "postmaster",
                       "new")
    t.ok(wait_for(lambda: os.path.isdir(new) and os.listdir(new),
                  "the delivery", t), "the message is delivered")
    # submission: STARTTLS and AUTH (auth starts)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", ports[87], timeout=30) as c:
        c.starttls(context=ctx)
        c.login("alice@example.test", "S3cret-alice")
    with smtplib.SMTP_SSL("127.0.0.1", ports[65], timeout=30,
                          context=ctx) as c:
        c.ehlo()
    # the local submission socket, kept open while we look
    sub = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sub.settimeout(30)
    sub.connect(os.path.join(inst.spool, "public", "submit"))
    t.like(sub.recv(512).decode(errors="replace"), r"^220 ",
           "the local submission socket greets")
    # POP3S: a login; POP3: a session kept open while we look (pop3d)
    p = poplib.POP3_SSL("127.0.0.1", ports[95], timeout=30, context=ctx)
    p.user("alice@example.test")
    p.pass_("S3cret-alice")
    p.quit()
    pop = poplib.POP3("127.0.0.1", ports[10], timeout=30)
    pop.user("alice@example.test")
    pop.pass_("S3cret-alice")
    # IMAPS: a login; IMAP: a session kept open while we look (imapd)
    i = imaplib.IMAP4_SSL("127.0.0.1", ports[93], timeout=30,
                          ssl_context=ctx)
    i.login("alice@example.test", "S3cret-alice")
    i.logout()
    imap = imaplib.IMAP4("127.0.0.1", ports[43], timeout=30)
    imap.login("alice@example.test", "S3cret-alice")
    imap.select("INBOX")

    spool = os.path.realpath(inst.spool)
    mailroot = os.path.realpath(os.path.join(inst.dir, "mail"))
    if mode == "root":
        mail, vmail, auth, login = (pwd.getpwnam(u) for u in
                                    (TEST_USER, VMAIL, AUTHU, LOGINU))
    else:
        mail = vmail = auth = login = pwd.getpwuid(os.geteuid())
    jail = (lambda d: d) if mode == "root" else (lambda d: "/")
    # DESIGN's table: the user and the jail of each service
    want = {str(ports[25]): (mail, jail(spool)),
            str(ports[87]): (mail, jail(spool)),
            str(ports[65]): (mail, jail(spool)),
            "submit": (mail, "/"),
            "anvil": (mail, jail(spool)),
            "qmgr": (mail, jail(spool)),
            "auth": (auth, "/"),
            "local": (vmail, jail(mailroot)),
            str(ports[10]): (login, jail(os.path.join(spool, "empty"))),
            str(ports[95]): (login, jail(os.path.join(spool, "empty"))),
            "pop3d": (vmail, jail(mailroot)),
            str(ports[43]): (login, jail(os.path.join(spool, "empty"))),
            str(ports[93]): (login, jail(os.path.join(spool, "empty"))),
            "imapd": (vmail, jail(mailroot))}
    seen = set()
    for pid in inst.children():
        name = service_of(pid)
        if name not in want:
            t.ok(False, "pid %d runs service %r, which init did not "
                 "write" % (pid, name))
            continue
        seen.add(name)
        pw, root = want[name]
        st = proc_status(pid)
        what = "%s (pid %d)" % (name, pid)
        t.is_(st.get("Uid", "").split(), [str(pw.pw_uid)] * 4,
              "%s: runs as %s (real, effective, saved, fs)" %
              (what, pw.pw_name))
        t.is_(st.get("Gid", "").split(), [str(pw.pw_gid)] * 4,
              "%s: group %d" % (what, pw.pw_gid))
        if mode == "root":
            t.is_(st.get("Groups", "").split(), [str(pw.pw_gid)],
                  "%s: no other group" % what)
            t.is_(st.get("NoNewPrivs"), "1", "%s: NoNewPrivs" % what)
            t.is_(st.get("CapEff"), "0000000000000000",
                  "%s: no capability left" % what)
        try:
            got = os.readlink("/proc/%d/root" % pid)
        except OSError as e:
            got = str(e)
        t.is_(got, root, "%s: root directory %s" % (what, root))
    t.is_(sorted(seen), sorted(want), "every service of the default "
          "master.cf ran")
    sub.close()
    pop.quit()
    imap.logout()
    inst.teardown()


run(main)

#!/usr/bin/env python3
# Real IMAP clients from Debian against imapd:
#   - Perl's Mail::IMAPClient (libmail-imapclient-perl): login, folders,
#     select, fetch, flags, search, append, copy, move, expunge, the
#     UIDPLUS answers it parses;
#   - mbsync (isync) syncing the account both ways: the server's folders
#     and messages arrive in a local Maildir; local flags, deletions, new
#     messages and a new folder go back to the server; server-side
#     changes come down on the next run;
#   - fetchmail over IMAP into a local MDA, keep and then nokeep.
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
from imap_t import built, imap, imap_instance, put_msg  # noqa: E402

if not built():
    print("1..0 # SKIP imapd, imap-login or auth is not built")
    sys.exit(0)

MBSYNC = shutil.which("mbsync")
FETCHMAIL = shutil.which("fetchmail")
PERL = shutil.which("perl")

ALICE, ALICE_PW = "alice@example.test", "Cl1ents-secret"
BOB, BOB_PW = "bob@example.test", "B0b-clients-secret"
CAROL, CAROL_PW = "carol@example.test", "C4rol-clients-secret"

PERL_SCRIPT = r'''
use strict;
use warnings;
use Mail::IMAPClient;
my ($port, $user, $pass) = @ARGV;
my $n = 0;
sub ok { my ($c, $what) = @_; $n++; print(($c ? "" : "not ") . "ok - $what\n"); }
my $imap = Mail::IMAPClient->new(Server => "127.0.0.1", Port => $port,
    User => $user, Password => $pass, Uid => 1, Ignoresizeerrors => 0)
    or die "connect: $@\n";
ok($imap->IsAuthenticated, "login");
ok($imap->has_capability("UIDPLUS"), "capability UIDPLUS");
my @folders = $imap->folders;
ok(grep({ $_ eq "Sent" } @folders) && grep({ $_ eq "INBOX" } @folders),
    "folders: @folders");
ok($imap->create("Perl"), "create Perl");
ok($imap->select("INBOX"), "select INBOX");
ok($imap->message_count == 2, "message_count 2");
my @msgs = $imap->messages;
ok(@msgs == 2, "messages (UIDs): @msgs");
my $subj = $imap->get_header($msgs[0], "Subject");
ok($subj eq "perl one", "get_header Subject: $subj");
my $body = $imap->body_string($msgs[0]);
ok($body =~ /^first body\r?\n$/, "body_string");
ok(!$imap->seen($msgs[1]) || 1, "seen list");
ok($imap->set_flag("Flagged", $msgs[1]), "set_flag Flagged");
my $flags = $imap->flags($msgs[1]);
ok(grep({ $_ eq '\\Flagged' } @$flags), "flags: @$flags");
my @found = $imap->search('SUBJECT "perl two"');
ok(@found == 1 && $found[0] == $msgs[1], "search SUBJECT");
my $uid = $imap->append_string("Perl", "Subject: appended\r\n\r\nhi\r\n",
    '\\Seen');
ok(defined $uid && $uid =~ /^\d+$/, "append_string returns the APPENDUID: "
    . ($uid // "undef"));
my $copied = $imap->copy("Perl", $msgs[0]);
ok($copied, "copy (COPYUID: " . ($copied // "undef") . ")");
ok($imap->move("Perl", $msgs[1]), "move (COPY and \\Deleted)");
ok($imap->expunge, "expunge INBOX");
$imap->select("INBOX");
ok($imap->message_count == 1, "one left in INBOX after the move");
$imap->select("Perl");
ok($imap->message_count == 3, "three in Perl");
ok($imap->delete_message($imap->messages), "delete_message");
ok($imap->expunge, "expunge");
ok($imap->message_count == 0, "Perl is empty");
ok($imap->logout, "logout");
print "1..$n\n";
'''


def check_perl(t, port, inst):
    if PERL is None or subprocess.run([PERL, "-MMail::IMAPClient", "-e",
                                       "1"], capture_output=True) \
            .returncode != 0:
        t.skip("Mail::IMAPClient is not installed (build-aux/deps.sh)")
        return
    put_msg(inst, BOB, b"Subject: perl one\n\nfirst body\n", when=1000)
    put_msg(inst, BOB, b"Subject: perl two\n\nsecond\n", when=1001)
    r = subprocess.run([PERL, "-e", PERL_SCRIPT, str(port), BOB, BOB_PW],
                       capture_output=True, text=True, timeout=120)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith(("ok",
                                                                  "not ok"))]
    bad = [ln for ln in lines if ln.startswith("not ok")]
    t.ok(r.returncode == 0 and len(lines) >= 20 and not bad,
         "Mail::IMAPClient: %d checks, failed: %s %s" %
         (len(lines), bad, r.stderr.strip()[-300:]))


def mbsync(t, port, home):
    rc = os.path.join(home, "mbsyncrc")
    with open(rc, "w") as f:
        f.write("IMAPAccount test\nHost 127.0.0.1\nPort %d\nUser %s\n"
                "Pass \"%s\"\nSSLType None\nAuthMechs PLAIN\n\n"
                "IMAPStore remote\nAccount test\n\n"
                "MaildirStore local\nPath %s/mail/\nInbox %s/mail/INBOX\n"
                "SubFolders Verbatim\n\n"
                "Channel sync\nFar :remote:\nNear :local:\nPatterns *\n"
                "Create Both\nExpunge Both\nSyncState *\n"
                % (port, ALICE, ALICE_PW, home, home))
    r = subprocess.run([MBSYNC, "-c", rc, "-a"], capture_output=True,
                       text=True, timeout=180, env={"HOME": home,
                                                    "PATH": "/usr/bin:/bin"})
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    return r.returncode


def local_msgs(home, folder):
    out = []
    for sub in ("new", "cur"):
        out += glob.glob(os.path.join(home, "mail", folder, sub, "*"))
    return sorted(out)


def subjects(paths):
    out = []
    for p in paths:
        with open(p, "rb") as f:
            for ln in f.read().splitlines():
                if ln.startswith(b"Subject: "):
                    out.append(ln[9:].decode())
    return sorted(out)


def check_mbsync(t, port, inst):
    if MBSYNC is None:
        t.skip("mbsync (isync) is not installed (build-aux/deps.sh)")
        return
    home = tempfile.mkdtemp(prefix="mbsync.", dir=inst.dir)
    os.mkdir(os.path.join(home, "mail"))
    for i, s in enumerate(("sync one", "sync two", "sync three")):
        put_msg(inst, ALICE, b"Subject: %s\n\nbody %d\n" % (s.encode(), i),
                when=2000 + i)
    c = imap(port, ALICE, ALICE_PW)
    c.create("Work")
    c.append("Work", None, None, b"Subject: work item\r\n\r\nw\r\n")
    t.is_(mbsync(t, port, home), 0, "mbsync: first run exits 0")
    t.is_(subjects(local_msgs(home, "INBOX")),
          ["sync one", "sync three", "sync two"], "the server's INBOX "
          "arrived")
    t.is_(subjects(local_msgs(home, "Work")), ["work item"], "the Work "
          "folder arrived")
    t.ok(os.path.isdir(os.path.join(home, "mail", "Sent")), "the special "
         "folders too")
    # local changes
    msgs = {subjects([p])[0]: p for p in local_msgs(home, "INBOX")}
    one = msgs["sync one"]
    seen = os.path.join(os.path.dirname(os.path.dirname(one)), "cur",
                        os.path.basename(one).split(":")[0] + ":2,S")
    os.rename(one, seen)
    os.unlink(msgs["sync two"])
    newname = os.path.join(home, "mail", "INBOX", "new", "1234.local.1")
    with open(newname, "wb") as f:
        f.write(b"Subject: written locally\n\nlocal\n")
    os.makedirs(os.path.join(home, "mail", "Local", "cur"))
    os.makedirs(os.path.join(home, "mail", "Local", "new"))
    os.makedirs(os.path.join(home, "mail", "Local", "tmp"))
    with open(os.path.join(home, "mail", "Local", "new", "1.l.2"),
              "wb") as f:
        f.write(b"Subject: in a new folder\n\nx\n")
    t.is_(mbsync(t, port, home), 0, "mbsync: second run exits 0")
    c.select("INBOX")
    typ, data = c.search(None, "ALL")
    typ, data = c.fetch(b",".join(data[0].split()) or b"1",
                        "(FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])")
    srv = {}
    for x in data:
        if isinstance(x, tuple):
            srv[x[1].decode().strip()[9:]] = x[0].decode()
    t.is_(sorted(srv), ["sync one", "sync three", "written locally"],
          "the server's INBOX: the deletion and the new message went up")
    t.ok("\\Seen" in srv.get("sync one", ""), "the local \\Seen went up")
    typ, data = c.status("Local", "(MESSAGES)")
    t.ok(typ == "OK" and b"MESSAGES 1" in data[0], "the new local folder "
         "was created on the server with its message")
    # server-side changes come down
    c.append("INBOX", "(\\Flagged)", None, b"Subject: from the server\r\n"
             b"\r\ns\r\n")
    c.select("INBOX")
    typ, data = c.search(None, "SUBJECT", '"sync three"')
    c.store(data[0], "+FLAGS", "\\Answered")
    c.logout()
    t.is_(mbsync(t, port, home), 0, "mbsync: third run exits 0")
    got = {subjects([p])[0]: p for p in local_msgs(home, "INBOX")}
    t.ok("from the server" in got and
         got["from the server"].split(":2,")[-1].find("F") >= 0,
         "a server append arrived, \\Flagged: %s" % sorted(got))
    t.ok("R" in got.get("sync three", "").split(":2,")[-1],
         "a server flag change arrived (\\Answered as R)")


def fetchmail(t, port, home, keep):
    out = os.path.join(home, "out")
    os.makedirs(out, exist_ok=True)
    rc = os.path.join(home, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\n'
                'poll 127.0.0.1 service %d proto imap\n'
                '  user "%s" there with password "%s" is "x" here\n'
                '  %s fetchall\n'
                '  sslproto \'\'\n'
                '  mda "/bin/sh -c \'cat > %s/msg.$$\'"\n'
                % (port, CAROL, CAROL_PW, "keep" if keep else "nokeep", out))
    os.chmod(rc, 0o600)
    r = subprocess.run([FETCHMAIL, "-f", rc, "--nodetach"],
                       capture_output=True, text=True, timeout=120,
                       env={"HOME": home, "PATH": "/usr/bin:/bin",
                            "LC_ALL": "C"})
    got = []
    for p in sorted(glob.glob(os.path.join(out, "msg.*"))):
        with open(p, "rb") as f:
            got.append(f.read().replace(b"\r\n", b"\n"))
        os.unlink(p)
    if r.returncode != 0:
        t.diag(r.stdout + r.stderr)
    return r.returncode, got


def check_fetchmail(t, port, inst):
    if FETCHMAIL is None:
        t.skip("fetchmail is not installed (build-aux/deps.sh)")
        return
    home = tempfile.mkdtemp(prefix="fm.", dir=inst.dir)
    os.chmod(home, 0o700)
    msgs = [b"Subject: fm one\n\nhello\n", b"Subject: fm two\n\n" +
            b"line\n" * 3000]
    for i, m in enumerate(msgs):
        put_msg(inst, CAROL, m, when=3000 + i)
    rc, got = fetchmail(t, port, home, keep=True)
    t.is_(rc, 0, "fetchmail over IMAP, keep: exit 0")
    t.is_(sorted(g[g.find(b"Subject: "):] for g in got), sorted(msgs),
          "both messages arrived byte for byte")
    c = imap(port, CAROL, CAROL_PW)
    t.is_(c.select("INBOX")[1], [b"2"], "kept on the server")
    c.logout()
    rc, got = fetchmail(t, port, home, keep=False)
    t.is_((rc, len(got)), (0, 2), "fetchmail nokeep fetches them again")
    c = imap(port, CAROL, CAROL_PW)
    t.is_(c.select("INBOX")[1], [b"0"], "... and removes them")
    c.logout()


def main(t, mode):
    inst, ports = imap_instance(t, mode, users={ALICE: ALICE_PW, BOB:
                                                BOB_PW, CAROL: CAROL_PW})
    try:
        check_perl(t, ports["imap"], inst)
        check_mbsync(t, ports["imap"], inst)
        check_fetchmail(t, ports["imap"], inst)
    finally:
        inst.teardown()


run(main)

#!/usr/bin/env python3
# IMAP as a client sees it (RFC 9051, RFC 3501 and the extensions imapd
# announces), through imaplib and a raw client: the greeting and
# CAPABILITY before and after login; LOGIN (quoted, literals, LITERAL+),
# AUTHENTICATE PLAIN (SASL-IR and not); NOOP, ID, ENABLE, NAMESPACE;
# LIST (patterns, LIST-EXTENDED selection and RETURN options,
# LIST-STATUS, SPECIAL-USE with the folders a new user gets), LSUB,
# SUBSCRIBE, UNSUBSCRIBE; CREATE, DELETE, RENAME (INBOX too); STATUS;
# SELECT and EXAMINE; FETCH of every data item, \Seen by a body fetch
# and not by PEEK; STORE; SEARCH with every kind of key, ESEARCH and
# SEARCHRES; COPY and MOVE with COPYUID; APPEND with APPENDUID,
# TRYCREATE and MULTIAPPEND; EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT;
# IDLE; LOGOUT; bad commands; the log lines.
import base64
import imaplib
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import run  # noqa: E402
from imap_t import (ImapRaw, built, crlf_size, imap,  # noqa: E402
                    imap_instance, log_lines, put_msg, wire)

if not built():
    print("1..0 # SKIP imapd, imap-login or auth is not built")
    sys.exit(0)

ALICE, ALICE_PW = "alice@example.test", "Al1ce-imap \"secret\""
BOB, BOB_PW = "bob@example.test", "B0b-imap-secret"
M1 = (b"From: Bob <bob@example.net>\nTo: alice@example.test\n"
      b"Subject: lunch\nDate: Tue, 3 Jun 2008 11:05:30 +0200\n"
      b"Message-ID: <m1@example.net>\n\nLet us meet at noon.\n")
M2 = (b"From: carol@example.org\nSubject: =?utf-8?q?Caf=C3=A9?= report\n"
      b"Date: Wed, 4 Jun 2008 09:00:00 +0000\nMIME-Version: 1.0\n"
      b"Content-Type: multipart/mixed; boundary=XX\n\n"
      b"--XX\nContent-Type: text/plain; charset=utf-8\n"
      b"Content-Transfer-Encoding: quoted-printable\n\n"
      b"Caf=C3=A9 numbers inside.\n"
      b"--XX\nContent-Type: application/octet-stream; name=x.bin\n"
      b"Content-Transfer-Encoding: base64\n\nAAECAwQF\n--XX--\n")
M3 = b"From: dave@example.com\nSubject: third\n\nplain\n"


def is_bad(fn):
    """Does the command end in BAD (imaplib raises for it)?"""
    try:
        fn()
    except imaplib.IMAP4.error as e:
        return " BAD " in str(e) or "BAD" in str(e)
    return False


def untagged(c, name):
    return c.untagged_responses.pop(name, [])


def check_prelogin(t, port):
    r = ImapRaw(port)
    g = r.line()
    t.like(g.decode(), r"^\* OK \[CAPABILITY IMAP4rev1 IMAP4rev2 .*"
           r"STARTTLS AUTH=PLAIN AUTH=LOGIN\] Postern ready\.$",
           "greeting with the capabilities (loopback: logins allowed)")
    out = r.cmd("CAPABILITY", "c1")
    t.ok(out[0].startswith(b"* CAPABILITY IMAP4rev1 IMAP4rev2") and
         out[-1] == b"c1 OK Capability completed.", "CAPABILITY")
    t.is_(r.cmd("NOOP", "c2"), [b"c2 OK NOOP completed."], "NOOP")
    t.is_(r.cmd('ID ("name" "test")', "c3")[0], b'* ID ("name" "Postern")',
          "ID before login")
    t.like(r.cmd("SELECT INBOX", "c4")[-1].decode(), r"^c4 BAD ",
           "SELECT before login: BAD")
    t.is_(r.cmd('LOGIN "%s" "wrong"' % ALICE, "c5"),
          [b"c5 NO [AUTHENTICATIONFAILED] Authentication failed."],
          "a wrong password: NO [AUTHENTICATIONFAILED]")
    t.is_(r.cmd('LOGIN nobody@example.test x', "c6"),
          [b"c6 NO [AUTHENTICATIONFAILED] Authentication failed."],
          "an unknown user: the same")
    # a password with a quote goes as a literal; LITERAL+ for the user
    pw = ALICE_PW.encode()
    r.send(b"c7 LOGIN {%d+}\r\n%s {%d}\r\n" % (len(ALICE), ALICE.encode(),
                                                len(pw)))
    t.is_(r.line(), b"+ OK", "a synchronizing literal gets its "
          "continuation")
    r.send(pw + b"\r\nc8 NOOP\r\n")
    out = r.response("c7")
    t.like(out[-1].decode(), r"^c7 OK \[CAPABILITY IMAP4rev1 .*UIDPLUS.*\] "
           r"Logged in$", "LOGIN with literals: OK [CAPABILITY ...]")
    t.is_(r.response("c8"), [b"c8 OK NOOP completed."],
          "a command pipelined after LOGIN is served by the session")
    r.cmd("LOGOUT", "c9")
    r.close()
    # AUTHENTICATE PLAIN, with and without an initial response
    r = ImapRaw(port)
    r.line()
    ir = base64.b64encode(("\0%s\0%s" % (BOB, BOB_PW)).encode()).decode()
    out = r.cmd("AUTHENTICATE PLAIN " + ir, "a1")
    t.like(out[-1].decode(), r"^a1 OK \[CAPABILITY ", "AUTHENTICATE PLAIN "
           "with SASL-IR")
    r.close()
    c = imaplib.IMAP4("127.0.0.1", port)
    typ, data = c.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (
        BOB, BOB_PW)).encode())
    t.is_(typ, "OK", "AUTHENTICATE PLAIN after a continuation (imaplib)")
    c.logout()
    r = ImapRaw(port)
    r.line()
    r.send(b"a2 AUTHENTICATE PLAIN\r\n")
    t.is_(r.line(), b"+ ", "an empty challenge")
    r.send(b"*\r\n")
    t.is_(r.line(), b"a2 BAD Authentication aborted by client.",
          "a cancelled AUTHENTICATE")
    t.like(r.cmd("AUTHENTICATE CRAM-MD5", "a3")[-1].decode(), r"^a3 NO ",
           "an unknown mechanism: NO")
    r.close()


def check_session_basics(t, c):
    typ, data = c.capability()
    caps = data[0].decode().split()
    t.ok(all(x in caps for x in ("IMAP4rev1", "IMAP4rev2", "IDLE", "MOVE",
                                 "UIDPLUS", "ESEARCH", "SPECIAL-USE",
                                 "LIST-STATUS", "BINARY", "NAMESPACE")) and
         "STARTTLS" not in caps and "AUTH=PLAIN" not in caps,
         "CAPABILITY after login: %s" % " ".join(caps))
    t.is_(c.noop()[0], "OK", "NOOP")
    typ, data = c.namespace()
    t.is_(data, [b'(("" ".")) NIL NIL'], "NAMESPACE: personal, delimiter .")
    typ, data = c.xatom("ID", "NIL")
    t.is_(untagged(c, "ID"), [b'("name" "Postern")'], "ID after login")


def check_folders(t, c):
    typ, data = c.list()
    names = {re.search(rb'"\." (.*)$', d).group(1).decode(): d
             for d in data}
    want = {"INBOX": None, "Drafts": rb"\\Drafts", "Sent": rb"\\Sent",
            "Trash": rb"\\Trash", "Junk": rb"\\Junk",
            "Archive": rb"\\Archive"}
    t.is_(sorted(names), sorted(want), "LIST: INBOX and the folders a new "
          "user gets")
    t.ok(all(re.search(v, names[k]) for k, v in want.items() if v),
         "each with its special-use attribute")
    typ, data = c.lsub()
    t.is_(len(data), 6, "all six are subscribed")
    for name in ("Work", "Work.Projects", "Entw&APw-rfe"):
        t.is_(c.create(name)[0], "OK", "CREATE " + name)
    typ, data = c.create("Work")
    t.ok(typ == "NO" and b"[ALREADYEXISTS]" in data[0],
         "CREATE of an existing folder: NO [ALREADYEXISTS]")
    typ, data = c.create("inbox")
    t.ok(typ == "NO" and b"[ALREADYEXISTS]" in data[0],
         "CREATE inbox: NO [ALREADYEXISTS]")
    t.is_(c.create("Bad..Name")[0], "NO", "CREATE of an invalid name: NO")
    typ, data = c.list('""', "Work*")
    t.is_(data, [b'(\\HasChildren) "." Work',
                 b'(\\HasNoChildren) "." Work.Projects'],
          "LIST Work*: children")
    typ, data = c.list('""', "%")
    t.ok(all(b"Projects" not in d for d in data) and len(data) == 8,
         "LIST %: one level")
    typ, data = c.list("Work.", "%")
    t.is_(data, [b'(\\HasNoChildren) "." Work.Projects'],
          "a reference name")
    typ, data = c.list('""', "Entw*")
    t.is_(data, [b'(\\HasNoChildren) "." Entw&APw-rfe'],
          "modified UTF-7 names as they were created")
    typ, data = c.list('(SPECIAL-USE)', '"" "*"')
    t.is_(len(data), 5, "LIST (SPECIAL-USE): the five special folders")
    typ, data = c.list('""', '"INBOX" RETURN (STATUS (MESSAGES UNSEEN))')
    st = untagged(c, "STATUS")
    t.ok(len(data) == 1 and st and st[0].startswith(b"INBOX (MESSAGES 3 "
         b"UNSEEN 3)"), "LIST-STATUS: %s" % st)
    t.is_(c.subscribe("Work")[0], "OK", "SUBSCRIBE")
    typ, data = c.list('(SUBSCRIBED)', '"" "W*"')
    t.is_(data, [b'(\\HasChildren \\Subscribed) "." Work'],
          "LIST (SUBSCRIBED)")
    typ, data = c.list('(SUBSCRIBED RECURSIVEMATCH)', '"" "%"')
    t.ok(any(b"Work" in d for d in data), "RECURSIVEMATCH")
    t.is_(c.unsubscribe("Work")[0], "OK", "UNSUBSCRIBE")
    typ, data = c.lsub('""', "W*")
    t.is_(data, [None], "LSUB after UNSUBSCRIBE")
    t.is_(c.rename("Work", "Job")[0], "OK", "RENAME Work Job")
    typ, data = c.list('""', "Job*")
    t.is_([d.split(b'"." ')[1] for d in data], [b"Job", b"Job.Projects"],
          "RENAME moves the children too")
    typ, data = c.rename("Job", "Trash")
    t.ok(typ == "NO" and b"ALREADYEXISTS" in data[0],
         "RENAME onto an existing name: NO [ALREADYEXISTS]")
    typ, data = c.rename("Nope", "Other")
    t.ok(typ == "NO" and b"NONEXISTENT" in data[0],
         "RENAME of a missing folder: NO [NONEXISTENT]")
    t.is_(c.delete("Job.Projects")[0], "OK", "DELETE")
    typ, data = c.delete("Job.Projects")
    t.ok(typ == "NO" and b"NONEXISTENT" in data[0],
         "DELETE of a missing folder: NO [NONEXISTENT]")
    typ, data = c.delete("INBOX")
    t.is_(typ, "NO", "DELETE INBOX: NO")
    typ, data = c.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN "
                         "DELETED SIZE RECENT)")
    m = re.search(rb"MESSAGES (\d+) UIDNEXT (\d+) UIDVALIDITY (\d+) "
                  rb"UNSEEN (\d+) DELETED (\d+) SIZE (\d+) RECENT (\d+)",
                  data[0])
    t.ok(m and m.group(1) == b"3" and m.group(4) == b"3" and
         int(m.group(6)) == sum(crlf_size(x) for x in (M1, M2, M3)),
         "STATUS: %s" % data)
    typ, data = c.status("Nope", "(MESSAGES)")
    t.ok(typ == "NO" and b"NONEXISTENT" in data[0], "STATUS of a missing "
         "folder: NO [NONEXISTENT]")


def fetch1(c, seq, items):
    typ, data = c.fetch(seq, items)
    return typ, data


def check_select_fetch(t, c):
    typ, data = c.select("INBOX", readonly=True)
    t.is_((typ, data), ("OK", [b"3"]), "EXAMINE: 3 messages")
    t.ok(untagged(c, "READ-ONLY") is not None, "EXAMINE: READ-ONLY")
    typ, data = c.store("1", "+FLAGS", "\\Flagged")
    t.is_(typ, "NO", "STORE in a read-only mailbox: NO")
    typ, data = c.select("INBOX")
    t.is_((typ, data), ("OK", [b"3"]), "SELECT: 3 messages")
    t.ok(untagged(c, "UIDVALIDITY") and untagged(c, "UIDNEXT") ==
         [b"4"], "UIDVALIDITY and UIDNEXT")
    t.is_(untagged(c, "RECENT"), [b"3"], "\\Recent for the first session "
          "(rev1)")
    t.is_(os.listdir(os.path.join(MD[0], "new")), [],
          "new/ was claimed by the first read-write SELECT (\\Recent)")
    typ, data = c.fetch("1:3", "(UID FLAGS RFC822.SIZE)")
    t.is_(len(data), 3, "FETCH 1:3")
    t.ok(all(re.search(rb"RFC822.SIZE %d" % crlf_size(m), d) for m, d in
             zip((M1, M2, M3), data)), "RFC822.SIZE: the CR LF octets")
    typ, data = c.fetch("1", "(ENVELOPE)")
    t.is_(data[0], b'1 (ENVELOPE ("Tue, 3 Jun 2008 11:05:30 +0200" "lunch" '
          b'(("Bob" NIL "bob" "example.net")) (("Bob" NIL "bob" '
          b'"example.net")) (("Bob" NIL "bob" "example.net")) ((NIL NIL '
          b'"alice" "example.test")) NIL NIL NIL "<m1@example.net>"))',
          "ENVELOPE")
    typ, data = c.fetch("2", "(BODYSTRUCTURE)")
    t.like(data[0].decode(), r'BODYSTRUCTURE \(\("text" "plain" \("charset" '
           r'"utf-8"\) NIL NIL "quoted-printable" 25 1 NIL NIL NIL NIL\)'
           r'\("application" "octet-stream" \("name" "x.bin"\) NIL NIL '
           r'"base64" 8 NIL NIL NIL NIL\) "mixed" \("boundary" "XX"\) NIL '
           r'NIL NIL\)', "BODYSTRUCTURE with extension data")
    typ, data = c.fetch("2", "(BODY)")
    t.like(data[0].decode(), r'BODY \(\("text" "plain" \("charset" '
           r'"utf-8"\) NIL NIL "quoted-printable" 25 1\)', "BODY")
    typ, data = c.fetch("1", "(INTERNALDATE)")
    t.like(data[0].decode(), r'INTERNALDATE "[ \d]\d-[A-Z][a-z]{2}-\d{4} '
           r'\d\d:\d\d:\d\d [+-]\d{4}"', "INTERNALDATE")
    typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    t.is_(data[0][1], b"Subject: lunch\r\n\r\n", "BODY.PEEK[HEADER.FIELDS]")
    typ, data = c.fetch("1", "(FLAGS)")
    t.ok(b"\\Seen" not in data[0], "PEEK does not set \\Seen")
    typ, data = c.fetch("1", "(BODY[])")
    t.is_(data[0][1], wire(M1), "BODY[]: the message with CR LF")
    t.ok(b"\\Seen" in data[0][0], "BODY[] sets \\Seen and says so")
    typ, data = c.fetch("2", "(BODY.PEEK[1] BODY.PEEK[1.MIME] "
                        "BODY.PEEK[TEXT]<0.4>)")
    t.is_([d[1] for d in data[0:3]],
          [b"Caf=C3=A9 numbers inside.",
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
           b"--XX"], "sections, MIME header and a partial")
    t.ok(b"BODY[TEXT]<0>" in data[2][0], "the partial's origin is named")
    typ, data = c.fetch("2", "(BINARY.PEEK[2] BINARY.SIZE[2] "
                        "BINARY.PEEK[1])")
    t.is_(data[0][1], b"\x00\x01\x02\x03\x04\x05", "BINARY: base64 undone")
    t.like(data[1][0].decode(), r"BINARY.SIZE\[2\] 6", "BINARY.SIZE")
    t.is_(data[1][1], "Café numbers inside.".encode(),
          "BINARY: quoted-printable undone")
    typ, data = c.fetch("3", "(RFC822.HEADER RFC822.TEXT)")
    t.is_((data[0][1], data[1][1]), (b"From: dave@example.com\r\n"
                                     b"Subject: third\r\n\r\n", b"plain\r\n"),
          "RFC822.HEADER and RFC822.TEXT")
    typ, data = c.uid("FETCH", "1:*", "(FLAGS)")
    t.ok(len(data) == 3 and all(re.match(rb"\d+ \(UID \d+ FLAGS", d)
                                for d in data), "UID FETCH carries UID")
    t.ok(is_bad(lambda: c.fetch("4", "(FLAGS)")),
         "FETCH of a sequence number past the end: BAD")
    t.ok(is_bad(lambda: c.fetch("1", "(NOSUCHITEM)")),
         "an unknown item: BAD")


def check_store_search(t, c):
    typ, data = c.store("1:2", "+FLAGS", "(\\Flagged $Important)")
    t.ok(typ == "OK" and all(b"\\Flagged" in d and b"$Important" in d
                             for d in data), "STORE +FLAGS with a keyword")
    typ, data = c.store("2", "-FLAGS", "($Important)")
    t.ok(b"$Important" not in data[0], "STORE -FLAGS")
    typ, data = c.store("3", "FLAGS.SILENT", "(\\Draft)")
    t.is_((typ, data), ("OK", [None]), "FLAGS.SILENT: no FETCH")
    typ, data = c.uid("STORE", "1:*", "+FLAGS", "(\\Answered)")
    t.ok(all(b"UID " in d for d in data), "UID STORE answers with UIDs")
    t.ok(is_bad(lambda: c.store("1", "+FLAGS", "(\\Recent)")),
         "\\Recent cannot be stored")
    searches = [("ALL", b"1 2 3"), ("FLAGGED", b"1 2"), ("UNSEEN", b"2 3"),
                ("KEYWORD $Important", b"1"), ("FROM bob", b"1"),
                ("SUBJECT café", None), ("DRAFT", b"3"),
                ('SUBJECT "report"', b"2"), ("BODY numbers", b"2"),
                ("TEXT carol", b"2"), ("NOT FROM bob", b"2 3"),
                ("OR FROM bob FROM dave", b"1 3"),
                ('HEADER Message-ID "m1@"', b"1"), ("LARGER 300", b"2"),
                # 3 has no Date: its internal date (today) stands in
                ("SENTSINCE 4-Jun-2008", b"2 3"), ("SENTON 3-Jun-2008", b"1"),
                ("2:*", b"2 3"), ("UID 1:2", b"1 2"), ("NEW", b"2 3"),
                ("BODY nothingmatches", b"")]
    for crit, want in searches:
        if want is None:
            continue
        typ, data = c.search(None, crit)
        t.is_((typ, data[0]), ("OK", want), "SEARCH " + crit)
    c.literal = "café".encode()
    typ, data = c.search("UTF-8", "SUBJECT")
    t.is_(data[0], b"2", "SEARCH CHARSET UTF-8 SUBJECT {literal}: the "
          "encoded word decoded")
    typ, data = c.search("KOI8-R", "ALL")
    t.ok(typ == "NO" and b"BADCHARSET" in data[0], "an unknown charset: "
         "NO [BADCHARSET]")
    typ, data = c.xatom("SEARCH", "RETURN (MIN MAX COUNT ALL) FLAGGED")
    es = untagged(c, "ESEARCH")
    t.like(es[0].decode(), r'^\(TAG "\w+"\) MIN 1 MAX 2 COUNT 2 ALL 1:2$',
           "ESEARCH RETURN options")
    typ, data = c.xatom("SEARCH", "RETURN (SAVE) UNSEEN")
    t.is_(untagged(c, "ESEARCH"), [], "RETURN (SAVE) alone answers nothing")
    typ, data = c.fetch("$", "(UID)")
    t.is_(len(data), 2, "FETCH $: the saved result")
    t.ok(is_bad(lambda: c.search(None, "NOSUCHKEY")),
         "an unknown search key: BAD")


def check_copy_move_append(t, c):
    c.create("Work")
    typ, data = c.copy("1:2", "Work")
    t.like(data[0].decode(), r"^\[COPYUID \d+ 1:2 1:2\] Copy completed\.$",
           "COPY: COPYUID")
    typ, data = c.copy("1", "Nope")
    t.ok(typ == "NO" and b"TRYCREATE" in data[0], "COPY to a missing "
         "folder: NO [TRYCREATE]")
    typ, data = c.status("Work", "(MESSAGES)")
    t.like(data[0].decode(), r"MESSAGES 2", "the copies are there")
    typ, data = c.uid("MOVE", "3", "Work")
    exp = untagged(c, "EXPUNGE")
    t.is_(exp, [b"3"], "UID MOVE: EXPUNGE of the moved message")
    t.like(" ".join(x.decode() for x in untagged(c, "OK")),
           r"\[COPYUID \d+ 3 3\]", "MOVE: COPYUID before the EXPUNGE")
    typ, data = c.status("Work", "(MESSAGES)")
    t.like(data[0].decode(), r"MESSAGES 3", "moved")
    msg = b"From: me@example.test\r\nSubject: appended\r\n\r\nhi\r\n"
    typ, data = c.append("Work", "(\\Seen $Label)",
                         '"07-Feb-2019 12:00:00 +0100"', msg)
    t.like(data[0].decode(), r"^\[APPENDUID \d+ 4\] Append completed\.$",
           "APPEND: APPENDUID")
    c.select("Work")
    typ, data = c.fetch("4", "(FLAGS INTERNALDATE BODY[])")
    t.ok(b"\\Seen" in data[0][0] and b"$Label" in data[0][0] and
         b'" 7-Feb-2019' in data[0][0] or b"07-Feb-2019" in data[0][0],
         "the flags and the date given: %s" % data[0][0])
    t.is_(data[0][1], msg, "the message as given")
    typ, data = c.append("Nope", None, None, msg)
    t.ok(typ == "NO" and b"TRYCREATE" in data[0], "APPEND to a missing "
         "folder: NO [TRYCREATE]")
    c.select("INBOX")


def check_multiappend(t, port):
    r = ImapRaw(port)
    r.login(ALICE, ALICE_PW.replace('"', '\\"'))
    r.send(b"m1 APPEND Work (\\Flagged) {10+}\r\nSubject: a (\\Seen) "
           b"{10+}\r\nSubject: b\r\n")
    out = r.response("m1")
    t.like(out[-1].decode(), r"^m1 OK \[APPENDUID \d+ 5:6\] Append "
           r"completed\.$", "MULTIAPPEND: two messages, one APPENDUID")
    out = r.cmd("APPEND Work {0}")
    t.like(out[-1].decode(), r" NO ", "a zero byte message: NO")
    r.cmd("LOGOUT")
    r.close()


def check_expunge_idle(t, c, port):
    c.select("Work")
    c.store("1:2", "+FLAGS", "\\Deleted")
    typ, data = c.uid("EXPUNGE", "2")
    t.is_(untagged(c, "EXPUNGE"), [b"2"], "UID EXPUNGE: only the UID given")
    typ, data = c.expunge()
    t.is_(data, [b"1"], "EXPUNGE: the rest of the \\Deleted")
    typ, data = c.select("Work")
    t.is_(data, [b"4"], "4 left")
    c.store("1", "+FLAGS", "\\Deleted")
    c.unselect()
    typ, data = c.select("Work")
    t.is_(data, [b"4"], "UNSELECT does not expunge")
    typ, data = c.close()
    t.is_(typ, "OK", "CLOSE")
    typ, data = c.select("Work")
    t.is_(data, [b"3"], "CLOSE expunged the \\Deleted silently")
    c.close()
    r = ImapRaw(port)
    r.login(ALICE, ALICE_PW.replace('"', '\\"'))
    r.cmd("SELECT INBOX")
    r.send(b"i1 IDLE\r\n")
    t.is_(r.line(), b"+ idling", "IDLE: the continuation")
    r.send(b"DONE\r\n")
    t.is_(r.line(), b"i1 OK Idle completed.", "DONE ends it")
    out = r.cmd("ENABLE IMAP4rev2")
    t.like(out[-1].decode(), r" BAD ", "ENABLE after SELECT: BAD")
    r.cmd("LOGOUT")
    r.close()
    r = ImapRaw(port)
    r.login(ALICE, ALICE_PW.replace('"', '\\"'))
    out = r.cmd("ENABLE IMAP4rev2")
    t.is_(out[0], b"* ENABLED IMAP4rev2", "ENABLE IMAP4rev2")
    out = r.cmd("SELECT INBOX")
    t.ok(any(x == b'* LIST () "." INBOX' for x in out) and
         not any(b"RECENT" in x for x in out), "IMAP4rev2 SELECT: LIST, "
         "no RECENT")
    out = r.cmd("SEARCH FLAGGED")
    t.like(out[0].decode(), r'^\* ESEARCH \(TAG "r\d+"\) ALL 1:2$',
           "IMAP4rev2: SEARCH answers ESEARCH")
    out = r.cmd('CREATE "Entwürfe2"')
    t.like(out[-1].decode(), r" OK ", "IMAP4rev2: UTF-8 names")
    out = r.cmd('LIST "" "Entw*"')
    t.ok(b'"." {10}\r\nEntw\xc3\xbcrfe2' in b"".join(out),
         "... listed as UTF-8 (a literal: 8-bit): %s" % out)
    t.ok(os.path.isdir(os.path.join(MD[0], ".Entw&APw-rfe2")),
         "... stored in modified UTF-7")
    r.cmd("LOGOUT")
    r.close()


def check_bad(t, port):
    r = ImapRaw(port)
    r.login(BOB, BOB_PW)
    t.like(r.cmd("FROBNICATE")[-1].decode(), r" BAD .*Unknown command",
           "an unknown command: BAD")
    t.like(r.cmd("FETCH 1 FLAGS")[-1].decode(), r" BAD No mailbox "
           r"selected", "FETCH without a mailbox: BAD")
    t.like(r.cmd("LOGIN a b")[-1].decode(), r" BAD .*Already logged in",
           "LOGIN after login: BAD")
    try:
        for i in range(25):
            r.send(b"x%d NOSUCH\r\n" % i)
    except OSError:
        pass        # it may hang up before the last ones are sent
    t.ok(r.closed(), "too many bad commands in a row: BYE and hang up")
    r.close()


MD = [None]


def main(t, mode):
    inst, ports = imap_instance(t, mode, users={ALICE: ALICE_PW, BOB:
                                                BOB_PW})
    from imap_t import maildir
    MD[0] = maildir(inst, ALICE)
    for m in (M1, M2, M3):
        put_msg(inst, ALICE, m)
    port = ports["imap"]
    try:
        check_prelogin(t, port)
        c = imap(port, ALICE, ALICE_PW)
        check_session_basics(t, c)
        check_folders(t, c)
        check_select_fetch(t, c)
        check_store_search(t, c)
        check_copy_move_append(t, c)
        check_multiappend(t, port)
        check_expunge_idle(t, c, port)
        typ, data = c.logout()
        t.is_(typ, "BYE", "LOGOUT")
        check_bad(t, port)
        logins = [ln for ln in log_lines(inst, "imapd") if "Login: " in ln]
        t.like(logins[0] if logins else "", r"Login: user=<alice@example"
               r"\.test>, method=PLAIN, rip=127\.0\.0\.1, lip=127\.0\.0\.1,"
               r" no TLS, ", "the session's login line")
        outs = [ln for ln in log_lines(inst, "imapd") if "Disconnected: "
                "Logged out" in ln]
        t.ok(outs and re.search(r"in=\d+, out=\d+, deleted=\d+, expunged="
                                r"\d+, trashed=\d+, hdr_count=\d+, hdr_"
                                r"bytes=\d+, body_count=\d+, body_bytes="
                                r"\d+", outs[0]),
             "the logout line with counts: %s" % (outs[0] if outs else ""))
    finally:
        inst.teardown()


run(main)

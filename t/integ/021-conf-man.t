#!/usr/bin/env python3
# postern.conf(5) documents every parameter: each name that
# `postern conf -d` knows has an entry with its type, its default and a
# description, and the page has no entry for a name the table lacks.
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, "man", "postern.conf.5")
POSTERN = os.path.join(ROOT, "ctl", "postern")

n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name))
    if not cond and diag:
        print("# " + diag)
    return cond


p = subprocess.run([POSTERN, "-c", "/nonexistent", "conf", "-d"],
                   capture_output=True, text=True)
ok(p.returncode == 0, "postern conf -d runs", p.stderr)
defaults = {}
for line in p.stdout.splitlines():
    name, _, value = line.partition(" =")
    defaults[name] = value.strip()
ok(len(defaults) >= 60, "postern conf -d lists the parameters (%d)" % len(defaults))

if not ok(os.path.exists(PAGE), "man/postern.conf.5 was generated"):
    print("1..%d" % n)
    sys.exit(1)
with open(PAGE) as f:
    page = f.read().splitlines()

# An entry is ".TP" then "\fBname\fR (type; default: ...)" then text.
entries = {}
for i, line in enumerate(page[:-2]):
    m = re.match(r"\\fB([A-Za-z0-9_]+)\\fR \((.*)\)$", page[i + 1])
    if line == ".TP" and m:
        entries[m.group(1)] = (m.group(2), page[i + 2])

missing = sorted(set(defaults) - set(entries))
ok(not missing, "every parameter has an entry in postern.conf(5)",
   "missing: " + ", ".join(missing))
extra = sorted(set(entries) - set(defaults))
ok(not extra, "no entry for a name the table lacks", "extra: " + ", ".join(extra))

types = ("string", "list", "map list", "integer", "boolean", "time", "size")
bad = [nm for nm, (head, _) in entries.items()
       if head.split(";")[0] not in types or "; default: " not in head]
ok(not bad, "every entry gives the type and the default", ", ".join(bad))
nodesc = [nm for nm, (_, desc) in entries.items() if len(desc) < 12]
ok(not nodesc, "every entry has a description", ", ".join(nodesc))


def unescape(s):
    return s.replace("\\-", "-").replace("\\e", "\\").replace("\\fB", "").replace("\\fR", "")


wrong = []
for nm, (head, _) in entries.items():
    shown = unescape(head.split("; default: ", 1)[1]) if "; default: " in head else ""
    want = defaults.get(nm)
    if want is None or shown == "computed":
        continue
    if shown != (want if want != "" else "empty"):
        wrong.append("%s: page %r, postern conf -d %r" % (nm, shown, want))
ok(not wrong, "the defaults on the page are those of postern conf -d", "; ".join(wrong))

body = "\n".join(page)
for section in ("SYNTAX", "EXPANSION", "TYPES AND UNITS", "OVERRIDES", "ERRORS"):
    ok(re.search(r"^\.SH %s$" % section, body, re.M) is not None,
       "the page has a %s section" % section)
ok("@PARAMETERS@" not in body, "the marker was replaced")

print("1..%d" % n)
sys.exit(1 if failed else 0)

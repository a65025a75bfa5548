#!/usr/bin/env python3
"""Integration test for `postern map`: the real ctl/postern binary.

postern map hash:FILE builds FILE.db that Berkeley DB's own db_dump
reads; -q finds keys regardless of case; exit codes are 0 found,
1 not found, 2 error; errors name file:line.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
POSTERN = os.path.join(ROOT, "ctl", "postern")

n = 0
failed = 0


def ok(cond, name, why=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name))
    if not cond and why:
        for line in str(why).splitlines():
            print("# " + line)
    sys.stdout.flush()
    return cond


def is_eq(got, want, name):
    return ok(got == want, name, "got %r, want %r" % (got, want))


def skip(count, why):
    global n
    for _ in range(count):
        n += 1
        print("ok %d # skip %s" % (n, why))


def run(*args):
    p = subprocess.run([POSTERN, "map"] + list(args), capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    return p.returncode, p.stdout, p.stderr


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def db_dump_keys(dump, path):
    """The keys of a hash .db, read by Berkeley DB's db_dump -p."""
    p = subprocess.run([dump, "-p", path], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        return p.returncode, None, p.stderr
    lines = p.stdout.splitlines()
    body = lines[lines.index("HEADER=END") + 1:lines.index("DATA=END")]
    # printable format: one line per key or value, each after a space;
    # keys and values end in a NUL as Postfix writes them
    keys = [line[1:].replace("\\00", "") for line in body[0::2]]
    return 0, sorted(keys), p.stdout


ALIASES = """\
# test aliases
Postmaster   root
Alice        Alice.Smith@Example.ORG
BOB          bob@example.org,
             bob2@example.org
abuse        root
"""


def main():
    if not os.access(POSTERN, os.X_OK):
        print("Bail out! %s is not built (make tests)" % POSTERN)
        return 1
    tmp = tempfile.mkdtemp(prefix="postern-map-")
    try:
        return tests(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tests(d):
    aliases = os.path.join(d, "aliases")
    table = "hash:" + aliases
    write(aliases, ALIASES, 0o640)

    rc, out, err = run(table)
    is_eq(rc, 0, "postern map hash:aliases exits 0")
    is_eq(err, "", "... silently")
    ok(os.path.exists(aliases + ".db"), "aliases.db exists")
    is_eq(os.stat(aliases + ".db").st_mode & 0o7777, 0o640,
          "aliases.db has the source's permissions")
    is_eq([f for f in os.listdir(d) if ".db." in f], [],
          "no temporary file left behind")

    dump = shutil.which("db_dump") or shutil.which("db5.3_dump")
    if dump is None:
        skip(2, "db_dump (db-util) not installed")
    else:
        rc, keys, out = db_dump_keys(dump, aliases + ".db")
        is_eq(rc, 0, "db_dump reads aliases.db")
        is_eq(keys, ["abuse", "alice", "bob", "postmaster"],
              "db_dump lists our keys, in lower case")

    for key in ("postmaster", "POSTMASTER", "PostMaster"):
        rc, out, err = run("-q", key, table)
        is_eq((rc, out), (0, "root\n"), "-q %s: found, exit 0" % key)
    rc, out, err = run("-q", "bob", table)
    is_eq(out, "bob@example.org, bob2@example.org\n",
          "-q bob: the continued value")
    rc, out, err = run("-q", "alice", table)
    is_eq(out, "Alice.Smith@Example.ORG\n", "values keep their case")

    rc, out, err = run("-q", "nobody", table)
    is_eq((rc, out, err), (1, "", ""), "-q nobody: not found, exit 1")

    rc, out, err = run("-q", "postmaster", "texthash:" + aliases)
    is_eq((rc, out), (0, "root\n"), "-q on texthash:")
    rc, out, err = run("-q", "B", "inline:{a=1, { b = two words }}")
    is_eq((rc, out), (0, "two words\n"), "-q on inline:")
    rc, out, err = run("-q", "Abuse", "inline:{x=1}", table)
    is_eq((rc, out), (0, "root\n"), "-q searches tables in order")
    rc, out, err = run("-q", "x", "inline:{x=first}", table)
    is_eq(out, "first\n", "... and the first one found wins")

    missing = os.path.join(d, "missing")
    rc, out, err = run("-q", "postmaster", "hash:" + missing)
    is_eq(rc, 2, "a missing table: exit 2, not 1")
    ok("missing.db" in err, "... the error names the file", err)

    never = os.path.join(d, "never")
    write(never, "k v\n")
    rc, out, err = run("-q", "k", "hash:" + never)
    is_eq(rc, 2, "a table never compiled: exit 2")
    ok("never compiled" in err and "postern map hash:" in err,
       "... says so and how to fix it", err)

    bad = os.path.join(d, "bad")
    write(bad, "# comment\na 1\n\nlonely\nb 2\n")
    rc, out, err = run("hash:" + bad)
    is_eq(rc, 2, "a syntax error: exit 2")
    ok(bad + ":4:" in err, "... the message names file:line", err)
    ok(not os.path.exists(bad + ".db"), "... and no .db is written")

    dup = os.path.join(d, "dup")
    write(dup, "a 1\nA 2\n")
    rc, out, err = run("hash:" + dup)
    is_eq(rc, 0, "duplicate keys: still compiled")
    ok(dup + ":2: duplicate key" in err, "... with a warning at file:line",
       err)
    rc, out, err = run("-q", "a", "hash:" + dup)
    is_eq(out, "1\n", "... and the first entry wins")

    rc, out, err = run("btree:" + aliases)
    is_eq(rc, 2, "an unknown type: exit 2")
    ok("unsupported type" in err, "... with a clear message", err)
    rc, out, err = run("-q", "x", "btree:" + aliases)
    is_eq(rc, 2, "-q on an unknown type: exit 2")
    rc, out, err = run("-q", "x", "inline:{x=1")
    is_eq(rc, 2, "-q on a malformed inline: table: exit 2")

    # edited after compiling: the .db is older than its source
    st = os.stat(aliases)
    os.utime(aliases + ".db", ns=(st.st_atime_ns,
                                 st.st_mtime_ns - 10 * 10**9))
    rc, out, err = run("-q", "postmaster", table)
    is_eq(rc, 2, "a .db older than its source: exit 2")
    ok("older than its source" in err, "... and says so", err)
    write(aliases, ALIASES + "new  newvalue\n")
    rc, out, err = run(table)
    rc, out, err = run("-q", "NEW", table)
    is_eq((rc, out), (0, "newvalue\n"), "recompiled: the new key is there")

    corrupt = os.path.join(d, "corrupt")
    with open(corrupt + ".db", "wb") as f:
        f.write(bytes((i * 7919) % 251 for i in range(8192)))
    rc, out, err = run("-q", "postmaster", "hash:" + corrupt)
    is_eq(rc, 2, "a corrupt .db: exit 2, never 1")
    with open(aliases + ".db", "rb") as f:
        data = f.read()
    with open(corrupt + ".db", "wb") as f:
        f.write(data[:len(data) // 2 // 4096 * 4096])
    rc, out, err = run("-q", "nobody", "hash:" + corrupt)
    is_eq(rc, 2, "a truncated .db: exit 2, never 1")

    rc, out, err = run()
    ok(rc not in (0, 1, 2) and "usage" in err, "no table: usage", err)

    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())

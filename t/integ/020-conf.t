#!/usr/bin/env python3
# `postern conf`: printing parameters as postconf does, editing main.cf in
# place (comments and other lines kept, atomic, validated), and the
# "message_size_limit = 10q" error through the real command.
import os
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POSTERN = os.path.join(ROOT, "ctl", "postern")

n = 0
failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name))
    if not cond:
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return cond


def is_(got, want, name):
    return ok(got == want, name, "got:  %r" % (got,), "want: %r" % (want,))


def like(got, needle, name):
    return ok(needle in got, name, "%r does not contain %r" % (got, needle))


def run(*args, confdir=None, env=None):
    cmd = [POSTERN]
    if confdir is not None:
        cmd += ["-c", confdir]
    cmd += ["conf"] + list(args)
    e = dict(os.environ)
    e.pop("POSTERN_CONFIG_DIR", None)
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e)
    return p.returncode, p.stdout, p.stderr


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def read(path):
    with open(path) as f:
        return f.read()


tmp = tempfile.mkdtemp(prefix="postern-conf.")
d = os.path.join(tmp, "etc")
os.mkdir(d)
cf = os.path.join(d, "main.cf")

# --- printing, no main.cf: the defaults ---------------------------------
rc, out, err = run("message_size_limit", "myorigin", confdir=d)
is_(rc, 0, "no main.cf: exit 0")
is_(out, "message_size_limit = 10240000\nmyorigin = $myhostname\n",
    "named parameters, unexpanded, in the order asked")
is_(err, "", "nothing on stderr")

rc, out, err = run(confdir=d)
lines = out.splitlines()
names = [l.split(" =")[0] for l in lines]
rc_d, out_d, _ = run("-d", confdir=d)
ok(rc == 0 and len(lines) >= 60, "all parameters printed (%d)" % len(lines))
is_(names, sorted(names), "in alphabetical order")
is_([l.split(" =")[0] for l in out_d.splitlines()], names,
    "-d lists the same names")
ok(all(l.startswith(nm + " =") and (l == nm + " =" or l.startswith(nm + " = "))
       for l, nm in zip(lines, names)), "every line is 'name = value' or 'name ='")
ok("relayhost =" in lines, "an empty value prints as 'name ='")

rc, host, _ = run("-x", "myhostname", confdir=d)
rc2, out, _ = run("-x", "myorigin", "smtpd_banner", confdir=d)
h = host.split(" = ", 1)[1].strip()
is_(out, "myorigin = %s\nsmtpd_banner = %s ESMTP Postern\n" % (h, h),
    "-x expands")

rc, out, err = run("max_use", "nosuch", confdir=d)
is_(rc, 1, "an unknown name: exit 1")
is_(out, "max_use = 10000\n", "the known one is still printed")
like(err, "unknown parameter nosuch", "the unknown one is named")

rc, out, err = run("-n", "-d", confdir=d)
is_(rc, 64, "-n with -d is a usage error")
like(err, "usage: postern", "with the usage")
rc, out, err = run("max_use=1", "relayhost", confdir=d)
is_(rc, 64, "mixing name=value and names is a usage error")

# --- the config directory: -c, else $POSTERN_CONFIG_DIR --------------------
d2 = os.path.join(tmp, "etc2")
os.mkdir(d2)
write(os.path.join(d2, "main.cf"), "max_use = 42\n")
rc, out, _ = run("max_use", env={"POSTERN_CONFIG_DIR": d2})
is_(out, "max_use = 42\n", "POSTERN_CONFIG_DIR is used without -c")
rc, out, _ = run("max_use", confdir=d, env={"POSTERN_CONFIG_DIR": d2})
is_(out, "max_use = 10000\n", "-c wins over POSTERN_CONFIG_DIR")
rc, out, _ = run("-x", "config_directory", confdir=d2)
is_(out, "config_directory = %s\n" % d2, "config_directory follows -c")

# --- editing ---------------------------------------------------------------
original = """# Postern main.cf
# keep this comment

myorigin = example.org
mydestination = a.example,
    b.example,
    # inner comment
\tc.example
max_use = 5

# admin's own variable
office = 192.0.2.0/24
mynetworks = 127.0.0.0/8 $office
"""
write(cf, original, 0o640)
rc, out, err = run("mydestination=x.example", "max_use = 7",
                   "relayhost=[smart.example]:587", confdir=d)
is_((rc, out, err), (0, "", ""), "edit: exit 0, quiet")
is_(read(cf), """# Postern main.cf
# keep this comment

myorigin = example.org
mydestination = x.example
    # inner comment
max_use = 7

# admin's own variable
office = 192.0.2.0/24
mynetworks = 127.0.0.0/8 $office
relayhost = [smart.example]:587
""", "continuation lines replaced, comments and other lines kept, new one appended")
is_(stat.S_IMODE(os.stat(cf).st_mode), 0o640, "the file mode is kept")
is_(sorted(os.listdir(d)), ["main.cf"], "no temporary file left behind")

rc, out, err = run("-n", confdir=d)
is_(out, "max_use = 7\nmydestination = x.example\n"
    "mynetworks = 127.0.0.0/8 $office\nmyorigin = example.org\n"
    "office = 192.0.2.0/24\nrelayhost = [smart.example]:587\n",
    "-n: what main.cf sets, own variables included")
is_(err, "", "a referenced variable draws no warning")
rc, out, err = run("-n", "-x", "mynetworks", "relayhost", "max_idle", confdir=d)
is_(out, "mynetworks = 127.0.0.0/8 192.0.2.0/24\n"
    "relayhost = [smart.example]:587\n", "-n -x: expanded, unset ones skipped")

rc, out, err = run("max_use=", confdir=d)
is_(rc, 1, "an empty value for an integer is refused")

before = read(cf)
rc, out, err = run("message_size_limit=10q", confdir=d)
is_(rc, 1, "a bad value: exit 1")
like(err, cf + ":13: message_size_limit: bad value \"10q\": bad size unit",
     "the loader's error, with file, line and parameter")
like(err, "not changed", "says main.cf was not changed")
is_(read(cf), before, "main.cf untouched")
is_(sorted(os.listdir(d)), ["main.cf"], "no temporary file left behind")

rc, out, err = run("nosuch=1", confdir=d)
is_(rc, 1, "an unknown name cannot be set")
like(err, "unknown parameter nosuch", "and is named")
is_(read(cf), before, "main.cf untouched")

rc, out, err = run("myorigin=$nosuch", confdir=d)
is_(rc, 1, "a value with an undefined reference is refused")
like(err, "myorigin: undefined parameter $nosuch", "with the reason")

rc, out, err = run("recipient_delimiter=+", "recipient_delimiter=-", confdir=d)
rc, out, _ = run("-n", "recipient_delimiter", confdir=d)
is_(out, "recipient_delimiter = -\n", "the last of two assignments wins")
is_(read(cf).count("recipient_delimiter"), 1, "and is written once")

# --- the acceptance test: message_size_limit = 10q -------------------------
write(cf, "# limits\n\nmessage_size_limit = 10q\nmax_use = 3\n")
rc, out, err = run(confdir=d)
is_(rc, 1, "10q: postern conf fails")
like(err, cf + ":3: message_size_limit: bad value \"10q\"",
     "the error names the file, the line and the parameter")
is_(out, "", "and prints no values")
rc, out, _ = run("-d", "message_size_limit", confdir=d)
is_((rc, out), (0, "message_size_limit = 10240000\n"),
    "-d does not read main.cf")
rc, out, err = run("message_size_limit=10m", confdir=d)
is_(rc, 0, "the bad line can be fixed with postern conf")
rc, out, err = run("-x", "message_size_limit", confdir=d)
is_((rc, out), (0, "message_size_limit = 10m\n"), "and then it loads")

# --- warnings and a new main.cf --------------------------------------------
write(cf, "max_use = 3\nmax_uze = 4\n")
rc, out, err = run("max_use", confdir=d)
is_((rc, out), (0, "max_use = 3\n"), "an unknown name in main.cf is not fatal")
like(err, cf + ":2: unknown parameter max_uze", "but warned about with file:line")

d3 = os.path.join(tmp, "etc3")
os.mkdir(d3)
rc, out, err = run("myorigin=x.example", confdir=d3)
is_(rc, 0, "editing creates a missing main.cf")
is_(read(os.path.join(d3, "main.cf")), "myorigin = x.example\n", "with the one line")
is_(stat.S_IMODE(os.stat(os.path.join(d3, "main.cf")).st_mode), 0o644,
    "mode 0644")

subprocess.run(["rm", "-rf", tmp])
print("1..%d" % n)
sys.exit(1 if failed else 0)

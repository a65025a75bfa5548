#!/usr/bin/env python3
# lib's layers (lib/README): every lib file belongs to a module of the
# table there, and includes only headers of its own layer or earlier
# ones. Checked from the #include lines; then the checker is shown a
# tree with one wrong include, which it must refuse.
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from postern import TAP, TOP as ROOT  # noqa: E402


def layers(root):
    """{module: (layer number, layer name)} from lib/README's table."""
    table = {}
    with open(os.path.join(root, "lib", "README")) as f:
        for line in f:
            m = re.match(r"^layer (\d+) (\w+):(.*)$", line)
            if m:
                for mod in m.group(3).split():
                    table[mod] = (int(m.group(1)), m.group(2))
    return table


def module_of(table, base):
    """The longest module name that names the file base (maps_hash:
    maps), or None."""
    best = None
    for mod in table:
        if (base == mod or base.startswith(mod + "_")) and \
                (best is None or len(mod) > len(best)):
            best = mod
    return best


def check(root):
    """[(file, problem)] for the lib tree under root."""
    table = layers(root)
    libdir = os.path.join(root, "lib")
    ours = set(f for f in os.listdir(libdir) if f.endswith(".h"))
    problems = []
    for f in sorted(os.listdir(libdir)):
        if not (f.endswith(".c") or f.endswith(".h")):
            continue
        mod = module_of(table, f[:-2])
        if mod is None:
            problems.append((f, "not in lib/README's layer table"))
            continue
        layer, lname = table[mod]
        with open(os.path.join(libdir, f), errors="replace") as fp:
            for i, line in enumerate(fp, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m or m.group(1) not in ours:
                    continue
                imod = module_of(table, m.group(1)[:-2])
                if imod is None:
                    continue	# reported as a file of its own
                ilayer, iname = table[imod]
                if ilayer > layer:
                    problems.append((f, "line %d includes %s (layer %d "
                                     "%s) from layer %d %s" % (
                                         i, m.group(1), ilayer, iname,
                                         layer, lname)))
    return problems


t = TAP()
table = layers(ROOT)
t.ok(len(set(v[0] for v in table.values())) == 5,
     "lib/README names five layers")
problems = check(ROOT)
if not t.ok(not problems, "every lib file includes only its own layer and "
            "earlier ones"):
    t.diag("\n".join("lib/%s: %s" % p for p in problems))

# the checker itself: one include against the order is found
tmp = tempfile.mkdtemp(prefix="postern-layers.")
try:
    shutil.copytree(os.path.join(ROOT, "lib"), os.path.join(tmp, "lib"),
                    ignore=shutil.ignore_patterns("*.o", "*.d", "*.a"))
    with open(os.path.join(tmp, "lib", "xmalloc.c"), "a") as f:
        f.write('#include "maps.h"\n')
    with open(os.path.join(tmp, "lib", "newthing.c"), "w") as f:
        f.write('#include "log.h"\n')
    bad = check(tmp)
    t.ok(any(p[0] == "xmalloc.c" and "maps.h (layer 3" in p[1]
             for p in bad), "the checker finds base including a table "
         "module")
    t.ok(any(p[0] == "newthing.c" and "not in" in p[1] for p in bad),
         "and a file of no module")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()

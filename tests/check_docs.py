#!/usr/bin/env python3
"""check_docs.py - the documentation keeps up with the code.

usage: check_docs.py REPO_ROOT MAMORI_BINARY

Fails (exit 1, one line per problem) if
  * a symbol defined in a symbol table in src/**/*.c (a row starting with
    { "UPPER_NAME", <weight>, ) is missing from docs/symbols.md, or its
    row there does not show the default weight;
  * conf/mamori.conf does not list every symbol with its default weight
    (as a commented-out entry "# NAME = weight;"), or lists one that does
    not exist;
  * a configuration key accepted by src/core/config.c is missing from
    docs/configuration.md (written there as section.key, e.g.
    limits.message_size, symbols.<NAME>.weight);
  * `MAMORI_BINARY check-config conf/mamori.conf` fails.
Exit 2 on a usage error or when the sources cannot be read.
"""

import os
import re
import subprocess
import sys

SYMBOL_ROW = re.compile(r'^\s*\{\s*"([A-Z][A-Z0-9_]*)"\s*,\s*(-?[0-9]+(?:\.[0-9]*)?)\s*,')
FUNC_START = re.compile(r"^([a-z_][a-z0-9_]*)\s*\(", re.M)
STRCMP_KEY = re.compile(r'strcmp\(\s*k\s*,\s*"([a-z_][a-z0-9_]*)"\s*\)')
ACTION_KEY = re.compile(r"a\s*!=\s*MAMORI_ACTION_([A-Z_]+)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def code_symbols(root):
    """{name: (weight, 'file:line')} from every symbol table in src/."""
    found = {}
    for dirpath, _dirs, files in os.walk(os.path.join(root, "src")):
        for fn in sorted(files):
            if not fn.endswith(".c"):
                continue
            path = os.path.join(dirpath, fn)
            for n, line in enumerate(read(path).splitlines(), 1):
                m = SYMBOL_ROW.match(line)
                if m:
                    where = "%s:%d" % (os.path.relpath(path, root), n)
                    found[m.group(1)] = (float(m.group(2)), where)
    return found


def section_of(func):
    """Which part of the configuration a loader function of config.c reads."""
    if func == "mamori_config_load":
        return ""  # the top level: its keys are the section names
    if func == "load_symbol":
        return "symbols.<NAME>"
    if func.startswith("load_"):
        return func[len("load_"):]
    return None


def config_keys(root):
    """[(dotted key, 'file:line')] accepted by src/core/config.c."""
    rel = os.path.join("src", "core", "config.c")
    text = read(os.path.join(root, rel))
    funcs = [(m.start(), m.group(1)) for m in FUNC_START.finditer(text)]
    keys = []

    def enclosing(pos):
        name = None
        for start, fn in funcs:
            if start > pos:
                break
            name = fn
        return name

    def line_of(pos):
        return "%s:%d" % (rel, text.count("\n", 0, pos) + 1)

    for m in STRCMP_KEY.finditer(text):
        sec = section_of(enclosing(m.start()) or "")
        if sec is None:
            continue
        keys.append((m.group(1) if sec == "" else sec + "." + m.group(1),
                     line_of(m.start())))
    # actions: the keys are the action names load_actions lets through
    for m in ACTION_KEY.finditer(text):
        if enclosing(m.start()) == "load_actions":
            keys.append(("actions." + m.group(1).lower(), line_of(m.start())))
    return keys


def check_symbols_doc(root, symbols, problems):
    path = os.path.join(root, "docs", "symbols.md")
    doc = read(path)
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(-?[0-9.]+)\s*\|", line)
        if m:
            rows[m.group(1)] = float(m.group(2))
    for name, (weight, where) in sorted(symbols.items()):
        if name not in rows:
            problems.append("docs/symbols.md: symbol %s (defined at %s) is not "
                            "documented: add a row | `%s` | %g | ... |"
                            % (name, where, name, weight))
        elif rows[name] != weight:
            problems.append("docs/symbols.md: %s is documented with weight %g, "
                            "the code (%s) says %g" % (name, rows[name], where, weight))


def check_conf_symbols(root, symbols, problems):
    path = os.path.join(root, "conf", "mamori.conf")
    listed = {}
    for line in read(path).splitlines():
        m = re.match(r"^\s*#\s*([A-Z][A-Z0-9_]*)\s*=\s*(-?[0-9.]+)\s*;", line)
        if m:
            listed[m.group(1)] = float(m.group(2))
    for name, (weight, where) in sorted(symbols.items()):
        if name not in listed:
            problems.append("conf/mamori.conf: symbol %s (%s) is missing from the "
                            "symbols section: add  # %s = %g;" % (name, where, name, weight))
        elif listed[name] != weight:
            problems.append("conf/mamori.conf: %s is shown with weight %g, the code "
                            "(%s) says %g" % (name, listed[name], where, weight))
    for name in sorted(set(listed) - set(symbols)):
        problems.append("conf/mamori.conf: lists %s, which no check defines" % name)


def check_config_doc(root, keys, problems):
    doc = read(os.path.join(root, "docs", "configuration.md"))
    for key, where in keys:
        if "." not in key:
            # a section: shown as `name` or in an example as name = {
            pat = r"`%s`|^\s*%s\s*=\s*\{" % (re.escape(key), re.escape(key))
        else:
            pat = r"(?<![\w.<>])" + re.escape(key) + r"(?![\w])"
        if not re.search(pat, doc, re.M):
            problems.append("docs/configuration.md: configuration key %s (accepted "
                            "at %s) is not documented" % (key, where))


def check_conf_parses(root, binary, problems):
    conf = os.path.join(root, "conf", "mamori.conf")
    env = dict(os.environ)
    env.pop("MAMORI_CONFIG", None)
    try:
        r = subprocess.run([binary, "check-config", conf], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    except OSError as e:
        problems.append("cannot run %s: %s" % (binary, e))
        return
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).decode("utf-8", "replace").strip()
        problems.append("conf/mamori.conf does not pass `mamori check-config` "
                        "(exit %d): %s" % (r.returncode, msg))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: check_docs.py REPO_ROOT MAMORI_BINARY\n")
        return 2
    root, binary = argv[1], argv[2]
    try:
        symbols = code_symbols(root)
        keys = config_keys(root)
    except OSError as e:
        sys.stderr.write("check_docs: %s\n" % e)
        return 2
    if not symbols:
        sys.stderr.write("check_docs: no symbol tables found under %s/src\n" % root)
        return 2
    if not keys:
        sys.stderr.write("check_docs: no configuration keys found in src/core/config.c\n")
        return 2

    problems = []
    for name, check in (("docs/symbols.md", lambda: check_symbols_doc(root, symbols, problems)),
                        ("conf/mamori.conf", lambda: check_conf_symbols(root, symbols, problems)),
                        ("docs/configuration.md", lambda: check_config_doc(root, keys, problems))):
        try:
            check()
        except OSError as e:
            problems.append("%s: cannot read: %s" % (name, e.strerror))
    check_conf_parses(root, binary, problems)

    if problems:
        for p in problems:
            sys.stderr.write("check_docs: %s\n" % p)
        sys.stderr.write("check_docs: FAILED (%d problem%s)\n"
                         % (len(problems), "" if len(problems) == 1 else "s"))
        return 1
    print("check_docs: OK (%d symbols, %d configuration keys)" % (len(symbols), len(keys)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

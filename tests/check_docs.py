#!/usr/bin/env python3
"""check_docs.py - the documentation keeps up with the code.

usage: check_docs.py REPO_ROOT MAMORI_BINARY

Fails (exit 1, one line per problem) if
  * a symbol of a module (`MAMORI_BINARY check-config --symbols`) is
    missing from docs/symbols.md, or its row there does not show the
    default weight;
  * conf/mamori.conf does not list every symbol with its default weight
    (as a commented-out entry "# NAME = weight;"), or lists one that does
    not exist;
  * a configuration key of the key tables (`MAMORI_BINARY check-config
    --keys`: the core's sections and each module's) is missing from
    docs/configuration.md (written there as section.key, e.g.
    limits.message_size, symbols.<NAME>.weight);
  * `MAMORI_BINARY check-config conf/mamori.conf` fails.
Exit 2 on a usage error or when the sources cannot be read.
"""

import os
import re
import subprocess
import sys



def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_binary(binary, *args):
    env = dict(os.environ)
    env.pop("MAMORI_CONFIG", None)
    r = subprocess.run([binary] + list(args), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60, check=True)
    return r.stdout.decode("utf-8")


def code_symbols(binary):
    """{name: (weight, 'module M')} from `mamori check-config --symbols`."""
    found = {}
    for line in run_binary(binary, "check-config", "--symbols").splitlines():
        name, weight, _force, module, _doc = line.split("\t", 4)
        found[name] = (float(weight), "module " + module)
    return found


def config_keys(binary):
    """[(dotted key, 'table')] from `mamori check-config --keys`: the tables
    of the core's and of each module's sections."""
    keys = []
    for line in run_binary(binary, "check-config", "--keys").splitlines():
        key = line.split("\t", 1)[0]
        keys.append((key, "the key tables"))
        sec = key.split(".", 1)[0]
        if (sec, "the key tables") not in keys:
            keys.append((sec, "the key tables"))
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
        symbols = code_symbols(binary)
        keys = config_keys(binary)
    except (OSError, subprocess.SubprocessError) as e:
        sys.stderr.write("check_docs: %s\n" % e)
        return 2
    if not symbols:
        sys.stderr.write("check_docs: `check-config --symbols` printed no symbol\n")
        return 2
    if not keys:
        sys.stderr.write("check_docs: `check-config --keys` printed no key\n")
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

#!/usr/bin/env python3
"""run_yara_cli.py - check the shipped rules with the yara command-line tool.

An independent implementation (Debian's yara, not our libyara wrapper)
compiles yara/*.yar with --fail-on-warnings (a "slowing down scanning"
warning is a failure) and scans tests/unit/data/yara/; the rules that match
each fixture must be exactly those of tests/yara/expected.tsv.

Usage: run_yara_cli.py YARA RULES_DIR DATA_DIR EXPECTED_TSV
"""
import os
import subprocess
import sys


def main():
    yara, rules_dir, data_dir, expected_tsv = sys.argv[1:5]
    expected = {}
    for line in open(expected_tsv, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, rule = line.rstrip("\n").split("\t")
        expected.setdefault(name, set())
        if rule != "-":
            expected[name].add(rule)
    rules = []
    for f in sorted(os.listdir(rules_dir)):
        if f.endswith((".yar", ".yara")):
            rules.append("%s:%s" % (os.path.splitext(f)[0], os.path.join(rules_dir, f)))
    got = {}
    for name in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, name)
        if name == "PROVENANCE.md" or not os.path.isfile(path):
            continue
        p = subprocess.run([yara, "--fail-on-warnings", "-e", "-d", "filename=", "-d", "filetype="]
                           + rules + [path], capture_output=True, text=True)
        if p.returncode != 0 or p.stderr:
            print("yara failed on %s (rc %d): %s" % (name, p.returncode, p.stderr))
            return 1
        got[name] = {l.split(" ", 1)[0] for l in p.stdout.splitlines() if l}
    bad = 0
    for name in sorted(set(got) | set(expected)):
        if name not in expected:
            print("%s: fixture not in %s" % (name, expected_tsv))
            bad += 1
        elif name not in got:
            print("%s: listed but missing" % name)
            bad += 1
        elif got[name] != expected[name]:
            print("%s: got %s, want %s" % (name, sorted(got[name]), sorted(expected[name])))
            bad += 1
    # the filename external, as the object tree passes it
    p = subprocess.run([yara, "-e", "-d", "filename=invoice.pdf.exe", "-d", "filetype="] + rules
                       + [os.path.join(data_dir, "clean_ja.txt")], capture_output=True, text=True)
    if p.stdout.split() != ["containers:Filename_Double_Extension", os.path.join(data_dir, "clean_ja.txt")]:
        print("filename external: got %r" % p.stdout)
        bad += 1
    print("%d fixtures, %d mismatches" % (len(got), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

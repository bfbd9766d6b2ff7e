#!/usr/bin/env python3
"""corpus_check.py - scan a real mail corpus: one good report per message.

usage: corpus_check.py --mamori BINARY [DIR]

DIR defaults to $MAMORI_CORPUS; without either the check is skipped (exit
77, ctest's SKIP_RETURN_CODE).  Runs `mamori scan --json -j 2 DIR` and
checks that
  * there is one line per file (a corpus holds one message per file; a
    file split into several messages is reported with its sources),
  * every line is a JSON object with the fixed top-level keys,
  * "from" is not empty where the raw file has a From: header with an
    address, and "subject" is not null where it has a Subject: header,
  * mamori exits 0 or 1 (2 is an error).
Exit 0 if all holds, 1 otherwise (with the first problems listed).
"""

import argparse
import json
import os
import re
import subprocess
import sys

TOP_KEYS = ("action", "score", "symbols", "objects", "urls", "auth", "message", "time_ms")
MAX_SHOWN = 30


def header_block(raw):
    """The top-level header block of a message (From_ line skipped)."""
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    m = re.search(rb"\r?\n\r?\n", raw)
    return raw[:m.start()] if m else raw


def has_header(block, name):
    return re.search(rb"(?im)^" + re.escape(name) + rb"[ \t]*:", block) is not None


def from_has_address(block):
    m = re.search(rb"(?im)^From[ \t]*:(.*(?:\r?\n[ \t].*)*)", block)
    return m is not None and b"@" in m.group(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True)
    ap.add_argument("dir", nargs="?", default=os.environ.get("MAMORI_CORPUS"))
    a = ap.parse_args()
    if not a.dir:
        print("corpus_check: MAMORI_CORPUS is not set: skipped")
        return 77
    if not os.path.isdir(a.dir):
        print(f"corpus_check: {a.dir} is not a directory: skipped")
        return 77

    files = []
    for root, dirs, names in os.walk(a.dir):
        dirs.sort()
        for n in names:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files.append(p)
    env = dict(os.environ)
    env["MAMORI_CONFIG"] = os.devnull
    r = subprocess.run([a.mamori, "scan", "--json", "-j", "2", a.dir],
                       capture_output=True, env=env)
    problems = []
    if r.returncode not in (0, 1):
        problems.append(f"mamori exit status {r.returncode}: "
                        f"{r.stderr.decode('utf-8', 'replace')[-2000:]}")

    lines = r.stdout.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    per_file = {}
    for i, line in enumerate(lines, 1):
        try:
            rep = json.loads(line)
        except ValueError as e:
            problems.append(f"line {i}: not JSON ({e}): {line[:120]!r}")
            continue
        if not isinstance(rep, dict):
            problems.append(f"line {i}: not an object")
            continue
        missing = [k for k in TOP_KEYS if k not in rep]
        if missing:
            problems.append(f"line {i}: missing top-level keys {missing}")
        msg = rep.get("message") or {}
        src = msg.get("source") or ""
        path = re.sub(r"#[0-9]+$", "", src)
        per_file.setdefault(path, []).append((i, src, msg))

    for p in files:
        reps = per_file.pop(p, [])
        if not reps:
            problems.append(f"{p}: no report")
            continue
        if len(reps) > 1:
            problems.append(f"{p}: split into {len(reps)} messages (lines "
                            f"{[i for i, _, _ in reps][:5]})")
            continue
        i, _, msg = reps[0]
        with open(p, "rb") as f:
            block = header_block(f.read())
        if from_has_address(block) and not msg.get("from"):
            problems.append(f"{p} (line {i}): From header with an address, report from is empty")
        if has_header(block, b"Subject") and msg.get("subject") is None:
            problems.append(f"{p} (line {i}): Subject header, report subject is null")
    for path, reps in per_file.items():
        problems.append(f"report for an unknown source {path!r} (line {reps[0][0]})")
    if len(lines) != len(files):
        problems.append(f"{len(lines)} reports for {len(files)} files")

    print(f"corpus_check: {len(files)} files, {len(lines)} reports")
    if problems:
        print(f"corpus_check: {len(problems)} problem(s):")
        for pr in problems[:MAX_SHOWN]:
            print("  - " + pr)
        if len(problems) > MAX_SHOWN:
            print(f"  ... and {len(problems) - MAX_SHOWN} more")
        return 1
    print("corpus_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

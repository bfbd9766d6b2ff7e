#!/usr/bin/env python3
"""report_diff.py - compare two files of `mamori scan --json` reports.

usage: report_diff.py BASE.jsonl THIS.jsonl [--max N] [--lines L]

Each file holds one JSON report per line (`mamori scan --json`, in input
order).  Reports are paired by their "message"."source" (the path, or
"path#N" for the Nth message of an mbox); a source seen twice in a file is
paired by occurrence.  Every "time_ms" and "stage_ms" key (the timings) is removed, at any depth; nothing
else is normalised: key order, duplicate keys and number literals (1 is not
1.0, 0.10 is not 0.1) are compared as written.  String escapes are decoded
("\\u00e9" equals "é"): the only thing JSON parsing takes away.

Prints the counts, and for the first N differing messages the source, the
action and score in each, and a unified diff of the pretty-printed reports.
Exit 0 all identical, 1 some differ, 2 on error (unreadable file, a line
that is not JSON).  Standard library only.
"""
import argparse
import difflib
import json
import sys


class Num(str):
    """A JSON number as written."""


class Obj(list):
    """A JSON object as written: (key, value) pairs in order."""


def parse(line):
    return json.loads(line, object_pairs_hook=Obj, parse_float=Num,
                      parse_int=Num, parse_constant=Num)


def strip(v):
    if isinstance(v, Obj):
        return Obj((k, strip(x)) for k, x in v if k not in ("time_ms", "stage_ms"))
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def get(v, key):
    if isinstance(v, Obj):
        for k, x in v:
            if k == key:
                return x
    return None


def render(v, ind=0):
    """Pretty JSON, one value per line, literals as written."""
    pad = " " * ind
    if isinstance(v, Obj):
        if not v:
            return "{}"
        items = [f'{pad} {json.dumps(k, ensure_ascii=False)}: {render(x, ind + 1)}'
                 for k, x in v]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        items = [f"{pad} {render(x, ind + 1)}" for x in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(v, Num):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def load(path):
    """{key: report} in file order; key = source (+ '@N' when repeated)."""
    out = {}
    seen = {}
    try:
        f = open(path, encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        sys.exit(f"report_diff: {path}: {e.strerror}")
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rep = strip(parse(line))
            except ValueError as e:
                print(f"report_diff: {path}:{n}: not JSON: {e}", file=sys.stderr)
                sys.exit(2)
            src = get(get(rep, "message"), "source")
            key = src if isinstance(src, str) else f"(no source, line {n})"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} @{seen[key]}"
            out[key] = rep
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("this")
    ap.add_argument("--max", type=int, default=20, help="differing messages shown")
    ap.add_argument("--lines", type=int, default=60, help="diff lines per message")
    a = ap.parse_args()
    try:
        base = load(a.base)
        this = load(a.this)
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise

    keys = list(base)
    keys += [k for k in this if k not in base]
    # compared as rendered text: a number is not the string of its digits,
    # {} is not [] (Num and Obj are str and list to Python's ==)
    text = {}
    differing = []
    for k in keys:
        b, t = base.get(k), this.get(k)
        if b is None or t is None:
            differing.append(k)
            continue
        text[k] = (render(b), render(t))
        if text[k][0] != text[k][1]:
            differing.append(k)

    shown = differing[:a.max]
    for k in shown:
        b, t = base.get(k), this.get(k)
        if b is None or t is None:
            print(f"--- {k}: only in {'this tree' if b is None else 'the baseline'}")
            continue
        ba, ta = get(b, "action"), get(t, "action")
        bs, ts = get(b, "score"), get(t, "score")
        print(f"--- {k}: action {ba} -> {ta}, score {bs} -> {ts}")
        diff = list(difflib.unified_diff(text[k][0].splitlines(), text[k][1].splitlines(),
                                         "base", "this", n=1, lineterm=""))[2:]
        for line in diff[:a.lines]:
            print("    " + line)
        if len(diff) > a.lines:
            print(f"    ... {len(diff) - a.lines} more diff lines")
    if len(differing) > len(shown):
        print(f"--- ... and {len(differing) - len(shown)} more differing messages")

    only_base = sum(1 for k in differing if k not in this)
    only_this = sum(1 for k in differing if k not in base)
    print()
    print(f"messages compared: {len(keys)}  (baseline {len(base)} reports, this tree {len(this)})")
    print(f"identical:         {len(keys) - len(differing)}")
    print(f"differing:         {len(differing)}"
          + (f"  (only in baseline {only_base}, only in this tree {only_this})"
             if only_base or only_this else ""))
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""run.py - run one functional case through the mamori binary.

usage: run.py --mamori BINARY CASE.eml

The expectation is CASE.expect.json next to CASE.eml:

  "action"   exact action name
  "symbols"  the exact set of symbol names; each value is null (any
             options) or the exact list of options
  "message"  subset match against the report's "message" object
  "dump"     subset match against `mamori dump CASE.eml`
  "reports"  for inputs holding several messages (mbox): a list of
             expectations with the keys above, one per report, in order
  "args"     extra arguments for `mamori scan` (e.g. ["--from", "a@b"])
  "config"   text of a configuration file, passed with --config
  "stdin"    true: the message is given on standard input ("-")
  "exit"     expected exit status; by default 0 if every expected action
             is accept, else 1
  "zone"     DNS data (the SPF test suite's zonedata format) served by
             tests/support/dnsserver.py on 127.0.0.1 for this case; every
             case whose args give --ip gets a server (an empty zone when
             "zone" is absent) and --dns pointing at it, so that no test
             ever asks a resolver outside the loopback range
  "auth"     subset match against the report's "auth" object
  "urls"     the report's "urls" list: as many entries, each a subset match
  "bec"      subset match against the report's "bec" object
  "spam"     the report's "spam" object: "hits" exactly (every rule and
             sub-rule that hit, with its count), other keys subset match

"config" may say @CASE_DIR@ for the directory of the case (rule files
next to it).

Subset match: every key given must be present and match; dicts recurse,
lists must have the same length and match element by element, numbers
compare with a small tolerance, everything else exactly.

Exit status 0 when everything matches; otherwise 1, after a list of every
difference and the reports as JSON.  2 on a usage error.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

TOP_KEYS = ("action", "score", "symbols", "objects", "urls", "auth", "message", "time_ms")
CASE_KEYS = {"action", "symbols", "message", "dump", "reports", "args", "config",
             "stdin", "exit", "description", "zone", "auth", "date", "spam", "urls", "bec"}
REPORT_KEYS = {"action", "symbols", "message", "auth", "date", "spam", "urls", "bec"}
DNSSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support",
                         "dnsserver.py")


def show(v):
    return json.dumps(v, ensure_ascii=False)


def subset(want, got, path, errs):
    """Record in errs every way got fails to contain want."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errs.append(f"{path}: expected an object, got {show(got)}")
            return
        for k, v in want.items():
            if k not in got:
                errs.append(f"{path}.{k}: missing (expected {show(v)})")
            else:
                subset(v, got[k], f"{path}.{k}", errs)
    elif isinstance(want, list):
        if not isinstance(got, list):
            errs.append(f"{path}: expected a list, got {show(got)}")
            return
        if len(want) != len(got):
            errs.append(f"{path}: expected {len(want)} elements, got {len(got)}: {show(got)}")
        for i, (w, g) in enumerate(zip(want, got)):
            subset(w, g, f"{path}[{i}]", errs)
    elif isinstance(want, float) or (isinstance(want, int) and not isinstance(want, bool)
                                      and isinstance(got, float)):
        if not isinstance(got, (int, float)) or isinstance(got, bool) or abs(want - got) > 1e-6:
            errs.append(f"{path}: expected {show(want)}, got {show(got)}")
    elif want != got or type(want) is not type(got):
        errs.append(f"{path}: expected {show(want)}, got {show(got)}")


def check_symbols(want, got, path, errs):
    if not isinstance(got, dict):
        errs.append(f"{path}: not an object: {show(got)}")
        return
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    for name in missing:
        errs.append(f"{path}: missing symbol {name}"
                    + (f" {show(want[name])}" if want[name] is not None else ""))
    for name in extra:
        errs.append(f"{path}: unexpected symbol {name} {show(got[name].get('options'))}")
    for name in sorted(set(want) & set(got)):
        if want[name] is None:
            continue
        opts = got[name].get("options")
        if opts != want[name]:
            errs.append(f"{path}.{name}: options {show(opts)}, expected {show(want[name])}")


def check_report(exp, rep, path, errs):
    for k in TOP_KEYS:
        if k not in rep:
            errs.append(f"{path}: top-level key {k!r} missing")
    if "action" in exp and rep.get("action") != exp["action"]:
        errs.append(f"{path}.action: expected {show(exp['action'])}, got {show(rep.get('action'))}"
                    f" (score {rep.get('score')})")
    if "symbols" in exp:
        check_symbols(exp["symbols"], rep.get("symbols"), f"{path}.symbols", errs)
    if "message" in exp:
        subset(exp["message"], rep.get("message"), f"{path}.message", errs)
    if "auth" in exp:
        subset(exp["auth"], rep.get("auth"), f"{path}.auth", errs)
    if "date" in exp:
        subset(exp["date"], rep.get("date"), f"{path}.date", errs)
    if "urls" in exp:
        subset(exp["urls"], rep.get("urls"), f"{path}.urls", errs)
    if "bec" in exp:
        subset(exp["bec"], rep.get("bec"), f"{path}.bec", errs)
    if "spam" in exp:
        got = rep.get("spam") or {}
        want = dict(exp["spam"])
        if "hits" in want:
            if got.get("hits") != want["hits"]:
                errs.append(f"{path}.spam.hits: expected {show(want['hits'])}, got "
                            f"{show(got.get('hits'))}")
            del want["hits"]
        subset(want, got, f"{path}.spam", errs)


def start_dns(zone):
    """A test DNS server on 127.0.0.1 for zone; returns (process, port, file)."""
    zf = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
    json.dump(zone, zf)
    zf.close()
    proc = subprocess.Popen(["/usr/bin/python3", DNSSERVER, zf.name, "--timeout", "300"],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    f = proc.stdout.readline().decode().split()
    if len(f) != 2 or f[0] != "PORT":
        proc.kill()
        raise RuntimeError("dnsserver.py did not start")
    return proc, f[1], zf.name


def run(cmd, stdin_path=None):
    env = dict(os.environ)
    # built-in defaults unless the case brings its own configuration
    env["MAMORI_CONFIG"] = os.devnull
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        return subprocess.run(cmd, stdin=stdin, capture_output=True, env=env, timeout=300)
    finally:
        if stdin_path:
            stdin.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True, help="the mamori binary")
    ap.add_argument("case", help="CASE.eml (expectation in CASE.expect.json)")
    a = ap.parse_args()

    base = a.case[:-4] if a.case.endswith(".eml") else a.case
    exp_path = base + ".expect.json"
    name = os.path.basename(base)
    try:
        with open(exp_path, encoding="utf-8") as f:
            exp = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{name}: cannot read {exp_path}: {e}")
        return 2
    unknown = set(exp) - CASE_KEYS
    if unknown:
        print(f"{name}: unknown keys in {exp_path}: {sorted(unknown)}")
        return 2

    errs = []
    cmd = [a.mamori, "scan", "--json"]
    tmp = None
    if "config" in exp:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False, encoding="utf-8")
        tmp.write(exp["config"].replace("@CASE_DIR@",
                                        os.path.dirname(os.path.abspath(a.case))))
        tmp.close()
        cmd += ["--config", tmp.name]
    cmd += exp.get("args", [])
    dns = None
    if "zone" in exp or "--ip" in exp.get("args", []):
        dns = start_dns(exp.get("zone", {}))
        cmd += ["--dns", "127.0.0.1:" + dns[1]]
    cmd += ["-"] if exp.get("stdin") else [a.case]
    try:
        r = run(cmd, a.case if exp.get("stdin") else None)
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
        if dns is not None:
            dns[0].kill()
            dns[0].wait()
            os.unlink(dns[2])

    reports = []
    for i, line in enumerate(r.stdout.decode("utf-8", "replace").splitlines()):
        try:
            reports.append(json.loads(line))
        except ValueError as e:
            errs.append(f"output line {i + 1} is not JSON ({e}): {line[:200]}")

    expected = exp["reports"] if "reports" in exp else [{k: exp[k] for k in REPORT_KEYS if k in exp}]
    if len(reports) != len(expected):
        errs.append(f"expected {len(expected)} report(s), got {len(reports)}")
    for i, (e, rep) in enumerate(zip(expected, reports)):
        check_report(e, rep, f"report[{i}]" if len(expected) > 1 else "report", errs)

    actions = [e["action"] for e in expected if "action" in e]
    want_exit = exp.get("exit", 0 if all(x == "accept" for x in actions) else 1)
    if r.returncode != want_exit:
        errs.append(f"exit status {r.returncode}, expected {want_exit}")
    stderr = r.stderr.decode("utf-8", "replace")

    dump = None
    if "dump" in exp:
        d = run([a.mamori, "dump", a.case])
        stderr += d.stderr.decode("utf-8", "replace")
        if d.returncode != 0:
            errs.append(f"mamori dump: exit status {d.returncode}")
        try:
            dump = json.loads(d.stdout)
            subset(exp["dump"], dump, "dump", errs)
        except ValueError as e:
            errs.append(f"mamori dump: output is not JSON ({e})")

    if not errs:
        print(f"{name}: OK ({len(reports)} report(s))")
        return 0
    print(f"{name}: FAILED: {' '.join(cmd)}")
    for e in errs:
        print("  - " + e)
    if stderr.strip():
        print("stderr:\n" + stderr.rstrip())
    for i, rep in enumerate(reports):
        print(f"report[{i}]:")
        print(json.dumps({k: rep.get(k) for k in ("action", "score", "symbols", "message")},
                         ensure_ascii=False, indent=2))
    if dump is not None:
        print("dump:")
        print(json.dumps(dump, ensure_ascii=False, indent=2))
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""run_spf_suite.py - the openspf RFC 7208 suite through real DNS.

For each scenario of the YAML suite: start tests/support/dnsserver.py with
the scenario's zonedata, run spf_driver on all of its tests at once and
compare each result with the expected one (a list of results means any
of them is accepted; `explanation`, when given, must match exactly).
Prints one line per failure and "N passed, M failed" at the end; exit 1
when anything failed.  Run with /usr/bin/python3 (python3-yaml).

usage: run_spf_suite.py --driver PATH --server PATH SUITE.yml [-k NAME]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import yaml


def start_server(server, zonedata, tmpdir):
    zpath = os.path.join(tmpdir, "zone.json")
    with open(zpath, "w", encoding="utf-8") as f:
        json.dump(zonedata or {}, f)
    proc = subprocess.Popen(["/usr/bin/python3", server, zpath, "--timeout", "300"],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    line = proc.stdout.readline().decode().split()
    if len(line) != 2 or line[0] != "PORT":
        proc.kill()
        raise SystemExit("dnsserver did not start")
    return proc, int(line[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("-k", dest="only", help="run only the test with this name")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("suite")
    args = ap.parse_args()

    with open(args.suite, "rb") as f:
        scenarios = list(yaml.safe_load_all(f))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for sc in scenarios:
            tests = sc.get("tests") or {}
            if args.only:
                tests = {k: v for k, v in tests.items() if k == args.only}
            if not tests:
                continue
            proc, port = start_server(args.server, sc.get("zonedata"), tmp)
            try:
                lines = []
                for name, t in tests.items():
                    lines.append("\t".join([name, str(t["host"]), str(t.get("helo") or ""),
                                            str(t.get("mailfrom") or "")]))
                out = subprocess.run([args.driver, "--dns", "127.0.0.1:%d" % port,
                                      "--timeout-ms", "300", "--tries", "1"],
                                     input=("\n".join(lines) + "\n").encode("utf-8"),
                                     stdout=subprocess.PIPE, timeout=600, check=True)
            finally:
                proc.kill()
                proc.wait()
            got = {}
            for line in out.stdout.decode("utf-8", "replace").splitlines():
                f = line.split("\t")
                if len(f) >= 5:
                    got[f[0]] = f
            for name, t in tests.items():
                want = t["result"]
                want = want if isinstance(want, list) else [want]
                g = got.get(name)
                ok = g is not None and g[1] in want
                if ok and "explanation" in t and t["explanation"] is not None:
                    ok = g[2] == str(t["explanation"])
                if ok:
                    passed += 1
                    if args.v:
                        print("ok   %s: %s" % (name, g[1]))
                else:
                    failed += 1
                    print("FAIL %s (%s, spec %s): want %s%s, got %s" % (
                        name, sc.get("description"), t.get("spec"), want,
                        (" exp=%r" % t["explanation"]) if "explanation" in t else "",
                        g[1:] if g else "nothing"))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""run_arc_suite.py - mamori's ARC validator over the ValiMail ARC suite.

  /usr/bin/python3 run_arc_suite.py --driver build/tests/arc_driver \
      --suite tests/auth/data/arc/arc-draft-validation-tests.yml \
      --work build/tests/arc-suite

Each scenario of the validation suite gives messages (LF line ends in the
YAML: written out with CRLF) and txt-records (the DKIM keys, served to the
driver from a file; no network).  Expected cv: Pass, Fail, None; the three
cases with cv "" (undefined in draft 18) count as Fail under RFC 8617 (see
tests/auth/data/arc/README.md).  Every case must agree; a pass must also
report the sealer and the AAR, and OLDEST_PASS checks oldest-pass.
Output ends with "N passed, M failed".
"""
import argparse
import os
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("python3-yaml not installed for", sys.executable, "- skipped")
    sys.exit(77)


# oldest-pass (RFC 8617 5.2 step 6) expected for some passing chains:
# 0 = every AMS validates; k = AMS k..N validate, AMS k-1 does not
OLDEST_PASS = {
    "cv_pass_i1_1": "0",
    "cv_pass_i3_1": "0",
    "cv_pass_i5_1": "0",
    "cv_pass_i2_1_ams1_invalid": "2",
}


def expected(cv):
    cv = (cv or "").strip().lower()
    return cv if cv in ("pass", "none") else "fail"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    with open(args.suite, encoding="utf-8") as f:
        scenarios = [s for s in yaml.safe_load_all(f) if s]
    passed = failed = 0
    for sn, sc in enumerate(scenarios):
        keyfile = os.path.join(args.work, "keys-%d.txt" % sn)
        with open(keyfile, "w", encoding="utf-8") as f:
            for name, rec in (sc.get("txt-records") or {}).items():
                rec = " ".join(str(rec).split())
                f.write("%s %s\n" % (name, rec))
        files, want = [], {}
        for name, t in sc["tests"].items():
            path = os.path.join(args.work, "%d-%s.eml" % (sn, name))
            msg = t.get("message") or ""
            data = msg.replace("\r\n", "\n").replace("\n", "\r\n")
            with open(path, "wb") as f:
                f.write(data.encode("utf-8"))
            files.append(path)
            want[path] = (name, expected(t.get("cv")))
        out = subprocess.run([args.driver, keyfile] + files,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print("driver failed (exit %d): %s" % (out.returncode, out.stderr))
            failed += 1
        got = {}
        for line in out.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3:
                got[parts[0]] = parts
        for path in files:
            name, exp = want[path]
            g = got.get(path)
            cv = g[1] if g else "missing"
            if cv == "pass" and (len(g) < 6 or g[4] == "-" or g[5] == "-"):
                cv = "pass without sealer/aar"
            elif cv == "pass" and name in OLDEST_PASS and g[3] != OLDEST_PASS[name]:
                cv = "pass with oldest-pass %s, not %s" % (g[3], OLDEST_PASS[name])
            if cv == exp:
                passed += 1
                if args.verbose:
                    print("ok   %s: %s (%s)" % (name, cv, g[2]))
            else:
                failed += 1
                print("FAIL %s: expected %s, got %s (%s)" %
                      (name, exp, cv, g[2] if g else out.stderr.strip()))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bayes_ja.py - the classifier learns Japanese mail from its words.

usage: bayes_ja.py --mamori BIN WORKDIR

tests/support/make_ja_mail.py writes Japanese spam (phishing, marketing,
side-job lures) and ham (invoices, HR, meetings) in ISO-2022-JP,
Shift_JIS, EUC-JP and UTF-8, whose senders, Subjects, mailers and MIME
structure are drawn from the same pools in both classes.  The test learns
one set (`mamori learn --state`), then scans another set written with
another seed (`mamori scan --json --state`) and requires:

  - every held-out spam gets BAYES_SPAM and every held-out ham BAYES_HAM;
  - with their bodies, the held-out spam are at P(spam) >= 0.99 and the
    ham at <= 0.01; the same mails with their bodies removed (nothing but
    headers and Subjects drawn from the same pools is left) are between
    0.3 and 0.7, with BAYES_SPAM/BAYES_HAM weighing less than 0.5: the
    Japanese words carried the decision;
  - learning the same set again changes nothing ("already learned"), and
    --forget of the ham set leaves too few ham for a verdict, which the
    report says.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE = os.path.join(HERE, "..", "support", "make_ja_mail.py")


def run(cmd, ok=(0,)):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p.stdout


def scan(a, conf, state, paths):
    out = run([a.mamori, "scan", "--json", "-j", "1", "-c", conf, "--state", state] + paths,
              ok=(0, 1))
    return [json.loads(line) for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    w = os.path.abspath(a.workdir)
    os.makedirs(w, exist_ok=True)
    train, test, bare = (os.path.join(w, d) for d in ("train", "test", "bare"))
    run([sys.executable, MAKE, train, "--seed", "1", "--spam", "40", "--ham", "40"])
    run([sys.executable, MAKE, test, "--seed", "2", "--spam", "12", "--ham", "12"])
    run([sys.executable, MAKE, bare, "--seed", "2", "--spam", "12", "--ham", "12",
         "--no-body"])
    conf = os.path.join(w, "bayes.conf")
    with open(conf, "w") as f:
        f.write("bayes = { min_learned = 20; };\n")
    state = os.path.join(w, "state")
    shutil.rmtree(state, ignore_errors=True)    # a fresh model each run
    os.makedirs(state)
    errors = []

    out = run([a.mamori, "learn", "-c", conf, "--state", state, "--spam",
               os.path.join(train, "spam")])
    if out.strip() != "40 messages as spam: 40 learned":
        errors.append(f"learn --spam: {out.strip()!r}")
    out = run([a.mamori, "learn", "-c", conf, "--state", state, "--ham",
               os.path.join(train, "ham")])
    if out.strip() != "40 messages as ham: 40 learned":
        errors.append(f"learn --ham: {out.strip()!r}")

    probs = {}
    for kind, want, other in (("spam", "BAYES_SPAM", "BAYES_HAM"),
                              ("ham", "BAYES_HAM", "BAYES_SPAM")):
        paths = sorted(glob.glob(os.path.join(test, kind, "*.eml")))
        for r in scan(a, conf, state, paths):
            name = os.path.relpath(r["message"]["source"], test)
            b = r.get("bayes", {})
            if want not in r["symbols"] or other in r["symbols"]:
                errors.append(f"{name}: symbols {sorted(r['symbols'])}, bayes {b}")
            if b.get("learned") != {"spam": 40, "ham": 40}:
                errors.append(f"{name}: learned {b.get('learned')}")
            probs[name] = b.get("prob")
        paths = sorted(glob.glob(os.path.join(bare, kind, "*.eml")))
        for r in scan(a, conf, state, paths):
            name = os.path.relpath(r["message"]["source"], bare)
            b = r.get("bayes", {})
            p, full = b.get("prob"), probs.get(name)
            weight = sum(abs(r["symbols"].get(s, {}).get("score", 0))
                         for s in ("BAYES_SPAM", "BAYES_HAM"))
            # with its body: certain; without: no decision either way
            sure = full is not None and (full >= 0.99 if kind == "spam" else full <= 0.01)
            if not sure or p is None or not 0.3 < p < 0.7 or weight >= 0.5:
                errors.append(f"{name}: probability {full} with its body, {p} without "
                              f"(BAYES weight {weight:.3f})")

    out = run([a.mamori, "learn", "-c", conf, "--state", state, "--spam",
               os.path.join(train, "spam")])
    if out.strip() != "40 messages as spam: 40 already learned":
        errors.append(f"learn --spam again: {out.strip()!r}")
    out = run([a.mamori, "learn", "-c", conf, "--state", state, "--ham", "--forget",
               os.path.join(train, "ham")])
    if out.strip() != "40 messages as ham (forget): 40 forgotten":
        errors.append(f"learn --forget: {out.strip()!r}")
    r = scan(a, conf, state, [os.path.join(test, "spam", "000.eml")])[0]
    want = "learned 40 spam and 0 ham; bayes.min_learned is 20 of each"
    if r.get("bayes", {}).get("skipped") != want or "BAYES_SPAM" in r["symbols"]:
        errors.append(f"after forget: bayes {r.get('bayes')}, symbols {sorted(r['symbols'])}")

    for e in errors:
        print("FAIL", e)
    print(f"bayes_ja: {len(probs)} held-out mails, {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""learn_cli.py - `mamori learn`: its usage errors, idempotence over an
mbox and stdin, relearning, forgetting, and what a scan then reports.

usage: learn_cli.py MAMORI WORKDIR

Checks, each with the exact output or message:
  - no class, both classes, no input, a relative, missing or non-directory
    --state, a
    configuration with bayes.enabled = false: exit 2 and a message;
  - an unreadable input among readable ones: exit 1, the rest learned;
  - an mbox of 3 messages learned as spam (3 learned), the same messages
    again as single files (3 already learned), one of them from stdin
    as ham (1 relearned), --forget of all three (3 forgotten), again
    (3 not learned);
  - `mamori scan --state` of a message then says how many were learned.
"""
import json
import os
import shutil
import subprocess
import sys


def msg(i):
    return (f"From: sender{i}@example.org\nTo: user@example.com\n"
            f"Subject: offer {i}\nMessage-ID: <m{i}@example.org>\n"
            f"Date: Mon, 7 Dec 2026 10:00:00 +0000\n\n"
            f"cheap pills number {i} buy now\n").encode()


def main():
    mamori, w = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    state = os.path.join(w, "state")
    os.makedirs(state)
    files = []
    for i in range(3):
        p = os.path.join(w, f"m{i}.eml")
        with open(p, "wb") as f:
            f.write(msg(i))
        files.append(p)
    mbox = os.path.join(w, "three.mbox")
    with open(mbox, "wb") as f:
        for i in range(3):
            f.write(b"From sender@example.org Mon Dec  7 10:00:00 2026\n" + msg(i) + b"\n")
    off = os.path.join(w, "off.conf")
    with open(off, "w") as f:
        f.write("bayes = { enabled = false; };\n")
    env = dict(os.environ, MAMORI_CONFIG="/dev/null")
    errors = []

    def run(args, want_rc, want_out=None, want_err=None, stdin=None):
        p = subprocess.run([mamori, "learn"] + args, capture_output=True, env=env,
                           input=stdin)
        out, err = p.stdout.decode().strip(), p.stderr.decode().strip()
        if p.returncode != want_rc or (want_out is not None and out != want_out) or \
                (want_err is not None and want_err not in err):
            errors.append(f"learn {' '.join(args)}: exit {p.returncode} (want {want_rc}), "
                          f"stdout {out!r} (want {want_out!r}), stderr {err!r} "
                          f"(want {want_err!r})")

    st = ["--state", state]
    run(st + files, 2, "", "give one of --spam and --ham")
    run(st + ["--spam", "--ham"] + files, 2, "", "give one of --spam and --ham")
    run(st + ["--spam"], 2, "", "no input")
    run(["--state", "relative/dir", "--spam"] + files, 2, "", "is not an absolute path")
    run(["--state", os.path.join(w, "missing"), "--spam"] + files, 2, "",
        "the state directory %s: No such file or directory" % os.path.join(w, "missing"))
    run(["--state", files[0], "--spam"] + files, 2, "",
        "the state directory %s: not a directory" % files[0])
    run(st + ["-c", off, "--spam"] + files, 2, "", "bayes.enabled is false")
    run(st + ["--spam", files[0], os.path.join(w, "nothing.eml")], 1,
        "1 messages as spam: 1 learned", "nothing.eml: No such file or directory")

    run(st + ["--spam", mbox], 0, "3 messages as spam: 2 learned, 1 already learned")
    run(st + ["--spam"] + files, 0, "3 messages as spam: 3 already learned")
    run(st + ["--ham", "-"], 0, "1 messages as ham: 1 relearned", stdin=msg(1))
    run(st + ["--spam", "--forget"] + files, 0, "3 messages as spam (forget): 3 forgotten")
    run(st + ["--ham", "--forget", mbox], 0, "3 messages as ham (forget): 3 not learned")
    run(st + ["--spam"] + files[:2], 0, "2 messages as spam: 2 learned")

    p = subprocess.run([mamori, "scan", "--json", "--state", state, files[2]],
                       capture_output=True, env=env)
    b = json.loads(p.stdout).get("bayes")
    want = {"skipped": "learned 2 spam and 0 ham; bayes.min_learned is 200 of each",
            "learned": {"spam": 2, "ham": 0}}
    if b != want:
        errors.append(f"scan: bayes {b}, want {want}")

    for e in errors:
        print("FAIL", e)
    print(f"learn_cli: {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

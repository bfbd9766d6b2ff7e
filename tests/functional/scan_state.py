#!/usr/bin/env python3
"""scan_state.py - `mamori scan --state DIR`: the store of DIR is opened and
handed to the engine, the verdict is the one without --state; a relative,
missing or non-directory DIR is refused with a clear message and exit 2,
and nothing is created.

usage: scan_state.py MAMORI EML
"""

import os
import sqlite3
import subprocess
import sys
import tempfile


def run(mamori, *args):
    p = subprocess.run([mamori, "scan", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       env={**os.environ, "MAMORI_CONFIG": "/dev/null"}, timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    mamori, eml = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    base_rc, base_out, _ = run(mamori, eml)
    check(base_rc in (0, 1) and base_out.startswith(eml + ": "), f"without --state: {base_out.strip()}")

    with tempfile.TemporaryDirectory(prefix="scan_state-") as d:
        state = os.path.join(d, "state")
        os.mkdir(state)
        rc, out, err = run(mamori, "--state", state, eml)
        check(rc == base_rc and out == base_out, f"--state DIR: same verdict (rc {rc}): {out.strip()} {err.strip()}")
        db = os.path.join(state, "mamori.db")
        check(os.path.isfile(db), "--state DIR: the store was opened (mamori.db)")
        if os.path.isfile(db):
            con = sqlite3.connect(db)
            v = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            con.close()
            check(v == 4, f"schema version {v} (4)")
            check({"state_kv", "state_counter", "state_row", "quarantine"} <= tables,
                  "the generic state tables and the quarantine")
        # again: an existing store opens
        rc, out, err = run(mamori, "--json", "--state", state, eml)
        check(rc == base_rc and out.startswith("{"), f"--state DIR again, --json: rc {rc} {err.strip()}")

        # refused, with exit 2, a message naming the problem, nothing created
        cwd = os.getcwd()
        os.chdir(d)
        try:
            rc, out, err = run(mamori, "--state", "rel/state", eml)
        finally:
            os.chdir(cwd)
        check(rc == 2 and out == "" and "--state rel/state: not an absolute path" in err
              and not os.path.exists(os.path.join(d, "rel")), f"relative: rc {rc}: {err.strip()}")
        missing = os.path.join(d, "missing")
        rc, out, err = run(mamori, "--state", missing, eml)
        check(rc == 2 and out == "" and f"--state {missing}: No such file or directory" in err
              and not os.path.exists(missing), f"missing: rc {rc}: {err.strip()}")
        rc, out, err = run(mamori, "--state", db, eml)
        check(rc == 2 and out == "" and f"--state {db}: not a directory" in err,
              f"a file: rc {rc}: {err.strip()}")
        rc, out, err = run(mamori, "--state", eml)     # the message taken as DIR, no input
        check(rc == 2 and "not a directory" in err, f"a message as DIR: rc {rc}: {err.strip()}")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

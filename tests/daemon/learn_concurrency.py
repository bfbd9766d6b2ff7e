#!/usr/bin/env python3
"""learn_concurrency.py - learning under concurrent scans loses no update.

usage: learn_concurrency.py --mamori BIN --qput BIN --work DIR

`mamori serve --state DIR` (127.0.0.1, 4 scan threads, bayes.batch = 5 so
that `mamori learn` commits many small transactions).  While 4 client
threads POST /scan continuously (Japanese mail of a third set), two
threads POST /learn/spam and /learn/ham (100 + 100 messages, one commit
each) and, at the same time, two `mamori learn` processes learn another
100 spam and 100 ham into the same store (20 commits each).  Then:

  - every request answered 200 (scans: a JSON report; learns:
    {"outcome": "learned"}), and the CLI printed "100 messages as spam: 100
    learned" / "... ham ...";
  - the model's counts, as the server's next report shows them, are
    exactly 200 spam and 200 ham (the distinct messages learned: no update
    lost, none counted twice);
  - learning all of them again, from both sides, changes nothing
    ("already learned", counts unchanged).
"""
import os
import subprocess
import sys
import threading
import time

from daemon_util import check, exit_status, fail, parse_args
from learn_util import (Server, as_nobody, conf_text, learned, make_ja, new_state,
                        read, run, sanitizer_clean, write_conf)

N = 100
SCANNERS = 4


def main():
    a = parse_args("qput", "work", work="work")
    w = a.work
    http_spam, http_ham = make_ja(os.path.join(w, "http"), 11, N, N)
    cli_dir = os.path.join(w, "cli")
    cli_spam, cli_ham = make_ja(cli_dir, 12, N, N)
    scan_spam, scan_ham = make_ja(os.path.join(w, "scan"), 13, 10, 10)
    state = new_state(w)
    conf = write_conf(w, "mamori.conf",
                      conf_text(bayes="min_learned = 20; refresh_s = 1; batch = 5;"))
    log = os.path.join(w, "serve.log")
    srv = Server(a.mamori, conf, state, log)
    lock = threading.Lock()
    errors = []
    counts = {"scan": 0, "learn": 0}
    stop = threading.Event()

    def err(msg):
        with lock:
            errors.append(msg)

    def scanner(k):
        msgs = [read(p) for p in scan_spam + scan_ham]
        i = k
        while not stop.is_set():
            try:
                st, _, body = srv.request("POST", "/scan", body=msgs[i % len(msgs)])
                if st != 200 or b'"action"' not in body:
                    err("scan: status %d: %r" % (st, body[:200]))
            except OSError as e:
                err("scan: %s" % e)
            with lock:
                counts["scan"] += 1
            i += 1

    def learner(cls, paths):
        for p in paths:
            try:
                st, j = srv.learn(cls, read(p))
                if st != 200 or j != {"outcome": "learned"}:
                    err("learn %s %s: status %d %r" % (cls, p, st, j))
            except OSError as e:
                err("learn %s: %s" % (cls, e))
            with lock:
                counts["learn"] += 1

    try:
        if not srv.wait_ready():
            sys.exit("mamori serve did not come up (see %s)" % log)
        scanners = [threading.Thread(target=scanner, args=(k,)) for k in range(SCANNERS)]
        for t in scanners:
            t.start()
        time.sleep(0.5)     # the scans are running
        learners = [threading.Thread(target=learner, args=("spam", http_spam)),
                    threading.Thread(target=learner, args=("ham", http_ham))]
        t0 = time.monotonic()
        clis = [subprocess.Popen([a.mamori, "learn", "-c", conf, "--state", state,
                                  "--" + cls, os.path.join(cli_dir, cls)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=as_nobody)
                for cls in ("spam", "ham")]
        for t in learners:
            t.start()
        outs = [c.communicate(timeout=300) for c in clis]
        for t in learners:
            t.join()
        secs = time.monotonic() - t0
        time.sleep(0.3)     # a few scans after the last learn
        stop.set()
        for t in scanners:
            t.join()
        print("learned %d over HTTP and %d by 2 CLI processes in %.1f s, during %d scans"
              % (counts["learn"], 2 * N, secs, counts["scan"]), flush=True)
        check(not errors, "every request answered 200 (%d errors%s)"
              % (len(errors), (": " + "; ".join(errors[:5])) if errors else ""))
        check(counts["learn"] == 2 * N, "%d learn requests" % counts["learn"])
        for c, (out, errout), cls in zip(clis, outs, ("spam", "ham")):
            check(c.returncode == 0 and out.strip() == "%d messages as %s: %d learned"
                  % (N, cls, N), "mamori learn --%s: exit %d, %r %r"
                  % (cls, c.returncode, out.strip(), errout.strip()))
        time.sleep(1.2)     # bayes.refresh_s
        rep = srv.scan(read(scan_spam[0]))
        check(learned(rep) == (2 * N, 2 * N), "the model counts %d spam and %d ham: %r"
              % (2 * N, 2 * N, learned(rep)))

        # again, from both sides: nothing changes
        again = []
        for cls, paths in (("spam", http_spam[:10] + cli_spam[:10]),
                           ("ham", http_ham[:10] + cli_ham[:10])):
            for p in paths:
                st, j = srv.learn(cls, read(p))
                again.append((st, (j or {}).get("outcome")))
        check(all(x == (200, "already learned") for x in again),
              "learning 40 of them again over HTTP: already learned (%r)"
              % sorted(set(again)))
        for cls in ("spam", "ham"):
            p = run([a.mamori, "learn", "-c", conf, "--state", state, "--" + cls,
                     os.path.join(w, "http", cls)])
            check(p.stdout.strip() == "%d messages as %s: %d already learned" % (N, cls, N),
                  "the HTTP-learned %s again with mamori learn: %r" % (cls, p.stdout.strip()))
        time.sleep(1.2)
        rep = srv.scan(read(scan_spam[0]))
        check(learned(rep) == (2 * N, 2 * N), "still %d and %d: %r"
              % (2 * N, 2 * N, learned(rep)))
        srv.stop_checked()
    finally:
        stop.set()
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    sanitizer_clean(log)
    if errors:
        fail("%d failed requests" % len(errors))
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""learn_autolearn.py - bayes.autolearn: what is learned, and when it is
written.

usage: learn_autolearn.py --mamori BIN --qput BIN --work DIR

Japanese mail (tests/support/make_ja_mail.py) scores 0 without the
classifier; the test gives it a score of its own by weights: a spam
without its Date header gets MISSING_DATE (weight 20 here), a ham
without its To header MISSING_TO (weight -5).  autolearn_spam = 5,
autolearn_ham = -1, so that BAYES_SPAM (6) or BAYES_HAM (-3) alone would
cross the thresholds if they were counted.  With `mamori scan --state`:

  - on an empty model, a spam without Date is not autolearned (min_learned);
  - after 25 + 25 learned: with autolearn off (the default) nothing;
    on: the spam without Date says "autolearn": "spam", the ham without
    To "autolearn": "ham", the intact held-out spam and ham (BAYES_SPAM /
    BAYES_HAM only) nothing; the next run counts 26 and 26 (written when
    the engine was freed); the same again: nothing more;
  - a spam without To (-5) that an operator learned as spam first is not
    moved to ham (counts unchanged).

With `mamori serve`:
  - autolearn_commit_s = 1: an autolearned message is counted by the
    running server after the interval (written by a later scan), without
    a stop;
  - autolearn_commit_s = 3600: not written after 1.5 s of scans (no
    transaction per message), written by SIGHUP (the old engine freed),
    and by SIGTERM.
"""
import os
import signal
import sys
import time

from daemon_util import check, exit_status, fail, parse_args
from learn_util import (Server, bayes, conf_text, learned, make_ja, new_state, read, run,
                        sanitizer_clean, write_conf)
import json


def strip_header(src, name, dst):
    with open(src, "rb") as f:
        lines = f.read().split(b"\r\n")
    with open(dst, "wb") as f:
        f.write(b"\r\n".join(l for l in lines if not l.startswith(name + b":")))
    return dst


def conf(w, name, on=True, commit_s=3600):
    return write_conf(w, name, conf_text(
        bayes="min_learned = 20; refresh_s = 1; autolearn = %s; autolearn_spam = 5.0; "
              "autolearn_ham = -1.0; autolearn_commit_s = %d;"
              % ("true" if on else "false", commit_s),
        extra="symbols = { MISSING_DATE = { weight = 20; }; MISSING_TO = { weight = -5; }; };\n"))


def scan(a, cfg, state, paths):
    p = run([a.mamori, "scan", "--json", "-j", "1", "-c", cfg, "--state", state] + paths,
            ok=(0, 1))
    return [json.loads(line) for line in p.stdout.splitlines()]


def main():
    a = parse_args("qput", "work", work="work")
    w = a.work
    spam, ham = make_ja(os.path.join(w, "train"), 1, 25, 25)
    ts, th = make_ja(os.path.join(w, "test"), 2, 8, 4)
    m = {}
    for i in range(6):
        m["s%d_nodate" % i] = strip_header(ts[i], b"Date", os.path.join(w, "s%d-nodate.eml" % i))
    m["h_noto"] = strip_header(th[0], b"To", os.path.join(w, "h-noto.eml"))
    m["s_noto"] = strip_header(ts[6], b"To", os.path.join(w, "s-noto.eml"))
    on, off = conf(w, "on.conf"), conf(w, "off.conf", on=False)
    state = new_state(w)

    r = scan(a, on, state, [m["s0_nodate"]])[0]
    check(r["score"] >= 20 and "autolearn" not in bayes(r) and "skipped" in bayes(r),
          "empty model: score %s, not autolearned (%r)" % (r["score"], bayes(r)))
    for cls, paths in (("spam", spam), ("ham", ham)):
        run([a.mamori, "learn", "-c", on, "--state", state, "--" + cls,
             os.path.dirname(paths[0])])
    r = scan(a, off, state, [m["s0_nodate"]])[0]
    check("autolearn" not in bayes(r), "autolearn off: nothing (%r)" % bayes(r))
    r = scan(a, off, state, [ts[7]])[0]
    check(learned(r) == (25, 25), "autolearn off: still 25 and 25 (%r)" % (learned(r),))

    reps = scan(a, on, state, [m["s0_nodate"], m["h_noto"], ts[7], th[1]])
    got = [bayes(x).get("autolearn") for x in reps]
    check(got == ["spam", "ham", None, None],
          "autolearn: spam without Date, ham without To; the intact spam and ham, with "
          "BAYES_SPAM/BAYES_HAM only, not (%r; scores %r)"
          % (got, [x["score"] for x in reps]))
    r = scan(a, on, state, [m["s0_nodate"], m["h_noto"]])
    check(learned(r[0]) == (26, 26), "written when the engine was freed: 26 and 26 (%r)"
          % (learned(r[0]),))
    check([bayes(x).get("autolearn") for x in r] == [None, None],
          "the same messages again: nothing (%r)" % [bayes(x) for x in r])

    run([a.mamori, "learn", "-c", on, "--state", state, "--spam", m["s_noto"]])
    r = scan(a, on, state, [m["s_noto"]])[0]
    check(r["score"] <= -1 + 6 and "autolearn" not in bayes(r),
          "a spam learned by the operator, scoring as ham: not moved (%r)" % bayes(r))
    r = scan(a, on, state, [ts[7]])[0]
    check(learned(r) == (27, 26), "27 spam and 26 ham: %r" % (learned(r),))

    logs = []
    # the daemon writes after autolearn_commit_s, without a stop
    log = os.path.join(w, "serve-1s.log")
    logs.append(log)
    srv = Server(a.mamori, conf(w, "on1.conf", commit_s=1), state, log)
    try:
        if not srv.wait_ready():
            sys.exit("mamori serve did not come up (see %s)" % log)
        r = srv.scan(read(m["s1_nodate"]))
        check(bayes(r).get("autolearn") == "spam" and learned(r) == (27, 26),
              "serve: autolearned (%r)" % bayes(r))
        seen, t0 = None, time.monotonic()
        while time.monotonic() - t0 < 5:
            r = srv.scan(read(ts[7]))
            if learned(r) == (28, 26):
                seen = time.monotonic() - t0
                break
            time.sleep(0.1)
        check(seen is not None and seen >= 0.9, "the running server counts it after the "
              "interval: %s s (%r)" % (seen and "%.2f" % seen, learned(r)))
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()

    # autolearn_commit_s = 3600: written by a reload and by a stop
    log = os.path.join(w, "serve-3600.log")
    logs.append(log)
    srv = Server(a.mamori, conf(w, "on3600.conf", commit_s=3600), state, log)
    try:
        if not srv.wait_ready():
            sys.exit("mamori serve did not come up (see %s)" % log)
        r = srv.scan(read(m["s2_nodate"]))
        check(bayes(r).get("autolearn") == "spam", "serve: autolearned (%r)" % bayes(r))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            r = srv.scan(read(ts[7]))
            time.sleep(0.1)
        check(learned(r) == (28, 26), "not written within 1.5 s of scans (%r)" % (learned(r),))
        srv.proc.send_signal(signal.SIGHUP)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5 and "configuration reloaded" not in srv.log_text():
            time.sleep(0.05)
        time.sleep(1.2)     # bayes.refresh_s of the new engine
        r = srv.scan(read(ts[7]))
        check(learned(r) == (29, 26), "written by SIGHUP: 29 spam (%r)" % (learned(r),))
        r = srv.scan(read(m["s3_nodate"]))
        check(bayes(r).get("autolearn") == "spam", "serve: autolearned (%r)" % bayes(r))
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    r = scan(a, off, state, [ts[7]])[0]
    check(learned(r) == (30, 26), "written by SIGTERM: 30 spam (%r)" % (learned(r),))
    sanitizer_clean(*logs)
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())

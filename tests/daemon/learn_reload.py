#!/usr/bin/env python3
"""learn_reload.py - a running `mamori serve` picks up what `mamori learn`
learned in another process, without a restart.

usage: learn_reload.py --mamori BIN --qput BIN --work DIR

`mamori serve --state DIR` (127.0.0.1, bayes.refresh_s = 1, min_learned =
20) scans held-out Japanese spam: bayes is skipped, "learned 0 spam and 0
ham".  Then `mamori learn --state DIR` (another process) learns 25 spam
and 25 ham (tests/support/make_ja_mail.py, another seed); the test
requires, polling POST /scan, that within 3 s of the end of `mamori
learn` the held-out spam gets BAYES_SPAM with the learned counts equal to
what `mamori learn` printed, and that every held-out spam and ham is then
judged as such (BAYES_SPAM / BAYES_HAM).
"""
import os
import sys
import time

from daemon_util import check, exit_status, parse_args
from learn_util import (Server, bayes, conf_text, has, learned, make_ja, new_state, read,
                        run, sanitizer_clean, write_conf)


def main():
    a = parse_args("qput", "work", work="work")
    w = a.work
    train_spam, train_ham = make_ja(os.path.join(w, "train"), 1, 25, 25)
    test_spam, test_ham = make_ja(os.path.join(w, "test"), 2, 4, 4)
    state = new_state(w)
    conf = write_conf(w, "mamori.conf", conf_text())
    log = os.path.join(w, "serve.log")
    srv = Server(a.mamori, conf, state, log)
    try:
        if not srv.wait_ready():
            sys.exit("mamori serve did not come up (see %s)" % log)
        rep = srv.scan(read(test_spam[0]))
        check(bayes(rep) == {"skipped": "learned 0 spam and 0 ham; bayes.min_learned is 20 "
                                        "of each"} and not has(rep, "BAYES_SPAM"),
              "before learning: bayes skipped, nothing learned (%r)" % bayes(rep))

        out = []
        for cls, paths in (("spam", train_spam), ("ham", train_ham)):
            p = run([a.mamori, "learn", "-c", conf, "--state", state, "--" + cls,
                     os.path.dirname(paths[0])])
            out.append(p.stdout.strip())
        done = time.monotonic()
        check(out == ["25 messages as spam: 25 learned", "25 messages as ham: 25 learned"],
              "mamori learn printed %r" % out)

        rep, waited = None, None
        while time.monotonic() - done < 3.0:
            rep = srv.scan(read(test_spam[0]))
            if has(rep, "BAYES_SPAM"):
                waited = time.monotonic() - done
                break
            time.sleep(0.05)
        check(waited is not None, "the server judged with the new model within 3 s "
              "(after %s s; last bayes %r)" % (None if waited is None else "%.2f" % waited,
                                              bayes(rep)))
        check(learned(rep) == (25, 25), "its report counts what mamori learn printed: %r"
              % (learned(rep),))
        for kind, paths, sym in (("spam", test_spam, "BAYES_SPAM"),
                                 ("ham", test_ham, "BAYES_HAM")):
            got = [has(srv.scan(read(p)), sym) for p in paths]
            check(all(got), "held-out %s: %s on %d of %d" % (kind, sym, sum(got), len(got)))
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    sanitizer_clean(log)
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())

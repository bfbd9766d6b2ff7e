#!/usr/bin/env python3
"""learn_http.py - POST /learn/spam|ham and `mamori quarantine learn`.

usage: learn_http.py --mamori BIN --qput BIN --work DIR

`mamori serve --state DIR` on 127.0.0.1 (http.token set, http.max_body =
64K, bayes.min_learned = 20, refresh_s = 1):

  - 401 (+ WWW-Authenticate) without the token and with a wrong one, 405
    for GET, 404 for /learn/other, 400 for an empty body and for
    forget=maybe, 413 for a body over http.max_body (Content-Length, and
    chunked); all JSON, nothing learned by any of them;
  - a message learned as spam: "learned"; again: "already learned"; as
    ham: "relearned"; ?forget=1: "forgotten"; again: "not learned"; then
    25 spam and 25 ham learned over HTTP: the next report counts exactly
    25 and 25 and judges held-out mail (BAYES_SPAM); /metrics has
    mamori_learned_total for each class and outcome seen, with the
    exact numbers;
  - `mamori quarantine learn ID spam` of an entry put with qput (a
    Japanese spam): "ID: spam: learned", exit 0; again: "already learned";
    the server's next report counts 26 spam; --forget: "forgotten", 25
    again; an unknown id: exit 1; a bad class: exit 2; a deleted entry:
    exit 1;
  - a server without http.token: 403; with a state directory that cannot
    be opened: 503 (and /scan 200); with bayes.enabled = false: 503.
"""
import os
import re
import socket
import sys
import time

from daemon_util import check, exit_status, fail, parse_args
from learn_util import (AUTH, Server, conf_text, has, learned, make_ja, new_state, read,
                        run, sanitizer_clean, write_conf)


def metric_values(srv):
    st, _, body = srv.request("GET", "/metrics")
    vals = {}
    for line in body.decode().splitlines():
        m = re.match(r'^mamori_learned_total\{class="([^"]*)",outcome="([^"]*)"\} (\d+)$',
                     line)
        if m:
            vals[(m.group(1), m.group(2))] = int(m.group(3))
    return vals


def chunked_post(port, path, size):
    """A chunked body of size bytes: the status line's code."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n" % (path, AUTH["Authorization"]))
                  .encode())
        chunk = b"x" * 16384
        sent = 0
        try:
            while sent < size:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass    # the server answered and closed
        data = s.recv(4096)
        return int(data.split()[1]) if data.startswith(b"HTTP/1.1 ") else -1
    finally:
        s.close()


def refused(srv, what, status, path, body, headers, err_part):
    st, j = srv.learn(path, body, headers=headers) if not path.startswith("GET") else \
        (None, None)
    ok = st == status and isinstance(j, dict) and j.get("status") == status and \
        err_part in j.get("error", "")
    check(ok, "%s: %s (%r %r)" % (what, status, st, j))


def run_http(a, srv, spam, ham, test_spam):
    msg = read(spam[0])
    refused(srv, "no token", 401, "spam", msg, {}, "bearer token")
    refused(srv, "wrong token", 401, "spam", msg, {"Authorization": "Bearer nope-nope-nope-x"},
            "bearer token")
    st, hdrs, _ = srv.request("POST", "/learn/spam", body=msg)
    check(hdrs.get("WWW-Authenticate") == 'Bearer realm="mamori"', "401 names the scheme")
    st, _, body = srv.request("GET", "/learn/spam", headers=AUTH)
    check(st == 405, "GET /learn/spam: 405 (%d)" % st)
    refused(srv, "/learn/other", 404, "other", msg, AUTH, "no such endpoint")
    refused(srv, "empty body", 400, "spam", b"", AUTH, "no message")
    st, _, body = srv.request("POST", "/learn/spam?forget=maybe", body=msg, headers=AUTH)
    check(st == 400 and b"forget must be" in body, "forget=maybe: 400 (%d)" % st)
    big = msg + b"x" * (64 * 1024)
    refused(srv, "body over http.max_body", 413, "ham", big, AUTH, "http.max_body")
    check(chunked_post(srv.port, "/learn/ham", 200 * 1024) == 413,
          "chunked body over http.max_body: 413")
    rep = srv.scan(read(test_spam[0]))
    check(learned(rep) == (0, 0), "nothing learned by the refused requests: %r"
          % (learned(rep),))

    seq = [("spam", False, "learned"), ("spam", False, "already learned"),
           ("ham", False, "relearned"), ("ham", True, "forgotten"),
           ("spam", True, "not learned")]
    for cls, forget, want in seq:
        st, j = srv.learn(cls, msg, forget=forget)
        check(st == 200 and j == {"outcome": want}, "POST /learn/%s%s: %s (%d %r)"
              % (cls, "?forget=1" if forget else "", want, st, j))
    rep = srv.scan(read(test_spam[0]))
    check(learned(rep) == (0, 0), "learned, moved, forgotten: counts 0 and 0: %r"
          % (learned(rep),))

    for cls, paths in (("spam", spam), ("ham", ham)):
        bad = [p for p in paths if srv.learn(cls, read(p)) != (200, {"outcome": "learned"})]
        check(not bad, "%d %s learned over HTTP (%d not)" % (len(paths), cls, len(bad)))
    # the server learned it itself: seen at its next scan
    rep = srv.scan(read(test_spam[0]))
    check(learned(rep) == (25, 25) and has(rep, "BAYES_SPAM"),
          "the next report counts 25 and 25 and judges a held-out spam: %r %r"
          % (learned(rep), rep.get("bayes")))
    m = metric_values(srv)
    want = {("spam", "learned"): 26, ("spam", "already learned"): 1,
            ("ham", "relearned"): 1, ("ham", "learned"): 25,
            ("forget", "forgotten"): 1, ("forget", "not learned"): 1}
    check(m == want, "mamori_learned_total: %r" % m)


def run_quarantine(a, srv, conf, state, qid, other_id, test_spam):
    q = [a.mamori, "quarantine", "-c", conf, "--state", state]
    p = run(q + ["learn", qid, "spam"], ok=None)
    check(p.returncode == 0 and p.stdout.strip() == "%s: spam: learned" % qid,
          "quarantine learn ID spam: %d %r %r" % (p.returncode, p.stdout, p.stderr))
    p = run(q + ["learn", qid, "spam"], ok=None)
    check(p.returncode == 0 and p.stdout.strip() == "%s: spam: already learned" % qid,
          "again: already learned (%d %r)" % (p.returncode, p.stdout))
    time.sleep(1.2)     # bayes.refresh_s: another process learned
    rep = srv.scan(read(test_spam[0]))
    check(learned(rep) == (26, 25), "the server's next report counts it: %r"
          % (learned(rep),))
    p = run(q + ["learn", qid, "ham", "--forget"], ok=None)
    check(p.returncode == 0 and p.stdout.strip() == "%s: ham (forget): forgotten" % qid,
          "learn ID ham --forget: forgotten (%d %r)" % (p.returncode, p.stdout))
    time.sleep(1.2)
    rep = srv.scan(read(test_spam[0]))
    check(learned(rep) == (25, 25), "forgotten: 25 again: %r" % (learned(rep),))
    p = run(q + ["learn", "0" * 32, "spam"], ok=None)
    check(p.returncode == 1 and "no such entry" in p.stderr, "unknown id: exit 1 (%d %r)"
          % (p.returncode, p.stderr))
    p = run(q + ["learn", qid, "junk"], ok=None)
    check(p.returncode == 2, "bad class: exit 2 (%d)" % p.returncode)
    p = run(q + ["learn", qid], ok=None)
    check(p.returncode == 2, "no class: exit 2 (%d)" % p.returncode)
    run(q + ["delete", other_id])
    p = run(q + ["learn", other_id, "ham"], ok=None)
    check(p.returncode == 1 and "deleted" in p.stderr, "a deleted entry: exit 1 (%d %r)"
          % (p.returncode, p.stderr))


def other_servers(a, w, msg):
    # no token: 403
    state = new_state(w, "state-notoken")
    conf = write_conf(w, "notoken.conf", conf_text(token=False))
    log = os.path.join(w, "serve-notoken.log")
    srv = Server(a.mamori, conf, state, log)
    try:
        if srv.wait_ready():
            refused(srv, "no http.token", 403, "spam", msg, AUTH, "set http.token")
        else:
            fail("server without a token did not come up")
    finally:
        srv.stop()
    # a state directory that cannot be opened: 503, /scan still 200
    notdir = os.path.join(w, "not-a-directory")
    with open(notdir, "w") as f:
        f.write("x")
    conf = write_conf(w, "nostore.conf", conf_text())
    log2 = os.path.join(w, "serve-nostore.log")
    srv = Server(a.mamori, conf, notdir, log2)
    try:
        if srv.wait_ready():
            refused(srv, "no store", 503, "spam", msg, AUTH, "no store to learn into")
            refused(srv, "no store, no token", 401, "spam", msg, {}, "bearer token")
            check(srv.scan(msg) is not None, "no store: /scan 200")
        else:
            fail("server without a store did not come up")
    finally:
        srv.stop()
    # learning off
    state = new_state(w, "state-off")
    conf = write_conf(w, "off.conf", conf_text(bayes="enabled = false;"))
    log3 = os.path.join(w, "serve-off.log")
    srv = Server(a.mamori, conf, state, log3)
    try:
        if srv.wait_ready():
            refused(srv, "bayes.enabled = false", 503, "ham", msg, AUTH, "learning is off")
        else:
            fail("server with bayes off did not come up")
    finally:
        srv.stop()
    return [log, log2, log3]


def main():
    a = parse_args("qput", "work", work="work")
    w = a.work
    spam, ham = make_ja(os.path.join(w, "train"), 1, 25, 25)
    test_spam, _ = make_ja(os.path.join(w, "test"), 2, 2, 2)
    qmail, _ = make_ja(os.path.join(w, "quarantine"), 3, 2, 0)
    state = new_state(w)
    ids = [run([a.qput, state, p, "sender@example.jp", "user@example.co.jp"]).stdout.strip()
           for p in qmail]
    conf = write_conf(w, "mamori.conf", conf_text())
    log = os.path.join(w, "serve.log")
    srv = Server(a.mamori, conf, state, log)
    try:
        if not srv.wait_ready():
            sys.exit("mamori serve did not come up (see %s)" % log)
        run_http(a, srv, spam, ham, test_spam)
        run_quarantine(a, srv, conf, state, ids[0], ids[1], test_spam)
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
    logs = other_servers(a, w, read(spam[0]))
    sanitizer_clean(log, *logs)
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())

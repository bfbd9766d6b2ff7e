#!/usr/bin/env python3
"""http_test.py - `mamori serve` against the CLI and against hostile clients.

usage: http_test.py --mamori BIN --qput BIN --repo ROOT --workdir DIR

Starts `mamori serve --listen 127.0.0.1:PORT --state DIR` (loopback only)
and checks:
  * POST /scan of every mail of the repository (examples/, tests/functional
    /cases/: more than 40) answers 200 with the report `mamori scan --json`
    prints for the same file, every key but the timings (time_ms, stage_ms)
    equal, and "bayes" (the server has a store, empty; the CLI none); the
    bec module's history is off (bec.history = false) in both;
  * the envelope from X-Mamori-* headers and from query parameters equals
    the CLI's --from/--rcpt/--helo; the queue id is reported;
  * GET /health, GET /metrics (Prometheus text format; the message counter
    and the latency histogram grow by the number of scans);
  * 404 / 405 / 400 answers are JSON;
  * random bytes as a body: 200 and a report; a body 10,000,000 bytes over
    http.max_body: 413 (by Content-Length, and chunked); truncated bodies;
    50 slowloris connections while /health stays fast; 8 threads posting
    at once; SIGHUP reload; SIGTERM stops with status 0;
  * /quarantine (entries put with tests/daemon/qput first): list with and
    without filters, show, raw bytes, release to an aiosmtpd sink on
    127.0.0.1 (exact envelope and body; a second release is 409; a
    recipient the sink refuses is 502 and the entry stays quarantined),
    delete (then show says deleted, raw is 410), bearer token missing or
    wrong (401 + WWW-Authenticate), bad id (400), unknown id (404);
  * a second server without http.token (403), run as daemon.user from the
    configuration (no --user), and a third whose state directory cannot
    be opened (/quarantine 503, /scan 200).
Exit 0 on success, 1 with a message on failure.
"""

import argparse
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from daemon_util import Serve, chown_nobody, exit_status, fail, start_sink
from smtpsink import Sink

MAX_BODY = 1024 * 1024


class Server(Serve):
    def __init__(self, mamori, config, state, log, user_flag=True):
        super().__init__(mamori, config, state, log, threads=4, user=user_flag)

    def request(self, method, path, body=None, headers=None, timeout=None):
        """(status, Content-Type, body)"""
        st, hdrs, body = self.request_h(method, path, body, headers, timeout)
        return st, hdrs.get("Content-Type"), body

    def request_h(self, method, path, body=None, headers=None, timeout=None):
        """(status, headers, body)"""
        return Serve.request(self, method, path, body, headers, timeout)


def corpus(repo):
    files = []
    for pat in ("examples/*.eml", "examples/objects/*.eml",
                "examples/documents/*.eml", "tests/functional/cases/*.eml"):
        files.extend(sorted(glob.glob(os.path.join(repo, pat))))
    return files


def is_mbox(path):
    with open(path, "rb") as f:
        return f.read(5) == b"From "


def cli_reports(mamori, config, files, extra=()):
    out = subprocess.run([mamori, "scan", "--json", "--config", config, *extra, *files],
                         stdout=subprocess.PIPE, check=False).stdout
    by_source = {}
    for line in out.decode().splitlines():
        rep = json.loads(line)
        by_source[rep.get("message", {}).get("source", rep.get("source"))] = rep
    missing = [f for f in files if f not in by_source]
    if missing:
        raise SystemExit("mamori scan printed no report for %s" % missing)
    return [by_source[f] for f in files]


NO_MODEL = {"skipped": "learned 0 spam and 0 ham; bayes.min_learned is 200 of each"}
NO_STORE = {"skipped": "no state directory: the classifier learns into the store "
                       "(mamori scan --state DIR, milter/serve --state)"}


def same_report(what, got, want):
    got = dict(got)
    want = dict(want)
    got.pop("time_ms", None)
    got.pop("stage_ms", None)
    want.pop("stage_ms", None)
    want.pop("time_ms", None)
    # the classifier: the server has a store (nothing learned in it), the
    # CLI, run as root before the store is handed to the server's user,
    # none (it would leave root's files in the server's state directory)
    if got.get("bayes") != NO_MODEL or want.get("bayes") != NO_STORE:
        fail("%s: bayes: http %r, cli %r" % (what, got.get("bayes"), want.get("bayes")))
    got.pop("bayes", None)
    want.pop("bayes", None)
    if got.keys() != want.keys():
        fail("%s: keys differ: %s" % (what, sorted(set(got) ^ set(want))))
        return False
    for k in want:
        if got[k] != want[k]:
            fail("%s: key %s differs: http %r, cli %r" % (what, k, got[k], want[k]))
            return False
    return True


METRIC_LINE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*'
    r'(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*,?)?\})?'
    r' [-+]?([0-9.]+([eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf)( -?[0-9]+)?$')


def metrics(srv):
    st, ctype, body = srv.request("GET", "/metrics")
    if st != 200 or not (ctype or "").startswith("text/plain; version=0.0.4"):
        fail("/metrics: status %d, Content-Type %r" % (st, ctype))
    vals = {}
    for line in body.decode().splitlines():
        if line == "" or line.startswith("#"):
            continue
        if not METRIC_LINE.match(line):
            fail("/metrics: not in the exposition format: %r" % line)
            continue
        name, val = line.rsplit(" ", 1)
        vals[name] = float(val)
    return vals


def http_messages(vals):
    return sum(v for k, v in vals.items()
               if k.startswith("mamori_messages_total{") and 'front="http"' in k)


def scan(srv, data, headers=None, query=""):
    st, ctype, body = srv.request("POST", "/scan" + query, body=data, headers=headers)
    return st, ctype, body


def check_json_error(what, st, ctype, body, want):
    if st != want:
        fail("%s: status %d, want %d" % (what, st, want))
        return
    if ctype != "application/json":
        fail("%s: Content-Type %r" % (what, ctype))
    try:
        j = json.loads(body)
        if "error" not in j:
            fail("%s: no error in %r" % (what, body))
    except ValueError:
        fail("%s: not JSON: %r" % (what, body[:200]))


def raw_exchange(port, head, body_chunks=(), read=True):
    """Send head (+ chunks) on a raw socket; return the status line read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(head)
        for c in body_chunks:
            try:
                s.sendall(c)
            except OSError:
                break
        if not read:
            return None
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                got = s.recv(65536)
                if not got:
                    break
                data += got
        except OSError:
            pass
        return data
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("--qput", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()

    os.makedirs(a.workdir, exist_ok=True)
    state = os.path.join(a.workdir, "state")
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    # the quarantine: entries put before the server starts, then the whole
    # state directory handed to the user the server runs as
    qids = quarantine_put(a, state)
    chown_nobody(state)
    sink = Sink(refuse=REFUSED)
    ctl, sink_port = start_sink(sink)
    config = os.path.join(a.workdir, "mamori.conf")
    with open(config, "w") as f:
        f.write('http = { max_body = "1M"; timeout_s = 30; token = "%s"; };\n'
                'quarantine = { release_smtp = "127.0.0.1:%d"; };\n'
                # the server's correspondent history would change later
                # verdicts (the test mails share Message-IDs): off, so
                # that every report equals the CLI's
                'bec = { history = false; };\n' % (TOKEN, sink_port))
    # one message per file: mbox files (the CLI splits them) are left out
    files = [f for f in corpus(a.repo) if not is_mbox(f)]
    if len(files) < 40:
        raise SystemExit("only %d mails in the repository" % len(files))
    want = cli_reports(a.mamori, config, files)

    srv = Server(a.mamori, config, state, os.path.join(a.workdir, "serve.log"))
    try:
        if not srv.wait_ready():
            raise SystemExit("mamori serve did not come up (see %s/serve.log)" % a.workdir)
        run(a, srv, config, files, want)
        run_quarantine(srv, qids, sink)
        # SIGTERM: a clean stop
        srv.stop_checked()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
        srv.log.close()
        ctl.stop()
    other_servers(a, state, files[0])
    for name in ("serve.log", "serve-notoken.log", "serve-nostore.log"):
        with open(os.path.join(a.workdir, name), errors="replace") as f:
            log = f.read()
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if bad in log:
                fail("sanitizer report in %s: %s" % (name, bad))
    return exit_status("ok")


def run(a, srv, config, files, want):
    m0 = metrics(srv)
    scans = 0

    # every mail, compared with the CLI
    for path, w in zip(files, want):
        with open(path, "rb") as f:
            data = f.read()
        st, ctype, body = scan(srv, data, {"X-Mamori-Source": path})
        scans += 1
        if st != 200 or ctype != "application/json":
            fail("%s: status %d, Content-Type %r" % (path, st, ctype))
            continue
        if not body.endswith(b"\n") or body.count(b"\n") != 1:
            fail("%s: the report is not one line ending in a newline" % path)
        same_report(path, json.loads(body), w)
    print("%d mails: reports equal to mamori scan --json" % len(files), flush=True)

    # the envelope: headers, and query parameters
    env_files = files[:3]
    env_want = cli_reports(a.mamori, config, env_files,
                           ["--from", "sender@example.org", "--rcpt", "a@example.com",
                            "--rcpt", "b@example.com", "--helo", "mx.example.org"])
    for path, w in zip(env_files, env_want):
        with open(path, "rb") as f:
            data = f.read()
        st, _, body = scan(srv, data, {
            "X-Mamori-Source": path, "X-Mamori-Mail-From": "sender@example.org",
            "X-Mamori-Rcpt": "a@example.com, b@example.com",
            "X-Mamori-Helo": "mx.example.org"})
        scans += 1
        if st == 200:
            same_report(path + " (envelope headers)", json.loads(body), w)
        else:
            fail("%s: envelope headers: status %d" % (path, st))
        q = "?" + urllib.parse.urlencode([
            ("source", path), ("from", "sender@example.org"), ("rcpt", "a@example.com"),
            ("rcpt", "b@example.com"), ("helo", "mx.example.org")])
        st, _, body = scan(srv, data, query=q)
        scans += 1
        if st == 200:
            same_report(path + " (query parameters)", json.loads(body), w)
        else:
            fail("%s: query parameters: status %d" % (path, st))
    # repeated X-Mamori-Rcpt headers and the queue id
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    c.putrequest("POST", "/scan")
    with open(env_files[0], "rb") as f:
        data = f.read()
    for h, v in (("X-Mamori-Source", env_files[0]), ("X-Mamori-Mail-From", "sender@example.org"),
                 ("X-Mamori-Rcpt", "a@example.com"), ("X-Mamori-Rcpt", "b@example.com"),
                 ("X-Mamori-Helo", "mx.example.org"), ("X-Mamori-Queue-Id", "4XyZ12AbC"),
                 ("Content-Length", str(len(data)))):
        c.putheader(h, v)
    c.endheaders(data)
    r = c.getresponse()
    body = r.read()
    c.close()
    scans += 1
    rep = json.loads(body)
    env = rep.get("message", {}).get("envelope", {})
    if r.status != 200 or env.get("queue_id") != "4XyZ12AbC":
        fail("queue id: status %d, envelope %r" % (r.status, env))
    w = json.loads(json.dumps(env_want[0]))
    w["message"]["envelope"]["queue_id"] = "4XyZ12AbC"
    same_report("repeated X-Mamori-Rcpt", rep, w)
    st, ctype, body = scan(srv, data, {"X-Mamori-Client-IP": "not-an-ip"})
    check_json_error("bad client IP", st, ctype, body, 400)
    print("envelope: headers, query parameters, repeated rcpt, queue id", flush=True)

    # health, errors
    st, ctype, body = srv.request("GET", "/health")
    h = json.loads(body)
    if st != 200 or h.get("status") != "ok" or not h.get("version"):
        fail("/health: %d %r" % (st, body))
    st, ctype, body = srv.request("GET", "/nope")
    check_json_error("unknown path", st, ctype, body, 404)
    st, ctype, body = srv.request("GET", "/scan")
    check_json_error("GET /scan", st, ctype, body, 405)
    st, ctype, body = srv.request("POST", "/health", body=b"x")
    check_json_error("POST /health", st, ctype, body, 405)

    # random bytes
    rnd = random.Random(6)
    for n in (0, 1, 4096, 300000):
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        st, ctype, body = scan(srv, data)
        scans += 1
        if st != 200:
            fail("random body of %d bytes: status %d" % (n, st))
            continue
        rep = json.loads(body)
        if "action" not in rep or "symbols" not in rep:
            fail("random body of %d bytes: report %r" % (n, body[:200]))
    print("random bodies: reports", flush=True)

    # metrics: format, and the counters moved by the scans done
    m1 = metrics(srv)
    if http_messages(m1) - http_messages(m0) != scans:
        fail("mamori_messages_total{front=\"http\"} grew by %g, %d scans"
             % (http_messages(m1) - http_messages(m0), scans))
    cnt = "mamori_scan_seconds_count"
    if m1.get(cnt, 0) - m0.get(cnt, 0) != scans:
        fail("%s grew by %g, %d scans" % (cnt, m1.get(cnt, 0) - m0.get(cnt, 0), scans))
    print("metrics: %d lines, counters +%d" % (len(m1), scans), flush=True)

    # over the cap: by Content-Length, at once
    over = MAX_BODY + 10000000
    resp = raw_exchange(srv.port, b"POST /scan HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % over,
                        [b"x" * 65536])
    if not resp.startswith(b"HTTP/1.1 413"):
        fail("body over the cap (Content-Length): %r" % resp[:100])
    # chunked, over the cap: 413 at the end
    chunk = b"y" * 1000000
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (over // len(chunk) + 1) + [b"0\r\n\r\n"]
    resp = raw_exchange(srv.port, b"POST /scan HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                        chunks)
    if not resp.startswith(b"HTTP/1.1 413"):
        fail("body over the cap (chunked): %r" % resp[:100])
    # truncated bodies: announce more than is sent, then close
    for i in range(20):
        raw_exchange(srv.port, b"POST /scan HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
                     [b"From: a@b\r\n\r\n" + b"z" * (i * 1000)], read=False)
    # garbage instead of HTTP
    raw_exchange(srv.port, bytes(rnd.getrandbits(8) for _ in range(5000)) + b"\r\n\r\n")
    if not srv.alive():
        raise SystemExit("mamori serve died (oversized / truncated / garbage requests)")
    st, _, _ = srv.request("GET", "/health")
    if st != 200:
        fail("/health after hostile requests: %d" % st)
    print("oversized (413), truncated, garbage: still serving", flush=True)

    # slowloris: 50 connections, one header byte a second each
    socks = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        socks.append(s)
    stop = threading.Event()

    def drip():
        head = b"POST /scan HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 100
        i = 0
        while not stop.is_set() and i < len(head):
            for s in socks:
                try:
                    s.send(head[i:i + 1])
                except OSError:
                    pass
            i += 1
            stop.wait(1)
    t = threading.Thread(target=drip)
    t.start()
    worst = 0.0
    try:
        for _ in range(6):
            time.sleep(1)
            t0 = time.time()
            st, _, _ = srv.request("GET", "/health", timeout=10)
            worst = max(worst, time.time() - t0)
            if st != 200:
                fail("/health during slowloris: %d" % st)
    finally:
        stop.set()
        t.join()
        for s in socks:
            s.close()
    if worst > 1.0:
        fail("/health took %.2f s during slowloris" % worst)
    print("slowloris: /health within %.3f s" % worst, flush=True)

    # 8 threads posting at once
    errors = []

    def worker(k):
        for j in range(k, len(files), 8):
            with open(files[j], "rb") as f:
                data = f.read()
            try:
                st, _, body = scan(srv, data, {"X-Mamori-Source": files[j]})
            except OSError as e:
                errors.append("%s: %s" % (files[j], e))
                continue
            if st != 200:
                errors.append("%s: status %d" % (files[j], st))
            elif not same_report(files[j] + " (concurrent)", json.loads(body), want[j]):
                errors.append(files[j])
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for e in errors:
        fail("concurrent: " + e)
    print("8 threads: %d mails, %d errors" % (len(files), len(errors)), flush=True)

    # SIGHUP: reload, keep serving
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    with open(files[0], "rb") as f:
        st, _, body = scan(srv, f.read(), {"X-Mamori-Source": files[0]})
    if st != 200 or not srv.alive():
        fail("after SIGHUP: status %d" % st)
    else:
        same_report(files[0] + " (after SIGHUP)", json.loads(body), want[0])
    print("SIGHUP: reloaded, still serving", flush=True)


# ---- /quarantine --------------------------------------------------------------

TOKEN = "test-token-0123456789-abcdef"
AUTH = {"Authorization": "Bearer " + TOKEN}
REFUSED = "refused@example.com"
QMSG = (b"From: Sender <s@example.org>\r\n"
        b"To: a@example.com\r\n"
        b"Subject: quarantined\r\n"
        b"\r\n"
        b"line one\r\n"
        b".a line starting with a dot\r\n"
        b"\r\n"
        b"caf\xc3\xa9 8-bit\r\n"
        b"last line\r\n")
ENTRY_KEYS = {"id", "created", "expires", "state", "reason", "action", "score",
              "client_ip", "helo", "mail_from", "rcpts", "queue_id", "subject",
              "from", "size"}


def quarantine_put(a, state):
    """Put four entries (qput); returns their ids by name, oldest first."""
    path = os.path.join(a.workdir, "qmsg.eml")
    with open(path, "wb") as f:
        f.write(QMSG)
    ids = {}
    for name, mail_from, rcpts in (
            ("a", "one@filter.test", ["q-a@example.com", "q-a2@example.net"]),
            ("b", "two@filter.test", ["q-b@example.com"]),
            ("c", "three@filter.test", ["q-c@example.com"]),
            ("d", "four@filter.test", ["q-d@example.com", REFUSED])):
        p = subprocess.run([a.qput, state, path, mail_from] + rcpts,
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise SystemExit("qput: %s" % p.stderr)
        ids[name] = p.stdout.decode().strip()
    return ids


def qjson(srv, method, path, want, headers=AUTH, what=None):
    """A /quarantine request answered with JSON; returns it (None if not)."""
    what = what or "%s %s" % (method, path)
    st, hdrs, body = srv.request_h(method, path, headers=headers)
    if st != want:
        fail("%s: status %d, want %d: %r" % (what, st, want, body[:300]))
    if hdrs.get("Content-Type") != "application/json":
        fail("%s: Content-Type %r" % (what, hdrs.get("Content-Type")))
    try:
        j = json.loads(body)
    except ValueError:
        fail("%s: not JSON: %r" % (what, body[:200]))
        return None
    if want >= 400 and (j.get("status") != want or "error" not in j):
        fail("%s: error body %r" % (what, j))
    return j


def listed(srv, query, want_ids, what):
    j = qjson(srv, "GET", "/quarantine" + query, 200)
    if j is None:
        return
    got = [e.get("id") for e in j.get("entries", [])]
    if got != want_ids:
        fail("list %s (%s): %r, want %r" % (query, what, got, want_ids))


def run_quarantine(srv, ids, sink):
    a, b, c, d = ids["a"], ids["b"], ids["c"], ids["d"]
    newest = [d, c, b, a]

    # list: all, and each filter
    j = qjson(srv, "GET", "/quarantine", 200)
    entries = (j or {}).get("entries", [])
    if [e.get("id") for e in entries] != newest:
        fail("list: %r, want newest first %r" % ([e.get("id") for e in entries], newest))
    for e in entries:
        if set(e) != ENTRY_KEYS:
            fail("list entry keys: %r" % sorted(set(e) ^ ENTRY_KEYS))
            break
    listed(srv, "?rcpt=q-a2%40", [a], "rcpt substring")
    listed(srv, "?from=two%40filter", [b], "from substring")
    listed(srv, "?limit=1", [d], "limit: the newest")
    listed(srv, "?limit=2&offset=1", [c, b], "limit and offset")
    listed(srv, "?since=%d" % (int(time.time()) + 3600), [], "since the future")
    listed(srv, "?since=%d" % (int(time.time()) - 3600), newest, "since an hour ago")
    listed(srv, "?until=1", [], "until 1970")
    listed(srv, "?state=quarantined", newest, "state quarantined")
    listed(srv, "?state=released", [], "state released")
    listed(srv, "?state=quarantined&from=filter.test&rcpt=q-c", [c], "filters combined")
    for q in ("?state=bogus", "?limit=0", "?limit=1001", "?since=yesterday",
              "?offset=-1"):
        qjson(srv, "GET", "/quarantine" + q, 400)
    print("quarantine: list and filters", flush=True)

    # show, raw
    e = qjson(srv, "GET", "/quarantine/" + a, 200) or {}
    want = {"id": a, "state": "quarantined", "mail_from": "one@filter.test",
            "rcpts": ["q-a@example.com", "q-a2@example.net"], "client_ip": "192.0.2.7",
            "helo": "sender.example", "queue_id": "4XyzQ1", "subject": "Test subject",
            "from": "Sender <s@example.org>", "size": len(QMSG),
            "reason": "quarantine: test"}
    for k, v in want.items():
        if e.get(k) != v:
            fail("show: %s is %r, want %r" % (k, e.get(k), v))
    if set(e) != ENTRY_KEYS | {"report"}:
        fail("show: keys %r" % sorted(set(e) ^ (ENTRY_KEYS | {"report"})))
    if not isinstance(e.get("created"), int) or e.get("expires", 0) <= e.get("created", 0):
        fail("show: created %r, expires %r" % (e.get("created"), e.get("expires")))
    st, hdrs, body = srv.request_h("GET", "/quarantine/%s/raw" % a, headers=AUTH)
    if st != 200 or hdrs.get("Content-Type") != "message/rfc822" or body != QMSG:
        fail("raw: status %d, Content-Type %r, %d bytes (want %d, equal: %s)"
             % (st, hdrs.get("Content-Type"), len(body), len(QMSG), body == QMSG))
    st, hdrs, body = srv.request_h("HEAD", "/quarantine/%s/raw" % a, headers=AUTH)
    if st != 200 or body != b"":
        fail("HEAD raw: status %d, %d bytes" % (st, len(body)))
    print("quarantine: show, raw bytes", flush=True)

    # release: exact envelope and body at the sink; a second one is 409
    j = qjson(srv, "POST", "/quarantine/%s/release" % a, 200) or {}
    if j.get("state") != "released" or j.get("id") != a:
        fail("release: %r" % j)
    if len(sink.got) != 1:
        fail("release: the sink got %d messages" % len(sink.got))
    else:
        mf, rt, body = sink.got[0]
        if mf != "one@filter.test" or rt != ["q-a@example.com", "q-a2@example.net"]:
            fail("release: envelope %r %r" % (mf, rt))
        if body != QMSG:
            fail("release: body differs: %r" % body[:200])
    e = qjson(srv, "GET", "/quarantine/" + a, 200) or {}
    if e.get("state") != "released":
        fail("after release: state %r" % e.get("state"))
    qjson(srv, "POST", "/quarantine/%s/release" % a, 409, what="second release")
    if len(sink.got) != 1:
        fail("second release delivered again")
    listed(srv, "?state=released", [a], "state released")
    # a recipient the next hop refuses: 502, nothing delivered, still quarantined
    j = qjson(srv, "POST", "/quarantine/%s/release" % d, 502) or {}
    if "550" not in j.get("error", ""):
        fail("refused release: error %r does not name the 550" % j.get("error"))
    if len(sink.got) != 1:
        fail("refused release: the sink got a message")
    e = qjson(srv, "GET", "/quarantine/" + d, 200) or {}
    if e.get("state") != "quarantined":
        fail("after a failed release: state %r" % e.get("state"))
    print("quarantine: release (200, 409, 502)", flush=True)

    # delete: show says deleted, raw is 410 Gone, deleting again is 200
    j = qjson(srv, "DELETE", "/quarantine/" + b, 200) or {}
    if j.get("state") != "deleted":
        fail("delete: %r" % j)
    e = qjson(srv, "GET", "/quarantine/" + b, 200) or {}
    if e.get("state") != "deleted":
        fail("after delete: state %r" % e.get("state"))
    qjson(srv, "GET", "/quarantine/%s/raw" % b, 410, what="raw of a deleted entry")
    qjson(srv, "DELETE", "/quarantine/" + b, 200, what="delete again")
    qjson(srv, "POST", "/quarantine/%s/release" % b, 409, what="release of a deleted entry")
    listed(srv, "?state=deleted", [b], "state deleted")
    print("quarantine: delete (200, then 410 for raw)", flush=True)

    # the token
    for what, hdrs in (("no Authorization", {}),
                       ("wrong token", {"Authorization": "Bearer wrong"}),
                       ("token + 1 byte", {"Authorization": "Bearer " + TOKEN + "x"}),
                       ("token prefix", {"Authorization": "Bearer " + TOKEN[:-1]}),
                       ("empty token", {"Authorization": "Bearer "}),
                       ("bare token", {"Authorization": TOKEN}),
                       ("Basic", {"Authorization": "Basic " + TOKEN})):
        for method, path in (("GET", "/quarantine"), ("GET", "/quarantine/" + c),
                             ("GET", "/quarantine/%s/raw" % c),
                             ("POST", "/quarantine/%s/release" % c),
                             ("DELETE", "/quarantine/" + c)):
            st, h, body = srv.request_h(method, path, headers=hdrs)
            if st != 401 or not (h.get("WWW-Authenticate") or "").startswith("Bearer"):
                fail("%s: %s %s: status %d, WWW-Authenticate %r"
                     % (what, method, path, st, h.get("WWW-Authenticate")))
    qjson(srv, "GET", "/quarantine", 200, headers={"Authorization": "bearer " + TOKEN},
          what="scheme in lower case")
    e = qjson(srv, "GET", "/quarantine/" + c, 200) or {}
    if e.get("state") != "quarantined" or len(sink.got) != 1:
        fail("unauthorized requests changed entry c: %r" % e.get("state"))
    print("quarantine: token (401 + WWW-Authenticate)", flush=True)

    # ids, methods
    # (%00 ends the decoded path: /quarantine/ is an empty id)
    for bad in ("xyz", c.upper(), c + "0", c[:-1], "..", "%00", "", c + "%00"):
        for method, path in (("GET", "/quarantine/" + bad),
                             ("GET", "/quarantine/%s/raw" % bad),
                             ("POST", "/quarantine/%s/release" % bad),
                             ("DELETE", "/quarantine/" + bad)):
            qjson(srv, method, path, 400, what="bad id %s %s" % (method, path))
    # a path in the id: never 200
    for path in ("/quarantine/..%2F..%2Fetc%2Fpasswd", "/quarantine/..%2Fmamori.db/raw"):
        st, _, body = srv.request_h("GET", path, headers=AUTH)
        if st not in (400, 404):
            fail("GET %s: status %d" % (path, st))
    unknown = "0" * 32
    for method, path in (("GET", "/quarantine/" + unknown),
                         ("GET", "/quarantine/%s/raw" % unknown),
                         ("POST", "/quarantine/%s/release" % unknown),
                         ("DELETE", "/quarantine/" + unknown)):
        qjson(srv, method, path, 404, what="unknown id %s %s" % (method, path))
    for method, path, allow in (("PUT", "/quarantine", "GET, HEAD"),
                                ("POST", "/quarantine/" + c, "GET, HEAD, DELETE"),
                                ("GET", "/quarantine/%s/release" % c, "POST"),
                                ("DELETE", "/quarantine/%s/raw" % c, "GET, HEAD")):
        st, h, body = srv.request_h(method, path, headers=AUTH)
        if st != 405 or h.get("Allow") != allow:
            fail("%s %s: status %d, Allow %r" % (method, path, st, h.get("Allow")))
    qjson(srv, "GET", "/quarantine/%s/nope" % c, 404, what="unknown sub-resource")
    qjson(srv, "GET", "/quarantinex", 404, what="/quarantinex")
    print("quarantine: bad ids (400), unknown id (404), 405", flush=True)


def proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return -1


def other_servers(a, state, mail):
    """No http.token: 403 (and daemon.user from the configuration); a state
    directory that cannot be opened: 503, /scan still 200."""
    with open(mail, "rb") as f:
        data = f.read()
    conf = os.path.join(a.workdir, "notoken.conf")
    with open(conf, "w") as f:
        f.write('daemon = { user = "nobody"; };\n')
    srv = Server(a.mamori, conf, state, os.path.join(a.workdir, "serve-notoken.log"),
                 user_flag=False)
    try:
        if not srv.wait_ready():
            fail("server without http.token (daemon.user from the config) did not come up")
            return
        if os.geteuid() == 0 and proc_uid(srv.proc.pid) != 65534:
            fail("daemon.user: runs as uid %d, not nobody" % proc_uid(srv.proc.pid))
        for method, path in (("GET", "/quarantine"), ("GET", "/quarantine/" + "0" * 32),
                             ("POST", "/quarantine/%s/release" % ("0" * 32))):
            j = qjson(srv, method, path, 403, what="no token: %s %s" % (method, path))
            if j is not None and j.get("error") != "quarantine API disabled: set http.token":
                fail("no token: error %r" % j.get("error"))
        print("no http.token: 403; daemon.user from the configuration", flush=True)
    finally:
        srv.stop()

    notdir = os.path.join(a.workdir, "not-a-directory")
    with open(notdir, "w") as f:
        f.write("x")
    conf = os.path.join(a.workdir, "nostore.conf")
    with open(conf, "w") as f:
        f.write('http = { token = "%s"; };\n' % TOKEN)
    srv = Server(a.mamori, conf, notdir, os.path.join(a.workdir, "serve-nostore.log"))
    try:
        if not srv.wait_ready():
            fail("server with an unusable state directory did not come up")
            return
        qjson(srv, "GET", "/quarantine", 503, what="no store: list")
        qjson(srv, "GET", "/quarantine/%s/raw" % ("0" * 32), 503, what="no store: raw")
        qjson(srv, "GET", "/quarantine", 401, headers={}, what="no store, no token: 401")
        st, ctype, body = scan(srv, data)
        if st != 200 or "action" not in json.loads(body):
            fail("no store: /scan status %d" % st)
        print("unusable state directory: /quarantine 503, /scan 200", flush=True)
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""http_test.py - `mamori serve` against the CLI and against hostile clients.

usage: http_test.py --mamori BIN --repo ROOT --workdir DIR

Starts `mamori serve --listen 127.0.0.1:PORT --state DIR` (loopback only)
and checks:
  * POST /scan of every mail of the repository (examples/, tests/functional
    /cases/: more than 40) answers 200 with the report `mamori scan --json`
    prints for the same file, every key but time_ms equal;
  * the envelope from X-Mamori-* headers and from query parameters equals
    the CLI's --from/--rcpt/--helo; the queue id is reported;
  * GET /health, GET /metrics (Prometheus text format; the message counter
    and the latency histogram grow by the number of scans);
  * 404 / 405 / 400 answers are JSON;
  * random bytes as a body: 200 and a report; a body 10,000,000 bytes over
    http.max_body: 413 (by Content-Length, and chunked); truncated bodies;
    50 slowloris connections while /health stays fast; 8 threads posting
    at once; SIGHUP reload; SIGTERM stops with status 0.
Exit 0 on success, 1 with a message on failure.
"""

import argparse
import glob
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

MAX_BODY = 1024 * 1024
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, mamori, config, state, log):
        self.port = free_port()
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [mamori, "serve", "--listen", "127.0.0.1:%d" % self.port,
             "--config", config, "--state", state, "--threads", "4"]
            # as root (CI containers): bind, then run as nobody
            + (["--user", "nobody"] if os.geteuid() == 0 else []),
            stdout=self.log, stderr=subprocess.STDOUT)

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read()
        finally:
            c.close()

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, secs=60):
        end = time.time() + secs
        while time.time() < end:
            if not self.alive():
                return False
            try:
                st, _, _ = self.request("GET", "/health", timeout=2)
                if st == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False


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


def same_report(what, got, want):
    got = dict(got)
    want = dict(want)
    got.pop("time_ms", None)
    want.pop("time_ms", None)
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
    ap.add_argument("--repo", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()

    os.makedirs(a.workdir, exist_ok=True)
    state = os.path.join(a.workdir, "state")
    os.makedirs(state, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(state, 65534, 65534)
    config = os.path.join(a.workdir, "mamori.conf")
    with open(config, "w") as f:
        f.write('http = { max_body = "1M"; timeout_s = 30; };\n')
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
        # SIGTERM: a clean stop
        srv.proc.send_signal(signal.SIGTERM)
        try:
            rc = srv.proc.wait(30)
            if rc != 0:
                fail("exit status %d after SIGTERM" % rc)
        except subprocess.TimeoutExpired:
            fail("did not stop within 30 s of SIGTERM")
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait()
        srv.log.close()
    with open(os.path.join(a.workdir, "serve.log"), errors="replace") as f:
        log = f.read()
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        if bad in log:
            fail("sanitizer report in serve.log: %s" % bad)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("ok")
    return 0


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


if __name__ == "__main__":
    sys.exit(main())

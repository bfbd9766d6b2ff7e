#!/usr/bin/env python3
"""http_abuse_test.py - `mamori serve` under abuse (issue 12, points 3, 4, 11).

usage: http_abuse_test.py --mamori BIN --repo ROOT --workdir DIR

Everything is on loopback: the server listens on 127.0.0.1, the abusers
connect from other addresses of 127.0.0.0/8 (all of it is loopback on
Linux), so that they count as other clients.  Checks, with small limits
so that the whole run stays under about a minute:

  * slowloris: 1,100 connections from 11 addresses (100 each, the
    per-client cap), each sending a header line every 0.5 s and never
    ending its head, reconnecting when cut; meanwhile GET /health and a
    POST /scan of a small mail from 127.0.0.1 answer 200 in under 2 s,
    every probe; no slow connection lives longer than
    http.header_timeout_s + 1.5 s;
  * per-client cap: 100 idle connections from 127.0.0.20 hold its share;
    further ones from that address get 503 (the /health reserve) or are
    closed at once, never served; GET /health from that same address
    answers 200, and /scan from 127.0.0.1 too; with the reserve full of
    silent connections from that address, a new one is closed at once,
    and half a second later GET /health from it evicts one and answers;
  * body budget: 30 POST /scan with Content-Length 50 MiB, sent one after
    the other, each sending 12 MiB then stalling: exactly the 2 that fit
    in http.body_budget (128M) are read, the other 28 get 503 with
    Retry-After at once; 20 chunked bodies of 6 MiB, stalling: at least 4
    are over the budget; the server's VmRSS stays under its RSS at rest +
    http.body_budget + 64 MiB; /health answers meanwhile; the stalled
    bodies are cut by the body timeout; then a large body fits again;
  * http.scan_requires_token: POST /scan without the token, or with a
    wrong one, 401; with it 200; /health needs none;
  * GET /quarantine?state=bogus: 400 naming every state of the store;
  * listening on 127.0.0.1: no "beyond loopback" warning in the log (the
    classification itself is unit-tested: tests/unit/test_http.c).
Exit 0 on success, 1 with a message on failure.
"""

import json
import os
import resource
import selectors
import socket
import sys
import threading
import time

from daemon_util import Serve, exit_status, fail, parse_args

TOKEN = "abuse-test-token-0123456789"
HEADER_TIMEOUT = 3
BODY_TIMEOUT = 4
MIN_RATE = 4 * 1024 * 1024
PER_IP = 100
RESERVE = 16
BUDGET = 128 * 1024 * 1024
MIB = 1024 * 1024


class Server(Serve):
    timeout = 10

    def __init__(self, mamori, config, state, log):
        super().__init__(mamori, config, state, log, threads=2)

    def timed(self, method, path, body=None, headers=None, source="127.0.0.1"):
        """(status or the exception's text, seconds)"""
        t0 = time.monotonic()
        try:
            st, _, _ = self.request(method, path, body, headers, timeout=5,
                                    source=source)
        except OSError as e:
            st = "%s: %s" % (type(e).__name__, e)
        return st, time.monotonic() - t0

    def rss(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise SystemExit("no VmRSS for %d" % self.proc.pid)

    def sanitized(self):
        """Whether the server runs under ASan: its memory (shadow, redzones,
        quarantine of freed blocks) is then not the server's own, and the RSS
        bounds are not checked."""
        with open("/proc/%d/maps" % self.proc.pid) as f:
            return "libasan" in f.read()

    def stop(self):
        """Stops the server (exit status 0 within 30 s of SIGTERM); its log."""
        if self.alive():
            self.stop_checked()
        else:
            self.log.close()
        return self.log_text()


def connect_from(port, source, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s, wait):
    """Whether the server closed s (EOF or reset) within wait seconds;
    data (an answer) counts as not closed and is returned instead."""
    s.settimeout(wait)
    try:
        d = s.recv(65536)
    except socket.timeout:
        return False, b""
    except OSError:
        return True, b""
    if d == b"":
        return True, b""
    return False, d


# ---- slowloris ---------------------------------------------------------------

class Slowloris:
    """n connections spread over the given source addresses, each sending
    one more header line every `every` seconds and never ending its head;
    a connection the server closes is opened again.  Records how long each
    connection lived before the server closed it."""

    def __init__(self, port, sources, per_source, every):
        self.port = port
        self.targets = [src for src in sources for _ in range(per_source)]
        self.every = every
        self.stop = threading.Event()
        self.lifetimes = []
        self.opened = 0
        self.refused = 0
        self.thread = threading.Thread(target=self.run)

    def open(self, sel, src):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((src, 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            self.refused += 1
            s.close()
            return
        self.opened += 1
        sel.register(s, selectors.EVENT_READ,
                     {"src": src, "t0": time.monotonic(), "sent": 0})

    def run(self):
        sel = selectors.DefaultSelector()
        for src in self.targets:
            self.open(sel, src)
        next_line = time.monotonic()
        reopen = []  # (when, source): a closed connection comes back 0.1 s later
        while not self.stop.is_set():
            now = time.monotonic()
            while reopen and reopen[0][0] <= now:
                self.open(sel, reopen.pop(0)[1])
            for key, _ in sel.select(timeout=0.05):
                s, st = key.fileobj, key.data
                try:
                    d = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if d == b"" or d:
                    # closed (or answered, which a slow head never is)
                    if st["sent"] > 0:
                        self.lifetimes.append(time.monotonic() - st["t0"])
                    sel.unregister(s)
                    s.close()
                    reopen.append((time.monotonic() + 0.1, st["src"]))
            now = time.monotonic()
            if now >= next_line:
                next_line = now + self.every
                for key in list(sel.get_map().values()):
                    s, st = key.fileobj, key.data
                    line = (b"GET /health HTTP/1.1\r\nHost: x\r\n" if st["sent"] == 0
                            else b"X-Slow-%d: a\r\n" % st["sent"])
                    try:
                        s.send(line)
                        st["sent"] += 1
                    except OSError:
                        pass
        # still open at the end: how long they have lived so far
        now = time.monotonic()
        self.alive_at_end = [now - k.data["t0"] for k in sel.get_map().values()]
        for key in list(sel.get_map().values()):
            sel.unregister(key.fileobj)
            key.fileobj.close()
        sel.close()


def check_slowloris(srv, mail):
    sources = ["127.0.0.%d" % i for i in range(2, 13)]  # 11 x 100 = 1,100
    rest = srv.rss()
    peak = rest
    attack = Slowloris(srv.port, sources, PER_IP, 0.5)
    attack.thread.start()
    time.sleep(1.5)
    worst = {"/health": 0.0, "/scan": 0.0}
    probes = 0
    t_end = time.monotonic() + 3 * HEADER_TIMEOUT + 3
    while time.monotonic() < t_end:
        for path in ("/health", "/scan"):
            if path == "/health":
                st, secs = srv.timed("GET", "/health")
            else:
                st, secs = srv.timed("POST", "/scan", mail)
            probes += 1
            worst[path] = max(worst[path], secs)
            if st != 200:
                fail("%s during slowloris: %s after %.2f s" % (path, st, secs))
            elif secs >= 2.0:
                fail("%s during slowloris took %.2f s" % (path, secs))
        peak = max(peak, srv.rss())
        time.sleep(0.5)
    attack.stop.set()
    attack.thread.join()
    longest = max(attack.lifetimes + attack.alive_at_end)
    print("slowloris: %d connections opened (%d at once), %d cut by the server, "
          "longest lived %.2f s; %d probes, worst /health %.3f s, /scan %.3f s"
          % (attack.opened, len(attack.targets), len(attack.lifetimes), longest,
             probes, worst["/health"], worst["/scan"]), flush=True)
    # the documented bound: at rest + body_budget + 100 KiB per connection
    conns = 1000 + RESERVE + 200
    print("slowloris: RSS %.1f MiB at rest, %.1f MiB peak, %.0f KiB per connection"
          % (rest / MIB, peak / MIB, (peak - rest) / 1024 / 1100), flush=True)
    if srv.sanitized():
        print("slowloris: under ASan, RSS bound not checked", flush=True)
    elif peak > rest + conns * 100 * 1024:
        fail("slowloris: RSS %.1f MiB over %.1f MiB at rest + 100 KiB x %d connections"
             % (peak / MIB, rest / MIB, conns))
    if len(attack.lifetimes) < len(attack.targets):
        fail("only %d slow connections were cut (%d opened at first)"
             % (len(attack.lifetimes), len(attack.targets)))
    if longest > HEADER_TIMEOUT + 1.5:
        fail("a slow connection lived %.2f s (http.header_timeout_s = %d)"
             % (longest, HEADER_TIMEOUT))
    return worst


# ---- per-client cap --------------------------------------------------------

def check_per_ip(srv, mail):
    src = "127.0.0.20"
    held = [connect_from(srv.port, src) for _ in range(PER_IP)]
    try:
        time.sleep(0.2)
        # a real request on a held connection is served
        held[0].sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        _, d = closed_by_peer(held[0], 2)
        if not d.startswith(b"HTTP/1.1 200"):
            fail("per-client: a connection within the cap was not served: %r" % d[:40])
        # /scan from the capped address: refused (reserve: 503, or closed)
        st, secs = srv.timed("POST", "/scan", mail, source=src)
        if st == 200:
            fail("per-client: /scan from %s beyond its cap was served" % src)
        # beyond the cap: 503 (reserve, not /health) or closed, never served
        served = busy = closed = 0
        extra = []
        for _ in range(RESERVE + 8):
            try:
                s = connect_from(srv.port, src)
            except OSError:
                closed += 1
                continue
            extra.append(s)
            try:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            except OSError:
                pass
        for s in extra:
            gone, d = closed_by_peer(s, 2)
            if gone:
                closed += 1
            elif d.startswith(b"HTTP/1.1 503") and b"Retry-After" in d:
                busy += 1
            else:
                served += 1
                fail("per-client: connection beyond http.max_conns_per_ip answered %r"
                     % d[:60])
            s.close()
        print("per-client: %d connections beyond the cap of %d: %d answered 503, "
              "%d closed, %d served" % (RESERVE + 8, PER_IP, busy, closed, served),
              flush=True)
        if busy + closed != RESERVE + 8:
            fail("per-client: %d of %d connections beyond the cap were served"
                 % (served, RESERVE + 8))
        # /health from the abuser's own address, and /scan from another.
        # The server may not have seen the extra connections close yet (the
        # reserve is still counted full for a moment under load, ASan): the
        # abuser's /health is retried for up to 2 s, each try timed.
        end = time.monotonic() + 2.0
        while True:
            h = srv.timed("GET", "/health", source=src)
            if h[0] == 200 or time.monotonic() >= end:
                break
            time.sleep(0.1)
        for what, st, secs in (
                ("/health from %s" % src,) + h,
                ("/health from 127.0.0.1",) + srv.timed("GET", "/health"),
                ("/scan from 127.0.0.1",) + srv.timed("POST", "/scan", mail)):
            print("per-client: %s: %s in %.3f s" % (what, st, secs), flush=True)
            if st != 200 or secs >= 2.0:
                fail("per-client: %s: %s in %.2f s" % (what, st, secs))
        # the reserve held by silent connections from the same address: a
        # further one is closed at once; half a second later, /health from
        # that address evicts the oldest silent one and is answered
        silent = [connect_from(srv.port, src) for _ in range(RESERVE)]
        held.extend(silent)
        time.sleep(0.1)
        s = connect_from(srv.port, src)
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass
        gone, d = closed_by_peer(s, 1)
        s.close()
        if not gone:
            fail("per-client: reserve full: a connection was not refused (%r)" % d[:40])
        time.sleep(0.6)
        st, secs = srv.timed("GET", "/health", source=src)
        evicted = sum(1 for x in silent if closed_by_peer(x, 0.05)[0])
        print("per-client: reserve full of silent connections: a new one refused: %s; "
              "0.6 s later /health from %s: %s in %.3f s, %d silent one(s) evicted"
              % (gone, src, st, secs, evicted), flush=True)
        if st != 200 or secs >= 2.0 or evicted < 1:
            fail("per-client: /health with the reserve full: %s in %.2f s, %d evicted"
                 % (st, secs, evicted))
    finally:
        for s in held:
            s.close()


# ---- body budget ------------------------------------------------------------

def post_head(port, source, length=None):
    s = connect_from(port, source)
    head = b"POST /scan HTTP/1.1\r\nHost: x\r\n"
    if length is None:
        head += b"Transfer-Encoding: chunked\r\n"
    else:
        head += b"Content-Length: %d\r\n" % length
    s.sendall(head + b"\r\n")
    return s


def send_bytes(s, n, chunked):
    block = b"x" * MIB
    for _ in range(n // MIB):
        if chunked:
            s.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
        else:
            s.sendall(block)


def check_budget(srv):
    base = srv.rss()
    bound = base + BUDGET + 64 * MIB
    peak = base
    slow = []
    busy = admitted = 0
    worst_health = 0.0
    try:
        for i in range(30):
            s = post_head(srv.port, "127.0.0.%d" % (30 + i % 10), 50 * MIB)
            gone, d = closed_by_peer(s, 0.5)
            if d:
                if d.startswith(b"HTTP/1.1 503") and b"Retry-After:" in d:
                    busy += 1
                else:
                    fail("budget: 50 MiB body answered %r" % d[:60])
                s.close()
                continue
            if gone:
                fail("budget: 50 MiB body closed without an answer")
                continue
            admitted += 1
            s.settimeout(10)
            send_bytes(s, 12 * MIB, False)
            slow.append(s)
            peak = max(peak, srv.rss())
        st, secs = srv.timed("GET", "/health")
        worst_health = max(worst_health, secs)
        if st != 200 or secs >= 2.0:
            fail("budget: /health: %s in %.2f s" % (st, secs))
        time.sleep(0.5)
        peak = max(peak, srv.rss())
        print("budget: 30 bodies of 50 MiB (12 MiB sent): %d read, %d answered 503; "
              "RSS %.1f MiB at rest, %.1f MiB peak (bound %.1f MiB)"
              % (admitted, busy, base / MIB, peak / MIB, bound / MIB), flush=True)
        if admitted != BUDGET // (50 * MIB) or busy != 30 - admitted:
            fail("budget: %d bodies read, %d answered 503; want %d and %d"
                 % (admitted, busy, BUDGET // (50 * MIB), 30 - BUDGET // (50 * MIB)))

        # chunked bodies count as they grow (the 50 MiB ones still hold
        # their 100 MiB: free them first)
        for s in slow:
            s.close()
        slow = []
        time.sleep(0.5)
        chunked = []
        for i in range(20):
            s = post_head(srv.port, "127.0.0.%d" % (40 + i % 10))
            s.settimeout(10)
            chunked.append(s)
        def feed(s):
            try:
                s.sendall(b"15\r\nSubject: chunked\r\n\r\nx\r\n")
                send_bytes(s, 6 * MIB, True)
            except OSError:
                pass
        threads = [threading.Thread(target=feed, args=(s,)) for s in chunked]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)
        peak_c = srv.rss()
        peak = max(peak, peak_c)
        st, secs = srv.timed("GET", "/health")
        worst_health = max(worst_health, secs)
        if st != 200 or secs >= 2.0:
            fail("budget: /health with chunked bodies: %s in %.2f s" % (st, secs))
        # the end of every body: over the budget is 503, else a scan
        for s in chunked:
            try:
                s.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        answers = []
        for s in chunked:
            try:
                s.settimeout(30)
                d = b""
                while b"\r\n\r\n" not in d:
                    x = s.recv(65536)
                    if not x:
                        break
                    d += x
                head, _, body = d.partition(b"\r\n\r\n")
                n = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                while len(body) < n:
                    x = s.recv(65536)
                    if not x:
                        break
                    body += x
                answers.append((head.split(b"\r\n")[0].decode(errors="replace"), body))
            except OSError as e:
                answers.append((type(e).__name__, b""))
            s.close()
        over = sum(1 for a, b in answers
                   if a.startswith("HTTP/1.1 503") and b"http.body_budget" in b)
        ok = sum(1 for a, _ in answers if a.startswith("HTTP/1.1 200"))
        answers = [a for a, _ in answers]
        print("budget: 20 chunked bodies of 6 MiB: %d scanned, %d answered 503 "
              "(RSS %.1f MiB)" % (ok, over, peak_c / MIB), flush=True)
        if over < 4 or over + ok != 20:
            fail("budget: chunked bodies: %r" % answers)
        if srv.sanitized():
            print("budget: under ASan, RSS bound not checked", flush=True)
        elif peak > bound:
            fail("budget: RSS %.1f MiB over the bound %.1f MiB" % (peak / MIB, bound / MIB))

        # stalled bodies are cut by the body timeout (4 s + 12 MiB at 4 MiB/s)
        for i in range(2):
            s = post_head(srv.port, "127.0.0.5%d" % i, 50 * MIB)
            s.settimeout(10)
            send_bytes(s, 12 * MIB, False)
            slow.append(s)
        t0 = time.monotonic()
        limit = BODY_TIMEOUT + 12 * MIB / MIN_RATE + 2
        for s in slow:
            gone, d = closed_by_peer(s, max(0.1, limit - (time.monotonic() - t0)))
            if not gone:
                fail("budget: a stalled body was not cut within %.1f s (%r)" % (limit, d[:40]))
        print("budget: stalled bodies cut after %.1f s; worst /health %.3f s"
              % (time.monotonic() - t0, worst_health), flush=True)
        # ... which gives their room back (once the server has seen them
        # end: a moment after the client sees the connection closed)
        end = time.monotonic() + 3
        while True:
            s = post_head(srv.port, "127.0.0.60", 50 * MIB)
            gone, d = closed_by_peer(s, 0.5)
            s.close()
            if not (gone or d):
                break
            if time.monotonic() > end:
                fail("budget: a 50 MiB body after the others ended: %r" % d[:60])
                break
            time.sleep(0.2)
    finally:
        for s in slow:
            s.close()
    return base, peak, bound


def main():
    a = parse_args("repo", "workdir", work="workdir")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            raise SystemExit("RLIMIT_NOFILE hard limit %d < %d" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    os.chmod(a.workdir, 0o755)
    state = os.path.join(a.workdir, "state")
    os.makedirs(state)
    if os.geteuid() == 0:
        os.chown(state, 65534, 65534)
    with open(os.path.join(a.repo, "examples", "03-utf8-newsletter.eml"), "rb") as f:
        mail = f.read()

    # 1: the limits (no token needed for /scan)
    conf = os.path.join(a.workdir, "limits.conf")
    with open(conf, "w") as f:
        f.write('http = { token = "%s"; max_body = "51M"; timeout_s = 30;\n'
                '  header_timeout_s = %d; body_timeout_s = %d; body_min_rate = %d;\n'
                '  max_conns = 1000; max_conns_per_ip = %d; health_reserve = %d;\n'
                '  body_budget = "%dM"; };\n'
                % (TOKEN, HEADER_TIMEOUT, BODY_TIMEOUT, MIN_RATE, PER_IP, RESERVE,
                   BUDGET // MIB))
    os.chmod(conf, 0o644)
    srv = Server(a.mamori, conf, state, os.path.join(a.workdir, "limits.log"))
    log = ""
    try:
        if not srv.wait_ready():
            raise SystemExit("mamori serve did not come up (%s)" % srv.logpath)
        check_slowloris(srv, mail)
        time.sleep(HEADER_TIMEOUT + 1)  # the last slow connections end
        check_per_ip(srv, mail)
        time.sleep(HEADER_TIMEOUT + 1)
        check_budget(srv)
        # state=bogus names every state
        st, _, body = srv.request("GET", "/quarantine?state=bogus",
                                  headers={"Authorization": "Bearer " + TOKEN})
        err = json.loads(body).get("error", "") if st == 400 else ""
        missing = [s for s in ("quarantined", "released", "deleted", "held", "expired")
                   if s not in err]
        print("state=bogus: %d %s" % (st, err), flush=True)
        if st != 400 or missing:
            fail("GET /quarantine?state=bogus: %d %r (missing %s)" % (st, err, missing))
        if srv.proc.poll() is not None:
            fail("the server died (status %s)" % srv.proc.returncode)
    finally:
        if srv.proc.poll() is None:
            log = srv.stop()
        else:
            srv.log.close()
    if "cut by the header/body timeouts" not in log:
        fail("no summary of the cut connections in the log")
    if "beyond loopback" in log:
        fail("a loopback listener warned about listening beyond loopback")

    # 2: /scan behind the token
    conf2 = os.path.join(a.workdir, "token.conf")
    with open(conf2, "w") as f:
        f.write('http = { token = "%s"; scan_requires_token = true; };\n' % TOKEN)
    os.chmod(conf2, 0o644)
    srv = Server(a.mamori, conf2, state, os.path.join(a.workdir, "token.log"))
    try:
        if not srv.wait_ready():
            raise SystemExit("mamori serve did not come up (%s)" % srv.logpath)
        for what, hdrs, want in (
                ("no token", {}, 401),
                ("a wrong token", {"Authorization": "Bearer " + "x" * 26}, 401),
                ("the token", {"Authorization": "Bearer " + TOKEN}, 200)):
            st, h, body = srv.request("POST", "/scan", mail, hdrs)
            print("scan_requires_token: /scan with %s: %d" % (what, st), flush=True)
            if st != want:
                fail("scan_requires_token: /scan with %s: %d, want %d" % (what, st, want))
            if st == 401 and "Bearer" not in (h.get("WWW-Authenticate") or ""):
                fail("scan_requires_token: 401 without WWW-Authenticate")
            if st == 200 and json.loads(body).get("action") is None:
                fail("scan_requires_token: no report")
        if srv.request("GET", "/health")[0] != 200:
            fail("scan_requires_token: /health needs no token")
    finally:
        log2 = srv.stop() if srv.proc.poll() is None else ""
    for name, text in (("limits.log", log), ("token.log", log2)):
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if bad in text:
                fail("sanitizer report in %s: %s" % (name, bad))
    return exit_status("ok")


if __name__ == "__main__":
    sys.exit(main())

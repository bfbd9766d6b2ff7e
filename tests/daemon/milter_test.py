#!/usr/bin/env python3
"""milter_test.py - `mamori milter` driven without an MTA.

A minimal milter protocol client (4-byte length, command byte, data;
OPTNEG, macros, CONNECT, HELO, MAIL, RCPT, HEADER, EOH, BODY, EOB, QUIT)
talks to the daemon on 127.0.0.1 and checks: clean mail accepted with
Authentication-Results and X-Spam headers; a tagged message gets the
subject tag; examples/objects/01 quarantined (stored, then discarded), and
stored once when retried (same queue id, then a new one), again for
another body;
a low reject threshold after SIGHUP gives 550 with the reason class;
garbage bytes, a truncated packet, a huge header and a slow sender do not
stop the daemon from serving a parallel conversation; SIGTERM exits 0.

usage: milter_test.py --mamori BIN --work DIR
"""
import glob
import json
import os
import pwd
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from daemon_util import FAILS, check, exit_status, parse_args
from smtpsink import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLEAN = (b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n"
         b"Subject: lunch\r\nDate: Mon, 1 Jan 2024 10:00:00 +0900\r\n"
         b"Message-ID: <lunch.1@example.com>\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\nNoon?\r\n")
# Missing Date (1.0) and Message-ID (1.5): score 2.5; a forged
# Authentication-Results claiming our authserv-id.
NO_DATE_ID = (b"Authentication-Results: mamori; spf=pass smtp.mailfrom=x@example.com\r\n"
              b"From: alice@example.com\r\nTo: bob@example.org\r\n"
              b"Subject: hello\r\n\r\nbody\r\n")

CONF = """actions = {{ add_header = {a}; quarantine = {q}; reject = {r}; }};
daemon = {{ user = "{user}"; spool_bytes = "{spool}"; subject_tag = "[SPAM] "; }};
dns = {{ servers = ["127.0.0.1:9"]; timeout_ms = 200; tries = 1; }};
"""



def split_message(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += b"\n" + line
        elif b":" in line:
            n, _, v = line.partition(b":")
            headers.append([n, v.lstrip(b" ")])
    return headers, body.replace(b"\n", b"\r\n")


class Milter:
    def __init__(self, port, timeout=30):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise EOFError("connection closed")
            b += chunk
        return b

    def reply(self):
        n = struct.unpack(">I", self.recv_exact(4))[0]
        d = self.recv_exact(n)
        return d[:1], d[1:]

    def cmd(self, cmd, data=b""):
        self.send(cmd, data)
        return self.reply()

    def close(self):
        try:
            self.send(b"Q")
        except OSError:
            pass
        self.s.close()

    def negotiate(self):
        c, d = self.cmd(b"O", struct.pack(">III", 6, 0x1FF, 0))
        assert c == b"O", (c, d)

    def conversation(self, raw, ip="192.0.2.10", rcpts=(b"bob@example.org",),
                     qid=b"QID1", slow=None):
        """One message; returns (final reply, data, [modifications])."""
        self.negotiate()
        host = b"mx.example.com\0"
        c, _ = self.cmd(b"C", host + b"4" + struct.pack(">H", 25) + ip.encode() + b"\0")
        assert c == b"c", c
        c, _ = self.cmd(b"H", b"mx.example.com\0")
        assert c == b"c", c
        self.send(b"D", b"M" + b"i\0" + qid + b"\0")
        c, _ = self.cmd(b"M", b"<alice@example.com>\0SIZE=100\0")
        assert c == b"c", c
        for r in rcpts:
            c, _ = self.cmd(b"R", b"<" + r + b">\0")
            assert c == b"c", c
        headers, body = split_message(raw)
        for n, v in headers:
            c, _ = self.cmd(b"L", n + b"\0" + v + b"\0")
            assert c == b"c", c
        c, _ = self.cmd(b"N")
        assert c == b"c", c
        for i in range(0, len(body), 65000):
            c, _ = self.cmd(b"B", body[i:i + 65000])
            assert c == b"c", c
        self.send(b"E")
        mods = []
        while True:
            c, d = self.reply()
            if c in (b"h", b"i", b"m"):
                mods.append((c, d))
                continue
            return c, d, mods


def header_mods(mods):
    out = {}
    for c, d in mods:
        if c in (b"i", b"m"):
            idx = struct.unpack(">I", d[:4])[0]
            d = d[4:]
        else:
            idx = None
        n, v = d.split(b"\0")[:2]
        out.setdefault(n.decode(), []).append((c.decode(), idx, v.decode("utf-8", "replace")))
    return out


def start(mamori, conf, state, port, log):
    p = subprocess.Popen([mamori, "milter", "--socket", "inet:%d@127.0.0.1" % port,
                          "--config", conf, "--state", state],
                         stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            if p.poll() is not None:
                raise RuntimeError("milter exited with %d" % p.returncode)
            time.sleep(0.05)
    raise RuntimeError("milter did not listen")


def main():
    a = parse_args("work")
    state = os.path.join(a.work, "state")
    os.makedirs(state)
    conf = os.path.join(a.work, "mamori.conf")
    user = ""
    if os.geteuid() == 0:
        user = "nobody"
        pw = pwd.getpwnam(user)
        for d in (a.work, state):
            os.chown(d, pw.pw_uid, pw.pw_gid)

    def write_conf(**kw):
        v = dict(a="2.0", q="10.0", r="15.0", user=user, spool="4M")
        v.update(kw)
        with open(conf, "w") as f:
            f.write(CONF.format(**v))
        os.chmod(conf, 0o644)

    log = open(os.path.join(a.work, "milter.log"), "wb")

    if os.geteuid() == 0:
        write_conf(user="")
        r = subprocess.run([a.mamori, "milter", "--socket", "inet:%d@127.0.0.1" % free_port(),
                            "--config", conf, "--state", state],
                           capture_output=True, timeout=60)
        check(r.returncode != 0 and b"refusing to run as root: set daemon.user" in r.stderr,
              "as root without daemon.user: refuses (%r)" % r.stderr[-200:])

    write_conf(spool="1K")	# small spool: the big messages go through a file
    port = free_port()
    p = start(a.mamori, conf, state, port, log)
    try:
        # clean mail
        m = Milter(port)
        c, d, mods = m.conversation(CLEAN)
        m.close()
        h = header_mods(mods)
        check(c == b"a", "clean: accept (%r %r)" % (c, d))
        ar = h.get("Authentication-Results", [])
        check(len(ar) == 1 and ar[0][0] == "i" and ar[0][1] == 0
              and ar[0][2].startswith("mamori"), "clean: Authentication-Results inserted at 0: %r" % ar)
        sc = h.get("X-Spam-Score", [("", 0, "")])[0][2]
        check(sc.count(".") == 1 and float(sc) < 2.0, "clean: X-Spam-Score %r" % sc)
        st = h.get("X-Spam-Status", [("", 0, "")])[0][2]
        check(st.startswith("No, score=%s required=2.00" % sc), "clean: X-Spam-Status %r" % st)
        check("Subject" not in h, "clean: subject untouched")

        # add_header: tag, symbols, forged AR removed
        m = Milter(port)
        c, d, mods = m.conversation(NO_DATE_ID)
        m.close()
        h = header_mods(mods)
        check(c == b"a", "add_header: accept (%r)" % c)
        check(("m", 1, "[SPAM] hello") in h.get("Subject", []), "add_header: subject tagged %r" % h.get("Subject"))
        ar = h.get("Authentication-Results", [])
        check(("m", 1, "") in ar, "add_header: forged Authentication-Results removed %r" % ar)
        st = h.get("X-Spam-Status", [("", 0, "")])[0][2]
        check(st.startswith("Yes, score=") and st.endswith(" required=2.00"), "add_header: X-Spam-Status %r" % st)
        sy = h.get("X-Spam-Symbols", [("", 0, "")])[0][2]
        check("MISSING_MID" in sy or "MISSING_MESSAGE_ID" in sy or "MISSING_DATE" in sy,
              "add_header: X-Spam-Symbols %r" % sy)
        check(all("\r" not in v and "\n" not in v for l in h.values() for _, _, v in l),
              "headers have no CR/LF")

        # quarantine: stored then discarded (the message is larger than spool_bytes)
        raw = open(os.path.join(ROOT, "examples/objects/01-exe-in-zip-in-zip.eml"), "rb").read()
        before = set(glob.glob(os.path.join(state, "quarantine", "*")))
        m = Milter(port)
        c, d, mods = m.conversation(raw, qid=b"QUAR1")
        m.close()
        after = set(glob.glob(os.path.join(state, "quarantine", "*")))
        check(c == b"d", "objects/01: discard after quarantine (%r %r)" % (c, d))
        check(len(after - before) >= 1, "objects/01: a file in the quarantine")
        r = subprocess.run([a.mamori, "quarantine", "--state", state, "list"],
                           capture_output=True, timeout=60)
        check(b"QUAR1" in r.stdout or len(after - before) >= 1,
              "objects/01: listed by mamori quarantine list")
        check(not os.listdir(os.path.join(state, "spool")), "spool left empty")

        # Postfix retries it (its answer was lost: the milter died between
        # the commit and the reply): the same message under the same queue
        # id, then under a new one, is stored once (quarantine.dedup_window_s)
        def entries():
            r = subprocess.run([a.mamori, "quarantine", "--state", state, "list", "--json"],
                               capture_output=True, timeout=60)
            return json.loads(r.stdout)
        n = len(entries())
        for qid in (b"QUAR1", b"QUAR2"):
            m = Milter(port)
            c, d, mods = m.conversation(raw, qid=qid)
            m.close()
            check(c == b"d", "objects/01 retried as %s: discard (%r)" % (qid.decode(), c))
        check(len(entries()) == n, "objects/01 retried twice: still %d entries (%d)"
              % (n, len(entries())))
        check(len(set(glob.glob(os.path.join(state, "quarantine", "*.eml"))) - before) == 1,
              "objects/01 retried: one .eml file")
        # a different body is another message
        m = Milter(port)
        c, d, mods = m.conversation(raw.replace(b"Subject:", b"X-Other: 1\r\nSubject:", 1)
                                    + b"\r\n", qid=b"QUAR3")
        m.close()
        check(c == b"d" and len(entries()) == n + 1, "objects/01 with another body: a new entry")

        # hostile peers in parallel with a good conversation
        def garbage():
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(os.urandom(4096))
            time.sleep(0.2)
            s.close()

        def truncated():
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(struct.pack(">I", 1000) + b"O" + b"\0" * 10)
            s.close()

        def huge_len():
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(struct.pack(">I", 0x7fffffff) + b"L")
            time.sleep(0.2)
            s.close()

        slow_done = threading.Event()

        def slowloris():
            s = socket.create_connection(("127.0.0.1", port))
            pkt = struct.pack(">I", 13) + b"O" + struct.pack(">III", 6, 0x1FF, 0)
            for byte in pkt[:8]:
                if slow_done.is_set():
                    break
                s.send(bytes([byte]))
                time.sleep(1)
            s.close()

        results = {}

        def huge_header():
            try:
                m2 = Milter(port)
                big = b"X-Big: " + b"a" * 60000 + b"\r\n"
                raw2 = big * 30 + CLEAN
                results["huge"] = m2.conversation(raw2)[:2]
                m2.close()
            except Exception as e:	# noqa
                results["huge"] = ("closed", repr(e))

        threads = [threading.Thread(target=f) for f in (slowloris, garbage, truncated, huge_len, huge_header)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        t0 = time.time()
        m = Milter(port)
        c, d, mods = m.conversation(CLEAN)
        m.close()
        check(c == b"a" and time.time() - t0 < 10, "good conversation during hostile peers")
        slow_done.set()
        for t in threads:
            t.join(30)
        hc = results.get("huge", (None, None))
        check(hc[0] == b"y" and b"552" in hc[1], "huge header: 552 (%r)" % (hc,))
        check(p.poll() is None, "daemon alive after hostile peers")

        # SIGHUP: a lower reject threshold takes effect
        write_conf(a="1.0", q="2.0", r="2.0")
        p.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        check(p.poll() is None, "alive after SIGHUP")
        m = Milter(port)
        c, d, mods = m.conversation(NO_DATE_ID)
        m.close()
        check(c == b"y" and d.startswith(b"550 5.7.1 Message rejected as spam"),
              "after reload: 550 as spam (%r %r)" % (c, d))
        m = Milter(port)
        c, d, mods = m.conversation(raw)
        m.close()
        check(c == b"y" and d.startswith(b"550 5.7.1 Message rejected as malware"),
              "after reload: objects/01 550 as malware (%r %r)" % (c, d))

        # a bad configuration keeps the running one
        with open(conf, "w") as f:
            f.write("actions = { reject = ; };\n")
        p.send_signal(signal.SIGHUP)
        time.sleep(1)
        m = Milter(port)
        c, d, mods = m.conversation(NO_DATE_ID)
        m.close()
        check(p.poll() is None and c == b"y", "bad config on SIGHUP: old engine kept")

        # SIGTERM: clean exit
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "SIGTERM: exit 0 (%r)" % rc)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
    logtext = open(os.path.join(a.work, "milter.log"), "rb").read()
    check(b"queue_id=QID1 action=accept" in logtext, "log line per message")
    if FAILS:
        sys.stdout.write(logtext.decode("utf-8", "replace")[-3000:])
    return exit_status("all passed")


if __name__ == "__main__":
    sys.exit(main())

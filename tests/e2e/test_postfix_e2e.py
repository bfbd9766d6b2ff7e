#!/usr/bin/python3
"""test_postfix_e2e.py - mamori in a real mail flow: swaks -> Postfix
(smtpd_milters = mamori milter) -> the sink standing in for the mailbox
service.  ctest `e2e.postfix` (tests/e2e/e2e.cmake).

Everything runs on 127.0.0.1 in a temp dir: a DNS server with an empty
zone (tests/support/dnsserver.py: every name NXDOMAIN, so the
authentication checks never leave the host), the sink (sink.py), `mamori
milter --socket inet:PORT@127.0.0.1`, and a private Postfix (postfix.py)
with a second smtpd on a re-injection port without milters, where `mamori
quarantine release` sends messages back (quarantine.release_smtp).

Cases (messages from examples/, each sent with a fresh Message-ID):
  deliver     01-iso2022jp-business (accept): at the sink once, with
              Authentication-Results and X-Spam-* headers added
  tag         documents/07-pdf-launch (7 points, add_header): at the sink,
              X-Spam-Status says yes and names PDF_LAUNCH
  reject      objects/03-deceptive-names (28, reject): swaks gets 5xx,
              nothing at the sink
  quarantine  objects/04-html-smuggling (13, quarantine): swaks gets 250,
              nothing at the sink, `mamori quarantine list` has it;
              `release` delivers it to the sink with the original envelope
              and the original body bytes
  crash       the milter killed (gdb, SIGKILL) between the quarantine
              commit and its answer: the sender gets 4xx and retries; the
              restarted milter stores the retry once (one entry)
  restart     50 messages of the four kinds, 10 swaks in parallel; mamori
              is killed with SIGKILL in the middle and restarted 2 s later.
              Postfix answers 4xx while it is down (milter_default_action =
              tempfail); the sender retries those (as a sending MTA
              would), the Postfix queue is flushed (postqueue -f), and then
              every Message-ID must be in exactly one place: delivered once
              at the sink, rejected (5xx, nowhere), or quarantined once.

Exit status 0: all passed; 1: a failure (printed); 77: skipped (not root,
no Postfix or swaks, or a mamori without the milter and quarantine
commands).  --keep keeps the temp dir.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from postfix import Postfix, available, free_port  # noqa: E402
from sink import Sink, headers_of  # noqa: E402

DNSSERVER = os.path.join(ROOT, "tests", "support", "dnsserver.py")
EX = os.path.join(ROOT, "examples")
KINDS = {
    "clean": (os.path.join(EX, "01-iso2022jp-business.eml"), "accept"),
    "tag": (os.path.join(EX, "documents", "07-pdf-launch.eml"), "add_header"),
    "reject": (os.path.join(EX, "objects", "03-deceptive-names.eml"), "reject"),
    "quarantine": (os.path.join(EX, "objects", "04-html-smuggling.eml"), "quarantine"),
}
SENDER = "alice@sender.test"
RCPT = "bob@example.jp"

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg, flush=True)


def ok(msg):
    print("ok:", msg, flush=True)


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def body_of(raw):
    raw = crlf(raw)
    i = raw.find(b"\r\n\r\n")
    return raw[i + 4:] if i >= 0 else b""


def sent_body(raw):
    """The body as the file was sent: swaks ends DATA with CRLF.CRLF after
    the file even when the file ends in CRLF, so the message received has
    one CRLF more than the file."""
    return body_of(raw) + b"\r\n"


def with_message_id(path, mid, workdir):
    """A copy of the example at path with its Message-ID replaced by mid."""
    with open(path, "rb") as f:
        raw = crlf(f.read())
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    out, skip = [], False
    for ln in lines:
        if skip and ln[:1] in (b" ", b"\t"):
            continue
        skip = ln.lower().startswith(b"message-id:")
        if not skip:
            out.append(ln)
    out.append(b"Message-ID: <" + mid.encode() + b">")
    data = b"\r\n".join(out) + b"\r\n\r\n" + body
    p = os.path.join(workdir, "msgs", mid.split("@")[0] + ".eml")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return p


def swaks(port, path, timeout=120):
    """Send path; returns (reply code to the final dot or the first
    failing command, the transcript)."""
    r = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}",
                        "--from", SENDER, "--to", RCPT, "--helo", "client.sender.test",
                        "--data", "@" + path, "--timeout", "90"],
                       capture_output=True, text=True, errors="replace", timeout=timeout)
    out = r.stdout + r.stderr
    code = None
    after_dot = False
    for ln in out.splitlines():
        if ln.startswith(" -> .") and ln.strip() == "-> .":
            after_dot = True
            continue
        m = re.match(r"^(<-|<\*\*)\s+(\d{3})[ -]", ln)
        if not m:
            continue
        c = int(m.group(2))
        if after_dot:
            return c, out
        if ln.startswith("<**"):
            code = c
            return code, out
    if code is None and r.returncode == 2:
        return 0, out	# connection refused
    return code or 0, out


def message_id(raw):
    h = headers_of(raw)
    v = h.get("Message-ID") or ""
    return v.strip().strip("<>")


class Mamori:
    """`mamori milter` on 127.0.0.1:port."""

    def __init__(self, binary, config, state, port, log):
        self.cmd = [binary, "milter", "--socket", f"inet:{port}@127.0.0.1",
                    "--config", config, "--state", state]
        self.port = port
        self.logpath = log
        self.proc = None

    def start(self, timeout=20):
        logf = open(self.logpath, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=logf, stderr=logf,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mamori milter exited {self.proc.returncode}:\n"
                                   + self.log_tail())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("mamori milter did not listen:\n" + self.log_tail())

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log_tail(self, n=30):
        try:
            with open(self.logpath, errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""


class Quarantine:
    """`mamori quarantine --config F --state DIR ...`."""

    def __init__(self, binary, config, state):
        self.base = [binary, "quarantine", "--config", config, "--state", state]

    def run(self, *args, check=True):
        r = subprocess.run(self.base + list(args), capture_output=True, text=True,
                           errors="replace", timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(self.base + list(args))}: exit "
                               f"{r.returncode}: {r.stdout}{r.stderr}")
        return r.stdout

    def entries(self):
        """[(id, message-id, state)] of every entry (`list --json`)."""
        out = []
        for ent in json.loads(self.run("list", "--limit", "100000", "--json")):
            out.append((ent["id"], message_id(self.raw(ent["id"])), ent.get("state")))
        return out

    def raw(self, qid):
        r = subprocess.run(self.base + ["show", "--raw", qid], capture_output=True,
                           timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"quarantine show --raw {qid}: {r.stderr!r}")
        return r.stdout


def wait_for(pred, timeout, step=0.2):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def sink_by_mid(sink):
    d = {}
    for meta, raw in sink.messages():
        d.setdefault(message_id(raw), []).append((meta, raw))
    return d


def start_dns(work, timeout):
    """tests/support/dnsserver.py on 127.0.0.1 with the empty zone of
    work (make_work) for timeout seconds: (the process, its port)."""
    p = subprocess.Popen(["/usr/bin/python3", DNSSERVER, os.path.join(work, "zone.json"),
                          "--timeout", str(timeout)], stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    f = p.stdout.readline().decode().split()
    if len(f) != 2 or f[0] != "PORT":
        p.kill()
        raise RuntimeError("dnsserver.py did not start")
    return p, int(f[1])


def make_work(prefix):
    """A fresh work dir in /tmp (the daemons of Postfix, user postfix,
    must reach it) with an empty DNS zone, zone.json."""
    work = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(work, 0o755)
    with open(os.path.join(work, "zone.json"), "w") as f:
        json.dump({}, f)
    return work


def finish(a, work):
    """Removes work (kept with --keep or after a failure), prints the
    verdict; the exit status."""
    if a.keep or FAILS:
        print("work dir kept:", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'FAILED' if FAILS else 'PASSED'}: {len(FAILS)} failure(s)")
    return 1 if FAILS else 0


def unavailable(*tools):
    """Why the e2e tests cannot run here (not root, no Postfix, one of
    tools missing), or None."""
    why = available()
    if why:
        return why
    for t in tools:
        if not shutil.which(t):
            return f"{t} missing"
    return None


class Env:
    pass


def setup(a, work):
    e = Env()
    e.work = work
    e.dns, e.dns_port = start_dns(work, 900)
    e.sink = Sink(os.path.join(work, "sink")).start()
    e.milter_port = free_port()
    e.reinject_port = free_port()
    e.state = os.path.join(work, "state")
    os.makedirs(e.state, exist_ok=True)
    e.config = os.path.join(work, "mamori.conf")
    with open(e.config, "w") as cf:
        cf.write(f"""# written by tests/e2e/test_postfix_e2e.py
dns = {{ servers = [ "127.0.0.1:{e.dns_port}" ]; timeout_ms = 500; tries = 1; }};
quarantine = {{
	state_dir = "{e.state}";
	release_smtp = "127.0.0.1:{e.reinject_port}";
}};
daemon = {{ user = "{a.milter_user}"; }};
{a.milter_conf}
""")
    if a.milter_user:
        # the milter (at this commit) makes STATE/spool before it drops
        # privileges: make it ours first, as an installer would
        os.makedirs(os.path.join(e.state, "spool"), exist_ok=True)
        for d in (e.state, os.path.join(e.state, "spool")):
            shutil.chown(d, a.milter_user)
    e.mamori = Mamori(a.mamori, e.config, e.state, e.milter_port,
                      os.path.join(work, "mamori.log"))
    e.q = Quarantine(a.mamori, e.config, e.state)
    e.pf = Postfix(os.path.join(work, "postfix"), milter_port=e.milter_port,
                   sink_port=e.sink.port, reinject_port=e.reinject_port)
    e.mamori.start()
    e.pf.start()
    return e


def teardown(e):
    for f in (lambda: e.pf.stop(), lambda: e.mamori.stop(), lambda: e.sink.stop(),
              lambda: e.dns.kill()):
        try:
            f()
        except Exception as ex:  # noqa: BLE001
            print("teardown:", ex)


def hdr_all(raw, name):
    return [str(v) for v in (headers_of(raw).get_all(name) or [])]


def case_deliver(e):
    mid = f"deliver.{random.getrandbits(48):x}@sender.test"
    p = with_message_id(KINDS["clean"][0], mid, e.work)
    code, out = swaks(e.pf.port, p)
    if code != 250:
        return fail(f"deliver: swaks got {code}:\n{out[-1500:]}")
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        return fail(f"deliver: {len(got or [])} copies at the sink\n{e.pf.log_tail()}")
    meta, raw = got[0]
    ar = hdr_all(raw, "Authentication-Results")
    xs = {h: hdr_all(raw, h) for h in ("X-Spam-Score", "X-Spam-Status", "X-Spam-Symbols")}
    if not ar or "spf=" not in ar[0] or "dmarc=" not in ar[0]:
        fail(f"deliver: Authentication-Results missing or incomplete: {ar}")
    if not xs["X-Spam-Score"] or not xs["X-Spam-Status"]:
        fail(f"deliver: X-Spam-Score/-Status missing: {xs}")
    elif not re.match(r"(?i)\s*no\b", xs["X-Spam-Status"][0]):
        fail(f"deliver: X-Spam-Status of a clean message: {xs['X-Spam-Status']}")
    if meta["mail_from"] != SENDER or meta["rcpt_tos"] != [RCPT]:
        fail(f"deliver: envelope at the sink {meta}")
    with open(p, "rb") as f:
        if body_of(raw) != sent_body(f.read()):
            fail("deliver: the body changed on the way")
    ok(f"deliver: 250, at the sink once, AR={ar[0][:60]!r}, "
       f"X-Spam-Status={xs['X-Spam-Status']}, X-Spam-Score={xs['X-Spam-Score']}")


def case_tag(e):
    mid = f"tag.{random.getrandbits(48):x}@sender.test"
    p = with_message_id(KINDS["tag"][0], mid, e.work)
    code, out = swaks(e.pf.port, p)
    if code != 250:
        return fail(f"tag: swaks got {code}:\n{out[-1500:]}")
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        return fail(f"tag: {len(got or [])} copies at the sink")
    raw = got[0][1]
    st = hdr_all(raw, "X-Spam-Status")
    sym = " ".join(hdr_all(raw, "X-Spam-Symbols") + st)
    if not st or not re.match(r"(?i)\s*yes\b", st[0]):
        fail(f"tag: X-Spam-Status {st}")
    if "PDF_LAUNCH" not in sym:
        fail(f"tag: PDF_LAUNCH not named in X-Spam-Symbols/-Status: {sym!r}")
    if not hdr_all(raw, "Authentication-Results"):
        fail("tag: no Authentication-Results")
    ok(f"tag: 250, delivered tagged: X-Spam-Status={st}, "
       f"X-Spam-Symbols={hdr_all(raw, 'X-Spam-Symbols')}")


def case_reject(e):
    mid = f"reject.{random.getrandbits(48):x}@sender.test"
    p = with_message_id(KINDS["reject"][0], mid, e.work)
    code, out = swaks(e.pf.port, p)
    if not 500 <= code < 600:
        return fail(f"reject: swaks got {code}, not 5xx:\n{out[-1500:]}")
    text = [ln for ln in out.splitlines() if ln.startswith("<**")]
    time.sleep(1)
    e.pf.wait_queue_empty(20)
    if sink_by_mid(e.sink).get(mid):
        fail("reject: the message reached the sink")
    ok(f"reject: {code}, nothing at the sink: {text[-1] if text else ''}")


def case_quarantine(e):
    mid = f"quarantine.{random.getrandbits(48):x}@sender.test"
    p = with_message_id(KINDS["quarantine"][0], mid, e.work)
    code, out = swaks(e.pf.port, p)
    if code != 250:
        return fail(f"quarantine: swaks got {code}:\n{out[-1500:]}")
    e.pf.wait_queue_empty(20)
    time.sleep(1)
    if sink_by_mid(e.sink).get(mid):
        return fail("quarantine: the message reached the sink")
    ents = [q for q in e.q.entries() if q[1] == mid]
    if len(ents) != 1:
        return fail(f"quarantine: {len(ents)} entries with the Message-ID in "
                    f"`mamori quarantine list`")
    qid = ents[0][0]
    show = e.q.run("show", qid)
    e.q.run("release", qid)
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        return fail(f"quarantine: release: {len(got or [])} copies at the sink\n"
                    f"{e.pf.log_tail()}")
    meta, raw = got[0]
    if meta["mail_from"] != SENDER or meta["rcpt_tos"] != [RCPT]:
        fail(f"quarantine: released with envelope {meta['mail_from']} {meta['rcpt_tos']}")
    with open(p, "rb") as f:
        orig = f.read()
    stored = e.q.raw(qid)
    if body_of(stored) != sent_body(orig):
        fail("quarantine: the stored body differs from the body sent")
    if body_of(raw) != body_of(stored):
        fail("quarantine: the released body differs from the stored body bytes")
    # every header of the original is in the released message
    for ln in crlf(orig).partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if ln and ln not in crlf(raw):
            fail(f"quarantine: released message lacks the header line {ln[:80]!r}")
            break
    after = e.q.run("show", qid)
    if "released" not in after.lower():
        fail(f"quarantine: entry not marked released:\n{after}")
    ok(f"quarantine: 250, not at the sink, in the store as {qid}; released: "
       f"envelope {meta['mail_from']} -> {meta['rcpt_tos']}, body bytes equal "
       f"({len(body_of(raw))} bytes)")
    return show


def case_crash_after_commit(e):
    """Issue 12, point 7: the milter killed (SIGKILL, by gdb) right after
    the quarantine entry is committed and before it answers.  Postfix
    answers 4xx (milter_default_action = tempfail), the sending MTA retries
    the same message through a new SMTP session (a new queue id), and the
    restarted milter must recognise it: one entry, not two."""
    if not shutil.which("gdb"):
        return fail("crash: gdb missing (scripts/install-deps.sh installs it)")
    mid = f"crash.{random.getrandbits(48):x}@sender.test"
    p = with_message_id(KINDS["quarantine"][0], mid, e.work)
    gdb = subprocess.Popen(
        ["gdb", "-p", str(e.mamori.proc.pid), "-batch", "-nx",
         "-ex", "set pagination off", "-ex", "break store_quarantine_put",
         "-ex", "continue", "-ex", "finish", "-ex", "signal SIGKILL"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, errors="replace")
    # gdb's stdout is a pipe, so "Continuing." may sit in its buffer: the
    # breakpoint being set is the sign; `continue` follows at once
    watchdog = threading.Timer(120, gdb.kill)
    watchdog.start()
    transcript = []
    for ln in gdb.stdout:
        transcript.append(ln)
        if ln.startswith("Breakpoint 1 at"):
            break
    else:
        watchdog.cancel()
        return fail("crash: gdb did not attach:\n" + "".join(transcript[-20:]))
    time.sleep(1)
    code, out = swaks(e.pf.port, p)
    try:
        rest, _ = gdb.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        gdb.kill()
        rest = ""
    watchdog.cancel()
    transcript.append(rest)
    e.mamori.proc.wait(30)
    if e.mamori.proc.returncode != -signal.SIGKILL:
        return fail(f"crash: the milter was not killed in store_quarantine_put "
                    f"(exit {e.mamori.proc.returncode}):\n" + "".join(transcript)[-2000:])
    if not 400 <= code < 500:
        return fail(f"crash: the first attempt got {code}, not a 4xx:\n{out[-1500:]}")
    first = [q for q in e.q.entries() if q[1] == mid]
    if len(first) != 1:
        return fail(f"crash: {len(first)} entries committed before the kill, not 1")
    e.mamori.start()
    code2, out2 = swaks(e.pf.port, p)
    if code2 != 250:
        return fail(f"crash: the retry got {code2}:\n{out2[-1500:]}")
    e.pf.wait_queue_empty(20)
    ents = [q for q in e.q.entries() if q[1] == mid]
    if len(ents) != 1 or ents[0][0] != first[0][0]:
        return fail(f"crash: after the retry {len(ents)} entries with the Message-ID "
                    f"({[q[0] for q in ents]}), expected only {first[0][0]}")
    if sink_by_mid(e.sink).get(mid):
        return fail("crash: the message reached the sink")
    ok(f"crash: SIGKILL after the commit -> {code} to the sender; the retry -> 250, "
       f"still one entry ({ents[0][0]}, {ents[0][2]})")


def case_restart(e, n=50, parallel=10):
    order = (["clean"] * 24 + ["tag"] * 10 + ["reject"] * 8 + ["quarantine"] * 8)
    order = (order * ((n + len(order) - 1) // len(order)))[:n]
    random.shuffle(order)
    msgs = []
    for i, kind in enumerate(order):
        mid = f"restart{i:03d}.{kind}.{random.getrandbits(32):x}@sender.test"
        msgs.append((mid, kind, with_message_id(KINDS[kind][0], mid, e.work)))
    final = {}
    tempfails = [0]
    lock = threading.Lock()
    started = [0]

    def send(m):
        mid, kind, p = m
        with lock:
            started[0] += 1
        for attempt in range(30):
            code, out = swaks(e.pf.port, p)
            if code // 100 in (2, 5):
                with lock:
                    final[mid] = code
                return
            with lock:
                tempfails[0] += 1
            time.sleep(1)	# a sending MTA retries later
        with lock:
            final[mid] = code

    def killer():
        # kill when about a third of the messages have been started
        while started[0] < n // 3:
            time.sleep(0.02)
        time.sleep(0.3)
        e.mamori.kill9()
        print(f"restart: mamori killed (SIGKILL) after {started[0]} sends started",
              flush=True)
        time.sleep(2)
        e.mamori.start()
        print("restart: mamori restarted", flush=True)

    kt = threading.Thread(target=killer)
    kt.start()
    with concurrent.futures.ThreadPoolExecutor(parallel) as ex:
        list(ex.map(send, msgs))
    kt.join()
    e.pf.flush()
    if not e.pf.wait_queue_empty(120):
        fail(f"restart: the Postfix queue did not empty:\n{e.pf.queue_text()}")
    time.sleep(1)
    at_sink = sink_by_mid(e.sink)
    inq = {}
    for qid, mid, _st in e.q.entries():
        inq.setdefault(mid, []).append(qid)
    counts = {"delivered": 0, "rejected": 0, "quarantined": 0}
    for mid, kind, _p in msgs:
        code = final.get(mid)
        s = len(at_sink.get(mid, []))
        q = len(inq.get(mid, []))
        if code is None or code // 100 not in (2, 5):
            fail(f"restart: {mid}: no final answer (last {code})")
            continue
        if code // 100 == 5:
            where = "rejected"
            good = s == 0 and q == 0
        elif s == 1 and q == 0:
            where = "delivered"
            good = True
        elif s == 0 and q == 1:
            where = "quarantined"
            good = True
        else:
            where, good = f"sink={s} quarantine={q}", False
        if not good:
            fail(f"restart: {mid} ({kind}, answer {code}): {where}: lost or duplicated")
            continue
        counts[where] += 1
        want = {"clean": "delivered", "tag": "delivered", "reject": "rejected",
                "quarantine": "quarantined"}[kind]
        if where != want:
            fail(f"restart: {mid} ({kind}) was {where}, expected {want}")
    total = sum(counts.values())
    if total == n:
        ok(f"restart: {n} messages, {tempfails[0]} tempfails retried; every one "
           f"accounted for exactly once: {counts}")
    else:
        fail(f"restart: only {total} of {n} accounted for: {counts}")
    if tempfails[0] == 0:
        fail("restart: no tempfail seen: the kill did not hit the flow")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True, help="the mamori binary")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--milter-user", default="nobody",
                    help="daemon.user: the milter drops to it after binding (the "
                         "state dir is chowned to it); default nobody")
    ap.add_argument("--milter-conf", default="",
                    help="more configuration text for the milter")
    a = ap.parse_args()
    why = unavailable("swaks")
    if why:
        print(f"SKIP: {why}")
        return 77
    a.mamori = os.path.abspath(a.mamori)
    usage = subprocess.run([a.mamori, "help"], capture_output=True, text=True).stdout
    for cmd in ("milter", "quarantine"):
        if not re.search(rf"^\s+{cmd}\b", usage, re.M):
            print(f"SKIP: this mamori has no `{cmd}` command")
            return 77
    def restart(e):
        case_restart(e, a.messages)
    restart.__name__ = "case_restart"
    return run(a, "mamori-e2e-", [case_deliver, case_tag, case_reject, case_quarantine,
                                  case_crash_after_commit, restart],
               lambda e: f"setup: postfix 127.0.0.1:{e.pf.port} (check clean: "
                         f"{e.pf.check() == ''}), mamori milter 127.0.0.1:{e.milter_port}, "
                         f"sink 127.0.0.1:{e.sink.port}, re-injection "
                         f"127.0.0.1:{e.reinject_port}")


def run(a, prefix, cases, setup_msg, log_lines=40):
    """Set up in a fresh work dir, run each case (an exception is a
    failure), check the milter is alive, tear down; the exit status.  The
    work dir is kept with --keep or after a failure (and the logs shown)."""
    work = make_work(prefix)
    e = None
    try:
        e = setup(a, work)
        ok(setup_msg(e))
        for c in cases:
            try:
                c(e)
            except Exception as ex:  # noqa: BLE001
                fail(f"{c.__name__}: {ex!r}")
        if e.mamori.proc.poll() is not None:
            fail(f"mamori milter died: {e.mamori.proc.returncode}")
    except Exception as ex:  # noqa: BLE001
        fail(f"setup: {ex}")
    finally:
        if e:
            if FAILS:
                print("--- mamori log ---\n" + e.mamori.log_tail(log_lines))
                print("--- postfix log ---\n" + e.pf.log_tail(40))
            teardown(e)
        status = finish(a, work)
    return status


if __name__ == "__main__":
    sys.exit(main())

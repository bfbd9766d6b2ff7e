#!/usr/bin/env bash
# milter-load.sh - `mamori milter` under load in a real Postfix: messages/s
# sustained, the latency it adds, and its RSS as the messages add up.
#
# smtp-source (Postfix's load generator) -> a private Postfix on 127.0.0.1
# (tests/e2e/postfix.py: smtpd_milters = mamori, milter_default_action =
# tempfail) -> the aiosmtpd sink (tests/e2e/sink.py, counting only).  DNS
# goes to tests/support/dnsserver.py with an empty zone on 127.0.0.1.
# Must run as root (postfix start).
#
#   1. baseline: the same Postfix without the milter, BASELINE messages;
#   2. with mamori: MESSAGES messages in batches of BATCH
#      (`smtp-source -s SESSIONS -m BATCH -l SIZE`); after each batch, once
#      the sink has them all, mamori's VmRSS.
# Prints messages/s (sent until all reached the sink, per batch and
# overall), p50/p99 of Postfix's delays "a" (time before the queue
# manager: the SMTP session including the milter) with and without
# mamori, their difference (the added latency), and RSS per batch.
#
# Environment:
#   MESSAGES=100000  messages through mamori (MESSAGES=10000 for a quick run)
#   BATCH=10000      messages per smtp-source run (RSS sampled after each)
#   BASELINE=10000   messages of the baseline run without the milter (0: none)
#   SESSIONS=20      parallel SMTP sessions (smtp-source -s)
#   SIZE=2048        message size in bytes (smtp-source -l)
#   MAMORI=PATH      the binary (default build/mamori, built as Release
#                    in build-bench/ when missing)
#   MILTER_USER=nobody  daemon.user (the milter drops to it; owns the state dir)
#   MILTER_CONF=TEXT more mamori configuration (libconfig text)
#   KEEP=1           keep the work dir (logs) in /tmp
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export MESSAGES=${MESSAGES:-100000} BATCH=${BATCH:-10000} BASELINE=${BASELINE:-10000}
export SESSIONS=${SESSIONS:-20} SIZE=${SIZE:-2048} KEEP=${KEEP:-0}

die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
[[ $(id -u) == 0 ]] || die "run as root (a private Postfix is started)"
[[ -x /usr/sbin/smtp-source ]] || die "/usr/sbin/smtp-source missing (package postfix)"
MAMORI=${MAMORI:-}
if [[ -z $MAMORI ]]; then
	MAMORI=$ROOT/build-bench/mamori
	if [[ ! -x $MAMORI ]]; then
		cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
		cmake --build "$ROOT/build-bench" --target mamori_cli >/dev/null
	fi
fi
export MAMORI ROOT
exec /usr/bin/python3 - <<'PY'
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time
ROOT = os.environ["ROOT"]
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from postfix import Postfix, free_port
from sink import Sink

N = int(os.environ["MESSAGES"]); BATCH = int(os.environ["BATCH"])
BASE = int(os.environ["BASELINE"]); S = int(os.environ["SESSIONS"])
SIZE = int(os.environ["SIZE"]); MAMORI = os.environ["MAMORI"]


def say(*a):
    print("bench:", *a, flush=True)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))] if v else float("nan")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return -1


def received(sinkdir):
    try:
        with open(os.path.join(sinkdir, "received.log")) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def drive(pf, sinkdir, count, want_total, label):
    """smtp-source count messages; wait until the sink has want_total."""
    t0 = time.time()
    r = subprocess.run(["/usr/sbin/smtp-source", "-s", str(S), "-m", str(count),
                        "-l", str(SIZE), "-f", "load@sender.test", "-t", "bob@example.jp",
                        "-M", "client.sender.test", f"127.0.0.1:{pf.port}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        say(f"{label}: smtp-source exit {r.returncode}: {r.stderr.strip()[:300]}")
    t_sent = time.time()
    last, stall = received(sinkdir), time.time()
    while received(sinkdir) < want_total:
        time.sleep(0.2)
        n = received(sinkdir)
        if n != last:
            last, stall = n, time.time()
        elif time.time() - stall > 60:
            say(f"{label}: the sink stalled at {n} of {want_total}")
            pf.flush()
            stall = time.time()
            if not pf.queue():
                break
    t1 = time.time()
    return t_sent - t0, t1 - t0, r.stderr.count("\n")


work = tempfile.mkdtemp(prefix="mamori-bench-", dir="/tmp")
os.chmod(work, 0o755)
with open(os.path.join(work, "zone.json"), "w") as f:
    json.dump({}, f)
dns = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests/support/dnsserver.py"),
                        os.path.join(work, "zone.json"), "--timeout", "86400"],
                       stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
dns_port = int(dns.stdout.readline().split()[1])
procs = []
try:
    # ---- 1. baseline: Postfix alone ------------------------------------
    res = {}
    if BASE > 0:
        sd = os.path.join(work, "sink-base")
        sink = Sink(sd, count_only=True).start()
        pf = Postfix(os.path.join(work, "pf-base"), sink_port=sink.port,
                     extra={"delay_logging_resolution_limit": "6"})
        pf.start()
        sent, total, errs = drive(pf, sd, BASE, BASE, "baseline")
        a = [d[0] for d in pf.delays()]
        res["base"] = (BASE / total, pct(a, 50), pct(a, 99))
        say(f"baseline (no milter): {BASE} messages in {total:.1f} s = "
            f"{BASE / total:.0f} msg/s; delays a p50 {pct(a, 50) * 1000:.1f} ms, "
            f"p99 {pct(a, 99) * 1000:.1f} ms")
        pf.stop()
        sink.stop()

    # ---- 2. with mamori ------------------------------------------------
    state = os.path.join(work, "state")
    os.makedirs(state)
    user = os.environ.get("MILTER_USER", "nobody")
    shutil.chown(state, user)
    conf = os.path.join(work, "mamori.conf")
    with open(conf, "w") as f:
        f.write(f'dns = {{ servers = [ "127.0.0.1:{dns_port}" ]; timeout_ms = 500; tries = 1; }};\n'
                f'quarantine = {{ state_dir = "{state}"; }};\n'
                f'daemon = {{ user = "{user}"; }};\n'
                + os.environ.get("MILTER_CONF", "") + "\n")
    mport = free_port()
    mlog = open(os.path.join(work, "mamori.log"), "wb")
    m = subprocess.Popen([MAMORI, "milter", "--socket", f"inet:{mport}@127.0.0.1",
                          "--config", conf, "--state", state],
                         stdout=mlog, stderr=mlog, stdin=subprocess.DEVNULL)
    procs.append(m)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", mport), 0.5).close()
            break
        except OSError:
            if m.poll() is not None:
                os.environ["KEEP"] = "1"
                sys.exit(f"bench: mamori milter exited {m.returncode} (see {work}/mamori.log)")
            time.sleep(0.1)
    say(f"mamori milter pid {m.pid}, RSS at start {rss_kb(m.pid)} kB")
    sd = os.path.join(work, "sink")
    sink = Sink(sd, count_only=True).start()
    pf = Postfix(os.path.join(work, "pf"), sink_port=sink.port, milter_port=mport,
                 extra={"delay_logging_resolution_limit": "6"})
    pf.start()
    done, t_all = 0, 0.0
    rows = []
    while done < N:
        n = min(BATCH, N - done)
        sent, total, errs = drive(pf, sd, n, done + n, f"batch {done + n}")
        done += n
        t_all += total
        if m.poll() is not None:
            os.environ["KEEP"] = "1"
            sys.exit(f"bench: mamori milter died ({m.returncode}) after {done} messages")
        rows.append((done, n / total, rss_kb(m.pid)))
        say(f"{done:>7} messages: {n / total:6.0f} msg/s this batch, "
            f"mamori RSS {rows[-1][2]} kB")
    a = [d[0] for d in pf.delays()]
    got = received(sd)
    say(f"with mamori: {N} messages in {t_all:.1f} s = {N / t_all:.0f} msg/s "
        f"sustained ({S} sessions, {SIZE} bytes); {got} reached the sink")
    say(f"delays a with mamori: p50 {pct(a, 50) * 1000:.1f} ms, p99 {pct(a, 99) * 1000:.1f} ms")
    if "base" in res:
        say(f"added latency (with minus without the milter): "
            f"p50 {(pct(a, 50) - res['base'][1]) * 1000:.1f} ms, "
            f"p99 {(pct(a, 99) - res['base'][2]) * 1000:.1f} ms")
    r10 = next((r[2] for r in rows if r[0] >= 10000), None)
    say(f"RSS after {rows[0][0]} messages: {rows[0][2]} kB; after {rows[-1][0]}: "
        f"{rows[-1][2]} kB" + (f" (after 10000: {r10} kB)" if r10 else ""))
    pf.stop()
    sink.stop()
finally:
    for p in procs:
        if p.poll() is None:
            p.terminate()
            p.wait()
    dns.kill()
    if os.environ.get("KEEP") == "1":
        say("work dir kept:", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
PY

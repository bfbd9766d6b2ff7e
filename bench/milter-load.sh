#!/usr/bin/env bash
# milter-load.sh - `mamori milter` in a real Postfix: the latency it adds
# over TCP and over a unix socket, then messages/s sustained and its RSS
# as the messages add up.
#
# smtp-source (Postfix's load generator) -> a private Postfix on 127.0.0.1
# (tests/e2e/postfix.py, milter_default_action = tempfail) -> the aiosmtpd
# sink (tests/e2e/sink.py, counting only).  DNS goes to
# tests/support/dnsserver.py with an empty zone on 127.0.0.1.  Must run as
# root (postfix start).  Three Postfix instances run side by side: one
# without a milter, one with `smtpd_milters = inet:127.0.0.1:PORT` and one
# with `smtpd_milters = unix:PATH`, each milter a `mamori milter` running
# as MILTER_USER (the unix socket gets daemon.socket_group/socket_mode:
# Postfix's smtpd, user postfix, must be able to connect).
#
#   1. latency: for each session count in LAT_SESSIONS, RUNS rounds; each
#      round sends LAT_MESSAGES through the three instances in turn
#      (interleaved: base, tcp, unix), and takes p50/p99 of Postfix's
#      delays "a" (time before the queue manager: the SMTP session
#      including the milter) of that round's messages.  Added latency =
#      tcp (or unix) minus base of the same round.  Prints every round,
#      then min and median over the rounds.
#   2. load (MESSAGES > 0): MESSAGES messages over TCP in batches of BATCH
#      (`smtp-source -s SESSIONS -m BATCH -l SIZE`); after each batch,
#      once the sink has them all, mamori's VmRSS; messages/s.
#
# Environment:
#   LAT_SESSIONS="1 20"  session counts of the latency phase ("" = none)
#   LAT_MESSAGES=500     messages per instance per round
#   RUNS=3               rounds
#   MESSAGES=0           messages of the load phase (e.g. 100000; 0: none)
#   BATCH=10000          messages per smtp-source run (RSS sampled after each)
#   SESSIONS=20          parallel SMTP sessions of the load phase
#   SIZE=2048            message size in bytes (smtp-source -l)
#   MAMORI=PATH          the binary (default build-bench/mamori, built as
#                        Release when missing)
#   MILTER_USER=nobody   daemon.user (the milters drop to it; own the state dirs)
#   MILTER_CONF=TEXT     more mamori configuration (libconfig text)
#   KEEP=1               keep the work dir (logs) in /tmp
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export MESSAGES=${MESSAGES:-0} BATCH=${BATCH:-10000}
export SESSIONS=${SESSIONS:-20} SIZE=${SIZE:-2048} KEEP=${KEEP:-0}
export LAT_SESSIONS=${LAT_SESSIONS-1 20} LAT_MESSAGES=${LAT_MESSAGES:-500} RUNS=${RUNS:-3}

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
import grp, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time
ROOT = os.environ["ROOT"]
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from postfix import Postfix, free_port
from sink import Sink

N = int(os.environ["MESSAGES"]); BATCH = int(os.environ["BATCH"])
S = int(os.environ["SESSIONS"]); SIZE = int(os.environ["SIZE"])
MAMORI = os.environ["MAMORI"]
LAT_S = [int(x) for x in os.environ["LAT_SESSIONS"].split()]
LAT_N = int(os.environ["LAT_MESSAGES"]); RUNS = int(os.environ["RUNS"])
USER = os.environ.get("MILTER_USER", "nobody")


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


def drive(pf, sinkdir, count, want_total, label, sessions):
    """smtp-source count messages; wait until the sink has want_total."""
    t0 = time.time()
    r = subprocess.run(["/usr/sbin/smtp-source", "-s", str(sessions), "-m", str(count),
                        "-l", str(SIZE), "-f", "load@sender.test", "-t", "bob@example.jp",
                        "-M", "client.sender.test", f"127.0.0.1:{pf.port}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        say(f"{label}: smtp-source exit {r.returncode}: {r.stderr.strip()[:300]}")
    last, stall = received(sinkdir), time.time()
    while received(sinkdir) < want_total:
        time.sleep(0.05)
        n = received(sinkdir)
        if n != last:
            last, stall = n, time.time()
        elif time.time() - stall > 60:
            say(f"{label}: the sink stalled at {n} of {want_total}")
            pf.flush()
            stall = time.time()
            if not pf.queue():
                break
    return time.time() - t0


def start_milter(name, spec, probe):
    state = os.path.join(work, f"state-{name}")
    os.makedirs(state)
    shutil.chown(state, USER)
    conf = os.path.join(work, f"mamori-{name}.conf")
    with open(conf, "w") as f:
        f.write(f'dns = {{ servers = [ "127.0.0.1:{dns_port}" ]; timeout_ms = 500; tries = 1; }};\n'
                f'quarantine = {{ state_dir = "{state}"; }};\n'
                f'daemon = {{ user = "{USER}"; }};\n'
                + os.environ.get("MILTER_CONF", "") + "\n")
    os.chmod(conf, 0o600)	# root only: read before the drop
    log = open(os.path.join(work, f"mamori-{name}.log"), "wb")
    m = subprocess.Popen([MAMORI, "milter", "--socket", spec, "--config", conf,
                          "--state", state], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    procs.append(m)
    for _ in range(200):
        try:
            probe()
            return m
        except OSError:
            if m.poll() is not None:
                os.environ["KEEP"] = "1"
                sys.exit(f"bench: mamori milter ({name}) exited {m.returncode} "
                         f"(see {work}/mamori-{name}.log)")
            time.sleep(0.1)
    sys.exit(f"bench: mamori milter ({name}) does not listen")


work = tempfile.mkdtemp(prefix="mamori-bench-", dir="/tmp")
os.chmod(work, 0o755)
with open(os.path.join(work, "zone.json"), "w") as f:
    json.dump({}, f)
dns = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests/support/dnsserver.py"),
                        os.path.join(work, "zone.json"), "--timeout", "86400"],
                       stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
dns_port = int(dns.stdout.readline().split()[1])
procs, pfs, sinks = [], [], []
try:
    # the two milters: TCP and unix socket (in a directory user postfix may enter)
    mport = free_port()
    m_tcp = start_milter("tcp", f"inet:{mport}@127.0.0.1",
                         lambda: socket.create_connection(("127.0.0.1", mport), 0.5).close())
    sdir = os.path.join(work, "msock")
    os.makedirs(sdir)
    shutil.chown(sdir, USER, "postfix")
    os.chmod(sdir, 0o750)
    spath = os.path.join(sdir, "mamori.sock")

    def probe_unix():
        if not os.path.exists(spath):
            raise OSError("no socket yet")
        s = socket.socket(socket.AF_UNIX)
        s.connect(spath)
        s.close()
    m_unix = start_milter("unix", f"unix:{spath}", probe_unix)
    st = os.stat(spath)
    say(f"unix socket {spath}: mode {st.st_mode & 0o777:04o}, group "
        f"{grp.getgrgid(st.st_gid).gr_name}")
    inst = {}
    for name, milter in (("base", ""), ("tcp", f"inet:127.0.0.1:{mport}"),
                         ("unix", f"unix:{spath}")):
        sd = os.path.join(work, f"sink-{name}")
        sink = Sink(sd, count_only=True).start()
        sinks.append(sink)
        pf = Postfix(os.path.join(work, f"pf-{name}"), sink_port=sink.port, milter=milter,
                     extra={"delay_logging_resolution_limit": "6"})
        pf.start()
        pfs.append(pf)
        inst[name] = (pf, sd)

    # ---- 1. latency: interleaved rounds ---------------------------------
    for sessions in LAT_S:
        added = {"tcp": ([], []), "unix": ([], [])}
        for rnd in range(1, RUNS + 1):
            res = {}
            for name in ("base", "tcp", "unix"):
                pf, sd = inst[name]
                seen = len(pf.delays())
                have = received(sd)
                drive(pf, sd, LAT_N, have + LAT_N, f"{name} s={sessions} round {rnd}", sessions)
                a = [d[0] for d in pf.delays()[seen:]]
                res[name] = (pct(a, 50), pct(a, 99), len(a))
            line = [f"sessions {sessions} round {rnd}: base p50 {res['base'][0] * 1000:.2f} "
                    f"p99 {res['base'][1] * 1000:.2f} ms"]
            for name in ("tcp", "unix"):
                d50 = (res[name][0] - res["base"][0]) * 1000
                d99 = (res[name][1] - res["base"][1]) * 1000
                added[name][0].append(d50)
                added[name][1].append(d99)
                line.append(f"{name} p50 {res[name][0] * 1000:.2f} p99 {res[name][1] * 1000:.2f}"
                            f" ms, added p50 {d50:.2f} p99 {d99:.2f} ms ({res[name][2]} msgs)")
            say("; ".join(line))
        for name in ("tcp", "unix"):
            p50, p99 = added[name]
            say(f"ADDED LATENCY {name:4} sessions {sessions:2}: p50 min {min(p50):.2f} "
                f"median {statistics.median(p50):.2f} ms; p99 min {min(p99):.2f} "
                f"median {statistics.median(p99):.2f} ms ({RUNS} rounds of {LAT_N})"
                + (f"  target p99 < 20 ms: {'met' if statistics.median(p99) < 20 else 'NOT met'}"
                   if sessions == 1 else ""))

    # ---- 2. load over TCP ------------------------------------------------
    if N > 0:
        pf, sd = inst["tcp"]
        base_count = received(sd)
        seen = len(pf.delays())
        say(f"load: mamori milter (tcp) pid {m_tcp.pid}, RSS {rss_kb(m_tcp.pid)} kB")
        done, t_all, rows = 0, 0.0, []
        while done < N:
            n = min(BATCH, N - done)
            total = drive(pf, sd, n, base_count + done + n, f"batch {done + n}", S)
            done += n
            t_all += total
            if m_tcp.poll() is not None:
                os.environ["KEEP"] = "1"
                sys.exit(f"bench: mamori milter died ({m_tcp.returncode}) after {done} messages")
            rows.append((done, n / total, rss_kb(m_tcp.pid)))
            say(f"{done:>7} messages: {n / total:6.0f} msg/s this batch, "
                f"mamori RSS {rows[-1][2]} kB")
        a = [d[0] for d in pf.delays()[seen:]]
        say(f"load: {N} messages in {t_all:.1f} s = {N / t_all:.0f} msg/s sustained "
            f"({S} sessions, {SIZE} bytes); {received(sd) - base_count} reached the sink; "
            f"delays a p50 {pct(a, 50) * 1000:.1f} ms, p99 {pct(a, 99) * 1000:.1f} ms")
        r10 = next((r[2] for r in rows if r[0] >= 10000), None)
        say(f"RSS after {rows[0][0]} messages: {rows[0][2]} kB; after {rows[-1][0]}: "
            f"{rows[-1][2]} kB" + (f" (after 10000: {r10} kB)" if r10 else ""))
finally:
    for pf in pfs:
        pf.stop()
    for sink in sinks:
        sink.stop()
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

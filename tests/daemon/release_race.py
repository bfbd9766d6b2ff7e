#!/usr/bin/python3
"""release_race.py - a quarantined message is delivered at most once.

usage: release_race.py --mamori BIN --qput BIN --work DIR

Against an aiosmtpd sink on 127.0.0.1 that takes DELAY (3 s) to answer
the end of DATA, with `mamori serve` (as nobody when run as root) and the
CLI (`daemon.user = "nobody"` in its configuration) on the same state
directory:

  * three concurrent `mamori quarantine release ID`, a `POST
    /quarantine/ID/release` and, 0.5 s later, a `DELETE /quarantine/ID`
    and a `mamori quarantine delete ID`: exactly one delivery, exactly
    one of the four releases succeeds (the others: exit 1 / 409 naming
    "releasing"), both deletes refused (409 / exit 1) while the entry is
    listed as releasing, final state released; a DELETE and a CLI delete
    after the release are refused too (the message was delivered);
  * a failed delivery (the sink down): the CLI and the HTTP release fail
    (exit 1 / 502) and the entry is quarantined again, and released once
    the sink is back; a held entry whose release fails is held again;
  * a release killed (SIGKILL) while the sink holds DATA: the entry stays
    releasing (list shows it, with its start); `reset` refuses while the
    claim is younger than quarantine.release_stale_s, `reset --force`
    puts it back to quarantined, `reset --released --force` records a
    delivery the next hop has;
  * as root: the CLI on a state directory of nobody's (and on one it
    creates) leaves no root-owned file there; mamori.db, -wal and -shm
    are 0600; a relative --state is refused (exit 2);
  * a stale quarantine/.tmp-* file (a put killed between mkstemp and
    rename) is removed by `purge` (and at open), a fresh one is kept.
Only 127.0.0.1 is contacted.
"""

import asyncio
import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import time

from daemon_util import Serve, check, chown_nobody, exit_status, parse_args, start_sink

DELAY = 3.0
TOKEN = "release-race-token-0123456789"
AUTH = {"Authorization": "Bearer " + TOKEN}
MSG = (b"From: Sender <s@example.org>\r\n"
       b"To: a@example.com\r\n"
       b"Message-ID: <race@example.org>\r\n"
       b"Subject: release me once\r\n"
       b"\r\n"
       b"body\r\n")

ROOT = os.geteuid() == 0


class SlowSink:
    """Answers the end of DATA after delay seconds; got: every message whose
    DATA it received (also when the client went away during the wait)."""

    def __init__(self, delay):
        self.delay = delay
        self.got = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        # recorded on receipt: a client killed during the wait has sent it
        with self.lock:
            self.got.append((envelope.mail_from, list(envelope.rcpt_tos),
                             bytes(envelope.original_content or envelope.content)))
        await asyncio.sleep(self.delay)
        return "250 OK queued"


def root_owned(path):
    out = []
    for root, dirs, names in os.walk(path):
        for n in [root] + [os.path.join(root, x) for x in dirs + names]:
            if os.lstat(n).st_uid == 0:
                out.append(n)
    return out


class Env:
    def __init__(self, a):
        self.a = a
        self.state = os.path.join(a.work, "state")
        self.conf = os.path.join(a.work, "mamori.conf")

    def write_conf(self, smtp_port):
        with open(self.conf, "w") as f:
            f.write('daemon = { user = "%s"; };\n' % ("nobody" if ROOT else "")
                    + 'http = { token = "%s"; };\n' % TOKEN
                    + 'quarantine = { state_dir = "%s"; release_smtp = "127.0.0.1:%d"; '
                    'release_stale_s = 600; };\n' % (self.state, smtp_port))
        os.chmod(self.conf, 0o644)

    def cli(self, *args, timeout=60):
        return subprocess.run([self.a.mamori, "quarantine", "--config", self.conf,
                               "--state", self.state] + list(args),
                              capture_output=True, timeout=timeout)

    def cli_start(self, *args):
        return subprocess.Popen([self.a.mamori, "quarantine", "--config", self.conf,
                                 "--state", self.state] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def qput(self, hold=None, rcpts=("a@example.com",)):
        path = os.path.join(self.a.work, "msg.eml")
        with open(path, "wb") as f:
            f.write(MSG)
        cmd = [self.a.qput] + (["--hold", str(hold)] if hold is not None else []) \
            + [self.state, path, "s@example.org"] + list(rcpts)
        p = subprocess.run(cmd, capture_output=True, timeout=60)
        check(p.returncode == 0, "qput: %s" % p.stderr.strip())
        chown_nobody(self.state)
        return p.stdout.decode().strip()

    def state_of(self, qid):
        p = self.cli("show", qid, "--json")
        return json.loads(p.stdout)["state"] if p.returncode == 0 else None


class Server(Serve):
    """`mamori serve` on env's configuration and state, up (or SystemExit);
    request: with the token, (status, body)."""

    def __init__(self, env, log):
        super().__init__(env.a.mamori, env.conf, env.state, log, threads=4)
        if not self.wait_ready():
            raise SystemExit("mamori serve did not come up (see %s)" % log)

    def request(self, method, path, timeout=None):
        st, _, body = Serve.request(self, method, path, headers=AUTH, timeout=timeout)
        return st, body


def test_race(env, srv, sink):
    qid = env.qput()
    results = {}

    def http_release():
        results["http"] = srv.request("POST", "/quarantine/%s/release" % qid)

    t0 = time.time()
    clis = [env.cli_start("release", qid) for _ in range(3)]
    th = threading.Thread(target=http_release)
    th.start()
    time.sleep(0.5)
    # while a release has it: listed releasing, both deletes refused
    st_del, body_del = srv.request("DELETE", "/quarantine/" + qid)
    p_del = env.cli("delete", qid)
    p_list = env.cli("list", "--state-filter", "releasing")
    p_json = env.cli("show", qid, "--json")
    mid_state = json.loads(p_json.stdout) if p_json.returncode == 0 else {}
    outs = []
    for c in clis:
        out, err = c.communicate(timeout=60)
        outs.append((c.returncode, out, err))
    th.join(60)
    took = time.time() - t0
    ok_cli = [o for o in outs if o[0] == 0]
    busy_cli = [o for o in outs if o[0] == 1 and b"releasing" in o[2]]
    http_st, http_body = results.get("http", (0, b""))
    print("release race: CLI exits %s, HTTP %d, DELETE %d (%s), %.1f s, sink got %d" % (
        [o[0] for o in outs], http_st, st_del, body_del.decode(errors="replace"), took,
        len(sink.got)), flush=True)
    check(len(sink.got) == 1, "race: exactly one delivery (%d)" % len(sink.got))
    check(len(ok_cli) + (1 if http_st == 200 else 0) == 1,
          "race: exactly one of 3 CLI + 1 HTTP releases succeeded")
    check(len(busy_cli) + (1 if http_st == 409 else 0) == 3,
          "race: the 3 others were refused naming releasing (%r)" % [o[2] for o in outs])
    check(http_st in (200, 409), "race: HTTP release 200 or 409 (%d)" % http_st)
    check(st_del == 409 and b"releasing" in body_del,
          "race: DELETE while releasing is 409 (%d %s)" % (st_del, body_del))
    check(p_del.returncode == 1 and b"releasing" in p_del.stderr,
          "race: CLI delete while releasing exits 1 (%d %s)" % (p_del.returncode,
                                                              p_del.stderr))
    check(qid.encode() in p_list.stdout and b"release started" in p_list.stdout,
          "race: list --state-filter releasing shows it (%s)" % p_list.stdout)
    check(mid_state.get("state") == "releasing" and
          mid_state.get("release_from") == "quarantined" and
          abs(mid_state.get("releasing_since", 0) - t0) < 5,
          "race: show --json while releasing: state, release_from, releasing_since")
    check(took >= DELAY - 0.2, "race: the sink really held DATA %.1f s (%.1f)" % (DELAY, took))
    check(env.state_of(qid) == "released", "race: final state released")
    # after the release: still refused, the state stays released
    st, body = srv.request("DELETE", "/quarantine/" + qid)
    check(st == 409 and b"released" in body, "DELETE after release: 409 (%d %s)" % (st, body))
    p = env.cli("delete", qid)
    check(p.returncode == 1 and b"released" in p.stderr,
          "CLI delete after release: exit 1 (%s)" % p.stderr)
    p = env.cli("release", qid)
    check(p.returncode == 1, "release after release: exit 1")
    check(env.state_of(qid) == "released" and len(sink.got) == 1,
          "after release: released, one delivery")


def test_failure(env, srv, ctl, sink, port):
    qid = env.qput()
    hid = env.qput(hold=3600)
    ctl.stop()          # the next hop is down
    p = env.cli("release", qid)
    check(p.returncode == 1 and b"quarantined again" in p.stderr,
          "sink down: CLI release exit 1, quarantined again (%s)" % p.stderr.strip())
    check(env.state_of(qid) == "quarantined", "sink down: state quarantined after CLI")
    st, body = srv.request("POST", "/quarantine/%s/release" % qid)
    check(st == 502, "sink down: HTTP release 502 (%d)" % st)
    check(env.state_of(qid) == "quarantined", "sink down: state quarantined after HTTP")
    p = env.cli("release", hid)
    check(p.returncode == 1 and b"held again" in p.stderr,
          "sink down: a held entry's release fails, held again (%s)" % p.stderr.strip())
    check(env.state_of(hid) == "held", "sink down: held entry still held")
    n = len(sink.got)
    ctl2, _ = start_sink(sink, port)
    p = env.cli("release", qid)
    check(p.returncode == 0 and env.state_of(qid) == "released" and len(sink.got) == n + 1,
          "sink back: released once (%s)" % p.stderr.strip())
    return ctl2


def test_crash(env, sink):
    qid = env.qput()
    n = len(sink.got)
    c = env.cli_start("release", qid)
    time.sleep(1.0)     # in DATA: the sink holds the answer
    c.send_signal(signal.SIGKILL)
    c.wait(30)
    check(c.returncode == -signal.SIGKILL, "crash: the release was killed")
    check(env.state_of(qid) == "releasing", "crash: the entry stays releasing")
    p = env.cli("list")
    check(qid.encode() in p.stdout and b"releasing" in p.stdout,
          "crash: list shows it releasing")
    p = env.cli("release", qid)
    check(p.returncode == 1 and b"reset" in p.stderr,
          "crash: a new release is refused and points to reset (%s)" % p.stderr.strip())
    p = env.cli("delete", qid)
    check(p.returncode == 1, "crash: delete refused while releasing")
    p = env.cli("reset", qid)
    check(p.returncode == 1 and b"--force" in p.stderr,
          "crash: reset refused while the claim is recent (%s)" % p.stderr.strip())
    check(env.state_of(qid) == "releasing", "crash: still releasing after a refused reset")
    time.sleep(DELAY)   # the sink finishes the message the dead release sent
    check(len(sink.got) == n + 1, "crash: the next hop got it (the operator checks)")
    p = env.cli("reset", "--released", "--force", qid)
    check(p.returncode == 0 and env.state_of(qid) == "released",
          "crash: reset --released --force: released (%s)" % p.stderr.strip())
    # a release killed before anything was sent: reset --force -> quarantined
    qid2 = env.qput()
    c = env.cli_start("release", qid2)
    time.sleep(1.0)
    c.send_signal(signal.SIGKILL)
    c.wait(30)
    p = env.cli("reset", "--force", qid2)
    check(p.returncode == 0 and env.state_of(qid2) == "quarantined",
          "crash: reset --force: quarantined again (%s)" % p.stderr.strip())
    p = env.cli("reset", "--force", qid2)
    check(p.returncode == 1 and b"not releasing" in p.stderr,
          "reset of an entry not releasing: exit 1 (%s)" % p.stderr.strip())
    time.sleep(DELAY)


def test_files(env):
    # a relative --state: refused
    p = subprocess.run([env.a.mamori, "quarantine", "--state", "rel/state", "list"],
                       capture_output=True, timeout=60, cwd=env.a.work)
    check(p.returncode == 2 and b"absolute" in p.stderr,
          "relative --state refused, exit 2 (%s)" % p.stderr.strip())
    check(not os.path.exists(os.path.join(env.a.work, "rel")), "relative: nothing created")
    # modes
    for n in ("mamori.db", "mamori.db-wal", "mamori.db-shm"):
        path = os.path.join(env.state, n)
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else None
        check(mode == 0o600, "%s is 0600 (%s)" % (n, oct(mode) if mode else "missing"))
    # stale temporary files: removed by purge, a fresh one kept
    q = os.path.join(env.state, "quarantine")
    stale = os.path.join(q, ".tmp-STALE1")
    fresh = os.path.join(q, ".tmp-FRESH1")
    for path in (stale, fresh):
        with open(path, "wb") as f:
            f.write(MSG[:20])
    old = time.time() - 7200
    os.utime(stale, (old, old))
    chown_nobody(env.state)
    p = env.cli("purge")
    check(p.returncode == 0 and b"removed 1 stale temporary file" in p.stdout,
          "purge: %s" % p.stdout.strip())
    check(not os.path.exists(stale) and os.path.exists(fresh),
          "purge removed the stale .tmp-*, kept the fresh one")
    os.unlink(fresh)
    if not ROOT:
        print("not root: the ownership checks are skipped", flush=True)
        return
    # the CLI as root never leaves a root-owned file in the state directory
    check(root_owned(env.state) == [], "no root-owned file in the state directory (%s)"
          % root_owned(env.state))
    fresh_dir = os.path.join(env.a.work, "fresh-state")
    conf = os.path.join(env.a.work, "owner.conf")
    with open(conf, "w") as f:
        f.write('daemon = { user = "nobody"; };\n')
    p = subprocess.run([env.a.mamori, "quarantine", "--config", conf, "--state", fresh_dir,
                        "list"], capture_output=True, timeout=60)
    check(p.returncode == 0, "list on a new state directory as root: exit 0 (%s)"
          % p.stderr.strip())
    uid = pwd.getpwnam("nobody").pw_uid
    owners = {os.path.relpath(os.path.join(r, n), fresh_dir): os.lstat(os.path.join(r, n)).st_uid
              for r, ds, ns in os.walk(fresh_dir) for n in ds + ns}
    check(os.stat(fresh_dir).st_uid == uid and owners and
          all(o == uid for o in owners.values()),
          "new state directory: everything is nobody's (%r)" % owners)
    # a state directory of nobody's, as the milter made it
    own_dir = os.path.join(env.a.work, "nobody-state")
    os.makedirs(own_dir)
    chown_nobody(own_dir)
    for cmd in (["list"], ["purge"], ["show", "0" * 32]):
        subprocess.run([env.a.mamori, "quarantine", "--config", conf, "--state", own_dir]
                       + cmd, capture_output=True, timeout=60)
    check(root_owned(own_dir) == [] and os.path.exists(os.path.join(own_dir, "mamori.db")),
          "list/purge/show as root on nobody's directory: no root-owned file (%s)"
          % root_owned(own_dir))
    # without daemon.user: runs as root, as before
    plain = os.path.join(env.a.work, "root-state")
    p = subprocess.run([env.a.mamori, "quarantine", "--state", plain, "list"],
                       capture_output=True, timeout=60)
    check(p.returncode == 0 and os.stat(plain).st_uid == 0,
          "no daemon.user: runs as root (%s)" % p.stderr.strip())


def main():
    a = parse_args("qput", "work")
    if ROOT:
        os.chmod(a.work, 0o755)
    env = Env(a)
    sink = SlowSink(DELAY)
    ctl, port = start_sink(sink)
    env.write_conf(port)
    env.qput()          # creates the state directory (then nobody's)
    srv = Server(env, os.path.join(a.work, "serve.log"))
    try:
        test_race(env, srv, sink)
        ctl = test_failure(env, srv, ctl, sink, port)
        test_crash(env, sink)
        test_files(env)
    finally:
        srv.stop()
        ctl.stop()
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())

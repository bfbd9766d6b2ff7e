#!/usr/bin/python3
"""test_privsep_e2e.py - the daemons started as root with a root-only
configuration, running as `nobody`, the milter on a unix socket in a real
Postfix.  ctest `e2e.privsep` (tests/e2e/e2e.cmake).

Set-up (everything on 127.0.0.1 or in a temp dir): the configuration file
is 0600 root:root with daemon.user = "nobody"; `mamori milter --socket
unix:DIR/mamori.sock` (DIR 0750 nobody:postfix, as deployment.md shows)
and `mamori serve --listen 127.0.0.1:PORT` are started as root; a private
Postfix (postfix.py, smtpd as user postfix) has smtpd_milters =
unix:DIR/mamori.sock; the sink stands in for the mailbox service.

Checks:
  start     both daemons run as nobody; the socket is nobody:postfix 0660
            (daemon.socket_group "" picks postfix, socket_mode "0660")
  scan      documents/07-pdf-launch (7 points) with add_header = 50: 250,
            at the sink with X-Spam-Status: No (scanned, not tagged);
            /scan says accept
  edit      the file edited in place (add_header = 5), SIGHUP: the next
            message is tagged (X-Spam-Status: Yes, [SPAM] subject);
            /scan says add_header
  rename    the file replaced by rename (reject = 5), SIGHUP: 550;
            /scan says reject
  broken    a syntax error, SIGHUP: each daemon logs "reload failed,
            keeping the running configuration: FILE:1: ..." and still
            rejects; serve's /metrics counts the failed reload
  gone      the file removed, SIGHUP: the log names the errno ("No such
            file or directory"); still rejects

Exit 0: passed; 1: a failure; 77: skipped (not root, no Postfix, swaks or
user nobody).  --keep keeps the temp dir.
"""
import argparse
import grp
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from postfix import Postfix, free_port  # noqa: E402
from sink import Sink, headers_of  # noqa: E402
import test_postfix_e2e as pe  # noqa: E402

from test_postfix_e2e import FAILS, fail, ok  # noqa: E402

MSG = os.path.join(ROOT, "examples", "documents", "07-pdf-launch.eml")


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


def uid_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("Uid:"):
                return int(ln.split()[1])
    return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Daemon:
    def __init__(self, name, cmd, log):
        self.name, self.cmd, self.logpath = name, cmd, log
        self.proc = None

    def start(self, ready, timeout=30):
        with open(self.logpath, "ab") as logf:
            self.proc = subprocess.Popen(self.cmd, stdout=logf, stderr=logf,
                                         stdin=subprocess.DEVNULL)
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.log()}")
            try:
                ready()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start:\n{self.log()}")

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def hup_and_wait(self, what, timeout=20):
        """SIGHUP; wait for one more log line matching what; return it."""
        n = len(re.findall(what, self.log()))
        self.proc.send_signal(signal.SIGHUP)
        t0 = time.time()
        while time.time() - t0 < timeout:
            found = re.findall(what, self.log())
            if len(found) > n:
                return found[-1]
            time.sleep(0.1)
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


CONF = """# written by tests/e2e/test_privsep_e2e.py
dns = {{ servers = [ "127.0.0.1:{dns}" ]; timeout_ms = 500; tries = 1; }};
quarantine = {{ state_dir = "{state}"; }};
daemon = {{ user = "nobody"; }};
http = {{ token = "0123456789abcdef0123456789abcdef"; }};
actions = {{ {actions} }};
"""


def write_conf(e, actions, rename=False):
    text = CONF.format(dns=e.dns_port, state=e.state, actions=actions)
    target = e.config + ".new" if rename else e.config
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(target, 0, 0)
    os.chmod(target, 0o600)
    if rename:
        os.rename(target, e.config)


def send(e, tag):
    mid = f"{tag}.{random.getrandbits(48):x}@sender.test"
    p = pe.with_message_id(MSG, mid, e.work)
    code, out = pe.swaks(e.pf.port, p)
    got = None
    if code == 250:
        got = pe.wait_for(lambda: pe.sink_by_mid(e.sink).get(mid), 30)
    return code, out, got


def scan_action(e):
    with open(MSG, "rb") as f:
        data = f.read()
    req = urllib.request.Request(f"http://127.0.0.1:{e.http_port}/scan", data=data,
                                 method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["action"]


def metrics(e):
    with urllib.request.urlopen(f"http://127.0.0.1:{e.http_port}/metrics", timeout=30) as r:
        return r.read().decode()


class Env:
    pass


def run(a, work):
    e = Env()
    e.work = work
    e.dns, e.dns_port = pe.start_dns(work, 600)
    e.sink = Sink(os.path.join(work, "sink")).start()
    e.state = os.path.join(work, "state")
    os.makedirs(e.state)
    shutil.chown(e.state, "nobody")
    e.config = os.path.join(work, "mamori.conf")
    write_conf(e, "add_header = 50.0; quarantine = false; reject = false;")
    sdir = os.path.join(work, "milter")
    os.makedirs(sdir)
    shutil.chown(sdir, "nobody", "postfix")
    os.chmod(sdir, 0o750)
    spath = os.path.join(sdir, "mamori.sock")
    e.http_port = free_port()
    daemons = []
    e.pf = None
    try:
        def unix_ready():
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(spath)
            finally:
                s.close()
        e.milter = Daemon("mamori milter", [a.mamori, "milter", "--socket", f"unix:{spath}",
                                             "--config", e.config],
                          os.path.join(work, "milter.log"))
        daemons.append(e.milter)
        e.milter.start(unix_ready)
        e.serve = Daemon("mamori serve", [a.mamori, "serve", "--listen",
                                          f"127.0.0.1:{e.http_port}", "--config", e.config],
                         os.path.join(work, "serve.log"))
        daemons.append(e.serve)
        e.serve.start(lambda: socket.create_connection(("127.0.0.1", e.http_port), 1).close())
        e.pf = Postfix(os.path.join(work, "postfix"), sink_port=e.sink.port,
                       milter=f"unix:{spath}")
        e.pf.start()

        # start: users, the socket's owner, group and mode
        nobody = pwd.getpwnam("nobody").pw_uid
        st = os.stat(spath)
        check(oct(os.stat(e.config).st_mode & 0o777) == "0o600"
              and os.stat(e.config).st_uid == 0, "the configuration is 0600 root")
        for d in (e.milter, e.serve):
            check(uid_of(d.proc.pid) == nobody, f"{d.name} runs as nobody")
            kids = children(d.proc.pid)
            check(len(kids) == 1 and uid_of(kids[0]) == 0,
                  f"{d.name}: one child, the root configuration reader ({kids})")
        check(st.st_uid == nobody and grp.getgrgid(st.st_gid).gr_name == "postfix"
              and st.st_mode & 0o777 == 0o660,
              f"socket nobody:postfix 0660 (uid {st.st_uid}, gid {st.st_gid}, "
              f"mode {st.st_mode & 0o777:04o})")

        # scan: through Postfix over the unix socket, scanned
        code, out, got = send(e, "scan")
        if check(code == 250 and got and len(got) == 1, f"scan: 250, at the sink once ({code})"):
            raw = got[0][1]
            xs = pe.hdr_all(raw, "X-Spam-Status")
            check(xs and re.match(r"(?i)\s*no\b", xs[0]) and "PDF_LAUNCH" in
                  " ".join(pe.hdr_all(raw, "X-Spam-Symbols")),
                  f"scan: X-Spam-Status No, PDF_LAUNCH among the symbols ({xs})")
        else:
            print(out[-1500:])
        check(scan_action(e) == "accept", "scan: /scan accept")

        # edit in place
        write_conf(e, "add_header = 5.0; quarantine = false; reject = false;")
        for d in (e.milter, e.serve):
            check(d.hup_and_wait(r"configuration reloaded") is not None,
                  f"edit: {d.name} logs the reload")
        code, out, got = send(e, "edit")
        if check(code == 250 and got and len(got) == 1, f"edit: 250, at the sink ({code})"):
            raw = got[0][1]
            xs = pe.hdr_all(raw, "X-Spam-Status")
            subj = str(headers_of(raw).get("Subject") or "")
            check(xs and re.match(r"(?i)\s*yes\b", xs[0]) and subj.startswith("[SPAM]"),
                  f"edit: tagged after the reload ({xs}, {subj[:40]!r})")
        check(scan_action(e) == "add_header", "edit: /scan add_header")

        # replaced by rename
        write_conf(e, "add_header = false; quarantine = false; reject = 5.0;", rename=True)
        for d in (e.milter, e.serve):
            check(d.hup_and_wait(r"configuration reloaded") is not None,
                  f"rename: {d.name} logs the reload")
        code, out, got = send(e, "rename")
        check(code == 550, f"rename: 550 after the reload ({code})")
        check(scan_action(e) == "reject", "rename: /scan reject")

        # broken: the old configuration stays
        with open(e.config, "w") as f:
            f.write("actions = { reject = ; };\n")
        for d in (e.milter, e.serve):
            line = d.hup_and_wait(r"reload failed, keeping the running configuration: [^\n]*")
            check(line is not None and f"{e.config}:1: " in line,
                  f"broken: {d.name} logs the failure with file and line ({line!r})")
        code, out, got = send(e, "broken")
        check(code == 550, f"broken: still 550 ({code})")
        check(scan_action(e) == "reject", "broken: /scan still reject")
        check('mamori_errors_total{front="http",what="reload"} 1' in metrics(e),
              "broken: /metrics counts the failed reload")

        # gone: ENOENT named
        os.unlink(e.config)
        for d in (e.milter, e.serve):
            line = d.hup_and_wait(r"reload failed, keeping the running configuration: [^\n]*")
            check(line is not None and
                  f"{e.config}: cannot read: No such file or directory" in line,
                  f"gone: {d.name} names the errno ({line!r})")
        code, out, got = send(e, "gone")
        check(code == 550, f"gone: still 550 ({code})")
        for d in (e.milter, e.serve):
            check(d.proc.poll() is None, f"{d.name} alive")
    except Exception as ex:  # noqa: BLE001
        fail(f"{ex!r}")
    finally:
        if FAILS:
            for d in daemons:
                print(f"--- {d.name} log ---\n" + "\n".join(d.log().splitlines()[-30:]))
            if e.pf:
                print("--- postfix log ---\n" + e.pf.log_tail(30))
        if e.pf:
            e.pf.stop()
        readers = [k for d in daemons if d.proc for k in children(d.proc.pid)]
        for d in daemons:
            d.stop()
        time.sleep(0.5)
        for k in readers:
            check(not os.path.exists(f"/proc/{k}") or
                  open(f"/proc/{k}/status").read().find("State:\tZ") >= 0,
                  f"the configuration reader {k} ended with its daemon")
        e.sink.stop()
        e.dns.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    why = pe.unavailable("swaks")
    if why:
        print(f"SKIP: {why}")
        return 77
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("postfix")
    except KeyError:
        print("SKIP: user nobody or group postfix missing")
        return 77
    a.mamori = os.path.abspath(a.mamori)
    work = pe.make_work("mamori-privsep-")
    run(a, work)
    return pe.finish(a, work)


if __name__ == "__main__":
    sys.exit(main())

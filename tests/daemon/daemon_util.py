"""daemon_util.py - what the daemon tests share besides the sink
(smtpsink.py): the options and the work dir, the failure list and its
verdict, `mamori serve` on a free
port of 127.0.0.1 (started, waited for, asked, stopped), and stopping a
process by SIGTERM.  Everything stays on loopback."""
import argparse
import http.client
import os
import pwd
import shutil
import signal
import subprocess
import time

from aiosmtpd.controller import Controller
from smtpsink import free_port

FAILS = []


def parse_args(*required, work="work"):
    """The options --mamori and --NAME of each of required, all required;
    the directory of the option work made anew, empty."""
    ap = argparse.ArgumentParser()
    for name in ("mamori",) + required:
        ap.add_argument("--" + name, required=True)
    a = ap.parse_args()
    d = getattr(a, work)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return a


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def check(cond, what):
    """Records what as a failure unless cond; cond."""
    if cond:
        print("ok: " + what, flush=True)
    else:
        fail(what)
    return cond


def exit_status(ok_text="all ok"):
    """Prints the number of failures (or ok_text); the exit status."""
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print(ok_text)
    return 0


def start_sink(handler, port=None):
    """An aiosmtpd server on 127.0.0.1 (a free port unless port) calling
    handler: (the started controller, its port)."""
    port = port or free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    return ctl, port


def chown_nobody(path):
    """As root: path and all below it to nobody (the user the daemons run
    as); otherwise nothing."""
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam("nobody")
    for root, dirs, names in os.walk(path):
        for n in [root] + [os.path.join(root, x) for x in dirs + names]:
            os.chown(n, pw.pw_uid, pw.pw_gid)


def stop_process(proc, timeout=30):
    """SIGTERM to proc if it runs, SIGKILL after timeout seconds: its exit
    status, None when it had to be killed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
    return proc.returncode


class Serve:
    """`mamori serve --listen 127.0.0.1:PORT` (a free port), its output in
    the file log; as root (CI containers) it binds, then runs as nobody
    (user=False: as daemon.user of the configuration says)."""

    timeout = 60        # of a request, by default

    def __init__(self, mamori, config, state, log, threads=None, user=True):
        self.port = free_port()
        self.logpath = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [mamori, "serve", "--listen", "127.0.0.1:%d" % self.port,
             "--config", config, "--state", state]
            + (["--threads", str(threads)] if threads else [])
            + (["--user", "nobody"] if os.geteuid() == 0 and user else []),
            stdout=self.log, stderr=subprocess.STDOUT)

    def request(self, method, path, body=None, headers=None, timeout=None,
                source="127.0.0.1"):
        """(status, headers, body) of one request from the address source."""
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=timeout or self.timeout,
                                       source_address=(source, 0))
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            c.close()

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, secs=60):
        """Whether GET /health answered 200 within secs seconds."""
        end = time.time() + secs
        while time.time() < end:
            if not self.alive():
                return False
            try:
                if self.request("GET", "/health", timeout=2)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self, timeout=30):
        """stop_process; closes the log."""
        rc = stop_process(self.proc, timeout)
        self.log.close()
        return rc

    def stop_checked(self, timeout=30):
        """stop; a failure unless it exits 0 within timeout s of SIGTERM."""
        rc = Serve.stop(self, timeout)
        if rc is None:
            fail("did not stop within %d s of SIGTERM" % timeout)
        elif rc != 0:
            fail("exit status %d after SIGTERM" % rc)

    def log_text(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

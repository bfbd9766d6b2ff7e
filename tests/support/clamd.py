#!/usr/bin/python3
"""clamd.py - run a command against a real clamd on a private unix socket.

usage: clamd.py [--tcp] [--stream-max-length BYTES] [--db DIR] [--keep]
                -- COMMAND [ARGS...]

Starts /usr/sbin/clamd (ClamAV's daemon; Debian clamav-daemon) in the
foreground with its own clamd.conf in a fresh temporary directory:
LocalSocket there, DatabaseDirectory = a copy of DIR (default: the test
signature database tests/support/clamav-db/ next to this file), LogFile
there, StreamMaxLength = MaxFileSize = BYTES (default 10 MiB), archive /
OLE2 / PDF / mail scanning at clamd's defaults (on).  No TCP socket unless
--tcp, and then on 127.0.0.1 only, on a free port.  freshclam is never
run and nothing outside the loopback is contacted; a system clamd or
/run/clamav are neither needed nor touched.  Works as root (clamd then
keeps running as root: no User option) and as any other user.

Waits (up to 60 s) until the socket answers zPING with PONG, then runs
COMMAND ARGS... with these variables set:
  MAMORI_CLAMD_SOCKET      the unix socket's path
  MAMORI_CLAMD_TCP         127.0.0.1:PORT (only with --tcp)
  MAMORI_CLAMD_STREAM_MAX  clamd's StreamMaxLength in bytes
  MAMORI_CLAMD_STARTUP_MS  how long clamd took to answer PING
then stops clamd (zSHUTDOWN, then SIGTERM, then SIGKILL), removes the
temporary directory (unless --keep) and exits with COMMAND's status.

Exit 77 (ctest's SKIP_RETURN_CODE) only when /usr/sbin/clamd is missing;
exit 2 when clamd does not start (its log is printed).
"""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from ports import free_port  # noqa: E402 (tests/support, this file's folder)

CLAMD = os.environ.get("MAMORI_CLAMD_BINARY", "/usr/sbin/clamd")
HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT = 60.0


def die_with_parent():
    """In the child: get SIGTERM when the harness dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def command(path, cmd, timeout=5.0):
    """Send a z-command to the unix socket, return its reply (bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(b"z" + cmd + b"\0")
        reply = b""
        while not reply.endswith(b"\0"):
            got = s.recv(4096)
            if not got:
                break
            reply += got
        return reply.rstrip(b"\0")
    finally:
        s.close()


def write_conf(tmp, sock, db, stream_max, tcp_port):
    lines = [
        "# written by tests/support/clamd.py",
        "Foreground yes",
        "LocalSocket %s" % sock,
        "LocalSocketMode 600",
        "DatabaseDirectory %s" % db,
        "TemporaryDirectory %s" % tmp,
        "LogFile %s" % os.path.join(tmp, "clamd.log"),
        "LogTime yes",
        "LogVerbose no",
        "PidFile %s" % os.path.join(tmp, "clamd.pid"),
        "StreamMaxLength %d" % stream_max,
        "MaxFileSize %d" % stream_max,
        "MaxScanSize %d" % (4 * stream_max),
        "MaxThreads 12",
        "ReadTimeout 30",
        "CommandReadTimeout 10",
        "SelfCheck 0",
        "ScanArchive yes",
        "ScanOLE2 yes",
        "ScanPDF yes",
        "ScanMail yes",
        "ScanPE yes",
        "ScanHTML yes",
    ]
    if tcp_port:
        lines += ["TCPSocket %d" % tcp_port, "TCPAddr 127.0.0.1"]
    path = os.path.join(tmp, "clamd.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    args = sys.argv[1:]
    tcp, keep, stream_max = False, False, 10 * 1024 * 1024
    db_src = os.path.join(HERE, "clamav-db")
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--tcp":
            tcp = True
        elif a == "--keep":
            keep = True
        elif a == "--stream-max-length" and args:
            stream_max = int(args.pop(0))
        elif a == "--db" and args:
            db_src = args.pop(0)
        else:
            sys.exit(__doc__)
    if len(args) < 2:
        sys.exit(__doc__)
    cmd = args[1:]
    if not os.access(CLAMD, os.X_OK):
        print("clamd.py: %s missing (Debian clamav-daemon): skipped" % CLAMD)
        return 77

    # a unix socket path has at most 107 bytes: a long TMPDIR is not used
    base = os.environ.get("TMPDIR", "")
    tmp = tempfile.mkdtemp(prefix="mamori-clamd-", dir=base if 0 < len(base) < 60 else "/tmp")
    proc = None
    try:
        db = os.path.join(tmp, "db")
        os.mkdir(db)
        for fn in os.listdir(db_src):
            if fn.endswith((".hdb", ".hsb", ".ndb", ".ldb", ".mdb", ".msb")):
                shutil.copy(os.path.join(db_src, fn), db)
        sock = os.path.join(tmp, "clamd.sock")
        port = free_port() if tcp else 0
        conf = write_conf(tmp, sock, db, stream_max, port)
        out = open(os.path.join(tmp, "clamd.out"), "wb")
        t0 = time.monotonic()
        proc = subprocess.Popen([CLAMD, "--config-file=" + conf], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)
        up = False
        while time.monotonic() - t0 < START_TIMEOUT and proc.poll() is None:
            try:
                if command(sock, b"PING", 2.0) == b"PONG":
                    up = True
                    break
            except OSError:
                pass
            time.sleep(0.02)
        startup_ms = int((time.monotonic() - t0) * 1000)
        if not up:
            print("clamd.py: clamd did not answer PING within %.0f s" % START_TIMEOUT)
            for fn in ("clamd.out", "clamd.log"):
                p = os.path.join(tmp, fn)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        sys.stdout.write("--- %s\n%s" % (fn, f.read()))
            return 2
        print("clamd.py: clamd up after %d ms on %s%s" %
              (startup_ms, sock, " and 127.0.0.1:%d" % port if tcp else ""), flush=True)
        env = dict(os.environ)
        env["MAMORI_CLAMD_SOCKET"] = sock
        env["MAMORI_CLAMD_STREAM_MAX"] = str(stream_max)
        env["MAMORI_CLAMD_STARTUP_MS"] = str(startup_ms)
        if tcp:
            env["MAMORI_CLAMD_TCP"] = "127.0.0.1:%d" % port
        else:
            env.pop("MAMORI_CLAMD_TCP", None)
        rc = subprocess.call(cmd, env=env)
        if rc != 0:
            with open(os.path.join(tmp, "clamd.log"), errors="replace") as f:
                sys.stdout.write("--- clamd.log (last lines)\n" + "".join(f.readlines()[-30:]))
        return rc
    finally:
        if proc is not None and proc.poll() is None:
            try:
                command(sock, b"SHUTDOWN", 2.0)
            except OSError:
                pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if keep:
            print("clamd.py: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

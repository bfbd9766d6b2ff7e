#!/usr/bin/python3
"""store_release.py - `mamori quarantine` end to end.

usage: store_release.py --mamori BIN --qput BIN --work DIR

  * release over SMTP to a real sink (aiosmtpd's Controller on 127.0.0.1,
    a free port): the sink gets exactly the original envelope (MAIL FROM,
    every RCPT TO) and body bytes (the message is stored with CRLF line
    ends and a line starting with a dot, so the bytes compare exactly),
    and the entry becomes released; a second release is refused;
  * a release to a sink that refuses a recipient, or to a closed port,
    fails with exit 1 and leaves the entry quarantined;
  * release through a fake sendmail script that records its argv and
    stdin; a sendmail that exits 75 fails the release;
  * list filters and --json, show, show --raw, delete, purge;
  * a put followed by kill -9 of the putting process (qput --kill): the
    entry is listed and `show --raw` gives the bytes.
Only 127.0.0.1 is contacted.
"""

import json
import os
import signal
import subprocess
import sys
import time

from daemon_util import check, exit_status, parse_args, start_sink
from smtpsink import Sink, free_port

MSG = (b"From: Sender <s@example.org>\r\n"
       b"To: a@example.com\r\n"
       b"Subject: quarantined\r\n"
       b"\r\n"
       b"line one\r\n"
       b".a line starting with a dot\r\n"
       b"\r\n"
       b"caf\xc3\xa9 8-bit\r\n"
       b"last line\r\n")



def run(args, *extra, check_rc=None, stdin=None):
    cmd = [args.mamori, "quarantine", "--state", args.state] + list(extra)
    p = subprocess.run(cmd, capture_output=True, timeout=60, input=stdin)
    if check_rc is not None and p.returncode != check_rc:
        print("command %s: exit %d (want %d)\nstdout: %s\nstderr: %s" % (
            " ".join(cmd), p.returncode, check_rc, p.stdout[:2000], p.stderr[:2000]))
    return p


def qput(args, rcpts, mail_from="s@example.org", kill=False, msg=MSG):
    path = os.path.join(args.work, "msg.eml")
    with open(path, "wb") as f:
        f.write(msg)
    cmd = [args.qput] + (["--kill"] if kill else []) + [args.state, path, mail_from] + rcpts
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    if kill:
        check(p.returncode == -signal.SIGKILL, "qput --kill died of SIGKILL (%d)" % p.returncode)
    else:
        check(p.returncode == 0, "qput exit 0: %s" % p.stderr)
    return p.stdout.decode().strip()


def state_of(args, qid):
    p = run(args, "show", qid, "--json", check_rc=0)
    return json.loads(p.stdout)["state"]


def test_smtp(args):
    sink = Sink()
    ctl, port = start_sink(sink)
    try:
        rcpts = ["a@example.com", "b@example.net", "c@example.org"]
        qid = qput(args, rcpts)
        p = run(args, "release", qid, "--smtp", "127.0.0.1:%d" % port, check_rc=0)
        check(p.returncode == 0, "smtp release exit 0")
        check(len(sink.got) == 1, "sink got one message")
        if sink.got:
            mf, rt, body = sink.got[0]
            check(mf == "s@example.org", "MAIL FROM is the original (%r)" % mf)
            check(rt == rcpts, "RCPT TO list is the original (%r)" % rt)
            check(body == MSG, "body bytes are exactly the original")
        check(state_of(args, qid) == "released", "state released after release")
        p = run(args, "release", qid, "--smtp", "127.0.0.1:%d" % port)
        check(p.returncode == 1 and b"released" in p.stderr,
              "second release refused: %s" % p.stderr)
        check(len(sink.got) == 1, "no second delivery")

        # bare LF in the stored message: CRLF on the wire; null sender
        lf = b"Subject: lf\n\nbody\n.dot\nno newline at end"
        qid = qput(args, ["d@example.com"], mail_from="", msg=lf)
        p = run(args, "release", qid, "--smtp", "127.0.0.1:%d" % port, check_rc=0)
        check(p.returncode == 0, "LF message released")
        if len(sink.got) == 2:
            mf, rt, body = sink.got[1]
            check(mf == "<>" or mf == "", "null sender kept (%r)" % mf)
            check(body == lf.replace(b"\n", b"\r\n") + b"\r\n",
                  "bare LF made CRLF, dot-stuffing undone by the sink (%r)" % body)
    finally:
        ctl.stop()

    # a recipient refused: nothing delivered, stays quarantined
    sink = Sink(refuse="bad@example.com")
    ctl, port = start_sink(sink)
    try:
        qid = qput(args, ["a@example.com", "bad@example.com"])
        p = run(args, "release", qid, "--smtp", "127.0.0.1:%d" % port, check_rc=1)
        check(p.returncode == 1 and b"550" in p.stderr,
              "refused recipient: exit 1 naming 550 (%s)" % p.stderr)
        check(sink.got == [], "refused recipient: nothing delivered")
        check(state_of(args, qid) == "quarantined", "refused: still quarantined")
    finally:
        ctl.stop()
    # nobody listening
    p = run(args, "release", qid, "--smtp", "127.0.0.1:%d" % free_port(), check_rc=1)
    check(p.returncode == 1, "closed port: exit 1 (%s)" % p.stderr.strip())
    check(state_of(args, qid) == "quarantined", "closed port: still quarantined")

    # the default target comes from the config
    sink = Sink()
    ctl, port = start_sink(sink)
    try:
        conf = os.path.join(args.work, "q.conf")
        with open(conf, "w") as f:
            f.write('quarantine = { state_dir = "%s"; release_smtp = "127.0.0.1:%d"; };\n'
                    % (args.state, port))
        p = subprocess.run([args.mamori, "quarantine", "--config", conf, "release", qid],
                           capture_output=True, timeout=60)
        check(p.returncode == 0 and len(sink.got) == 1,
              "release to quarantine.release_smtp from the config (%s)" % p.stderr)
    finally:
        ctl.stop()


def test_sendmail(args):
    rec = os.path.join(args.work, "sendmail-rec")
    os.makedirs(rec, exist_ok=True)
    script = os.path.join(args.work, "fake-sendmail")
    with open(script, "w") as f:
        f.write("#!/usr/bin/python3\nimport json, sys\n"
                "open(%r, 'w').write(json.dumps(sys.argv[1:]))\n"
                "open(%r, 'wb').write(sys.stdin.buffer.read())\n"
                % (os.path.join(rec, "argv"), os.path.join(rec, "stdin")))
    os.chmod(script, 0o755)
    rcpts = ["a@example.com", "-oQ@example.net"]
    qid = qput(args, rcpts)
    p = run(args, "release", qid, "--sendmail", script, check_rc=0)
    check(p.returncode == 0, "sendmail release exit 0")
    with open(os.path.join(rec, "argv")) as f:
        argv = json.load(f)
    check(argv == ["-i", "-f", "s@example.org", "--"] + rcpts,
          "sendmail argv -i -f FROM -- RCPTS (%r)" % argv)
    with open(os.path.join(rec, "stdin"), "rb") as f:
        check(f.read() == MSG, "sendmail stdin is the message")
    check(state_of(args, qid) == "released", "sendmail: released")

    bad = os.path.join(args.work, "bad-sendmail")
    with open(bad, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\nexit 75\n")
    os.chmod(bad, 0o755)
    qid = qput(args, ["a@example.com"])
    p = run(args, "release", qid, "--sendmail", bad, check_rc=1)
    check(p.returncode == 1 and b"75" in p.stderr, "sendmail exit 75: release fails")
    check(state_of(args, qid) == "quarantined", "sendmail failure: still quarantined")


def test_cli(args):
    a = qput(args, ["list-a@example.com"], mail_from="one@filter.test")
    b = qput(args, ["list-b@example.com"], mail_from="two@filter.test")
    p = run(args, "list", "--json", "--rcpt", "list-a@", check_rc=0)
    l = json.loads(p.stdout)
    check([e["id"] for e in l] == [a], "list --rcpt")
    p = run(args, "list", "--json", "--from", "two@filter", check_rc=0)
    check([e["id"] for e in json.loads(p.stdout)] == [b], "list --from")
    p = run(args, "list", "--json", "--limit", "1", check_rc=0)
    check([e["id"] for e in json.loads(p.stdout)] == [b], "list --limit 1: newest")
    p = run(args, "list", "--json", "--since", str(int(time.time()) + 3600), check_rc=0)
    check(json.loads(p.stdout) == [], "list --since the future: empty")
    p = run(args, "list", "--json", "--state-filter", "released", check_rc=0)
    check(all(e["state"] == "released" for e in json.loads(p.stdout)) and
          len(json.loads(p.stdout)) >= 2, "list --state-filter released")
    p = run(args, "list", check_rc=0)
    check(a.encode() in p.stdout and b.encode() in p.stdout, "plain list shows ids")
    p = run(args, "show", a, check_rc=0)
    check(b"list-a@example.com" in p.stdout and b"Test subject" in p.stdout, "show")
    p = run(args, "show", a, "--raw", check_rc=0)
    check(p.stdout == MSG, "show --raw: the bytes")
    p = run(args, "delete", a, check_rc=0)
    check(state_of(args, a) == "deleted", "delete: state deleted")
    p = run(args, "show", a, "--raw", check_rc=1)
    check(p.returncode == 1, "deleted: no raw message")
    p = run(args, "show", "0" * 32, check_rc=1)
    check(p.returncode == 1, "unknown id: exit 1")
    p = run(args, "list", "--state-filter", "bogus", check_rc=2)
    check(p.returncode == 2, "bad filter: usage error")
    p = run(args, "purge", "--now", str(int(time.time()) + 31 * 86400), check_rc=0)
    check(p.stdout.startswith(b"purged ") and int(p.stdout.split()[1]) >= 2, "purge --now")
    p = run(args, "list", "--json", check_rc=0)
    check(json.loads(p.stdout) == [], "nothing left after purge")


def test_crash(args):
    qid = qput(args, ["crash@example.com"], kill=True)
    check(len(qid) == 32, "qput printed the id before SIGKILL")
    p = run(args, "list", "--json", check_rc=0)
    ids = [e["id"] for e in json.loads(p.stdout)]
    check(qid in ids, "after kill -9: the entry is listed")
    p = run(args, "show", qid, "--raw", check_rc=0)
    check(p.stdout == MSG, "after kill -9: show --raw gives the bytes")


def main():
    args = parse_args("qput", "work")
    args.state = os.path.join(args.work, "state")
    test_smtp(args)
    test_sendmail(args)
    test_cli(args)
    test_crash(args)
    # a corrupted database: a clear error, exit 1
    bad = os.path.join(args.work, "bad")
    os.makedirs(bad)
    with open(os.path.join(bad, "mamori.db"), "wb") as f:
        f.write(b"garbage " * 100)
    p = subprocess.run([args.mamori, "quarantine", "--state", bad, "list"],
                       capture_output=True, timeout=60)
    check(p.returncode == 1 and b"mamori.db" in p.stderr and b"not a database" in p.stderr,
          "corrupted db: clear error (%s)" % p.stderr.strip())
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())

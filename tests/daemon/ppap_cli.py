#!/usr/bin/python3
"""ppap_cli.py - held PPAP messages by hand: `mamori quarantine password`,
`mamori quarantine expire`, `release` and `delete` of held entries, and
`POST /quarantine/ID/password` of `mamori serve`, against a real SMTP sink
(aiosmtpd on 127.0.0.1) standing for the next hop.

usage: ppap_cli.py --mamori BIN --qput BIN --work DIR

Entries are put as holds with tests/daemon/qput --hold; the mails carry
ZIPs made with `zip -P`.  Checked:
  * list --state-filter held shows them, with hold_until;
  * password with a wrong candidate: exit 1 "still held", nothing sent;
  * password (on stdin) with the right one, clean content: released to the
    sink once with the original envelope, X-Mamori-PPAP: released, entry
    "released" with password_where "operator";
  * the same with an Excel 4.0 macro workbook inside: "quarantined",
    nothing sent;
  * expire after the window: delivered without the ZIP, with the notice
    and the Subject tag; entry "expired"; the stored original unchanged;
    with ppap.expire = "deliver": delivered as is, tagged; "quarantine":
    quarantined, nothing sent;
  * release of a held entry: delivered as is, then password says
    "not held"; delete of a held entry: "deleted";
  * HTTP: 409 for a wrong password, 200 "released" for the right one.
"""
import email
import json
import os
import subprocess
import sys
import time
from email.header import Header, decode_header, make_header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from daemon_util import Serve, check, chown_nobody, exit_status, parse_args, start_sink
from smtpsink import Sink

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
XLS = os.path.join(ROOT, "tests", "data", "maldocs", "oletools", "xlm",
                   "excel4_sample_macro.xls")
TOKEN = "ppap-token-0123456789-abcdef"


def ppap_mail(a, tag, name, data, pw):
    d = os.path.join(a.work, "z", tag)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    z = os.path.join(a.work, "z", tag + ".zip")
    subprocess.run(["zip", "-q", "-P", pw, z, name], cwd=d, check=True)
    m = MIMEMultipart()
    m.attach(MIMEText("見積書を送付します。\nパスワードは別途お送りします。\n", "plain", "utf-8"))
    att = MIMEApplication(open(z, "rb").read(), "zip")
    att.add_header("Content-Disposition", "attachment", filename=tag + ".zip")
    m.attach(att)
    m["From"] = "s@example.org"
    m["To"] = "r@example.net"
    m["Subject"] = Header("見積書送付の件", "utf-8")
    m["Message-ID"] = f"<{tag}@example.org>"
    path = os.path.join(a.work, tag + ".eml")
    with open(path, "wb") as f:
        f.write(m.as_bytes())
    return path


def qput_hold(a, path, secs):
    p = subprocess.run([a.qput, "--hold", str(secs), a.state, path, "s@example.org",
                        "r@example.net"], capture_output=True, timeout=60)
    check(p.returncode == 0, f"qput --hold {secs} {os.path.basename(path)}: {p.stderr!r}")
    return p.stdout.decode().strip()


def q(a, *args, stdin=None):
    return subprocess.run([a.mamori, "quarantine", "--config", a.config, "--state", a.state]
                          + list(args), capture_output=True, timeout=120, input=stdin)


def entry(a, qid):
    p = q(a, "show", qid, "--json")
    return json.loads(p.stdout) if p.returncode == 0 else {}


def wait_sink(sink, n, secs=10):
    end = time.time() + secs
    while time.time() < end and len(sink.got) < n:
        time.sleep(0.1)
    return len(sink.got) >= n


def main():
    a = parse_args("qput", "work")
    a.state = os.path.join(a.work, "state")
    sink = Sink()
    ctl, port = start_sink(sink)
    a.config = os.path.join(a.work, "mamori.conf")
    with open(a.config, "w") as f:
        f.write('quarantine = { release_smtp = "127.0.0.1:%d"; };\n'
                'http = { token = "%s"; };\n' % (port, TOKEN))
    try:
        run(a, sink)
        run_http(a, sink)
    finally:
        ctl.stop()
    return exit_status()


def run(a, sink):
    clean = ppap_mail(a, "clean", "見積書.txt", "120,000 円\n".encode(), "Xk7#mP2q")
    macro = ppap_mail(a, "macro", "請求書.xls", open(XLS, "rb").read(), "Tq9-wE4r")
    late = ppap_mail(a, "late", "資料.txt", "資料\n".encode(), "N3ver-c0mes")
    byhand = ppap_mail(a, "byhand", "資料.txt", "資料\n".encode(), "N0t-given")
    gone = ppap_mail(a, "gone", "資料.txt", "資料\n".encode(), "N0t-given2")
    ids = {n: qput_hold(a, p, 600) for n, p in
           (("clean", clean), ("macro", macro), ("byhand", byhand), ("gone", gone))}
    ids["late"] = qput_hold(a, late, 1)
    p = q(a, "list", "--state-filter", "held", "--json")
    held = json.loads(p.stdout) if p.returncode == 0 else []
    check(len(held) == 5 and all(e.get("hold_until", 0) > 0 for e in held),
          f"list --state-filter held: 5 entries with hold_until ({len(held)})")

    p = q(a, "password", ids["clean"], "wrong-one")
    check(p.returncode == 1 and b"still held" in p.stdout and not sink.got,
          f"password, wrong candidate: exit 1, still held, nothing sent ({p.stdout!r})")
    p = q(a, "password", ids["clean"], "-", stdin=b"also-wrong\nXk7#mP2q\n")
    check(p.returncode == 0 and b"released" in p.stdout,
          f"password from stdin: released ({p.stdout!r} {p.stderr!r})")
    check(wait_sink(sink, 1) and len(sink.got) == 1, "released: at the sink once")
    if sink.got:
        frm, rcpts, raw = sink.got[0]
        m = email.message_from_bytes(raw)
        check(frm == "s@example.org" and rcpts == ["r@example.net"],
              f"released: original envelope ({frm}, {rcpts})")
        check(str(m.get("X-Mamori-PPAP", "")).startswith("released"),
              f"released: X-Mamori-PPAP ({m.get('X-Mamori-PPAP')})")
        with open(clean, "rb") as f:
            orig = f.read().replace(b"\r\n", b"\n")
        check(raw.replace(b"\r\n", b"\n").endswith(orig.split(b"\n\n", 1)[1]),
              "released: the body unchanged")
    e = entry(a, ids["clean"])
    check(e.get("state") == "released" and e.get("password_where") == "operator",
          f"released: entry state and password_where ({e.get('state')}, "
          f"{e.get('password_where')})")

    n = len(sink.got)
    p = q(a, "password", ids["macro"], "Tq9-wE4r")
    e = entry(a, ids["macro"])
    check(p.returncode == 0 and b"quarantined" in p.stdout and e.get("state") == "quarantined",
          f"macro workbook inside: quarantined ({p.stdout!r}, {e.get('state')})")
    time.sleep(0.5)
    check(len(sink.got) == n, "macro workbook inside: nothing sent")

    # the window (1 s) is over 5 s from now, whatever the clock's second
    p = q(a, "expire", "--now", str(int(time.time()) + 5))
    check(p.returncode == 0 and b"expired 1" in p.stdout, f"expire: one expired ({p.stdout!r})")
    check(wait_sink(sink, n + 1), "expire: delivered")
    if len(sink.got) > n:
        m = email.message_from_bytes(sink.got[n][2])
        types = [x.get_content_type() for x in m.walk() if not x.is_multipart()]
        notice = [x.get_payload(decode=True).decode("utf-8", "replace") for x in m.walk()
                  if x.get_content_type() == "text/plain"]
        subj = str(make_header(decode_header(m.get("Subject", ""))))
        check("application/zip" not in types, f"expire: the ZIP removed ({types})")
        check(any("late.zip" in t for t in notice), "expire: a notice names the ZIP")
        check(subj.startswith("[未検査]"), f"expire: Subject tagged ({subj!r})")
    e = entry(a, ids["late"])
    check(e.get("state") == "expired", f"expire: entry expired ({e.get('state')})")
    raw = q(a, "show", ids["late"], "--raw").stdout
    with open(late, "rb") as f:
        check(raw == f.read(), "expire: the original kept in the store, unchanged")

    # the other two expiry policies
    for policy in ("deliver", "quarantine"):
        path = ppap_mail(a, "exp-" + policy, "資料.txt", "資料\n".encode(), "N0-pw-" + policy)
        qid = qput_hold(a, path, 1)
        cfg = os.path.join(a.work, policy + ".conf")
        with open(a.config) as f, open(cfg, "w") as g:
            g.write(f.read() + 'ppap = { expire = "%s"; };\n' % policy)
        n = len(sink.got)
        p = subprocess.run([a.mamori, "quarantine", "--config", cfg, "--state", a.state,
                            "expire", "--now", str(int(time.time()) + 5)],
                           capture_output=True, timeout=120)
        e = entry(a, qid)
        if policy == "deliver":
            got = wait_sink(sink, n + 1)
            m = email.message_from_bytes(sink.got[n][2]) if got else None
            types = [x.get_content_type() for x in m.walk()] if m else []
            subj = str(make_header(decode_header(m.get("Subject", "")))) if m else ""
            check(got and "application/zip" in types and subj.startswith("[未検査]") and
                  str(m.get("X-Mamori-PPAP", "")).startswith("expired") and
                  e.get("state") == "expired",
                  f"expire = deliver: delivered as is, tagged ({subj!r}, {e.get('state')})")
        else:
            time.sleep(0.5)
            check(p.returncode == 0 and len(sink.got) == n and e.get("state") == "quarantined",
                  f"expire = quarantine: kept, nothing sent ({e.get('state')})")

    n = len(sink.got)
    p = q(a, "release", ids["byhand"])
    check(p.returncode == 0 and wait_sink(sink, n + 1), f"release of a held entry ({p.stderr!r})")
    p = q(a, "password", ids["byhand"], "N0t-given")
    check(p.returncode == 1 and b"not held" in p.stdout,
          f"password after release: not held ({p.stdout!r})")
    p = q(a, "delete", ids["gone"])
    check(p.returncode == 0 and entry(a, ids["gone"]).get("state") == "deleted",
          "delete of a held entry")


def run_http(a, sink):
    mail = ppap_mail(a, "web", "見積書.txt", "80,000 円\n".encode(), "We6-pass!")
    qid = qput_hold(a, mail, 600)
    chown_nobody(a.state)
    srv = Serve(a.mamori, a.config, a.state, os.path.join(a.work, "serve.log"))

    def post(body):
        st, _, out = srv.request("POST", f"/quarantine/{qid}/password", body=body,
                                 headers={"Authorization": "Bearer " + TOKEN})
        return st, json.loads(out or b"{}")
    try:
        srv.wait_ready()
        n = len(sink.got)
        st, j = post(b"nope-1234\n")
        check(st == 409 and j.get("outcome") == "still held", f"HTTP wrong password: 409 ({st} {j})")
        st, j = post(b"nope-1234\nWe6-pass!\n")
        check(st == 200 and j.get("outcome") == "released", f"HTTP right password: 200 ({st} {j})")
        check(wait_sink(sink, n + 1), "HTTP: released to the sink")
        st, j = post(b"We6-pass!\n")
        check(st == 409 and j.get("outcome") == "not held", f"HTTP again: 409 not held ({st} {j})")
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())

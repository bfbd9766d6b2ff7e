#!/usr/bin/python3
"""test_ppap_e2e.py - the PPAP two-mail pattern through a real Postfix and
`mamori milter`: swaks -> Postfix (smtpd_milters = mamori) -> the sink.
ctest `e2e.ppap` (tests/e2e/e2e.cmake).  The set-up (DNS server, sink,
milter, private Postfix with a re-injection port) is test_postfix_e2e.py's;
the milter runs with ppap.window_s = WINDOW seconds.

The encrypted ZIPs are made with `zip -P`.  Cases:
  same-mail   a ZIP and its password in the body: delivered at once,
              decrypted and scanned, with X-Mamori-PPAP: decrypted
  release     a clean ZIP without its password: 250, held (nothing at the
              sink, `quarantine list` shows it "held"); then the password
              mail 【パスワード】<subject> from the same sender to the same
              recipient: the password mail is delivered (X-Mamori-PPAP:
              password-mail) and the held message is released to the sink
              with its body unchanged, X-Mamori-PPAP: released, the entry
              "released" with where the password came from
  malicious   the same with an Excel 4.0 macro workbook in the ZIP: the
              password mail is delivered; the held message, once opened,
              gets the macro symbols and is quarantined, never delivered
  expiry      a held ZIP whose password never comes: after the window the
              sweeper delivers it without the ZIP, with the notice part and
              the Subject tag; the entry is "expired" and its original
              bytes are still in the store (nothing lost)

Exit status 0: all passed; 1: a failure; 77: skipped (as test_postfix_e2e).
"""
import argparse
import email
import json
import os
import random
import subprocess
import sys
import time
from email.header import Header, decode_header, make_header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import test_postfix_e2e as base  # noqa: E402
from sink import headers_of  # noqa: E402

from test_postfix_e2e import (SENDER, RCPT, body_of, fail, ok, sink_by_mid,  # noqa: E402
                              swaks, wait_for)

WINDOW = 12
XLS = os.path.join(ROOT, "tests", "data", "maldocs", "oletools", "xlm",
                   "excel4_sample_macro.xls")


def make_zip(work, tag, name, data, pw):
    d = os.path.join(work, "zips", tag)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    out = os.path.join(work, "zips", tag + ".zip")
    subprocess.run(["zip", "-q", "-P", pw, out, name], cwd=d, check=True)
    with open(out, "rb") as f:
        return f.read()


def write_mail(work, mid, subject, body, att=None, att_name=None):
    m = MIMEMultipart()
    m.attach(MIMEText(body, "plain", "iso-2022-jp"))
    if att is not None:
        a = MIMEApplication(att, "zip")
        a.add_header("Content-Disposition", "attachment", filename=("utf-8", "", att_name))
        m.attach(a)
    m["From"] = formataddr((str(Header("営業部 山田", "utf-8")), SENDER))
    m["To"] = RCPT
    m["Subject"] = Header(subject, "utf-8")
    m["Message-ID"] = f"<{mid}>"
    m["Date"] = "Thu, 26 Nov 2026 10:00:00 +0900"
    p = os.path.join(work, "msgs", mid.split("@")[0] + ".eml")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(base.crlf(m.as_bytes()))
    return p


def entry(e, mid):
    """The store entry of Message-ID mid, or None."""
    for ent in json.loads(e.q.run("list", "--limit", "100000", "--json")):
        if base.message_id(e.q.raw(ent["id"])) == mid:
            return ent
    return None


def subject_of(raw):
    v = headers_of(raw).get("Subject") or ""
    return str(make_header(decode_header(str(v))))


def send(e, path, what):
    code, out = swaks(e.pf.port, path)
    if code != 250:
        fail(f"{what}: swaks got {code}:\n{out[-1200:]}")
        return False
    return True


def uid(kind):
    return f"{kind}.{random.getrandbits(48):x}@sender.test"


def case_same_mail(e):
    mid = uid("ppap-same")
    z = make_zip(e.work, "same", "議事録.txt", "定例会議の議事録です。\n".encode(), "Mt6_gH2w")
    p = write_mail(e.work, mid, "議事録の送付", "議事録を送ります。\n解凍キー：Mt6_gH2w\n",
                   z, "議事録.zip")
    if not send(e, p, "same-mail"):
        return
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        return fail(f"same-mail: {len(got or [])} copies at the sink")
    x = base.hdr_all(got[0][1], "X-Mamori-PPAP")
    if not x or not x[0].startswith("decrypted"):
        return fail(f"same-mail: X-Mamori-PPAP {x}")
    ok(f"same-mail: delivered once, X-Mamori-PPAP: {x[0][:40]}...")


def two_mails(e, kind, payload_name, payload, pw):
    """Send a held PPAP mail and its password mail; returns (held mid,
    password mid, the held file sent) or None."""
    subject = f"見積書送付の件 ({kind})"
    mid = uid(f"ppap-{kind}")
    z = make_zip(e.work, kind, payload_name, payload, pw)
    p = write_mail(e.work, mid, subject, "お世話になっております。\n見積書を送付いたします。\n"
                   "パスワードは別途お送りします。\n", z, "見積書.zip")
    if not send(e, p, kind):
        return None
    ent = wait_for(lambda: entry(e, mid), 20)
    if not ent or ent.get("state") != "held":
        fail(f"{kind}: not held: {ent}")
        return None
    if sink_by_mid(e.sink).get(mid):
        fail(f"{kind}: the held message reached the sink")
        return None
    ok(f"{kind}: 250, held as {ent['id']} (hold_until {ent.get('hold_until')})")
    pmid = uid(f"ppap-{kind}-pw")
    pp = write_mail(e.work, pmid, f"【パスワード】{subject}",
                    f"先ほどお送りしたファイルのパスワードをお知らせします。\nパスワード：{pw}\n")
    if not send(e, pp, f"{kind} password mail"):
        return None
    got = wait_for(lambda: sink_by_mid(e.sink).get(pmid), 30)
    if not got or len(got) != 1:
        fail(f"{kind}: password mail: {len(got or [])} copies at the sink")
        return None
    x = base.hdr_all(got[0][1], "X-Mamori-PPAP")
    if x != ["password-mail"]:
        fail(f"{kind}: password mail X-Mamori-PPAP {x}")
    return mid, pmid, p


def case_release(e):
    r = two_mails(e, "release", "見積書.txt", "お見積り金額は 120,000 円です。\n".encode(),
                  "Xk7#mP2q")
    if r is None:
        return
    mid, pmid, path = r
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), 30)
    if not got or len(got) != 1:
        return fail(f"release: held message: {len(got or [])} copies at the sink\n"
                    f"{e.mamori.log_tail()}")
    meta, raw = got[0]
    x = base.hdr_all(raw, "X-Mamori-PPAP")
    if not x or not x[0].startswith("released"):
        fail(f"release: X-Mamori-PPAP {x}")
    if meta["mail_from"] != SENDER or meta["rcpt_tos"] != [RCPT]:
        fail(f"release: envelope {meta}")
    with open(path, "rb") as f:
        if body_of(raw) != base.sent_body(f.read()):
            fail("release: the body changed")
    ent = entry(e, mid)
    if not ent or ent.get("state") != "released" or "follow-up" not in (
            ent.get("password_where") or ""):
        fail(f"release: entry {ent}")
    ok(f"release: password mail delivered (X-Mamori-PPAP: password-mail); held message "
       f"released once, body unchanged, {x[0][:50]}..., password_where="
       f"{ent.get('password_where') if ent else None!r}")


def case_malicious(e):
    with open(XLS, "rb") as f:
        xls = f.read()
    r = two_mails(e, "malicious", "請求書.xls", xls, "Tq9-wE4r")
    if r is None:
        return
    mid, pmid, _ = r
    ent = wait_for(lambda: (lambda x: x if x and x.get("state") != "held" else None)(
        entry(e, mid)), 30)
    if not ent or ent.get("state") != "quarantined":
        return fail(f"malicious: entry {ent}")
    time.sleep(1)
    if sink_by_mid(e.sink).get(mid):
        return fail("malicious: the opened macro workbook reached the sink")
    # the verdict of the rescan is the bare workbook's (same macro symbols,
    # same action; applied as quarantine: the SMTP session is long over)
    rep = json.loads(e.q.run("show", ent["id"], "--json")).get("report") or {}
    bare = write_mail(e.work, "bare@sender.test", "請求書", "添付します。\n", xls, "請求書.xls")
    br = json.loads(subprocess.run([e.mamori.cmd[0], "scan", "--json", "--config", e.config,
                                    bare], capture_output=True).stdout)
    doc = {"XLM_MACRO", "XLM_AUTOEXEC", "YARA_MATCH", "VBA_MACRO", "VBA_AUTOEXEC"}
    have = doc & set(rep.get("symbols", {}))
    want = doc & set(br.get("symbols", {}))
    if not want or have != want or rep.get("action") != br.get("action"):
        return fail(f"malicious: rescan {rep.get('action')} {sorted(have)} != bare "
                    f"{br.get('action')} {sorted(want)}")
    ok(f"malicious: opened by the password mail, quarantined, not delivered; the rescan "
       f"says {rep.get('action')} {sorted(have)} like the bare workbook "
       f"(reason {ent.get('reason', '')[:50]!r}...)")


def case_expiry(e):
    mid = uid("ppap-expiry")
    z = make_zip(e.work, "expiry", "資料.txt", "社外秘の資料です。\n".encode(), "N3ver-c0mes")
    p = write_mail(e.work, mid, "資料送付", "資料を送付いたします。\nパスワードは別途お送りします。\n",
                   z, "資料.zip")
    if not send(e, p, "expiry"):
        return
    ent = wait_for(lambda: entry(e, mid), 20)
    if not ent or ent.get("state") != "held":
        return fail(f"expiry: not held: {ent}")
    got = wait_for(lambda: sink_by_mid(e.sink).get(mid), WINDOW + 30, step=0.5)
    if not got or len(got) != 1:
        return fail(f"expiry: {len(got or [])} copies at the sink after the window\n"
                    f"{e.mamori.log_tail()}")
    raw = got[0][1]
    subj = subject_of(raw)
    x = base.hdr_all(raw, "X-Mamori-PPAP")
    msg = email.message_from_bytes(raw)
    types = [part.get_content_type() for part in msg.walk() if not part.is_multipart()]
    notice = [part.get_payload(decode=True).decode("utf-8", "replace") for part in msg.walk()
              if part.get_content_type() == "text/plain"]
    if "application/zip" in types:
        fail(f"expiry: the encrypted ZIP was delivered: {types}")
    if not any("資料.zip" in n and "mamori" in n for n in notice):
        fail(f"expiry: no notice part naming the ZIP: {types}")
    if not subj.startswith("[未検査]"):
        fail(f"expiry: Subject {subj!r}")
    if not x or not x[0].startswith("expired"):
        fail(f"expiry: X-Mamori-PPAP {x}")
    ent = entry(e, mid)
    if not ent or ent.get("state") != "expired":
        fail(f"expiry: entry {ent}")
    with open(p, "rb") as f:
        orig = f.read()
    if body_of(e.q.raw(ent["id"])) != base.sent_body(orig):
        fail("expiry: the stored original differs from what was sent")
    ok(f"expiry: delivered after the window without the ZIP, Subject {subj!r}, "
       f"{x[0] if x else None}; entry expired, original kept in the store")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mamori", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--milter-user", default="nobody")
    a = ap.parse_args()
    why = base.unavailable("swaks", "zip")
    if why:
        print(f"SKIP: {why}")
        return 77
    a.mamori = os.path.abspath(a.mamori)
    a.milter_conf = f"ppap = {{ window_s = {WINDOW}; }};"
    return base.run(a, "mamori-ppap-",
                    [case_same_mail, case_expiry, case_release, case_malicious],
                    lambda e: f"setup: postfix 127.0.0.1:{e.pf.port}, milter "
                              f"127.0.0.1:{e.milter_port}, window {WINDOW} s",
                    log_lines=60)


if __name__ == "__main__":
    sys.exit(main())

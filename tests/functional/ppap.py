#!/usr/bin/env python3
"""ppap.py - PPAP mails: an encrypted attachment and its password in the
body, in every phrasing and charset of docs/ppap.md, scanned by mamori.

usage: ppap.py --mamori BIN WORKDIR

The encrypted archives are made here by independent tools: `zip -P`
(ZipCrypto), `7z a -tzip -mem=AES256 -p` (WinZip AES) and `7z a -p` (7z
AES, also with -mhe=on).  The payloads are an Excel 4.0 macro workbook and
a macro-enabled Word document from the test data, and a clean text file.

Checked for every case:
  - the password is found and the archive decrypted (PPAP_DECRYPTED,
    PPAP_PASSWORD_FOUND with where it was found, no PPAP_UNDECRYPTABLE);
  - the payload gets exactly the symbols and action of the same payload
    attached bare (apart from the PPAP and encryption symbols);
and for the negative cases: no candidate, the message is held; and an
Agile-encrypted .docx with its password in the body gets the symbols of
its plaintext (decrypted by msoffcrypto-tool) attached bare.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from email.header import Header
from email.utils import formataddr
from email.mime.multipart import MIMEMultipart
from email.mime.application import MIMEApplication
from email.mime.text import MIMEText

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import make_fixtures  # noqa: E402

XLS = os.path.join(ROOT, "tests", "data", "maldocs", "oletools", "xlm",
                   "excel4_sample_macro.xls")
PPAP_SYMS = {"PPAP_DECRYPTED", "PPAP_PASSWORD_FOUND", "ENCRYPTED_ARCHIVE",
             "PPAP_UNDECRYPTABLE", "PPAP_HELD", "PPAP_PASSWORD_MAIL"}

# name -> (body text, charset, html?, archive tool, password, payload)
CASES = {
    "ja_utf8_same_line": ("お世話になっております。\n見積書を送付いたします。\n"
                          "パスワード：Xk7#mP2q\n", "utf-8", False, "zip", "Xk7#mP2q", "xls"),
    "ja_iso2022jp_brackets": ("いつもお世話になっております。\n解凍パスワードは「Tq9-wE4r」です。\n",
                              "iso-2022-jp", False, "zip", "Tq9-wE4r", "xls"),
    "ja_sjis_next_line": ("請求書をお送りします。\nパスワードは以下の通りです。\n\n    Hn3$vB8k\n\nよろしくお願いいたします。\n",
                          "shift_jis", False, "zip", "Hn3$vB8k", "docm"),
    "ja_fullwidth": ("資料を添付いたします。\nＰＡＳＳ：ＡＢｃ１２３４５\n", "utf-8", False, "zip",
                     "ABc12345", "xls"),
    "ja_lenticular": ("ご確認ください。\n【パスワード】Zp5!rT7y\n", "iso-2022-jp", False, "zip",
                      "Zp5!rT7y", "xls"),
    "en_password_is": ("Hello,\nplease find the invoice attached.\nThe password is: Wm4&qL9s\n",
                       "us-ascii", False, "zip", "Wm4&qL9s", "docm"),
    "en_pw_colon": ("Attached.\nPW: 7hGk2Lp0\nRegards\n", "us-ascii", False, "zip", "7hGk2Lp0", "xls"),
    "html_only": ("<html><body><p>お世話になっております。</p><p>パスワード：<b>Rf6@nJ3c</b></p>"
                  "</body></html>", "utf-8", True, "zip", "Rf6@nJ3c", "xls"),
    "quoted_reply": ("了解しました。\n\n> 2026/11/25 10:00 山田:\n> 添付をご確認ください。\n"
                     "> パスワード: Qa1!sD2f\n", "utf-8", False, "zip", "Qa1!sD2f", "xls"),
    "aes256_zip": ("Password: Ux8*Yt5r\n", "us-ascii", False, "zipaes", "Ux8*Yt5r", "xls"),
    "aes256_zip_clean": ("議事録です。パスワード：Cl3an-Pw\n", "utf-8", False, "zipaes", "Cl3an-Pw",
                         "txt"),
    "sevenzip_aes": ("7z で圧縮しました。\nパスワード: S7z-aes9k\n", "utf-8", False, "7z", "S7z-aes9k",
                     "xls"),
    "sevenzip_headers": ("File list is encrypted too.\nPassword: Hdr*7zip2\n", "us-ascii", False,
                         "7zhe", "Hdr*7zip2", "docm"),
    "zipcrypto_clean": ("議事録を送ります。\n解凍キー：Mt6_gH2w\n", "iso-2022-jp", False, "zip",
                        "Mt6_gH2w", "txt"),
}

# cases whose archive stays closed: (body, charset, tool, password, payload)
HELD = {
    "password_separately": ("見積書を送付します。\nパスワードは別途お送りします。\n", "iso-2022-jp",
                            "zip", "Sep4rate!", "xls"),
    "no_text": ("", "utf-8", "zip", "N0thing-here", "xls"),
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def payload(kind, work):
    if kind == "xls":
        return "請求書_2026年11月.xls", open(XLS, "rb").read()
    if kind == "docm":
        return "見積書.docm", make_fixtures.make_docm()
    return "議事録.txt", "11月の定例会議の議事録です。\n".encode("utf-8")


def archive(tool, pw, name, data, work, tag):
    d = os.path.join(work, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    out = os.path.join(work, tag + (".7z" if tool.startswith("7z") else ".zip"))
    if os.path.exists(out):
        os.unlink(out)
    if tool == "zip":
        run(["zip", "-q", "-P", pw, out, name], cwd=d)
    elif tool == "zipaes":
        run(["7z", "a", "-bso0", "-tzip", "-mem=AES256", "-p" + pw, out, name], cwd=d)
    elif tool == "7z":
        run(["7z", "a", "-bso0", "-p" + pw, out, name], cwd=d)
    elif tool == "7zhe":
        run(["7z", "a", "-bso0", "-mhe=on", "-p" + pw, out, name], cwd=d)
    return out


def mail(path, body, charset, html, att_name, att):
    if body == "":
        m = MIMEMultipart()
    else:
        m = MIMEMultipart()
        part = MIMEText(body, "html" if html else "plain", charset)
        m.attach(part)
    a = MIMEApplication(att, "zip")
    a.add_header("Content-Disposition", "attachment", filename=("utf-8", "", att_name))
    m.attach(a)
    m["From"] = formataddr((str(Header("営業部", "utf-8")), "sales@example.co.jp"))
    m["To"] = "keiri@example.net"
    m["Subject"] = Header("見積書送付の件", "utf-8")
    m["Message-ID"] = "<ppap-%s@example.co.jp>" % os.path.basename(path)
    m["Date"] = "Thu, 26 Nov 2026 10:00:00 +0900"
    with open(path, "wb") as f:
        f.write(m.as_bytes())


def scan(mamori, path):
    p = subprocess.run([mamori, "scan", "--json", path], capture_output=True)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{path}: mamori exit {p.returncode}: {p.stderr.decode()}")
    return json.loads(p.stdout)


def office_case(a, errors):
    """An Agile-encrypted .docx (strelka's, password Password1!) with its
    password in the body gets the symbols of its plaintext attached bare;
    the plaintext comes from msoffcrypto-tool, an independent decryptor."""
    import io
    import msoffcrypto
    src = os.path.join(ROOT, "tests", "data", "maldocs", "strelka", "test_password.docx")
    with open(src, "rb") as f:
        enc = f.read()
    of = msoffcrypto.OfficeFile(io.BytesIO(enc))
    of.load_key(password="Password1!")
    plain = io.BytesIO()
    of.decrypt(plain)
    p_bare = os.path.join(a.workdir, "office-bare.eml")
    mail(p_bare, "添付します。\n", "utf-8", False, "報告書.docx", plain.getvalue())
    p_enc = os.path.join(a.workdir, "office-ppap.eml")
    mail(p_enc, "報告書を送付します。\nパスワード：Password1!\n", "iso-2022-jp", False,
         "報告書.docx", enc)
    bare_r, enc_r = scan(a.mamori, p_bare), scan(a.mamori, p_enc)
    have = set(enc_r["symbols"]) - PPAP_SYMS - {"ENCRYPTED_OFFICE"}
    want = set(bare_r["symbols"]) - PPAP_SYMS
    syms = enc_r["symbols"]
    if "PPAP_DECRYPTED" not in syms or "ENCRYPTED_OFFICE" in syms:
        errors.append(f"office: not decrypted: {sorted(syms)}")
    if have != want or enc_r["action"] != bare_r["action"]:
        errors.append(f"office: {enc_r['action']} {sorted(have)} != bare "
                      f"{bare_r['action']} {sorted(want)}")
    print(f"office_agile_docx: {enc_r['action']} {sorted(syms)}")


def policy_cases(a, errors):
    """The [ppap] policies: clean = quarantine; unscannable (a limit inside
    the decrypted archive) = quarantine by default; undecryptable =
    reject instead of hold; the attempt bound gives its symbol."""
    def conf(name, text):
        path = os.path.join(a.workdir, name + ".conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def scan_with(cfg, path):
        p = subprocess.run([a.mamori, "scan", "--json", "--config", cfg, path],
                           capture_output=True)
        return json.loads(p.stdout)

    clean = os.path.join(a.workdir, "zipcrypto_clean.eml")
    r = scan_with(conf("clean-q", 'ppap = { clean = "quarantine"; };\n'), clean)
    if r["action"] != "quarantine" or "PPAP_DECRYPTED" not in r["symbols"]:
        errors.append(f"policy clean=quarantine: {r['action']} {sorted(r['symbols'])}")
    print(f"policy clean=quarantine: {r['action']}")
    r = scan_with(conf("unscannable", 'limits = { unpack_depth = 1; };\n'),
                  os.path.join(a.workdir, "ja_sjis_next_line.eml"))
    if r["action"] != "quarantine" or "PPAP_UNSCANNABLE" not in r["symbols"]:
        errors.append(f"policy unscannable: {r['action']} {sorted(r['symbols'])}")
    print(f"policy unscannable (unpack_depth 1): {r['action']} "
          f"{r['symbols'].get('PPAP_UNSCANNABLE', {}).get('options')}")
    held = os.path.join(a.workdir, "password_separately.eml")
    r = scan_with(conf("undec-reject", 'ppap = { undecryptable = "reject"; };\n'), held)
    if r["action"] != "reject" or "PPAP_HELD" in r["symbols"]:
        errors.append(f"policy undecryptable=reject: {r['action']} {sorted(r['symbols'])}")
    print(f"policy undecryptable=reject: {r['action']}")
    sz = os.path.join(a.workdir, "sevenzip_aes.eml")
    r = scan_with(conf("no7zz", 'ppap = { sevenzip = ""; };\n'), sz)
    if r["action"] != "hold" or "PPAP_UNDECRYPTABLE" not in r["symbols"]:
        errors.append(f"sevenzip off: {r['action']} {sorted(r['symbols'])}")
    print(f"sevenzip = \"\": {r['action']}")
    with open(os.path.join(a.workdir, "sevenzip_aes.7z"), "rb") as f:
        cut = f.read()
    for n in (len(cut) * 3 // 5, len(cut) - 7):
        p = os.path.join(a.workdir, f"sevenzip_cut{n}.eml")
        mail(p, "パスワード: S7z-aes9k\n", "utf-8", False, "cut.7z", cut[:n])
        r = scan(a.mamori, p)
        if "PPAP_DECRYPTED" in r["symbols"] and "XLM_MACRO" not in r["symbols"]:
            errors.append(f"7z cut at {n}: decrypted but nothing read {sorted(r['symbols'])}")
        print(f"7z cut to {n} bytes: {r['action']} {sorted(r['symbols'])}")
    r = scan_with(conf("attempts", 'ppap = { max_attempts = 3; };\n'), held)
    lim = r["symbols"].get("SCAN_LIMIT_EXCEEDED", {}).get("options", [])
    if not any(o.startswith("ppap_attempts(") for o in lim) or r["action"] != "hold":
        errors.append(f"max_attempts 3: {r['action']} {lim}")
    print(f"max_attempts=3: {r['action']} {lim}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("workdir")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    errors = []
    bare = {}
    for kind in ("xls", "docm", "txt"):
        name, data = payload(kind, a.workdir)
        p = os.path.join(a.workdir, f"bare-{kind}.eml")
        mail(p, "添付します。\n", "utf-8", False, name, data)
        r = scan(a.mamori, p)
        bare[kind] = (r["action"], set(r["symbols"]) - PPAP_SYMS, r)
    for case, (body, cs, html, tool, pw, kind) in CASES.items():
        err = lambda m: errors.append(f"{case}: {m}")  # noqa: E731
        name, data = payload(kind, a.workdir)
        arc = archive(tool, pw, name, data, a.workdir, case)
        p = os.path.join(a.workdir, case + ".eml")
        mail(p, body, cs, html, os.path.basename(arc), open(arc, "rb").read())
        r = scan(a.mamori, p)
        syms = r["symbols"]
        for s in ("PPAP_DECRYPTED", "PPAP_PASSWORD_FOUND"):
            if s not in syms:
                err(f"no {s}: {sorted(syms)}")
        for s in ("PPAP_UNDECRYPTABLE", "PPAP_HELD", "ENCRYPTED_ARCHIVE"):
            if s in syms:
                err(f"{s} {syms[s].get('options')}")
        where = " ".join(syms.get("PPAP_PASSWORD_FOUND", {}).get("options", []))
        if "ppap.dictionary" in where or "ppap.passwords" in where:
            err(f"password not from the body: {where}")
        want_action, want_syms, _ = bare[kind]
        have = set(syms) - PPAP_SYMS
        if have != want_syms:
            err(f"symbols {sorted(have)} != bare {sorted(want_syms)}")
        if r["action"] != want_action:
            err(f"action {r['action']} != bare {want_action}")
        print(f"{case}: {r['action']} {sorted(syms)} [{where}]")
    for case, (body, cs, tool, pw, kind) in HELD.items():
        err = lambda m: errors.append(f"{case}: {m}")  # noqa: E731
        name, data = payload(kind, a.workdir)
        arc = archive(tool, pw, name, data, a.workdir, case)
        p = os.path.join(a.workdir, case + ".eml")
        mail(p, body, cs, False, os.path.basename(arc), open(arc, "rb").read())
        r = scan(a.mamori, p)
        syms = r["symbols"]
        if r["action"] != "hold" or "PPAP_HELD" not in syms or "PPAP_UNDECRYPTABLE" not in syms:
            err(f"not held: {r['action']} {sorted(syms)}")
        print(f"{case}: {r['action']} {sorted(syms)}")
    office_case(a, errors)
    policy_cases(a, errors)
    for e in errors:
        print("FAIL", e)
    print(f"ppap: {len(CASES) + len(HELD)} cases, {len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write the PPAP examples of examples/ppap/: password-protected archives
and their passwords, in the body or in a second mail.

Run from anywhere:  python3 examples/ppap/make_ppap.py

The archives are made with Debian's `zip -P` and `7z` (encryption salts
make every run differ). The payloads are a harmless Excel 4.0 macro
sample from tests/data/maldocs (see its PROVENANCE.md: it shows a message
box), a macro-enabled Word document built by tests/support/make_fixtures.py,
and plain text. Every address is example.*.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import make_fixtures  # noqa: E402

XLS = os.path.join(ROOT, "tests", "data", "maldocs", "oletools", "xlm",
                   "excel4_sample_macro.xls")
SENDER = ("営業部 山田", "yamada@example.co.jp")


def archive(work, tool, pw, name, data):
    d = tempfile.mkdtemp(dir=work)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    out = os.path.join(d, "out.7z" if tool == "7z" else "out.zip")
    if tool == "zip":
        subprocess.run(["zip", "-q", "-P", pw, out, name], cwd=d, check=True)
    elif tool == "zipaes":
        subprocess.run(["7z", "a", "-bso0", "-tzip", "-mem=AES256", "-p" + pw, out, name],
                       cwd=d, check=True)
    else:
        subprocess.run(["7z", "a", "-bso0", "-p" + pw, out, name], cwd=d, check=True)
    with open(out, "rb") as f:
        return f.read()


def mail(path, subject, body, charset, att=None, att_name=None, date="10:15:00"):
    m = MIMEMultipart()
    m.attach(MIMEText(body, "plain", charset))
    if att is not None:
        a = MIMEApplication(att, "zip" if att_name.endswith(".zip") else "x-7z-compressed")
        a.add_header("Content-Disposition", "attachment", filename=("utf-8", "", att_name))
        m.attach(a)
    m["From"] = formataddr((str(Header(SENDER[0], "utf-8")), SENDER[1]))
    m["To"] = "tanaka@example.jp"
    m["Subject"] = Header(subject, "utf-8")
    m["Date"] = f"Thu, 26 Nov 2026 {date} +0900"
    m["Message-ID"] = f"<{os.path.basename(path)}@example.co.jp>"
    with open(path, "wb") as f:
        f.write(m.as_bytes())


def main():
    work = tempfile.mkdtemp()
    try:
        with open(XLS, "rb") as f:
            xls = f.read()
        mail(os.path.join(HERE, "01-macro-zip-password-in-body.eml"), "請求書送付のご案内",
             "いつもお世話になっております。\n請求書を送付いたします。\n\n"
             "解凍パスワード：Sk7#pQ2w\n\nよろしくお願いいたします。\n", "iso-2022-jp",
             archive(work, "zip", "Sk7#pQ2w", "請求書_2026年11月.xls", xls), "請求書.zip")
        mail(os.path.join(HERE, "02-clean-zip-password-next-line.eml"), "議事録の送付",
             "お疲れ様です。\n定例会議の議事録をお送りします。\nパスワードは以下の通りです。\n\n"
             "    Gj4-mTz8\n", "shift_jis",
             archive(work, "zip", "Gj4-mTz8", "議事録_1126.txt",
                     "11月26日 定例会議 議事録\n1. 予算について\n".encode("utf-8")),
             "議事録.zip")
        mail(os.path.join(HERE, "03-docm-7z-password-in-body.eml"), "Quotation",
             "Hello,\nplease find our quotation attached.\nThe password is: Qt9*uWp3\n",
             "us-ascii", archive(work, "7z", "Qt9*uWp3", "quotation.docm",
                                 make_fixtures.make_docm()), "quotation.7z")
        mail(os.path.join(HERE, "04-held-password-separately.eml"), "見積書送付の件",
             "お世話になっております。\n見積書を送付いたします。\n"
             "パスワードは別途お送りします。\n", "iso-2022-jp",
             archive(work, "zipaes", "Mw3!kLr6", "見積書.txt",
                     "お見積り金額: 1,200,000 円\n".encode("utf-8")), "見積書.zip")
        mail(os.path.join(HERE, "05-password-mail.eml"), "【パスワード】見積書送付の件",
             "先ほどお送りしたファイルのパスワードをお知らせします。\n\n"
             "パスワード：「Mw3!kLr6」\n", "iso-2022-jp", date="10:17:00")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

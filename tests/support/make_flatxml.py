#!/usr/bin/env python3
"""make_flatxml.py - the functional cases of Office documents saved as one
XML or MIME file (src/objects/documents/flatxml.c, containers/activemime.c),
written byte for byte reproducibly (stdlib + python3-olefile, through
make_vba.py).

usage: make_flatxml.py [OUTDIR]   (default: tests/functional/cases)

Writes flatxml_*.eml; their .expect.json files are written by hand from
what each document holds:

  flatxml_word2003_ddeauto     Word 2003 XML (.doc) with a DDEAUTO field
  flatxml_excel2003_dde        Excel 2003 XML (.xls) with =cmd|'/c calc'!A0
  flatxml_word2003_activemime  Word 2003 XML whose w:binData editdata.mso is
                               an ActiveMime part holding a VBA project with
                               an AutoOpen macro that runs a shell
  flatxml_mht_activemime       the same project in an MHT file named .doc
                               (Word's "Single File Web Page")
  flatxml_flatopc_vba          oletools' harmless-clean.xml (Flat OPC) with
                               the project as a pkg:binaryData part
                               /word/vbaProject.bin, named .doc
"""
import base64
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_vba  # noqa: E402

OUT = os.path.join(HERE, "..", "functional", "cases")

# (the project's Module1 has room for about 60 bytes of code)
MACRO = b"Sub AutoOpen()\r\nShell \"cmd /c calc\"\r\nEnd Sub\r\n"

WORDML = "http://schemas.microsoft.com/office/word/2003/wordml"


def activemime(ole):
    """An ActiveMime part as Word 2003 writes it: the header (the field at
    0x1E is 4, so the zlib stream starts at 0x32), the inflated size, then
    the OLE2 file compressed with zlib."""
    comp = zlib.compress(ole, 9)
    hdr = (b"ActiveMime" + b"\0\0" + struct.pack("<H", 0xF001) + struct.pack("<I", 4) +
           struct.pack("<I", 0xFFFFFFFF) + struct.pack("<I", 0x00010000) +
           struct.pack("<I", len(comp) + 4))
    assert len(hdr) == 0x1E
    hdr += struct.pack("<I", 4) + struct.pack("<III", 0, 1, 0)
    assert len(hdr) == 0x2E
    hdr += struct.pack("<I", len(ole))
    return hdr + comp


def b64_wrapped(data, width=76, nl="\n"):
    s = base64.b64encode(data).decode("ascii")
    return nl.join(s[i:i + width] for i in range(0, len(s), width))


def word2003(body, supp=""):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<?mso-application progid="Word.Document"?>\n'
            f'<w:wordDocument xmlns:w="{WORDML}" '
            'xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" '
            'w:macrosPresent="' + ("yes" if supp else "no") + '" xml:space="preserve">'
            '<w:docPr><w:view w:val="print"/></w:docPr>' + supp +
            '<w:body>' + body + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
            '</w:body></w:wordDocument>\n').encode("utf-8")


def word_ddeauto():
    body = ('<w:p><w:r><w:t>Please update the fields of this invoice.</w:t></w:r></w:p>'
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText>DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe </w:instrText></w:r>'
            '<w:r><w:instrText>"/k calc.exe"</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t>Invoice</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    return word2003(body)


def excel_dde():
    return ('<?xml version="1.0"?>\n'
            '<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:html="http://www.w3.org/TR/REC-html40">\n'
            ' <Worksheet ss:Name="Sheet1">\n  <Table>\n'
            '   <Row><Cell><Data ss:Type="String">Total</Data></Cell>'
            '<Cell ss:Formula="=SUM(R[1]C:R[3]C)"><Data ss:Type="Number">0</Data></Cell></Row>\n'
            '   <Row><Cell ss:Formula="=cmd|\' /C calc.exe\'!A0">'
            '<Data ss:Type="Number">0</Data></Cell>'
            '<Cell ss:HRef="http://invoice.example.net/pay"><Data ss:Type="String">pay'
            '</Data></Cell><Cell ss:HRef="#Sheet1!A1"><Data ss:Type="String">top'
            '</Data></Cell></Row>\n'
            '  </Table>\n </Worksheet>\n</Workbook>\n').encode("utf-8")


def word_activemime(mso):
    supp = ('<w:docSuppData><w:binData w:name="editdata.mso">\n' + b64_wrapped(mso) +
            '\n</w:binData></w:docSuppData>')
    body = '<w:p><w:r><w:t>Enable content to see this document.</w:t></w:r></w:p>'
    return word2003(body, supp)


def mht(mso):
    """Word's Single File Web Page: the HTML, then editdata.mso."""
    b = "----=_NextPart_01DA0000.5A5A5A5A"
    html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word">\r\n<head>\r\n'
            '<link rel=Edit-Time-Data href="invoice_files/editdata.mso">\r\n</head>\r\n'
            '<body><p>Enable content to see this document.</p></body>\r\n</html>\r\n')
    return ("MIME-Version: 1.0\r\n"
            f"Content-Type: multipart/related; boundary=\"{b}\"\r\n\r\n"
            "This document is a Single File Web Page, also known as a Web Archive file.\r\n"
            "\r\n"
            f"--{b}\r\n"
            "Content-Location: file:///C:/Users/x/invoice.htm\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "Content-Type: text/html; charset=\"us-ascii\"\r\n\r\n" +
            html.replace("=", "=3D") + "\r\n"
            f"--{b}\r\n"
            "Content-Location: file:///C:/Users/x/invoice_files/editdata.mso\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Type: application/x-mso\r\n\r\n" +
            b64_wrapped(mso, nl="\r\n") + "\r\n\r\n"
            f"--{b}--\r\n").encode("ascii")


def flatopc_vba(vba):
    """harmless-clean.xml (tests/data/maldocs) made macro-enabled: the
    project as /word/vbaProject.bin, base64 in pkg:binaryData, as Word
    writes it (lines of 76), with its relationship."""
    path = os.path.join(HERE, "..", "data", "maldocs", "oletools", "clean", "harmless-clean.xml")
    with open(path, "rb") as f:
        doc = f.read()
    part = ('<pkg:part pkg:name="/word/vbaProject.bin" '
            'pkg:contentType="application/vnd.ms-office.vbaProject" pkg:compression="store">'
            '<pkg:binaryData>' + b64_wrapped(vba) + '</pkg:binaryData></pkg:part>').encode()
    rel = (b'<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
           b'relationships/vbaProject" Target="vbaProject.bin"/>')
    at = doc.index(b'pkg:name="/word/_rels/document.xml.rels"')
    end = doc.index(b"</Relationships>", at)
    doc = doc[:end] + rel + doc[end:]
    assert doc.endswith(b"</pkg:package>")
    return doc[:-len(b"</pkg:package>")] + part + b"</pkg:package>"


def mail(case, name, data):
    body = b64_wrapped(data, nl="\r\n")
    return ("From: billing@example.com\r\nTo: rcpt@example.jp\r\n"
            f"Subject: {name}\r\nDate: Thu, 26 Nov 2026 09:00:00 +0900\r\n"
            f"Message-ID: <{case}@example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            "Content-Type: text/plain\r\n\r\nthe document\r\n--b\r\n"
            f"Content-Type: application/octet-stream; name=\"{name}\"\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n").encode("ascii")


def project():
    """The VBA project with MACRO (make_vba.py pads the source to its
    stream's length; a source one byte longer fits when one does not),
    its p-code marked ignored: it is the original project's, and with it
    the project would be a stomped one (VBA_STOMPED)."""
    for pad in range(8):
        try:
            return make_vba.pcode_ignored(
                make_vba.vba_project_source(MACRO + b"'" * pad + b"\r\n" * (pad > 0)))
        except AssertionError:
            continue
    raise AssertionError("no padding makes the macro fit")


def cases():
    proj = project()
    mso = activemime(proj)
    return {
        "flatxml_word2003_ddeauto": ("invoice.doc", word_ddeauto()),
        "flatxml_excel2003_dde": ("report.xls", excel_dde()),
        "flatxml_word2003_activemime": ("invoice.doc", word_activemime(mso)),
        "flatxml_mht_activemime": ("invoice.doc", mht(mso)),
        "flatxml_flatopc_vba": ("invoice.doc", flatopc_vba(proj)),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    for case, (name, data) in cases().items():
        with open(os.path.join(out, case + ".eml"), "wb") as f:
            f.write(mail(case, name, data))


if __name__ == "__main__":
    main()

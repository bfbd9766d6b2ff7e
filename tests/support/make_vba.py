#!/usr/bin/env python3
"""make_vba.py - a real VBA project (vbaProject.bin) with a module source of
one's own, for tests and examples (stdlib + python3-olefile).

tests/data/ole/vbaProject.bin (the project of oletools' sample_with_vba.ppt)
with its Module1 source replaced: the new source is compressed (MS-OVBA
2.4.1, literal tokens only) to exactly the length of the old one, so the
stream keeps its size and olefile can write it in place; the p-code and
the dir stream stay as they are.  The source must fit: about 3,000 bytes.
"""
import io
import os
import struct
import tempfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def ovba_decompress(buf):
    """MS-OVBA 2.4.1.3.1: a CompressedContainer -> bytes (for checking)."""
    assert buf[0] == 1
    out = bytearray()
    i = 1
    while i < len(buf):
        hdr = struct.unpack_from("<H", buf, i)[0]
        size = (hdr & 0x0FFF) + 3
        end = min(i + size, len(buf))
        start = len(out)
        i += 2
        if not hdr & 0x8000:
            out += buf[i:i + 4096]
            i += 4096
            continue
        while i < end:
            flags = buf[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if not flags >> bit & 1:
                    out.append(buf[i])
                    i += 1
                    continue
                tok = struct.unpack_from("<H", buf, i)[0]
                i += 2
                diff = len(out) - start
                bc = max((diff - 1).bit_length(), 4)
                length = (tok & (0xFFFF >> bc)) + 3
                off = (tok >> (16 - bc)) + 1
                for _ in range(length):
                    out.append(out[-off])
    return bytes(out)


def ovba_literal(src):
    """One compressed chunk of literal tokens only (len(src) <= 4096)."""
    assert len(src) <= 4096
    body = bytearray()
    for k in range(0, len(src), 8):
        group = src[k:k + 8]
        body.append(0)
        body += group
    hdr = 0x8000 | 0x3000 | (len(body) + 2 - 3)
    return b"\x01" + struct.pack("<H", hdr) + bytes(body)


def vba_project_source(code):
    """The project with Module1's source: 'Attribute VB_Name = "Module1"'
    and then code (bytes, CRLF line ends)."""
    import olefile
    path = os.path.join(ROOT, "tests", "data", "ole", "vbaProject.bin")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    ole = olefile.OleFileIO(bytes(data))
    mod = ole.openstream("VBA/Module1").read()
    ole.close()
    # where the source starts: the compressed container that decodes to
    # "Attribute VB_Name" and runs to the stream's end
    at = None
    for i in range(len(mod) - 3):
        if mod[i] != 1:
            continue
        try:
            if ovba_decompress(mod[i:]).startswith(b"Attribute VB_Name"):
                at = i
                break
        except (IndexError, struct.error, AssertionError):
            continue
    assert at is not None, "vbaProject.bin: no module source found"
    room = len(mod) - at
    head = b'Attribute VB_Name = "Module1"\r\n' + code
    # pad with a comment to fill the stream exactly: len = 3 + n + ceil(n/8)
    for extra in range(0, room):
        src = head + b"'" + b"-" * extra + b"\r\n"
        comp = ovba_literal(src)
        if len(comp) == room:
            break
        if len(comp) > room:
            raise AssertionError("vbaProject.bin: new source does not fit")
    assert ovba_decompress(comp) == src
    newmod = mod[:at] + comp
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "vbaProject.bin")
        with open(tmp, "wb") as f:
            f.write(bytes(data))
        ole = olefile.OleFileIO(tmp, write_mode=True)
        ole.write_stream("VBA/Module1", newmod)
        ole.close()
        with open(tmp, "rb") as f:
            return f.read()


def _maldoc(rel):
    with open(os.path.join(ROOT, "tests", "data", "maldocs", rel), "rb") as f:
        return f.read()


def docm(vba_bin):
    """harmless-clean.docx made macro-enabled with vba_bin (as
    tests/support/make_fixtures.py's make_docm does)."""
    src = zipfile.ZipFile(io.BytesIO(_maldoc("oletools/clean/harmless-clean.docx")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml."
                    b"document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml")
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType='
                                    b'"application/vnd.ms-office.vbaProject"/><Default ', 1)
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            z.writestr(info.filename, data)
        z.writestr("word/vbaProject.bin", vba_bin)
    return buf.getvalue()

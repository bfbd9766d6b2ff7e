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
            # too long to write in place: the project rebuilt with libgsf
            # (rebuild()), the module stream grown
            comp = b"\x01" + b"".join(ovba_literal(head[k:k + 4096])[1:]
                                      for k in range(0, len(head), 4096))
            assert ovba_decompress(comp) == head
            return rebuild(bytes(data), {("VBA", "Module1"): mod[:at] + comp})
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


# ---- issue 18 (vbaproj): what a project hides outside its source ----------
#
# These build on vba_project_source() and docm():
#   - pcode_ignored(): _VBA_PROJECT's Version set to 0xFFFF, as [MS-OVBA]
#     2.3.4.1 has writers other than Office do: the PerformanceCache
#     (p-code) is then to be ignored.  vba_project_source() keeps the
#     original project's p-code (compiled by Office for the original
#     Module1), so without this its projects are stomped ones.
#   - stomp_literal(): the real p-code's one string literal ("The action
#     button clicked!", 26 bytes) replaced in place by another of the same
#     length: the p-code then says what the source does not.  This is the
#     only p-code we write: it is Office's own, patched, not p-code we
#     compile.
#   - with_form(): the project rebuilt (libgsf's GsfOutfileMSOle through
#     PyGObject) with a UserForm storage holding "f" and "o" streams that
#     we write from [MS-OFORMS] (FormControl 2.2.10.1, OleSiteConcrete
#     2.2.10.12, MorphDataControl 2.2.5 for TextBoxes, LabelControl 2.2.4).
#   - docm(..., docvars=, comments=): document variables in
#     word/settings.xml and a Comments property in docProps/core.xml.

ORIG_LITERAL = b"The action button clicked!"


def _rewrite_stream(vba_bin, path, fn):
    import olefile
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "vbaProject.bin")
        with open(tmp, "wb") as f:
            f.write(vba_bin)
        ole = olefile.OleFileIO(tmp, write_mode=True)
        old = ole.openstream(path).read()
        new = fn(old)
        assert len(new) == len(old)
        ole.write_stream(path, new)
        ole.close()
        with open(tmp, "rb") as f:
            return f.read()


def pcode_ignored(vba_bin):
    return _rewrite_stream(vba_bin, "VBA/_VBA_PROJECT",
                           lambda b: b[:2] + b"\xff\xff" + b[4:])


def stomp_literal(vba_bin, new):
    assert len(new) == len(ORIG_LITERAL)

    def patch(mod):
        at = mod.find(ORIG_LITERAL)
        assert at > 0 and at < 1037, "p-code literal not found"
        return mod[:at] + new + mod[at + len(new):]
    return _rewrite_stream(vba_bin, "VBA/Module1", patch)


def _fm_string(s):
    """An fmString: its CountOfBytesWithCompressionFlag (compressed: one
    byte a character) and its bytes padded to 4."""
    b = s.encode("latin-1")
    pad = b + b"\0" * (-len(b) % 4)
    return 0x80000000 | len(b), pad


def _site(name, ident, cls, osize):
    """OleSiteConcrete: Name, ID, ObjectStreamSize, ClsidCacheIndex."""
    nsz, nbytes = _fm_string(name)
    mask = (1 << 0) | (1 << 2) | (1 << 5) | (1 << 7)
    data = struct.pack("<IIIHH", nsz, ident, osize, cls, 0)   # + pad to 4
    body = struct.pack("<I", mask) + data + nbytes
    return struct.pack("<HH", 0, len(body)) + body


def _morph(value):
    """MorphDataControl with a Value (a TextBox), and its TextProps."""
    vsz, vbytes = _fm_string(value)
    mask = 1 << 22
    body = struct.pack("<II", mask & 0xFFFFFFFF, mask >> 32) + struct.pack("<I", vsz) + vbytes
    return struct.pack("<BBH", 0, 2, len(body)) + body + struct.pack("<BBH", 0, 2, 0)


def _label(caption):
    csz, cbytes = _fm_string(caption)
    mask = 1 << 3
    body = struct.pack("<I", mask) + struct.pack("<I", csz) + cbytes
    return struct.pack("<BBH", 0, 2, len(body)) + body + struct.pack("<BBH", 0, 2, 0)


def form_streams(controls):
    """The "f" and "o" streams of a form of controls: (name, kind, text),
    kind "TextBox" (Value) or "Label" (Caption)."""
    objs, sites = [], []
    for i, (name, kind, text) in enumerate(controls):
        data = _morph(text) if kind == "TextBox" else _label(text)
        objs.append(data)
        sites.append(_site(name, i + 1, 23 if kind == "TextBox" else 21, len(data)))
    depths = b"".join(struct.pack("<BB", 0, 1) for _ in controls)
    depths += b"\0" * (-len(depths) % 4)
    sitedata = depths + b"".join(sites)
    mask = 1 << 6   # BooleanProperties only: FORM_FLAG_DONTSAVECLASSTABLE set
    form = struct.pack("<I", mask) + struct.pack("<I", 1 << 15)
    f = struct.pack("<BBH", 0, 4, len(form)) + form
    f += struct.pack("<II", len(controls), len(sitedata)) + sitedata
    return f, b"".join(objs)


def with_form(vba_bin, form, controls):
    """vba_bin rebuilt with a storage `form` holding its "f" and "o"."""
    f, o = form_streams(controls)
    return rebuild(vba_bin, {(form, "f"): f, (form, "o"): o})


def rebuild(vba_bin, changes):
    """vba_bin written anew (libgsf) with the streams of changes (path
    tuple -> bytes) added or replaced."""
    import olefile
    import gi
    gi.require_version("Gsf", "1")
    from gi.repository import Gsf
    ole = olefile.OleFileIO(vba_bin)
    entries = {tuple(p): ole.openstream(p).read() for p in ole.listdir()}
    ole.close()
    entries.update(changes)
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "vbaProject.bin")
        out = Gsf.OutputStdio.new(tmp)
        root = Gsf.OutfileMSOle.new(out)
        dirs = {(): root}

        def storage(path):
            if path not in dirs:
                parent = storage(path[:-1])
                dirs[path] = parent.new_child(path[-1], True)
            return dirs[path]
        for path in sorted(entries):
            s = storage(path[:-1]).new_child(path[-1], False)
            s.write(entries[path])
            s.close()
        for path in sorted(dirs, key=len, reverse=True):
            if path:
                dirs[path].close()
        root.close()
        pass  # root.close() closed out
        with open(tmp, "rb") as fh:
            return fh.read()


def docm_with(vba_bin, docvars=None, comments=None):
    """docm() with document variables (name -> value) in word/settings.xml
    and a Comments property in docProps/core.xml."""
    z = zipfile.ZipFile(io.BytesIO(docm(vba_bin)))
    buf = io.BytesIO()
    from xml.sax.saxutils import quoteattr, escape
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "word/settings.xml" and docvars:
                xs = "".join("<w:docVar w:name=%s w:val=%s/>" % (quoteattr(k), quoteattr(v))
                             for k, v in docvars.items())
                data = data.replace(b"</w:settings>",
                                    ("<w:docVars>%s</w:docVars></w:settings>" % xs).encode())
            elif info.filename == "docProps/core.xml" and comments is not None:
                assert b"<dc:description></dc:description>" in data
                data = data.replace(b"<dc:description></dc:description>", (
                    "<dc:description>%s</dc:description>" % escape(comments)).encode())
            out.writestr(info.filename, data)
    return buf.getvalue()

